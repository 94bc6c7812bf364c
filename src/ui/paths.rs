//! Paths from noise to data: the (t, x) plane in 1-D, the plane itself in 2-D, with particles
//! at the scrubber's time and, optionally, the velocity field as arrows.

use eframe::egui::{self, Color32};
use egui_plot::{Arrows, Line, Plot, PlotPoints, Points};

use super::palette::{faded, mode_color};
use super::received::Picture;
use super::view_box::ViewBox;

/// How a paths plot is drawn.
pub struct PathsStyle<'a> {
    /// Plot id salt (one per plot on screen).
    pub id: &'a str,
    /// Region shown when the view is reset.
    pub view: ViewBox,
    /// Bumped to reset a plot's zoom (e.g. when the target changes).
    pub generation: u64,
    /// The scrubber's time: particles are drawn where they are at this t.
    pub t: f32,
    /// Thinner lines and no axis labels (the side-by-side view).
    pub compact: bool,
    /// Straight lines between the (noise, data) pairs a round trains on, in plot
    /// coordinates (1-D: from (1, z) to (0, x0)); drawn under the paths.
    pub coupling: &'a [[[f64; 2]; 2]],
    /// Line widths and markers grow by this (presentation mode).
    pub line_scale: f32,
}

impl PathsStyle<'_> {
    /// The plot's id: a new view box (a new target, samples beyond the old box) is a new
    /// plot, so it opens on the new box instead of keeping the old zoom.
    fn plot_id(&self) -> (&str, u64, [i64; 4]) {
        let v = self.view;
        let q = |a: f64| (a * 4.0).round() as i64;
        (
            self.id,
            self.generation,
            [q(v.x.0), q(v.x.1), q(v.y.0), q(v.y.1)],
        )
    }
}

/// Where a particle is at time `t` on its recorded path (times fall from 1 to 0): between
/// two recorded frames it moves along the straight segment joining them, so even a one-step
/// path carries its particles smoothly from noise to data as the scrubber plays.
fn position_at(path: &[egui_plot::PlotPoint], times: &[f32], t: f32) -> Option<[f64; 2]> {
    let last = path.len().min(times.len()).checked_sub(1)?;
    let k = (0..last).find(|&k| t >= times[k + 1]).unwrap_or(last);
    if k == last {
        return path.get(last).map(|p| [p.x, p.y]);
    }
    let (t0, t1) = (times[k], times[k + 1]);
    let f = if t0 > t1 {
        f64::from(((t0 - t) / (t0 - t1)).clamp(0.0, 1.0))
    } else {
        0.0
    };
    let (a, b) = (path[k], path[k + 1]);
    Some([a.x + (b.x - a.x) * f, a.y + (b.y - a.y) * f])
}

fn coupling_ui(plot_ui: &mut egui_plot::PlotUi<'_>, coupling: &[[[f64; 2]; 2]]) {
    for pair in coupling {
        plot_ui.line(
            Line::new("training pair", pair.to_vec())
                .color(Color32::from_rgba_unmultiplied(90, 90, 90, 110))
                .width(1.0)
                .allow_band(false)
                .allow_hover(false),
        );
    }
}

/// Draws the paths of `picture` (or an empty plot with a hint).
pub fn paths_ui(ui: &mut egui::Ui, dim: usize, picture: Option<&Picture>, style: &PathsStyle<'_>) {
    if dim == 1 {
        paths_1d_ui(ui, picture, style);
    } else {
        paths_2d_ui(ui, picture, style);
    }
}

fn paths_2d_ui(ui: &mut egui::Ui, picture: Option<&Picture>, style: &PathsStyle<'_>) {
    // Grow the box to the plot's shape first: left to egui_plot, equal aspect can crop it.
    let size = ui.available_size();
    let margin = if style.compact {
        (30.0, 20.0)
    } else {
        (50.0, 30.0)
    };
    let view = style
        .view
        .with_equal_aspect(size.x - margin.0, size.y - margin.1);
    let mut plot = Plot::new(style.plot_id())
        .data_aspect(1.0)
        .default_x_bounds(view.x.0, view.x.1)
        .default_y_bounds(view.y.0, view.y.1)
        .x_grid_spacer(egui_plot::log_grid_spacer(5))
        .show_grid(!style.compact);
    if !style.compact {
        plot = plot.x_axis_label("x₁").y_axis_label("x₂");
    }
    let line_width = style.line_scale * if style.compact { 0.8 } else { 1.2 };
    // The whole widget, axes included, for the layout record.
    let widget = ui.available_rect_before_wrap();
    let shown = plot.show(ui, |plot_ui| {
        coupling_ui(plot_ui, style.coupling);
        let Some(p) = picture else { return };
        let tr = &p.trajectory;
        if tr.dim != 2 || tr.particles == 0 {
            return;
        }
        let mut starts = Vec::with_capacity(tr.particles);
        let mut now: std::collections::BTreeMap<usize, Vec<[f64; 2]>> = Default::default();
        for (i, path) in p.paths.iter().enumerate() {
            let label = p.labels.get(i).copied().unwrap_or(0);
            let (Some(start), Some(here)) = (path.first(), position_at(path, &tr.times, style.t))
            else {
                continue;
            };
            starts.push([start.x, start.y]);
            now.entry(label).or_default().push(here);
            plot_ui.line(
                Line::new("path", PlotPoints::Borrowed(path))
                    .color(faded(mode_color(label), 120))
                    .width(line_width)
                    // egui_plot merges points close in x into a filled band: a path of
                    // two or three points would become a translucent wedge.
                    .allow_band(false)
                    .allow_hover(false),
            );
        }
        plot_ui.points(
            Points::new("noise", starts)
                .radius(1.5)
                .color(Color32::from_gray(150))
                .allow_hover(false),
        );
        particles_and_field_ui(plot_ui, now, p, 2, style);
    });
    if !style.compact {
        super::probe::main_plot(
            ui.ctx(),
            widget.intersect(shown.response.rect.expand2(egui::vec2(80.0, 60.0))),
        );
    }
}

