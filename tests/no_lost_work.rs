//! No lost work (`egui_kittest)`: an edit that ends a run can be undone and the rounds come
//! back without training; the Runs list switches back to a run a preset replaced; a drag is
//! one undo step; a run autosaved before the app was dropped is offered and reopened with
//! the same numbers.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use eframe::egui::{Key, Modifiers, Vec2};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use flowlab::pipeline::RoundReport;
use flowlab::ui::FlowlabApp;
use flowlab::ui::state::Persisted;

/// The app on the quick settings; with `data_dir`, autosaving there.
fn harness(data_dir: Option<&Path>) -> Harness<'static, FlowlabApp> {
    let persisted = Persisted {
        settings: common::quick_lecture(),
        ..Persisted::default()
    };
    let dir = data_dir.map(Path::to_path_buf);
    Harness::builder()
        .with_size(Vec2::new(1600.0, 1000.0))
        .build_eframe(move |cc| {
            let mut app = FlowlabApp::new(&cc.egui_ctx, Some(persisted));
            if let Some(dir) = dir {
                app.use_data_dir(&dir);
            }
            app
        })
}

/// Steps the app until `done`, or panics after a minute.
fn step_until(
    h: &mut Harness<'_, FlowlabApp>,
    what: &str,
    done: impl Fn(&Harness<'_, FlowlabApp>) -> bool,
) {
    let start = Instant::now();
    while !done(h) {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "timed out waiting for {what}; status: {:?}",
            h.state().status()
        );
        h.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    h.step();
}

/// Trains 1-RF and waits for it.
fn train(h: &mut Harness<'_, FlowlabApp>) {
    h.get_by_label("Train").click();
    step_until(h, "1-RF", |h| {
        !h.state().is_busy() && h.state().run_view().rounds.len() == 1
    });
}

/// The W2 readout of the picture on screen, once it has a number ("W2 = 0.123 …", or
/// "within-mode W2 0.123 …"; chart titles and axes have none).
fn w2_label(h: &Harness<'_, FlowlabApp>) -> Option<String> {
    h.query_all_by_label_contains("W2")
        .filter_map(|n| {
            let node = n.accesskit_node();
            node.label().or_else(|| node.value())
        })
        .find(|l| {
            l.find("W2")
                .map(|i| l[i + 2..].trim_start_matches([' ', '=']))
                .and_then(|rest| rest.chars().next())
                .is_some_and(|c| c.is_ascii_digit())
        })
}

/// The numbers of every round on screen.
fn reports(h: &Harness<'_, FlowlabApp>) -> Vec<RoundReport> {
    h.state()
        .run_view()
        .rounds
        .iter()
        .map(|r| r.report.clone())
        .collect()
}

fn round_back(h: &Harness<'_, FlowlabApp>) -> bool {
    !h.state().is_busy() && h.state().run_view().rounds.len() == 1
}

#[test]
fn undo_of_an_edit_brings_the_trained_run_back() {
    let mut h = harness(None);
    h.run_steps(2);
    train(&mut h);
    step_until(&mut h, "the W2 readout", |h| w2_label(h).is_some());
    let w2_before = w2_label(&h);
    let before = reports(&h);
    let target_before = h.state().persisted.target.clone();

    // Remove a mode: the run ends.
    h.get_all_by_label("x")
        .next()
        .expect("a remove button")
        .click();
    h.run_steps(2);
    assert!(h.state().run_view().rounds.is_empty());
    assert_eq!(h.state().persisted.target.components.len(), 1);
    assert_eq!(h.state().keeping().undo_steps(), 1);
    assert_eq!(h.state().keeping().undo_label(), Some("removing mode 1"));

    // Ctrl+Z: the mode and the round are back, with the same numbers and W2, untrained.
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    step_until(&mut h, "the round back", round_back);
    assert_eq!(h.state().persisted.target, target_before);
    assert_eq!(reports(&h), before);
    step_until(&mut h, "the W2 readout again", |h| w2_label(h).is_some());
    assert_eq!(w2_label(&h), w2_before);

    // Ctrl+Shift+Z redoes the edit (the run ends again), Ctrl+Z undoes it once more.
    h.key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, Key::Z);
    h.run_steps(2);
    assert_eq!(h.state().persisted.target.components.len(), 1);
    assert!(h.state().run_view().rounds.is_empty());
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    step_until(&mut h, "the round back a second time", round_back);
    assert_eq!(reports(&h), before);
    assert!(
        h.state().status().is_none_or(|s| !s.error),
        "{:?}",
        h.state().status()
    );

    // An export names its folder in full and offers to open it.
    let dir = tempfile::tempdir().expect("a temporary folder");
    let export = dir.path().join("slides");
    h.state_mut().persisted.export_dir = export.display().to_string();
    h.state_mut().act(flowlab::ui::state::Action::ExportChart(
        flowlab::ui::state::Chart::Loss,
    ));
    step_until(&mut h, "the export", |h| {
        h.query_by_label("Open folder").is_some()
    });
    let status = h
        .state()
        .status()
        .map(|s| s.text.clone())
        .unwrap_or_default();
    assert!(status.contains(&export.display().to_string()), "{status}");
}

