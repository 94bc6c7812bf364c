//! The target editor: the density (heat map in 2-D, curve in 1-D) with a handle per mode to
//! drag, plus the selected round's samples drawn over it.

use eframe::egui::{self, Color32, Key, TextureHandle, TextureOptions, Vec2};
use egui_plot::{Bar, BarChart, Line, MarkerShape, Plot, PlotBounds, PlotImage, PlotPoint, Points};

use super::palette::{density_color, faded, mode_color};
use super::state::Action;
use super::view_box::ViewBox;
use crate::target::{Component, MAX_COMPONENTS, Mixture};
use crate::worker::SampleSet;

/// Pixels within which a press grabs a handle.
const GRAB_PX: f32 = 14.0;
/// Smallest width a drag can make.
const MIN_STD: f64 = 0.02;
/// Heat map resolution.
const HEAT_PX: usize = 160;

/// What can be dragged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Grip {
    Centre,
    WidthX,
    WidthY,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Handle {
    component: usize,
    grip: Grip,
}

/// The editor's own state (not persisted).
#[derive(Default)]
pub struct EditorState {
    /// The selected component (Delete removes it; the side panel edits its numbers).
    pub selected: Option<usize>,
    drag: Option<Handle>,
    /// The region shown; reset when a new target arrives.
    view: Option<ViewBox>,
    heat: Option<(TextureHandle, Mixture, ViewBox, bool)>,
}

/// What the canvas draws besides the mixture it edits.
#[derive(Clone, Copy, Default)]
pub struct Overlay<'a> {
    /// Points the mixture was fitted to (a loaded CSV), in grey.
    pub data: Option<&'a crate::Points>,
    /// Another mixture outlined in its own colour (the source at t = 1), not editable here.
    pub outline: Option<(&'a Mixture, Color32)>,
}

impl EditorState {
    /// Forget the view and selection (a new target was loaded).
    pub fn reset(&mut self) {
        self.selected = None;
        self.drag = None;
        self.view = None;
    }
}

/// What the plot saw of the mouse this frame.
struct PlotInput {
    pointer: Option<PlotPoint>,
    nearest: Option<usize>,
    drag_started: bool,
    dragging: bool,
    drag_stopped: bool,
    clicked: bool,
    hovered: bool,
    scroll: f32,
}

/// Draws the editor and applies the user's edits to `target`.
pub fn editor_ui(
    ui: &mut egui::Ui,
    target: &mut Mixture,
    picture: Option<&SampleSet>,
    overlay: Overlay<'_>,
    dark: bool,
    state: &mut EditorState,
    actions: &mut Vec<Action>,
) {
    if target.dim == 1 {
        editor_1d_ui(ui, target, picture, overlay, state, actions);
    } else {
        editor_2d_ui(ui, target, picture, overlay, dark, state, actions);
    }
    let typing = ui.ctx().egui_wants_keyboard_input();
    if !typing
        && ui.input(|i| i.key_pressed(Key::Delete) || i.key_pressed(Key::Backspace))
        && let Some(i) = state.selected
        && target.components.len() > 1
        && i < target.components.len()
    {
        target.components.remove(i);
        state.selected = None;
        actions.push(Action::TargetEdited);
    }
}

