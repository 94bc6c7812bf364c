//! The activations and their derivatives, one element at a time, for the fused kernels.
//!
//! libm's `expf` is a function call per element that the compiler cannot vectorise; it took
//! a third of a training step. [`exp`] is branch-free arithmetic the compiler turns into SIMD
//! code, accurate to a few float roundings.
//!
//! Its polynomial is written with fused multiply-adds (`mul_add`): seven instructions
//! instead of fourteen plus a division (`r / 5040` compiled to one), which took the
//! activation passes of a training step at batch 256 from 48 to 31 µs (one shard of 128
//! rows, three layers). Inside [`super::simd::widest`] they are the CPU's FMA instructions; code compiled for baseline
//! x86-64 would call libm for each, so every loop here runs inside `widest`.

use super::simd::widest;
use crate::flow::Activation;

/// `e^x` for f32, within about 2 ulp over the whole range (clamped to stay finite). Call it
/// only from code inlined into [`super::simd::widest`] (see the module's notes).
#[inline(always)]
pub(crate) fn exp(x: f32) -> f32 {
    const LOG2_E: f32 = std::f32::consts::LOG2_E;
    // ln 2 split in two so that n·LN2_HI is exact.
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    // Adding and subtracting 1.5·2^23 rounds to the nearest integer without a branch.
    const ROUND: f32 = 12_582_912.0;
    let x = x.clamp(-87.0, 88.0);
    let shifted = x * LOG2_E + ROUND;
    let n = shifted - ROUND;
    let r = n.mul_add(-LN2_LO, n.mul_add(-LN2_HI, x));
    // Taylor polynomial of e^r on |r| ≤ ln2/2, Horner form.
    let p = r.mul_add(1.0 / 5040.0, 1.0 / 720.0);
    let p = r.mul_add(p, 1.0 / 120.0);
    let p = r.mul_add(p, 1.0 / 24.0);
    let p = r.mul_add(p, 1.0 / 6.0);
    let p = r.mul_add(p, 0.5);
    let p = r.mul_add(p, 1.0);
    let p = r.mul_add(p, 1.0);
    // 2^n built from n's bits: `shifted` holds n in its low mantissa bits, so integer
    // subtraction recovers it without a float-to-int conversion (which would not vectorise).
    let n_bits = shifted.to_bits().wrapping_sub(ROUND.to_bits());
    let scale = f32::from_bits(n_bits.wrapping_add(127) << 23);
    p * scale
}

/// `1 / (1 + e^−x)`.
#[inline(always)]
pub(crate) fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + exp(-x))
}

/// `tanh x = 1 − 2 / (e^{2x} + 1)`.
#[inline(always)]
pub(crate) fn tanh(x: f32) -> f32 {
    1.0 - 2.0 / (exp(2.0 * x) + 1.0)
}

/// Activations and slopes smaller than this in size are written as zero.
///
/// A unit pushed far below zero gives `SiLU` values near `−87·e^−87 ≈ −1e−36`; multiplied by a
/// small weight in the next product they fall below `f32`'s smallest normal number, and
/// products with such subnormal numbers run many times slower on x86 (`MeanFlow`'s training
/// slowed from 1,424 to 361 steps/s over 1,500 steps as its units drifted there). Nothing a
/// network computes is changed by values this small.
const FLUSH_BELOW: f32 = 1e-30;

/// `v`, or zero when `|v| <` [`FLUSH_BELOW`].
#[inline(always)]
fn flush(v: f32) -> f32 {
    if v.abs() < FLUSH_BELOW { 0.0 } else { v }
}

/// √(2/π), as in candle's tanh-approximated GELU.
const SQRT_TWO_OVER_PI: f32 = 0.797_884_6;

mod scalar {
    //! One function per activation and derivative, so the slice loops below can pick one
    //! outside the loop and let the compiler vectorise it.
    use super::{SQRT_TWO_OVER_PI, sigmoid, tanh};

