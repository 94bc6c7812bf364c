//! The colours of flowlab, shared by the app and the exported figures so a slide matches the
//! screen: one per target component (a path's colour names the mode it ends in) and one per
//! round.

use super::figure::Rgb;

/// Ten well-separated colours (matplotlib's tab10), legible on white and on a projector.
const MODES: [Rgb; 10] = [
    Rgb(31, 119, 180),
    Rgb(255, 127, 14),
    Rgb(44, 160, 44),
    Rgb(214, 39, 40),
    Rgb(148, 103, 189),
    Rgb(140, 86, 75),
    Rgb(227, 119, 194),
    Rgb(127, 127, 127),
    Rgb(188, 189, 34),
    Rgb(23, 190, 207),
];

/// Rounds: 1-RF red, 2-RF blue, 3-RF green, then purple, orange, cyan.
const ROUNDS: [Rgb; 6] = [
    Rgb(214, 39, 40),
    Rgb(31, 119, 180),
    Rgb(44, 160, 44),
    Rgb(148, 103, 189),
    Rgb(255, 127, 14),
    Rgb(23, 190, 207),
];

/// The colour of target component `index` (colours repeat after ten).
pub fn mode_rgb(index: usize) -> Rgb {
    MODES[index % MODES.len()]
}

/// The colour of round `index` (0 is 1-RF).
pub fn round_rgb(index: usize) -> Rgb {
    ROUNDS[index % ROUNDS.len()]
}

/// The density heat map's colour for a value in 0..=1 (white to deep blue on a light
/// background, near-black to light blue on a dark one).
pub fn density_rgb(v: f32, dark: bool) -> Rgb {
    let v = v.clamp(0.0, 1.0).powf(0.6);
    let (lo, hi) = if dark {
        ([20.0, 20.0, 24.0], [110.0, 170.0, 235.0])
    } else {
        ([255.0, 255.0, 255.0], [70.0, 120.0, 200.0])
    };
    let mix = |i: usize| (lo[i] + (hi[i] - lo[i]) * v) as u8;
    Rgb(mix(0), mix(1), mix(2))
}

/// The colour of a round by its name (its kind), the same whatever order the rounds were
/// trained in.
pub fn round_kind_rgb(name: &str) -> Rgb {
    let index = match name {
        "distilled" => 3,
        "OT-CFM" => 4,
        "diffusion" => 5,
        "guided" => 7,
        n => n
            .strip_suffix("-RF")
            .and_then(|k| k.parse::<usize>().ok())
            .map_or(8, |k| k.saturating_sub(1)),
    };
    round_rgb(index)
}