fn editor_2d_ui(
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

    let handles: Vec<(Handle, [f64; 2])> = target
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
        .collect();
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
    let data: Vec<[f64; 2]> = overlay
        .data
        .iter()
        .filter(|d| d.dim == 2)
        .flat_map(|d| d.rows().take(3000))
        .map(|r| [f64::from(r[0]), f64::from(r[1])])
        .collect();
    let selected = state.selected;

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
    apply_input(target, &handles, response.inner, state, actions);
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

/// Applies the mouse to the target: grab a handle, drag it, click to select or add, scroll
/// for weight. In 1-D only x counts.
fn apply_input(
    target: &mut Mixture,
    handles: &[(Handle, [f64; 2])],
    input: PlotInput,
    state: &mut EditorState,
    actions: &mut Vec<Action>,
) {
    let dim = target.dim;
    let Some(p) = input.pointer else {
        if input.drag_stopped {
            state.drag = None;
        }
        return;
    };
    if input.drag_started {
        state.drag = input.nearest.map(|k| handles[k].0);
        if let Some(h) = state.drag {
            state.selected = Some(h.component);
        }
    }
    if input.dragging
        && let Some(h) = state.drag
        && let Some(c) = target.components.get_mut(h.component)
    {
        match h.grip {
            Grip::Centre => c.mean = at(p, dim),
            Grip::WidthX => c.std[0] = (p.x - c.mean[0]).abs().max(MIN_STD),
            Grip::WidthY => c.std[1] = (p.y - c.mean[1]).abs().max(MIN_STD),
        }
        actions.push(Action::TargetEdited);
    }
    if input.drag_stopped {
        state.drag = None;
    }
    if input.clicked {
        match input.nearest {
            Some(k) => state.selected = Some(handles[k].0.component),
            None => add_component(target, at(p, dim), state, actions),
        }
    }
    scroll_weight(target, &input, handles, state, actions);
}

/// A plot point as a position of dimension `dim`.
fn at(p: PlotPoint, dim: usize) -> Vec<f64> {
    if dim == 1 { vec![p.x] } else { vec![p.x, p.y] }
}

fn editor_1d_ui(
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
    apply_input(target, &handles, response.inner, state, actions);
}

/// Draws each mode's handles: a dot at the centre, squares on the width handles.
fn handles_ui(plot_ui: &mut egui_plot::PlotUi<'_>, handles: &[(Handle, [f64; 2])], radius: f32) {
    for (h, p) in handles {
        let (shape, radius) = match h.grip {
            Grip::Centre => (MarkerShape::Circle, radius),
            _ => (MarkerShape::Square, radius * 0.7),
        };
        plot_ui.points(
            Points::new("handle", vec![*p])
                .shape(shape)
                .radius(radius)
                .filled(true)
                .color(mode_color(h.component))
                .allow_hover(false),
        );
    }
}

/// A plot whose view stays put: the mouse edits the target instead of panning or zooming.
fn editor_plot<'a>(id: &str, x_label: &str, y_label: &str) -> Plot<'a> {
    Plot::new(id)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        .allow_double_click_reset(false)
        .show_crosshair(false)
        .x_grid_spacer(egui_plot::log_grid_spacer(5))
        .x_axis_label(x_label)
        .y_axis_label(y_label)
}

fn handle(component: usize, grip: Grip) -> Handle {
    Handle { component, grip }
}

/// Reads the mouse inside a plot and finds the handle nearest to it on screen.
fn plot_input(
    plot_ui: &egui_plot::PlotUi<'_>,
    handles: impl Iterator<Item = [f64; 2]>,
) -> PlotInput {
    let response = plot_ui.response();
    let pointer = plot_ui.pointer_coordinate();
    let nearest = pointer.and_then(|p| {
        let at = plot_ui.screen_from_plot(p);
        handles
            .enumerate()
            .map(|(k, h)| {
                let s = plot_ui.screen_from_plot(PlotPoint::new(h[0], h[1]));
                (k, s.distance(at))
            })
            .filter(|(_, d)| *d <= GRAB_PX)
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(k, _)| k)
    });
    PlotInput {
        pointer,
        nearest,
        drag_started: response.drag_started(),
        dragging: response.dragged(),
        drag_stopped: response.drag_stopped(),
        clicked: response.clicked(),
        hovered: response.hovered(),
        scroll: if response.hovered() {
            plot_ui.ctx().input(|i| i.smooth_scroll_delta.y)
        } else {
            0.0
        },
    }
}

fn add_component(
    target: &mut Mixture,
    mean: Vec<f64>,
    state: &mut EditorState,
    actions: &mut Vec<Action>,
) {
    if target.components.len() >= MAX_COMPONENTS {
        return;
    }
    let n = target.components.len().max(1) as f64;
    let weight = target.total_weight() / n;
    let std = vec![0.3; target.dim];
    target.components.push(Component {
        weight: if weight > 0.0 { weight } else { 1.0 },
        mean,
        std,
    });
    state.selected = Some(target.components.len() - 1);
    actions.push(Action::TargetEdited);
}

/// Scrolling over a mode (or with one selected) scales its weight.
fn scroll_weight(
    target: &mut Mixture,
    input: &PlotInput,
    handles: &[(Handle, [f64; 2])],
    state: &EditorState,
    actions: &mut Vec<Action>,
) {
    if !input.hovered || input.scroll == 0.0 {
        return;
    }
    let Some(i) = input
        .nearest
        .map(|k| handles[k].0.component)
        .or(state.selected)
    else {
        return;
    };
    if let Some(c) = target.components.get_mut(i) {
        let factor = (f64::from(input.scroll) / 200.0).exp();
        c.weight = (c.weight * factor).clamp(0.01, 100.0);
        actions.push(Action::TargetEdited);
    }
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
