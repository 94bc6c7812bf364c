//! Getting pictures, numbers and sessions out of the app: one chart at a time (drawn from
//! what the window shows), everything at once (written by the worker, which owns the
//! models), and sessions saved and opened.

use std::path::{Path, PathBuf};

use eframe::egui::{self, RichText};

use super::state::{Action, Chart, RunView, Selection};
use super::{FlowlabApp, tips};
use crate::export::plots::{self, RoundData};
use crate::export::session::Session;
use crate::export::{Figure, FigureStyle, Theme, render_png, render_svg, write_atomically};
use crate::worker::SaveRequest;

impl Chart {
    /// File name stem of the exported chart.
    fn stem(self) -> &'static str {
        match self {
            Chart::Samples => "samples",
            Chart::Paths => "paths",
            Chart::Field => "field",
            Chart::Loss => "loss",
            Chart::Cost => "transport_cost",
            Chart::Straightness => "straightness",
            Chart::W2 => "w2_by_steps",
            Chart::SideBySide => "side_by_side",
        }
    }
}

/// A chart's title with an Export button at its right.
pub fn chart_title_ui(
    ui: &mut egui::Ui,
    title: &str,
    tip: &str,
    chart: Chart,
    actions: &mut Vec<Action>,
) {
    ui.horizontal(|ui| {
        ui.label(RichText::new(title).strong()).on_hover_text(tip);
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if ui
                .small_button("Export")
                .on_hover_text(tips::EXPORT_CHART)
                .clicked()
            {
                actions.push(Action::ExportChart(chart));
            }
        });
    });
}

fn round_data(run: &RunView) -> Vec<RoundData<'_>> {
    run.rounds
        .iter()
        .map(|r| RoundData {
            index: r.index,
            report: &r.report,
            losses: &r.losses,
        })
        .collect()
}

impl FlowlabApp {
    /// The figure of `chart` from what the window holds now, and its file stem.
    fn chart_figure(&self, chart: Chart, theme: Theme) -> Result<(String, Figure), String> {
        let target = &self.persisted.target;
        let run = &self.run;
        let rounds = round_data(run);
        let need_rounds = || {
            if rounds.is_empty() {
                Err("nothing to export yet: train 1-RF first".to_string())
            } else {
                Ok(())
            }
        };
        let picture = run.picture(self.selection);
        let name = match self.selection {
            Selection::Round(i) => run.rounds.get(i).map(|r| r.report.name.clone()),
            Selection::Live => run.progress.as_ref().map(|p| format!("{} (live)", p.round)),
        }
        .unwrap_or_else(|| "model".into());
        let file_name = name.replace(" (live)", "-live");
        let no_picture = || "no picture of the selected model yet".to_string();
        match chart {
            Chart::Samples | Chart::Paths | Chart::Field => {
                let p = picture.ok_or_else(no_picture)?;
                let how = format!("{} {} steps", p.steps, p.solver.name());
                let figure = match chart {
                    Chart::Samples => plots::samples_figure(
                        target,
                        &p.samples,
                        &format!("{name}: samples over the target density ({how})"),
                        theme,
                    ),
                    Chart::Paths => plots::paths_figure(
                        target,
                        &p.trajectory,
                        &format!("{name}: paths from noise to data ({how})"),
                        theme,
                    ),
                    _ => {
                        let field = p.field.as_ref().ok_or_else(|| {
                            "turn on \"velocity field at t\" to export the field".to_string()
                        })?;
                        plots::field_figure(
                            target,
                            field,
                            &format!("{name}: velocity field at t = {:.2}", field.t),
                            theme,
                        )
                    }
                };
                Ok((
                    format!("{}_{file_name}_{}steps", chart.stem(), p.steps),
                    figure,
                ))
            }
            Chart::Loss => {
                let live = run
                    .progress
                    .as_ref()
                    .map(|p| (p.round.as_str(), run.live_losses.as_slice()));
                if rounds.is_empty() && live.is_none_or(|l| l.1.is_empty()) {
                    return Err("no losses yet: press Train".into());
                }
                Ok((chart.stem().into(), plots::loss_figure(&rounds, live)))
            }
            Chart::Cost => {
                need_rounds()?;
                Ok((chart.stem().into(), plots::cost_figure(&rounds)))
            }
            Chart::Straightness => {
                need_rounds()?;
                Ok((chart.stem().into(), plots::straightness_figure(&rounds)))
            }
            Chart::W2 => {
                need_rounds()?;
                Ok((
                    chart.stem().into(),
                    plots::w2_figure(&rounds, run.floor_w2, run.w2_points),
                ))
            }
            Chart::SideBySide => {
                let shown: Vec<(&str, &crate::flow::Trajectory)> = run
                    .rounds
                    .iter()
                    .filter(|r| !r.distilled)
                    .filter_map(|r| {
                        run.pictures
                            .get(&r.index)
                            .map(|p| (r.report.name.as_str(), &p.trajectory))
                    })
                    .collect();
                if shown.is_empty() {
                    return Err("no round pictures yet: train 1-RF first".into());
                }
                Ok((
                    chart.stem().into(),
                    plots::side_by_side_figure(target, &shown, theme),
                ))
            }
        }
    }

