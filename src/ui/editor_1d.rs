//! The 1-D target editor: the density curve with each mode dashed beneath it, two handles
//! per mode, and a histogram of the selected model's samples (or of the user's points).

use eframe::egui::{self, Color32};
use egui_plot::{Bar, BarChart, Line, PlotBounds};

use super::action::Action;
use super::editor::{
    EditorState, Grip, Handle, Overlay, apply_input, editor_plot, handle, handles_ui, plot_input,
};
use super::palette::{faded, mode_color};
use super::view_box::ViewBox;
use crate::target::{Component, Mixture};
use crate::worker::SampleSet;

/// Draws the 1-D editor and applies the user's edits to `target`.
pub(super) fn editor_1d_ui(
    ui: &mut egui::Ui,
    target: &mut Mixture,
    picture: Option<&SampleSet>,
    overlay: Overlay<'_>,
    state: &mut EditorState,
    actions: &mut Vec<Action>,
) {
    let base = *state.view.get_or_insert_with(|| ViewBox::around(target));
    let (lo, hi) = base.x;
    let xs: Vec<f64> = (0..=400)
        .map(|i| lo + (hi - lo) * i as f64 / 400.0)
        .collect();
    let total = target.total_weight().max(f64::MIN_POSITIVE);
    let curve: Vec<[f64; 2]> = xs
        .iter()
        .map(|&x| [x, target.density(&[x as f32])])
        .collect();
    let parts: Vec<Vec<[f64; 2]>> = target
        .components
        .iter()
        .map(|c| {
            xs.iter()
                .map(|&x| [x, c.weight / total * normal_pdf(x, c.mean[0], c.std[0])])
                .collect()
        })
        .collect();
    let peak = |c: &Component| c.weight / total * normal_pdf(0.0, 0.0, c.std[0]);
    let handles: Vec<(Handle, [f64; 2])> = target
        .components
        .iter()
        .enumerate()
        .flat_map(|(i, c)| {
            [
                (handle(i, Grip::Centre), [c.mean[0], peak(c)]),
                (
                    handle(i, Grip::WidthX),
                    [c.mean[0] + c.std[0], peak(c) * (-0.5f64).exp()],
                ),
            ]
        })
        .collect();
    // The model's samples when there are some, else the loaded data.
    let histogram = picture
        .map(|p| &p.samples)
        .or(overlay.data.filter(|d| d.dim == 1))
        .map(|p| histogram(&p.data, lo, hi, 60));
    let y_max = curve
        .iter()
        .map(|p| p[1])
        .chain(histogram.iter().flatten().map(|b| b.1))
        .fold(0.1, f64::max)
        * 1.15;
    let selected = state.selected;
    // The whole widget, axes included, for the layout record.
    let widget = ui.available_rect_before_wrap();
    let response = editor_plot("target_editor_1d", "x", "density").show(ui, |plot_ui| {
        plot_ui.set_plot_bounds(PlotBounds::from_min_max([lo, 0.0], [hi, y_max]));
        if let Some(bins) = histogram {
            let width = (hi - lo) / 60.0;
            let bars = bins
                .into_iter()
                .map(|(x, h)| {
                    Bar::new(x, h)
                        .width(width)
                        .fill(Color32::from_rgba_unmultiplied(120, 120, 120, 90))
                })
                .collect();
            plot_ui.bar_chart(BarChart::new("samples", bars).allow_hover(false));
        }
        for (i, part) in parts.into_iter().enumerate() {
            let width = if selected == Some(i) { 3.0 } else { 1.5 };
            plot_ui.line(
                Line::new(format!("mode {}", i + 1), part)
                    .color(faded(mode_color(i), 200))
                    .width(width)
                    .style(egui_plot::LineStyle::dashed_loose())
                    .allow_hover(false),
            );
        }
        plot_ui.line(
            Line::new("target density", curve)
                .color(Color32::from_rgb(40, 40, 40))
                .width(2.5)
                .allow_hover(false),
        );
        handles_ui(plot_ui, &handles, 7.0);
        plot_input(plot_ui, handles.iter().map(|(_, p)| *p))
    });
    super::probe::main_plot(
        ui.ctx(),
        widget.intersect(response.response.rect.expand2(egui::vec2(80.0, 60.0))),
    );
    apply_input(target, &handles, &response.inner, state, actions);
}

/// A density histogram of `values` over `bins` bins in `lo..hi`: `(centre, height)`.
fn histogram(values: &[f32], lo: f64, hi: f64, bins: usize) -> Vec<(f64, f64)> {
    let width = (hi - lo) / bins as f64;
    let mut counts = vec![0usize; bins];
    for &v in values {
        let k = ((f64::from(v) - lo) / width).floor();
        if k >= 0.0 && (k as usize) < bins {
            counts[k as usize] += 1;
        }
    }
    let n = values.len().max(1) as f64;
    counts
        .into_iter()
        .enumerate()
        .map(|(k, c)| (lo + (k as f64 + 0.5) * width, c as f64 / (n * width)))
        .collect()
}

fn normal_pdf(x: f64, mean: f64, std: f64) -> f64 {
    let z = (x - mean) / std;
    (-0.5 * z * z).exp() / (std * (2.0 * std::f64::consts::PI).sqrt())
}
