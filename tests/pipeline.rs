//! The pipeline's protocol: small, fast runs that check order, reproducibility, cancellation
//! and divergence (the quality bars at default settings are in `quality.rs`).

use std::sync::atomic::{AtomicBool, Ordering};

use flowlab::Points;
use flowlab::flow::{Coupling, FlowError, NetConfig, Pairs, TrainConfig, VelocityNet, train_cfm};
use flowlab::pipeline::{Event, Phase, Pipeline, PipelineError, Progress, RunReport, Settings};
use flowlab::target::presets::preset;
use rand::SeedableRng as _;
use rand::rngs::StdRng;

/// Settings small enough for a unit test: a narrow net, few steps, few points.
fn tiny() -> Settings {
    let mut s = Settings::default();
    s.net.width = 32;
    s.train.steps = 60;
    s.reflow_steps = 40;
    s.distill_steps = 40;
    s.reflows = 1;
    s.reflow_pairs = 300;
    s.pair_steps = 20;
    s.eval.w2_points = Some(200);
    s.eval.coverage_points = 400;
    s.eval.w2_repeats = 1;
    s.eval.floor_repeats = 1;
    s.eval.trajectory_particles = 10;
    s
}

fn run(name: &str, settings: Settings) -> (RunReport, Vec<Event>) {
    let mut p = Pipeline::new(preset(name).expect("test fixture"), settings).expect("test fixture");
    let mut events = Vec::new();
    let report = p
        .run_all(&mut |e| events.push(e), &AtomicBool::new(false))
        .expect("test fixture");
    (report, events)
}

#[test]
fn same_seed_same_numbers() {
    for name in ["two-modes-1d", "eight-gaussians"] {
        let (a, _) = run(name, tiny());
        let (b, _) = run(name, tiny());
        assert_eq!(a.metric_floor_w2, b.metric_floor_w2);
        assert_eq!(a.rounds.len(), b.rounds.len());
        for (ra, rb) in a.rounds.iter().zip(&b.rounds) {
            assert_eq!(ra.w2_by_steps, rb.w2_by_steps, "{name} {}", ra.name);
            assert_eq!(ra.coupling_cost, rb.coupling_cost);
            assert_eq!(ra.straightness, rb.straightness);
            assert_eq!(ra.mode_tv, rb.mode_tv);
            assert_eq!(ra.final_loss, rb.final_loss);
        }
        let other = Settings { seed: 1, ..tiny() };
        let (c, _) = run(name, other);
        assert_ne!(a.rounds[0].w2_by_steps, c.rounds[0].w2_by_steps);
    }
}

#[test]
fn rounds_come_in_order_with_their_events() {
    let (report, events) = run("two-far", tiny());
    let names: Vec<&str> = report.rounds.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["1-RF", "2-RF", "distilled"]);
    assert_eq!(
        report.rounds[2]
            .w2_by_steps
            .keys()
            .copied()
            .collect::<Vec<_>>(),
        [1]
    );
    assert!(report.rounds[2].straightness.is_none());
    assert_eq!(
        report.rounds[0]
            .w2_by_steps
            .keys()
            .copied()
            .collect::<Vec<_>>(),
        [1, 2, 4, 8, 20, 100]
    );
    let finished: Vec<&str> = events
        .iter()
        .filter_map(|e| match e {
            Event::RoundFinished(r) => Some(r.name.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(finished, names);
    assert_eq!(events.last(), Some(&Event::Finished));
    // Training progress reaches the last step of every training phase.
    let last_train = events.iter().rev().find_map(|e| match e {
        Event::Progress(Progress {
            phase: Phase::Train,
            done,
            total,
            loss,
            ..
        }) => Some((*done, *total, *loss)),
        _ => None,
    });
    let (done, total, loss) = last_train.unwrap();
    assert_eq!(done, total);
    assert!(loss.unwrap().is_finite());
    let json = serde_json::to_value(&report).unwrap();
    for key in ["target", "settings", "metric_floor_w2", "rounds", "timings"] {
        assert!(json.get(key).is_some(), "metrics.json lacks {key}");
    }
    assert!(json["rounds"][0]["w2_by_steps"]["100"].is_number());
}

#[test]
fn phases_out_of_order_are_refused() {
    let mut p = Pipeline::new(preset("two-far").unwrap(), tiny()).unwrap();
    let cancel = AtomicBool::new(false);
    let err = p.reflow(&mut |_| {}, &cancel).err().unwrap();
    assert!(matches!(err, PipelineError::Order(_)), "{err}");
    let err = p.distill(&mut |_| {}, &cancel).err().unwrap();
    assert!(matches!(err, PipelineError::Order(_)), "{err}");
    p.train_base(&mut |_| {}, &cancel).unwrap();
    assert!(p.train_base(&mut |_| {}, &cancel).is_err());
    assert_eq!(p.reflow(&mut |_| {}, &cancel).unwrap().name, "2-RF");
}

#[test]
fn cancel_stops_within_a_step_and_keeps_finished_rounds() {
    let mut p = Pipeline::new(preset("two-far").unwrap(), tiny()).unwrap();
    let cancel = AtomicBool::new(false);
    p.train_base(&mut |_| {}, &cancel).unwrap();
    let mut progress_after_cancel = 0;
    let err = p
        .reflow(
            &mut |e| {
                if let Event::Progress(Progress {
                    phase: Phase::Train,
                    done,
                    ..
                }) = e
                {
                    if cancel.load(Ordering::Relaxed) {
                        progress_after_cancel += 1;
                    }
                    if done >= 10 {
                        cancel.store(true, Ordering::Relaxed);
                    }
                }
            },
            &cancel,
        )
        .err()
        .unwrap();
    assert!(err.is_cancelled(), "{err}");
    assert!(progress_after_cancel <= 1);
    assert_eq!(p.rounds().len(), 1, "the finished 1-RF round stays");
}

#[test]
fn bad_settings_are_named() {
    let mut s = tiny();
    s.train.batch = 0;
    let err = Pipeline::new(preset("two-far").unwrap(), s).err().unwrap();
    assert!(err.to_string().starts_with("batch:"), "{err}");
    let mut s = tiny();
    s.eval.w2_points = Some(5000);
    let err = Pipeline::new(preset("two-far").unwrap(), s).err().unwrap();
    assert!(err.to_string().starts_with("w2_points:"), "{err}");
    let mut s = tiny();
    s.net.width = 0;
    let err = Pipeline::new(preset("two-far").unwrap(), s).err().unwrap();
    assert!(err.to_string().starts_with("width:"), "{err}");
}

#[test]
fn a_nan_loss_stops_training_with_a_clear_error() {
    let mut rng = StdRng::seed_from_u64(0);
    let net = VelocityNet::new(1, NetConfig::default(), &mut rng).unwrap();
    let pairs = Pairs {
        z: Points::new(1, vec![0.0, 1.0]),
        x0: Points::new(1, vec![f32::NAN, 1.0]),
    };
    let config = TrainConfig {
        steps: 10,
        batch: 8,
        ..TrainConfig::default()
    };
    let err = train_cfm(
        &net,
        Coupling::Pairs(&pairs),
        &config,
        &mut rng,
        &mut |_| {},
        &AtomicBool::new(false),
    )
    .unwrap_err();
    assert!(matches!(err, FlowError::Diverged { step: 0, .. }), "{err}");
    assert!(err.to_string().contains("diverged"));
}