#[test]
fn the_runs_list_switches_back_to_a_run_a_preset_replaced() {
    let mut h = harness(None);
    h.run_steps(2);
    train(&mut h);
    let before = reports(&h);
    let preset = h.state().persisted.preset.clone();

    h.get_by_label("target").click();
    h.run_steps(2);
    h.get_by_label("eight-gaussians").click();
    h.run_steps(2);
    assert!(h.state().run_view().rounds.is_empty());
    let kept = h.state().keeping().kept_runs();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert!(kept[0].contains("1 round"), "{kept:?}");

    h.get_by_label("Runs ▾").click();
    h.run_steps(2);
    h.query_all_by_label_contains("1 round")
        .find(|n| n.accesskit_node().role() == eframe::egui::accesskit::Role::Button)
        .expect("the kept run in the Runs list")
        .click();
    step_until(&mut h, "the kept run", round_back);
    assert_eq!(reports(&h), before);
    assert_eq!(h.state().persisted.preset, preset);

    // Reset asks for nothing but is undone like an edit.
    h.get_by_label("Reset").click();
    h.run_steps(2);
    assert!(h.state().run_view().rounds.is_empty());
    h.get_by_label("Undo").click();
    step_until(&mut h, "the round back after Reset", round_back);
    assert_eq!(reports(&h), before);
}

#[test]
fn a_drag_is_one_undo_step() {
    let mut h = harness(None);
    h.run_steps(2);
    let mean_before = h.state().persisted.target.components[0].mean.clone();
    let rect = h
        .get_all_by_label("mean x₁, x₂")
        .next()
        .expect("the first mean field")
        .rect();
    let start = rect.center();
    h.drag_at(start);
    h.step();
    for i in 1..=6 {
        h.hover_at(start + Vec2::new(8.0 * i as f32, 0.0));
        h.step();
    }
    h.drop_at(start + Vec2::new(48.0, 0.0));
    h.run_steps(2);
    let mean_dragged = h.state().persisted.target.components[0].mean.clone();
    assert!(
        mean_dragged[0] > mean_before[0] + 0.5,
        "the drag moved the mean: {mean_before:?} → {mean_dragged:?}"
    );
    assert_eq!(
        h.state().keeping().undo_steps(),
        1,
        "six frames of drag, one step"
    );
    assert_eq!(h.state().keeping().undo_label(), Some("moving mode 1"));

    // While a text field has the keyboard, Ctrl+Z is the field's own.
    h.get_all_by_role(eframe::egui::accesskit::Role::TextInput)
        .next()
        .expect("a path field")
        .click();
    h.run_steps(2);
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run_steps(2);
    assert_eq!(
        h.state().keeping().undo_steps(),
        1,
        "the text field had the keyboard"
    );
    assert_eq!(h.state().persisted.target.components[0].mean, mean_dragged);
    h.key_press(Key::Escape);
    h.run_steps(2);

    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run_steps(2);
    assert_eq!(h.state().persisted.target.components[0].mean, mean_before);
    assert_eq!(h.state().keeping().undo_steps(), 0);
    assert_eq!(h.state().keeping().redo_steps(), 1);

    h.key_press_modifiers(Modifiers::COMMAND, Key::Y);
    h.run_steps(2);
    assert_eq!(h.state().persisted.target.components[0].mean, mean_dragged);
}

