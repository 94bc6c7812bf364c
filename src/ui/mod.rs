//! The desktop app: edit the target, watch training, reflow and distillation live.
//!
//! [`FlowlabApp`] keeps what persists ([`state::Persisted`]) apart from what the current run
//! has shown ([`state::RunView`]). Each frame, [`eframe::App::logic`] drains the worker's
//! updates and [`eframe::App::ui`] draws one `_ui` function per panel; the buttons only
//! collect [`state::Action`]s, applied after the frame is drawn. The UI holds plain vectors,
//! never tensors: all model work happens on the worker's threads.

mod charts;
mod controls;
mod editor;
mod export;
mod palette;
mod panels;
mod paths;
mod scenario;
mod shortcuts;
pub mod state;
mod tips;
mod view_box;

use std::collections::BTreeMap;

use eframe::egui;

use crate::target::Mixture;
use crate::worker::{PhaseJob, SampleRequest, Update, Worker};
use editor::EditorState;
use state::{Action, GuidanceControls, Persisted, ProgressView, RunView, Selection};
use view_box::ViewBox;

pub use scenario::{SCENARIOS, Scenario};

/// Particles drawn for a round's picture, and how many of them show whole paths.
const PICTURE_PARTICLES: usize = 1000;
const PICTURE_PATHS: usize = 300;
/// Paths per round in the side-by-side view.
const COMPARE_PATHS: usize = 150;
/// Most Euler steps on the step slider.
const MAX_STEPS: usize = 100;
/// Seconds the scrubber's play takes from t = 1 to t = 0.
const SCRUB_SECONDS: f32 = 3.0;

/// A message in the status bar.
#[derive(Clone, Debug, PartialEq)]
pub struct Status {
    /// The text.
    pub text: String,
    /// Shown in red.
    pub error: bool,
}

/// The app.
pub struct FlowlabApp {
    /// Kept across restarts.
    pub persisted: Persisted,
    worker: Option<Worker>,
    run: RunView,
    /// True when the target or settings changed since the run was set up.
    needs_new_run: bool,
    selection: Selection,
    editor: EditorState,
    /// The scrubber's time, 1 = noise, 0 = data.
    scrub_t: f32,
    scrub_playing: bool,
    show_field: bool,
    show_coupling: bool,
    side_by_side: bool,
    status: Option<Status>,
    sent: BTreeMap<usize, SampleRequest>,
    sent_preview: Option<(crate::flow::Solver, usize)>,
    view_generation: u64,
    scenario: Option<Scenario>,
    /// Run by a scenario: nothing is saved.
    scripted: bool,
    /// The persisted state as last written.
    saved: Option<String>,
    /// The keyboard-shortcut overlay is open.
    show_help: bool,
    /// The side panels are hidden (presentation: only the pictures).
    controls_hidden: bool,
    /// The canvas edits the source mixture (t = 1) instead of the target.
    edit_source: bool,
    /// Selection in the source's components table.
    source_selected: Option<usize>,
    /// The canvas editor's state while it edits the source.
    source_editor: EditorState,
    /// The fit and points, while the target is one fitted to a loaded CSV (the points are
    /// drawn on the canvas and sent with the next run for its exports).
    data_fit: Option<(crate::pipeline::DataFitReport, crate::Points)>,
    /// Guided sampling of the class-conditional round: on, which class, which scale w.
    guidance: GuidanceControls,
}

