//! The app driven through its accessibility tree (`egui_kittest)`: choose a preset, train,
//! move the step slider and see W2 change, reflow once and see the second round.

mod common;

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use flowlab::ui::FlowlabApp;
use flowlab::ui::state::Persisted;

fn harness() -> Harness<'static, FlowlabApp> {
    let persisted = Persisted {
        settings: common::quick_lecture(),
        ..Persisted::default()
    };
    Harness::builder()
        .with_size(eframe::egui::Vec2::new(1600.0, 1000.0))
        .build_eframe(move |cc| FlowlabApp::new(&cc.egui_ctx, Some(persisted)))
}

/// Steps the app (its worker runs on its own threads) until `done`, or panics.
fn step_until(
    h: &mut Harness<'_, FlowlabApp>,
    what: &str,
    done: impl Fn(&Harness<'_, FlowlabApp>) -> bool,
) {
    let start = Instant::now();
    while !done(h) {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "timed out waiting for {what}"
        );
        h.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    h.step();
}

/// The view bar's headline number, once measured: "within-mode W2 0.123".
fn w2_label(h: &Harness<'_, FlowlabApp>) -> Option<String> {
    const HEAD: &str = "within-mode W2 ";
    h.query_all_by_label_contains(HEAD)
        .filter_map(|n| {
            let node = n.accesskit_node();
            node.label().or_else(|| node.value())
        })
        .find(|l| {
            l.strip_prefix(HEAD)
                .and_then(|rest| rest.chars().next())
                .is_some_and(|c| c.is_ascii_digit())
        })
}

/// Runs `flowlab run` on the app's target and settings (1-RF only) and returns the round
/// named `name` from its metrics.json.
fn cli_round_numbers(persisted: &Persisted, name: &str) -> serde_json::Value {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let target = dir.path().join("target.toml");
    let settings = dir.path().join("settings.json");
    let out = dir.path().join("run");
    std::fs::write(
        &target,
        toml::to_string(&persisted.target).expect("the target as TOML"),
    )
    .expect("target written");
    std::fs::write(
        &settings,
        serde_json::to_string(&persisted.settings).expect("the settings as JSON"),
    )
    .expect("settings written");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_flowlab"))
        .args(["run", "--quiet", "--reflows", "0", "--target"])
        .arg(&target)
        .arg("--settings")
        .arg(&settings)
        .arg("--out")
        .arg(&out)
        .status()
        .expect("flowlab runs");
    assert!(status.success(), "flowlab run failed: {status}");
    let metrics: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("metrics.json")).expect("metrics.json"),
    )
    .expect("metrics.json parses");
    metrics["rounds"]
        .as_array()
        .and_then(|rounds| rounds.iter().find(|r| r["name"] == name))
        .cloned()
        .unwrap_or_else(|| panic!("no round {name} in {metrics}"))
}

/// True when a clickable entry named `name` exists (the round selector's; chart legends and
/// axis labels with the same text are not buttons).
fn in_round_selector(h: &Harness<'_, FlowlabApp>, name: &str) -> bool {
    h.query_all_by_label(name)
        .any(|n| n.accesskit_node().role() == eframe::egui::accesskit::Role::Button)
}

