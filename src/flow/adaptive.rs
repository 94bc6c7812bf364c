//! The adaptive Dormand–Prince 5(4) solver: it picks its own step sizes so the estimated
//! local error stays under a tolerance, so a straight field is crossed in a few large steps
//! and a curved one in many small ones. The number of network evaluations it needs is the
//! one-number summary of how straight a flow is.
//!
//! Every sample gets its own step sizes, as if it were integrated alone (with the
//! root-mean-square error norm of Hairer, Nørsett and Wanner over its coordinates), so the
//! count is what that sample cost; the samples still share each batched network pass.
//! (Integrating the whole batch as one system with one step size, as `torchdiffeq` does,
//! averages the errors away: on two-far both 1-RF and 2-RF then take 32 evaluations at
//! 1e-3, and the measure says nothing.)

use serde::{Deserialize, Serialize};

use super::{FlowError, Trajectory, VelocityField};
use crate::Points;

/// Nodes `c_i` of the Dormand–Prince tableau.
const C: [f64; 7] = [0.0, 1.0 / 5.0, 3.0 / 10.0, 4.0 / 5.0, 8.0 / 9.0, 1.0, 1.0];

/// Rows of the tableau's matrix `a_ij` (stage i uses the first i slopes); the last row is
/// also the fifth-order weights, which is why the final slope of one step is the first of the
/// next ("first same as last").
const A: [&[f64]; 7] = [
    &[],
    &[1.0 / 5.0],
    &[3.0 / 40.0, 9.0 / 40.0],
    &[44.0 / 45.0, -56.0 / 15.0, 32.0 / 9.0],
    &[
        19372.0 / 6561.0,
        -25360.0 / 2187.0,
        64448.0 / 6561.0,
        -212.0 / 729.0,
    ],
    &[
        9017.0 / 3168.0,
        -355.0 / 33.0,
        46732.0 / 5247.0,
        49.0 / 176.0,
        -5103.0 / 18656.0,
    ],
    &[
        35.0 / 384.0,
        0.0,
        500.0 / 1113.0,
        125.0 / 192.0,
        -2187.0 / 6784.0,
        11.0 / 84.0,
    ],
];

/// Fifth-order weights minus the embedded fourth-order ones: the local error estimate.
const E: [f64; 7] = [
    71.0 / 57600.0,
    0.0,
    -71.0 / 16695.0,
    71.0 / 1920.0,
    -17253.0 / 339200.0,
    22.0 / 525.0,
    -1.0 / 40.0,
];

/// Tolerances the solver accepts (relative and absolute alike).
pub const TOLERANCE_RANGE: std::ops::RangeInclusive<f64> = 1e-6..=1e-1;

/// Tolerance of the per-round `adaptive_evaluations` measurement.
pub const MEASURE_TOLERANCE: f64 = 1e-3;

/// A tolerance on the app's slider: a power of ten in tenths of a decade (`Tolerance(30)` is
/// 1e-3), so a sampler choice stays a small exact value that compares and persists as-is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Tolerance(pub u8);

impl Tolerance {
    /// The tolerance of the per-round measurement ([`MEASURE_TOLERANCE`]).
    pub const MEASURE: Self = Self(30);
    /// The slider's range in tenths of a decade: 1e-1 to 1e-6 ([`TOLERANCE_RANGE`]).
    pub const TENTHS: std::ops::RangeInclusive<u8> = 10..=60;

    /// The nearest tolerance on the grid to `value` (clamped into the range).
    pub fn nearest(value: f64) -> Self {
        let tenths = (-10.0 * value.max(1e-12).log10()).round();
        Self(tenths.clamp(10.0, 60.0) as u8)
    }

    /// Its value (a stored tenth outside the range is clamped into it).
    pub fn value(self) -> f64 {
        let tenths = self.0.clamp(*Self::TENTHS.start(), *Self::TENTHS.end());
        10f64.powf(-f64::from(tenths) / 10.0)
    }
}

impl Default for Tolerance {
    fn default() -> Self {
        Self::MEASURE
    }
}

/// Frames of a recorded adaptive path: every particle's accepted steps, resampled on one
/// shared grid of times so they draw and play like a fixed-step integration's.
pub const RECORD_FRAMES: usize = 128;

/// Step attempts per sample after which the solver gives up (a stiff or broken field).
const MAX_ATTEMPTS: usize = 5_000;

