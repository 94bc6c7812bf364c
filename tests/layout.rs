//! The lecture room: the app laid out at projector sizes (1280×720 and 1920×1080), normal and
//! in presentation mode (zoomed so any projector shows the 1280×720 layout, only larger), with
//! every kind of round on screen (ten rounds). From the rectangles
//! of what was drawn: in presentation mode the two main plots cover at least half of the
//! window; no chart title is cut short; no label or button is clipped by the window or
//! overlaps another.

use std::time::{Duration, Instant};

use eframe::egui::{Rect, Vec2, accesskit::Role};
use egui_kittest::Harness;
use egui_kittest::kittest::NodeT as _;
use flowlab::pipeline::Settings;
use flowlab::ui::FlowlabApp;
use flowlab::ui::state::{Action, Persisted, Selection};

/// Lecture settings shrunk so the ten rounds train in seconds (the layout does not depend
/// on how well they are trained).
fn quick() -> Settings {
    let mut s = flowlab::ui::state::lecture_settings();
    s.net.width = 32;
    s.net.depth = 2;
    s.train.steps = 120;
    s.reflow_steps = 80;
    s.distill_steps = 80;
    s.reflow_pairs = 400;
    s.pair_steps = 10;
    s.eval.w2_points = Some(200);
    s.eval.coverage_points = 400;
    // Two draws: every reading carries its ±, as wide as the app's own.
    s.eval.w2_repeats = 2;
    s.eval.floor_repeats = 2;
    s
}

fn step_until(h: &mut Harness<'_, FlowlabApp>, what: &str, done: impl Fn(&FlowlabApp) -> bool) {
    let start = Instant::now();
    while !done(h.state()) {
        assert!(
            start.elapsed() < Duration::from_secs(240),
            "timed out waiting for {what}"
        );
        h.step();
        std::thread::sleep(Duration::from_millis(5));
    }
    h.run_steps(3);
}

/// Labels and buttons the accessibility tree reports, with their rectangles.
fn widgets(h: &Harness<'_, FlowlabApp>) -> Vec<(String, Role, Rect)> {
    h.root()
        .children_recursive()
        .filter(|n| {
            matches!(
                n.accesskit_node().role(),
                Role::Label
                    | Role::Button
                    | Role::CheckBox
                    | Role::ComboBox
                    | Role::ProgressIndicator
            )
        })
        .map(|n| {
            let node = n.accesskit_node();
            let name = node
                .label()
                .or_else(|| node.value())
                .unwrap_or_default()
                .clone();
            (name, node.role(), n.rect())
        })
        .collect()
}

/// Sizes the window as a display of `pixels` would (at one pixel per point, as under Xvfb):
/// the harness takes its size in points, which a zoom divides, so it is set again until the
/// app's zoom settles. Returns the size in points.
fn set_window(h: &mut Harness<'_, FlowlabApp>, pixels: Vec2) -> Vec2 {
    for _ in 0..5 {
        let zoom = h.ctx.zoom_factor();
        h.set_size(pixels / zoom);
        h.run_steps(2);
        if h.ctx.zoom_factor() == zoom {
            return pixels / zoom;
        }
    }
    panic!("the zoom did not settle at {pixels:?}");
}

