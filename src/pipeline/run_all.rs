//! "Run all": the lecture's main line — 1-RF, the configured reflows, the distillation — and
//! what of it is still missing. The headless CLI and the app's worker both follow it.

use std::sync::atomic::AtomicBool;

use super::{Event, Pipeline, PipelineError, RoundKind};

/// One step of the main line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MainLineStep {
    /// Train 1-RF.
    Base,
    /// One more reflow round.
    Reflow,
    /// Distil a one-step student from the latest flow.
    Distill,
}

impl Pipeline {
    /// The next step "run all" still has to take, or `None` when the main line is complete:
    /// 1-RF if there is none, reflows until there are `1 + reflows` rectified rounds, then a
    /// distillation (if the settings ask for one) unless a student already follows the last
    /// rectified round.
    pub fn missing_step(&self) -> Option<MainLineStep> {
        let rounds = self.rounds();
        let rectified = rounds
            .iter()
            .filter(|r| matches!(r.kind, RoundKind::Rectified(_)))
            .count();
        if rectified == 0 {
            return Some(MainLineStep::Base);
        }
        if rectified < 1 + self.settings().reflows {
            return Some(MainLineStep::Reflow);
        }
        let last_of = |wanted: fn(RoundKind) -> bool| rounds.iter().rposition(|r| wanted(r.kind));
        let distilled_after_flow = last_of(|k| k == RoundKind::Distilled)
            > last_of(|k| matches!(k, RoundKind::Rectified(_)));
        (self.settings().distill.is_some() && !distilled_after_flow)
            .then_some(MainLineStep::Distill)
    }

    /// Takes one step of the main line.
    pub fn take_step(
        &mut self,
        step: MainLineStep,
        on_event: &mut dyn FnMut(Event),
        cancel: &AtomicBool,
    ) -> Result<(), PipelineError> {
        match step {
            MainLineStep::Base => self.train_base(on_event, cancel)?,
            MainLineStep::Reflow => self.reflow(on_event, cancel)?,
            MainLineStep::Distill => self.distill(on_event, cancel)?,
        };
        Ok(())
    }
}
