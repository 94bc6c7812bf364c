//! The matrix-product floor: how long a step's matrix products alone take, run the way the
//! fused training step runs them (same shards, same crew of threads, buffers kept from step
//! to step, the same `gemm` calls). A kernel can't beat it; `flowlab bench` reports how close
//! the real step gets.

use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use super::crew::Crew;
use super::gemm::{Mat, matmul};
use super::row_shards;

/// Deterministic values in (−1, 1), so the products run on ordinary floats.
fn filler(len: usize, seed: usize) -> Vec<f32> {
    (0..len)
        .map(|i| (((i + seed) as f32) * 0.618_034).fract() * 2.0 - 1.0)
        .collect()
}

/// Seconds per repetition of `work` over `repeats` runs, after one warm-up run.
fn time(repeats: usize, mut work: impl FnMut()) -> f64 {
    work();
    let start = Instant::now();
    for _ in 0..repeats {
        work();
    }
    start.elapsed().as_secs_f64() / repeats.max(1) as f64
}

/// Seconds the matrix products of one training step take for an MLP with layer sizes
/// `sizes` (input, hidden…, output) on a batch of `batch` rows.
///
/// Per layer the forward `x·Wᵀ` and the backward `dzᵀ·x` and `dz·W` (the last except on the
/// first layer, whose input gradient the step never computes).
pub fn matmul_floor_train(sizes: &[usize], batch: usize, repeats: usize) -> f64 {
    floor(sizes, batch, repeats, true)
}

/// Seconds the matrix products of one forward pass take on `rows` rows.
pub fn matmul_floor_forward(sizes: &[usize], rows: usize, repeats: usize) -> f64 {
    floor(sizes, rows, repeats, false)
}

fn floor(sizes: &[usize], rows: usize, repeats: usize, backward: bool) -> f64 {
    let widest = sizes.iter().copied().max().unwrap_or(1);
    let weights: Vec<Vec<f32>> = sizes
        .windows(2)
        .enumerate()
        .map(|(i, p)| filler(p[0] * p[1], i))
        .collect();
    // Per shard: the activations at every layer boundary and one output buffer per product,
    // allocated once, as the training step keeps its buffers.
    let shards: Vec<Mutex<Buffers>> = row_shards(rows, widest)
        .into_iter()
        .map(|r| {
            let n = r.len();
            Mutex::new(Buffers {
                rows: n,
                acts: sizes.iter().map(|&w| filler(n * w, w)).collect(),
                out: vec![0.0; n * widest],
                weight_grad: vec![0.0; widest * widest],
            })
        })
        .collect();
    let tasks = shards.len();
    let job = Products {
        sizes: sizes.to_vec(),
        weights,
        backward,
        shards,
    };
    let helpers = rayon::current_num_threads().saturating_sub(1);
    let mut crew = Crew::new(helpers, job, |job: &Products, i| {
        let shard = job.shards.get(i).ok_or_else(|| format!("no shard {i}"))?;
        run_products(
            job,
            &mut shard.lock().unwrap_or_else(PoisonError::into_inner),
        );
        Ok(())
    });
    let mut failed = false;
    let seconds = time(repeats, || failed |= crew.run(tasks).is_err());
    // The products cannot fail; an error would mean a lost helper thread, and no floor.
    if failed { f64::NAN } else { seconds }
}

/// The network's shape and weights, for the products.
struct Products {
    sizes: Vec<usize>,
    weights: Vec<Vec<f32>>,
    backward: bool,
    /// Per shard, its buffers.
    shards: Vec<Mutex<Buffers>>,
}

/// One shard's inputs and outputs.
struct Buffers {
    rows: usize,
    acts: Vec<Vec<f32>>,
    out: Vec<f32>,
    weight_grad: Vec<f32>,
}

/// The products of one shard: per layer the forward `x·Wᵀ` and, for training, the backward
/// `dzᵀ·x` and (above the first layer, as the step skips the input's gradient) `dz·W`.
fn run_products(job: &Products, b: &mut Buffers) {
    let n = b.rows;
    for (layer, p) in job.sizes.windows(2).enumerate() {
        let (fan_in, fan_out) = (p[0], p[1]);
        let w = Mat::row_major(&job.weights[layer], fan_out, fan_in);
        let x = Mat::row_major(&b.acts[layer], n, fan_in);
        matmul(&mut b.out[..n * fan_out], x, w.t(), false);
        if job.backward {
            let dz = Mat::row_major(&b.acts[layer + 1], n, fan_out);
            matmul(&mut b.weight_grad[..fan_out * fan_in], dz.t(), x, false);
            if layer > 0 {
                matmul(&mut b.out[..n * fan_in], dz, w, false);
            }
        }
    }
}
