//! The fused kernels against the plain candle reference: forward, gradients, optimizer step,
//! and a whole training run, on random inputs with fixed seeds. The whole-step kernel
//! (`TrainStep`, [`Kernels::Fused`]) is checked against the fused layers under candle's
//! autograd ([`Kernels::Layers`]) and against the plain ops ([`Kernels::Reference`]).

use std::sync::atomic::AtomicBool;

use candle_core::{Device, Tensor};
use candle_nn::{AdamW, Optimizer as _, ParamsAdamW};
use flowlab::flow::fused::{FusedAdamW, FusedEma, TrainStep};
use flowlab::flow::{
    Activation, Coupling, Kernels, NetConfig, Solver, TimeEmbedding, TrainConfig, VelocityNet,
    integrate, train_cfm,
};
use flowlab::metrics::w2;
use flowlab::target::{Source, presets, standard_normal};
use rand::SeedableRng as _;
use rand::rngs::StdRng;

const ACTIVATIONS: [Activation; 4] = [
    Activation::Silu,
    Activation::Relu,
    Activation::Gelu,
    Activation::Tanh,
];

fn config(activation: Activation) -> NetConfig {
    NetConfig {
        width: 64,
        depth: 3,
        activation,
        time_embedding: TimeEmbedding::Sinusoidal { frequencies: 4 },
        classes: 0,
        interval: false,
    }
}

/// Two networks with the same weights (same seed).
fn twins(dim: usize, config: NetConfig) -> (VelocityNet, VelocityNet) {
    let a = VelocityNet::new(dim, config, &mut StdRng::seed_from_u64(7)).expect("test fixture");
    let b = VelocityNet::new(dim, config, &mut StdRng::seed_from_u64(7)).expect("test fixture");
    (a, b)
}

fn values(t: &Tensor) -> Vec<f32> {
    t.flatten_all()
        .expect("test fixture")
        .to_vec1::<f32>()
        .expect("test fixture")
}

/// Largest |a − b| relative to the largest |b| (at least 1).
fn relative_gap(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len(), "compared vectors differ in length");
    let scale = b.iter().fold(1.0f32, |m, v| m.max(v.abs()));
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
        / scale
}

#[test]
fn fused_forward_matches_the_reference() {
    for activation in ACTIVATIONS {
        for (dim, rows) in [(1, 7), (2, 256), (2, 1500)] {
            let (net, _) = twins(dim, config(activation));
            let input = Tensor::randn(0f32, 2.0, (rows, net.input_width()), &Device::Cpu).unwrap();
            let reference = values(&net.forward_train(&input, Kernels::Reference).unwrap());
            let inference = values(&net.forward(&input).unwrap());
            let training = values(&net.forward_train(&input, Kernels::Fused).unwrap());
            // Float rounding leaves gaps below 3e-7.
            assert!(
                relative_gap(&inference, &reference) < 2e-6,
                "{activation:?} {dim}-D {rows} rows: inference off by {}",
                relative_gap(&inference, &reference)
            );
            assert!(relative_gap(&training, &reference) < 2e-6);
        }
    }
}

#[test]
fn fused_gradients_match_the_reference() {
    for activation in ACTIVATIONS {
        let (net, _) = twins(2, config(activation));
        let rows = 300;
        let input = Tensor::randn(0f32, 1.5, (rows, net.input_width()), &Device::Cpu).unwrap();
        let target = Tensor::randn(0f32, 1.0, (rows, 2), &Device::Cpu).unwrap();
        let grads = |kernels| {
            let out = net.forward_train(&input, kernels).unwrap();
            candle_nn::loss::mse(&out, &target)
                .unwrap()
                .backward()
                .unwrap()
        };
        let (fused, reference) = (grads(Kernels::Fused), grads(Kernels::Reference));
        for var in net.vars() {
            let f = values(fused.get(var.as_tensor()).expect("fused gradient"));
            let r = values(reference.get(var.as_tensor()).expect("reference gradient"));
            let gap = relative_gap(&f, &r);
            // Float rounding leaves gaps near 3e-8; a 1 % slip in one term of SiLU's
            // derivative leaves 2e-5.
            assert!(gap < 1e-6, "{activation:?}: gradient off by {gap}");
            // A broken kernel (e.g. a missing activation derivative) would be far off; make
            // sure the gradients are not trivially zero.
            assert!(r.iter().any(|v| v.abs() > 1e-4));
        }
    }
}

