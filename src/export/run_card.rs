//! The run card: one markdown page with the recipe of a run and its results, written so
//! someone could follow it for a bigger model.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::format_number;
use crate::flow::{Activation, DistillMethod, FlowPath, TimeEmbedding, TimeSampling};
use crate::pipeline::{Measure, RunReport};
use crate::target::Mixture;

/// The run card of `report`.
///
/// `figures` lists figure files (stems) written beside it, linked from the results; pass an
/// empty slice when there are none.
pub fn run_card(report: &RunReport, figures: &[String]) -> String {
    let mut md = String::new();
    // Writing into a String cannot fail (fmt::Error comes only from a failing sink).
    if write_card(&mut md, report, figures).is_err() {
        md.push_str("\n(the run card could not be completed)\n");
    }
    md
}

/// Writes the run card into `md`.
fn write_card(md: &mut String, report: &RunReport, figures: &[String]) -> std::fmt::Result {
    intro(md, report)?;
    distributions(md, report)?;
    recipe(md, report)?;
    comparisons(md, report)?;
    evaluation_protocol(md, report)?;
    results(md, report)?;
    figure_links(md, figures)?;
    scaling_up(md)
}

/// Writes the title and the one-paragraph summary of the method and its conventions.
fn intro(md: &mut String, report: &RunReport) -> std::fmt::Result {
    let s = &report.settings;
    let target = &report.target;
    writeln!(md, "# flowlab run card\n")?;
    writeln!(
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
    )
}

/// Writes the target mixture and, when there is one, the source mixture.
fn distributions(md: &mut String, report: &RunReport) -> std::fmt::Result {
    let s = &report.settings;
    let target = &report.target;
    writeln!(md, "## Target\n")?;
    mixture_table(md, target)?;
    if let Some(source) = &s.source {
        writeln!(
            md,
            "\n## Source\n\nThe flow starts (t = 1) from this mixture instead of N(0, I): it \
             transports the source to the target.\n"
        )?;
        mixture_table(md, source)?;
    }
    Ok(())
}

/// Writes the recipe: seed, network, loss, time sampling, optimiser, 1-RF and reflow.
fn recipe(md: &mut String, report: &RunReport) -> std::fmt::Result {
    let s = &report.settings;
    let t = &s.train;
    writeln!(md, "\n## Recipe\n")?;
    let net = &s.net;
    writeln!(
        md,
        "- **Seed**: {} (one seeded RNG for every draw; same seed and settings, same numbers).",
        s.seed
    )?;
    writeln!(
        md,
        "- **Network**: MLP, {} hidden layers of {} units, {} activation; input `(x, {})`.",
        net.depth,
        net.width,
        activation(net.activation),
        time_features(net.time_embedding)
    )?;
    writeln!(
        md,
        "- **Loss**: `E‖v_θ(x_t, t) − (z − x0)‖²`, mean over batch and dimensions."
    )?;
    writeln!(
        md,
        "- **Time sampling**: {}.",
        time_sampling(t.time_sampling)
    )?;
    writeln!(
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
            "the last iterate is kept".to_owned()
        }
    )?;
    let z_from = if s.source.is_some() {
        "z from the source"
    } else {
        "z ~ N(0, I)"
    };
    writeln!(
        md,
        "- **1-RF**: {} steps at batch {} on independent pairs ({z_from}, x0 from the target).",
        t.steps, t.batch
    )?;
    writeln!(
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
    )
}

