//! Rounds made for sampling in few steps beyond distillation: consistency distillation from
//! 1-RF ([`Pipeline::consistency`]), and two trained from scratch with no teacher, the
//! shortcut model ([`Pipeline::shortcut`]) and `MeanFlow` ([`Pipeline::meanflow`]).

use std::sync::atomic::AtomicBool;

use super::{Event, Pipeline, PipelineError, Round, RoundKind, Spent, cost_estimate, train_phase};
use rand::rngs::StdRng;

use crate::flow::{
    ConsistencyConfig, FlowError, MeanFlowConfig, NetConfig, Pairs, ShortcutConfig, Solver,
    TrainConfig, TrainProgress, TrainStats, VelocityNet, consistency_distill, integrate,
    train_meanflow, train_shortcut,
};
use crate::target::Source;

/// Name of the consistency-distilled round.
pub const CONSISTENCY_ROUND: &str = "consistency";
/// Name of the shortcut-model round.
pub const SHORTCUT_ROUND: &str = "shortcut";
/// Name of the `MeanFlow` round.
pub const MEANFLOW_ROUND: &str = "MeanFlow";

impl Pipeline {
    /// Distils 1-RF into a consistency student (see
    /// [`crate::flow::consistency_distill`]) with the distillation's step count and the 1-RF
    /// batch and optimiser; measured at 1, 2 and 4 steps of multistep consistency sampling.
    /// Its coupling cost is that of its own one-step map, `(z, f(z, 1))` over `reflow_pairs`
    /// fresh draws of the noise.
    pub fn consistency(
        &mut self,
        on_event: &mut dyn FnMut(Event),
        cancel: &AtomicBool,
    ) -> Result<&Round, PipelineError> {
        self.refuse_second(
            RoundKind::Consistency,
            "the consistency student is already trained",
        )?;
        // 1-RF, not the latest flow: its ODE's marginals are those of independent pairs, so
        // re-noising a guess with fresh noise lands where it was trained (see the README).
        let teacher_round = self
            .rounds
            .iter()
            .find(|r| r.kind == RoundKind::Rectified(1))
            .ok_or(PipelineError::Order(
                "train 1-RF before consistency distillation",
            ))?;
        let teacher = &teacher_round.net;
        let spent = Spent {
            teacher_evaluations: teacher_round.report.network_evaluations,
            ..Spent::default()
        };
        let config = ConsistencyConfig::new(TrainConfig {
            steps: self.settings.distill_steps,
            ..self.settings.train
        });
        let source = self.settings.noise_source(self.target.dim);
        let target = &self.target;
        let (student, stats) = train_phase(
            CONSISTENCY_ROUND,
            config.train.steps,
            &mut self.rng,
            on_event,
            &mut self.watcher,
            |rng, report| {
                consistency_distill(teacher, source, target, &config, rng, report, cancel)
            },
        )?;
        let z = source.sample(self.settings.reflow_pairs, &mut self.rng);
        let x0 = integrate(&student, &z, Solver::Euler, 1)?;
        let cost = cost_estimate(&Pairs { z, x0 });
        self.finish_round(
            CONSISTENCY_ROUND.to_owned(),
            RoundKind::Consistency,
            student,
            cost,
            stats,
            spent,
            on_event,
            cancel,
        )
    }

    /// Trains a shortcut model from scratch with the 1-RF settings (a quarter of each batch
    /// for self-consistency, steps down to 1/128); measured at the evaluation's step counts,
    /// each step of size 1/steps read at that size. Its coupling cost is that of its
    /// one-step map.
    pub fn shortcut(
        &mut self,
        on_event: &mut dyn FnMut(Event),
        cancel: &AtomicBool,
    ) -> Result<&Round, PipelineError> {
        self.refuse_second(RoundKind::Shortcut, "the shortcut model is already trained")?;
        let config = ShortcutConfig::new(self.settings.train);
        let (source, target) = (self.settings.source.clone(), self.target.clone());
        let source = Source::new(source.as_ref(), target.dim);
        self.train_interval(
            (RoundKind::Shortcut, SHORTCUT_ROUND),
            on_event,
            cancel,
            |net, rng, report| train_shortcut(net, source, &target, &config, rng, report, cancel),
        )
    }

    /// Trains a `MeanFlow` model from scratch with the 1-RF settings (a quarter of each batch
    /// on intervals r < t); measured like the shortcut model.
    pub fn meanflow(
        &mut self,
        on_event: &mut dyn FnMut(Event),
        cancel: &AtomicBool,
    ) -> Result<&Round, PipelineError> {
        self.refuse_second(RoundKind::MeanFlow, "the MeanFlow model is already trained")?;
        let config = MeanFlowConfig::new(self.settings.train);
        let (source, target) = (self.settings.source.clone(), self.target.clone());
        let source = Source::new(source.as_ref(), target.dim);
        self.train_interval(
            (RoundKind::MeanFlow, MEANFLOW_ROUND),
            on_event,
            cancel,
            |net, rng, report| train_meanflow(net, source, &target, &config, rng, report, cancel),
        )
    }

    /// A fresh interval network (told the step length) trained by `train`, then measured.
    fn train_interval(
        &mut self,
        (kind, name): (RoundKind, &str),
        on_event: &mut dyn FnMut(Event),
        cancel: &AtomicBool,
        train: impl FnOnce(
            &VelocityNet,
            &mut StdRng,
            &mut dyn FnMut(TrainProgress<'_>),
        ) -> Result<TrainStats, FlowError>,
    ) -> Result<&Round, PipelineError> {
        let config = NetConfig {
            interval: true,
            ..self.settings.net
        };
        let net = VelocityNet::new(self.target.dim, config, &mut self.rng)?;
        let stats = train_phase(
            name,
            self.settings.train.steps,
            &mut self.rng,
            on_event,
            &mut self.watcher,
            |rng, report| train(&net, rng, report),
        )?;
        let source = self.settings.noise_source(self.target.dim);
        let z = source.sample(self.settings.reflow_pairs, &mut self.rng);
        let x0 = integrate(&net, &z, Solver::Euler, 1)?;
        let cost = cost_estimate(&Pairs { z, x0 });
        self.finish_round(
            name.to_owned(),
            kind,
            net,
            cost,
            stats,
            Spent::default(),
            on_event,
            cancel,
        )
    }
}
