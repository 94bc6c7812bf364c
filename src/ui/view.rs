//! How the run is looked at: which model, at which time t, with which overlays, alone or
//! every round side by side, and the guidance controls. Owned by the app, changed by the
//! view panel's widgets and by [`super::action::Action`]s.

use super::action::{Action, Chart};
use super::app::MAX_STEPS;
use super::received::RunView;
use super::state::Persisted;
use crate::pipeline::Measure;
use crate::target::Mixture;

/// Which model the main view shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Selection {
    /// The network in training.
    Live,
    /// A finished round.
    Round(usize),
}

/// Guided sampling of the class-conditional round: on or off, which class, which scale w.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GuidanceControls {
    /// Draw the guided round's pictures with guidance (else its unconditional field).
    pub on: bool,
    /// The class (target component) guided towards.
    pub class: usize,
    /// The guidance scale w.
    pub w: f32,
}

impl Default for GuidanceControls {
    fn default() -> Self {
        Self {
            on: true,
            class: 0,
            w: 1.0,
        }
    }
}

/// Lines between the (noise, data) pairs the selected round trained on, computed once per
/// pair of pictures they come from.
#[derive(Default)]
struct CouplingCache {
    /// (round, its picture's serial, the teacher picture's serial or 0).
    key: Option<(usize, u64, u64)>,
    lines: Vec<[[f64; 2]; 2]>,
}

/// The view's state.
pub struct ViewState {
    /// The model shown.
    pub selection: Selection,
    /// The scrubber's time, 1 = noise, 0 = data.
    pub scrub_t: f32,
    /// The scrubber is playing towards t = 0.
    pub scrub_playing: bool,
    /// Draw the velocity field at the scrubber's time.
    pub show_field: bool,
    /// Draw the training pairs under the paths.
    pub show_coupling: bool,
    /// Every round's paths next to each other.
    pub side_by_side: bool,
    /// Guided sampling of the class-conditional round.
    pub guidance: GuidanceControls,
    /// Bumped to reset the plots' zoom (a new target).
    pub generation: u64,
    /// Seconds Play takes from t = 1 to t = 0.
    pub play_seconds: f32,
    /// A chart shown big in the main view, in place of the target.
    pub enlarged: Option<Chart>,
    /// The measure the quality chart draws against steps.
    pub measure: Measure,
    coupling: CouplingCache,
}

impl Default for ViewState {
    fn default() -> Self {
        Self {
            selection: Selection::Live,
            scrub_t: 0.0,
            scrub_playing: false,
            show_field: false,
            show_coupling: false,
            side_by_side: false,
            guidance: GuidanceControls::default(),
            generation: 0,
            play_seconds: 3.0,
            enlarged: None,
            measure: Measure::default(),
            coupling: CouplingCache::default(),
        }
    }
}

impl ViewState {
    /// Selects the next (`forward`) or previous round, from the live model the last round.
    pub fn step_round(&mut self, run: &RunView, forward: bool) {
        let count = run.rounds.len();
        if count == 0 {
            return;
        }
        let now = match self.selection {
            Selection::Round(i) => i,
            Selection::Live => count - 1,
        };
        let next = if forward {
            (now + 1).min(count - 1)
        } else {
            now.saturating_sub(1)
        };
        self.selection = Selection::Round(next);
    }

    /// Moves the playing scrubber on by `dt` seconds; true while it still plays.
    pub fn advance_scrubber(&mut self, dt: f32) -> bool {
        if !self.scrub_playing {
            return false;
        }
        self.scrub_t -= dt / self.play_seconds.max(0.1);
        if self.scrub_t <= 0.0 {
            self.scrub_t = 0.0;
            self.scrub_playing = false;
        }
        self.scrub_playing
    }

    /// Plays the scrubber from noise, or pauses it.
    pub fn toggle_play(&mut self) {
        if !self.scrub_playing && self.scrub_t <= 0.0 {
            self.scrub_t = 1.0;
        }
        self.scrub_playing = !self.scrub_playing;
    }

    /// Shows the next chart big (none → loss → cost → straightness → W2 → showdown → none).
    pub fn cycle_enlarged(&mut self) {
        const ORDER: [Chart; 5] = [
            Chart::Loss,
            Chart::Cost,
            Chart::Straightness,
            Chart::Quality,
            Chart::Showdown,
        ];
        self.enlarged = match self.enlarged {
            None => Some(ORDER[0]),
            Some(c) => ORDER
                .iter()
                .position(|&o| o == c)
                .and_then(|k| ORDER.get(k + 1))
                .copied(),
        };
    }

