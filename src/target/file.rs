//! The TOML target format:
//!
//! ```toml
//! dim = 2
//! [[component]]
//! weight = 0.5
//! mean = [-4.0, 0.0]
//! std = [0.3, 0.3]
//! ```

use std::path::Path;

use super::{Mixture, TargetError};

impl Mixture {
    /// Parses and validates a target from TOML text.
    pub fn from_toml_str(text: &str) -> Result<Self, TargetError> {
        let mixture: Mixture = toml::from_str(text).map_err(|err| {
            TargetError::Parse(format!("not a valid target file: {}", err.message()))
        })?;
        mixture.validate()?;
        Ok(mixture)
    }

    /// The mixture as TOML text in the target format.
    pub fn to_toml_string(&self) -> String {
        // Serialising plain numbers and vectors into TOML cannot fail.
        toml::to_string(self).unwrap_or_default()
    }

    /// Reads and validates a target file.
    pub fn load(path: &Path) -> Result<Self, TargetError> {
        let text = std::fs::read_to_string(path).map_err(|source| TargetError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_toml_str(&text).map_err(|err| match err {
            TargetError::Parse(msg) => TargetError::Parse(format!("{}: {msg}", path.display())),
            other => other,
        })
    }

    /// Writes the mixture as a target file.
    pub fn save(&self, path: &Path) -> Result<(), TargetError> {
        std::fs::write(path, self.to_toml_string()).map_err(|source| TargetError::Io {
            path: path.to_path_buf(),
            source,
        })
    }
}
