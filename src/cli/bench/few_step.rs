//! The routes to one step, timed against 1-RF: each method's training steps per second at
//! the default network and batch, as a multiple of a 1-RF round's time for the same steps
//! (issue goal: at most 2×), and the adaptive solver's cost on the default target.

use std::sync::atomic::AtomicBool;
use std::time::Instant;

use flowlab::flow::{
    ConsistencyConfig, Coupling, MEASURE_TOLERANCE, MeanFlowConfig, NetConfig, ShortcutConfig,
    TrainConfig, VelocityNet, consistency_distill, integrate_adaptive, train_cfm, train_meanflow,
    train_shortcut,
};
use flowlab::target::{Mixture, Source, standard_normal};
use rand::SeedableRng as _;
use rand::rngs::StdRng;

/// Prints one line per method: steps per second and the time relative to 1-RF.
pub fn few_step_training(target: &Mixture, quick: bool) -> anyhow::Result<()> {
    let steps = if quick { 40 } else { 300 };
    let cancel = AtomicBool::new(false);
    let train = TrainConfig {
        steps,
        ..TrainConfig::default()
    };
    let source = Source::StandardNormal(target.dim);
    let plain = NetConfig::default();
    let interval = NetConfig {
        interval: true,
        ..plain
    };
    let fresh =
        |config: NetConfig| VelocityNet::new(target.dim, config, &mut StdRng::seed_from_u64(0));
    let time = |run: &mut dyn FnMut(&mut StdRng) -> anyhow::Result<()>| -> anyhow::Result<f64> {
        let mut rng = StdRng::seed_from_u64(1);
        let start = Instant::now();
        run(&mut rng)?;
        Ok(start.elapsed().as_secs_f64())
    };
    let independent = Coupling::Independent { source, target };
    let base_net = fresh(plain)?;
    let base = time(&mut |rng| {
        train_cfm(&base_net, independent, &train, rng, &mut |_| {}, &cancel)?;
        Ok(())
    })?;
    let ot_net = fresh(plain)?;
    let ot = time(&mut |rng| {
        let coupling = Coupling::MinibatchOt { source, target };
        train_cfm(&ot_net, coupling, &train, rng, &mut |_| {}, &cancel)?;
        Ok(())
    })?;
    let consistency = time(&mut |rng| {
        let config = ConsistencyConfig::new(train);
        consistency_distill(
            &base_net,
            source,
            target,
            &config,
            rng,
            &mut |_| {},
            &cancel,
        )?;
        Ok(())
    })?;
    let shortcut_net = fresh(interval)?;
    let shortcut = time(&mut |rng| {
        let config = ShortcutConfig::new(train);
        train_shortcut(
            &shortcut_net,
            source,
            target,
            &config,
            rng,
            &mut |_| {},
            &cancel,
        )?;
        Ok(())
    })?;
    let meanflow_net = fresh(interval)?;
    let meanflow = time(&mut |rng| {
        let config = MeanFlowConfig::new(train);
        train_meanflow(
            &meanflow_net,
            source,
            target,
            &config,
            rng,
            &mut |_| {},
            &cancel,
        )?;
        Ok(())
    })?;
    let batch = train.batch;
    println!(
        "train 1-RF batch={batch}: {:.1} steps/s (the reference below)",
        steps as f64 / base
    );
    for (name, seconds) in [
        ("OT-CFM", ot),
        ("consistency distillation", consistency),
        ("shortcut model", shortcut),
        ("MeanFlow (with its JVP)", meanflow),
    ] {
        println!(
            "train {name} batch={batch}: {:.1} steps/s, {:.2}x a 1-RF round's time (goal <= 2x)",
            steps as f64 / seconds,
            seconds / base
        );
    }
    adaptive_cost(&base_net, target, steps)
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
