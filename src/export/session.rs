//! Session files: a whole run — target, settings, and every round's numbers, losses and
//! weights — in one `.flowlab` file, reopened without training again.
//!
//! The file is a [safetensors](https://huggingface.co/docs/safetensors) file: each round's
//! parameters are f32 tensors named `round{i}/layer{j}.weight` / `.bias`, and the header's
//! metadata holds `format = "flowlab-session"`, `version`, and `session`, a JSON document with
//! the target, settings, metric floor and the rounds without their weights. Any safetensors
//! reader can open the weights.
//!
//! Since format 2 the metadata also holds `header_fnv1a64` and `weights_fnv1a64`, FNV-1a
//! checksums of the `session` JSON and of every weight array (name, shape and bytes): any
//! change to a stored byte, even one that leaves every weight finite, is refused. Format 1
//! files (no checksums) are still opened, without that check; their restored samples are
//! still checked to be finite.
//!
//! Loading checks everything before anything is replaced: a file from a newer flowlab, a
//! truncated file, a round whose weights are missing, a tampered shape, a checksum that does
//! not match and settings a run cannot be rebuilt from are each a [`SessionError`] that says
//! which.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use safetensors::tensor::{Dtype, SafeTensors, View};
use serde::{Deserialize, Serialize};

use super::write_atomically;
use crate::flow::{NamedArray, NetConfig, NetWeights};
use crate::pipeline::{Pipeline, PipelineError, RoundKind, RoundReport, SavedRound, Settings};
use crate::target::Mixture;

/// The format version this build writes and the newest it reads (2: with checksums).
pub const SESSION_VERSION: u32 = 2;
/// The first format version that stores checksums.
const CHECKSUM_VERSION: u32 = 2;
/// Largest session file read, in bytes (1 GiB; a lecture's session is a few MB).
pub const MAX_SESSION_BYTES: u64 = 1 << 30;
/// The `format` metadata value of a session file.
const FORMAT: &str = "flowlab-session";
/// File extension of session files.
pub const SESSION_EXTENSION: &str = "flowlab";

/// Why a session could not be saved or opened.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// Reading or writing the file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// The bytes are not a complete safetensors file (cut short, or another kind of file).
    #[error(
        "{path}: not a complete flowlab session (the file is truncated or of another kind: {detail})"
    )]
    Damaged {
        /// The file.
        path: PathBuf,
        /// What the parser found.
        detail: String,
    },
    /// A safetensors file, but not one flowlab wrote.
    #[error("{path}: a safetensors file, but not a flowlab session ({detail})")]
    Foreign {
        /// The file.
        path: PathBuf,
        /// What is missing.
        detail: String,
    },
    /// Written by a newer flowlab.
    #[error(
        "{path}: saved by a newer flowlab (session format {found}; this version reads up to {SESSION_VERSION}): update flowlab to open it"
    )]
    Newer {
        /// The file.
        path: PathBuf,
        /// Its format version.
        found: u32,
    },
    /// A round's weights are not in the file.
    #[error("{path}: round {round}: the weights `{name}` are missing")]
    MissingWeights {
        /// The file.
        path: PathBuf,
        /// The round.
        round: String,
        /// The parameter.
        name: String,
    },
    /// A round's weights have the wrong shape or type for its network.
    #[error("{path}: round {round}: `{name}` {mismatch}")]
    Shape {
        /// The file.
        path: PathBuf,
        /// The round.
        round: String,
        /// The parameter.
        name: String,
        /// What the file holds and what the network needs.
        mismatch: String,
    },
    /// The saved run itself is not valid (target, settings, weights).
    #[error("{path}: {detail}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// A stored checksum does not match the bytes: the file was damaged after saving.
    #[error(
        "{path}: the {what} do not match the checksum stored with them: the file is damaged \
         (a changed byte), so it is not opened"
    )]
    Checksum {
        /// The file.
        path: PathBuf,
        /// `weights` or `session header`.
        what: &'static str,
    },
    /// There is nothing to save yet.
    #[error("nothing to save yet: train 1-RF first")]
    Empty,
    /// The run could not be read out of the pipeline.
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
}

/// A saved run: everything needed to show it again.
#[derive(Clone, Debug, PartialEq)]
pub struct Session {
    /// The target.
    pub target: Mixture,
    /// The settings of the run.
    pub settings: Settings,
    /// The W2 metric floor the rounds were measured against.
    pub metric_floor_w2: f64,
    /// Points per W2 sample.
    pub w2_points: usize,
    /// The rounds, oldest first.
    pub rounds: Vec<SavedRound>,
}

