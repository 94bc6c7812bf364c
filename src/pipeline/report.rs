//! The numbers of a run, as written to `metrics.json`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Settings;
use std::path::Path;

use crate::Points;
use crate::target::Mixture;
use crate::target::fit::{DataError, FitConfig, fit_mixture, load_points_csv};

/// One round's measurements.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoundReport {
    /// `1-RF`, `2-RF`, …, `distilled`.
    pub name: String,
    /// `E ‖z − x0‖²` of the pairs the round trained on (1-RF: independent pairs).
    pub coupling_cost: f64,
    /// Straightness on the reference Euler path; `None` for a one-step student.
    pub straightness: Option<f64>,
    /// Total variation between per-component sample fractions and the weights.
    pub mode_tv: f64,
    /// W2 to a target sample, keyed by the number of Euler steps.
    pub w2_by_steps: BTreeMap<usize, f64>,
    /// Optimiser steps taken.
    pub train_steps: usize,
    /// Mean loss over the last reporting window.
    pub final_loss: Option<f32>,
    /// Wall time of training.
    pub train_seconds: f64,
    /// Wall time of integrating the teacher for pairs (0 for 1-RF).
    pub pair_seconds: f64,
    /// How guidance moves each class (the class-conditional round only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guidance: Option<super::GuidanceReport>,
    /// Why the round counts as diverged (its loss or W2 blew up; see
    /// [`super::divergence`]), or `None` for a healthy round.
    #[serde(default)]
    pub diverged: Option<String>,
}

impl RoundReport {
    /// W2 at `steps` Euler steps, if measured.
    pub fn w2_at(&self, steps: usize) -> Option<f64> {
        self.w2_by_steps.get(&steps).copied()
    }
}

/// Wall-clock figures (the only numbers that differ between identical runs).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Timings {
    /// From the start of the pipeline to the report.
    pub total_seconds: f64,
    /// Training steps over training time, all rounds together.
    pub train_steps_per_second: f64,
}

/// Everything a run measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    /// The target mixture.
    pub target: Mixture,
    /// The settings of the run.
    pub settings: Settings,
    /// W2 between two independent target samples of the W2 size: the best a model can show.
    pub metric_floor_w2: f64,
    /// Points in each W2 sample.
    pub w2_points: usize,
    /// The rounds in the order they were made.
    pub rounds: Vec<RoundReport>,
    /// Wall-clock figures.
    pub timings: Timings,
    /// Where the target came from when it was fitted to a CSV of points.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<DataFitReport>,
}

/// The fit of the target to the user's points (`flowlab run --data`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DataFitReport {
    /// The CSV file, as given.
    pub file: String,
    /// Points read from it.
    pub points: usize,
    /// Components of the fitted mixture.
    pub components: usize,
    /// Mean log-likelihood per point of the fit.
    pub log_likelihood: f64,
    /// Its Bayesian information criterion (lower is better).
    pub bic: f64,
    /// `(components, BIC)` of every count tried when the count was chosen automatically.
    pub tried: Vec<(usize, f64)>,
}

/// A target fitted to the user's points, the points, and what the run reports about the fit.
pub struct FittedData {
    /// The fitted mixture, the run's target.
    pub mixture: Mixture,
    /// The points read from the file.
    pub points: Points,
    /// The fit, as `metrics.json` reports it.
    pub report: DataFitReport,
}

/// Reads the CSV of points at `path` and fits a mixture to them with `config`: what
/// `flowlab run --data` and the app's Load both do.
pub fn fit_data(path: &Path, config: &FitConfig) -> Result<FittedData, DataError> {
    let points = load_points_csv(path)?;
    let fit = fit_mixture(&points, config)?;
    let report = DataFitReport {
        file: path.display().to_string(),
        points: points.len(),
        components: fit.components,
        log_likelihood: fit.log_likelihood,
        bic: fit.bic,
        tried: fit.tried,
    };
    Ok(FittedData {
        mixture: fit.mixture,
        points,
        report,
    })
}

impl RunReport {
    /// The rounds that diverged, with why.
    pub fn diverged_rounds(&self) -> impl Iterator<Item = (&str, &str)> {
        self.rounds
            .iter()
            .filter_map(|r| r.diverged.as_deref().map(|why| (r.name.as_str(), why)))
    }

    /// The round named `name`.
    pub fn round(&self, name: &str) -> Option<&RoundReport> {
        self.rounds.iter().find(|r| r.name == name)
    }
}