#[test]
fn a_lecture_from_preset_to_reflow() {
    let mut h = harness();
    h.run_steps(2);

    // 1. Pick a preset from the menu.
    h.get_by_label("target").click();
    h.run_steps(2);
    h.get_by_label("eight-gaussians").click();
    h.run_steps(2);
    assert_eq!(
        h.state().persisted.preset.as_deref(),
        Some("eight-gaussians")
    );
    assert_eq!(h.state().persisted.target.components.len(), 8);

    // 2. Train and wait for the first round to finish.
    h.get_by_label("Train").click();
    step_until(&mut h, "1-RF", |h| {
        !h.state().is_busy() && h.state().run_view().rounds.len() == 1
    });
    assert!(
        in_round_selector(&h, "1-RF"),
        "1-RF is not in the round selector"
    );

    // 3. The picture of the round at 20 steps, with its quality numbers; then the slider to
    // 1 step.
    step_until(&mut h, "the quality at 20 steps", |h| w2_label(h).is_some());
    let at_20 = w2_label(&h).unwrap();
    // The readout is the engine's: the numbers the round's report (and `flowlab run`)
    // measured at 20 steps on the same draws.
    let shown = h.state().run_view().pictures[&0].quality.expect("measured");
    let reported = h.state().run_view().rounds[0]
        .report
        .quality_at(20)
        .expect("20 steps is measured");
    assert_eq!(shown.within_mode_w2, reported.within_mode_w2);
    assert_eq!(shown.stray_mass, reported.stray_mass);
    assert_eq!(shown.w2, reported.w2);
    let floor = h.state().run_view().floors.expect("the run's floors");
    assert_eq!(
        at_20,
        format!(
            "within-mode W2 {:.3}  floor {:.3}",
            reported.within_mode_w2.mean, floor.within_mode_w2.mean
        ),
        "one draw: no ±; the floor beside the reading"
    );
    let cli = cli_round_numbers(&h.state().persisted, "1-RF");
    assert_eq!(
        cli["within_mode_w2_by_steps"]["20"].as_f64(),
        Some(shown.within_mode_w2.mean),
        "the app's readout equals flowlab run's for the same settings"
    );
    assert_eq!(
        cli["stray_mass_by_steps"]["20"].as_f64(),
        Some(shown.stray_mass.mean)
    );
    assert_eq!(cli["w2_by_steps"]["20"].as_f64(), Some(shown.w2.mean));
    h.get_all_by_label("steps")
        .find(|n| n.accesskit_node().role() == eframe::egui::accesskit::Role::Slider)
        .expect("the step slider")
        .set_value_accesskit(1.0);
    h.run_steps(2);
    assert_eq!(h.state().persisted.steps, 1);
    step_until(&mut h, "W2 at 1 step", |h| {
        w2_label(h).is_some_and(|l| l != at_20)
            && h.state()
                .run_view()
                .pictures
                .get(&0)
                .is_some_and(|p| p.steps == 1)
    });
    let at_1 = w2_label(&h).unwrap();
    let value = |label: &str| -> f64 {
        label
            .trim_start_matches("within-mode W2 ")
            .split_whitespace()
            .next()
            .and_then(|v| v.parse().ok())
            .unwrap_or(f64::NAN)
    };
    // One Euler step on 1-RF's curved paths blurs every mode: far worse than twenty.
    assert!(value(&at_1) > value(&at_20), "{at_1} vs {at_20}");

    // 4. Reflow once: a second round appears in the selector.
    h.get_by_label("Reflow").click();
    step_until(&mut h, "2-RF", |h| {
        !h.state().is_busy() && h.state().run_view().rounds.len() == 2
    });
    assert!(
        in_round_selector(&h, "2-RF"),
        "2-RF is not in the round selector"
    );
    let names: Vec<_> = h
        .state()
        .run_view()
        .rounds
        .iter()
        .map(|r| r.report.name.clone())
        .collect();
    assert_eq!(names, ["1-RF", "2-RF"]);
    assert!(
        h.state().status().is_none_or(|s| !s.error),
        "{:?}",
        h.state().status()
    );
}

#[test]
fn editing_the_target_stops_the_run_and_invalid_values_are_refused() {
    let mut h = harness();
    h.run_steps(2);
    h.get_by_label("Train").click();
    step_until(&mut h, "training to start", |h| {
        h.state().run_view().progress.is_some()
    });
    // Remove a component while training: the run stops, its rounds are forgotten.
    h.get_all_by_label("x")
        .next()
        .expect("a remove button")
        .click();
    h.run_steps(3);
    assert!(!h.state().is_busy());
    assert_eq!(h.state().persisted.target.components.len(), 1);
    assert!(h.state().run_view().rounds.is_empty());
    assert_eq!(h.state().persisted.preset, None);
    // The last component cannot be removed: a mixture needs one.
    h.get_all_by_label("x")
        .next()
        .expect("a remove button")
        .click();
    h.run_steps(2);
    assert_eq!(h.state().persisted.target.components.len(), 1);
    // Training starts over on the new target.
    h.get_by_label("Train").click();
    step_until(&mut h, "1-RF on the edited target", |h| {
        h.state().run_view().rounds.len() == 1
    });
}

fn status_text(h: &Harness<'_, FlowlabApp>) -> String {
    h.state()
        .status()
        .map(|s| s.text.clone())
        .unwrap_or_default()
}

/// The numbers of every round the app shows.
fn reports(h: &Harness<'_, FlowlabApp>) -> Vec<flowlab::pipeline::RoundReport> {
    h.state()
        .run_view()
        .rounds
        .iter()
        .map(|r| r.report.clone())
        .collect()
}