/// Writes the recipe lines of the distillation and of the optional OT-CFM and diffusion runs.
fn comparisons(md: &mut String, report: &RunReport) -> std::fmt::Result {
    let s = &report.settings;
    let t = &s.train;
    match s.distill {
        Some(DistillMethod::Direct) => {
            writeln!(
                md,
                "- **Distillation**: direct, {} steps: the student's `x̂0 = z − v_s(z, 1)` is \
                 regressed onto the last flow's {}-step result for the same z ({} pairs).",
                s.distill_steps, s.pair_steps, s.reflow_pairs
            )?;
        }
        Some(DistillMethod::Progressive { start_steps }) => {
            writeln!(
                md,
                "- **Distillation**: progressive from {start_steps} steps, halving to 1, {} \
                 steps per stage.",
                s.distill_steps
            )?;
        }
        None => {
            writeln!(md, "- **Distillation**: none.")?;
        }
    }
    if s.ot_cfm {
        writeln!(
            md,
            "- **OT-CFM** (comparison): {} steps from fresh weights, like 1-RF, but each batch \
             of {} independent draws is paired by an exact optimal assignment (least total \
             ‖z − x0‖²) before the straight lines are drawn; its transport cost is that of \
             {} draws paired batch by batch.",
            t.steps, t.batch, s.reflow_pairs
        )?;
    }
    if s.diffusion {
        writeln!(
            md,
            "- **Diffusion path** (comparison): {} steps from fresh weights on independent \
             pairs, on the {} instead of the straight line; sampled with the same Euler steps \
             (the probability-flow ODE) and with the stochastic DDPM sampler (Euler–Maruyama \
             of the reverse SDE, score `−ẑ/σ` derived from the velocity, no noise on the last \
             step).",
            t.steps,
            FlowPath::VpLinear.describe()
        )?;
    }
    if s.consistency {
        writeln!(
            md,
            "- **Consistency distillation**: {} steps from 1-RF's weights, with 1-RF as the \
             teacher; the student f(x, t) = x − t·v(x, t) (so f(x, 0) = x exactly) learns to \
             agree with a moving average of itself one Heun step of the teacher further down \
             the teacher's ODE (a 16-step grid, target decay 0.9); sampled in 1 step, and in 2 \
             and 4 steps by re-noising its guess of x0 with fresh noise.",
            s.distill_steps
        )?;
    }
    if s.shortcut {
        writeln!(
            md,
            "- **Shortcut model**: {} steps from fresh weights, no teacher; the network is also \
             told the step size d; three quarters of each batch learn flow matching at d = 0, \
             a quarter learns that one step of 2d lands where two steps of d do (d from 1/2 \
             down to 1/128, the smallest read at d = 0, targets from the network itself). \
             Sampled in n Euler steps of size 1/n, each read at d = 1/n.",
            t.steps
        )?;
    }
    if s.meanflow {
        writeln!(
            md,
            "- **MeanFlow**: {} steps from fresh weights, no teacher; the network u(x, t, h) \
             learns the average velocity over [t − h, t] through the identity u = v − h·du/dt \
             (du/dt along the path by a Jacobian-vector product of the network, stopped \
             gradient); a quarter of each batch has h > 0, the rest is flow matching at h = 0. \
             Sampled in n Euler steps of size 1/n, each read at h = 1/n.",
            t.steps
        )?;
    }
    Ok(())
}

/// Writes the links to the figure files, if there are any.
fn figure_links(md: &mut String, figures: &[String]) -> std::fmt::Result {
    if !figures.is_empty() {
        writeln!(md, "\n## Figures\n")?;
        for stem in figures {
            writeln!(md, "- [{stem}]({stem}.png) ([svg]({stem}.svg))")?;
        }
    }
    Ok(())
}

/// Writes the closing advice on scaling the recipe up.
fn scaling_up(md: &mut String) -> std::fmt::Result {
    writeln!(
        md,
        "\n## Scaling this recipe up\n\nKeep the interpolant, loss and time sampling; widen and \
         deepen the network and raise the batch before the step count; keep reflow pairs ≥ 10× \
         the batch so a round does not memorise its pairs; compare every number to its floor \
         (the same measure on target samples of the same size) and read it with its standard \
         error."
    )
}

fn vector(v: &[f64]) -> String {
    let parts: Vec<String> = v.iter().map(|x| format_number(*x)).collect();
    format!("({})", parts.join(", "))
}

