//! Scripted sessions for the README's screenshots: `flowlab --screenshot PATH --scenario
//! NAME` runs the real app through a short lecture and saves the window as a PNG.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use eframe::egui;

use super::action::Action;
use super::app::FlowlabApp;
use super::view::Selection;
use crate::flow::{Solver, Tolerance};

/// One step of a scenario; each waits until it is done before the next begins. A scenario
/// changes the app only through [`Action`]s, like a user's clicks and keys.
#[derive(Clone, Debug)]
enum Step {
    /// Apply this action (the next step waits for the next frame, after it is applied).
    Act(Action),
    /// Wait until no phase is queued or running.
    WaitIdle,
    /// Wait until the 1-RF training is this far (0..1).
    WaitTraining(f32),
    /// Wait until the selected round's picture matches the slider.
    WaitPicture,
    /// Wait until an opened session's rounds have arrived.
    WaitRounds,
    /// Wait this many frames.
    Frames(usize),
    /// Save the window as a PNG and close it.
    Shoot,
}

/// The scenarios `--scenario` accepts.
pub const SCENARIOS: [(&str, &str); 13] = [
    (
        "lecture",
        "every round of a lecture on two far modes (1-RF to distilled, OT-CFM, diffusion, guided), 1-RF shown",
    ),
    ("editor", "the target editor on the eight Gaussians"),
    ("training", "1-RF training live on two far modes"),
    (
        "before-reflow",
        "1-RF's paths after a full run (crossing, curved)",
    ),
    ("after-reflow", "3-RF's paths after a full run (straight)"),
    (
        "adaptive",
        "1-RF sampled by the adaptive solver at tolerance 1e-3: each path through its own steps",
    ),
    ("side-by-side", "every round next to each other at 20 steps"),
    (
        "one-d",
        "the 1-D two-mode example after a full run, 1-RF selected",
    ),
    (
        "comparisons",
        "1-RF, 2-RF, OT-CFM and the diffusion path side by side at 4 steps",
    ),
    (
        "transport",
        "moons transported to eight Gaussians: 1-RF and 3-RF side by side",
    ),
    (
        "guidance",
        "the guided model on eight Gaussians, class 1 at w = 1",
    ),
    (
        "your-data",
        "assets/data/ring.csv fitted by EM, then a full run",
    ),
    (
        "runs",
        "two runs on two far modes kept in the Runs list after a preset replaced them",
    ),
];

/// A running scenario.
pub struct Scenario {
    steps: VecDeque<Step>,
    out: PathBuf,
    frames_waited: usize,
    shot: Arc<Mutex<Option<Result<(), String>>>>,
    requested: bool,
}

impl Scenario {
    /// The scenario `name`, saving to `out`; `None` for an unknown name.
    pub fn new(name: &str, out: PathBuf) -> Option<Self> {
        use Step::{Act, Frames, Shoot, WaitPicture};
        let mut steps = steps_of(name)?;
        // Few steps show which paths are straight enough to follow coarsely.
        let shown_steps = if name == "comparisons" { 4 } else { 20 };
        steps.extend([
            Act(Action::SetSteps(shown_steps)),
            WaitPicture,
            Frames(10),
            Shoot,
        ]);
        Some(Self {
            steps: steps.into(),
            out,
            frames_waited: 0,
            shot: Arc::new(Mutex::new(None)),
            requested: false,
        })
    }
}

impl Scenario {
    /// Opens `file` (a session, target or CSV, as a drop on the window would) and saves the
    /// window once its rounds are shown, the first selected at 20 steps: a screenshot of a
    /// run trained once by `flowlab run`, without training it again.
    pub fn opening(file: PathBuf, out: PathBuf) -> Self {
        use Step::{Act, Frames, Shoot, WaitIdle, WaitPicture, WaitRounds};
        Self {
            steps: VecDeque::from([
                Act(Action::OpenFile(file)),
                WaitRounds,
                WaitIdle,
                Act(Action::Select(Selection::Round(0))),
                Act(Action::SetSteps(20)),
                WaitPicture,
                Frames(10),
                Shoot,
            ]),
            out,
            frames_waited: 0,
            shot: Arc::new(Mutex::new(None)),
            requested: false,
        }
    }

    /// Advances by what this frame allows, reading `app` only: the actions to apply, and
    /// whether the scenario goes on.
    pub fn advance(&mut self, app: &FlowlabApp, ctx: &egui::Context) -> (Vec<Action>, bool) {
        ctx.request_repaint();
        if let Some(st) = app.status().filter(|st| st.error) {
            eprintln!("flowlab: scenario stopped: {}", st.text);
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            return (Vec::new(), false);
        }
        while let Some(step) = self.steps.front().cloned() {
            if let Step::Act(action) = step {
                self.steps.pop_front();
                return (vec![action], true);
            }
            if !self.done(&step, app, ctx) {
                break;
            }
            self.steps.pop_front();
        }
        (Vec::new(), !self.steps.is_empty())
    }

    /// True once `step` (a wait or the screenshot) is done.
    fn done(&mut self, step: &Step, app: &FlowlabApp, ctx: &egui::Context) -> bool {
        match step {
            Step::Act(_) => true,
            Step::WaitIdle => !app.is_busy(),
            Step::WaitTraining(f) => app
                .run_view()
                .progress
                .as_ref()
                .is_some_and(|p| p.round == "1-RF" && p.fraction() >= *f),
            Step::WaitPicture => picture_ready(app),
            Step::WaitRounds => !app.run_view().rounds.is_empty(),
            Step::Frames(n) => {
                self.frames_waited += 1;
                if self.frames_waited > *n {
                    self.frames_waited = 0;
                    true
                } else {
                    false
                }
            }
            Step::Shoot => self.shoot(ctx),
        }
    }

