//! The matrix-product floor: how long a step's matrix products alone take, run the way the
//! fused path runs them (same shards over the cores, same `gemm` calls). A kernel can't beat
//! it; `flowlab bench` reports how close the real step gets.

use std::time::Instant;

use super::gemm::{Mat, matmul};
use super::{row_shards, split_work};

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
/// Per layer the forward `x·Wᵀ` and the backward `dzᵀ·x` and `dz·W`.
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
    let shards = row_shards(rows, widest);
    // Per shard, per layer: the input activations and the output buffer.
    let inputs: Vec<Vec<Vec<f32>>> = shards
        .iter()
        .map(|r| sizes.iter().map(|&w| filler(r.len() * w, w)).collect())
        .collect();
    time(repeats, || {
        let jobs: Vec<_> = shards.iter().zip(&inputs).collect();
        split_work(jobs, |(r, acts)| {
            let n = r.len();
            for (layer, p) in sizes.windows(2).enumerate() {
                let (fan_in, fan_out) = (p[0], p[1]);
                let w = Mat::row_major(&weights[layer], fan_out, fan_in);
                let x = Mat::row_major(&acts[layer], n, fan_in);
                let mut z = vec![0.0f32; n * fan_out];
                matmul(&mut z, x, w.t(), false);
                if backward {
                    let dz = Mat::row_major(&acts[layer + 1], n, fan_out);
                    let mut dw = vec![0.0f32; fan_out * fan_in];
                    matmul(&mut dw, dz.t(), x, false);
                    let mut dx = vec![0.0f32; n * fan_in];
                    matmul(&mut dx, dz, w, false);
                }
            }
        });
    })
}
