//! The 2-D target editor: the density as a heat map, a 1-std ellipse and three handles per
//! mode, the selected model's samples, the user's points and the source's outline.

use eframe::egui::{self, Color32, TextureOptions, Vec2};
use egui_plot::{Line, PlotBounds, PlotImage, PlotPoint, Points};

use super::action::Action;
use super::editor::{
    EditorState, Grip, Handle, Overlay, apply_input, editor_plot, handle, handles_ui, plot_input,
};
use super::palette::{density_color, faded, mode_color};
use super::view_box::ViewBox;
use crate::target::Mixture;
use crate::worker::SampleSet;

/// Heat map resolution.
const HEAT_PX: usize = 160;

/// The grips of every mode: its centre and the ends of its two width handles.
fn handles_of(target: &Mixture) -> Vec<(Handle, [f64; 2])> {
    target
        .components
        .iter()
        .enumerate()
        .flat_map(|(i, c)| {
            let (x, y, sx, sy) = (c.mean[0], c.mean[1], c.std[0], c.std[1]);
            [
                (handle(i, Grip::Centre), [x, y]),
                (handle(i, Grip::WidthX), [x + sx, y]),
                (handle(i, Grip::WidthY), [x, y + sy]),
            ]
        })
        .collect()
}

/// The user's own points (a fitted CSV), at most 3,000 of them.
fn data_points(overlay: &Overlay<'_>) -> Vec<[f64; 2]> {
    overlay
        .data
        .iter()
        .filter(|d| d.dim == 2)
        .flat_map(|d| d.rows().take(3000))
        .map(|r| [f64::from(r[0]), f64::from(r[1])])
        .collect()
}

/// Draws the 2-D editor and applies the user's edits to `target`.
pub(super) fn editor_2d_ui(
    ui: &mut egui::Ui,
    target: &mut Mixture,
    picture: Option<&SampleSet>,
    overlay: Overlay<'_>,
    dark: bool,
    state: &mut EditorState,
    actions: &mut Vec<Action>,
) {
    let size = ui.available_size();
    let base = *state.view.get_or_insert_with(|| ViewBox::around(target));
    let view = base.with_equal_aspect(size.x - 50.0, size.y - 30.0);
    let texture = heat_texture(ui.ctx(), target, view, dark, state);

    let handles = handles_of(target);
    let outline: Vec<Vec<[f64; 2]>> = overlay
        .outline
        .iter()
        .filter(|(m, _)| m.dim == 2)
        .flat_map(|(m, _)| m.components.iter().map(ellipse))
        .collect();
    let outline_color = overlay.outline.map(|o| o.1);
    let ellipses: Vec<(usize, Vec<[f64; 2]>)> = target
        .components
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let pts = ellipse(c);
            (i, pts)
        })
        .collect();
    let samples = samples_by_mode(picture, 2);
    let data = data_points(&overlay);
    let selected = state.selected;

    // The whole widget, axes included, for the layout record.
    let widget = ui.available_rect_before_wrap();
    let response = editor_plot("target_editor", "x₁", "x₂").show(ui, |plot_ui| {
        plot_ui.set_plot_bounds(PlotBounds::from_min_max(
            [view.x.0, view.y.0],
            [view.x.1, view.y.1],
        ));
        if let Some(id) = texture {
            let [w, h] = view.size();
            plot_ui.image(
                PlotImage::new(
                    "density",
                    id,
                    PlotPoint::new(view.center()[0], view.center()[1]),
                    Vec2::new(w as f32, h as f32),
                )
                .allow_hover(false),
            );
        }
        if !data.is_empty() {
            plot_ui.points(
                Points::new("your data", data)
                    .radius(1.6)
                    .color(Color32::from_rgba_unmultiplied(60, 60, 60, 150))
                    .allow_hover(false),
            );
        }
        if let Some(color) = outline_color {
            for pts in outline {
                plot_ui.line(
                    Line::new("source", pts)
                        .color(color)
                        .width(1.5)
                        .style(egui_plot::LineStyle::dashed_dense())
                        .allow_hover(false),
                );
            }
        }
        for (mode, pts) in samples {
            plot_ui.points(
                Points::new("samples", pts)
                    .radius(1.8)
                    .color(faded(mode_color(mode), 200))
                    .allow_hover(false),
            );
        }
        for (i, pts) in ellipses {
            let width = if selected == Some(i) { 3.5 } else { 2.0 };
            plot_ui.line(
                Line::new(format!("mode {}", i + 1), pts)
                    .color(mode_color(i))
                    .width(width)
                    .allow_hover(false),
            );
        }
        handles_ui(plot_ui, &handles, 6.0);
        plot_input(plot_ui, handles.iter().map(|(_, p)| *p))
    });
    super::probe::main_plot(
        ui.ctx(),
        widget.intersect(response.response.rect.expand2(egui::vec2(80.0, 60.0))),
    );
    apply_input(target, &handles, &response.inner, state, actions);
}

/// The 1-std ellipse of a 2-D component.
fn ellipse(c: &crate::target::Component) -> Vec<[f64; 2]> {
    (0..=48)
        .map(|k| {
            let a = std::f64::consts::TAU * k as f64 / 48.0;
            [
                c.mean[0] + c.std[0] * a.cos(),
                c.mean[1] + c.std[1] * a.sin(),
            ]
        })
        .collect()
}

/// Samples grouped by the mode they were assigned to, as plot points (at most 1,000).
fn samples_by_mode(picture: Option<&SampleSet>, dim: usize) -> Vec<(usize, Vec<[f64; 2]>)> {
    let Some(p) = picture.filter(|p| p.samples.dim == dim) else {
        return Vec::new();
    };
    let mut groups: std::collections::BTreeMap<usize, Vec<[f64; 2]>> = Default::default();
    for (row, &label) in p.samples.rows().zip(&p.labels).take(1000) {
        groups
            .entry(label)
            .or_default()
            .push([f64::from(row[0]), f64::from(row[1])]);
    }
    groups.into_iter().collect()
}

/// The density heat map as a texture, recomputed only when the target or the view changes.
fn heat_texture(
    ctx: &egui::Context,
    target: &Mixture,
    view: ViewBox,
    dark: bool,
    state: &mut EditorState,
) -> Option<egui::TextureId> {
    if let Some((tex, t, v, d)) = &state.heat
        && t == target
        && *v == view
        && *d == dark
    {
        return Some(tex.id());
    }
    if target.validate().is_err() {
        return state.heat.as_ref().map(|h| h.0.id());
    }
    let grid = target.density_grid(view.x, view.y, HEAT_PX, HEAT_PX);
    let max = grid.iter().copied().fold(f64::MIN_POSITIVE, f64::max);
    // Rows come from the lowest y; images start at the top.
    let pixels = (0..HEAT_PX)
        .rev()
        .flat_map(|j| {
            grid[j * HEAT_PX..(j + 1) * HEAT_PX]
                .iter()
                .map(|&v| density_color((v / max) as f32, dark))
                .collect::<Vec<_>>()
        })
        .collect();
    let image = egui::ColorImage::new([HEAT_PX, HEAT_PX], pixels);
    let texture = ctx.load_texture("target-density", image, TextureOptions::LINEAR);
    let id = texture.id();
    state.heat = Some((texture, target.clone(), view, dark));
    Some(id)
}