impl FlowlabApp {
    /// The app on `persisted` (or the defaults), with the worker's repaint hook on `ctx`.
    pub fn new(ctx: &egui::Context, persisted: Option<Persisted>) -> Self {
        let mut persisted = persisted.unwrap_or_default();
        let mut status = None;
        if let Err(err) = persisted.target.validate() {
            status = Some(Status {
                text: format!("The saved target was invalid ({err}); the default is loaded."),
                error: true,
            });
            persisted.target = state::default_target();
        }
        if persisted.settings.validate().is_err() {
            persisted.settings = state::lecture_settings();
        }
        let repaint = ctx.clone();
        let worker = match Worker::spawn(move || repaint.request_repaint()) {
            Ok(w) => Some(w),
            Err(err) => {
                status = Some(Status {
                    text: format!("Could not start the background worker: {err:#}"),
                    error: true,
                });
                None
            }
        };
        apply_theme(ctx, persisted.dark);
        shortcuts::apply_zoom(ctx, persisted.presentation);
        Self {
            persisted,
            worker,
            run: RunView::default(),
            needs_new_run: true,
            selection: Selection::Live,
            editor: EditorState::default(),
            scrub_t: 0.0,
            scrub_playing: false,
            show_field: false,
            show_coupling: false,
            side_by_side: false,
            status,
            sent: BTreeMap::new(),
            sent_preview: None,
            view_generation: 0,
            scenario: None,
            scripted: false,
            saved: None,
            show_help: false,
            controls_hidden: false,
            edit_source: false,
            source_selected: None,
            source_editor: EditorState::default(),
            data_fit: None,
            guidance: GuidanceControls::default(),
        }
    }

    /// What the run has shown so far (for tests and the screenshot script).
    pub fn run_view(&self) -> &RunView {
        &self.run
    }

    /// True while a phase is queued or running.
    pub fn is_busy(&self) -> bool {
        self.worker.as_ref().is_some_and(Worker::is_busy)
    }

    /// The status-bar message.
    pub fn status(&self) -> Option<&Status> {
        self.status.as_ref()
    }

    /// Applies an action as if its button was pressed.
    pub fn act(&mut self, action: Action) {
        let Some(worker) = self.worker.as_mut() else {
            return;
        };
        let result = match action {
            Action::Play => {
                if worker.is_paused() {
                    worker.resume();
                    Ok(())
                } else {
                    self.start(PhaseJob::TrainBase)
                }
            }
            Action::Pause => {
                worker.pause();
                Ok(())
            }
            Action::Stop => {
                let r = worker.stop();
                self.after_stop();
                r
            }
            Action::Reset => {
                let r = worker.stop();
                self.clear_run();
                self.status = None;
                r
            }
            Action::Reflow => self.start(PhaseJob::Reflow),
            Action::Distill => self.start(PhaseJob::Distill),
            Action::RunAll => self.start(PhaseJob::RunAll),
            Action::OtCfm => self.start(PhaseJob::OtCfm),
            Action::Diffusion => self.start(PhaseJob::Diffusion),
            Action::Guided => self.start(PhaseJob::Guided),
            Action::Preset(name) => match crate::target::presets::preset(&name) {
                Ok(target) => {
                    self.set_target(target);
                    self.persisted.preset = Some(name);
                    Ok(())
                }
                Err(err) => {
                    self.error(format!("{err:#}"));
                    Ok(())
                }
            },
            Action::TargetEdited => {
                self.persisted.preset = None;
                self.invalidate_run();
                Ok(())
            }
            Action::SettingsEdited => {
                self.invalidate_run();
                Ok(())
            }
            Action::LoadTarget => {
                let path = std::path::PathBuf::from(&self.persisted.target_path);
                self.load_target(&path);
                Ok(())
            }
            Action::ExportChart(chart) => {
                self.export_chart(chart);
                Ok(())
            }
            Action::ExportAll => self.export_all(),
            Action::SaveSession => self.save_session(),
            Action::OpenSession => {
                let path = std::path::PathBuf::from(&self.persisted.session_path);
                self.open_session(&path)
            }
            Action::OpenFile(path) => self.open_file(&path),
            Action::StepsUp => {
                self.persisted.steps = (self.persisted.steps * 2).min(MAX_STEPS);
                Ok(())
            }
            Action::StepsDown => {
                self.persisted.steps = (self.persisted.steps / 2).max(1);
                Ok(())
            }
            Action::NextRound | Action::PreviousRound => {
                let count = self.run.rounds.len();
                if count > 0 {
                    let now = match self.selection {
                        Selection::Round(i) => i,
                        Selection::Live => count - 1,
                    };
                    let next = if action == Action::NextRound {
                        (now + 1).min(count - 1)
                    } else {
                        now.saturating_sub(1)
                    };
                    self.selection = Selection::Round(next);
                }
                Ok(())
            }
            Action::SaveTarget => {
                let path = std::path::PathBuf::from(&self.persisted.target_path);
                match self.persisted.target.validate() {
                    Err(err) => self.error(format!("Not saved: {err}")),
                    Ok(()) => match self.persisted.target.save(&path) {
                        Ok(()) => self.info(format!("Saved {}", path.display())),
                        Err(err) => self.error(format!("Could not save the target: {err}")),
                    },
                }
                Ok(())
            }
        };
        if let Err(err) = result {
            self.error(format!("{err}"));
        }
    }

