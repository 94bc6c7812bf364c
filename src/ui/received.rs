//! What the UI has received from the worker for the current run: the rounds, the newest
//! picture of each, the progress of the phase running now. Pictures are turned into plot
//! points once, when they arrive, and borrowed by the plots every frame.

use std::collections::BTreeMap;
use std::ops::Deref;

use egui_plot::PlotPoint;

use super::view::{Selection, ViewState};
use crate::flow::Solver;
use crate::metrics::OtMinimum;
use crate::pipeline::{DIFFUSION_ROUND, Phase, QualityFloors, RoundKind, TimeLeft};
use crate::worker::{PictureOf, RoundView, SampleSet, Update};

/// The phase running now.
#[derive(Clone, Debug)]
pub struct ProgressView {
    /// Round name.
    pub round: String,
    /// What the phase does.
    pub phase: Phase,
    /// Units done.
    pub done: usize,
    /// Units in all.
    pub total: usize,
    /// The progress reports so far, for the time-left estimate.
    pub time_left: TimeLeft,
}

impl ProgressView {
    /// Fraction done, 0..=1.
    pub fn fraction(&self) -> f32 {
        if self.total == 0 {
            0.0
        } else {
            (self.done as f32 / self.total as f32).clamp(0.0, 1.0)
        }
    }

    /// Seconds left at the speed so far (None until something is done; see [`TimeLeft`]).
    pub fn seconds_left(&self) -> Option<f64> {
        self.time_left.seconds_left()
    }
}

/// A picture as received, with its paths already in plot coordinates (2-D: the plane; 1-D:
/// the (t, x) plane), so drawing borrows them instead of rebuilding them every frame.
#[derive(Clone, Debug)]
pub struct Picture {
    /// The samples, paths, labels and numbers as the worker sent them.
    pub set: SampleSet,
    /// One polyline per recorded particle.
    pub paths: Vec<Vec<PlotPoint>>,
    /// Numbers the pictures in order of arrival: a cache keyed by it is fresh.
    pub serial: u64,
    /// The quality numbers are an earlier live picture's, kept until this one is measured
    /// (live numbers come every few seconds, pictures several times a second).
    pub earlier_numbers: bool,
}

impl Picture {
    /// Wraps `set`, converting its paths once.
    pub fn new(set: SampleSet, serial: u64) -> Self {
        let tr = &set.trajectory;
        let paths = (0..tr.particles)
            .map(|i| {
                (0..tr.frames())
                    .map(|k| {
                        let f = tr.frame(k);
                        if tr.dim == 1 {
                            PlotPoint::new(f64::from(tr.times[k]), f64::from(f[i]))
                        } else {
                            PlotPoint::new(f64::from(f[2 * i]), f64::from(f[2 * i + 1]))
                        }
                    })
                    .collect()
            })
            .collect();
        Self {
            set,
            paths,
            serial,
            earlier_numbers: false,
        }
    }
}

impl Deref for Picture {
    type Target = SampleSet;

    fn deref(&self) -> &SampleSet {
        &self.set
    }
}

/// What the UI has received for the current run.
#[derive(Default)]
pub struct RunView {
    /// What a perfect sampler scores on each quality number, once the run is set up.
    pub floors: Option<QualityFloors>,
    /// Points per W2 sample.
    pub w2_points: usize,
    /// The optimal transport cost from the source to the target, once the run is set up.
    pub ot_minimum: Option<OtMinimum>,
    /// Finished rounds, oldest first.
    pub rounds: Vec<RoundView>,
    /// The newest picture of each round.
    pub pictures: BTreeMap<usize, Picture>,
    /// The newest picture of the network in training.
    pub live: Option<Picture>,
    /// Losses of the round in training.
    pub live_losses: Vec<(usize, f32)>,
    /// The phase running now.
    pub progress: Option<ProgressView>,
}

impl RunView {
    /// The newest picture of `selection`. While training, before the first live preview
    /// arrives, the latest round's picture stands in for the live model's.
    pub fn picture(&self, selection: Selection) -> Option<&Picture> {
        match selection {
            Selection::Live => self
                .live
                .as_ref()
                .or_else(|| self.rounds.last().and_then(|r| self.pictures.get(&r.index))),
            Selection::Round(i) => self.pictures.get(&i),
        }
    }

    /// The name of the model `selection` shows.
    pub fn model_name(&self, selection: Selection) -> Option<String> {
        match selection {
            Selection::Live => self
                .progress
                .as_ref()
                .map(|p| format!("{} (live)", p.round))
                .or_else(|| self.rounds.last().map(|r| r.report.name.clone())),
            Selection::Round(i) => self.rounds.get(i).map(|r| r.report.name.clone()),
        }
    }

    /// True when `selection` is a one-step student (a distilled round).
    pub fn is_student(&self, selection: Selection) -> bool {
        matches!(selection, Selection::Round(i) if self.rounds.get(i).is_some_and(|r| r.distilled))
    }

    /// The step count a picture of `selection` is drawn at: the slider's, except for a
    /// one-step student, which is drawn and measured at its own single step.
    pub fn shown_steps(&self, selection: Selection, slider: usize) -> usize {
        if self.is_student(selection) {
            1
        } else {
            slider
        }
    }