fn mixture_table(md: &mut String, mixture: &Mixture) -> std::fmt::Result {
    writeln!(
        md,
        "| component | weight | mean | std |\n|---:|---:|---|---|"
    )?;
    let weights = mixture.normalized_weights();
    for (i, c) in mixture.components.iter().enumerate() {
        writeln!(
            md,
            "| {} | {} | {} | {} |",
            i + 1,
            format_number(weights[i]),
            vector(&c.mean),
            vector(&c.std)
        )?;
    }
    Ok(())
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

fn evaluation_protocol(md: &mut String, report: &RunReport) -> std::fmt::Result {
    let e = &report.settings.eval;
    let target = &report.target;
    let draws = e.w2_repeats;
    writeln!(md, "\n## Evaluation protocol\n")?;
    writeln!(
        md,
        "Every quality number is the mean over {draws} independent draws of {} generated \
         points (fixed noise, the same for every round) and is shown ± its standard error \
         (the spread over the draws / √{draws}). Each has a floor: the same measure on samples \
         of the target itself, what a perfect sampler shows on average. A model can sit below \
         a floor by chance.\n",
        report.w2_points
    )?;
    writeln!(
        md,
        "- **Within-mode W2** (the main quality number): each generated point is assigned to \
         its most likely component k; W2_k compares the points of k with as many fresh draws \
         from component k; the result is `√(Σ_k w_k·W2_k²)`. It sees modes that are too wide \
         or mass smeared between them, and ignores how the mass is split between modes. \
         Floor: {} ± {}.",
        format_number(report.within_mode_floor),
        format_number(report.within_mode_floor_se)
    )?;
    writeln!(
        md,
        "- **Stray mass**: the share of points farther than 3 (Mahalanobis distance) from \
         every component — mass stranded between the modes. Floor: {} ± {}.",
        percent(report.stray_mass_floor),
        percent(report.stray_mass_floor_se)
    )?;
    writeln!(
        md,
        "- **Mode TV**: total variation between the fraction of samples nearest each component \
         and the weights, on {} points at the end of the {}-step path; it catches wrong \
         weights, which within-mode W2 ignores. Floor: {} ± {}.",
        e.coverage_points,
        e.path_steps,
        format_number(report.mode_tv_floor),
        format_number(report.mode_tv_floor_se)
    )?;
    writeln!(
        md,
        "- **W2**: {} against as many target points. On a multi-mode target it is dominated by \
         chance differences in how many points land in each mode: read it with its ±. Floor: \
         {} ± {} (mean of {} pairs of target samples).",
        if target.dim == 1 {
            "√ mean of squared differences of the sorted samples"
        } else {
            "√ of the mean squared distance of the optimal one-to-one matching (exact assignment)"
        },
        format_number(report.metric_floor_w2),
        format_number(report.metric_floor_w2_se),
        e.floor_repeats
    )?;
    writeln!(
        md,
        "- **Transport cost**: `E‖z − x0‖²` over the pairs a round trains on (1-RF: independent \
         pairs), ± its standard error."
    )?;
    if let (Some(cost), Some(error), Some(method)) = (
        report.ot_minimum_cost,
        report.ot_minimum_error,
        report.ot_minimum_method.as_deref(),
    ) {
        writeln!(
            md,
            "- **Optimal transport cost**: {} ± {} ({method}). No coupling of the source and the \
             target costs less: a round whose cost sits below it by more than its error (twice \
             its standard error and this error combined) is marked *drift* — its teacher no \
             longer generates the target, it has not found a better coupling.",
            format_number(cost),
            format_number(error)
        )?;
    }
    writeln!(
        md,
        "- **Straightness**: `∫ E‖(z − x̂0) − v(x_t, t)‖² dt` on the {}-step Euler path of {} \
         points; 0 means straight.",
        e.path_steps, e.coverage_points
    )?;
    Ok(())
}

fn results(md: &mut String, report: &RunReport) -> std::fmt::Result {
    writeln!(md, "\n## Results\n")?;
    for (name, why) in report.diverged_rounds() {
        writeln!(
            md,
            "> **Warning: {name} diverged** — {why}. Its numbers are not those of a trained \
             model; lower the learning rate.\n"
        )?;
    }
    rounds_table(md, report)?;
    super::showdown::showdown_table(md, report)?;
    let steps: BTreeSet<usize> = report
        .rounds
        .iter()
        .flat_map(|r| r.w2_by_steps.keys().copied())
        .collect();
    steps_table(
        md,
        "Within-mode W2 by Euler steps",
        report,
        &steps,
        Measure::WithinModeW2,
    )?;
    steps_table(md, "W2 by Euler steps", report, &steps, Measure::W2)?;
    ddpm_tables(md, report)?;
    writeln!(
        md,
        "\nTotal wall time {:.1} s, {:.0} training steps per second.",
        report.timings.total_seconds, report.timings.train_steps_per_second
    )?;
    Ok(())
}

/// Writes the table of every round at the reference step count, with its floors below.
fn rounds_table(md: &mut String, report: &RunReport) -> std::fmt::Result {
    let path_steps = report.settings.eval.path_steps;
    writeln!(
        md,
        "| round | transport cost | straightness | mode TV | stray mass | within-mode W2 | \
         train steps | train s |\n|---|---:|---:|---:|---:|---:|---:|---:|"
    )?;
    for r in &report.rounds {
        // A one-step student is measured at 1 step; flows at the reference path's steps.
        let at = if r.within_mode_w2_by_steps.contains_key(&path_steps) {
            path_steps
        } else {
            r.within_mode_w2_by_steps.keys().copied().max().unwrap_or(1)
        };
        writeln!(
            md,
            "| {} | {} ± {}{} | {} | {} | {} | {} | {} | {:.1} |",
            r.name,
            format_number(r.coupling_cost),
            format_number(r.coupling_cost_se),
            if report.cost_drift(r) { " (drift)" } else { "" },
            r.straightness.map_or("–".into(), format_number),
            format_number(r.mode_tv),
            with_se(
                &r.stray_mass_by_steps,
                &r.stray_mass_se_by_steps,
                at,
                percent
            ),
            with_se(
                &r.within_mode_w2_by_steps,
                &r.within_mode_w2_se_by_steps,
                at,
                format_number
            ),
            r.train_steps,
            r.train_seconds
        )?;
    }
    writeln!(
        md,
        "\nStray mass and within-mode W2 at {path_steps} Euler steps (a student at the most \
         steps it was measured at: 1 for the distilled one, 4 for the consistency student). \
         Floors: within-mode W2 {}, stray mass {}, mode TV {}.",
        format_number(report.within_mode_floor),
        percent(report.stray_mass_floor),
        format_number(report.mode_tv_floor)
    )
}

/// Writes one table per round sampled by the stochastic DDPM sampler.
fn ddpm_tables(md: &mut String, report: &RunReport) -> std::fmt::Result {
    let ddpm: Vec<_> = report
        .rounds
        .iter()
        .filter(|r| !r.ddpm_by_steps.is_empty())
        .collect();
    for r in ddpm {
        writeln!(
            md,
            "\n{} sampled by the stochastic DDPM sampler:\n\n| steps | within-mode W2 | stray \
             mass | mode TV | W2 |\n|---:|---:|---:|---:|---:|",
            r.name
        )?;
        for (n, q) in &r.ddpm_by_steps {
            writeln!(
                md,
                "| {n} | {} ± {} | {} ± {} | {} | {} ± {} |",
                format_number(q.within_mode_w2.mean),
                format_number(q.within_mode_w2.se),
                percent(q.stray_mass.mean),
                percent(q.stray_mass.se),
                format_number(q.mode_tv.mean),
                format_number(q.w2.mean),
                format_number(q.w2.se)
            )?;
        }
    }
    Ok(())
}

/// A table of one measure ± its standard error: a row per step count, a column per round.
fn steps_table(
    md: &mut String,
    title: &str,
    report: &RunReport,
    steps: &BTreeSet<usize>,
    measure: Measure,
) -> std::fmt::Result {
    writeln!(md, "\n{title} (± standard error):\n")?;
    write!(md, "| steps |")?;
    for r in &report.rounds {
        write!(md, " {} |", r.name)?;
    }
    write!(md, "\n|---:|")?;
    for _ in &report.rounds {
        write!(md, "---:|")?;
    }
    writeln!(md)?;
    for n in steps {
        write!(md, "| {n} |")?;
        for r in &report.rounds {
            write!(
                md,
                " {} |",
                with_se(
                    measure.by_steps(r),
                    measure.se_by_steps(r),
                    *n,
                    format_number
                )
            )?;
        }
        writeln!(md)?;
    }
    Ok(())
}

/// `mean ± se` at `steps`, or a dash when not measured.
fn with_se(
    means: &BTreeMap<usize, f64>,
    ses: &BTreeMap<usize, f64>,
    steps: usize,
    format: fn(f64) -> String,
) -> String {
    match means.get(&steps) {
        Some(&m) => match ses.get(&steps) {
            Some(&se) => format!("{} ± {}", format(m), format(se)),
            None => format(m),
        },
        None => "–".into(),
    }
}

fn percent(share: f64) -> String {
    format!("{} %", format_number(100.0 * share))
}