#[test]
fn an_autosaved_run_is_offered_and_reopened_after_the_app_was_dropped() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut h = harness(Some(dir.path()));
    h.run_steps(2);
    assert!(h.query_by_label("Reopen").is_none(), "nothing to offer yet");
    train(&mut h);
    let before: Vec<_> = h.state().run_view().rounds.clone();
    assert!(dir.path().join("autosave.flowlab").is_file());
    // No clean exit: the app is just dropped.
    drop(h);

    let mut h = harness(Some(dir.path()));
    h.run_steps(2);
    assert!(dir.path().join("recovered.flowlab").is_file());
    h.get_by_label("Reopen").click();
    step_until(&mut h, "the autosaved run", round_back);
    let after = &h.state().run_view().rounds;
    assert_eq!(after.len(), before.len());
    for (a, b) in after.iter().zip(&before) {
        assert_eq!(a.report, b.report);
        assert_eq!(a.losses, b.losses);
    }
}

#[test]
fn old_kept_runs_move_to_disk_and_come_back_from_there() {
    use flowlab::ui::state::Action;

    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut h = harness(Some(dir.path()));
    // Six trainings: shorter ones.
    h.state_mut().persisted.settings.train.steps = 40;
    h.run_steps(2);
    let mut first = None;
    // Six runs kept (five stay in memory): the oldest moves to the data folder. A new seed
    // ends each run (the same target: its set-up is quick).
    for seed in 1..=6 {
        train(&mut h);
        if first.is_none() {
            first = Some((reports(&h), h.state().persisted.settings.seed));
        }
        h.state_mut().persisted.settings.seed = 100 + seed;
        h.state_mut().act(Action::SettingsEdited);
        h.run_steps(2);
    }
    step_until(&mut h, "six kept runs", |h| {
        h.state().keeping().kept_run_ids().len() == 6
    });
    let oldest = *h
        .state()
        .keeping()
        .kept_run_ids()
        .last()
        .expect("a kept run");
    let file = dir
        .path()
        .join("runs")
        .join(format!("run-{oldest}.flowlab"));
    step_until(&mut h, "the oldest run on disk", |_| file.is_file());

    h.state_mut().act(Action::SwitchRun(oldest));
    step_until(&mut h, "the run read back from disk", round_back);
    let (reports_before, seed_before) = first.expect("the first run");
    assert_eq!(reports(&h), reports_before);
    assert_eq!(h.state().persisted.settings.seed, seed_before);
    // It left the list (the run left had no rounds, so nothing took its place).
    assert_eq!(h.state().keeping().kept_run_ids().len(), 5);
    assert!(!h.state().keeping().kept_run_ids().contains(&oldest));
}

#[test]
fn opening_a_session_keeps_the_run_on_screen_and_undo_brings_it_back() {
    use flowlab::ui::state::Action;

    let dir = tempfile::tempdir().expect("a temporary folder");
    let file = dir.path().join("monday.flowlab");
    let mut h = harness(None);
    h.state_mut().persisted.session_path = file.display().to_string();
    h.run_steps(2);
    train(&mut h);
    let monday = reports(&h);
    h.state_mut().act(Action::SaveSession);
    step_until(&mut h, "the session saved", |_| file.is_file());

    // Another run on another seed.
    h.state_mut().persisted.settings.seed += 1;
    h.state_mut().act(Action::SettingsEdited);
    train(&mut h);
    let tuesday = reports(&h);
    assert_ne!(tuesday, monday);

    // Opening Monday's session replaces the run on screen; it is kept, and undo is back.
    h.state_mut().act(Action::OpenSession);
    step_until(&mut h, "Monday's session", |h| {
        round_back(h) && reports(h) == monday
    });
    assert_eq!(
        h.state().keeping().kept_run_ids().len(),
        2,
        "both runs kept"
    );
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    step_until(&mut h, "Tuesday's run back", |h| {
        round_back(h) && reports(h) == tuesday
    });
}