#[test]
fn fused_adamw_step_matches_candle_adamw() {
    let (a, b) = twins(2, config(Activation::Silu));
    let params = ParamsAdamW {
        lr: 3e-3,
        weight_decay: 0.01,
        ..ParamsAdamW::default()
    };
    let mut fused = FusedAdamW::new(a.vars(), params.clone()).unwrap();
    let mut reference = AdamW::new(b.vars(), params).unwrap();
    let mut rng = StdRng::seed_from_u64(3);
    for step in 0..5 {
        let input = standard_normal(128, a.input_width(), &mut rng);
        let input = Tensor::from_vec(input.data, (128, a.input_width()), &Device::Cpu).unwrap();
        let target = Tensor::zeros((128, 2), candle_core::DType::F32, &Device::Cpu).unwrap();
        // The same gradients for both: computed on the reference path from equal weights.
        let loss_a = candle_nn::loss::mse(
            &a.forward_train(&input, Kernels::Reference).unwrap(),
            &target,
        )
        .unwrap();
        let loss_b = candle_nn::loss::mse(
            &b.forward_train(&input, Kernels::Reference).unwrap(),
            &target,
        )
        .unwrap();
        fused.set_learning_rate(3e-3 / (1.0 + step as f64));
        reference.set_learning_rate(3e-3 / (1.0 + step as f64));
        fused.backward_step(&loss_a).unwrap();
        reference.backward_step(&loss_b).unwrap();
        for ((name, x), (_, y)) in a.named_tensors().iter().zip(b.named_tensors().iter()) {
            let gap = relative_gap(&values(x), &values(y));
            assert!(gap < 1e-6, "step {step}, {name}: off by {gap}");
        }
    }
    // The update moved the weights (a step that does nothing would also "match").
    let fresh = twins(2, config(Activation::Silu)).0;
    let moved = relative_gap(
        &values(&a.named_tensors()[0].1),
        &values(&fresh.named_tensors()[0].1),
    );
    assert!(moved > 1e-3, "weights moved by only {moved}");
}

/// Trains with `kernels` from a fixed seed; returns the network.
fn train(kernels: Kernels, steps: usize, batch: usize) -> VelocityNet {
    let target = presets::preset("two-far").expect("test fixture");
    let mut rng = StdRng::seed_from_u64(11);
    let net = VelocityNet::new(2, NetConfig::default(), &mut rng).expect("test fixture");
    let config = TrainConfig {
        steps,
        batch,
        kernels,
        ..TrainConfig::default()
    };
    let cancel = AtomicBool::new(false);
    let coupling = Coupling::Independent {
        source: Source::StandardNormal(target.dim),
        target: &target,
    };
    train_cfm(&net, coupling, &config, &mut rng, &mut |_| {}, &cancel).expect("test fixture");
    net
}

#[test]
fn fused_training_steps_follow_the_reference_weights() {
    // Batch 600 is split into shards on the fused path; the summed shard gradients must be the
    // whole batch's, so a few steps land on the same weights.
    let reference = train(Kernels::Reference, 5, 600);
    let fresh = VelocityNet::new(2, NetConfig::default(), &mut StdRng::seed_from_u64(11))
        .expect("test fixture");
    for kernels in [Kernels::Fused, Kernels::Layers] {
        let fused = train(kernels, 5, 600);
        for (((name, x), (_, y)), (_, start)) in fused
            .named_tensors()
            .iter()
            .zip(reference.named_tensors().iter())
            .zip(fresh.named_tensors().iter())
        {
            let gap = relative_gap(&values(x), &values(y));
            assert!(gap < 2e-4, "{kernels:?} {name}: off by {gap}");
            // Five steps at learning rate 5e-3 move the weights by about 1e-2: the match is
            // not two runs that both stood still.
            let moved = relative_gap(&values(y), &values(start));
            assert!(moved > 1e-3, "{name} moved by only {moved}");
        }
    }
}