    #[inline(always)]
    pub(super) fn silu(z: f32) -> f32 {
        z * sigmoid(z)
    }
    #[inline(always)]
    pub(super) fn silu_grad(z: f32) -> f32 {
        let s = sigmoid(z);
        s * (1.0 + z * (1.0 - s))
    }
    #[inline(always)]
    pub(super) fn relu(z: f32) -> f32 {
        z.max(0.0)
    }
    #[inline(always)]
    pub(super) fn relu_grad(z: f32) -> f32 {
        if z > 0.0 { 1.0 } else { 0.0 }
    }
    #[inline(always)]
    pub(super) fn gelu(z: f32) -> f32 {
        0.5 * z * (1.0 + tanh(SQRT_TWO_OVER_PI * z * (1.0 + 0.044_715 * z * z)))
    }
    #[inline(always)]
    pub(super) fn gelu_grad(z: f32) -> f32 {
        let th = tanh(SQRT_TWO_OVER_PI * z * (1.0 + 0.044_715 * z * z));
        let d_inner = SQRT_TWO_OVER_PI * (1.0 + 3.0 * 0.044_715 * z * z);
        0.5 * (1.0 + th) + 0.5 * z * (1.0 - th * th) * d_inner
    }
    #[inline(always)]
    pub(super) fn tanh_act(z: f32) -> f32 {
        tanh(z)
    }
    #[inline(always)]
    pub(super) fn tanh_grad(z: f32) -> f32 {
        let th = tanh(z);
        1.0 - th * th
    }

    // Value and derivative together, sharing the exponential (the same arithmetic as the
    // functions above, so the results agree to the bit).
    #[inline(always)]
    pub(super) fn silu_both(z: f32) -> (f32, f32) {
        let s = sigmoid(z);
        (z * s, s * (1.0 + z * (1.0 - s)))
    }
    #[inline(always)]
    pub(super) fn relu_both(z: f32) -> (f32, f32) {
        (relu(z), relu_grad(z))
    }
    #[inline(always)]
    pub(super) fn gelu_both(z: f32) -> (f32, f32) {
        let th = tanh(SQRT_TWO_OVER_PI * z * (1.0 + 0.044_715 * z * z));
        let d_inner = SQRT_TWO_OVER_PI * (1.0 + 3.0 * 0.044_715 * z * z);
        (
            0.5 * z * (1.0 + th),
            0.5 * (1.0 + th) + 0.5 * z * (1.0 - th * th) * d_inner,
        )
    }
    #[inline(always)]
    pub(super) fn tanh_both(z: f32) -> (f32, f32) {
        let th = tanh(z);
        (th, 1.0 - th * th)
    }
}

/// Evaluates `$body` with `$value` and `$grad` bound to the activation's element function and
/// derivative as function items (not pointers), one match arm per activation, so the loops in
/// `$body` are monomorphic and the compiler inlines and vectorises them.
macro_rules! with_element_fns {
    ($act:expr, |$value:ident, $grad:ident| $body:expr) => {
        with_element_fns!($act, |$value, $grad, _both| $body)
    };
    ($act:expr, |$value:ident, $grad:ident, $both:ident| $body:expr) => {
        match $act {
            Activation::Silu => {
                let ($value, $grad, $both) = (scalar::silu, scalar::silu_grad, scalar::silu_both);
                $body
            }
            Activation::Relu => {
                let ($value, $grad, $both) = (scalar::relu, scalar::relu_grad, scalar::relu_both);
                $body
            }
            Activation::Gelu => {
                let ($value, $grad, $both) = (scalar::gelu, scalar::gelu_grad, scalar::gelu_both);
                $body
            }
            Activation::Tanh => {
                let ($value, $grad, $both) =
                    (scalar::tanh_act, scalar::tanh_grad, scalar::tanh_both);
                $body
            }
        }
    };
}

impl Activation {
    /// `act` of every element; matches candle's kernel for the same activation.
    pub(crate) fn map(self, z: &[f32]) -> Vec<f32> {
        // Copied, then mapped in place: a `collect` inside `widest` is not inlined there and
        // would run at baseline, where `mul_add` is a call into libm.
        let mut out = z.to_vec();
        self.map_in_place(&mut out);
        out
    }

    /// `z ← act(z)` for every element.
    pub(crate) fn map_in_place(self, z: &mut [f32]) {
        widest(
            #[inline(always)]
            || {
                with_element_fns!(self, |value, _grad| {
                    for v in z.iter_mut() {
                        *v = flush(value(*v));
                    }
                });
            },
        );
    }

