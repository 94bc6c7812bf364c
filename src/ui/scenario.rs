//! Scripted sessions for the README's screenshots: `flowlab --screenshot PATH --scenario
//! NAME` runs the real app through a short lecture and saves the window as a PNG.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use eframe::egui;

use super::FlowlabApp;
use super::state::{Action, Selection};

/// One step of a scenario; each waits until it is done before the next begins.
#[derive(Clone, Debug)]
enum Step {
    Act(Action),
    /// Wait until no phase is queued or running.
    WaitIdle,
    /// Wait until the 1-RF training is this far (0..1).
    WaitTraining(f32),
    Select(Selection),
    SideBySide,
    Steps(usize),
    /// Show the velocity field at this t and put the scrubber there.
    Field(f32),
    /// Draw the training pairs.
    Coupling,
    /// Start the flow from this preset instead of N(0, I).
    Source(&'static str),
    /// Wait until the selected round's picture matches the slider.
    WaitPicture,
    Frames(usize),
    Shoot,
}

/// The scenarios `--scenario` accepts.
pub const SCENARIOS: [(&str, &str); 10] = [
    ("editor", "the target editor on the eight Gaussians"),
    ("training", "1-RF training live on two far modes"),
    (
        "before-reflow",
        "1-RF's paths after a full run (crossing, curved)",
    ),
    ("after-reflow", "3-RF's paths after a full run (straight)"),
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
        use Step::*;
        let full_run = |preset: &str| {
            vec![
                Act(Action::Preset(preset.to_string())),
                Act(Action::RunAll),
                WaitIdle,
            ]
        };
        let mut steps: Vec<Step> = match name {
            "editor" => vec![Act(Action::Preset("eight-gaussians".into())), Frames(5)],
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
                s.extend([Select(Selection::Round(0)), Field(0.5)]);
                s
            }
            "after-reflow" => {
                let mut s = full_run("two-far");
                s.extend([Select(Selection::Round(2)), Field(0.5)]);
                s
            }
            "side-by-side" => {
                let mut s = full_run("two-far");
                s.push(SideBySide);
                s
            }
            "one-d" => {
                let mut s = full_run("two-modes-1d");
                s.extend([Select(Selection::Round(0)), Coupling]);
                s
            }
            "comparisons" => vec![
                Act(Action::Preset("two-far".into())),
                Act(Action::Play),
                Act(Action::Reflow),
                Act(Action::OtCfm),
                Act(Action::Diffusion),
                WaitIdle,
                SideBySide,
            ],
            "guidance" => vec![
                Act(Action::Preset("eight-gaussians".into())),
                Act(Action::Guided),
                WaitIdle,
                Select(Selection::Round(0)),
            ],
            "your-data" => vec![
                Act(Action::OpenFile(
                    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/data/ring.csv"),
                )),
                Act(Action::RunAll),
                WaitIdle,
                Select(Selection::Round(2)),
            ],
            "transport" => vec![
                Act(Action::Preset("eight-gaussians".into())),
                Source("moons"),
                Act(Action::RunAll),
                WaitIdle,
                SideBySide,
            ],
            _ => return None,
        };
        // Few steps show which paths are straight enough to follow coarsely.
        let shown_steps = if name == "comparisons" { 4 } else { 20 };
        steps.extend([Steps(shown_steps), WaitPicture, Frames(10), Shoot]);
        Some(Self {
            steps: steps.into(),
            out,
            frames_waited: 0,
            shot: Arc::new(Mutex::new(None)),
            requested: false,
        })
    }
}

impl FlowlabApp {
    /// Advances the scenario by what this frame allows.
    pub(super) fn drive_scenario(&mut self, ctx: &egui::Context) {
        let Some(mut s) = self.scenario.take() else {
            return;
        };
        ctx.request_repaint();
        while let Some(step) = s.steps.front().cloned() {
            let done = match step {
                Step::Act(action) => {
                    self.act(action);
                    true
                }
                Step::WaitIdle => !self.is_busy(),
                Step::WaitTraining(f) => self
                    .run
                    .progress
                    .as_ref()
                    .is_some_and(|p| p.round == "1-RF" && p.fraction() >= f),
                Step::Select(sel) => {
                    self.selection = sel;
                    true
                }
                Step::SideBySide => {
                    self.side_by_side = true;
                    true
                }
                Step::Steps(n) => {
                    self.persisted.steps = n;
                    true
                }
                Step::Coupling => {
                    self.show_coupling = true;
                    true
                }
                Step::Source(name) => {
                    self.persisted.settings.source = crate::target::presets::preset(name).ok();
                    self.act(Action::SettingsEdited);
                    true
                }
                Step::Field(t) => {
                    self.show_field = true;
                    self.scrub_t = t;
                    true
                }
                Step::WaitPicture => {
                    let steps = self.persisted.steps;
                    match self.selection {
                        Selection::Live => true,
                        Selection::Round(_) if self.side_by_side => {
                            self.run.rounds.iter().all(|r| {
                                self.run
                                    .pictures
                                    .get(&r.index)
                                    .is_some_and(|p| p.steps == steps && p.w2.is_some())
                            })
                        }
                        sel => self.run.picture(sel).is_some_and(|p| {
                            // A guided picture (one class) gets no W2.
                            p.steps == steps
                                && (p.w2.is_some() || self.active_guidance().is_some())
                                && (!self.show_field || p.field.is_some())
                        }),
                    }
                }
                Step::Frames(n) => {
                    s.frames_waited += 1;
                    if s.frames_waited > n {
                        s.frames_waited = 0;
                        true
                    } else {
                        false
                    }
                }
                Step::Shoot => {
                    if !s.requested {
                        s.requested = true;
                        let out = s.out.clone();
                        let slot = Arc::clone(&s.shot);
                        let repaint = ctx.clone();
                        ctx.request_screenshot(move |image| {
                            let result = save_png(&image, &out);
                            if let Ok(mut slot) = slot.lock() {
                                *slot = Some(result);
                            }
                            repaint.request_repaint();
                        });
                    }
                    let finished = s.shot.lock().ok().and_then(|mut r| r.take());
                    match finished {
                        Some(Ok(())) => {
                            println!("saved {}", s.out.display());
                            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
                            true
                        }
                        Some(Err(err)) => {
                            eprintln!("flowlab: {err}");
                            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
                            true
                        }
                        None => false,
                    }
                }
            };
            if !done {
                break;
            }
            s.steps.pop_front();
        }
        if self.status.as_ref().is_some_and(|st| st.error) {
            eprintln!(
                "flowlab: scenario stopped: {}",
                self.status.as_ref().map_or("", |st| st.text.as_str())
            );
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            return;
        }
        if !s.steps.is_empty() {
            self.scenario = Some(s);
        }
    }
}

fn save_png(image: &egui::ColorImage, out: &std::path::Path) -> Result<(), String> {
    let [w, h] = image.size;
    let bytes: Vec<u8> = image.pixels.iter().flat_map(|c| c.to_array()).collect();
    let buffer = image::RgbaImage::from_raw(w as u32, h as u32, bytes)
        .ok_or_else(|| "the screenshot has the wrong size".to_string())?;
    buffer
        .save(out)
        .map_err(|err| format!("could not write {}: {err}", out.display()))
}