#[test]
fn fused_training_reaches_the_reference_quality() {
    let target = presets::preset("two-far").unwrap();
    let mut rng = StdRng::seed_from_u64(5);
    let data = target.sample(1000, &mut rng);
    let z = standard_normal(1000, 2, &mut rng);
    let quality = |net: &VelocityNet| w2(&integrate(net, &z, Solver::Euler, 50).unwrap(), &data);
    let fused = quality(&train(Kernels::Fused, 800, 256));
    let layers = quality(&train(Kernels::Layers, 800, 256));
    let reference = quality(&train(Kernels::Reference, 800, 256));
    // two-far's modes sit at (±4, 0) with σ 0.4: a flow that missed them scores W2 of several units.
    assert!(reference < 0.6, "reference W2 {reference}");
    assert!(
        (fused - reference).abs() < 0.1,
        "fused W2 {fused} vs reference {reference}"
    );
    assert!(
        (layers - reference).abs() < 0.1,
        "fused layers W2 {layers} vs reference {reference}"
    );
}

/// A network of `config` for points of `dim` with the layout variants the whole-step kernel
/// must handle: plain, class-conditional, told the step length.
fn variant(dim: usize, activation: Activation, kind: usize) -> VelocityNet {
    let mut c = config(activation);
    match kind {
        1 => c.classes = 3,
        2 => c.interval = true,
        _ => {}
    }
    VelocityNet::new(dim, c, &mut StdRng::seed_from_u64(7)).expect("test fixture")
}

/// The mean squared error of `net` on `(input, target)` and its gradient for every parameter,
/// through candle's autograd on `kernels`.
fn graph_gradients(
    net: &VelocityNet,
    input: &Tensor,
    target: &Tensor,
    kernels: Kernels,
) -> (f32, Vec<Vec<f32>>) {
    let out = net.forward_train(input, kernels).expect("forward");
    let loss = candle_nn::loss::mse(&out, target).expect("loss");
    let grads = loss.backward().expect("backward");
    let per_param = net
        .vars()
        .iter()
        .map(|v| values(grads.get(v.as_tensor()).expect("gradient")))
        .collect();
    (loss.to_scalar::<f32>().expect("loss"), per_param)
}

#[test]
fn whole_step_loss_and_gradients_match_the_fused_layers_and_the_reference() {
    // 7 rows: one shard; 300: two shards; 1500: many cache-sized shards.
    for activation in ACTIVATIONS {
        for (dim, rows, kind) in [
            (1, 7, 0),
            (2, 300, 0),
            (2, 1500, 0),
            (2, 256, 1),
            (1, 300, 2),
        ] {
            let net = variant(dim, activation, kind);
            let mut rng = StdRng::seed_from_u64(rows as u64);
            let x = standard_normal(rows, net.input_width(), &mut rng).data;
            let y = standard_normal(rows, dim, &mut rng).data;
            let input = Tensor::from_slice(&x, (rows, net.input_width()), &Device::Cpu).unwrap();
            let target = Tensor::from_slice(&y, (rows, dim), &Device::Cpu).unwrap();
            let mut step = TrainStep::new(&net, ParamsAdamW::default(), false).unwrap();
            let loss = step.gradients(&x, &y).unwrap();
            let grads = step.parameter_gradients().unwrap();
            for kernels in [Kernels::Layers, Kernels::Reference] {
                let (want_loss, want) = graph_gradients(&net, &input, &target, kernels);
                let case = format!("{activation:?} {dim}-D {rows} rows kind {kind} vs {kernels:?}");
                assert!(
                    (loss - want_loss).abs() <= 1e-6 * want_loss,
                    "{case}: loss {loss} vs {want_loss}"
                );
                for (i, (g, w)) in grads.iter().zip(&want).enumerate() {
                    // Float rounding leaves gaps near 1e-7; a 1 % slip in one derivative
                    // term leaves 1e-5 and more.
                    let gap = relative_gap(g, w);
                    assert!(gap < 2e-6, "{case}: parameter {i} off by {gap}");
                    assert!(
                        w.iter().any(|v| v.abs() > 1e-4),
                        "{case}: zero gradient {i}"
                    );
                }
            }
        }
    }
}

