//! The app's colours: the shared palette of [`crate::export::palette`] as egui colours, so the
//! screen and the exported figures agree.

use eframe::egui::Color32;

use crate::export::Rgb;
use crate::export::palette::{density_rgb, mode_rgb, round_kind_rgb};

fn color32(c: Rgb) -> Color32 {
    Color32::from_rgb(c.0, c.1, c.2)
}

/// The colour that marks the source mixture (t = 1) wherever it is edited.
pub const SOURCE: Color32 = Color32::from_rgb(190, 60, 150);

/// First series of a chart that is not about rounds (the guidance chart's distance).
pub const CHART_A: Color32 = Color32::from_rgb(0, 114, 178);
/// Second series of such a chart (the guidance chart's spread).
pub const CHART_B: Color32 = Color32::from_rgb(213, 94, 0);

/// The colour of target component `index` (colours repeat after ten).
pub fn mode_color(index: usize) -> Color32 {
    color32(mode_rgb(index))
}

/// The colour of the round named `name`: one fixed colour per kind of round, on screen and
/// in the figures.
pub fn round_color(name: &str) -> Color32 {
    color32(round_kind_rgb(name))
}

/// The density heat map's colour for a value in 0..=1 (white to deep blue on a light theme,
/// black to light blue on a dark one).
pub fn density_color(v: f32, dark: bool) -> Color32 {
    color32(density_rgb(v, dark))
}

/// `color` with alpha `a` (0..=255), unmultiplied.
pub fn faded(color: Color32, a: u8) -> Color32 {
    Color32::from_rgba_unmultiplied(color.r(), color.g(), color.b(), a)
}