#[test]
fn export_save_and_reopen_a_session_from_the_app() {
    use eframe::egui::Key;
    use flowlab::ui::state::{Action, Chart};

    let dir = tempfile::tempdir().unwrap();
    let export_dir = dir.path().join("slides");
    let session_path = dir.path().join("monday.flowlab");
    let persisted = Persisted {
        settings: common::quick_lecture(),
        export_dir: export_dir.display().to_string(),
        session_path: session_path.display().to_string(),
        ..Persisted::default()
    };
    let mut h = Harness::builder()
        .with_size(eframe::egui::Vec2::new(1600.0, 1000.0))
        .build_eframe(move |cc| FlowlabApp::new(&cc.egui_ctx, Some(persisted)));
    h.run_steps(2);

    // F1 opens the shortcut list; Escape closes it.
    h.key_press(Key::F1);
    h.run_steps(2);
    assert!(h.query_by_label("Keyboard shortcuts").is_some());
    h.key_press(Key::Escape);
    h.run_steps(2);
    assert!(h.query_by_label("Keyboard shortcuts").is_none());

    // Space trains 1-RF, R adds a reflow round.
    h.key_press(Key::Space);
    step_until(&mut h, "1-RF", |h| {
        !h.state().is_busy() && h.state().run_view().rounds.len() == 1
    });
    h.key_press(Key::R);
    step_until(&mut h, "2-RF", |h| {
        !h.state().is_busy() && h.state().run_view().rounds.len() == 2
    });
    step_until(&mut h, "a picture of 2-RF", |h| {
        h.state().run_view().pictures.contains_key(&1)
    });

    // One chart: PNG and SVG in the export folder.
    // The files thread renders it; the status names both files with their full paths.
    h.state_mut().act(Action::ExportChart(Chart::Quality));
    step_until(&mut h, "the chart export", |h| {
        status_text(h).starts_with("Exported")
    });
    assert!(
        status_text(&h).contains(
            &export_dir
                .join("within_mode_w2_by_steps.png")
                .display()
                .to_string()
        ),
        "{}",
        status_text(&h)
    );
    let png = std::fs::read(export_dir.join("within_mode_w2_by_steps.png")).unwrap();
    let img = image::load_from_memory(&png).unwrap();
    assert_eq!((img.width(), img.height()), (1920, 1080));
    assert!(export_dir.join("within_mode_w2_by_steps.svg").exists());

    // Everything: the worker writes the figure set, data, run card and session.
    h.key_press(Key::E);
    step_until(&mut h, "the export", |h| {
        status_text(h).starts_with("Wrote")
    });
    for file in [
        "README.md",
        "metrics.json",
        "run_card.md",
        "session.flowlab",
        "paths_2-RF.svg",
    ] {
        assert!(export_dir.join(file).exists(), "{file}");
    }

    // Save the session.
    h.state_mut().act(Action::SaveSession);
    step_until(&mut h, "the save", |h| {
        status_text(h).starts_with("Saved the session")
    });
    let metrics = reports(&h);

    // A truncated copy is refused and the open run is untouched.
    let bytes = std::fs::read(&session_path).unwrap();
    let broken = dir.path().join("broken.flowlab");
    std::fs::write(&broken, &bytes[..bytes.len() / 3]).unwrap();
    h.state_mut().act(Action::OpenFile(broken));
    step_until(&mut h, "the refusal", |h| {
        status_text(h).contains("truncated")
    });
    assert_eq!(h.state().run_view().rounds.len(), 2);

    // Start over, then reopen: the rounds come back without training, with their numbers,
    // and the step slider gets pictures.
    h.state_mut().act(Action::Reset);
    h.state_mut().act(Action::Preset("two-modes-1d".into()));
    h.run_steps(2);
    assert!(h.state().run_view().rounds.is_empty());
    h.state_mut().act(Action::OpenFile(session_path.clone()));
    step_until(&mut h, "the reopened rounds", |h| {
        !h.state().is_busy() && h.state().run_view().rounds.len() == 2
    });
    assert_eq!(reports(&h), metrics);
    assert_eq!(
        h.state().persisted.target.dim,
        2,
        "the session's target is back"
    );
    assert!(in_round_selector(&h, "2-RF"));
    step_until(&mut h, "a picture of the reopened 2-RF", |h| {
        h.state().run_view().pictures.contains_key(&1)
    });
    h.key_press(Key::ArrowDown);
    h.run_steps(2);
    assert_eq!(h.state().persisted.steps, 10, "↓ halves the steps");
}

