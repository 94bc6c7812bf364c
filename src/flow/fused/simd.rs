//! Runs element-wise loops compiled for the widest vector unit the CPU has.
//!
//! The crate is built for baseline x86-64 (SSE2, four floats per instruction). The activation
//! and optimizer loops are plain Rust the compiler vectorises; compiled inside a function with
//! AVX2 + FMA or AVX-512 enabled, the same loops run on 8 or 16 floats at a time. The CPU is
//! checked once, at run time, so the binary still runs on any x86-64.

use std::sync::OnceLock;

/// Vector units, widest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Level {
    /// AVX-512 (F, VL and BW) with FMA.
    Avx512,
    /// AVX2 with FMA.
    Avx2,
    /// Baseline x86-64 or another architecture.
    Baseline,
}

pub(crate) fn level() -> Level {
    static LEVEL: OnceLock<Level> = OnceLock::new();
    *LEVEL.get_or_init(|| {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f")
                && std::arch::is_x86_feature_detected!("avx512vl")
                && std::arch::is_x86_feature_detected!("avx512bw")
                && std::arch::is_x86_feature_detected!("fma")
            {
                return Level::Avx512;
            }
            if std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
            {
                return Level::Avx2;
            }
        }
        Level::Baseline
    })
}

/// Calls `body` from a function compiled for the widest vector unit this CPU has. `body`
/// (and what it calls) should be `#[inline(always)]` so it is compiled there too.
#[inline(always)]
// Calling a `target_feature` function is unsafe unless the CPU has the feature: `level()`
// checked it at run time just above each call.
#[expect(unsafe_code)]
pub(crate) fn widest<R>(body: impl FnOnce() -> R) -> R {
    match level() {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the CPU reported avx512f, avx512vl, avx512bw and fma.
        Level::Avx512 => unsafe { avx512(body) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the CPU reported avx2 and fma.
        Level::Avx2 => unsafe { avx2(body) },
        _ => body(),
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl,avx512bw,avx2,fma")]
fn avx512<R>(body: impl FnOnce() -> R) -> R {
    body()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn avx2<R>(body: impl FnOnce() -> R) -> R {
    body()
}

/// Defines a function that runs `$body` (an `#[inline(always)]` function of the same
/// arguments) compiled for the widest vector unit the CPU has.
///
/// For loops too large for [`widest`]: a closure whose body is large is not inlined into the
/// wrapper that enables the vector unit, so it runs at baseline (measured: the auction's
/// bids ran on SSE). Here the body is inlined into one function per vector unit by name.
macro_rules! widest_fn {
    ($(#[$meta:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty
        = $body:path;) => {
        $(#[$meta])*
        #[expect(
            unsafe_code,
            reason = "each vector unit's copy is called only after the CPU reported the unit"
        )]
        $vis fn $name($($arg: $ty),*) -> $ret {
            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx512f,avx512vl,avx512bw,avx2,fma")]
            fn avx512($($arg: $ty),*) -> $ret {
                $body($($arg),*)
            }
            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx2,fma")]
            fn avx2($($arg: $ty),*) -> $ret {
                $body($($arg),*)
            }
            match $crate::flow::fused::simd::level() {
                #[cfg(target_arch = "x86_64")]
                // SAFETY: the CPU reported avx512f, avx512vl, avx512bw and fma.
                $crate::flow::fused::simd::Level::Avx512 => unsafe { avx512($($arg),*) },
                #[cfg(target_arch = "x86_64")]
                // SAFETY: the CPU reported avx2 and fma.
                $crate::flow::fused::simd::Level::Avx2 => unsafe { avx2($($arg),*) },
                _ => $body($($arg),*),
            }
        }
    };
}
pub(crate) use widest_fn;