/// What an adaptive integration did.
#[derive(Clone, Debug, PartialEq)]
pub struct AdaptiveRun {
    /// The points at t = 0.
    pub samples: Points,
    /// Network evaluations each sample needed, the two of its starting-step estimate
    /// included.
    pub evaluations: Vec<usize>,
    /// Steps accepted, over all samples.
    pub accepted: usize,
    /// Steps rejected and retried smaller, over all samples.
    pub rejected: usize,
}

impl AdaptiveRun {
    /// The mean evaluations per sample.
    pub fn mean_evaluations(&self) -> f64 {
        self.evaluations.iter().sum::<usize>() as f64 / self.evaluations.len().max(1) as f64
    }
}

/// One sample's state between steps.
#[derive(Clone, Copy, Debug)]
struct Clock {
    /// Its time (falls from 1 to 0).
    t: f64,
    /// Its next step size.
    h: f64,
    /// Its last attempt was rejected (no growth right after a rejection).
    rejected: bool,
}

/// Integrates `z` (points at t = 1) to t = 0 with Dormand–Prince 5(4), relative and absolute
/// tolerance `tolerance`, each sample with its own step sizes.
pub fn integrate_adaptive(
    field: &dyn VelocityField,
    z: &Points,
    tolerance: f64,
) -> Result<AdaptiveRun, FlowError> {
    Ok(integrate_adaptive_recording(field, z, tolerance, 0)?.0)
}

/// Like [`integrate_adaptive`], and also records the paths of the first `record` particles.
///
/// Each particle's accepted steps are resampled on [`RECORD_FRAMES`] + 1 shared times (a
/// straight segment between two of its steps, as the solver's own polyline).
pub fn integrate_adaptive_recording(
    field: &dyn VelocityField,
    z: &Points,
    tolerance: f64,
    record: usize,
) -> Result<(AdaptiveRun, Trajectory), FlowError> {
    if !TOLERANCE_RANGE.contains(&tolerance) {
        return Err(FlowError::invalid(
            "tolerance",
            format!("must be between 1e-6 and 0.1, got {tolerance}"),
        ));
    }
    let (dim, n) = (z.dim, z.len());
    let mut x = z.data.clone();
    let mut k1 = field.velocity(&x, 1.0)?;
    let steps = initial_steps(field, &x, &k1, tolerance)?;
    let mut clocks: Vec<Clock> = steps
        .into_iter()
        .map(|h| Clock {
            t: 1.0,
            h,
            rejected: false,
        })
        .collect();
    let mut run = AdaptiveRun {
        samples: Points::new(dim, Vec::new()),
        evaluations: vec![2; n],
        accepted: 0,
        rejected: 0,
    };
    let record = record.min(n);
    let mut vertices: Vec<Vec<(f64, Vec<f32>)>> = (0..record)
        .map(|i| vec![(1.0, x[i * dim..(i + 1) * dim].to_vec())])
        .collect();
    let mut active: Vec<usize> = (0..n).collect();
    let mut attempts = 0;
    while !active.is_empty() {
        attempts += 1;
        if attempts > MAX_ATTEMPTS {
            return Err(FlowError::invalid(
                "tolerance",
                format!("the adaptive solver needed more than {MAX_ATTEMPTS} steps"),
            ));
        }
        let rows = |v: &[f32]| -> Vec<f32> {
            active
                .iter()
                .flat_map(|&i| v[i * dim..(i + 1) * dim].iter().copied())
                .collect()
        };
        let (xa, ka) = (rows(&x), rows(&k1));
        let times: Vec<(f64, f64)> = active
            .iter()
            .map(|&i| (clocks[i].t, clocks[i].h.min(clocks[i].t)))
            .collect();
        let (x_new, k7, error) = step(field, &xa, &ka, &times, dim)?;
        for (j, &i) in active.iter().enumerate() {
            run.evaluations[i] += 6;
            let span = j * dim..(j + 1) * dim;
            let norm = error_norm(
                &xa[span.clone()],
                &x_new[span.clone()],
                &error[span.clone()],
                tolerance,
            );
            if !norm.is_finite() {
                return Err(FlowError::invalid(
                    "field",
                    "the velocity is not finite along the path",
                ));
            }
            let factor = step_factor(norm);
            let clock = &mut clocks[i];
            let h = times[j].1;
            if norm <= 1.0 {
                clock.t = if h >= clock.t { 0.0 } else { clock.t - h };
                x[i * dim..(i + 1) * dim].copy_from_slice(&x_new[span.clone()]);
                if let Some(path) = vertices.get_mut(i) {
                    path.push((clock.t, x_new[span.clone()].to_vec()));
                }
                k1[i * dim..(i + 1) * dim].copy_from_slice(&k7[span]);
                clock.h = h * if clock.rejected {
                    factor.min(1.0)
                } else {
                    factor
                };
                clock.rejected = false;
                run.accepted += 1;
            } else {
                clock.h = h * factor.min(1.0);
                clock.rejected = true;
                run.rejected += 1;
                if clock.h < 1e-10 {
                    return Err(FlowError::invalid(
                        "tolerance",
                        "the adaptive solver's step size fell below 1e-10",
                    ));
                }
            }
        }
        active.retain(|&i| clocks[i].t > 0.0);
    }
    run.samples = Points::new(dim, x);
    Ok((run, resample(&vertices, dim)))
}

