//! The presets shipped in `assets/presets/`, compiled into the binary.

use super::{Mixture, TargetError};

/// A named target that ships with flowlab.
#[derive(Clone, Copy, Debug)]
pub struct Preset {
    /// Name used on the command line and in menus.
    pub name: &'static str,
    /// The TOML file's text; its first line is a `# description` comment.
    pub toml: &'static str,
}

impl Preset {
    /// The one-line description (the file's first comment line).
    pub fn description(&self) -> &'static str {
        self.toml
            .lines()
            .next()
            .and_then(|l| l.strip_prefix('#'))
            .map(str::trim)
            .unwrap_or("")
    }

    /// The preset's mixture.
    pub fn mixture(&self) -> Result<Mixture, TargetError> {
        Mixture::from_toml_str(self.toml)
    }
}

macro_rules! preset {
    ($name:literal) => {
        Preset {
            name: $name,
            toml: include_str!(concat!("../../assets/presets/", $name, ".toml")),
        }
    };
}

/// Every preset, 1-D ones first.
pub const PRESETS: &[Preset] = &[
    preset!("two-modes-1d"),
    preset!("unequal-1d"),
    preset!("eight-gaussians"),
    preset!("two-far"),
    preset!("moons"),
    preset!("checkerboard"),
    preset!("anisotropic"),
];

/// The preset the app opens with.
pub const DEFAULT_PRESET: &str = "two-far";

/// Looks up a preset by name and returns its mixture.
pub fn preset(name: &str) -> Result<Mixture, TargetError> {
    PRESETS
        .iter()
        .find(|p| p.name == name)
        .ok_or_else(|| TargetError::UnknownPreset {
            name: name.to_string(),
            known: PRESETS
                .iter()
                .map(|p| p.name)
                .collect::<Vec<_>>()
                .join(", "),
        })?
        .mixture()
}
