//! Fused CPU kernels for the velocity network.
//!
//! Training runs the whole step as one kernel ([`TrainStep`]: forward, loss, backward, `AdamW`
//! and the weight average on buffers kept from step to step, the batch's shards on a
//! [`crew::Crew`] of helper threads). The fused layers (one candle custom op per layer,
//! [`linear_act`]) run inference and, under candle's autograd, the reference the whole step
//! is tested against ([`super::Kernels::Layers`]). The plain candle
//! path ([`super::Kernels::Reference`]) is the reference for both (`tests/fused.rs`): same
//! forward, same gradients, same optimizer step, within float rounding.

mod activation;
mod adamw;
mod crew;
mod floor;
mod gemm;
mod linear;
pub(crate) mod simd;
mod step;

pub use adamw::{FusedAdamW, FusedEma};
pub use floor::{matmul_floor_forward, matmul_floor_train};
pub(crate) use linear::linear_act;
pub use step::TrainStep;

use std::ops::Range;

use candle_core::{Layout, Storage, bail};

/// The values of a contiguous f32 CPU tensor's storage; `user` names what needs them in the
/// errors.
pub(crate) fn cpu_values<'a>(
    storage: &'a Storage,
    layout: &Layout,
    user: &str,
) -> candle_core::Result<&'a [f32]> {
    let Some((start, end)) = layout.contiguous_offsets() else {
        bail!("{user} needs contiguous parameters");
    };
    match storage {
        Storage::Cpu(cpu) => Ok(&cpu.as_slice::<f32>()?[start..end]),
        _ => bail!("{user} runs on the CPU only"),
    }
}

/// Shards aim at this many activations per layer (128 KB of f32): small enough to stay in a
/// core's L2 cache, and below the 64K elements at which candle hands its own element-wise
/// ops (the autograd's gradient sums) to a second, spinning thread pool that would fight
/// ours for the cores.
const SHARD_ELEMENTS: usize = 32 * 1024;

/// A batch is split at all only when each of its shards gets at least this many rows: below
/// it the hand-off to the thread pool costs more than the second core saves.
const MIN_SHARD_ROWS: usize = 128;

/// Row ranges that split a batch of `n` rows, for a network whose widest layer is `width`,
/// into shards the thread pool runs in parallel (one range when the batch is small).
pub(crate) fn row_shards(n: usize, width: usize) -> Vec<Range<usize>> {
    let threads = rayon::current_num_threads();
    let cache_rows = (SHARD_ELEMENTS / width.max(1)).max(16);
    let count = if n > cache_rows {
        n.div_ceil(cache_rows)
    } else if threads > 1 && n >= 2 * MIN_SHARD_ROWS {
        threads.min(n / MIN_SHARD_ROWS)
    } else {
        1
    };
    let base = n / count;
    let extra = n % count;
    let mut start = 0;
    (0..count)
        .map(|i| {
            let len = base + usize::from(i < extra);
            let range = start..start + len;
            start += len;
            range
        })
        .collect()
}

/// Runs `work` on every item and returns the results in order: the first item on the calling
/// thread, the others on the thread pool. The caller works instead of waiting, so a split in
/// two wakes one pool thread, not two.
pub(crate) fn split_work<I: Send, T: Send>(items: Vec<I>, work: impl Fn(I) -> T + Sync) -> Vec<T> {
    let mut slots: Vec<Option<T>> = items.iter().map(|_| None).collect();
    let mut items = items.into_iter();
    if let (Some(first), Some((first_slot, rest))) = (items.next(), slots.split_first_mut()) {
        let work = &work;
        rayon::in_place_scope(|scope| {
            for (slot, item) in rest.iter_mut().zip(items) {
                scope.spawn(move |_| *slot = Some(work(item)));
            }
            *first_slot = Some(work(first));
        });
    }
    // The scope returns only after every spawned job has run, so every slot is filled.
    slots.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::{row_shards, split_work};

    #[test]
    fn split_work_keeps_the_order() {
        let out = split_work((0..37).collect(), |i: usize| i * i);
        assert_eq!(out, (0..37).map(|i| i * i).collect::<Vec<_>>());
        assert!(split_work(Vec::<usize>::new(), |i| i).is_empty());
    }

    #[test]
    fn shards_cover_every_row_once_and_stay_small() {
        for width in [2, 128, 1024] {
            for n in [0, 1, 127, 128, 255, 256, 1000, 10_001] {
                let shards = row_shards(n, width);
                assert!(!shards.is_empty());
                assert_eq!(shards[0].start, 0);
                assert_eq!(shards.last().map(|r| r.end), Some(n));
                for pair in shards.windows(2) {
                    assert_eq!(pair[0].end, pair[1].start);
                }
                if shards.len() > 1 {
                    assert!(
                        shards
                            .iter()
                            .all(|r| r.len() * width <= 64 * 1024 || r.len() <= 16)
                    );
                }
            }
        }
    }
}