/// Every particle's polyline of `(t, x)` vertices (t falling from 1 to 0) read at the shared
/// frame times `1, 1 − 1/F, …, 0`.
fn resample(vertices: &[Vec<(f64, Vec<f32>)>], dim: usize) -> Trajectory {
    let times: Vec<f32> = (0..=RECORD_FRAMES)
        .map(|k| 1.0 - k as f32 / RECORD_FRAMES as f32)
        .collect();
    let mut positions = Vec::with_capacity(times.len() * vertices.len() * dim);
    for &t in &times {
        for path in vertices {
            let t = f64::from(t);
            // The segment [a, b] with t_a ≥ t ≥ t_b (the last vertex once t passes it).
            let k = path
                .windows(2)
                .position(|w| t >= w[1].0)
                .unwrap_or(path.len().saturating_sub(1));
            match (path.get(k), path.get(k + 1)) {
                (Some(_), Some((tb, b))) if t <= *tb => positions.extend_from_slice(b),
                (Some((ta, a)), Some((tb, b))) if ta > tb => {
                    let f = ((ta - t) / (ta - tb)).clamp(0.0, 1.0) as f32;
                    positions.extend(a.iter().zip(b).map(|(a, b)| a + (b - a) * f));
                }
                (Some((_, a)), _) => positions.extend_from_slice(a),
                (None, _) => positions.extend(std::iter::repeat_n(0.0, dim)),
            }
        }
    }
    Trajectory {
        dim,
        particles: vertices.len(),
        times,
        positions,
    }
}

/// The classic controller: the next step is the last times this factor (safety 0.9, growth
/// between 0.2× and 10×; the caller allows no growth right after a rejection).
fn step_factor(norm: f64) -> f64 {
    if norm == 0.0 {
        10.0
    } else {
        (0.9 * norm.powf(-0.2)).clamp(0.2, 10.0)
    }
}

/// One step's new points, the slopes there (the next step's first) and the error estimates.
type StepResult = (Vec<f32>, Vec<f32>, Vec<f64>);

/// One Dormand–Prince step of every row `x` from its `(t, h)` down by `h`.
fn step(
    field: &dyn VelocityField,
    x: &[f32],
    k1: &[f32],
    times: &[(f64, f64)],
    dim: usize,
) -> Result<StepResult, FlowError> {
    let mut slopes: Vec<Vec<f32>> = vec![k1.to_vec()];
    for i in 1..7 {
        let stage: Vec<f32> = (0..x.len())
            .map(|j| {
                let sum: f64 = A[i]
                    .iter()
                    .zip(&slopes)
                    .map(|(a, k)| a * f64::from(k[j]))
                    .sum();
                (f64::from(x[j]) - times[j / dim].1 * sum) as f32
            })
            .collect();
        let at: Vec<f32> = times.iter().map(|(t, h)| (t - C[i] * h) as f32).collect();
        let k = field.velocity_rows(&stage, &at)?;
        if i == 6 {
            // The last stage point is the fifth-order solution.
            let error = (0..x.len())
                .map(|j| {
                    let h = times[j / dim].1;
                    -h * (E
                        .iter()
                        .zip(&slopes)
                        .map(|(e, k)| e * f64::from(k[j]))
                        .sum::<f64>()
                        + E[6] * f64::from(k[j]))
                })
                .collect();
            return Ok((stage, k, error));
        }
        slopes.push(k);
    }
    Err(FlowError::invalid("stages", "the tableau has seven stages"))
}

