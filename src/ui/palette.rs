//! Colours: one per target component (so a path's colour names the mode it ends in), and
//! one per round.

use eframe::egui::Color32;

/// Ten well-separated colours (matplotlib's tab10), legible on white and on a projector.
const MODES: [Color32; 10] = [
    Color32::from_rgb(31, 119, 180),
    Color32::from_rgb(255, 127, 14),
    Color32::from_rgb(44, 160, 44),
    Color32::from_rgb(214, 39, 40),
    Color32::from_rgb(148, 103, 189),
    Color32::from_rgb(140, 86, 75),
    Color32::from_rgb(227, 119, 194),
    Color32::from_rgb(127, 127, 127),
    Color32::from_rgb(188, 189, 34),
    Color32::from_rgb(23, 190, 207),
];

/// The colour of target component `index` (colours repeat after ten).
pub fn mode_color(index: usize) -> Color32 {
    MODES[index % MODES.len()]
}

/// The colour of round `index` in the charts: 1-RF, 2-RF, … then the students.
pub fn round_color(index: usize) -> Color32 {
    const ROUNDS: [Color32; 6] = [
        Color32::from_rgb(214, 39, 40),
        Color32::from_rgb(31, 119, 180),
        Color32::from_rgb(44, 160, 44),
        Color32::from_rgb(148, 103, 189),
        Color32::from_rgb(255, 127, 14),
        Color32::from_rgb(23, 190, 207),
    ];
    ROUNDS[index % ROUNDS.len()]
}

/// The density heat map's colour for a value in 0..=1 (white to deep blue on a light theme,
/// black to light blue on a dark one).
pub fn density_color(v: f32, dark: bool) -> Color32 {
    let v = v.clamp(0.0, 1.0).powf(0.6);
    let (lo, hi) = if dark {
        ([20.0, 20.0, 24.0], [110.0, 170.0, 235.0])
    } else {
        ([255.0, 255.0, 255.0], [70.0, 120.0, 200.0])
    };
    let mix = |i: usize| (lo[i] + (hi[i] - lo[i]) * v) as u8;
    Color32::from_rgb(mix(0), mix(1), mix(2))
}

/// `color` with alpha `a` (0..=255), unmultiplied.
pub fn faded(color: Color32, a: u8) -> Color32 {
    Color32::from_rgba_unmultiplied(color.r(), color.g(), color.b(), a)
}