    /// Replaces the target by the file at `path` (which becomes the path in the load/save
    /// box); a bad file changes nothing and says why.
    fn load_target(&mut self, path: &std::path::Path) {
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
        {
            self.load_data(path);
            return;
        }
        match Mixture::load(path) {
            Ok(target) => {
                self.set_target(target);
                self.persisted.preset = None;
                self.persisted.target_path = path.display().to_string();
                self.info(format!("Loaded {}", path.display()));
            }
            Err(err) => self.error(format!("Could not load the target: {err}")),
        }
    }

    /// Reads a CSV of points, fits a mixture to it (number of components by BIC, seed 0) and
    /// makes that the target, with the points drawn over its density.
    fn load_data(&mut self, path: &std::path::Path) {
        let config = crate::target::fit::FitConfig::default();
        match crate::pipeline::fit_data(path, &config) {
            Ok(fitted) => {
                let (k, n) = (fitted.report.components, fitted.points.len());
                self.set_target(fitted.mixture);
                self.data_fit = Some((fitted.report, fitted.points));
                self.persisted.preset = None;
                self.info(format!(
                    "Fitted {k} Gaussian{} to {n} points of {} (chosen by BIC); edit it like any target",
                    if k == 1 { "" } else { "s" },
                    path.display()
                ));
            }
            Err(err) => self.error(format!("Could not use {}: {err}", path.display())),
        }
    }

    /// Opens a dropped file by its extension: a target or a session.
    fn open_file(&mut self, path: &std::path::Path) -> Result<(), crate::worker::WorkerError> {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        match ext.as_deref() {
            Some("toml") | Some("csv") => {
                self.load_target(path);
                Ok(())
            }
            Some(crate::export::session::SESSION_EXTENSION) => self.open_session(path),
            _ => {
                self.error(format!(
                    "Cannot open {}: drop a target (.toml), points to fit (.csv) or a session (.flowlab)",
                    path.display()
                ));
                Ok(())
            }
        }
    }

    /// Queues `job`, setting up a new run first if the target or settings changed.
    fn start(&mut self, job: PhaseJob) -> Result<(), crate::worker::WorkerError> {
        if let Err(err) = self.persisted.target.validate() {
            self.error(format!("Fix the target first: {err}"));
            return Ok(());
        }
        if let Err(err) = self.persisted.settings.validate() {
            self.error(format!("Fix the settings first: {err}"));
            return Ok(());
        }
        let Some(worker) = self.worker.as_mut() else {
            return Ok(());
        };
        if self.needs_new_run {
            worker.new_run_fitted(
                self.persisted.target.clone(),
                self.persisted.settings.clone(),
                self.data_fit.clone(),
            )?;
            self.run = RunView::default();
            self.sent.clear();
            self.sent_preview = None;
            self.needs_new_run = false;
        }
        worker.start(job)?;
        self.status = None;
        self.selection = Selection::Live;
        Ok(())
    }

    fn set_target(&mut self, target: Mixture) {
        if self
            .persisted
            .settings
            .source
            .as_ref()
            .is_some_and(|s| s.dim != target.dim)
        {
            // A source lives in the target's space: a target of another dimension drops it.
            self.persisted.settings.source = None;
            self.edit_source = false;
        }
        self.persisted.target = target;
        self.data_fit = None;
        self.editor.reset();
        self.view_generation += 1;
        self.invalidate_run();
    }

