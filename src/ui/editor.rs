//! The target editor: the density (heat map in 2-D, curve in 1-D) with a handle per mode to
//! drag, plus the selected round's samples drawn over it.

use eframe::egui::{self, Color32, Key, TextureHandle};
use egui_plot::{MarkerShape, Plot, PlotPoint, Points};

use super::action::Action;
use super::palette::mode_color;
use super::view_box::ViewBox;
use crate::target::{Component, MAX_COMPONENTS, Mixture};
use crate::worker::SampleSet;

/// Pixels within which a press grabs a handle.
const GRAB_PX: f32 = 14.0;
/// Smallest width a drag can make.
const MIN_STD: f64 = 0.02;
/// What can be dragged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Grip {
    /// The mode's centre.
    Centre,
    /// Its width along x₁ (x in 1-D).
    WidthX,
    /// Its width along x₂.
    WidthY,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Handle {
    pub(super) component: usize,
    pub(super) grip: Grip,
}

/// The editor's own state (not persisted).
#[derive(Default)]
pub struct EditorState {
    /// The selected component (Delete removes it; the side panel edits its numbers).
    pub selected: Option<usize>,
    drag: Option<Handle>,
    /// The region shown; reset when a new target arrives.
    pub(super) view: Option<ViewBox>,
    /// The density heat map, with the target, view and theme it was drawn for.
    pub(super) heat: Option<(TextureHandle, Mixture, ViewBox, bool)>,
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
pub(super) struct PlotInput {
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
        super::editor_1d::editor_1d_ui(ui, target, picture, overlay, state, actions);
    } else {
        super::editor_2d::editor_2d_ui(ui, target, picture, overlay, dark, state, actions);
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

/// Applies the mouse to the target: grab a handle, drag it, click to select or add, scroll
/// for weight. In 1-D only x counts.
pub(super) fn apply_input(
    target: &mut Mixture,
    handles: &[(Handle, [f64; 2])],
    input: &PlotInput,
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
    scroll_weight(target, input, handles, state, actions);
}

/// A plot point as a position of dimension `dim`.
pub(super) fn at(p: PlotPoint, dim: usize) -> Vec<f64> {
    if dim == 1 { vec![p.x] } else { vec![p.x, p.y] }
}

/// Draws each mode's handles: a dot at the centre, squares on the width handles.
pub(super) fn handles_ui(
    plot_ui: &mut egui_plot::PlotUi<'_>,
    handles: &[(Handle, [f64; 2])],
    radius: f32,
) {
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
pub(super) fn editor_plot<'a>(id: &str, x_label: &str, y_label: &str) -> Plot<'a> {
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

pub(super) fn handle(component: usize, grip: Grip) -> Handle {
    Handle { component, grip }
}

/// Reads the mouse inside a plot and finds the handle nearest to it on screen.
pub(super) fn plot_input(
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
