//! The app's frame time with a full lecture on screen: seven rounds, 300 paths, every chart.
//!
//! Measured through the same `egui_kittest` harness the UI tests drive (no window, no GPU): the
//! time of one `Harness::step`, which runs the app's `logic` and `ui` and egui's layout and
//! tessellation of the frame.

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use flowlab::ui::FlowlabApp;
use flowlab::ui::state::{Action, Persisted};

/// Lecture settings shrunk so the seven rounds train in seconds: the frame's cost depends on
/// what is drawn (rounds, paths, charts), not on how well the models are trained.
fn quick_settings() -> flowlab::pipeline::Settings {
    let mut s = flowlab::ui::state::lecture_settings();
    s.net.width = 32;
    s.net.depth = 2;
    s.train.steps = 150;
    s.reflow_steps = 100;
    s.distill_steps = 100;
    s.reflow_pairs = 500;
    s.pair_steps = 20;
    s.eval.w2_repeats = 1;
    s.eval.floor_repeats = 1;
    s
}

/// Steps the harness until `done` (the worker trains on its own threads) or fails.
fn step_until(
    h: &mut Harness<'_, FlowlabApp>,
    what: &str,
    done: impl Fn(&FlowlabApp) -> bool,
) -> anyhow::Result<()> {
    let start = Instant::now();
    while !done(h.state()) {
        if start.elapsed() > Duration::from_secs(300) {
            anyhow::bail!("the app did not reach: {what}");
        }
        h.step();
        std::thread::sleep(Duration::from_millis(5));
    }
    Ok(())
}

/// Prints the median and 99th percentile of the app's frame time with seven rounds on screen.
pub fn ui_frame_time(quick: bool) -> anyhow::Result<()> {
    let persisted = Persisted {
        settings: quick_settings(),
        ..Persisted::default()
    };
    let mut h = Harness::builder()
        .with_size(eframe::egui::Vec2::new(1920.0, 1080.0))
        .build_eframe(move |cc| FlowlabApp::new(&cc.egui_ctx, Some(persisted)));
    h.step();
    for action in [
        Action::RunAll,
        Action::OtCfm,
        Action::Diffusion,
        Action::Guided,
    ] {
        h.state_mut().act(action);
    }
    step_until(&mut h, "seven trained rounds", |app| {
        !app.is_busy() && app.run_view().rounds.len() == 7
    })?;
    // 1-RF selected: its 300 curved paths are on screen.
    for _ in 0..7 {
        h.state_mut().act(Action::PreviousRound);
    }
    step_until(&mut h, "the 1-RF picture", |app| {
        app.run_view().pictures.contains_key(&0)
    })?;
    for _ in 0..10 {
        h.step();
    }
    let frames = if quick { 60 } else { 300 };
    let mut times: Vec<f64> = (0..frames)
        .map(|_| {
            let start = Instant::now();
            h.step();
            start.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    println!(
        "ui frame (1920x1080, 7 rounds, 300 paths, every chart): median {:.2} ms, p99 {:.2} ms over {frames} frames",
        at(0.5),
        at(0.99)
    );
    Ok(())
}
