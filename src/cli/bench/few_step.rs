//! The routes to one step, timed against 1-RF: each method's training steps per second at
//! the default network and batch, as a multiple of a 1-RF round's time for the same steps
//! (issue goal: at most 2×), and the adaptive solver's cost on the default target.

use std::sync::atomic::AtomicBool;
use std::time::Instant;

use super::median;
use flowlab::flow::{
    ConsistencyConfig, Coupling, MEASURE_TOLERANCE, MeanFlowConfig, NetConfig, ShortcutConfig,
    TrainConfig, TrainProgress, VelocityNet, consistency_distill, integrate_adaptive, train_cfm,
    train_meanflow, train_shortcut,
};
use flowlab::target::{Mixture, Source, standard_normal};
use rand::SeedableRng as _;
use rand::rngs::StdRng;

/// Timed runs per method.
const REPEATS: usize = 5;

/// A method's name and a training run of it.
type Method<'a> = (
    &'static str,
    Box<dyn FnMut(&mut StdRng) -> anyhow::Result<()> + 'a>,
);

/// A method's median seconds and median ratio to the reference.
struct Timed {
    name: &'static str,
    seconds: f64,
    ratio: f64,
}

/// Progress nobody watches.
fn quiet(_: TrainProgress<'_>) {}

/// Seconds one run takes (its rng seeded alike every time).
fn time(run: &mut dyn FnMut(&mut StdRng) -> anyhow::Result<()>) -> anyhow::Result<f64> {
    let mut rng = StdRng::seed_from_u64(1);
    let start = Instant::now();
    run(&mut rng)?;
    Ok(start.elapsed().as_secs_f64())
}

/// Each method's time beside a reference run timed just before it, [`REPEATS`] times: the
/// median ratio stands against the shared machine's drift between runs. Returns the
/// reference's median seconds and each method's medians.
fn beside(
    reference: &mut dyn FnMut(&mut StdRng) -> anyhow::Result<()>,
    methods: &mut [Method<'_>],
) -> anyhow::Result<(f64, Vec<Timed>)> {
    let mut reference_times = Vec::new();
    let mut results = Vec::new();
    for (name, run) in methods {
        let mut ratios = Vec::new();
        let mut seconds = Vec::new();
        for _ in 0..REPEATS {
            let base = time(reference)?;
            let spent = time(run)?;
            reference_times.push(base);
            ratios.push(spent / base);
            seconds.push(spent);
        }
        results.push(Timed {
            name,
            seconds: median(&mut seconds),
            ratio: median(&mut ratios),
        });
    }
    Ok((median(&mut reference_times), results))
}

/// Prints one line per method: steps per second and the time relative to 1-RF.
pub fn few_step_training(target: &Mixture, quick: bool) -> anyhow::Result<()> {
    let steps = if quick { 40 } else { 300 };
    let cancel = AtomicBool::new(false);
    let train = TrainConfig {
        steps,
        ..TrainConfig::default()
    };
    let source = Source::StandardNormal(target.dim);
    let fresh = |interval: bool| {
        let config = NetConfig {
            interval,
            ..NetConfig::default()
        };
        VelocityNet::new(target.dim, config, &mut StdRng::seed_from_u64(0))
    };
    let independent = Coupling::Independent { source, target };
    // Every timed run trains a fresh network: a network trained on and on changes speed
    // (MeanFlow measured 1,424 steps/s on a fresh network and 361 on its fifth 300-step run).
    let mut base = |rng: &mut StdRng| -> anyhow::Result<()> {
        train_cfm(
            &fresh(false)?,
            independent,
            &train,
            rng,
            &mut |_| {},
            &cancel,
        )?;
        Ok(())
    };
    // The teacher of the consistency runs, trained once.
    let teacher = fresh(false)?;
    train_cfm(
        &teacher,
        independent,
        &train,
        &mut StdRng::seed_from_u64(0),
        &mut |_| {},
        &cancel,
    )?;
    let (consistency, shortcut, meanflow) = (
        ConsistencyConfig::new(train),
        ShortcutConfig::new(train),
        MeanFlowConfig::new(train),
    );
    let ot = Coupling::MinibatchOt { source, target };
    let mut methods: Vec<Method<'_>> = vec![
        (
            "OT-CFM",
            Box::new(|rng| {
                train_cfm(&fresh(false)?, ot, &train, rng, &mut |_| {}, &cancel)?;
                Ok(())
            }),
        ),
        (
            "consistency distillation",
            Box::new(|rng| {
                let (teacher, quiet) = (&teacher, &mut quiet);
                consistency_distill(teacher, source, target, &consistency, rng, quiet, &cancel)?;
                Ok(())
            }),
        ),
        (
            "shortcut model",
            Box::new(|rng| {
                let (net, quiet) = (&fresh(true)?, &mut quiet);
                train_shortcut(net, source, target, &shortcut, rng, quiet, &cancel)?;
                Ok(())
            }),
        ),
        (
            "MeanFlow (with its JVP)",
            Box::new(|rng| {
                let (net, quiet) = (&fresh(true)?, &mut quiet);
                train_meanflow(net, source, target, &meanflow, rng, quiet, &cancel)?;
                Ok(())
            }),
        ),
    ];
    let (base_seconds, results) = beside(&mut base, &mut methods)?;
    let batch = train.batch;
    println!(
        "train 1-RF batch={batch}: {:.1} steps/s (the reference below; medians of {REPEATS} \
         runs of {steps} steps, each method timed right after a 1-RF run)",
        steps as f64 / base_seconds
    );
    for Timed {
        name,
        seconds,
        ratio,
    } in results
    {
        println!(
            "train {name} batch={batch}: {:.1} steps/s, {ratio:.2}x a 1-RF round's time (goal <= 2x)",
            steps as f64 / seconds,
        );
    }
    if !quick {
        whole_round_ot(target)?;
    }
    one_dimensional_ot(steps)?;
    adaptive_cost(&teacher, target, steps)
}

/// OT-CFM beside 1-RF over a whole default round (2,000 steps), as a class waits for it: the
/// 300-step phases above spend their first 48 steps timing how the two cores share OT-CFM's
/// work (see `flow::ahead`).
fn whole_round_ot(target: &Mixture) -> anyhow::Result<()> {
    let train = TrainConfig::default();
    let (base_seconds, Timed { seconds, ratio, .. }) = ot_beside_one_rf(target, &train)?;
    println!(
        "train OT-CFM batch={} over a whole default round ({} steps): {:.1} steps/s, \
         {ratio:.2}x a 1-RF round's time ({:.1} steps/s; goal <= 2x)",
        train.batch,
        train.steps,
        train.steps as f64 / seconds,
        train.steps as f64 / base_seconds,
    );
    Ok(())
}

/// OT-CFM beside 1-RF on the 1-D preset `two-modes-1d`, where the exact pairing is a sort.
fn one_dimensional_ot(steps: usize) -> anyhow::Result<()> {
    let target = flowlab::target::presets::preset("two-modes-1d")?;
    let train = TrainConfig {
        steps,
        ..TrainConfig::default()
    };
    let (base_seconds, Timed { seconds, ratio, .. }) = ot_beside_one_rf(&target, &train)?;
    println!(
        "train OT-CFM on two-modes-1d (pairing by sorting) batch={}: {:.1} steps/s, \
         {ratio:.2}x a 1-RF round's time ({:.1} steps/s; goal <= 2x)",
        train.batch,
        steps as f64 / seconds,
        steps as f64 / base_seconds,
    );
    Ok(())
}

/// OT-CFM beside 1-RF on `target` with `train`, each from the same fresh network: 1-RF's
/// median seconds and OT-CFM's timing.
fn ot_beside_one_rf(target: &Mixture, train: &TrainConfig) -> anyhow::Result<(f64, Timed)> {
    let cancel = AtomicBool::new(false);
    let source = Source::StandardNormal(target.dim);
    let fresh = || {
        VelocityNet::new(
            target.dim,
            NetConfig::default(),
            &mut StdRng::seed_from_u64(0),
        )
    };
    let independent = Coupling::Independent { source, target };
    let ot = Coupling::MinibatchOt { source, target };
    let mut base = |rng: &mut StdRng| -> anyhow::Result<()> {
        train_cfm(&fresh()?, independent, train, rng, &mut |_| {}, &cancel)?;
        Ok(())
    };
    let mut methods: Vec<Method<'_>> = vec![(
        "OT-CFM",
        Box::new(|rng| {
            train_cfm(&fresh()?, ot, train, rng, &mut |_| {}, &cancel)?;
            Ok(())
        }),
    )];
    let (base_seconds, mut results) = beside(&mut base, &mut methods)?;
    let timed = results
        .pop()
        .ok_or_else(|| anyhow::anyhow!("OT-CFM was not timed"))?;
    Ok((base_seconds, timed))
}

/// The adaptive solver's evaluations and time on 1,000 points of `net`.
fn adaptive_cost(net: &VelocityNet, target: &Mixture, steps: usize) -> anyhow::Result<()> {
    let z = standard_normal(1000, target.dim, &mut StdRng::seed_from_u64(2));
    let start = Instant::now();
    let run = integrate_adaptive(net, &z, MEASURE_TOLERANCE)?;
    println!(
        "adaptive Dormand-Prince 5(4) at tolerance {MEASURE_TOLERANCE:e}, 1000 points of a \
         {steps}-step 1-RF: {:.1} evaluations per sample ({} steps, {} rejected), {:.1} ms",
        run.mean_evaluations(),
        run.accepted,
        run.rejected,
        start.elapsed().as_secs_f64() * 1000.0
    );
    Ok(())
}
