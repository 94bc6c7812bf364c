//! Everything the user can ask for, as data: buttons, shortcuts and scripted scenarios all
//! push [`Action`]s, which the app applies after the frame is drawn.

use std::path::PathBuf;

use super::dialogs::Purpose;
use super::view::Selection;

/// Things the user asked for while the frame was drawn; applied after it.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Start or continue: 1-RF if nothing is trained, resume if paused.
    Play,
    /// Hold training between two steps.
    Pause,
    /// Stop the running phase; finished rounds are kept.
    Stop,
    /// Forget every round.
    Reset,
    /// One reflow round.
    Reflow,
    /// Distil a one-step student.
    Distill,
    /// Whatever is missing of 1-RF, the reflows and the distillation.
    RunAll,
    /// Train OT-CFM beside the rectified rounds.
    OtCfm,
    /// Train on the diffusion path beside the straight one.
    Diffusion,
    /// Train the class-conditional model for classifier-free guidance.
    Guided,
    /// Distil a consistency student from 1-RF.
    Consistency,
    /// Train a shortcut model from fresh weights.
    Shortcut,
    /// Train a `MeanFlow` model from fresh weights.
    MeanFlow,
    /// Replace the target by a preset.
    Preset(String),
    /// The target was edited in place.
    TargetEdited,
    /// A setting changed.
    SettingsEdited,
    /// Start the flow from this preset (`Some`) or from N(0, I) (`None`).
    SetSource(Option<String>),
    /// Load the target (or a CSV of points) at the path in the target box.
    LoadTarget,
    /// Save the target to the path in the target box.
    SaveTarget,
    /// Write one chart as PNG and SVG into the export folder.
    ExportChart(Chart),
    /// Write the figure set, data, run card and session into the export folder.
    ExportAll,
    /// Save the session to the session path.
    SaveSession,
    /// Open the session at the session path.
    OpenSession,
    /// Open a dropped file: a target (`.toml`), points (`.csv`) or a session (`.flowlab`).
    OpenFile(PathBuf),
    /// Fit a target to a CSV of points chosen in a dialog.
    LoadData,
    /// Choose the export folder in a dialog.
    ChooseExportFolder,
    /// A file dialog chose this path.
    Chosen(Purpose, PathBuf),
    /// No file dialog could be shown: the path fields stand in.
    NoDialog,
    /// Open this folder in the file manager.
    OpenFolder(PathBuf),
    /// Undo the last edit of the target, the source or the settings (its run comes back).
    Undo,
    /// Redo the last undone edit.
    Redo,
    /// Switch the view to this kept run (see the Runs list).
    SwitchRun(u64),
    /// Reopen the run autosaved before this start.
    ReopenAutosave,
    /// Set the autosaved run aside without reopening it.
    DismissAutosave,
    /// Double the steps on the step slider.
    StepsUp,
    /// Halve the steps on the step slider.
    StepsDown,
    /// Set the step slider.
    SetSteps(usize),
    /// Choose the sampler (the solver menu).
    SetSolver(crate::flow::Solver),
    /// Select the next round.
    NextRound,
    /// Select the previous round.
    PreviousRound,
    /// Show this model.
    Select(Selection),
    /// Every round side by side (or one at a time).
    SideBySide(bool),
    /// Draw the velocity field at this t (the scrubber moves there), or stop drawing it.
    ShowField(Option<f32>),
    /// Draw the training pairs under the paths.
    ShowCoupling(bool),
    /// Show a chart big in the main view (`None`: the target again).
    Enlarge(Option<Chart>),
    /// Show the next chart big.
    CycleChart,
    /// Draw this measure on the quality chart.
    SetMeasure(crate::pipeline::Measure),
    /// Open or close the keyboard-shortcut overlay.
    ToggleHelp,
    /// Close the keyboard-shortcut overlay.
    CloseHelp,
    /// Presentation mode on or off.
    TogglePresentation,
    /// Hide or show the side panels.
    ToggleControls,
    /// Light or dark theme.
    ToggleTheme,
    /// Full screen on or off.
    ToggleFullscreen,
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
    /// A quality measure (within-mode W2, stray mass or W2) against Euler steps.
    Quality,
    /// Every round's paths side by side.
    SideBySide,
    /// Distance to the class centre and spread against the guidance scale w.
    Guidance,
    /// Quality at 1, 2 and 4 steps against the network evaluations each round cost.
    Showdown,
}

impl Chart {
    /// File name stem of the exported chart.
    pub fn stem(self) -> &'static str {
        match self {
            Self::Samples => "samples",
            Self::Paths => "paths",
            Self::Field => "field",
            Self::Loss => "loss",
            Self::Cost => "transport_cost",
            Self::Straightness => "straightness",
            Self::Quality => "quality_by_steps",
            Self::SideBySide => "side_by_side",
            Self::Guidance => "guidance",
            Self::Showdown => crate::export::SHOWDOWN_STEM,
        }
    }

    /// The chart's title on screen.
    pub fn title(self) -> &'static str {
        match self {
            Self::Samples => "Target density and samples",
            Self::Paths => "Paths",
            Self::Field => "Velocity field",
            Self::Loss => "Training loss",
            Self::Cost => "Transport cost",
            Self::Straightness => "Straightness",
            Self::Quality => "Quality by steps",
            Self::SideBySide => "Every round side by side",
            Self::Guidance => "Guidance",
            Self::Showdown => "One step: quality against cost",
        }
    }

    /// The tooltip that explains the chart.
    pub fn tip(self) -> &'static str {
        use super::tips;
        match self {
            Self::Samples => tips::EDITOR_2D,
            Self::Paths => tips::PATHS_2D,
            Self::Field => tips::FIELD,
            Self::Loss => tips::LOSS,
            Self::Cost => tips::COST,
            Self::Straightness => tips::STRAIGHTNESS,
            Self::Quality => tips::W2_STEPS,
            Self::SideBySide => tips::SIDE_BY_SIDE,
            Self::Guidance => tips::GUIDANCE_CHART,
            Self::Showdown => tips::SHOWDOWN,
        }
    }

    /// What an empty chart says instead of meaningless axes.
    pub fn empty_hint(self) -> &'static str {
        match self {
            Self::Loss => "The loss appears here while a round trains: press Train.",
            Self::Guidance => "Train the guided model (Guidance) to see these curves.",
            _ => "Appears after the first round: press Train.",
        }
    }
}
