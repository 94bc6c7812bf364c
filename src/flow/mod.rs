//! Flow matching with candle: the velocity network, conditional flow matching (CFM) training,
//! ODE samplers and the stochastic DDPM sampler, reflow pairs and distillation.
//!
//! Conventions: t = 0 is data, t = 1 is noise; `x_t = t·z + (1 − t)·x0`; the network learns
//! `v(x_t, t) ≈ z − x0`; samplers integrate from t = 1 down to t = 0 with `x ← x − Δt·v`.

mod adaptive;
mod ahead;
mod consistency;
mod distill;
mod error;
mod field;
pub mod fused;
mod guidance;
pub mod jvp;
mod meanflow;
mod net;
mod on_path;
mod optim;
mod ot;
mod path;
mod reflow;
mod sampler;
mod shortcut;
pub mod stochastic;
mod time;
mod train;

pub use adaptive::{
    AdaptiveRun, MEASURE_TOLERANCE, RECORD_FRAMES, TOLERANCE_RANGE, Tolerance, integrate_adaptive,
    integrate_adaptive_recording,
};
pub use consistency::{ConsistencyConfig, consistency_distill};
pub use distill::{DistillConfig, DistillMethod, distill};
pub use error::FlowError;
pub use field::{VelocityGrid, velocity_grid};
pub use guidance::Guided;
pub use meanflow::{MeanFlowConfig, train_meanflow};
pub use net::{
    Activation, DEPTH_RANGE, Kernels, NamedArray, NetConfig, NetWeights, TimeEmbedding,
    VelocityNet, WIDTH_RANGE,
};
pub use on_path::OnPath;
pub use ot::{OtPairing, ot_pair};
pub use path::{FlowPath, PathCoefficients};
pub use reflow::{Pairs, make_pairs};
pub use sampler::{
    Sampled, Solver, Trajectory, VelocityField, integrate, integrate_observed, integrate_recording,
    sample_recording,
};
pub use shortcut::{ShortcutConfig, train_shortcut};
pub use time::TimeSampling;
pub use train::{
    BATCH_RANGE, Coupling, STEPS_RANGE, TrainConfig, TrainProgress, TrainStats, train_cfm,
    train_cfm_on_path,
};
