//! What the app remembers: settings and target across restarts ([`Persisted`]), and what the
//! current run has shown so far ([`RunView`]).

use std::collections::BTreeMap;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::export::Theme;
use crate::flow::Solver;
use crate::pipeline::{Phase, Settings};
use crate::target::presets::{DEFAULT_PRESET, preset};
use crate::target::{Component, Mixture};
use crate::worker::{RoundView, SampleSet};

/// Kept across restarts (eframe's storage).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct Persisted {
    /// The target being edited.
    pub target: Mixture,
    /// The preset it came from, if unchanged since.
    pub preset: Option<String>,
    /// Training settings.
    pub settings: Settings,
    /// Dark theme.
    pub dark: bool,
    /// Path in the load/save box.
    pub target_path: String,
    /// Step slider.
    pub steps: usize,
    /// Sampler choice.
    pub solver: Solver,
    /// Folder the exports go to.
    pub export_dir: String,
    /// Path in the session box.
    pub session_path: String,
    /// Background of exported figures.
    pub figure_theme: Theme,
    /// Presentation mode: everything larger for a projector.
    pub presentation: bool,
}

impl Default for Persisted {
    fn default() -> Self {
        Self {
            target: default_target(),
            preset: Some(DEFAULT_PRESET.to_string()),
            settings: lecture_settings(),
            dark: false,
            target_path: "target.toml".to_string(),
            steps: 20,
            solver: Solver::Euler,
            export_dir: "flowlab-export".to_string(),
            session_path: "lecture.flowlab".to_string(),
            figure_theme: Theme::Light,
            presentation: false,
        }
    }
}

/// The default preset, or two modes if it could not be read.
pub fn default_target() -> Mixture {
    preset(DEFAULT_PRESET).unwrap_or_else(|_| Mixture {
        dim: 2,
        components: vec![
            Component {
                weight: 0.5,
                mean: vec![-4.0, 0.0],
                std: vec![0.4, 0.4],
            },
            Component {
                weight: 0.5,
                mean: vec![4.0, 0.0],
                std: vec![0.4, 0.4],
            },
        ],
    })
}

/// Settings for a live lecture: the engine's defaults, with progress reported often and a
/// lighter evaluation so a round's numbers appear within a second or two.
pub fn lecture_settings() -> Settings {
    let mut s = Settings::default();
    s.train.report_every = 5;
    s.eval.w2_points = Some(500);
    s.eval.coverage_points = 2000;
    s.eval.step_counts = vec![1, 2, 4, 8, 20, 50, 100];
    s
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

/// Which model the main view shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Selection {
    /// The network in training.
    Live,
    /// A finished round.
    Round(usize),
}

/// The phase running now.
#[derive(Clone, Debug)]
pub struct ProgressView {
    pub round: String,
    pub phase: Phase,
    pub done: usize,
    pub total: usize,
    pub started: Instant,
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

    /// Seconds left at the speed so far (None until something is done).
    pub fn seconds_left(&self) -> Option<f64> {
        (self.done > 0).then(|| {
            let elapsed = self.started.elapsed().as_secs_f64();
            elapsed / self.done as f64 * (self.total.saturating_sub(self.done)) as f64
        })
    }
}

/// What the UI has received for the current run.
#[derive(Default)]
pub struct RunView {
    /// W2 metric floor and its sample size, once the run is set up.
    pub floor_w2: Option<f64>,
    pub w2_points: usize,
    /// Finished rounds, oldest first.
    pub rounds: Vec<RoundView>,
    /// The newest picture of each round.
    pub pictures: BTreeMap<usize, SampleSet>,
    /// The newest picture of the network in training.
    pub live: Option<SampleSet>,
    /// Losses of the round in training.
    pub live_losses: Vec<(usize, f32)>,
    /// The phase running now.
    pub progress: Option<ProgressView>,
}

impl RunView {
    /// The newest picture of `selection`. While training, before the first live preview
    /// arrives, the latest round's picture stands in for the live model's.
    pub fn picture(&self, selection: Selection) -> Option<&SampleSet> {
        match selection {
            Selection::Live => self
                .live
                .as_ref()
                .or_else(|| self.rounds.last().and_then(|r| self.pictures.get(&r.index))),
            Selection::Round(i) => self.pictures.get(&i),
        }
    }
}

/// Things the user asked for while the frame was drawn; applied after it.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Start or continue: 1-RF if nothing is trained, resume if paused.
    Play,
    Pause,
    Stop,
    Reset,
    Reflow,
    Distill,
    RunAll,
    /// Train OT-CFM beside the rectified rounds.
    OtCfm,
    /// Train on the diffusion path beside the straight one.
    Diffusion,
    /// Train the class-conditional model for classifier-free guidance.
    Guided,
    /// Replace the target by a preset.
    Preset(String),
    /// The target was edited in place.
    TargetEdited,
    /// A setting changed.
    SettingsEdited,
    LoadTarget,
    SaveTarget,
    /// Write one chart as PNG and SVG into the export folder.
    ExportChart(Chart),
    /// Write the figure set, data, run card and session into the export folder.
    ExportAll,
    /// Save the session to the session path.
    SaveSession,
    /// Open the session at the session path.
    OpenSession,
    /// Open a dropped file: a target (`.toml`) or a session (`.flowlab`).
    OpenFile(std::path::PathBuf),
    /// One more or one fewer step on the step slider (doubling or halving).
    StepsUp,
    StepsDown,
    /// Select the next or previous round.
    NextRound,
    PreviousRound,
}

/// A chart that can be exported on its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Chart {
    /// The selected model's samples over the target density.
    Samples,
    /// The selected model's paths.
    Paths,
    /// The selected model's velocity field at the scrubber's time.
    Field,
    /// Training loss of every round.
    Loss,
    /// Transport cost per round.
    Cost,
    /// Straightness per round.
    Straightness,
    /// W2 against Euler steps.
    W2,
    /// Every round's paths side by side.
    SideBySide,
}