/// Hairer's starting step of every sample, from the sizes of its state, its slope and the
/// slope's change over a trial Euler step (one extra evaluation).
fn initial_steps(
    field: &dyn VelocityField,
    x: &[f32],
    k1: &[f32],
    tolerance: f64,
) -> Result<Vec<f64>, FlowError> {
    let dim = field.dim().max(1);
    let n = x.len() / dim;
    let scale = |v: f32| tolerance + tolerance * f64::from(v).abs();
    let rms = |values: &mut dyn Iterator<Item = f64>| -> f64 {
        let (sum, count) = values.fold((0.0, 0usize), |(s, c), e| (s + e * e, c + 1));
        (sum / count.max(1) as f64).sqrt()
    };
    let row = |i: usize| i * dim..(i + 1) * dim;
    let mut d1s = Vec::with_capacity(n);
    let mut h0s = Vec::with_capacity(n);
    let mut trial = Vec::with_capacity(x.len());
    for i in 0..n {
        let (xi, ki) = (&x[row(i)], &k1[row(i)]);
        let d0 = rms(&mut xi.iter().map(|&v| f64::from(v) / scale(v)));
        let d1 = rms(&mut ki.iter().zip(xi).map(|(&k, &v)| f64::from(k) / scale(v)));
        let h0 = if d0 < 1e-5 || d1 < 1e-5 {
            1e-6
        } else {
            (0.01 * d0 / d1).min(1.0)
        };
        trial.extend(
            xi.iter()
                .zip(ki)
                .map(|(&v, &k)| (f64::from(v) - h0 * f64::from(k)) as f32),
        );
        d1s.push(d1);
        h0s.push(h0);
    }
    let at: Vec<f32> = h0s.iter().map(|h| (1.0 - h) as f32).collect();
    let k2 = field.velocity_rows(&trial, &at)?;
    Ok((0..n)
        .map(|i| {
            let (h0, d1) = (h0s[i], d1s[i]);
            let d2 = rms(&mut k2[row(i)]
                .iter()
                .zip(&k1[row(i)])
                .zip(&x[row(i)])
                .map(|((&b, &a), &v)| (f64::from(b) - f64::from(a)) / scale(v)))
                / h0;
            let h1 = if d1.max(d2) <= 1e-15 {
                (h0 * 1e-3).max(1e-6)
            } else {
                (0.01 / d1.max(d2)).powf(0.2)
            };
            // A NaN slope gives a NaN step: the first attempt then reports it.
            (100.0 * h0).min(h1)
        })
        .collect())
}