    /// The target or settings changed: stop what runs and forget the rounds (they belong to
    /// the old target); the next Play starts a new run.
    fn invalidate_run(&mut self) {
        if self.needs_new_run {
            return;
        }
        if let Some(w) = self.worker.as_mut() {
            let _ = w.stop();
        }
        self.clear_run();
    }

    fn clear_run(&mut self) {
        self.run = RunView::default();
        self.sent.clear();
        self.needs_new_run = true;
        self.selection = Selection::Live;
    }

    fn after_stop(&mut self) {
        self.run.progress = None;
        self.run.live = None;
        self.run.live_losses.clear();
        if let Some(last) = self.run.rounds.last() {
            self.selection = Selection::Round(last.index);
        }
    }

    fn info(&mut self, text: String) {
        self.status = Some(Status { text, error: false });
    }

    fn error(&mut self, text: String) {
        self.status = Some(Status { text, error: true });
    }

    /// Takes the worker's updates into the run view.
    fn receive(&mut self) {
        let Some(worker) = self.worker.as_mut() else {
            return;
        };
        for update in worker.poll() {
            match update {
                Update::RunReady {
                    floor_w2,
                    w2_points,
                } => {
                    self.run.floor_w2 = Some(floor_w2);
                    self.run.w2_points = w2_points;
                }
                Update::PhaseStarted {
                    round,
                    phase,
                    total,
                } => {
                    if phase == crate::pipeline::Phase::Train {
                        self.run.live_losses.clear();
                    }
                    self.run.progress = Some(ProgressView {
                        round,
                        phase,
                        done: 0,
                        total,
                        started: std::time::Instant::now(),
                    });
                }
                Update::Progress { done, loss, .. } => {
                    if let Some(p) = self.run.progress.as_mut() {
                        p.done = done;
                    }
                    if let Some(l) = loss {
                        self.run.live_losses.push((done, l));
                    }
                }
                Update::RoundFinished(view) => {
                    let index = view.index;
                    self.run.rounds.push(*view);
                    self.run.live = None;
                    self.run.live_losses.clear();
                    // While more is queued the view follows the training; else the new round.
                    if self.selection != Selection::Live || !worker.is_busy() {
                        self.selection = Selection::Round(index);
                    }
                }
                Update::Samples(set) => match set.source.clone() {
                    crate::worker::Source::Live(_) => self.run.live = Some(*set),
                    crate::worker::Source::Round(i) => {
                        self.run.pictures.insert(i, *set);
                    }
                },
                Update::Quality {
                    source,
                    solver,
                    steps,
                    w2,
                } => {
                    let picture = match source {
                        crate::worker::Source::Live(_) => self.run.live.as_mut(),
                        crate::worker::Source::Round(i) => self.run.pictures.get_mut(&i),
                    };
                    if let Some(p) = picture.filter(|p| p.solver == solver && p.steps == steps) {
                        p.w2 = Some(w2);
                    }
                }
                Update::Saved { message } => {
                    self.status = Some(Status {
                        text: message,
                        error: false,
                    });
                }
                Update::Idle => {
                    self.run.progress = None;
                    self.run.live = None;
                    if self.selection == Selection::Live
                        && let Some(last) = self.run.rounds.last()
                    {
                        self.selection = Selection::Round(last.index);
                    }
                }
                Update::Failed { message } => {
                    self.run.progress = None;
                    self.status = Some(Status {
                        text: message,
                        error: true,
                    });
                }
            }
        }
    }

