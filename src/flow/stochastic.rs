//! The stochastic sampler of a diffusion-path model: Euler–Maruyama of the reverse SDE that
//! has the same marginals as the path (DDPM / VP-SDE, Song et al. 2021).
//!
//! For a path `x_t = α(t)·x0 + σ(t)·z` the forward SDE `dx = f·x dt + g dW` with
//! `f = α'/α` and `g² = 2σσ' − 2f·σ²` has the path's marginals (VP: `f = −β/2`, `g² = β`).
//! The network's velocity is `v = α'·E[x0|x] + σ'·E[z|x]`, and `x = α·E[x0|x] + σ·E[z|x]`,
//! so the predicted noise is `ẑ = (v − f·x) / (σ' − f·σ)` and the score is `−ẑ/σ`. The
//! probability-flow ODE is `dx/dt = v = f·x − ½g²·score`; the reverse SDE is
//! `dx = (f·x − g²·score) dt + g dW̄`. One step from t to t − Δt is
//! `x ← x − Δt·(v − ½g²·score) + g·√Δt·ξ`, and the last step adds no noise (it returns the
//! mean, as `score_sde`'s `denoise` does).
//!
//! On the straight path `g² = 2t/(1 − t)` is infinite at t = 1, where sampling starts: the
//! sampler refuses it.

use super::{FlowError, FlowPath};

/// Where a step's noise comes from.
///
/// The noise of a particle is a fixed function of its starting point, the step and the
/// coordinate (a counter-based hash). The starting points come from the run's seeded RNG,
/// so the same seed gives the same samples, however the particles are split between cores.
#[derive(Clone, Copy, Debug)]
pub struct StepNoise<'a> {
    /// The starting points of the particles being integrated, row-major.
    pub start: &'a [f32],
    /// Their dimension.
    pub dim: usize,
    /// The step's index, 0 for the first step from t = 1.
    pub step: usize,
    /// True for the last step (no noise is added).
    pub last: bool,
}

/// An error unless the stochastic sampler `solver` can run on `path`: DDPM needs the
/// diffusion path, consistency sampling the straight one.
pub fn check_path(solver: super::Solver, path: FlowPath) -> Result<(), FlowError> {
    match (solver, path) {
        (super::Solver::Consistency, FlowPath::Straight)
        | (
            super::Solver::Euler
            | super::Solver::Midpoint
            | super::Solver::Heun
            | super::Solver::Rk4
            | super::Solver::Ddpm
            | super::Solver::Adaptive(_),
            FlowPath::VpLinear,
        ) => Ok(()),
        (super::Solver::Consistency, FlowPath::VpLinear) => Err(FlowError::invalid(
            "solver",
            "consistency sampling needs a model on the straight path",
        )),
        (_, FlowPath::Straight) => Err(FlowError::invalid(
            "solver",
            "the DDPM sampler needs a diffusion-path model: on the straight path the reverse \
             SDE's noise g² = 2t/(1 − t) is infinite at t = 1 (use an ODE solver)",
        )),
    }
}

/// One Euler–Maruyama step from `t` to `t − dt` in place, given the velocity `v` at `x`.
pub(super) fn ddpm_step(
    path: FlowPath,
    x: &mut [f32],
    v: &[f32],
    t: f32,
    dt: f32,
    noise: StepNoise<'_>,
) -> Result<(), FlowError> {
    check_path(super::Solver::Ddpm, path)?;
    let c = path.at(t);
    let (alpha, sigma) = (f64::from(c.alpha), f64::from(c.sigma));
    let (d_alpha, d_sigma) = (f64::from(c.d_alpha), f64::from(c.d_sigma));
    let f = d_alpha / alpha;
    let g2 = (2.0 * sigma * d_sigma - 2.0 * f * sigma * sigma).max(0.0);
    let denominator = d_sigma - f * sigma;
    let dt = f64::from(dt);
    let noise_scale = if noise.last { 0.0 } else { (g2 * dt).sqrt() };
    let dim = noise.dim.max(1);
    for (row, (xs, vs)) in x.chunks_mut(dim).zip(v.chunks(dim)).enumerate() {
        let key = step_key(&noise.start[row * dim..(row + 1) * dim], noise.step);
        for (d, (xi, &vi)) in xs.iter_mut().zip(vs).enumerate() {
            let xv = f64::from(*xi);
            let vi = f64::from(vi);
            let z_hat = (vi - f * xv) / denominator;
            // −Δt·(v − ½g²·score) with score = −ẑ/σ.
            let mean = xv - dt * vi - dt * 0.5 * g2 * z_hat / sigma;
            let xi_noise = if noise_scale > 0.0 {
                gaussian(key, d)
            } else {
                0.0
            };
            *xi = (mean + noise_scale * xi_noise) as f32;
        }
    }
    Ok(())
}

/// One step of multistep consistency sampling from `t` to `t − dt` in place, given the
/// student's velocity `v` at `x`: the consistency function's guess of the end,
/// `x̂0 = x − t·v` (see [`super::consistency`]), then, unless this is the last step, fresh
/// N(0, I) noise at the next time: `x ← (t − dt)·ε + (1 − t + dt)·x̂0`. The noise is keyed by
/// the particle's starting point and the step, like the DDPM sampler's, so a sample is
/// reproducible.
pub(super) fn consistency_step(x: &mut [f32], v: &[f32], t: f32, dt: f32, noise: StepNoise<'_>) {
    let dim = noise.dim.max(1);
    let next = (t - dt).max(0.0);
    for (row, (xs, vs)) in x.chunks_mut(dim).zip(v.chunks(dim)).enumerate() {
        let key = step_key(&noise.start[row * dim..(row + 1) * dim], noise.step);
        for (d, (xi, &vi)) in xs.iter_mut().zip(vs).enumerate() {
            let end = *xi - t * vi;
            *xi = if noise.last {
                end
            } else {
                next * gaussian(key, d) as f32 + (1.0 - next) * end
            };
        }
    }
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A key for one particle (by its starting point) at one step.
fn step_key(start: &[f32], step: usize) -> u64 {
    let mut h = 0x5eed_dd9a_u64;
    for v in start {
        h = splitmix(h ^ u64::from(v.to_bits()));
    }
    splitmix(h ^ ((step as u64) << 20))
}

/// A standard normal number for coordinate `d` under `key` (Box–Muller).
fn gaussian(key: u64, d: usize) -> f64 {
    let uniform = |salt: u64| {
        let bits = splitmix(key ^ salt) >> 11;
        (bits as f64 + 1.0) / (1u64 << 53) as f64
    };
    let u1 = uniform(2 * d as u64 + 1);
    let u2 = uniform(2 * d as u64 + 2);
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hashed_noise_is_standard_normal() {
        let n = 200_000;
        let values: Vec<f64> = (0..n)
            .map(|i| gaussian(step_key(&[i as f32 * 0.37], i % 7), i % 2))
            .collect();
        let mean = values.iter().sum::<f64>() / n as f64;
        let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64;
        assert!(mean.abs() < 0.01, "{mean}");
        assert!((var - 1.0).abs() < 0.02, "{var}");
    }
}
