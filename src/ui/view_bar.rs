//! The view bar above the pictures: which round is shown (or all side by side), the step
//! count and solver, the quality of the picture on screen, guidance on the guided round, and
//! the time scrubber with its overlays. A bar instead of a side panel, so the pictures get
//! the window's whole width.

use eframe::egui::{self, RichText};

use super::action::Action;
use super::app::MAX_STEPS;
use super::guidance_panel::guidance_controls_ui;
use super::palette;
use super::quality_text::{percent, plus_minus};
use super::received::RunView;
use super::run::RunState;
use super::state::Persisted;
use super::tips;
use super::view::{Selection, ViewState};
use crate::flow::{Solver, TOLERANCE_RANGE, Tolerance};
use crate::worker::tolerance_text;

/// The bar, wrapping onto a second row when the window is narrow.
pub fn view_bar_ui(
    ui: &mut egui::Ui,
    persisted: &mut Persisted,
    run: &RunState,
    view: &mut ViewState,
    actions: &mut Vec<Action>,
) {
    ui.horizontal_wrapped(|ui| {
        rounds_ui(ui, run, view);
        ui.separator();
        scrubber_ui(ui, view, actions);
    });
    ui.horizontal_wrapped(|ui| {
        steps_ui(ui, persisted, &run.view, view);
        ui.separator();
        quality_ui(ui, &run.view, view, persisted);
        if let Selection::Round(i) = view.selection
            && !view.side_by_side
            && let Some(report) = run
                .view
                .rounds
                .get(i)
                .and_then(|r| r.report.guidance.as_ref())
        {
            ui.separator();
            guidance_controls_ui(ui, &mut view.guidance, report.classes.len());
        }
    });
}

/// The rounds as a row of coloured choices (and the live model while training), and the
/// side-by-side switch. The row keeps to one line: rounds that do not fit beside the
/// scrubber (ten rounds on a 1280-point projector, presenting) go into a "+N ▾" menu, and the
/// selected round is always on the row.
fn rounds_ui(ui: &mut egui::Ui, run: &RunState, view: &mut ViewState) {
    ui.label(RichText::new("Rounds").strong())
        .on_hover_text(tips::ROUNDS);
    if run.is_busy()
        && ui
            .selectable_label(view.selection == Selection::Live, "live")
            .on_hover_text(tips::LIVE)
            .clicked()
    {
        view.selection = Selection::Live;
    }
    let rounds = &run.view.rounds;
    let selected = match view.selection {
        Selection::Round(i) if !view.side_by_side => Some(i),
        _ => None,
    };
    let names: Vec<&str> = rounds.iter().map(|r| r.report.name.as_str()).collect();
    let on_row = rounds_on_row(
        ui,
        &names,
        selected.and_then(|i| rounds.iter().position(|r| r.index == i)),
    );
    let mut round_button = |ui: &mut egui::Ui, r: &crate::worker::RoundView| {
        let text = RichText::new(r.report.name.as_str())
            .strong()
            .color(palette::round_color(&r.report.name));
        if ui
            .selectable_label(selected == Some(r.index), text)
            .on_hover_text(super::quality_text::round_tip(&r.report))
            .clicked()
        {
            view.selection = Selection::Round(r.index);
            view.side_by_side = false;
        }
    };
    for (r, _) in rounds.iter().zip(&on_row).filter(|(_, shown)| **shown) {
        round_button(ui, r);
    }
    let hidden = on_row.iter().filter(|shown| !**shown).count();
    if hidden > 0 {
        ui.menu_button(format!("+{hidden} ▾"), |ui| {
            for (r, _) in rounds.iter().zip(&on_row).filter(|(_, shown)| !**shown) {
                round_button(ui, r);
            }
        })
        .response
        .on_hover_text("More rounds: the row shows what fits beside the scrubber.");
    }
    if run.view.rounds.is_empty() && !run.is_busy() {
        ui.weak("none yet: press Train");
    }
    ui.checkbox(&mut view.side_by_side, "side by side")
        .on_hover_text(tips::SIDE_BY_SIDE);
}