    /// A new target: forget the zoom of every plot.
    pub fn reset_zoom(&mut self) {
        self.generation += 1;
    }

    /// The (class, w) the selected round's picture is guided by: only for the
    /// class-conditional round, with guided sampling on, outside the side-by-side view.
    pub fn active_guidance(&self, run: &RunView) -> Option<(usize, f32)> {
        let Selection::Round(i) = self.selection else {
            return None;
        };
        let guided = run
            .rounds
            .get(i)
            .is_some_and(|r| r.report.guidance.is_some());
        (guided && self.guidance.on && !self.side_by_side)
            .then_some((self.guidance.class, self.guidance.w))
    }

    /// Lines between the (noise, data) pairs the selected round trains on, for the paths
    /// shown: 1-RF pairs each noise point with an independent target sample; a later round
    /// pairs it with where its teacher carries it (same noise, so particle i is the same z).
    /// Computed when the pictures change, borrowed every frame after.
    pub fn coupling_lines(&mut self, run: &RunView, target: &Mixture) -> &[[[f64; 2]; 2]] {
        let key = self.coupling_key(run);
        if key != self.coupling.key {
            self.coupling.lines = key.map_or_else(Vec::new, |_| coupling(run, target, self));
            self.coupling.key = key;
        }
        &self.coupling.lines
    }

    fn coupling_key(&self, run: &RunView) -> Option<(usize, u64, u64)> {
        let Selection::Round(i) = self.selection else {
            return None;
        };
        let picture = run.pictures.get(&i)?;
        let teacher = match run.teacher_of(i) {
            Some(t) => run.pictures.get(&t)?.serial,
            None => 0,
        };
        Some((i, picture.serial, teacher))
    }
}

fn coupling(run: &RunView, target: &Mixture, view: &ViewState) -> Vec<[[f64; 2]; 2]> {
    let Selection::Round(i) = view.selection else {
        return Vec::new();
    };
    let Some(picture) = run.pictures.get(&i) else {
        return Vec::new();
    };
    let tr = &picture.trajectory;
    if tr.particles == 0 {
        return Vec::new();
    }
    let dim = tr.dim;
    let z = tr.frame(0);
    let x0: Vec<f32> = match run.teacher_of(i) {
        None => {
            use rand::SeedableRng as _;
            let mut rng = rand::rngs::StdRng::seed_from_u64(0);
            target.sample(tr.particles, &mut rng).data
        }
        Some(t) => match run.pictures.get(&t) {
            Some(p) if p.trajectory.particles == tr.particles => {
                p.trajectory.frame(p.trajectory.frames() - 1).to_vec()
            }
            _ => return Vec::new(),
        },
    };
    (0..tr.particles)
        .map(|k| {
            let a = &z[k * dim..(k + 1) * dim];
            let b = &x0[k * dim..(k + 1) * dim];
            if dim == 1 {
                [[1.0, f64::from(a[0])], [0.0, f64::from(b[0])]]
            } else {
                [
                    [f64::from(a[0]), f64::from(a[1])],
                    [f64::from(b[0]), f64::from(b[1])],
                ]
            }
        })
        .collect()
}

/// The step slider, the round shown and the overlays.
pub(super) fn view_action(
    view: &mut ViewState,
    persisted: &mut Persisted,
    run: &RunView,
    action: &Action,
) {
    match *action {
        Action::StepsUp => persisted.steps = (persisted.steps * 2).min(MAX_STEPS),
        Action::StepsDown => persisted.steps = (persisted.steps / 2).max(1),
        Action::SetSteps(n) => persisted.steps = n.clamp(1, MAX_STEPS),
        Action::SetSolver(solver) => persisted.solver = solver,
        Action::NextRound => view.step_round(run, true),
        Action::PreviousRound => view.step_round(run, false),
        Action::Select(selection) => view.selection = selection,
        Action::SideBySide(on) => view.side_by_side = on,
        Action::ShowField(at) => {
            view.show_field = at.is_some();
            if let Some(t) = at {
                view.scrub_t = t.clamp(0.0, 1.0);
            }
        }
        Action::ShowCoupling(on) => view.show_coupling = on,
        Action::Enlarge(chart) => view.enlarged = chart,
        Action::CycleChart => view.cycle_enlarged(),
        Action::SetMeasure(measure) => view.measure = measure,
        _ => {}
    }
}
