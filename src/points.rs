//! A plain row-major set of points, the one data type that crosses module boundaries.

use serde::{Deserialize, Serialize};

/// `n` points of dimension `dim`, stored row-major in `data` (`data.len() == n * dim`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Points {
    /// Dimension of each point (1 or 2 in flowlab).
    pub dim: usize,
    /// Coordinates, point after point.
    pub data: Vec<f32>,
}

impl Points {
    /// Wraps `data` as points of dimension `dim`.
    ///
    /// # Panics
    /// If `dim` is zero or `data.len()` is not a multiple of `dim` (a programming error).
    pub fn new(dim: usize, data: Vec<f32>) -> Self {
        assert!(dim > 0, "dimension must be positive");
        assert_eq!(data.len() % dim, 0, "data length must be a multiple of dim");
        Self { dim, data }
    }

    /// No points of dimension `dim`.
    pub fn empty(dim: usize) -> Self {
        Self::new(dim, Vec::new())
    }

    /// Number of points.
    pub fn len(&self) -> usize {
        self.data.len() / self.dim
    }

    /// True when there are no points.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The coordinates of point `i`.
    pub fn row(&self, i: usize) -> &[f32] {
        &self.data[i * self.dim..(i + 1) * self.dim]
    }

    /// Iterates over the points' coordinates.
    pub fn rows(&self) -> impl ExactSizeIterator<Item = &[f32]> {
        self.data.chunks_exact(self.dim)
    }

    /// The first `n` points (all of them if there are fewer).
    pub fn head(&self, n: usize) -> Self {
        let n = n.min(self.len());
        Self::new(self.dim, self.data[..n * self.dim].to_vec())
    }

    /// Points whose indices are `idx`, in that order.
    pub fn gather(&self, idx: &[usize]) -> Self {
        let mut data = Vec::with_capacity(idx.len() * self.dim);
        for &i in idx {
            data.extend_from_slice(self.row(i));
        }
        Self::new(self.dim, data)
    }

    /// True when every coordinate is finite.
    pub fn all_finite(&self) -> bool {
        self.data.iter().all(|v| v.is_finite())
    }
}
