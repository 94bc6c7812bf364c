//! The main view: the target editor beside the selected model's paths, or every round's
//! paths side by side.

use eframe::egui::{self, RichText};

use super::action::{Action, Chart};
use super::charts::{chart_heading, chart_title_ui, chart_ui, measure_choice_ui};
use super::editing::Editing;
use super::editor::{Overlay, editor_ui};
use super::left_panel::source_edit;
use super::paths::{PathsStyle, paths_ui};
use super::received::{Picture, RunView};
use super::state::Persisted;
use super::view::{Selection, ViewState};
use super::view_box::ViewBox;
use super::{palette, tips};

/// The editor (or an enlarged chart) and the paths; or every round side by side.
pub fn main_view_ui(
    ui: &mut egui::Ui,
    persisted: &mut Persisted,
    run: &RunView,
    view: &mut ViewState,
    editing: &mut Editing,
    actions: &mut Vec<Action>,
) {
    let dim = persisted.target.dim;
    if view.side_by_side && !run.rounds.is_empty() {
        chart_title_ui(
            ui,
            "Every round side by side",
            tips::SIDE_BY_SIDE,
            Chart::SideBySide,
            actions,
        );
        side_by_side_ui(ui, persisted, run, view);
        return;
    }
    let picture = run.picture(view.selection);
    let title = match view.selection {
        Selection::Live if run.live.is_some() => "live model".to_owned(),
        selection => run
            .model_name(selection)
            .unwrap_or_else(|| "no model yet".into()),
    };
    let from = if persisted.settings.source.is_some() {
        "the source"
    } else {
        "noise"
    };
    let steps = match (picture, persisted.steps) {
        (Some(p), _) => p.steps_text(),
        (None, 1) => "1 step".to_owned(),
        (None, n) => format!("{n} steps"),
    };
    let paths_chart = if view.show_field {
        Chart::Field
    } else {
        Chart::Paths
    };
    let paths_tip = if dim == 1 {
        tips::PATHS_1D
    } else {
        tips::PATHS_2D
    };
    ui.columns(2, |cols| {
        if let Some(chart) = view.enlarged {
            let heading = chart_heading(chart, view.measure, true);
            chart_title_ui(&mut cols[0], &heading, chart.tip(), chart, actions);
            cols[0].horizontal_wrapped(|ui| {
                if ui
                    .small_button("Back to the target (Esc)")
                    .on_hover_text(tips::ENLARGE)
                    .clicked()
                {
                    actions.push(Action::Enlarge(None));
                }
                if chart == Chart::Quality {
                    ui.separator();
                    measure_choice_ui(ui, view.measure, actions);
                }
            });
            chart_ui(&mut cols[0], chart, run, view, true);
        } else {
            let tip = if dim == 1 {
                tips::EDITOR_1D
            } else {
                tips::EDITOR_2D
            };
            chart_title_ui(
                &mut cols[0],
                "Target density and samples",
                tip,
                Chart::Samples,
                actions,
            );
            canvas_ui(&mut cols[0], persisted, picture, editing, actions);
        }
        chart_title_ui(
            &mut cols[1],
            &format!("{title} · paths from {from} to data · {steps}"),
            paths_tip,
            paths_chart,
            actions,
        );
        let style = PathsStyle {
            id: "paths",
            view: paths_view(persisted, picture),
            generation: view.generation,
            t: view.scrub_t,
            compact: false,
            coupling: &[],
            line_scale: line_scale(persisted),
        };
        let coupling = if view.show_coupling {
            view.coupling_lines(run, &persisted.target)
        } else {
            &[]
        };
        paths_ui(
            &mut cols[1],
            dim,
            picture,
            &PathsStyle { coupling, ..style },
        );
    });
}

/// Lines and markers grow in presentation mode.
fn line_scale(persisted: &Persisted) -> f32 {
    if persisted.presentation { 1.5 } else { 1.0 }
}

/// The canvas: the target with the selected model's samples (the user's points in grey,
/// the source outlined), or the source while it is being edited.
fn canvas_ui(
    ui: &mut egui::Ui,
    persisted: &mut Persisted,
    picture: Option<&Picture>,
    editing: &mut Editing,
    actions: &mut Vec<Action>,
) {
    let dark = persisted.dark;
    match persisted.settings.source.as_mut() {
        Some(source) if editing.edit_source => {
            ui.label(
                RichText::new("Editing the source (t = 1); untick it in the left panel.")
                    .color(palette::SOURCE),
            );
            let mut edits = Vec::new();
            editor_ui(
                ui,
                source,
                None,
                Overlay::default(),
                dark,
                &mut editing.source,
                &mut edits,
            );
            actions.extend(edits.into_iter().map(source_edit));
        }
        source => {
            let overlay = Overlay {
                data: editing.data.as_ref().map(|d| &d.points),
                outline: source.map(|m| (&*m, palette::SOURCE)),
            };
            editor_ui(
                ui,
                &mut persisted.target,
                picture.map(|p| &p.set),
                overlay,
                dark,
                &mut editing.target,
                actions,
            );
        }
    }
}

/// Every round's paths in a grid, at the same step count.
fn side_by_side_ui(ui: &mut egui::Ui, persisted: &Persisted, run: &RunView, view: &ViewState) {
    let rounds = &run.rounds;
    let cols = if rounds.len() <= 4 {
        rounds.len().min(2)
    } else {
        3
    };
    let rows = rounds.len().div_ceil(cols);
    let height = (ui.available_height() / rows as f32 - 8.0).max(120.0);
    let paths_view = paths_view(persisted, None);
    for chunk in rounds.chunks(cols) {
        ui.columns(cols, |columns| {
            for (col, r) in columns.iter_mut().zip(chunk) {
                let picture = run.pictures.get(&r.index);
                let quality = picture
                    .map(|p| {
                        let steps = p.steps_text();
                        match p.quality {
                            Some(q) => {
                                format!(" · {steps} · within-mode W2 {:.3}", q.within_mode_w2.mean)
                            }
                            None => format!(" · {steps}"),
                        }
                    })
                    .unwrap_or_default();
                col.label(
                    RichText::new(format!("{}{quality}", r.report.name))
                        .strong()
                        .color(palette::round_color(&r.report.name)),
                )
                .on_hover_text(tips::SIDE_BY_SIDE);
                let id = format!("compare{}", r.index);
                let style = PathsStyle {
                    id: &id,
                    view: paths_view,
                    generation: view.generation,
                    t: view.scrub_t,
                    compact: true,
                    coupling: &[],
                    line_scale: line_scale(persisted),
                };
                col.allocate_ui(egui::vec2(col.available_width(), height - 24.0), |ui| {
                    paths_ui(ui, persisted.target.dim, picture, &style);
                });
            }
        });
    }
}

/// The region the paths plots show: the target's, grown to hold the noise (about ±3), the
/// source, and the picture's samples when they land outside (strong guidance overshoots its
/// mode). Grown in whole units, so the view does not creep with every new picture.
pub fn paths_view(persisted: &Persisted, picture: Option<&Picture>) -> ViewBox {
    let mut v = ViewBox::around(&persisted.target);
    if let Some(source) = &persisted.settings.source {
        v = v.union(ViewBox::around(source));
    }
    v.x = (v.x.0.min(-3.5), v.x.1.max(3.5));
    if persisted.target.dim > 1 {
        v.y = (v.y.0.min(-3.5), v.y.1.max(3.5));
    }
    if let Some(p) = picture
        && let Some(extent) = ViewBox::of_points(&p.samples)
    {
        v = v.union(extent.grown_to_units(1.0));
    }
    v
}
