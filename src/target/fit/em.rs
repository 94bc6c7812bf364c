//! Expectation–maximisation for diagonal Gaussian mixtures, started from k-means++, with the
//! number of components fixed or chosen by the lowest BIC.
//!
//! The fit works in f64 on standardised coordinates (each axis shifted by its mean and divided
//! by its std) and maps the result back. Inputs of more than [`MAX_FIT_POINTS`] points are
//! fitted on a seeded random subset of that size: the log-likelihood and BIC reported are those
//! of the subset. Everything random comes from `StdRng::seed_from_u64(seed)`, and parallel sums
//! are taken over fixed chunks in a fixed order, so a seed gives the same mixture every time.

use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};
use rayon::prelude::*;

use super::DataError;
use crate::Points;
use crate::target::{Component, MAX_COMPONENTS, MAX_COORDINATE, Mixture};

/// Most points used for a fit; larger inputs are fitted on a seeded random subset this big.
pub const MAX_FIT_POINTS: usize = 20_000;

/// No component's variance on an axis falls below this fraction of the data's variance there.
pub const RELATIVE_VARIANCE_FLOOR: f64 = 1e-6;

/// No component's std falls below this, in data units (the floor for constant data).
///
/// A third floor needs no constant: on each axis no std falls below half the data's resolution
/// (the smallest gap between distinct values), so rounded data (integers, two decimals) is not
/// fitted with a needle on every value.
pub const MIN_STD: f64 = 1e-4;

/// Points per parallel chunk of the E-step.
const CHUNK: usize = 1024;

/// k-means++ seedings tried per fit; the one with the lowest k-means cost starts EM.
const SEEDINGS: usize = 3;

/// Lloyd iterations after each k-means++ seeding.
const LLOYD_ITERATIONS: usize = 10;

/// A component explaining fewer points than this is empty: re-seeded, or dropped.
const MIN_MASS: f64 = 2.0;

/// ln(2π).
const LN_2PI: f64 = 1.837_877_066_409_345_5;

/// How many components to fit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Components {
    /// Exactly this many (1 to [`MAX_COMPONENTS`]); an empty one that cannot be re-seeded is
    /// dropped, so the result may have fewer.
    Fixed(usize),
    /// Each k in `1..=max` (capped at [`MAX_COMPONENTS`] and half the number of points), keeping
    /// the fit with the lowest BIC.
    Auto {
        /// Largest k tried.
        max: usize,
    },
}

impl Default for Components {
    fn default() -> Self {
        Self::Auto { max: 8 }
    }
}

/// Settings of [`fit_mixture`].
#[derive(Clone, Debug, PartialEq)]
pub struct FitConfig {
    /// How many components (default: `Auto { max: 8 }`).
    pub components: Components,
    /// Seed of every random choice (subset, k-means++ starts); default 0.
    pub seed: u64,
    /// Most EM iterations per k (default 200).
    pub max_iterations: usize,
    /// EM stops when the mean log-likelihood per point changes by less than this (default 1e-6).
    pub tolerance: f64,
}

impl Default for FitConfig {
    fn default() -> Self {
        Self {
            components: Components::default(),
            seed: 0,
            max_iterations: 200,
            tolerance: 1e-6,
        }
    }
}

/// A fitted mixture and how it was chosen.
#[derive(Clone, Debug, PartialEq)]
pub struct FitResult {
    /// The mixture: valid, weights summing to one, components sorted by mean (x, then y).
    pub mixture: Mixture,
    /// Number of components of `mixture`.
    pub components: usize,
    /// Mean log-likelihood per point of the fitted points, in data units.
    pub log_likelihood: f64,
    /// BIC of the fit: `−2·total log-likelihood + p·ln n`, `p = k − 1 + 2·k·dim`.
    pub bic: f64,
    /// EM iterations of the chosen fit.
    pub iterations: usize,
    /// `(k asked for, BIC)` of every fit made, in increasing k (one entry for `Fixed`).
    pub tried: Vec<(usize, f64)>,
}