/// Which of the rounds named `names` fit on the row, in order, with the one at `selected`
/// always among them (in place of the last that fit, if it must).
fn rounds_on_row(ui: &egui::Ui, names: &[&str], selected: Option<usize>) -> Vec<bool> {
    let text = |s: &str| {
        egui::WidgetText::from(RichText::new(s).strong())
            .into_galley(
                ui,
                Some(egui::TextWrapMode::Extend),
                f32::INFINITY,
                egui::TextStyle::Button,
            )
            .size()
            .x
    };
    let spacing = ui.spacing();
    let pad = 2.0 * spacing.button_padding.x + spacing.item_spacing.x;
    // What follows the buttons on the row: the overflow menu, "side by side", the scrubber.
    let after = text("+99 ▾")
        + text("side by side")
        + spacing.icon_width
        + text("t Pause 0.00 Show ▾")
        + spacing.slider_width
        + 9.0 * pad;
    let room = ui.available_width() - after;
    let widths: Vec<f32> = names.iter().map(|n| text(n) + pad).collect();
    let mut shown = vec![false; names.len()];
    let mut used = 0.0;
    for (k, w) in widths.iter().enumerate() {
        if used + w > room {
            break;
        }
        used += w;
        shown[k] = true;
    }
    if let Some(k) = selected.filter(|&k| k < shown.len() && !shown[k]) {
        // Make room for the selected round from the end of the row.
        while used + widths[k] > room {
            match shown.iter().rposition(|&s| s) {
                Some(last) => {
                    shown[last] = false;
                    used -= widths[last];
                }
                None => break,
            }
        }
        shown[k] = true;
    }
    shown
}

/// The step slider (a one-step student shows its own single step) and the solver (DDPM
/// only on the diffusion round).
fn steps_ui(ui: &mut egui::Ui, persisted: &mut Persisted, run: &RunView, view: &ViewState) {
    let shown = run.shown_solver(view.selection, persisted.solver);
    if let Solver::Adaptive(tolerance) = persisted.solver
        && shown.is_adaptive()
    {
        tolerance_ui(ui, tolerance, persisted, run, view);
    } else {
        steps_slider_ui(ui, persisted, run, view);
    }
    let diffusion = run.is_diffusion(view.selection) && !view.side_by_side;
    // Choosing the adaptive solver keeps the tolerance it had.
    let adaptive = match persisted.solver {
        Solver::Adaptive(_) => persisted.solver,
        _ => Solver::Adaptive(Tolerance::MEASURE),
    };
    egui::ComboBox::from_id_salt("solver")
        .selected_text(shown.name())
        .width(if diffusion { 150.0 } else { 110.0 })
        .show_ui(ui, |ui| {
            for s in Solver::ALL {
                ui.selectable_value(&mut persisted.solver, s, s.name());
            }
            ui.selectable_value(&mut persisted.solver, adaptive, adaptive.name())
                .on_hover_text(tips::ADAPTIVE);
            if diffusion {
                ui.selectable_value(&mut persisted.solver, Solver::Ddpm, Solver::Ddpm.name());
            }
        })
        .response
        .on_hover_text(tips::SOLVER);
}

/// The adaptive solver's tolerance slider (log scale, tenths of a decade) and what the
/// picture on screen cost per sample.
fn tolerance_ui(
    ui: &mut egui::Ui,
    tolerance: Tolerance,
    persisted: &mut Persisted,
    run: &RunView,
    view: &ViewState,
) {
    let mut value = tolerance.value();
    let response = ui.add(
        egui::Slider::new(&mut value, TOLERANCE_RANGE)
            .logarithmic(true)
            .custom_formatter(|v, _| tolerance_text(Tolerance::nearest(v).value()))
            .custom_parser(|text| text.trim().parse::<f64>().ok())
            .text("tolerance"),
    );
    if !response.dragged() {
        response.on_hover_text(tips::TOLERANCE);
    }
    persisted.solver = Solver::Adaptive(Tolerance::nearest(value));
    let spent = run
        .picture(view.selection)
        .filter(|p| p.solver == persisted.solver)
        .map(|p| format!("{:.1} evaluations per sample", p.evaluations));
    ui.label(spent.unwrap_or_else(|| "… evaluations per sample".to_owned()))
        .on_hover_text(tips::ADAPTIVE);
}

/// The step slider (a one-step student shows its own single step).
fn steps_slider_ui(ui: &mut egui::Ui, persisted: &mut Persisted, run: &RunView, view: &ViewState) {
    let response = ui.add(
        egui::Slider::new(&mut persisted.steps, 1..=MAX_STEPS)
            .logarithmic(true)
            .text("steps"),
    );
    // While dragging, a tooltip would cover the readout beside the slider.
    if !response.dragged() {
        response.on_hover_text(tips::STEPS);
    }
    if run.is_student(view.selection) && !view.side_by_side {
        ui.label(RichText::new("(student: 1 step)").italics())
            .on_hover_text(tips::STUDENT_STEPS);
    }
}

