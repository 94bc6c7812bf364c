//! Helpers shared by the integration tests.

#![allow(dead_code)]

use std::sync::atomic::AtomicBool;

use flowlab::pipeline::{Pipeline, Settings};
use flowlab::target::presets::preset;

/// A run small enough to finish in well under a second: narrow net, few steps, small
/// evaluation (10-step reference paths, W2 at 1 and 4 steps).
pub fn tiny() -> Settings {
    let mut s = Settings::default();
    s.net.width = 32;
    s.net.depth = 2;
    s.train.steps = 60;
    s.train.report_every = 5;
    s.reflow_steps = 40;
    s.distill_steps = 40;
    s.reflows = 1;
    s.reflow_pairs = 300;
    s.pair_steps = 10;
    s.eval.w2_points = Some(100);
    s.eval.coverage_points = 300;
    s.eval.w2_repeats = 1;
    s.eval.floor_repeats = 1;
    s.eval.path_steps = 10;
    s.eval.step_counts = vec![1, 4];
    s.eval.trajectory_particles = 10;
    s
}

/// The whole tiny run (1-RF, one reflow, distillation) on preset `name`.
pub fn tiny_run(name: &str) -> Pipeline {
    let target = preset(name).expect("shipped preset");
    let mut pipeline = Pipeline::new(target, tiny()).expect("valid settings");
    pipeline
        .run_all(&mut |_| {}, &AtomicBool::new(false))
        .expect("tiny run");
    pipeline
}

/// The app's lecture settings shrunk so a round trains in about a second (the UI tests).
pub fn quick_lecture() -> Settings {
    let mut s = flowlab::ui::state::lecture_settings();
    s.net.width = 32;
    s.net.depth = 2;
    s.train.steps = 150;
    s.reflow_steps = 100;
    s.distill_steps = 100;
    s.reflow_pairs = 500;
    s.pair_steps = 20;
    s.eval.w2_points = Some(200);
    s.eval.coverage_points = 500;
    s.eval.w2_repeats = 1;
    s.eval.floor_repeats = 1;
    s
}