/// Fits a diagonal Gaussian mixture to `points` (dimension 1 or 2, finite coordinates, at least
/// 2 points per component) by EM.
pub fn fit_mixture(points: &Points, config: &FitConfig) -> Result<FitResult, DataError> {
    if points.dim != 1 && points.dim != 2 {
        return Err(DataError::Dimension(points.dim));
    }
    for (index, row) in points.rows().enumerate() {
        if let Some(axis) = row.iter().position(|v| !v.is_finite()) {
            return Err(DataError::NotFinitePoint { index, axis });
        }
    }
    let fit_points = points.len().min(MAX_FIT_POINTS);
    let cap = MAX_COMPONENTS.min(fit_points / 2);
    let ks: Vec<usize> = match config.components {
        Components::Fixed(k) | Components::Auto { max: k } if k == 0 => {
            return Err(DataError::ComponentCount(k));
        }
        Components::Fixed(k) if k > MAX_COMPONENTS => return Err(DataError::ComponentCount(k)),
        Components::Fixed(k) if k > cap => {
            return Err(DataError::NotEnoughPoints {
                points: points.len(),
                components: k,
            });
        }
        Components::Fixed(k) => vec![k],
        Components::Auto { .. } if cap == 0 => {
            return Err(DataError::NotEnoughPoints {
                points: points.len(),
                components: 1,
            });
        }
        Components::Auto { max } => (1..=max.min(cap)).collect(),
    };
    let data = Data::prepare(points, config.seed);
    let fits: Vec<Result<Fit, DataError>> =
        ks.par_iter().map(|&k| fit_k(&data, k, config)).collect();
    let mut tried = Vec::with_capacity(ks.len());
    let mut best: Option<Fit> = None;
    for (&k, fit) in ks.iter().zip(fits) {
        let fit = fit?;
        tried.push((k, fit.bic));
        if best.as_ref().is_none_or(|b| fit.bic < b.bic) {
            best = Some(fit);
        }
    }
    let best = best.ok_or(DataError::ComponentCount(0))?;
    let mixture = data.to_mixture(&best.model)?;
    Ok(FitResult {
        components: mixture.components.len(),
        mixture,
        log_likelihood: best.log_likelihood,
        bic: best.bic,
        iterations: best.iterations,
        tried,
    })
}

/// The points a fit uses, standardised, and how to map back.
struct Data {
    dim: usize,
    n: usize,
    /// Standardised coordinates, row-major.
    x: Vec<f64>,
    /// Per-axis mean of the points.
    center: Vec<f64>,
    /// Per-axis std of the points (at least [`MIN_STD`]).
    scale: Vec<f64>,
    /// Per-axis variance floor, standardised.
    floor: Vec<f64>,
}

impl Data {
    /// All points, or a seeded subset of [`MAX_FIT_POINTS`], standardised.
    fn prepare(points: &Points, seed: u64) -> Self {
        let dim = points.dim;
        let raw: Vec<f64> = if points.len() > MAX_FIT_POINTS {
            let mut rng = StdRng::seed_from_u64(seed);
            let mut idx =
                rand::seq::index::sample(&mut rng, points.len(), MAX_FIT_POINTS).into_vec();
            idx.sort_unstable();
            idx.iter()
                .flat_map(|&i| points.row(i).iter().map(|&v| f64::from(v)))
                .collect()
        } else {
            points.data.iter().map(|&v| f64::from(v)).collect()
        };
        let n = raw.len() / dim;
        let mut center = vec![0.0; dim];
        let mut scale = vec![0.0; dim];
        let mut floor = vec![0.0; dim];
        for axis in 0..dim {
            let values = || raw.iter().skip(axis).step_by(dim);
            let mean = values().sum::<f64>() / n as f64;
            let var = values().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n as f64;
            center[axis] = mean;
            scale[axis] = var.sqrt().max(MIN_STD);
            let half_resolution = 0.5 * resolution(values().copied().collect());
            floor[axis] = (RELATIVE_VARIANCE_FLOOR * var)
                .max(MIN_STD * MIN_STD)
                .max(half_resolution * half_resolution)
                / (scale[axis] * scale[axis]);
        }
        let x = raw
            .chunks_exact(dim)
            .flat_map(|p| {
                p.iter()
                    .zip(&center)
                    .zip(&scale)
                    .map(|((v, c), s)| (v - c) / s)
            })
            .collect();
        Self {
            dim,
            n,
            x,
            center,
            scale,
            floor,
        }
    }

    fn point(&self, i: usize) -> &[f64] {
        &self.x[i * self.dim..(i + 1) * self.dim]
    }