#[test]
fn the_routes_to_one_step_train_from_their_keys_and_join_the_showdown() {
    use eframe::egui::Key;

    let mut h = harness();
    h.run_steps(2);
    h.key_press(Key::Space);
    step_until(&mut h, "1-RF", |h| {
        !h.state().is_busy() && h.state().run_view().rounds.len() == 1
    });
    // No few-step round yet: the strip has no showdown.
    assert!(h.query_by_label_contains("Showdown").is_none());
    for (key, name) in [
        (Key::K, "consistency"),
        (Key::J, "shortcut"),
        (Key::M, "MeanFlow"),
    ] {
        let before = h.state().run_view().rounds.len();
        h.key_press(key);
        step_until(&mut h, name, |h| {
            !h.state().is_busy() && h.state().run_view().rounds.len() == before + 1
        });
        assert!(in_round_selector(&h, name), "{name} in the rounds row");
    }
    step_until(&mut h, "the showdown chart", |h| {
        h.query_by_label_contains("Showdown").is_some()
    });
    let rounds = reports(&h);
    let find = |name: &str| rounds.iter().find(|r| r.name == name).unwrap();
    // Each was measured at one step and knows its cost; a student is not integrated by the
    // adaptive solver, the jump models (a field at h = 0) are.
    for name in ["consistency", "shortcut", "MeanFlow"] {
        let r = find(name);
        assert!(r.within_mode_w2_at(1).is_some(), "{name}");
        assert!(r.network_evaluations > 0, "{name}");
    }
    assert!(find("consistency").adaptive_evaluations.is_none());
    assert!(find("shortcut").adaptive_evaluations.is_some());
    // The consistency student carries its teacher's cost on top of its own.
    assert!(find("consistency").network_evaluations > find("1-RF").network_evaluations);
}

/// The view bar's adaptive readout, once measured: "21.3 evaluations per sample".
fn evaluations_per_sample(h: &Harness<'_, FlowlabApp>) -> Option<f64> {
    h.query_all_by_label_contains("evaluations per sample")
        .filter_map(|n| {
            let node = n.accesskit_node();
            node.label().or_else(|| node.value())
        })
        .find_map(|l| l.split_whitespace().next()?.parse().ok())
}

#[test]
fn the_adaptive_solver_shows_what_each_sample_cost() {
    use eframe::egui::Key;

    let mut h = harness();
    h.run_steps(2);
    h.key_press(Key::Space);
    step_until(&mut h, "1-RF", |h| {
        !h.state().is_busy() && h.state().run_view().rounds.len() == 1
    });
    // The solver menu shows the chosen solver.
    h.get_by_value("Euler").click();
    h.run_steps(2);
    h.get_by_label("adaptive (DP5)").click();
    step_until(&mut h, "the adaptive picture's cost", |h| {
        evaluations_per_sample(h).is_some()
    });
    assert!(h.query_all_by_label_contains("tolerance").next().is_some());
    assert!(
        h.query_all_by_label_contains("adaptive, ").next().is_some(),
        "the title"
    );
    // The picture is integrated from the evaluation noise the round's own count was measured
    // on, at the same tolerance (1e-3): the two agree to the digit shown.
    let shown = evaluations_per_sample(&h).expect("a count");
    let measured = reports(&h)[0]
        .adaptive_evaluations
        .expect("1-RF has an adaptive count");
    assert!((shown - measured).abs() < 0.051, "{shown} vs {measured}");
    assert!((8.0..200.0).contains(&shown), "{shown}");
    // Its quality numbers follow like any picture's.
    step_until(&mut h, "the adaptive picture's W2", |h| {
        w2_label(h).is_some()
    });
}

#[test]
fn a_zoom_left_by_presenting_does_not_outlive_it() {
    // egui keeps the last session's zoom; a session that ended presenting at 1920×1080
    // left 1.5. Not presenting, the app starts at 1.
    let mut h = Harness::builder()
        .with_size(eframe::egui::Vec2::new(1280.0, 720.0))
        .build_eframe(|cc| {
            cc.egui_ctx.set_zoom_factor(1.5);
            FlowlabApp::new(&cc.egui_ctx, Some(Persisted::default()))
        });
    h.run_steps(3);
    assert_eq!(h.ctx.zoom_factor(), 1.0);
    // A zoom the user sets afterwards (Ctrl +) holds.
    h.ctx.set_zoom_factor(1.25);
    h.run_steps(3);
    assert_eq!(h.ctx.zoom_factor(), 1.25);
}