fn check_layout(h: &mut Harness<'_, FlowlabApp>, pixels: Vec2, presentation: bool) {
    if h.state().persisted.presentation != presentation {
        h.state_mut().act(Action::TogglePresentation);
    }
    let size = set_window(h, pixels);
    h.run_steps(2);
    let case = format!(
        "{}x{}{}",
        pixels.x,
        pixels.y,
        if presentation { " presenting" } else { "" }
    );
    // Presenting, a projector of any size shows the 1280×720 layout, only larger (text is
    // the same share of the screen's height); otherwise the window keeps its text size.
    let zoom = h.ctx.zoom_factor();
    let expected = if presentation { pixels.y / 720.0 } else { 1.0 };
    assert!(
        (zoom - expected).abs() < 1e-3,
        "{case}: zoom {zoom}, expected {expected}"
    );
    let window = Rect::from_min_size(eframe::egui::Pos2::ZERO, size);
    let probe = flowlab::ui::probe::last(&h.ctx);

    // The pictures get the room.
    assert_eq!(probe.main_plots.len(), 2, "{case}: two main plots");
    let plots: f32 = probe.main_plots.iter().map(|r| r.area()).sum();
    let share = plots / window.area();
    eprintln!("{case}: the main plots cover {share:.4} of the window (window {size:?} pt)");
    if presentation {
        assert!(
            share >= 0.5,
            "{case}: the main plots cover {share:.2} of the window"
        );
    } else {
        assert!(
            share >= 0.3,
            "{case}: the main plots cover {share:.2} of the window"
        );
    }

    // No chart title cut short.
    assert!(probe.titles.len() >= 6, "{case}: {:?}", probe.titles);
    for t in &probe.titles {
        assert!(
            t.needed <= t.available + 0.5,
            "{case}: the title {:?} needs {:.0} pt and has {:.0}",
            t.title,
            t.needed,
            t.available
        );
    }

    // Every label, button and the progress bar inside the window, none on top of another
    // (the progress bar used to run under the Present button at 1280×720 when presenting).
    let shown = widgets(h);
    if std::env::var("LAYOUT_DEBUG").is_ok() {
        for w in &shown {
            eprintln!("{case}: {w:?}");
        }
    }
    assert!(shown.len() > 20, "{case}: {} widgets", shown.len());
    for (name, _, rect) in &shown {
        assert!(
            window.expand(0.5).contains_rect(*rect),
            "{case}: {name:?} at {rect:?} is clipped by the window"
        );
    }
    for (i, (a, _, ra)) in shown.iter().enumerate() {
        for (b, _, rb) in &shown[i + 1..] {
            let overlap = ra.intersect(*rb);
            let area = if overlap.is_positive() {
                overlap.area()
            } else {
                0.0
            };
            assert!(
                area <= 4.0,
                "{case}: {a:?} at {ra:?} overlaps {b:?} at {rb:?}"
            );
        }
    }
}

#[test]
fn the_screen_fits_a_projector_with_every_kind_of_round() {
    let persisted = Persisted {
        settings: quick(),
        ..Persisted::default()
    };
    let mut h = Harness::builder()
        .with_size(Vec2::new(1920.0, 1080.0))
        .build_eframe(move |cc| FlowlabApp::new(&cc.egui_ctx, Some(persisted)));
    h.run_steps(2);
    for action in [
        Action::RunAll,
        Action::OtCfm,
        Action::Diffusion,
        Action::Guided,
        Action::Consistency,
        Action::Shortcut,
        Action::MeanFlow,
    ] {
        h.state_mut().act(action);
    }
    step_until(&mut h, "ten rounds", |app| {
        !app.is_busy() && app.run_view().rounds.len() == 10
    });
    let names: Vec<_> = h
        .state()
        .run_view()
        .rounds
        .iter()
        .map(|r| r.report.name.clone())
        .collect();
    assert_eq!(
        names,
        [
            "1-RF",
            "2-RF",
            "3-RF",
            "distilled",
            "OT-CFM",
            "diffusion",
            "guided",
            "consistency",
            "shortcut",
            "MeanFlow"
        ]
    );
    h.state_mut().act(Action::Select(Selection::Round(0)));
    step_until(&mut h, "the 1-RF picture", |app| {
        app.run_view().pictures.contains_key(&0)
    });
    for pixels in [Vec2::new(1280.0, 720.0), Vec2::new(1920.0, 1080.0)] {
        for presentation in [false, true] {
            check_layout(&mut h, pixels, presentation);
        }
    }
    // Leaving presentation mode gives the window back its own zoom.
    check_layout(&mut h, Vec2::new(1920.0, 1080.0), false);
}
