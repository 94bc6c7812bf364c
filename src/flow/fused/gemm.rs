//! A safe, checked front to the `gemm` crate (the matrix-product kernels candle itself uses).

use gemm::Parallelism;

/// A read-only view of an `rows × cols` matrix with element `(r, c)` at
/// `data[r·row_stride + c·col_stride]`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Mat<'a> {
    data: &'a [f32],
    rows: usize,
    cols: usize,
    row_stride: usize,
    col_stride: usize,
}

impl<'a> Mat<'a> {
    /// A contiguous row-major matrix.
    pub(crate) fn row_major(data: &'a [f32], rows: usize, cols: usize) -> Self {
        Self {
            data,
            rows,
            cols,
            row_stride: cols,
            col_stride: 1,
        }
    }

    /// A matrix with explicit strides.
    pub(crate) fn strided(
        data: &'a [f32],
        rows: usize,
        cols: usize,
        row_stride: usize,
        col_stride: usize,
    ) -> Self {
        Self {
            data,
            rows,
            cols,
            row_stride,
            col_stride,
        }
    }

    /// The transpose (no copy).
    pub(crate) fn t(self) -> Self {
        Self {
            rows: self.cols,
            cols: self.rows,
            row_stride: self.col_stride,
            col_stride: self.row_stride,
            ..self
        }
    }

    /// Rows `start..end` (no copy).
    #[cfg(test)]
    pub(crate) fn rows(self, start: usize, end: usize) -> Self {
        debug_assert!(start <= end && end <= self.rows);
        let offset = if start < end {
            start * self.row_stride
        } else {
            0
        };
        Self {
            data: &self.data[offset.min(self.data.len())..],
            rows: end - start,
            ..self
        }
    }

    /// Number of rows.
    pub(crate) fn n_rows(&self) -> usize {
        self.rows
    }

    /// Number of columns.
    pub(crate) fn n_cols(&self) -> usize {
        self.cols
    }

    /// Element `(r, c)`.
    #[cfg(test)]
    pub(crate) fn at(&self, r: usize, c: usize) -> f32 {
        self.data[r * self.row_stride + c * self.col_stride]
    }

    /// Whether every element lies inside `data` (what makes the raw-pointer product safe).
    fn in_bounds(&self) -> bool {
        if self.rows == 0 || self.cols == 0 {
            return true;
        }
        let last = (self.rows - 1)
            .checked_mul(self.row_stride)
            .and_then(|a| (self.cols - 1).checked_mul(self.col_stride).map(|b| a + b));
        last.is_some_and(|l| l < self.data.len())
    }
}

/// `out = a·b`, or `out += a·b` when `accumulate`; `out` is row-major `a.rows × b.cols`.
/// Runs on the calling thread: the network splits work over cores by batch rows, a level up,
/// which measured faster than splitting each product.
///
/// # Panics
/// If the shapes disagree or a view reaches outside its slice: these are programming errors
/// in this module, never caused by user input.
// The crate denies unsafe code; this is its one exception, the raw-pointer call into `gemm`,
// made safe by the checks above it.
#[expect(unsafe_code)]
pub(crate) fn matmul(out: &mut [f32], a: Mat<'_>, b: Mat<'_>, accumulate: bool) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    assert_eq!(b.rows, k, "inner dimensions differ");
    assert_eq!(out.len(), m * n, "output has the wrong size");
    assert!(a.in_bounds() && b.in_bounds(), "matrix view out of bounds");
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !accumulate {
            out.fill(0.0);
        }
        return;
    }
    // SAFETY: every view was checked to lie inside its slice, `out` holds exactly m·n
    // elements written row-major (row stride n, column stride 1), and `out` is a unique
    // borrow, so it aliases neither input.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            out.as_mut_ptr(),
            1,
            n as isize,
            accumulate,
            a.data.as_ptr(),
            a.col_stride as isize,
            a.row_stride as isize,
            b.data.as_ptr(),
            b.col_stride as isize,
            b.row_stride as isize,
            1.0,
            1.0,
            false,
            false,
            false,
            Parallelism::None,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(a: Mat<'_>, b: Mat<'_>) -> Vec<f32> {
        let mut out = vec![0.0; a.n_rows() * b.n_cols()];
        for r in 0..a.n_rows() {
            for c in 0..b.n_cols() {
                out[r * b.n_cols() + c] = (0..a.n_cols()).map(|i| a.at(r, i) * b.at(i, c)).sum();
            }
        }
        out
    }

    #[test]
    fn products_of_transposed_and_sliced_views_match_the_definition() {
        let a: Vec<f32> = (0..35).map(|i| (i as f32 * 0.37).sin()).collect();
        let b: Vec<f32> = (0..28).map(|i| (i as f32 * 0.71).cos()).collect();
        let a = Mat::row_major(&a, 7, 5);
        let b = Mat::row_major(&b, 4, 7);
        // aᵀ (5×7) · bᵀ (7×4): both read through transposed strides.
        let (x, y) = (a.t(), b.t());
        let mut out = vec![1.0; 20];
        matmul(&mut out, x, y, false);
        for (got, want) in out.iter().zip(naive(x, y)) {
            assert!((got - want).abs() < 1e-5, "{got} vs {want}");
        }
        // Rows 2..6 of a (4×5) times the first five rows of a (5×5), added to 0.5.
        let (part, square) = (a.rows(2, 6), a.rows(0, 5));
        let mut acc = vec![0.5; 4 * 5];
        matmul(&mut acc, part, square, true);
        for (got, want) in acc.iter().zip(naive(part, square)) {
            assert!((got - (want + 0.5)).abs() < 1e-5, "{got} vs {want} + 0.5");
        }
    }
}