/// The JSON header: the session without the weights.
#[derive(Serialize, Deserialize)]
struct Header {
    target: Mixture,
    settings: Settings,
    metric_floor_w2: f64,
    w2_points: usize,
    rounds: Vec<RoundHeader>,
}

#[derive(Serialize, Deserialize)]
struct RoundHeader {
    kind: RoundKind,
    report: RoundReport,
    losses: Vec<(usize, f32)>,
    dim: usize,
    net: NetConfig,
}

/// One f32 array as safetensors sees it.
struct F32View<'a>(&'a NamedArray);

impl View for F32View<'_> {
    fn dtype(&self) -> Dtype {
        Dtype::F32
    }
    fn shape(&self) -> &[usize] {
        &self.0.shape
    }
    fn data(&self) -> std::borrow::Cow<'_, [u8]> {
        self.0.values.iter().flat_map(|v| v.to_le_bytes()).collect()
    }
    fn data_len(&self) -> usize {
        self.0.values.len() * 4
    }
}

impl Session {
    /// Everything `pipeline` has finished.
    pub fn from_pipeline(pipeline: &Pipeline) -> Result<Self, SessionError> {
        if pipeline.rounds().is_empty() {
            return Err(SessionError::Empty);
        }
        Ok(Self {
            target: pipeline.target().clone(),
            settings: pipeline.settings().clone(),
            metric_floor_w2: pipeline.evaluator().metric_floor_w2(),
            w2_points: pipeline.evaluator().w2_points(),
            rounds: pipeline.saved_rounds()?,
        })
    }

    /// The run, rebuilt without training (see [`Pipeline::restore`]).
    pub fn into_pipeline(self) -> Result<Pipeline, PipelineError> {
        Pipeline::restore(self.target, self.settings, self.rounds)
    }

    /// The session as the bytes of a `.flowlab` file.
    pub fn to_bytes(&self) -> Result<Vec<u8>, SessionError> {
        let header = Header {
            target: self.target.clone(),
            settings: self.settings.clone(),
            metric_floor_w2: self.metric_floor_w2,
            w2_points: self.w2_points,
            rounds: self
                .rounds
                .iter()
                .map(|r| RoundHeader {
                    kind: r.kind,
                    report: r.report.clone(),
                    losses: r.losses.clone(),
                    dim: r.weights.dim,
                    net: r.weights.config,
                })
                .collect(),
        };
        let json = serde_json::to_string(&header).map_err(|err| SessionError::Invalid {
            path: PathBuf::new(),
            detail: err.to_string(),
        })?;
        let mut weights = WeightsChecksum::default();
        for (i, r) in self.rounds.iter().enumerate() {
            for a in &r.weights.params {
                weights.add(&format!("round{i}/{}", a.name), &a.shape, &a.values);
            }
        }
        let metadata = HashMap::from([
            ("format".to_owned(), FORMAT.to_owned()),
            ("version".to_owned(), SESSION_VERSION.to_string()),
            ("header_fnv1a64".to_owned(), hex(fnv1a64(json.as_bytes()))),
            ("weights_fnv1a64".to_owned(), hex(weights.finish())),
            ("session".to_owned(), json),
        ]);
        let tensors = self.rounds.iter().enumerate().flat_map(|(i, r)| {
            r.weights
                .params
                .iter()
                .map(move |a| (format!("round{i}/{}", a.name), F32View(a)))
        });
        safetensors::serialize(tensors, Some(metadata)).map_err(|err| SessionError::Invalid {
            path: PathBuf::new(),
            detail: err.to_string(),
        })
    }

    /// Reads a session from the bytes of a `.flowlab` file; `path` names it in errors.
    pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<Self, SessionError> {
        let (header, checksums) = read_header(bytes, path)?;
        let invalid = |detail: String| SessionError::Invalid {
            path: path.to_path_buf(),
            detail,
        };
        let mut weights_checksum = WeightsChecksum::default();
        let tensors = SafeTensors::deserialize(bytes).map_err(|e| SessionError::Damaged {
            path: path.to_path_buf(),
            detail: e.to_string(),
        })?;
        let mut rounds = Vec::with_capacity(header.rounds.len());
        for (i, r) in header.rounds.into_iter().enumerate() {
            rounds.push(read_round(
                &tensors,
                path,
                (i, r),
                header.target.dim,
                checksums.is_some(),
                &mut weights_checksum,
            )?);
        }
        if let Some(stored) = checksums
            && weights_checksum.finish() != stored
        {
            return Err(SessionError::Checksum {
                path: path.to_path_buf(),
                what: "weights",
            });
        }
        if let Some(values) = first_non_finite(&rounds) {
            return Err(invalid(format!(
                "round {}: `{}` holds a non-finite value",
                values.0, values.1
            )));
        }
        let session = Self {
            target: header.target,
            settings: header.settings,
            metric_floor_w2: header.metric_floor_w2,
            w2_points: header.w2_points,
            rounds,
        };
        session.check_restorable().map_err(invalid)?;
        Ok(session)
    }