    /// Writes `chart` as PNG and SVG into the export folder.
    pub(super) fn export_chart(&mut self, chart: Chart) {
        let style = FigureStyle {
            theme: self.persisted.figure_theme,
            ..FigureStyle::default()
        };
        let result = self
            .chart_figure(chart, style.theme)
            .and_then(|(stem, figure)| {
                write_figure(&self.export_dir(), &stem, &figure, &style).map_err(|e| e.to_string())
            });
        match result {
            Ok(paths) => self.info(format!("Exported {}", paths.join(" and "))),
            Err(err) => self.error(format!("Could not export the chart: {err}")),
        }
    }

    /// Asks the worker to write everything about the run into the export folder.
    pub(super) fn export_all(&mut self) -> Result<(), crate::worker::WorkerError> {
        if self.run.rounds.is_empty() || self.needs_new_run {
            self.error("Nothing to export yet: train 1-RF first.".into());
            return Ok(());
        }
        let dir = self.export_dir();
        let figures = Some(FigureStyle {
            theme: self.persisted.figure_theme,
            ..FigureStyle::default()
        });
        if let Some(w) = self.worker.as_ref() {
            w.save(SaveRequest::Folder {
                dir: dir.clone(),
                figures,
            })?;
        }
        self.info(format!(
            "Exporting the figure set, data, run card and session to {}…",
            dir.display()
        ));
        Ok(())
    }

    /// Asks the worker to save the session to the session path.
    pub(super) fn save_session(&mut self) -> Result<(), crate::worker::WorkerError> {
        if self.run.rounds.is_empty() || self.needs_new_run {
            self.error("Nothing to save yet: train 1-RF first.".into());
            return Ok(());
        }
        let path = PathBuf::from(&self.persisted.session_path);
        if let Some(w) = self.worker.as_ref() {
            w.save(SaveRequest::Session(path.clone()))?;
        }
        self.info(format!("Saving the session to {}…", path.display()));
        Ok(())
    }

    /// Reads the session at `path` and, if it is whole, replaces the open run with it. A bad
    /// file changes nothing.
    pub(super) fn open_session(&mut self, path: &Path) -> Result<(), crate::worker::WorkerError> {
        let session = match Session::load(path) {
            Ok(s) => s,
            Err(err) => {
                self.error(format!("Could not open the session: {err}"));
                return Ok(());
            }
        };
        let Some(worker) = self.worker.as_mut() else {
            return Ok(());
        };
        let (target, settings) = (session.target.clone(), session.settings.clone());
        let rounds = session.rounds.len();
        worker.open_session(session)?;
        self.persisted.target = target;
        self.persisted.settings = settings;
        self.persisted.preset = None;
        self.persisted.session_path = path.display().to_string();
        self.editor.reset();
        self.view_generation += 1;
        self.clear_run();
        self.sent_preview = None;
        self.needs_new_run = false;
        self.info(format!(
            "Opened {} ({rounds} round{})",
            path.display(),
            if rounds == 1 { "" } else { "s" }
        ));
        Ok(())
    }

    fn export_dir(&self) -> PathBuf {
        PathBuf::from(&self.persisted.export_dir)
    }

    /// The export and session section of the left panel.
    pub(super) fn export_ui(&mut self, ui: &mut egui::Ui, actions: &mut Vec<Action>) {
        egui::Grid::new("export")
            .spacing([8.0, 4.0])
            .show(ui, |ui| {
                ui.label("folder").on_hover_text(tips::EXPORT_DIR);
                ui.add(
                    egui::TextEdit::singleline(&mut self.persisted.export_dir).desired_width(170.0),
                )
                .on_hover_text(tips::EXPORT_DIR);
                ui.end_row();
                ui.label("figures").on_hover_text(tips::FIGURE_THEME);
                ui.horizontal(|ui| {
                    let t = &mut self.persisted.figure_theme;
                    ui.selectable_value(t, Theme::Light, "white");
                    ui.selectable_value(t, Theme::Dark, "dark");
                });
                ui.end_row();
            });
        if ui
            .button("Export everything (E)")
            .on_hover_text(tips::EXPORT_ALL)
            .clicked()
        {
            actions.push(Action::ExportAll);
        }
        ui.add_space(6.0);
        ui.horizontal(|ui| {
            ui.add(
                egui::TextEdit::singleline(&mut self.persisted.session_path).desired_width(150.0),
            )
            .on_hover_text(tips::SESSION_PATH);
            if ui
                .button("Save")
                .on_hover_text(tips::SAVE_SESSION)
                .clicked()
            {
                actions.push(Action::SaveSession);
            }
            if ui
                .button("Open")
                .on_hover_text(tips::OPEN_SESSION)
                .clicked()
            {
                actions.push(Action::OpenSession);
            }
        });
    }
}

/// Writes `figure` as `<stem>.png` and `<stem>.svg` in `dir` (created if missing); returns
/// the two paths as text.
fn write_figure(
    dir: &Path,
    stem: &str,
    figure: &Figure,
    style: &FigureStyle,
) -> Result<Vec<String>, crate::export::ExportError> {
    let io = |path: &Path, source| crate::export::ExportError::Io {
        path: path.display().to_string(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let png = dir.join(format!("{stem}.png"));
    let svg = dir.join(format!("{stem}.svg"));
    write_atomically(&png, &render_png(figure, style)?).map_err(|e| io(&png, e))?;
    write_atomically(&svg, render_svg(figure, style)?.as_bytes()).map_err(|e| io(&svg, e))?;
    Ok(vec![png.display().to_string(), svg.display().to_string()])
}
