//! The quality readout of a sampler: W2, within-mode W2, stray mass and mode TV, each the
//! mean over the evaluation's independent draws with its standard error, and their floors.

use rand::SeedableRng as _;
use rand::rngs::StdRng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::Points;
use crate::flow::{FlowError, Solver, VelocityField, integrate};
use crate::metrics::{Estimate, mode_tv, stray_mass, w2, within_mode_w2};
use crate::target::Mixture;

/// The quality numbers of one sampler setting, each a mean over the evaluation's draws with
/// its standard error.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct QualityNumbers {
    /// W2 to a target sample of the same size (dominated by chance mode counts on a
    /// multi-mode target: read it with its ±).
    pub w2: Estimate,
    /// Within-mode W2 (`DESIGN.md` §1): the shape of each mode, apart from its mass.
    pub within_mode_w2: Estimate,
    /// Share of points more than 3 Mahalanobis units from every component.
    pub stray_mass: Estimate,
    /// Total variation between per-component fractions and the weights.
    pub mode_tv: Estimate,
}

/// The same numbers for samples of the target itself: what a perfect sampler shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct QualityFloors {
    /// W2 between two independent target samples of the W2 size.
    pub w2: Estimate,
    /// Within-mode W2 of a target sample of the W2 size.
    pub within_mode_w2: Estimate,
    /// Stray mass of a target sample of the W2 size.
    pub stray_mass: Estimate,
    /// Mode TV of a target sample of the coverage size (the size a round's mode TV uses).
    pub mode_tv: Estimate,
    /// Mode TV of a target sample of the W2 size: the floor of the per-step mode TV in
    /// [`QualityNumbers`] (measured on draws of that size).
    pub mode_tv_per_draw: Estimate,
}

/// The independent draws every sampler is measured on.
///
/// The noise each starts from, the target sample W2 compares with, and the seed of the
/// fresh component draws within-mode W2 compares each mode with. Plain vectors, so the
/// app's sampling thread can keep a copy and give the same numbers as `flowlab run`.
#[derive(Clone, Debug, PartialEq)]
pub struct EvalDraws {
    /// One `(noise, reference)` pair per draw, `w2_points` each.
    pub pairs: Vec<(Points, Points)>,
    /// One seed per draw for within-mode W2's fresh component draws.
    pub seeds: Vec<u64>,
}

impl EvalDraws {
    /// Number of draws.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// True when there is no draw.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// Integrates every draw's noise with `field` under `solver` and `steps` and measures
    /// the samples. `first`, when given, is what the first draw's noise already became (its
    /// head is used; a `first` shorter than the draws is integrated afresh instead). Every
    /// sample is cut to the size of the smallest reference.
    pub fn quality(
        &self,
        field: &dyn VelocityField,
        target: &Mixture,
        solver: Solver,
        steps: usize,
        first: Option<&Points>,
    ) -> Result<QualityNumbers, FlowError> {
        let n = self.pairs.iter().map(|p| p.1.len()).min().unwrap_or(0);
        let mut samples = Vec::with_capacity(self.pairs.len());
        for (i, (z, r)) in self.pairs.iter().enumerate() {
            let generated = match (i, first) {
                (0, Some(f)) if f.len() >= n => f.head(n),
                _ => integrate(field, &z.head(n), solver, steps)?,
            };
            samples.push((generated, r.head(n)));
        }
        Ok(quality_of(target, &samples, &self.seeds))
    }
}

/// The quality numbers of generated samples.
///
/// `draws` holds one `(generated, reference)` pair per independent draw (equal sizes within
/// a pair), `seeds` one seed per draw for the fresh component draws of within-mode W2
/// (missing seeds count from 0). Each number is the mean over the draws with its standard
/// error; draws are measured one per core and summed in order, so the result does not
/// depend on the core count.
pub fn quality_of(target: &Mixture, draws: &[(Points, Points)], seeds: &[u64]) -> QualityNumbers {
    let per_draw: Vec<[f64; 4]> = draws
        .par_iter()
        .enumerate()
        .map(|(i, (generated, reference))| {
            let seed = seeds.get(i).copied().unwrap_or(i as u64);
            let rng = &mut StdRng::seed_from_u64(seed);
            [
                w2(generated, reference),
                within_mode_w2(target, generated, rng),
                stray_mass(target, generated),
                mode_tv(target, generated),
            ]
        })
        .collect();
    let column = |k: usize| Estimate::of(&per_draw.iter().map(|v| v[k]).collect::<Vec<_>>());
    QualityNumbers {
        w2: column(0),
        within_mode_w2: column(1),
        stray_mass: column(2),
        mode_tv: column(3),
    }
}

/// One of the per-step quality numbers, for charts and figures that draw one at a time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Measure {
    /// Within-mode W2: the shape of each mode (the headline number).
    #[default]
    WithinModeW2,
    /// Stray mass: the share of points between the modes.
    StrayMass,
    /// W2 to a target sample (mostly chance mode counts on a multi-mode target).
    W2,
}

impl Measure {
    /// Every measure, in menu order.
    pub const ALL: [Self; 3] = [Self::WithinModeW2, Self::StrayMass, Self::W2];

    /// Its name on axes and menus.
    pub fn name(self) -> &'static str {
        match self {
            Self::WithinModeW2 => "within-mode W2",
            Self::StrayMass => "stray mass",
            Self::W2 => "W2",
        }
    }

    /// The file-name stem of its figure against steps.
    pub fn stem(self) -> &'static str {
        match self {
            Self::WithinModeW2 => "within_mode_w2_by_steps",
            Self::StrayMass => "stray_mass_by_steps",
            Self::W2 => "w2_by_steps",
        }
    }

    /// A round's values keyed by Euler steps.
    pub fn by_steps(self, report: &super::RoundReport) -> &std::collections::BTreeMap<usize, f64> {
        match self {
            Self::WithinModeW2 => &report.within_mode_w2_by_steps,
            Self::StrayMass => &report.stray_mass_by_steps,
            Self::W2 => &report.w2_by_steps,
        }
    }

    /// The standard errors of a round's values, keyed by Euler steps.
    pub fn se_by_steps(
        self,
        report: &super::RoundReport,
    ) -> &std::collections::BTreeMap<usize, f64> {
        match self {
            Self::WithinModeW2 => &report.within_mode_w2_se_by_steps,
            Self::StrayMass => &report.stray_mass_se_by_steps,
            Self::W2 => &report.w2_se_by_steps,
        }
    }

    /// What a perfect sampler scores.
    pub fn floor(self, floors: &QualityFloors) -> Estimate {
        match self {
            Self::WithinModeW2 => floors.within_mode_w2,
            Self::StrayMass => floors.stray_mass,
            Self::W2 => floors.w2,
        }
    }

    /// Its value among a sampler's quality numbers.
    pub fn of(self, numbers: &QualityNumbers) -> Estimate {
        match self {
            Self::WithinModeW2 => numbers.within_mode_w2,
            Self::StrayMass => numbers.stray_mass,
            Self::W2 => numbers.w2,
        }
    }
}
