//! How much memory a run will need, estimated from its settings before it starts, and the
//! budget it must fit in.
//!
//! The estimate adds the largest allocations of a run: each round's kept samples and paths,
//! the CSV text of both when the folder is written, a forward pass over the evaluation noise,
//! the training batch's activations, the reflow pairs, the exact-assignment matrices of W2
//! (2-D) and of OT-CFM, and the optimiser state. It errs on the high side; runs with the
//! documented defaults need about 100 MB.

use super::Settings;

/// Bytes a run takes besides what its settings ask for (code, allocator, fonts).
const BASE_BYTES: u64 = 64 << 20;
/// The budget when the machine's memory cannot be read (`/proc/meminfo`).
pub const FALLBACK_BUDGET_BYTES: u64 = 4 << 30;

/// A run whose estimated memory is beyond its budget.
#[derive(Debug, thiserror::Error)]
#[error(
    "these settings need about {} of memory ({}), more than the limit of {} (half of this \
     machine's memory); lower them",
    gib(*.estimate_bytes),
    .largest,
    gib(*.budget_bytes)
)]
pub struct MemoryError {
    /// The estimate.
    pub estimate_bytes: u64,
    /// The budget.
    pub budget_bytes: u64,
    /// The largest part of the estimate, named by its settings.
    pub largest: String,
}

fn gib(bytes: u64) -> String {
    if bytes >= 1 << 30 {
        format!("{:.1} GB", bytes as f64 / f64::from(1u32 << 30))
    } else {
        format!("{} MB", bytes.div_ceil(1 << 20))
    }
}

/// Half of the machine's memory (`MemTotal` in `/proc/meminfo`), or
/// [`FALLBACK_BUDGET_BYTES`] where it cannot be read.
pub fn memory_budget_bytes() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or(FALLBACK_BUDGET_BYTES, |kb| kb * 1024 / 2)
}

impl Settings {
    /// The estimated peak memory of a run on a target of dimension `dim` with `classes`
    /// components, in bytes, with the name of its largest part.
    pub fn memory_estimate(&self, dim: usize, classes: usize) -> (u64, String) {
        let d = dim as u64;
        let e = &self.eval;
        let n = e.coverage_points.max(e.w2_points_for(dim)) as u64;
        let particles = (e.trajectory_particles as u64).min(n);
        let frames = e.path_steps as u64 + 1;
        let rounds = 1
            + self.reflows as u64
            + u64::from(self.distill.is_some())
            + u64::from(self.ot_cfm)
            + u64::from(self.diffusion)
            + u64::from(self.guidance)
            + u64::from(self.consistency)
            + u64::from(self.shortcut)
            + u64::from(self.meanflow);
        let width = self.net.width as u64;
        let depth = self.net.depth as u64;
        let batch = self.train.batch as u64;
        // The point, t's features, an interval network's h features, the class one-hot.
        let inputs = d + 2 * 9 + classes as u64;
        let params =
            (inputs + 1) * width + depth.saturating_sub(1) * (width + 1) * width + (width + 1) * d;
        // (name, bytes) of each part.
        let parts: [(&str, u64); 8] = [
            (
                "eval.trajectory_particles × eval.path_steps × rounds",
                // f32 positions, kept per round, plus their CSV text (about 16 bytes a value
                // and 24 per row).
                rounds * particles * frames * (4 * d + 24 + 16 * d),
            ),
            (
                "eval.coverage_points × rounds",
                // Kept samples and their CSV text, plus one integration's state.
                rounds * n * (4 * d + 16 * d + 2) + 4 * n * d * 4,
            ),
            (
                "eval.coverage_points × net.width",
                // A forward (and solver) pass over all the evaluation points at once.
                n * width * 4 * 4,
            ),
            (
                "train.batch × net.width × net.depth",
                batch * width * (depth + 2) * 4 * 4,
            ),
            ("net.width² × net.depth", params * 4 * (6 + 2 * rounds)),
            ("reflow_pairs", self.reflow_pairs as u64 * d * 4 * 8),
            (
                "eval.w2_points² (exact assignment)",
                if dim > 1 {
                    let w = e.w2_points_for(dim) as u64;
                    w * w * 8 * 3
                } else {
                    0
                },
            ),
            (
                "train.batch² (OT-CFM exact assignment)",
                if self.ot_cfm {
                    batch * batch * 8 * 3
                } else {
                    0
                },
            ),
        ];
        let total = BASE_BYTES + parts.iter().map(|p| p.1).sum::<u64>();
        let largest = parts
            .iter()
            .max_by_key(|p| p.1)
            .map(|p| format!("mostly {}: {}", p.0, gib(p.1)))
            .unwrap_or_default();
        (total, largest)
    }

    /// Refuses settings whose [`Settings::memory_estimate`] is beyond `budget_bytes`.
    pub fn check_memory(
        &self,
        dim: usize,
        classes: usize,
        budget_bytes: u64,
    ) -> Result<u64, MemoryError> {
        let (estimate_bytes, largest) = self.memory_estimate(dim, classes);
        if estimate_bytes > budget_bytes {
            return Err(MemoryError {
                estimate_bytes,
                budget_bytes,
                largest,
            });
        }
        Ok(estimate_bytes)
    }
}