    /// The model in data units, clamped into the target's ranges and validated.
    fn to_mixture(&self, model: &Model) -> Result<Mixture, DataError> {
        let total: f64 = model.weight.iter().sum();
        let mut components: Vec<Component> = (0..model.k())
            .map(|j| {
                let range = j * self.dim..(j + 1) * self.dim;
                let mean = model.mean[range.clone()]
                    .iter()
                    .zip(&self.center)
                    .zip(&self.scale)
                    .map(|((m, c), s)| (c + s * m).clamp(-MAX_COORDINATE, MAX_COORDINATE))
                    .collect();
                let std = model.var[range]
                    .iter()
                    .zip(&self.scale)
                    .map(|(v, s)| (s * v.sqrt()).clamp(MIN_STD, MAX_COORDINATE))
                    .collect();
                Component {
                    weight: model.weight[j] / total,
                    mean,
                    std,
                }
            })
            .collect();
        components.sort_by(|a, b| {
            a.mean
                .iter()
                .zip(&b.mean)
                .map(|(x, y)| x.total_cmp(y))
                .find(|o| o.is_ne())
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        Mixture::new(self.dim, components).map_err(DataError::InvalidMixture)
    }

    /// Sum over axes of ln(scale): the log-density change from standardised to data units.
    fn log_scale(&self) -> f64 {
        self.scale.iter().map(|s| s.ln()).sum()
    }
}

/// The smallest gap between distinct values (0 if all are equal): the precision the data was
/// recorded to, e.g. 1 for integers.
fn resolution(mut values: Vec<f64>) -> f64 {
    values.sort_unstable_by(f64::total_cmp);
    let smallest = values
        .windows(2)
        .map(|w| w[1] - w[0])
        .filter(|&gap| gap > 0.0)
        .fold(f64::INFINITY, f64::min);
    if smallest.is_finite() { smallest } else { 0.0 }
}

/// Mixture parameters in standardised coordinates.
#[derive(Clone, Debug)]
struct Model {
    /// Weights, summing to one.
    weight: Vec<f64>,
    /// Means, `k × dim` row-major.
    mean: Vec<f64>,
    /// Variances, `k × dim` row-major.
    var: Vec<f64>,
}

impl Model {
    fn k(&self) -> usize {
        self.weight.len()
    }

    fn normalize(&mut self) {
        let total: f64 = self.weight.iter().sum();
        self.weight.iter_mut().for_each(|w| *w /= total);
    }
}

/// A model ready for evaluation: per-component constants and inverse variances.
struct Prepared<'a> {
    dim: usize,
    mean: &'a [f64],
    inv_var: Vec<f64>,
    /// `ln w − ½ Σ ln var − ½ dim ln 2π` per component.
    constant: Vec<f64>,
}

impl<'a> Prepared<'a> {
    fn new(model: &'a Model, dim: usize) -> Self {
        let constant = (0..model.k())
            .map(|j| {
                let log_det: f64 = model.var[j * dim..(j + 1) * dim]
                    .iter()
                    .map(|v| v.ln())
                    .sum();
                model.weight[j].ln() - 0.5 * log_det - 0.5 * dim as f64 * LN_2PI
            })
            .collect();
        Self {
            dim,
            mean: &model.mean,
            inv_var: model.var.iter().map(|v| 1.0 / v).collect(),
            constant,
        }
    }

    /// Fills `out` with the responsibilities of `x` and returns its log-density
    /// (log-sum-exp of the weighted component log-densities).
    fn responsibilities(&self, x: &[f64], out: &mut [f64]) -> f64 {
        let mut max = f64::NEG_INFINITY;
        for (j, o) in out.iter_mut().enumerate() {
            let row = j * self.dim..(j + 1) * self.dim;
            let quad: f64 = x
                .iter()
                .zip(&self.mean[row.clone()])
                .zip(&self.inv_var[row])
                .map(|((xa, m), iv)| (xa - m) * (xa - m) * iv)
                .sum();
            *o = self.constant[j] - 0.5 * quad;
            max = max.max(*o);
        }
        let mut sum = 0.0;
        for o in out.iter_mut() {
            *o = (*o - max).exp();
            sum += *o;
        }
        for o in out.iter_mut() {
            *o /= sum;
        }
        max + sum.ln()
    }
}

/// Sufficient statistics of one E-step.
struct Stats {
    log_likelihood: f64,
    mass: Vec<f64>,
    sum: Vec<f64>,
    sum_sq: Vec<f64>,
}

impl Stats {
    fn zeros(k: usize, dim: usize) -> Self {
        Self {
            log_likelihood: 0.0,
            mass: vec![0.0; k],
            sum: vec![0.0; k * dim],
            sum_sq: vec![0.0; k * dim],
        }
    }