    /// Asks the sampler for every picture the view needs that it has not asked for yet.
    fn request_pictures(&mut self) {
        let Some(worker) = self.worker.as_ref() else {
            return;
        };
        let mut wanted = Vec::new();
        let base = |round: usize, paths: usize| SampleRequest {
            round,
            solver: self.persisted.solver,
            steps: self.persisted.steps,
            particles: PICTURE_PARTICLES,
            paths,
            field_at: None,
            guidance: None,
        };
        if self.side_by_side {
            for r in &self.run.rounds {
                wanted.push(base(r.index, COMPARE_PATHS));
            }
        }
        if let Selection::Round(i) = self.selection {
            let mut request = base(i, PICTURE_PATHS);
            if self.show_field {
                request.field_at = Some((self.scrub_t * 20.0).round() / 20.0);
            }
            request.guidance = self.active_guidance();
            if !self.side_by_side {
                wanted.push(request);
                if self.show_coupling
                    && let Some(teacher) = self.teacher_of(i)
                {
                    // The pairs were integrated with the pair-making Euler steps.
                    wanted.push(SampleRequest {
                        solver: crate::flow::Solver::Euler,
                        steps: self.persisted.settings.pair_steps,
                        ..base(teacher, PICTURE_PATHS)
                    });
                }
            }
        }
        let preview = (self.persisted.solver, self.persisted.steps);
        if self.sent_preview != Some(preview) && worker.set_preview(preview.0, preview.1).is_ok() {
            self.sent_preview = Some(preview);
        }
        for request in wanted {
            if self.sent.get(&request.round) != Some(&request)
                && worker.request_samples(request).is_ok()
            {
                self.sent.insert(request.round, request);
            }
        }
    }

    /// The (class, w) the selected round's picture is guided by: only for the
    /// class-conditional round, with guided sampling on, outside the side-by-side view.
    pub(super) fn active_guidance(&self) -> Option<(usize, f32)> {
        let Selection::Round(i) = self.selection else {
            return None;
        };
        let guided = self
            .run
            .rounds
            .get(i)
            .is_some_and(|r| r.report.guidance.is_some());
        (guided && self.guidance.on && !self.side_by_side)
            .then_some((self.guidance.class, self.guidance.w))
    }

    /// The round whose own pairs round `index` was trained on: the latest rectified flow
    /// before it (`None` for 1-RF, trained on independent pairs).
    fn teacher_of(&self, index: usize) -> Option<usize> {
        self.run.rounds[..index.min(self.run.rounds.len())]
            .iter()
            .rev()
            .find(|r| !r.distilled)
            .map(|r| r.index)
    }

