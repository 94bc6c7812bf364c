//! The TOML target format:
//!
//! ```toml
//! dim = 2
//! [[component]]
//! weight = 0.5
//! mean = [-4.0, 0.0]
//! std = [0.3, 0.3]
//! ```

use std::io::Read as _;
use std::path::Path;

use super::{Mixture, TargetError};

/// Largest target file read, in bytes (1 MiB: a target is a few lines of TOML).
pub const MAX_TARGET_BYTES: u64 = 1 << 20;

/// Reads at most `limit` bytes of `path` and refuses a longer file, without reading more
/// than one byte past the limit (so `/dev/zero` or `/dev/urandom` are refused at once).
pub fn read_capped(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    let file = std::fs::File::open(path)?;
    if file.metadata()?.is_dir() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "is a folder, not a file",
        ));
    }
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("the file is larger than {limit} bytes, the most flowlab reads here"),
        ));
    }
    Ok(bytes)
}

/// [`read_capped`] as UTF-8 text.
pub fn read_text_capped(path: &Path, limit: u64) -> std::io::Result<String> {
    String::from_utf8(read_capped(path, limit)?).map_err(|_not_utf8| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "the file is not UTF-8 text",
        )
    })
}

impl Mixture {
    /// Parses and validates a target from TOML text.
    pub fn from_toml_str(text: &str) -> Result<Self, TargetError> {
        let mixture: Self = toml::from_str(text).map_err(|err| {
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

    /// Reads and validates a target file (at most [`MAX_TARGET_BYTES`]).
    pub fn load(path: &Path) -> Result<Self, TargetError> {
        let text = read_text_capped(path, MAX_TARGET_BYTES).map_err(|source| TargetError::Io {
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