    fn add(&mut self, other: &Self) {
        self.log_likelihood += other.log_likelihood;
        for (a, b) in [
            (&mut self.mass, &other.mass),
            (&mut self.sum, &other.sum),
            (&mut self.sum_sq, &other.sum_sq),
        ] {
            a.iter_mut().zip(b).for_each(|(a, b)| *a += b);
        }
    }
}

/// Responsibility-weighted sums over all points, in parallel over fixed chunks summed in order.
fn e_step(data: &Data, model: &Model) -> Stats {
    let (k, dim) = (model.k(), data.dim);
    let prepared = Prepared::new(model, dim);
    let parts: Vec<Stats> = data
        .x
        .par_chunks(CHUNK * dim)
        .map(|chunk| {
            let mut stats = Stats::zeros(k, dim);
            let mut r = vec![0.0; k];
            for x in chunk.chunks_exact(dim) {
                stats.log_likelihood += prepared.responsibilities(x, &mut r);
                for (j, &rj) in r.iter().enumerate() {
                    stats.mass[j] += rj;
                    for (a, &xa) in x.iter().enumerate() {
                        stats.sum[j * dim + a] += rj * xa;
                        stats.sum_sq[j * dim + a] += rj * xa * xa;
                    }
                }
            }
            stats
        })
        .collect();
    let mut total = Stats::zeros(k, dim);
    for p in &parts {
        total.add(p);
    }
    total
}

/// New parameters from the statistics, and the components that are empty (mass below
/// [`MIN_MASS`]; their parameters are left as they were).
fn m_step(data: &Data, stats: &Stats, old: &Model) -> (Model, Vec<usize>) {
    let dim = data.dim;
    let mut model = old.clone();
    let mut empty = Vec::new();
    for (j, &mass) in stats.mass.iter().enumerate() {
        if mass < MIN_MASS {
            empty.push(j);
            continue;
        }
        model.weight[j] = mass / data.n as f64;
        for a in 0..dim {
            let i = j * dim + a;
            let mean = stats.sum[i] / mass;
            model.mean[i] = mean;
            model.var[i] = (stats.sum_sq[i] / mass - mean * mean).max(data.floor[a]);
        }
    }
    (model, empty)
}

/// Moves empty components onto the points the `old` model explains worst (while the budget
/// lasts), or drops them.
fn handle_empty(
    data: &Data,
    old: &Model,
    mut model: Model,
    empty: &[usize],
    reseeds_left: &mut usize,
) -> Model {
    let dim = data.dim;
    if empty.len() <= *reseeds_left {
        *reseeds_left -= empty.len();
        let kept: Vec<usize> = (0..model.k()).filter(|j| !empty.contains(j)).collect();
        let typical_var: Vec<f64> = (0..dim)
            .map(|a| {
                let sum: f64 = kept.iter().map(|&j| model.var[j * dim + a]).sum();
                if kept.is_empty() {
                    1.0
                } else {
                    sum / kept.len() as f64
                }
            })
            .collect();
        let prepared = Prepared::new(old, dim);
        let mut r = vec![0.0; old.k()];
        let log_p: Vec<f64> = (0..data.n)
            .map(|i| prepared.responsibilities(data.point(i), &mut r))
            .collect();
        let mut order: Vec<usize> = (0..data.n).collect();
        order.sort_by(|&a, &b| log_p[a].total_cmp(&log_p[b]).then(a.cmp(&b)));
        for (&j, &i) in empty.iter().zip(&order) {
            model.weight[j] = MIN_MASS / data.n as f64;
            model.mean[j * dim..(j + 1) * dim].copy_from_slice(data.point(i));
            model.var[j * dim..(j + 1) * dim].copy_from_slice(&typical_var);
        }
    } else {
        let keep = |j: &usize| !empty.contains(j);
        let k = model.k();
        model.weight = (0..k).filter(keep).map(|j| model.weight[j]).collect();
        let rows = |v: &[f64]| -> Vec<f64> {
            (0..k)
                .filter(keep)
                .flat_map(|j| v[j * dim..(j + 1) * dim].to_vec())
                .collect()
        };
        model.mean = rows(&model.mean);
        model.var = rows(&model.var);
    }
    model.normalize();
    model
}

/// One EM fit with `k` components.
struct Fit {
    model: Model,
    /// Mean log-likelihood per point, data units.
    log_likelihood: f64,
    bic: f64,
    iterations: usize,
}

/// Runs EM with `k` components from the best of [`SEEDINGS`] k-means++ starts. The seed mixes
/// in `k`, so the k-component fit is the same whether `Fixed(k)` or `Auto` asked for it.
fn fit_k(data: &Data, k: usize, config: &FitConfig) -> Result<Fit, DataError> {
    let mut rng =
        StdRng::seed_from_u64(config.seed ^ (k as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let mut model = initial_model(data, k, &mut rng);
    let mut reseeds_left = k;
    let mut previous = f64::NEG_INFINITY;
    let mut fresh = true;
    let mut iterations = 0;
    loop {
        let stats = e_step(data, &model);
        let log_likelihood = stats.log_likelihood / data.n as f64;
        if !log_likelihood.is_finite() {
            return Err(DataError::Numerical { components: k });
        }
        let converged = !fresh && (log_likelihood - previous).abs() < config.tolerance;
        if converged || iterations >= config.max_iterations {
            let log_likelihood = log_likelihood - data.log_scale();
            let (n, kf, dim) = (data.n as f64, model.k() as f64, data.dim as f64);
            let parameters = kf - 1.0 + 2.0 * kf * dim;
            return Ok(Fit {
                bic: -2.0 * log_likelihood * n + parameters * n.ln(),
                model,
                log_likelihood,
                iterations,
            });
        }
        let (next, empty) = m_step(data, &stats, &model);
        fresh = !empty.is_empty();
        model = if fresh {
            handle_empty(data, &model, next, &empty, &mut reseeds_left)
        } else {
            next
        };
        previous = log_likelihood;
        iterations += 1;
    }
}

/// A starting model: the lowest-cost of [`SEEDINGS`] k-means++ seedings refined by Lloyd, with
/// each cluster's weight, mean and variance.
fn initial_model(data: &Data, k: usize, rng: &mut StdRng) -> Model {
    let (mut centers, mut cost) = lloyd(data, kmeans_pp(data, k, rng));
    for _ in 1..SEEDINGS {
        let (c, new_cost) = lloyd(data, kmeans_pp(data, k, rng));
        if new_cost < cost {
            (centers, cost) = (c, new_cost);
        }
    }
    let dim = data.dim;
    let (labels, _) = assign(data, &centers);
    let mut stats = Stats::zeros(k, dim);
    for (i, &j) in labels.iter().enumerate() {
        stats.mass[j] += 1.0;
        for (a, &x) in data.point(i).iter().enumerate() {
            stats.sum[j * dim + a] += x;
            stats.sum_sq[j * dim + a] += x * x;
        }
    }
    let mut model = Model {
        weight: vec![0.0; k],
        mean: centers,
        var: vec![1.0; k * dim],
    };
    for j in 0..k {
        let mass = stats.mass[j];
        model.weight[j] = mass.max(1.0);
        if mass >= 2.0 {
            for a in 0..dim {
                let i = j * dim + a;
                model.mean[i] = stats.sum[i] / mass;
                model.var[i] =
                    (stats.sum_sq[i] / mass - model.mean[i] * model.mean[i]).max(data.floor[a]);
            }
        }
    }
    model.normalize();
    model
}

fn squared_distance(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// k-means++: the first center uniformly, each next one with probability proportional to the
/// squared distance to the nearest center so far. Returns `k × dim` centers.
fn kmeans_pp(data: &Data, k: usize, rng: &mut StdRng) -> Vec<f64> {
    let dim = data.dim;
    let mut centers = Vec::with_capacity(k * dim);
    centers.extend_from_slice(data.point(rng.random_range(0..data.n)));
    let mut nearest: Vec<f64> = (0..data.n)
        .map(|i| squared_distance(data.point(i), &centers))
        .collect();
    for _ in 1..k {
        let total: f64 = nearest.iter().sum();
        let pick = if total > 0.0 {
            let target = rng.random::<f64>() * total;
            let mut acc = 0.0;
            let mut pick = None;
            for (i, &d) in nearest.iter().enumerate() {
                acc += d;
                if d > 0.0 {
                    pick = Some(i);
                    if acc > target {
                        break;
                    }
                }
            }
            pick.unwrap_or(0)
        } else {
            rng.random_range(0..data.n)
        };
        let start = centers.len();
        centers.extend_from_slice(data.point(pick));
        for (i, d) in nearest.iter_mut().enumerate() {
            *d = d.min(squared_distance(data.point(i), &centers[start..]));
        }
    }
    centers
}

/// The nearest center of every point, and the k-means cost (sum of squared distances).
fn assign(data: &Data, centers: &[f64]) -> (Vec<usize>, f64) {
    let mut cost = 0.0;
    let labels = (0..data.n)
        .map(|i| {
            let x = data.point(i);
            let (best, d) = centers
                .chunks_exact(data.dim)
                .map(|c| squared_distance(x, c))
                .enumerate()
                .fold(
                    (0, f64::INFINITY),
                    |b, (j, d)| if d < b.1 { (j, d) } else { b },
                );
            cost += d;
            best
        })
        .collect();
    (labels, cost)
}

/// Up to [`LLOYD_ITERATIONS`] rounds of k-means; returns the centers and their cost.
fn lloyd(data: &Data, mut centers: Vec<f64>) -> (Vec<f64>, f64) {
    let dim = data.dim;
    let k = centers.len() / dim;
    let mut previous: Option<Vec<usize>> = None;
    for round in 0..=LLOYD_ITERATIONS {
        let (labels, cost) = assign(data, &centers);
        if round == LLOYD_ITERATIONS || previous.as_ref() == Some(&labels) {
            return (centers, cost);
        }
        let mut sum = vec![0.0; k * dim];
        let mut count = vec![0usize; k];
        for (i, &j) in labels.iter().enumerate() {
            count[j] += 1;
            for (a, &x) in data.point(i).iter().enumerate() {
                sum[j * dim + a] += x;
            }
        }
        for j in 0..k {
            if count[j] > 0 {
                for a in 0..dim {
                    centers[j * dim + a] = sum[j * dim + a] / count[j] as f64;
                }
            }
        }
        previous = Some(labels);
    }
    let cost = assign(data, &centers).1;
    (centers, cost)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed(k: usize) -> FitConfig {
        FitConfig {
            components: Components::Fixed(k),
            ..FitConfig::default()
        }
    }

    #[test]
    fn responsibilities_sum_to_one_and_match_the_density() {
        let model = Model {
            weight: vec![0.25, 0.75],
            mean: vec![-1.0, 2.0],
            var: vec![0.5, 2.0],
        };
        let prepared = Prepared::new(&model, 1);
        let mut r = [0.0; 2];
        let log_p = prepared.responsibilities(&[0.3], &mut r);
        assert!((r[0] + r[1] - 1.0).abs() < 1e-12);
        let normal = |x: f64, m: f64, v: f64| {
            (-(x - m) * (x - m) / (2.0 * v)).exp() / (2.0 * std::f64::consts::PI * v).sqrt()
        };
        let p = 0.25 * normal(0.3, -1.0, 0.5) + 0.75 * normal(0.3, 2.0, 2.0);
        assert!((log_p - p.ln()).abs() < 1e-12);
        assert!((r[0] - 0.25 * normal(0.3, -1.0, 0.5) / p).abs() < 1e-12);
        // Far from every component: no underflow to -inf or NaN.
        let log_p = prepared.responsibilities(&[1e4], &mut r);
        assert!(log_p.is_finite() && r.iter().all(|v| v.is_finite()));
    }

    #[test]
    fn identical_points_give_a_valid_narrow_mixture() {
        let points = Points::new(2, [3.0f32, -2.0].repeat(50));
        for config in [fixed(3), FitConfig::default()] {
            let fit = fit_mixture(&points, &config).expect("fit");
            for c in &fit.mixture.components {
                assert!((c.mean[0] - 3.0).abs() < 1e-6 && (c.mean[1] + 2.0).abs() < 1e-6);
                assert!(c.std.iter().all(|s| (MIN_STD..1e-3).contains(s)), "{c:?}");
            }
            let total: f64 = fit.mixture.components.iter().map(|c| c.weight).sum();
            assert!((total - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn rejects_bad_inputs_and_counts() {
        let points = Points::new(1, vec![0.0, 1.0, 2.0, 3.0, 4.0]);
        let err = |p: &Points, c: &FitConfig| fit_mixture(p, c).expect_err("rejected");
        assert!(matches!(
            err(&points, &fixed(0)),
            DataError::ComponentCount(0)
        ));
        assert!(matches!(
            err(&points, &fixed(33)),
            DataError::ComponentCount(33)
        ));
        let e = err(&points, &fixed(3));
        assert!(
            matches!(
                e,
                DataError::NotEnoughPoints {
                    points: 5,
                    components: 3
                }
            ),
            "{e:?}"
        );
        assert!(fit_mixture(&points, &fixed(2)).is_ok());
        let auto0 = FitConfig {
            components: Components::Auto { max: 0 },
            ..FitConfig::default()
        };
        assert!(matches!(err(&points, &auto0), DataError::ComponentCount(0)));
        let one = Points::new(1, vec![1.0]);
        assert!(matches!(
            err(&one, &FitConfig::default()),
            DataError::NotEnoughPoints { points: 1, .. }
        ));
        let e = err(&Points::new(3, vec![0.0; 6]), &FitConfig::default());
        assert!(matches!(e, DataError::Dimension(3)));
        let e = err(&Points::new(2, vec![0.0, 1.0, f32::NAN, 0.0]), &fixed(1));
        assert!(
            matches!(e, DataError::NotFinitePoint { index: 1, axis: 0 }),
            "{e:?}"
        );
    }

    #[test]
    fn rounded_data_gets_no_needle_per_value() {
        assert_eq!(resolution(vec![3.0, 1.0, 1.0, 2.5]), 0.5);
        assert_eq!(resolution(vec![2.0, 2.0]), 0.0);
        let mut rng = StdRng::seed_from_u64(5);
        let ints: Vec<f32> = (0..3000).map(|_| rng.random_range(0..10) as f32).collect();
        let fit = fit_mixture(&Points::new(1, ints), &FitConfig::default()).expect("fit");
        assert!(fit.components < 5, "{:?}", fit.tried);
        for c in &fit.mixture.components {
            assert!(c.std[0] >= 0.5 - 1e-9, "{c:?}");
        }
    }

    #[test]
    fn auto_caps_k_at_half_the_points() {
        let points = Points::new(1, vec![0.0, 1.0, 5.0, 6.0, 10.0, 11.0]);
        let fit = fit_mixture(&points, &FitConfig::default()).expect("fit");
        let ks: Vec<usize> = fit.tried.iter().map(|t| t.0).collect();
        assert_eq!(ks, vec![1, 2, 3]);
    }

    #[test]
    fn one_component_is_the_sample_mean_and_std() {
        let points = Points::new(1, vec![1.0, 2.0, 3.0, 6.0]);
        let fit = fit_mixture(&points, &fixed(1)).expect("fit");
        let c = &fit.mixture.components[0];
        assert!((c.mean[0] - 3.0).abs() < 1e-9);
        assert!((c.std[0] - 3.5f64.sqrt()).abs() < 1e-9);
        let expected_ll = -0.5 * (2.0 * std::f64::consts::PI * 3.5).ln() - 0.5;
        assert!((fit.log_likelihood - expected_ll).abs() < 1e-9);
        assert!((fit.bic - (-2.0 * 4.0 * expected_ll + 2.0 * 4f64.ln())).abs() < 1e-9);
        assert_eq!(fit.tried.len(), 1);
    }

    #[test]
    fn large_inputs_use_a_seeded_subset() {
        let mut rng = StdRng::seed_from_u64(1);
        let data: Vec<f32> = (0..(MAX_FIT_POINTS + 5000))
            .map(|_| rng.random::<f32>())
            .collect();
        let points = Points::new(1, data);
        let a = Data::prepare(&points, 9);
        let b = Data::prepare(&points, 9);
        assert_eq!(a.n, MAX_FIT_POINTS);
        assert_eq!(a.x, b.x);
        assert_ne!(a.x, Data::prepare(&points, 10).x);
    }
}