    /// Asks for the screenshot once; true when it is saved (or failed) and the window closes.
    fn shoot(&mut self, ctx: &egui::Context) -> bool {
        if !self.requested {
            self.requested = true;
            let out = self.out.clone();
            let slot = Arc::clone(&self.shot);
            let repaint = ctx.clone();
            ctx.request_screenshot(move |image| {
                let result = save_png(&image, &out);
                if let Ok(mut slot) = slot.lock() {
                    *slot = Some(result);
                }
                repaint.request_repaint();
            });
        }
        let finished = self.shot.lock().ok().and_then(|mut r| r.take());
        match finished {
            Some(result) => {
                match result {
                    Ok(()) => println!("saved {}", self.out.display()),
                    Err(err) => eprintln!("flowlab: {err}"),
                }
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
                true
            }
            None => false,
        }
    }
}

/// The steps of the scenario `name` before its screenshot; `None` for an unknown name.
fn steps_of(name: &str) -> Option<Vec<Step>> {
    use Step::{Act, Frames, WaitIdle, WaitTraining};
    let full_run = |preset: &str| {
        vec![
            Act(Action::Preset(preset.to_owned())),
            Act(Action::RunAll),
            WaitIdle,
        ]
    };
    let select = |i| Act(Action::Select(Selection::Round(i)));
    let steps = match name {
        "editor" => vec![Act(Action::Preset("eight-gaussians".into())), Frames(5)],
        "lecture" => vec![
            Act(Action::Preset("two-far".into())),
            Act(Action::RunAll),
            Act(Action::OtCfm),
            Act(Action::Diffusion),
            Act(Action::Guided),
            WaitIdle,
            select(0),
        ],
        "training" => vec![
            Act(Action::Preset("two-far".into())),
            Act(Action::RunAll),
            WaitTraining(0.6),
            // Training outruns the frames a screenshot waits for: hold it mid-run.
            Act(Action::Pause),
            Frames(10),
        ],
        "before-reflow" => {
            let mut s = full_run("two-far");
            s.extend([select(0), Act(Action::ShowField(Some(0.5)))]);
            s
        }
        "adaptive" => {
            let mut s = full_run("two-far");
            s.extend([
                select(0),
                Act(Action::SetSolver(Solver::Adaptive(Tolerance::MEASURE))),
            ]);
            s
        }
        "after-reflow" => {
            let mut s = full_run("two-far");
            s.extend([select(2), Act(Action::ShowField(Some(0.5)))]);
            s
        }
        "side-by-side" => {
            let mut s = full_run("two-far");
            s.push(Act(Action::SideBySide(true)));
            s
        }
        "one-d" => {
            let mut s = full_run("two-modes-1d");
            s.extend([select(0), Act(Action::ShowCoupling(true))]);
            s
        }
        "comparisons" => vec![
            Act(Action::Preset("two-far".into())),
            Act(Action::Play),
            Act(Action::Reflow),
            Act(Action::OtCfm),
            Act(Action::Diffusion),
            WaitIdle,
            Act(Action::SideBySide(true)),
        ],
        "guidance" => vec![
            Act(Action::Preset("eight-gaussians".into())),
            Act(Action::Guided),
            WaitIdle,
            select(0),
        ],
        "your-data" => vec![
            Act(Action::OpenFile(
                PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/data/ring.csv"),
            )),
            Act(Action::RunAll),
            WaitIdle,
            select(2),
        ],
        "runs" => vec![
            Act(Action::Preset("two-far".into())),
            Act(Action::Play),
            Act(Action::Reflow),
            WaitIdle,
            // Each edit keeps the run it ends in the Runs list.
            Act(Action::SetSource(Some("moons".into()))),
            Act(Action::Play),
            WaitIdle,
            Act(Action::Preset("eight-gaussians".into())),
            Act(Action::Select(Selection::Live)),
        ],
        "transport" => vec![
            Act(Action::Preset("eight-gaussians".into())),
            Act(Action::SetSource(Some("moons".into()))),
            Act(Action::RunAll),
            WaitIdle,
            Act(Action::SideBySide(true)),
        ],
        _ => return None,
    };
    Some(steps)
}

/// True when the pictures on screen match the step slider (with their W2, and the field if
/// it is shown).
fn picture_ready(app: &FlowlabApp) -> bool {
    let steps = app.persisted.steps;
    let run = app.run_view();
    match app.view.selection {
        Selection::Live => true,
        Selection::Round(_) if app.view.side_by_side => run.rounds.iter().all(|r| {
            run.pictures.get(&r.index).is_some_and(|p| {
                p.steps == run.shown_steps(Selection::Round(r.index), steps) && p.quality.is_some()
            })
        }),
        sel @ Selection::Round(_) => run.picture(sel).is_some_and(|p| {
            // A guided picture (one class) gets no quality numbers.
            p.steps == run.shown_steps(sel, steps)
                && p.solver == run.shown_solver(sel, app.persisted.solver)
                && (p.quality.is_some() || p.guided.is_some())
                && (!app.view.show_field || p.field.is_some())
        }),
    }
}

fn save_png(image: &egui::ColorImage, out: &std::path::Path) -> Result<(), String> {
    let [w, h] = image.size;
    let bytes: Vec<u8> = image.pixels.iter().flat_map(|c| c.to_array()).collect();
    let buffer = image::RgbaImage::from_raw(w as u32, h as u32, bytes)
        .ok_or_else(|| "the screenshot has the wrong size".to_owned())?;
    buffer
        .save(out)
        .map_err(|err| format!("could not write {}: {err}", out.display()))
}
