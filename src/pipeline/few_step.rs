//! Rounds made for sampling in few steps beyond distillation: consistency distillation from
//! the latest flow ([`Pipeline::consistency`]).

use std::sync::atomic::AtomicBool;

use super::{Event, Pipeline, PipelineError, Round, RoundKind, cost_estimate, train_phase};
use crate::flow::{ConsistencyConfig, Pairs, Solver, TrainConfig, consistency_distill, integrate};

/// Name of the consistency-distilled round.
pub const CONSISTENCY_ROUND: &str = "consistency";

impl Pipeline {
    /// Distils the latest flow into a consistency student (see
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
        let teacher =
            super::latest_flow(&self.rounds)
                .map(|r| &r.net)
                .ok_or(PipelineError::Order(
                    "train 1-RF before consistency distillation",
                ))?;
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
            0.0,
            on_event,
            cancel,
        )
    }
}