    /// For the row-major products `p` (one row per point, `bias.len()` columns): the
    /// pre-activation `z = p + bias` of every row, then `p ← act(z)` and `slope ← act'(z)`,
    /// in one pass that computes what the two share (`SiLU`'s sigmoid, GELU's tanh) once.
    pub(crate) fn map_in_place_with_slope(self, p: &mut [f32], bias: &[f32], slope: &mut [f32]) {
        let width = bias.len().max(1);
        widest(
            #[inline(always)]
            || {
                with_element_fns!(self, |_value, _derivative, both| {
                    for (row, slope_row) in
                        p.chunks_exact_mut(width).zip(slope.chunks_exact_mut(width))
                    {
                        for ((v, s), &b) in row.iter_mut().zip(slope_row.iter_mut()).zip(bias) {
                            let (value, slope) = both(*v + b);
                            (*v, *s) = (flush(value), flush(slope));
                        }
                    }
                });
            },
        );
    }

    /// `grad ← grad ⊙ act'(z)`.
    pub(crate) fn scale_by_derivative(self, grad: &mut [f32], z: &[f32]) {
        widest(
            #[inline(always)]
            || {
                with_element_fns!(self, |_value, derivative| {
                    for (g, &v) in grad.iter_mut().zip(z) {
                        *g *= flush(derivative(v));
                    }
                });
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Activation {
        fn value(self, z: f32) -> f32 {
            self.map(&[z])[0]
        }

        fn derivative(self, z: f32) -> f32 {
            let mut grad = [1.0];
            self.scale_by_derivative(&mut grad, &[z]);
            grad[0]
        }
    }

    #[test]
    fn exp_matches_libm_to_a_few_roundings() {
        let mut worst = 0.0f32;
        for i in -86_900..=87_900 {
            let x = i as f32 * 1e-3 + 1.7e-4;
            let exact = x.exp();
            worst = worst.max(((exp(x) - exact) / exact).abs());
        }
        assert!(worst < 4.0 * f32::EPSILON, "relative error {worst}");
        assert_eq!(exp(0.0), 1.0);
        assert!(exp(-200.0) >= 0.0 && exp(200.0).is_finite());
    }

    #[test]
    fn activations_match_their_definitions() {
        for i in -80..=80 {
            let z = i as f32 * 0.1 + 0.013;
            let silu = z / (1.0 + (-z).exp());
            assert!((Activation::Silu.value(z) - silu).abs() < 1e-6 * (1.0 + silu.abs()));
            assert!((Activation::Tanh.value(z) - z.tanh()).abs() < 1e-6);
        }
    }

    #[test]
    fn far_below_zero_the_outputs_are_zero_never_subnormal() {
        let normal_or_zero = |v: f32| v == 0.0 || v.abs() >= f32::MIN_POSITIVE;
        for act in [
            Activation::Silu,
            Activation::Relu,
            Activation::Gelu,
            Activation::Tanh,
        ] {
            let z: Vec<f32> = (0..4000).map(|i| -200.0 + i as f32 * 0.05).collect();
            let values = act.map(&z);
            let mut in_place = z.clone();
            let mut slopes = vec![0.0; z.len()];
            act.map_in_place_with_slope(&mut in_place, &[0.0], &mut slopes);
            let mut scaled = vec![1.0; z.len()];
            act.scale_by_derivative(&mut scaled, &z);
            for (k, &zk) in z.iter().enumerate() {
                for v in [values[k], in_place[k], slopes[k], scaled[k]] {
                    assert!(normal_or_zero(v), "{act:?} at {zk}: {v:e} is subnormal");
                }
            }
            // SiLU at −87 is about −1e−36 before flushing: it must come out as exactly zero.
            assert_eq!(
                act.map(&[-87.0])[0],
                if act == Activation::Tanh { -1.0 } else { 0.0 }
            );
        }
    }

    #[test]
    fn derivatives_match_central_differences() {
        for act in [
            Activation::Silu,
            Activation::Relu,
            Activation::Gelu,
            Activation::Tanh,
        ] {
            for i in -40..=40 {
                let z = i as f32 * 0.1 + 0.013;
                let h = 1e-3f32;
                let numeric = (act.value(z + h) - act.value(z - h)) / (2.0 * h);
                let exact = act.derivative(z);
                assert!(
                    (numeric - exact).abs() < 2e-3,
                    "{act:?} at {z}: {exact} vs {numeric}"
                );
            }
        }
    }
}