    /// True when `selection` is the diffusion round (the one the stochastic sampler is for).
    pub fn is_diffusion(&self, selection: Selection) -> bool {
        matches!(selection, Selection::Round(i)
            if self.rounds.get(i).is_some_and(|r| r.report.name == DIFFUSION_ROUND))
    }

    /// The solver a picture of `selection` is drawn with: the chosen one, except that the
    /// consistency student always samples its own way, a one-step student takes its one
    /// Euler step (it has no field for an adaptive solver to follow), and the stochastic DDPM
    /// sampler needs the diffusion round (other rounds use Euler then).
    pub fn shown_solver(&self, selection: Selection, chosen: Solver) -> Solver {
        let own = match selection {
            Selection::Round(i) => self.rounds.get(i).map(|r| r.sampler),
            Selection::Live => None,
        };
        if own == Some(Solver::Consistency) {
            Solver::Consistency
        } else if (chosen.is_stochastic() && !self.is_diffusion(selection))
            || (chosen.is_adaptive() && self.is_student(selection))
        {
            Solver::Euler
        } else {
            chosen
        }
    }

    /// Applies one update (a picture gets serial `next_serial`, which then moves on; `view`
    /// follows a new round); returns it when it is the app's to act on.
    pub fn take(
        &mut self,
        update: Update,
        view: &mut ViewState,
        busy: bool,
        next_serial: &mut u64,
    ) -> Option<Update> {
        let run = self;
        match update {
            Update::RunReady {
                floors,
                w2_points,
                ot_minimum,
            } => {
                run.floors = Some(floors);
                run.w2_points = w2_points;
                run.ot_minimum = Some(ot_minimum);
            }
            Update::PhaseStarted(p) => {
                if p.phase == Phase::Train {
                    run.live_losses.clear();
                }
                run.progress = Some(ProgressView {
                    round: p.round,
                    phase: p.phase,
                    done: 0,
                    total: p.total,
                    time_left: TimeLeft::new(p.total),
                });
            }
            Update::Progress(p) => {
                if let Some(now) = run.progress.as_mut() {
                    now.done = p.done;
                    // The worker's clock: reports are read here in bursts, once a frame.
                    now.time_left.observe(p.seconds, p.done);
                }
                if let Some(l) = p.loss {
                    run.live_losses.push((p.done, l));
                }
            }
            Update::RoundFinished(round) => {
                let index = round.index;
                run.rounds.push(*round);
                run.live = None;
                run.live_losses.clear();
                // While more is queued the view follows the training; else the new round.
                if view.selection != Selection::Live || !busy {
                    view.selection = Selection::Round(index);
                }
            }
            Update::Samples(set) => {
                let picture = Picture::new(*set, *next_serial);
                *next_serial += 1;
                match picture.of.clone() {
                    PictureOf::Live(_) => {
                        // Live numbers are measured every few seconds, not with every
                        // picture: the last ones stay until new ones come.
                        let mut picture = picture;
                        if picture.quality.is_none()
                            && let Some(last) = run.live.as_ref().filter(|l| {
                                l.of == picture.of
                                    && l.solver == picture.solver
                                    && l.steps == picture.steps
                            })
                        {
                            picture.set.quality = last.quality;
                            picture.earlier_numbers = last.quality.is_some();
                        }
                        run.live = Some(picture);
                    }
                    PictureOf::Round(i) => {
                        run.pictures.insert(i, picture);
                    }
                }
            }
            Update::Quality {
                of,
                solver,
                steps,
                quality,
            } => {
                let picture = match of {
                    PictureOf::Live(_) => run.live.as_mut(),
                    PictureOf::Round(i) => run.pictures.get_mut(&i),
                };
                if let Some(p) = picture.filter(|p| p.solver == solver && p.steps == steps) {
                    p.set.quality = Some(quality);
                    p.earlier_numbers = false;
                }
            }
            Update::Idle => {
                run.progress = None;
                run.live = None;
                if view.selection == Selection::Live
                    && let Some(last) = run.rounds.last()
                {
                    view.selection = Selection::Round(last.index);
                }
            }
            Update::Failed { .. } => {
                run.progress = None;
                return Some(update);
            }
            other => return Some(other),
        }
        None
    }

    /// The round whose own pairs round `index` was trained on: the latest rectified flow
    /// before it for a reflow or a distilled student, 1-RF for the consistency student, and
    /// `None` for the rounds trained on independent draws (1-RF and the comparisons).
    pub fn teacher_of(&self, index: usize) -> Option<usize> {
        let round = self.rounds.get(index)?;
        let before = self.rounds[..index].iter();
        match round.kind {
            RoundKind::Rectified(k) if k > 1 => before.rev().find(|r| r.is_teacher()),
            RoundKind::Distilled => before.rev().find(|r| r.is_teacher()),
            RoundKind::Consistency => before
                .into_iter()
                .find(|r| r.kind == RoundKind::Rectified(1)),
            _ => None,
        }
        .map(|r| r.index)
    }
}