    /// The checks a restore would fail on, done without integrating anything: the source's
    /// dimension, the evaluation's size for the target's dimension, every round's network.
    /// [`Session::load`] runs them, so a loaded session restores unless its weights make
    /// non-finite samples (see [`Session::open`]).
    fn check_restorable(&self) -> Result<(), String> {
        let dim = self.target.dim;
        if let Some(source) = &self.settings.source
            && source.dim != dim
        {
            return Err(format!(
                "settings: source: is a {}-D mixture but the target is {dim}-D",
                source.dim
            ));
        }
        let w2_points = self.settings.eval.w2_points_for(dim);
        if dim > 1 && w2_points > crate::pipeline::MAX_W2_POINTS_2D {
            return Err(format!(
                "settings: eval.w2_points: {w2_points} is more than {} (exact assignment in 2-D)",
                crate::pipeline::MAX_W2_POINTS_2D
            ));
        }
        for r in &self.rounds {
            if r.weights.dim != dim {
                return Err(format!(
                    "round {}: a {}-D network for a {dim}-D target",
                    r.report.name, r.weights.dim
                ));
            }
        }
        Ok(())
    }

    /// Reads, checks and restores the session at `path` in one go: the whole validation a UI
    /// needs before it replaces anything. The pipeline comes back only when every check
    /// passed, including that every restored round samples finite points.
    pub fn open(path: &Path) -> Result<(Self, Pipeline), SessionError> {
        let session = Self::load(path)?;
        let pipeline = session
            .clone()
            .into_pipeline()
            .map_err(|err| SessionError::Invalid {
                path: path.to_path_buf(),
                detail: err.to_string(),
            })?;
        Ok((session, pipeline))
    }

    /// Writes the session to `path` atomically: the bytes go to a temporary file beside it,
    /// which is flushed to disk and then renamed over `path`, so a crash mid-save leaves the
    /// old file whole.
    pub fn save(&self, path: &Path) -> Result<(), SessionError> {
        let bytes = self.to_bytes()?;
        write_atomically(path, &bytes).map_err(|source| SessionError::Io {
            path: path.to_path_buf(),
            source,
        })
    }

    /// Reads and checks the session at `path` (at most [`MAX_SESSION_BYTES`]).
    pub fn load(path: &Path) -> Result<Self, SessionError> {
        let bytes = crate::target::read_capped(path, MAX_SESSION_BYTES).map_err(|source| {
            SessionError::Io {
                path: path.to_path_buf(),
                source,
            }
        })?;
        Self::from_bytes(&bytes, path)
    }
}

/// Reads and checks a session file's JSON header, with its stored weights checksum if any.
fn read_header(bytes: &[u8], path: &Path) -> Result<(Header, Option<u64>), SessionError> {
    let path = path.to_path_buf();
    let damaged = |detail: String| SessionError::Damaged {
        path: path.clone(),
        detail,
    };
    let (_, meta) = SafeTensors::read_metadata(bytes).map_err(|e| damaged(e.to_string()))?;
    let info = meta.metadata().clone().unwrap_or_default();
    let foreign = |detail: &str| SessionError::Foreign {
        path: path.clone(),
        detail: detail.to_owned(),
    };
    if info.get("format").map(String::as_str) != Some(FORMAT) {
        return Err(foreign("no `format = flowlab-session` in its header"));
    }
    let version: u32 = info
        .get("version")
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| foreign("no readable `version` in its header"))?;
    if version > SESSION_VERSION {
        return Err(SessionError::Newer {
            path,
            found: version,
        });
    }
    let json = info
        .get("session")
        .ok_or_else(|| foreign("no `session` in its header"))?;
    let invalid = |detail: String| SessionError::Invalid {
        path: path.clone(),
        detail,
    };
    let header: Header = serde_json::from_str(json)
        .map_err(|e| invalid(format!("the session header is not valid: {e}")))?;
    header
        .target
        .validate()
        .map_err(|e| invalid(format!("target: {e}")))?;
    header
        .settings
        .validate()
        .map_err(|e| invalid(format!("settings: {e}")))?;
    let checksums = if version >= CHECKSUM_VERSION {
        let stored = |key: &str| {
            info.get(key)
                .and_then(|v| u64::from_str_radix(v, 16).ok())
                .ok_or_else(|| invalid(format!("no readable `{key}` in its header")))
        };
        let (header_sum, weights_sum) = (stored("header_fnv1a64")?, stored("weights_fnv1a64")?);
        if fnv1a64(json.as_bytes()) != header_sum {
            return Err(SessionError::Checksum {
                path,
                what: "session header",
            });
        }
        Some(weights_sum)
    } else {
        None
    };
    Ok((header, checksums))
}

