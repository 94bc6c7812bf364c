//! Why training or sampling stopped.

/// A failure in the flow engine.
#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    /// candle reported an error.
    #[error("tensor error: {0}")]
    Candle(#[from] candle_core::Error),
    /// The loss became NaN or infinite; the run was stopped at this step.
    #[error("training diverged at step {step}: the loss became {loss} (try a lower learning rate)")]
    Diverged {
        /// Step at which the loss stopped being finite.
        step: usize,
        /// The offending loss value.
        loss: f32,
    },
    /// The cancel flag was raised.
    #[error("cancelled")]
    Cancelled,
    /// A setting out of its range.
    #[error("{field}: {problem}")]
    InvalidSetting {
        /// The setting's name.
        field: &'static str,
        /// What is wrong with it.
        problem: String,
    },
}

impl FlowError {
    /// An [`FlowError::InvalidSetting`] for `field`.
    pub fn invalid(field: &'static str, problem: impl Into<String>) -> Self {
        Self::InvalidSetting {
            field,
            problem: problem.into(),
        }
    }
}
