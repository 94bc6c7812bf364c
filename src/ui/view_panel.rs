//! The right panel: which round is shown, the step count and solver, the quality of the
//! picture on screen, guidance, and the time scrubber with its overlays.

use eframe::egui::{self, RichText};

use super::action::Action;
use super::app::MAX_STEPS;
use super::guidance_panel::guidance_ui;
use super::palette;
use super::received::RunView;
use super::run::RunState;
use super::state::Persisted;
use super::tips;
use super::view::{Selection, ViewState};
use crate::flow::Solver;

/// The panel.
pub fn view_panel_ui(
    ui: &mut egui::Ui,
    persisted: &mut Persisted,
    run: &RunState,
    view: &mut ViewState,
    actions: &mut Vec<Action>,
) {
    rounds_ui(ui, run, view);
    ui.separator();
    ui.add(
        egui::Slider::new(&mut persisted.steps, 1..=MAX_STEPS)
            .logarithmic(true)
            .text("steps"),
    )
    .on_hover_text(tips::STEPS);
    ui.horizontal(|ui| {
        ui.label("solver").on_hover_text(tips::SOLVER);
        egui::ComboBox::from_id_salt("solver")
            .selected_text(persisted.solver.name())
            .show_ui(ui, |ui| {
                for s in Solver::ALL {
                    ui.selectable_value(&mut persisted.solver, s, s.name());
                }
            })
            .response
            .on_hover_text(tips::SOLVER);
    });
    quality_ui(ui, &run.view, view, persisted);
    ui.separator();
    if let Selection::Round(i) = view.selection
        && !view.side_by_side
        && let Some(report) = run
            .view
            .rounds
            .get(i)
            .and_then(|r| r.report.guidance.as_ref())
    {
        guidance_ui(ui, &mut view.guidance, report);
        ui.separator();
    }
    scrubber_ui(ui, view, actions);
}

/// The rounds list (and the live model while training), and the side-by-side switch.
fn rounds_ui(ui: &mut egui::Ui, run: &RunState, view: &mut ViewState) {
    ui.heading("Rounds").on_hover_text(tips::ROUNDS);
    if run.is_busy()
        && ui
            .selectable_label(view.selection == Selection::Live, "live (training)")
            .on_hover_text(tips::LIVE)
            .clicked()
    {
        view.selection = Selection::Live;
    }
    for r in &run.view.rounds {
        let text = RichText::new(r.report.name.as_str()).color(palette::round_color(r.index));
        if ui
            .selectable_label(view.selection == Selection::Round(r.index), text)
            .on_hover_text(tips::ROUNDS)
            .clicked()
        {
            view.selection = Selection::Round(r.index);
        }
    }
    if run.view.rounds.is_empty() && !run.is_busy() {
        ui.weak("None yet: press Train.");
    }
    ui.checkbox(&mut view.side_by_side, "side by side")
        .on_hover_text(tips::SIDE_BY_SIDE);
}

/// W2 and mode coverage of the picture on screen (for a guided picture: how close its
/// samples sit to their class's centre).
fn quality_ui(ui: &mut egui::Ui, run: &RunView, view: &ViewState, persisted: &Persisted) {
    let picture = run.picture(view.selection);
    let current = picture.filter(|p| p.steps == persisted.steps && p.solver == persisted.solver);
    match current {
        Some(p) if p.guided.is_some() => {
            if let Some(g) = &p.guided {
                ui.label(
                    RichText::new(format!("mode {} at w = {:.2}", g.class + 1, g.w))
                        .size(18.0)
                        .strong(),
                );
                ui.label(
                    RichText::new(format!(
                        "distance to centre {:.3} · spread {:.3}",
                        g.distance, g.spread
                    ))
                    .size(16.0),
                )
                .on_hover_text(tips::GUIDANCE_CHART);
            }
        }
        Some(p) => {
            let floor_text = run
                .floor_w2
                .map(|f| format!("  (floor {f:.3})"))
                .unwrap_or_default();
            let w2 = match p.w2 {
                Some(w2) => format!("W2 = {w2:.3}{floor_text}"),
                None => format!("W2 = … (measuring){floor_text}"),
            };
            ui.label(RichText::new(w2).size(18.0).strong())
                .on_hover_text(tips::W2);
            ui.label(RichText::new(format!("mode coverage TV = {:.3}", p.mode_tv)).size(16.0))
                .on_hover_text(tips::COVERAGE);
        }
        None => {
            let pending = if picture.is_some() { "…" } else { "—" };
            ui.label(format!("W2 = {pending}")).on_hover_text(tips::W2);
            ui.label(format!("mode coverage TV = {pending}"))
                .on_hover_text(tips::COVERAGE);
        }
    }
}

/// The time scrubber with Play, and the field and training-pair overlays.
fn scrubber_ui(ui: &mut egui::Ui, view: &mut ViewState, actions: &mut Vec<Action>) {
    ui.label("time t").on_hover_text(tips::SCRUBBER);
    ui.horizontal(|ui| {
        let label = if view.scrub_playing { "Pause" } else { "Play" };
        if ui
            .button(label)
            .on_hover_text("Play the particles from noise to data.")
            .clicked()
        {
            view.toggle_play();
        }
        ui.add(egui::Slider::new(&mut view.scrub_t, 1.0..=0.0).fixed_decimals(2))
            .on_hover_text(tips::SCRUBBER);
    });
    let mut field = view.show_field;
    if ui
        .checkbox(&mut field, "velocity field at t")
        .on_hover_text(tips::FIELD)
        .changed()
    {
        actions.push(Action::ShowField(field.then_some(view.scrub_t)));
    }
    let mut coupling = view.show_coupling;
    if ui
        .checkbox(&mut coupling, "training pairs")
        .on_hover_text(tips::COUPLING)
        .changed()
    {
        actions.push(Action::ShowCoupling(coupling));
    }
}