/// Reads and checks round `i` and its weights, adding them to `weights_checksum`.
fn read_round(
    tensors: &SafeTensors<'_>,
    path: &Path,
    (i, r): (usize, RoundHeader),
    target_dim: usize,
    checksummed: bool,
    weights_checksum: &mut WeightsChecksum,
) -> Result<SavedRound, SessionError> {
    let invalid = |detail: String| SessionError::Invalid {
        path: path.to_path_buf(),
        detail,
    };
    let round = r.report.name.clone();
    r.net
        .validate()
        .map_err(|e| invalid(format!("round {round}: {e}")))?;
    if r.dim != target_dim {
        return Err(invalid(format!(
            "round {round}: a {}-D network for a {}-D target",
            r.dim, target_dim
        )));
    }
    let mut arrays = Vec::new();
    for (name, shape) in r.net.parameter_shapes(r.dim) {
        let key = format!("round{i}/{name}");
        let view = tensors
            .tensor(&key)
            .map_err(|_missing| SessionError::MissingWeights {
                path: path.to_path_buf(),
                round: round.clone(),
                name: name.clone(),
            })?;
        if view.dtype() != Dtype::F32 || view.shape() != shape.as_slice() {
            return Err(SessionError::Shape {
                path: path.to_path_buf(),
                round,
                name,
                mismatch: format!(
                    "is {:?} {:?}, expected F32 {shape:?}",
                    view.dtype(),
                    view.shape()
                ),
            });
        }
        let values: Vec<f32> = view
            .data()
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        weights_checksum.add(&key, &shape, &values);
        if !checksummed && values.iter().any(|v| !v.is_finite()) {
            return Err(invalid(format!(
                "round {round}: `{name}` holds a non-finite value"
            )));
        }
        arrays.push(NamedArray {
            name,
            shape,
            values,
        });
    }
    Ok(SavedRound {
        kind: r.kind,
        report: r.report,
        losses: r.losses,
        weights: NetWeights {
            dim: r.dim,
            config: r.net,
            params: arrays,
        },
    })
}

/// The round and parameter names of the first weight array holding a non-finite value.
fn first_non_finite(rounds: &[SavedRound]) -> Option<(String, String)> {
    rounds.iter().find_map(|r| {
        r.weights
            .params
            .iter()
            .find(|a| a.values.iter().any(|v| !v.is_finite()))
            .map(|a| (r.report.name.clone(), a.name.clone()))
    })
}

/// FNV-1a, 64 bits: any change of a single byte changes it (each step is a bijection of the
/// state). It detects damage, not deliberate tampering.
fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

fn hex(value: u64) -> String {
    format!("{value:016x}")
}

/// The checksum of every weight array: each array's name, shape and little-endian bytes
/// hashed on their own, combined in name order (so the order arrays are stored in does not
/// matter).
#[derive(Default)]
struct WeightsChecksum(std::collections::BTreeMap<String, u64>);

impl WeightsChecksum {
    fn add(&mut self, name: &str, shape: &[usize], values: &[f32]) {
        let mut bytes = Vec::with_capacity(name.len() + 8 * shape.len() + 4 * values.len());
        bytes.extend_from_slice(name.as_bytes());
        for s in shape {
            bytes.extend_from_slice(&(*s as u64).to_le_bytes());
        }
        for v in values {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
        self.0.insert(name.to_owned(), fnv1a64(&bytes));
    }

    fn finish(&self) -> u64 {
        let mut all = Vec::with_capacity(16 * self.0.len());
        for (name, hash) in &self.0 {
            all.extend_from_slice(name.as_bytes());
            all.extend_from_slice(&hash.to_le_bytes());
        }
        fnv1a64(&all)
    }
}