/// The quality of the picture on screen — within-mode W2, stray mass, mode TV and W2, each
/// with its ± and floor, the numbers `flowlab run` reports — or, for a guided picture, how
/// close its samples sit to their class's centre.
fn quality_ui(ui: &mut egui::Ui, run: &RunView, view: &ViewState, persisted: &Persisted) {
    let picture = run.picture(view.selection);
    let steps = run.shown_steps(view.selection, persisted.steps);
    let solver = run.shown_solver(view.selection, persisted.solver);
    let current = picture.filter(|p| p.steps == steps && p.solver == solver);
    let big = |text: String| {
        RichText::new(text)
            .strong()
            .size(ui.text_style_height(&egui::TextStyle::Heading) * 0.85)
    };
    if let Some(g) = current.and_then(|p| p.guided.as_ref()) {
        ui.label(big(format!(
            "mode {} at w = {:.2}: distance to centre {:.3}, spread {:.3}",
            g.class + 1,
            g.w,
            g.distance,
            g.spread
        )))
        .on_hover_text(tips::GUIDANCE_CHART);
        return;
    }
    let Some(q) = current.and_then(|p| p.quality) else {
        let pending = if picture.is_some() { "…" } else { "—" };
        ui.label(big(format!("within-mode W2 {pending}")))
            .on_hover_text(tips::WITHIN_MODE);
        return;
    };
    let floors = run.floors.unwrap_or_default();
    // Each number with its floor (in small type: the yardstick, not the reading) as one
    // label that never breaks, so the bar wraps between readings, never inside one.
    let reading = |ui: &mut egui::Ui, value: RichText, floor: Option<String>, tip: &str| {
        let style = ui.style().clone();
        let mut job = egui::text::LayoutJob::default();
        value.append_to(
            &mut job,
            &style,
            egui::FontSelection::Default,
            egui::Align::Center,
        );
        if let Some(floor) = floor {
            RichText::new(format!("  {floor}"))
                .weak()
                .small()
                .append_to(
                    &mut job,
                    &style,
                    egui::FontSelection::Default,
                    egui::Align::Center,
                );
        }
        ui.add(egui::Label::new(job).wrap_mode(egui::TextWrapMode::Extend))
            .on_hover_text(tip);
    };
    reading(
        ui,
        big(format!("within-mode W2 {}", plus_minus(q.within_mode_w2))),
        Some(format!("floor {:.3}", floors.within_mode_w2.mean)),
        tips::WITHIN_MODE,
    );
    reading(
        ui,
        RichText::new(format!("stray {}", percent(q.stray_mass))),
        Some(format!("floor {:.1} %", 100.0 * floors.stray_mass.mean)),
        tips::STRAY,
    );
    reading(
        ui,
        RichText::new(format!("mode TV {}", plus_minus(q.mode_tv))),
        Some(format!("floor {:.3}", floors.mode_tv_per_draw.mean)),
        tips::COVERAGE,
    );
    reading(
        ui,
        RichText::new(format!("W2 {}", plus_minus(q.w2))),
        Some(format!("floor {:.3}", floors.w2.mean)),
        tips::W2,
    );
    if current.is_some_and(|p| p.earlier_numbers) {
        ui.label(
            RichText::new("(numbers of a few seconds ago)")
                .weak()
                .italics(),
        )
        .on_hover_text(tips::LIVE_NUMBERS);
    }
}

/// The time scrubber with Play, and a menu with the play speed and the overlays.
fn scrubber_ui(ui: &mut egui::Ui, view: &mut ViewState, actions: &mut Vec<Action>) {
    ui.label("t").on_hover_text(tips::SCRUBBER);
    let label = if view.scrub_playing { "Pause" } else { "Play" };
    if ui
        .button(label)
        .on_hover_text("Play the particles from noise to data.")
        .clicked()
    {
        view.toggle_play();
    }
    ui.add(
        egui::Slider::new(&mut view.scrub_t, 1.0..=0.0)
            .fixed_decimals(2)
            .show_value(false),
    )
    .on_hover_text(tips::SCRUBBER);
    ui.label(format!("{:.2}", view.scrub_t));
    ui.menu_button("Show ▾", |ui| overlays_ui(ui, view, actions))
        .response
        .on_hover_text("The velocity field, the training pairs and the speed of Play.");
}

/// The overlays of the paths plot and the play speed.
fn overlays_ui(ui: &mut egui::Ui, view: &mut ViewState, actions: &mut Vec<Action>) {
    ui.horizontal(|ui| {
        ui.label("Play takes");
        ui.add(
            egui::DragValue::new(&mut view.play_seconds)
                .range(0.5..=20.0)
                .speed(0.1)
                .suffix(" s"),
        )
        .on_hover_text(tips::PLAY_SECONDS);
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
