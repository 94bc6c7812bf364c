//! The numbers of a run, as written to `metrics.json`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Settings;
use super::quality::QualityNumbers;
use crate::metrics::Estimate;
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
    /// W2 to a target sample, keyed by the number of Euler steps (mean over the
    /// evaluation's draws).
    pub w2_by_steps: BTreeMap<usize, f64>,
    /// Standard error of each W2 over the draws (its draw-to-draw noise).
    #[serde(default)]
    pub w2_se_by_steps: BTreeMap<usize, f64>,
    /// Within-mode W2 (each point against fresh draws of its most likely component),
    /// keyed by Euler steps.
    #[serde(default)]
    pub within_mode_w2_by_steps: BTreeMap<usize, f64>,
    /// Standard error of each within-mode W2 over the draws.
    #[serde(default)]
    pub within_mode_w2_se_by_steps: BTreeMap<usize, f64>,
    /// Share of points more than 3 Mahalanobis units from every component, keyed by steps.
    #[serde(default)]
    pub stray_mass_by_steps: BTreeMap<usize, f64>,
    /// Standard error of each stray mass over the draws.
    #[serde(default)]
    pub stray_mass_se_by_steps: BTreeMap<usize, f64>,
    /// Standard error of `coupling_cost` (pairs taken as independent).
    #[serde(default)]
    pub coupling_cost_se: f64,
    /// The diffusion round sampled by the stochastic DDPM sampler, keyed by its steps
    /// (empty for other rounds).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub ddpm_by_steps: BTreeMap<usize, QualityNumbers>,
    /// Optimiser steps taken.
    pub train_steps: usize,
    /// Network evaluations it took to make this round, its teachers' included: training
    /// steps × batch × evaluations per example, plus the teacher's evaluations for reflow
    /// pairs, plus what the teacher itself cost (see [`super::compute`]). Sampling costs
    /// `steps × evaluations per step` more per sample.
    #[serde(default)]
    pub network_evaluations: u64,
    /// Mean network evaluations per sample the adaptive Dormand–Prince 5(4) solver needs at
    /// tolerance 1e-3, each sample with its own steps, over 1,000 evaluation-noise points
    /// (`None` for a student, which is not integrated).
    #[serde(default)]
    pub adaptive_evaluations: Option<f64>,
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

    /// Within-mode W2 at `steps` Euler steps, if measured.
    pub fn within_mode_w2_at(&self, steps: usize) -> Option<f64> {
        self.within_mode_w2_by_steps.get(&steps).copied()
    }

    /// Stray mass at `steps` Euler steps, if measured.
    pub fn stray_mass_at(&self, steps: usize) -> Option<f64> {
        self.stray_mass_by_steps.get(&steps).copied()
    }

    /// The quality numbers at `steps` Euler steps as estimates (mode TV is the round's, on
    /// the coverage sample, without a standard error), if measured.
    pub fn quality_at(&self, steps: usize) -> Option<QualityNumbers> {
        let estimate = |means: &BTreeMap<usize, f64>, ses: &BTreeMap<usize, f64>| {
            means.get(&steps).map(|&mean| Estimate {
                mean,
                se: ses.get(&steps).copied().unwrap_or(0.0),
            })
        };
        Some(QualityNumbers {
            w2: estimate(&self.w2_by_steps, &self.w2_se_by_steps)?,
            within_mode_w2: estimate(
                &self.within_mode_w2_by_steps,
                &self.within_mode_w2_se_by_steps,
            )?,
            stray_mass: estimate(&self.stray_mass_by_steps, &self.stray_mass_se_by_steps)?,
            mode_tv: Estimate {
                mean: self.mode_tv,
                se: 0.0,
            },
        })
    }

    /// Fills the per-step maps from measured quality numbers.
    pub fn set_quality(&mut self, quality: &BTreeMap<usize, QualityNumbers>) {
        for (&steps, q) in quality {
            self.w2_by_steps.insert(steps, q.w2.mean);
            self.w2_se_by_steps.insert(steps, q.w2.se);
            self.within_mode_w2_by_steps
                .insert(steps, q.within_mode_w2.mean);
            self.within_mode_w2_se_by_steps
                .insert(steps, q.within_mode_w2.se);
            self.stray_mass_by_steps.insert(steps, q.stray_mass.mean);
            self.stray_mass_se_by_steps.insert(steps, q.stray_mass.se);
        }
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
    /// W2 between two independent target samples of the W2 size: what a perfect sampler
    /// shows on average (a single draw of a good model can sit below it).
    pub metric_floor_w2: f64,
    /// Standard error of `metric_floor_w2` over its repeats.
    #[serde(default)]
    pub metric_floor_w2_se: f64,
    /// Within-mode W2 of a target sample of the W2 size (0 in reports older than it).
    #[serde(default)]
    pub within_mode_floor: f64,
    /// Its standard error.
    #[serde(default)]
    pub within_mode_floor_se: f64,
    /// Stray mass of a target sample of the W2 size.
    #[serde(default)]
    pub stray_mass_floor: f64,
    /// Its standard error.
    #[serde(default)]
    pub stray_mass_floor_se: f64,
    /// Mode TV of a target sample of the coverage size.
    #[serde(default)]
    pub mode_tv_floor: f64,
    /// Its standard error.
    #[serde(default)]
    pub mode_tv_floor_se: f64,
    /// The least transport cost any coupling of source and target has.
    #[serde(default)]
    pub ot_minimum_cost: Option<f64>,
    /// How far `ot_minimum_cost` may be off.
    #[serde(default)]
    pub ot_minimum_error: Option<f64>,
    /// How `ot_minimum_cost` was computed.
    #[serde(default)]
    pub ot_minimum_method: Option<String>,
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
#[derive(Clone, Debug, PartialEq)]
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

    /// The optimal transport cost and how far below it a round's cost must sit to count as
    /// drift: twice the round's standard error and the optimum's error combined.
    pub fn drift_threshold(&self, round: &RoundReport) -> Option<(f64, f64)> {
        let optimum = self.ot_minimum_cost?;
        let error = self.ot_minimum_error.unwrap_or(0.0);
        Some((optimum, drift_margin(round, error)))
    }

    /// True when `round`'s transport cost sits below the optimal transport cost by more than
    /// its error ([`RunReport::drift_threshold`]): no coupling of the source and the target
    /// costs less, so the round's pairs no longer end on the target — the distribution the
    /// teacher generates has drifted from it.
    pub fn cost_drift(&self, round: &RoundReport) -> bool {
        self.drift_threshold(round)
            .is_some_and(|(optimum, margin)| round.coupling_cost < optimum - margin)
    }
}

/// How far below the optimal transport cost `round`'s cost must sit to count as drift: twice
/// its standard error and the optimum's `optimum_error` combined.
pub fn drift_margin(round: &RoundReport, optimum_error: f64) -> f64 {
    (2.0 * round.coupling_cost_se).hypot(optimum_error)
}

/// True when `round`'s transport cost sits below `optimum` by more than its error (see
/// [`RunReport::cost_drift`], the same test for a run's report).
pub fn is_cost_drift(round: &RoundReport, optimum: &crate::metrics::OtMinimum) -> bool {
    round.coupling_cost < optimum.cost - drift_margin(round, optimum.error)
}