fn paths_1d_ui(ui: &mut egui::Ui, picture: Option<&Picture>, style: &PathsStyle<'_>) {
    let view = style.view;
    let mut plot = Plot::new(style.plot_id())
        .invert_x(true)
        .default_x_bounds(0.0, 1.0)
        .default_y_bounds(view.x.0, view.x.1)
        .x_grid_spacer(egui_plot::log_grid_spacer(5))
        .show_grid(!style.compact);
    if !style.compact {
        plot = plot
            .x_axis_label("t   (noise at t = 1, data at t = 0)")
            .y_axis_label("x");
    }
    let line_width = style.line_scale * if style.compact { 0.8 } else { 1.2 };
    // The whole widget, axes included, for the layout record.
    let widget = ui.available_rect_before_wrap();
    let shown = plot.show(ui, |plot_ui| {
        coupling_ui(plot_ui, style.coupling);
        let Some(p) = picture else { return };
        let tr = &p.trajectory;
        if tr.dim != 1 || tr.particles == 0 {
            return;
        }
        let mut now: std::collections::BTreeMap<usize, Vec<[f64; 2]>> = Default::default();
        for (i, path) in p.paths.iter().enumerate() {
            let label = p.labels.get(i).copied().unwrap_or(0);
            let Some(here) = position_at(path, &tr.times, style.t) else {
                continue;
            };
            now.entry(label).or_default().push(here);
            plot_ui.line(
                Line::new("path", PlotPoints::Borrowed(path))
                    .color(faded(mode_color(label), 120))
                    .width(line_width)
                    // egui_plot merges points close in x into a filled band: a path of
                    // two or three points would become a translucent wedge.
                    .allow_band(false)
                    .allow_hover(false),
            );
        }
        particles_and_field_ui(plot_ui, now, p, 1, style);
    });
    if !style.compact {
        super::probe::main_plot(
            ui.ctx(),
            widget.intersect(shown.response.rect.expand2(egui::vec2(80.0, 60.0))),
        );
    }
}

/// The particles where they are at the scrubber's time, coloured by their mode, and the
/// velocity field's arrows when the picture has them.
fn particles_and_field_ui(
    plot_ui: &mut egui_plot::PlotUi<'_>,
    now: std::collections::BTreeMap<usize, Vec<[f64; 2]>>,
    picture: &Picture,
    dim: usize,
    style: &PathsStyle<'_>,
) {
    for (label, pts) in now {
        plot_ui.points(
            Points::new("particles", pts)
                .radius(style.line_scale * if style.compact { 2.0 } else { 3.0 })
                .filled(true)
                .color(mode_color(label))
                .allow_hover(false),
        );
    }
    if let Some(field) = &picture.field {
        let (origins, tips) = arrows(field, dim, style.view);
        plot_ui.arrows(
            Arrows::new("v(x, t)", origins, tips)
                .color(Color32::from_rgba_unmultiplied(70, 70, 70, 150))
                .tip_length(6.0)
                .allow_hover(false),
        );
    }
}

/// Arrows along −v (the way particles move as t falls), scaled so the longest is about one
/// grid spacing. In 1-D they live in the (t, x) plane.
fn arrows(
    field: &crate::worker::VelocityGrid,
    dim: usize,
    view: ViewBox,
) -> (Vec<[f64; 2]>, Vec<[f64; 2]>) {
    let n = field.points.len().max(1);
    let per_axis = if dim == 1 {
        n as f64
    } else {
        (n as f64).sqrt()
    };
    let spacing = (view.x.1 - view.x.0) / per_axis.max(2.0);
    let longest = field
        .velocities
        .data
        .chunks_exact(dim)
        .map(|v| v.iter().map(|c| f64::from(*c).powi(2)).sum::<f64>().sqrt())
        .fold(f64::MIN_POSITIVE, f64::max);
    let scale = 0.9 * spacing / longest;
    let t = f64::from(field.t);
    let mut origins = Vec::with_capacity(n);
    let mut tips = Vec::with_capacity(n);
    for (x, v) in field.points.rows().zip(field.velocities.rows()) {
        if dim == 1 {
            // Moving from t to t − dt changes x by −v·dt: an arrow in the (t, x) plane.
            let dt = 0.04;
            let dx = -f64::from(v[0]) * dt;
            origins.push([t, f64::from(x[0])]);
            tips.push([t - dt, f64::from(x[0]) + dx]);
        } else {
            origins.push([f64::from(x[0]), f64::from(x[1])]);
            tips.push([
                f64::from(x[0]) - scale * f64::from(v[0]),
                f64::from(x[1]) - scale * f64::from(v[1]),
            ]);
        }
    }
    (origins, tips)
}
