//! Runs element-wise loops compiled for the widest vector unit the CPU has.
//!
//! The crate is built for baseline x86-64 (SSE2, four floats per instruction). The activation
//! and optimizer loops are plain Rust the compiler vectorises; compiled inside a function with
//! AVX2 + FMA or AVX-512 enabled, the same loops run on 8 or 16 floats at a time. The CPU is
//! checked once, at run time, so the binary still runs on any x86-64.

use std::sync::OnceLock;

/// Vector units, widest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Level {
    Avx512,
    Avx2,
    Baseline,
}

fn level() -> Level {
    static LEVEL: OnceLock<Level> = OnceLock::new();
    *LEVEL.get_or_init(|| {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f")
                && std::arch::is_x86_feature_detected!("avx512vl")
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
        // SAFETY: the CPU reported avx512f, avx512vl and fma.
        Level::Avx512 => unsafe { avx512(body) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the CPU reported avx2 and fma.
        Level::Avx2 => unsafe { avx2(body) },
        _ => body(),
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl,avx2,fma")]
fn avx512<R>(body: impl FnOnce() -> R) -> R {
    body()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn avx2<R>(body: impl FnOnce() -> R) -> R {
    body()
}
