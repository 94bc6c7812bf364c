//! The run card: one markdown page with the recipe of a run and its results, written so
//! someone could follow it for a bigger model.

use std::fmt::Write as _;

use super::format_number;
use crate::flow::{Activation, DistillMethod, FlowPath, TimeEmbedding, TimeSampling};
use crate::pipeline::RunReport;
use crate::target::Mixture;

/// The run card of `report`. `figures` lists figure files (stems) written beside it, linked
/// from the results; pass an empty slice when there are none.
pub fn run_card(report: &RunReport, figures: &[String]) -> String {
    let s = &report.settings;
    let t = &s.train;
    let mut md = String::new();
    let target = &report.target;
    let _ = writeln!(md, "# flowlab run card\n");
    let _ = writeln!(
        md,
        "Conditional flow matching, {} reflow round(s){} on a {}-D Gaussian mixture of {} \
         component(s). Conventions: t = 0 is data, t = 1 is noise, `x_t = t·z + (1 − t)·x0`, \
         target velocity `z − x0`, sampling from t = 1 down to t = 0 with \
         `x ← x − Δt·v(x, t)`.\n",
        s.reflows,
        if s.distill.is_some() {
            " and a distilled one-step sampler"
        } else {
            ""
        },
        target.dim,
        target.components.len()
    );

    let _ = writeln!(md, "## Target\n");
    mixture_table(&mut md, target);
    if let Some(source) = &s.source {
        let _ = writeln!(
            md,
            "\n## Source\n\nThe flow starts (t = 1) from this mixture instead of N(0, I): it \
             transports the source to the target.\n"
        );
        mixture_table(&mut md, source);
    }

    let _ = writeln!(md, "\n## Recipe\n");
    let net = &s.net;
    let _ = writeln!(
        md,
        "- **Seed**: {} (one seeded RNG for every draw; same seed and settings, same numbers).",
        s.seed
    );
    let _ = writeln!(
        md,
        "- **Network**: MLP, {} hidden layers of {} units, {} activation; input `(x, {})`.",
        net.depth,
        net.width,
        activation(net.activation),
        time_features(net.time_embedding)
    );
    let _ = writeln!(
        md,
        "- **Loss**: `E‖v_θ(x_t, t) − (z − x0)‖²`, mean over batch and dimensions."
    );
    let _ = writeln!(
        md,
        "- **Time sampling**: {}.",
        time_sampling(t.time_sampling)
    );
    let _ = writeln!(
        md,
        "- **Optimiser**: AdamW, peak learning rate {}, weight decay {}, cosine schedule down \
         to a tenth of the peak by the last step; {}.",
        t.learning_rate,
        t.weight_decay,
        if t.ema_decay > 0.0 {
            format!(
                "the phase ends with the exponential moving average of the weights (decay {})",
                t.ema_decay
            )
        } else {
            "the last iterate is kept".to_string()
        }
    );
    let z_from = if s.source.is_some() {
        "z from the source"
    } else {
        "z ~ N(0, I)"
    };
    let _ = writeln!(
        md,
        "- **1-RF**: {} steps at batch {} on independent pairs ({z_from}, x0 from the target).",
        t.steps, t.batch
    );
    let _ = writeln!(
        md,
        "- **Reflow**: {} round(s) of {} steps; each draws {} fresh z, integrates the previous \
         round with {} Euler steps to get x̂0, and trains on the fixed pairs (z, x̂0); {}.",
        s.reflows,
        s.reflow_steps,
        s.reflow_pairs,
        s.pair_steps,
        if s.warm_start {
            "warm-started from the previous round's weights"
        } else {
            "each round starts from fresh weights"
        }
    );
    match s.distill {
        Some(DistillMethod::Direct) => {
            let _ = writeln!(
                md,
                "- **Distillation**: direct, {} steps: the student's `x̂0 = z − v_s(z, 1)` is \
                 regressed onto the last flow's {}-step result for the same z ({} pairs).",
                s.distill_steps, s.pair_steps, s.reflow_pairs
            );
        }
        Some(DistillMethod::Progressive { start_steps }) => {
            let _ = writeln!(
                md,
                "- **Distillation**: progressive from {start_steps} steps, halving to 1, {} \
                 steps per stage.",
                s.distill_steps
            );
        }
        None => {
            let _ = writeln!(md, "- **Distillation**: none.");
        }
    }
    if s.ot_cfm {
        let _ = writeln!(
            md,
            "- **OT-CFM** (comparison): {} steps from fresh weights, like 1-RF, but each batch \
             of {} independent draws is paired by an exact optimal assignment (least total \
             ‖z − x0‖²) before the straight lines are drawn; its transport cost is that of \
             {} draws paired batch by batch.",
            t.steps, t.batch, s.reflow_pairs
        );
    }
    if s.diffusion {
        let _ = writeln!(
            md,
            "- **Diffusion path** (comparison): {} steps from fresh weights on independent \
             pairs, on the {} instead of the straight line; sampled with the same Euler steps.",
            t.steps,
            FlowPath::VpLinear.describe()
        );
    }

    let e = &s.eval;
    let _ = writeln!(md, "\n## Evaluation protocol\n");
    let _ = writeln!(
        md,
        "- **W2**: {} on {} generated points (fixed evaluation noise, the same for every round) \
         against {} target points.",
        if target.dim == 1 {
            "√ mean of squared differences of the sorted samples"
        } else {
            "√ of the mean squared distance of the optimal one-to-one matching (exact assignment)"
        },
        report.w2_points,
        report.w2_points
    );
    let _ = writeln!(
        md,
        "- **Metric floor**: {} — the same W2 between two independent target samples of that \
         size (mean of {}); no model can be expected to beat it.",
        format_number(report.metric_floor_w2),
        e.floor_repeats
    );
    let _ = writeln!(
        md,
        "- **Transport cost**: `E‖z − x0‖²` over the pairs a round trains on (1-RF: independent \
         pairs)."
    );
    let _ = writeln!(
        md,
        "- **Straightness**: `∫ E‖(z − x̂0) − v(x_t, t)‖² dt` on the {}-step Euler path of {} \
         points; 0 means straight.",
        e.path_steps, e.coverage_points
    );
    let _ = writeln!(
        md,
        "- **Mode TV**: total variation between the fraction of samples nearest each component \
         and the weights ({} points).",
        e.coverage_points
    );

    let _ = writeln!(md, "\n## Results\n");
    for (name, why) in report.diverged_rounds() {
        let _ = writeln!(
            md,
            "> **Warning: {name} diverged** — {why}. Its numbers are not those of a trained \
             model; lower the learning rate.\n"
        );
    }
    let steps: std::collections::BTreeSet<usize> = report
        .rounds
        .iter()
        .flat_map(|r| r.w2_by_steps.keys().copied())
        .collect();
    let _ = write!(md, "| round | transport cost | straightness | mode TV |");
    for n in &steps {
        let _ = write!(md, " W2 @{n} |");
    }
    let _ = writeln!(md, " train steps | train s |");
    let _ = write!(md, "|---|---:|---:|---:|");
    for _ in &steps {
        let _ = write!(md, "---:|");
    }
    let _ = writeln!(md, "---:|---:|");
    for r in &report.rounds {
        let _ = write!(
            md,
            "| {} | {} | {} | {} |",
            r.name,
            format_number(r.coupling_cost),
            r.straightness.map_or("–".into(), format_number),
            format_number(r.mode_tv)
        );
        for n in &steps {
            let _ = write!(md, " {} |", r.w2_at(*n).map_or("–".into(), format_number));
        }
        let _ = writeln!(md, " {} | {:.1} |", r.train_steps, r.train_seconds);
    }
    let _ = writeln!(
        md,
        "\nMetric floor W2 = {}. Total wall time {:.1} s, {:.0} training steps per second.",
        format_number(report.metric_floor_w2),
        report.timings.total_seconds,
        report.timings.train_steps_per_second
    );

    if !figures.is_empty() {
        let _ = writeln!(md, "\n## Figures\n");
        for stem in figures {
            let _ = writeln!(md, "- [{stem}]({stem}.png) ([svg]({stem}.svg))");
        }
    }
    let _ = writeln!(
        md,
        "\n## Scaling this recipe up\n\nKeep the interpolant, loss and time sampling; widen and \
         deepen the network and raise the batch before the step count; keep reflow pairs ≥ 10× \
         the batch so a round does not memorise its pairs; compare every number to its metric \
         floor, measured with the same sample size."
    );
    md
}