#[test]
fn whole_step_update_matches_the_fused_adamw_and_moving_average() {
    let (a, b) = twins(2, config(Activation::Gelu));
    let params = ParamsAdamW {
        lr: 3e-3,
        weight_decay: 0.01,
        ..ParamsAdamW::default()
    };
    let mut step = TrainStep::new(&a, params.clone(), true).unwrap();
    let mut adam = FusedAdamW::new(b.vars(), params).unwrap();
    let mut ema = FusedEma::new(&b.vars()).unwrap();
    let mut rng = StdRng::seed_from_u64(3);
    for k in 0..6 {
        let rows = if k % 2 == 0 { 300 } else { 64 };
        let x = standard_normal(rows, a.input_width(), &mut rng).data;
        let y = standard_normal(rows, 2, &mut rng).data;
        let input = Tensor::from_slice(&x, (rows, a.input_width()), &Device::Cpu).unwrap();
        let target = Tensor::from_slice(&y, (rows, 2), &Device::Cpu).unwrap();
        let (lr, decay) = (3e-3 / (1.0 + k as f64), 0.8);
        step.gradients(&x, &y).unwrap();
        step.update(lr, decay).unwrap();
        let loss =
            candle_nn::loss::mse(&b.forward_train(&input, Kernels::Layers).unwrap(), &target)
                .unwrap();
        adam.set_learning_rate(lr);
        adam.backward_step(&loss).unwrap();
        ema.update(decay).unwrap();
        for ((name, x), (_, y)) in a.named_tensors().iter().zip(b.named_tensors().iter()) {
            let gap = relative_gap(&values(x), &values(y));
            assert!(gap < 1e-6, "step {k}, {name}: off by {gap}");
        }
    }
    let moved = relative_gap(
        &values(&a.named_tensors()[0].1),
        &values(&twins(2, config(Activation::Gelu)).0.named_tensors()[0].1),
    );
    assert!(moved > 1e-3, "weights moved by only {moved}");
    // The averages the two end with, written into the networks.
    step.finish().unwrap();
    ema.write_back().unwrap();
    for ((name, x), (_, y)) in a.named_tensors().iter().zip(b.named_tensors().iter()) {
        let gap = relative_gap(&values(x), &values(y));
        assert!(gap < 1e-6, "average of {name}: off by {gap}");
    }
}

#[test]
fn whole_step_refuses_a_malformed_batch_and_an_update_without_gradients() {
    let net = variant(2, Activation::Silu, 0);
    let mut step = TrainStep::new(&net, ParamsAdamW::default(), true).unwrap();
    let before = net.weights().unwrap();
    assert!(step.update(1e-3, 0.9).is_err());
    let width = net.input_width();
    assert!(
        step.gradients(&vec![0.0; 10 * width - 1], &[0.0; 20])
            .is_err()
    );
    assert!(step.gradients(&[], &[]).is_err());
    assert_eq!(
        net.weights().unwrap(),
        before,
        "a refused step changed the weights"
    );
    let loss = step.gradients(&vec![0.5; 10 * width], &[1.0; 20]).unwrap();
    assert!(loss.is_finite() && loss > 0.0);
    step.update(1e-3, 0.9).unwrap();
    assert!(
        step.update(1e-3, 0.9).is_err(),
        "one batch's gradients used twice"
    );
    assert_ne!(net.weights().unwrap(), before);
}
