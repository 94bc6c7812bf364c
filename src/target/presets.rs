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

/// The name of the preset whose mixture is exactly `target`, if there is one (a session or
/// target file that holds an unchanged preset is named by it).
pub fn name_of(target: &Mixture) -> Option<&'static str> {
    PRESETS
        .iter()
        .find(|p| p.mixture().is_ok_and(|m| &m == target))
        .map(|p| p.name)
}

/// Looks up a preset by name and returns its mixture.
pub fn preset(name: &str) -> Result<Mixture, TargetError> {
    PRESETS
        .iter()
        .find(|p| p.name == name)
        .ok_or_else(|| TargetError::UnknownPreset {
            name: name.to_owned(),
            known: PRESETS
                .iter()
                .map(|p| p.name)
                .collect::<Vec<_>>()
                .join(", "),
        })?
        .mixture()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unchanged_preset_is_named_and_an_edited_one_is_not() {
        let mut two_far = preset("two-far").expect("a shipped preset");
        assert_eq!(name_of(&two_far), Some("two-far"));
        two_far.components[0].mean[0] += 0.5;
        assert_eq!(name_of(&two_far), None);
    }
}