fn vector(v: &[f64]) -> String {
    let parts: Vec<String> = v.iter().map(|x| format_number(*x)).collect();
    format!("({})", parts.join(", "))
}

fn mixture_table(md: &mut String, mixture: &Mixture) {
    let _ = writeln!(
        md,
        "| component | weight | mean | std |\n|---:|---:|---|---|"
    );
    let weights = mixture.normalized_weights();
    for (i, c) in mixture.components.iter().enumerate() {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} |",
            i + 1,
            format_number(weights[i]),
            vector(&c.mean),
            vector(&c.std)
        );
    }
}

fn activation(a: Activation) -> &'static str {
    match a {
        Activation::Silu => "SiLU",
        Activation::Relu => "ReLU",
        Activation::Gelu => "GELU",
        Activation::Tanh => "tanh",
    }
}

fn time_features(e: TimeEmbedding) -> String {
    match e {
        TimeEmbedding::Scalar => "t".into(),
        TimeEmbedding::Sinusoidal { frequencies } => {
            format!("t, sin(kπt), cos(kπt) for k = 1..{frequencies}")
        }
    }
}

fn time_sampling(s: TimeSampling) -> String {
    match s {
        TimeSampling::Uniform => "uniform, t ~ U(0, 1)".into(),
        TimeSampling::LogitNormal { mean, std } => {
            format!("logit-normal, t = sigmoid(n), n ~ N({mean}, {std}²)")
        }
        TimeSampling::Cosine => "raised cosine, p(t) = 1 − cos(2πt)".into(),
    }
}