    /// Lines between the (noise, data) pairs the selected round trains on, for the paths
    /// shown: 1-RF pairs each noise point with an independent target sample; a later round
    /// pairs it with where its teacher carries it (same noise, so particle i is the same z).
    fn coupling_lines(&self) -> Vec<[[f64; 2]; 2]> {
        let Selection::Round(i) = self.selection else {
            return Vec::new();
        };
        let Some(picture) = self.run.pictures.get(&i) else {
            return Vec::new();
        };
        let tr = &picture.trajectory;
        if tr.particles == 0 {
            return Vec::new();
        }
        let dim = tr.dim;
        let z = tr.frame(0);
        let x0: Vec<f32> = match self.teacher_of(i) {
            None => {
                use rand::SeedableRng;
                let mut rng = rand::rngs::StdRng::seed_from_u64(0);
                self.persisted.target.sample(tr.particles, &mut rng).data
            }
            Some(t) => match self.run.pictures.get(&t) {
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

    fn paths_view(&self) -> ViewBox {
        let mut v = ViewBox::around(&self.persisted.target);
        // Noise starts within about ±3.
        v.x = (v.x.0.min(-3.5), v.x.1.max(3.5));
        if self.persisted.target.dim > 1 {
            v.y = (v.y.0.min(-3.5), v.y.1.max(3.5));
        }
        v
    }
}

fn apply_theme(ctx: &egui::Context, dark: bool) {
    ctx.set_theme(if dark {
        egui::Theme::Dark
    } else {
        egui::Theme::Light
    });
    ctx.all_styles_mut(|style| {
        use egui::{FontId, TextStyle};
        style.text_styles = [
            (TextStyle::Small, FontId::proportional(13.0)),
            (TextStyle::Body, FontId::proportional(16.0)),
            (TextStyle::Monospace, FontId::monospace(15.0)),
            (TextStyle::Button, FontId::proportional(16.0)),
            (TextStyle::Heading, FontId::proportional(22.0)),
        ]
        .into();
        style.spacing.interact_size.y = 26.0;
    });
}

impl eframe::App for FlowlabApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.receive();
        self.drive_scenario(ctx);
        self.request_pictures();
        if self.scrub_playing {
            let dt = ctx.input(|i| i.stable_dt).min(0.1);
            self.scrub_t -= dt / SCRUB_SECONDS;
            if self.scrub_t <= 0.0 {
                self.scrub_t = 0.0;
                self.scrub_playing = false;
            }
            ctx.request_repaint();
        }
        if self.run.progress.is_some() {
            // Keep the time-left estimate ticking between updates.
            ctx.request_repaint_after(std::time::Duration::from_millis(250));
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        let mut actions = Vec::new();
        let dark_before = self.persisted.dark;
        let presentation_before = self.persisted.presentation;
        let ctx = ui.ctx().clone();
        self.shortcuts(&ctx, &mut actions);
        self.dropped_files(&ctx, &mut actions);
        egui::Panel::top("toolbar").show(ui, |ui| self.toolbar_ui(ui, &mut actions));
        egui::Panel::bottom("status").show(ui, |ui| self.status_ui(ui));
        if !self.controls_hidden {
            egui::Panel::left("target_panel")
                .resizable(true)
                .default_size(330.0)
                .show(ui, |ui| self.left_ui(ui, &mut actions));
            egui::Panel::right("view_panel")
                .resizable(false)
                .exact_size(270.0)
                .show(ui, |ui| self.view_controls_ui(ui));
        }
        egui::Panel::bottom("charts")
            .resizable(true)
            .default_size(ui.available_height() * 0.34)
            .show(ui, |ui| self.charts_ui(ui, &mut actions));
        egui::CentralPanel::default().show(ui, |ui| self.main_view_ui(ui, &mut actions));
        self.help_ui(&ctx);
        if self.persisted.dark != dark_before {
            apply_theme(ui.ctx(), self.persisted.dark);
        }
        if self.persisted.presentation != presentation_before {
            shortcuts::apply_zoom(ui.ctx(), self.persisted.presentation);
        }
        for action in actions {
            self.act(action);
        }
        self.save_if_changed(ui.ctx(), frame);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        if self.scripted {
            return;
        }
        eframe::set_value(storage, eframe::APP_KEY, &self.persisted);
    }
}

impl FlowlabApp {
    /// Writes the persisted state as soon as it changed (not while a drag is under way), so
    /// a crash or a killed process loses nothing. The comparison is a few kilobytes of JSON.
    fn save_if_changed(&mut self, ctx: &egui::Context, frame: &mut eframe::Frame) {
        if self.scripted || ctx.input(|i| i.pointer.any_down()) {
            return;
        }
        let Ok(text) = serde_json::to_string(&self.persisted) else {
            return;
        };
        if self.saved.as_deref() == Some(text.as_str()) {
            return;
        }
        if let Some(storage) = frame.storage_mut() {
            eframe::set_value(storage, eframe::APP_KEY, &self.persisted);
            storage.flush();
            self.saved = Some(text);
        }
    }
}

/// Opens the window; with a scenario, plays it and closes after its screenshot (settings and
/// target are then not read from or saved to storage, so screenshots are reproducible).
pub fn run_native(scenario: Option<Scenario>) -> eframe::Result {
    let scripted = scenario.is_some();
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("flowlab — flow matching, reflow and distillation")
            .with_inner_size([1600.0, 1000.0])
            .with_min_inner_size([1000.0, 700.0]),
        renderer: eframe::Renderer::Glow,
        persist_window: !scripted,
        ..Default::default()
    };
    eframe::run_native(
        "flowlab",
        options,
        Box::new(|cc| {
            let persisted = match scripted {
                true => None,
                false => cc
                    .storage
                    .and_then(|s| eframe::get_value::<Persisted>(s, eframe::APP_KEY)),
            };
            let mut app = FlowlabApp::new(&cc.egui_ctx, persisted);
            app.scripted = scripted;
            app.scenario = scenario;
            Ok(Box::new(app))
        }),
    )
}
