//! What guidance does to a class: as the scale w grows, samples of class k move towards the
//! centre of component k and their spread shrinks.

use serde::{Deserialize, Serialize};

use crate::Points;
use crate::flow::{FlowError, Guided, Solver, VelocityNet, integrate};
use crate::target::Mixture;

/// Guidance scales every guided round is measured at.
pub const GUIDANCE_SCALES: [f64; 7] = [0.0, 0.5, 1.0, 2.0, 4.0, 6.0, 8.0];

/// One class's guided samples, by scale.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClassGuidance {
    /// The class: the index of the target component.
    pub class: usize,
    /// Mean distance of the samples to the component's centre, one value per scale.
    pub mean_distance: Vec<f64>,
    /// Root mean squared distance of the samples to their own mean, one value per scale.
    pub spread: Vec<f64>,
}

/// How guidance moves the samples of every class.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GuidanceReport {
    /// The guidance scales w.
    pub scales: Vec<f64>,
    /// Points per class and scale.
    pub points: usize,
    /// Euler steps per sample.
    pub steps: usize,
    /// Every class.
    pub classes: Vec<ClassGuidance>,
    /// Mean over classes of `mean_distance`, per scale.
    pub mean_distance: Vec<f64>,
    /// Mean over classes of `spread`, per scale.
    pub spread: Vec<f64>,
}

/// Integrates `noise` under guidance towards each class of `net` at each scale of
/// [`GUIDANCE_SCALES`] with `steps` Euler steps, and measures where the samples land.
pub fn measure_guidance(
    target: &Mixture,
    net: &VelocityNet,
    noise: &Points,
    steps: usize,
) -> Result<GuidanceReport, FlowError> {
    let mut classes = Vec::with_capacity(net.classes());
    for (class, component) in target.components.iter().enumerate().take(net.classes()) {
        let (mut mean_distance, mut spread) = (Vec::new(), Vec::new());
        for &w in &GUIDANCE_SCALES {
            let field = Guided::new(net, class, w as f32)?;
            let samples = integrate(&field, noise, Solver::Euler, steps)?;
            let (d, s) = distance_and_spread(&samples, &component.mean);
            mean_distance.push(d);
            spread.push(s);
        }
        classes.push(ClassGuidance {
            class,
            mean_distance,
            spread,
        });
    }
    let average = |pick: fn(&ClassGuidance) -> &Vec<f64>| -> Vec<f64> {
        (0..GUIDANCE_SCALES.len())
            .map(|i| classes.iter().map(|c| pick(c)[i]).sum::<f64>() / classes.len().max(1) as f64)
            .collect()
    };
    Ok(GuidanceReport {
        scales: GUIDANCE_SCALES.to_vec(),
        points: noise.len(),
        steps,
        mean_distance: average(|c| &c.mean_distance),
        spread: average(|c| &c.spread),
        classes,
    })
}

/// Mean distance of the points to `centre`, and their RMS distance to their own mean.
pub fn distance_and_spread(points: &Points, centre: &[f64]) -> (f64, f64) {
    let n = points.len().max(1) as f64;
    let dim = points.dim;
    let mut mean = vec![0.0; dim];
    let mut distance = 0.0;
    for p in points.rows() {
        let mut d2 = 0.0;
        for a in 0..dim {
            let v = f64::from(p[a]);
            mean[a] += v / n;
            d2 += (v - centre[a]).powi(2);
        }
        distance += d2.sqrt() / n;
    }
    let spread2: f64 = points
        .rows()
        .map(|p| {
            p.iter()
                .zip(&mean)
                .map(|(&v, m)| (f64::from(v) - m).powi(2))
                .sum::<f64>()
        })
        .sum::<f64>()
        / n;
    (distance, spread2.sqrt())
}