/// Root-mean-square of the error over `atol + rtol·max(|x|, |x_new|)`, both `tolerance`.
fn error_norm(x: &[f32], x_new: &[f32], error: &[f64], tolerance: f64) -> f64 {
    let sum: f64 = x
        .iter()
        .zip(x_new)
        .zip(error)
        .map(|((&a, &b), e)| {
            let scale = tolerance + tolerance * f64::from(a).abs().max(f64::from(b).abs());
            (e / scale).powi(2)
        })
        .sum();
    (sum / error.len().max(1) as f64).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `v(x, t) = a·x`: going down from t = 1, `x(0) = x(1)·e^(−a)`.
    struct Linear(f32);

    impl VelocityField for Linear {
        fn dim(&self) -> usize {
            1
        }
        fn velocity(&self, x: &[f32], _t: f32) -> Result<Vec<f32>, FlowError> {
            Ok(x.iter().map(|v| self.0 * v).collect())
        }
    }

    /// A rotation whose speed grows with t: curved paths with a closed-form end.
    /// `v = ω(t)·(−y, x)` with `ω = 2πt`, so the angle turned from 1 down to 0 is `−π`.
    struct Swirl;

    impl VelocityField for Swirl {
        fn dim(&self) -> usize {
            2
        }
        fn velocity(&self, x: &[f32], t: f32) -> Result<Vec<f32>, FlowError> {
            let w = 2.0 * std::f32::consts::PI * t;
            Ok(x.chunks(2).flat_map(|p| [-w * p[1], w * p[0]]).collect())
        }
    }

    /// The same velocity everywhere: straight paths.
    struct Constant;

    impl VelocityField for Constant {
        fn dim(&self) -> usize {
            2
        }
        fn velocity(&self, x: &[f32], _t: f32) -> Result<Vec<f32>, FlowError> {
            Ok(x.iter().map(|_| 1.0).collect())
        }
    }

    fn start(dim: usize) -> Points {
        Points::new(
            dim,
            (0..20 * dim)
                .map(|i| (i as f32 * 0.37).sin() * 2.0)
                .collect(),
        )
    }

    #[test]
    fn the_error_on_a_linear_field_stays_below_the_tolerance() {
        let z = start(1);
        for tolerance in [1e-2, 1e-3, 1e-5] {
            let run = integrate_adaptive(&Linear(1.5), &z, tolerance).unwrap();
            let worst = z
                .data
                .iter()
                .zip(&run.samples.data)
                .map(|(&z, &x)| (f64::from(x) - f64::from(z) * (-1.5_f64).exp()).abs())
                .fold(0.0, f64::max);
            // The local tolerance does not bound the global error in general; on this smooth
            // field it stays below it.
            assert!(worst < tolerance, "{tolerance}: {worst}");
        }
    }

    #[test]
    fn tighter_tolerances_cost_more_and_a_straight_field_costs_least() {
        let z = start(2);
        let loose = integrate_adaptive(&Swirl, &z, 1e-2).unwrap();
        let tight = integrate_adaptive(&Swirl, &z, 1e-5).unwrap();
        assert!(tight.mean_evaluations() > 2.0 * loose.mean_evaluations());
        // A constant field is integrated exactly: after the starting estimate each step
        // grows tenfold, so a few steps cross [0, 1].
        let straight = integrate_adaptive(&Constant, &z, 1e-3).unwrap();
        assert!(straight.evaluations.iter().all(|&e| e <= 2 + 6 * 8));
        assert!(straight.mean_evaluations() < loose.mean_evaluations());
        for (a, b) in z.data.iter().zip(&straight.samples.data) {
            assert!((a - 1.0 - b).abs() < 1e-5);
        }
    }

    #[test]
    fn each_sample_ends_where_the_closed_form_says_and_pays_for_its_own_steps() {
        let z = start(2);
        let run = integrate_adaptive(&Swirl, &z, 1e-6).unwrap();
        // Turned by −π: (x, y) → (−x, −y).
        for (a, b) in z.data.iter().zip(&run.samples.data) {
            assert!((a + b).abs() < 1e-4, "{a} {b}");
        }
        let total: usize = run.evaluations.iter().sum();
        assert_eq!(total, z.len() * 2 + 6 * (run.accepted + run.rejected));
        // A point at the origin does not move: its error is zero and its steps grow fast.
        let still = Points::new(2, vec![0.0, 0.0, 1.5, -0.5]);
        let run = integrate_adaptive(&Swirl, &still, 1e-6).unwrap();
        assert!(
            run.evaluations[0] < run.evaluations[1],
            "{:?}",
            run.evaluations
        );
    }

    #[test]
    fn recorded_paths_pass_through_the_solvers_steps_and_end_at_the_samples() {
        let z = start(2);
        let (run, paths) = integrate_adaptive_recording(&Swirl, &z, 1e-3, 5).unwrap();
        assert_eq!(paths.particles, 5);
        assert_eq!(paths.frames(), RECORD_FRAMES + 1);
        assert_eq!(paths.frame(0), &z.data[..10]);
        assert_eq!(paths.frame(RECORD_FRAMES), &run.samples.data[..10]);
        // Halfway the swirl has turned by −3π/4 (angle ∫ 2πt dt from 1 to ½); the polyline
        // between accepted steps cuts the arc's corners by little at this tolerance.
        let mid = paths.frame(RECORD_FRAMES / 2);
        let turn = -0.75 * std::f32::consts::PI;
        for (p, q) in z.data[..10].chunks(2).zip(mid.chunks(2)) {
            let want = [
                p[0] * turn.cos() - p[1] * turn.sin(),
                p[0] * turn.sin() + p[1] * turn.cos(),
            ];
            let radius = p[0].hypot(p[1]);
            let off = (q[0] - want[0]).hypot(q[1] - want[1]);
            assert!(off < 0.1 * radius.max(0.1), "{q:?} vs {want:?}");
        }
        // Recording changes nothing about the integration.
        assert_eq!(integrate_adaptive(&Swirl, &z, 1e-3).unwrap(), run);
    }

    #[test]
    fn tolerances_snap_to_tenths_of_a_decade() {
        assert_eq!(Tolerance::nearest(1e-3), Tolerance::MEASURE);
        assert!((Tolerance::MEASURE.value() - MEASURE_TOLERANCE).abs() < 1e-12);
        assert_eq!(Tolerance::nearest(2e-3).0, 27);
        assert_eq!(Tolerance::nearest(1.0).0, 10);
        assert_eq!(Tolerance::nearest(0.0).0, 60);
        assert!((Tolerance(200).value() - 1e-6).abs() < 1e-15);
        for tenths in Tolerance::TENTHS {
            assert!(TOLERANCE_RANGE.contains(&Tolerance(tenths).value()));
        }
    }

    #[test]
    fn a_bad_tolerance_or_a_broken_field_is_an_error() {
        let z = start(1);
        assert!(integrate_adaptive(&Linear(1.0), &z, 0.0).is_err());
        assert!(integrate_adaptive(&Linear(1.0), &z, f64::NAN).is_err());
        assert!(integrate_adaptive(&Linear(f32::NAN), &z, 1e-3).is_err());
    }
}
