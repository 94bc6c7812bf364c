//! The worker's side of "no lost work": a run handed back in memory after a stop survives a
//! new run started right after, and the autosave file holds every finished round.

use std::time::{Duration, Instant};

mod common;

use common::tiny;
use flowlab::export::session::Session;
use flowlab::target::presets::preset;
use flowlab::worker::{PhaseJob, Update, Worker};

/// Polls until `done`, or panics after two minutes (a loaded CI machine).
fn wait_for(w: &mut Worker, what: &str, mut done: impl FnMut(&Update) -> bool) {
    let start = Instant::now();
    loop {
        if w.poll().iter().any(&mut done) {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "timed out: {what}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn a_kept_run_arrives_after_a_new_run_began_and_autosave_holds_its_rounds() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let autosave = dir.path().join("autosave.flowlab");
    let mut w = Worker::spawn(|| {}).expect("threads start");
    w.set_autosave(Some(autosave.clone())).expect("queued");
    let target = preset("two-far").expect("a shipped preset");
    w.new_run(target.clone(), tiny()).expect("queued");
    w.start(PhaseJob::TrainBase).expect("queued");
    let mut report = None;
    // One wait for both: the round and Idle can arrive in the same poll.
    wait_for(&mut w, "1-RF, then idle", |u| {
        if let Update::RoundFinished(r) = u {
            report = Some(r.report.clone());
        }
        *u == Update::Idle
    });
    let report = report.expect("1-RF's numbers");

    // Autosaved after the round: the file opens with the same numbers.
    let (saved, _pipeline) = Session::open(&autosave).expect("the autosave opens");
    assert_eq!(saved.rounds.len(), 1);

    // Keep the run, and start another at once: the kept run still arrives, whole.
    w.stop().expect("queued");
    w.keep_run(42).expect("queued");
    w.new_run(target, tiny()).expect("queued");
    let mut kept = None;
    wait_for(&mut w, "the kept run", |u| match u {
        Update::RunKept { id, session } => {
            kept = Some((*id, session.clone()));
            true
        }
        _ => false,
    });
    let (id, session) = kept.expect("the kept run");
    assert_eq!(id, 42);
    assert_eq!(session.rounds.len(), 1);
    assert_eq!(session.rounds[0].report, report);
    assert_eq!(saved.rounds[0].report, report);
}
