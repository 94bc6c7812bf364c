//! Getting pictures, numbers and sessions out of the app: one chart at a time (built from
//! what the window shows, rendered by the worker's files thread), everything at once
//! (written by the trainer, which owns the models), and sessions saved and opened.

use std::path::{Path, PathBuf};

use eframe::egui;

use super::action::{Action, Chart};
use super::keeping::Keeping;
use super::parts::Parts;
use super::received::RunView;
use super::state::Persisted;
use super::tips;
use super::view::Selection;
use crate::export::plots::{self, RoundData};
use crate::export::session::Session;
use crate::export::{Figure, FigureStyle, Theme};
use crate::pipeline::Measure;
use crate::target::Mixture;
use crate::worker::{SaveRequest, WorkerError};

/// Why a chart cannot be exported yet: what is missing.
#[derive(Debug, thiserror::Error)]
enum NothingToExport {
    #[error("nothing to export yet: train 1-RF first")]
    Rounds,
    #[error("no losses yet: press Train")]
    Losses,
    #[error("no picture of the selected model yet")]
    Picture,
    #[error("turn on \"velocity field at t\" to export the field")]
    Field,
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

/// The figure of `chart` from what the window holds now, and its file stem.
fn chart_figure(
    chart: Chart,
    target: &Mixture,
    run: &RunView,
    selection: Selection,
    measure: Measure,
    theme: Theme,
) -> Result<(String, Figure), NothingToExport> {
    let rounds = round_data(run);
    let need_rounds = || {
        if rounds.is_empty() {
            Err(NothingToExport::Rounds)
        } else {
            Ok(())
        }
    };
    let name = run.model_name(selection).unwrap_or_else(|| "model".into());
    let file_name = name.replace(" (live)", "-live");
    let figure = match chart {
        Chart::Samples | Chart::Paths | Chart::Field => {
            let p = run.picture(selection).ok_or(NothingToExport::Picture)?;
            let how = p.sampler_text();
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
                    let field = p.field.as_ref().ok_or(NothingToExport::Field)?;
                    plots::field_figure(
                        target,
                        field,
                        &format!("{name}: velocity field at t = {:.2}", field.t),
                        theme,
                    )
                }
            };
            let stem = format!("{}_{file_name}_{}steps", chart.stem(), p.steps);
            return Ok((stem, figure));
        }
        Chart::Loss => {
            let live = run
                .progress
                .as_ref()
                .map(|p| (p.round.as_str(), run.live_losses.as_slice()));
            if rounds.is_empty() && live.is_none_or(|l| l.1.is_empty()) {
                return Err(NothingToExport::Losses);
            }
            plots::loss_figure(&rounds, live)
        }
        Chart::Cost => {
            need_rounds()?;
            plots::cost_figure(&rounds, run.ot_minimum.as_ref())
        }
        Chart::Straightness => {
            need_rounds()?;
            plots::straightness_figure(&rounds)
        }
        Chart::Quality => {
            need_rounds()?;
            let figure = plots::quality_figure(
                &rounds,
                measure,
                run.floors.map(|f| measure.floor(&f)),
                run.w2_points,
            );
            return Ok((measure.stem().to_owned(), figure));
        }
        Chart::Guidance => {
            let report = run
                .rounds
                .iter()
                .find_map(|r| r.report.guidance.as_ref())
                .ok_or(NothingToExport::Rounds)?;
            plots::guidance_figure(report)
        }
        Chart::SideBySide => {
            let shown: Vec<(&str, &crate::flow::Trajectory)> = run
                .rounds
                .iter()
                .filter_map(|r| {
                    run.pictures
                        .get(&r.index)
                        .map(|p| (r.report.name.as_str(), &p.trajectory))
                })
                .collect();
            if shown.is_empty() {
                return Err(NothingToExport::Picture);
            }
            plots::side_by_side_figure(target, &shown, theme)
        }
        Chart::Showdown => crate::export::showdown_figure(
            &rounds,
            run.floors
                .map(|f| crate::pipeline::Measure::WithinModeW2.floor(&f).mean),
        )
        .ok_or(NothingToExport::Rounds)?,
    };
    Ok((chart.stem().to_owned(), figure))
}

/// Builds `chart` from what is on screen and hands it to the files thread, which writes it
/// as PNG and SVG into the export folder (`pending_export` notes the folder, for the "Open
/// folder" button).
pub fn export_chart(app: &mut Parts<'_>, pending_export: &mut Option<PathBuf>, chart: Chart) {
    let style = FigureStyle {
        theme: app.persisted.figure_theme,
        ..FigureStyle::default()
    };
    let built = chart_figure(
        chart,
        &app.persisted.target,
        &app.run.view,
        app.view.selection,
        app.view.measure,
        style.theme,
    );
    let (stem, figure) = match built {
        Ok(built) => built,
        Err(err) => {
            app.status
                .error(format!("Could not export the chart: {err}"));
            return;
        }
    };
    let dir = export_dir(app.persisted);
    *pending_export = Some(crate::worker::absolute(&dir));
    let sent = app
        .run
        .worker()
        .ok_or(WorkerError::Gone)
        .and_then(|w| w.write_figure(dir.clone(), stem, figure, style));
    match sent {
        Ok(()) => app.status.info(format!(
            "Exporting the chart to {}…",
            crate::worker::absolute(&dir).display()
        )),
        Err(err) => app
            .status
            .error(format!("Could not export the chart: {err}")),
    }
}

/// Asks the worker to write everything about the run into the export folder
/// (`pending_export` notes the folder, for the "Open folder" button).
pub fn export_all(
    app: &mut Parts<'_>,
    pending_export: &mut Option<PathBuf>,
) -> Result<(), WorkerError> {
    if app.run.view.rounds.is_empty() || app.run.needs_new_run {
        app.status.error("Nothing to export yet: train 1-RF first.");
        return Ok(());
    }
    let dir = export_dir(app.persisted);
    let figures = Some(FigureStyle {
        theme: app.persisted.figure_theme,
        ..FigureStyle::default()
    });
    *pending_export = Some(crate::worker::absolute(&dir));
    if let Some(w) = app.run.worker() {
        w.save(SaveRequest::Folder {
            dir: dir.clone(),
            figures,
        })?;
    }
    app.status.info(format!(
        "Exporting the figure set, data, run card and session to {}…",
        crate::worker::absolute(&dir).display()
    ));
    Ok(())
}

/// Asks the worker to save the session to the session path.
pub fn save_session(app: &mut Parts<'_>) -> Result<(), WorkerError> {
    if app.run.view.rounds.is_empty() || app.run.needs_new_run {
        app.status.error("Nothing to save yet: train 1-RF first.");
        return Ok(());
    }
    let path = crate::worker::absolute(Path::new(&app.persisted.session_path));
    if let Some(w) = app.run.worker() {
        w.save(SaveRequest::Session(path.clone()))?;
    }
    app.status.info(format!(
        "Saving the session to {}…",
        crate::worker::absolute(&path).display()
    ));
    Ok(())
}

/// Replaces the open run with `session`, read and checked by the files thread; the worker
/// restores its rounds without training (`keep` keeps the run it replaces, for undo).
pub fn open_session(app: &mut Parts<'_>, keep: &mut Keeping, path: &Path, session: Session) {
    if keep.kept_session_read(app, path, &session) {
        return;
    }
    // The run on screen is kept, and undo goes back to it.
    keep.before_edit(app, format!("the opening of {}", path.display()));
    let Some(worker) = app.run.worker_mut() else {
        return;
    };
    let (target, settings) = (session.target.clone(), session.settings.clone());
    let rounds = session.rounds.len();
    if let Err(err) = worker.open_session(session) {
        app.status
            .error(format!("Could not open the session: {err}"));
        return;
    }
    app.persisted.target = target;
    app.persisted.settings = settings;
    app.persisted.preset = crate::target::presets::name_of(&app.persisted.target).map(Into::into);
    if !keep.autosave.owns(path) {
        app.persisted.session_path = path.display().to_string();
    }
    app.editing.new_target(None);
    app.view.reset_zoom();
    app.view.selection = Selection::Live;
    app.run.begin_run();
    app.status.info(format!(
        "Opened {} ({rounds} round{})",
        path.display(),
        if rounds == 1 { "" } else { "s" }
    ));
}

/// The export folder in full, so every message says where the files went.
fn export_dir(persisted: &Persisted) -> PathBuf {
    crate::worker::absolute(Path::new(&persisted.export_dir))
}

/// A row with a path and its buttons, after `label` if given. With file dialogs the path
/// is shown after the buttons, by its last part, shortened to the room left and whole in
/// its tooltip; without, it is a field to type in, before the buttons.
pub fn path_row_ui(
    ui: &mut egui::Ui,
    label: Option<&str>,
    path: &mut String,
    dialogs: bool,
    tip: &str,
    buttons: impl FnOnce(&mut egui::Ui),
) {
    ui.horizontal(|ui| {
        if let Some(label) = label {
            ui.label(label).on_hover_text(tip);
        }
        if !dialogs {
            let width = (ui.available_width() - 110.0).clamp(100.0, 220.0);
            ui.add(egui::TextEdit::singleline(path).desired_width(width))
                .on_hover_text(tip);
            buttons(ui);
            return;
        }
        buttons(ui);
        let full = crate::worker::absolute(Path::new(path.as_str()));
        let name = full
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| full.display().to_string());
        ui.add(egui::Label::new(egui::RichText::new(name).monospace()).truncate())
            .on_hover_text(format!("{}\n{tip}", full.display()));
    });
}

/// The export and session section of the left panel (`dialogs`: paths are chosen in file
/// dialogs, else typed).
pub fn export_section_ui(
    ui: &mut egui::Ui,
    persisted: &mut Persisted,
    dialogs: bool,
    actions: &mut Vec<Action>,
) {
    path_row_ui(
        ui,
        Some("folder"),
        &mut persisted.export_dir,
        dialogs,
        tips::EXPORT_DIR,
        |ui| {
            if dialogs
                && ui
                    .button("Choose…")
                    .on_hover_text("Choose the folder exports go to.")
                    .clicked()
            {
                actions.push(Action::ChooseExportFolder);
            }
        },
    );
    ui.horizontal(|ui| {
        ui.label("figures").on_hover_text(tips::FIGURE_THEME);
        let t = &mut persisted.figure_theme;
        ui.selectable_value(t, Theme::Light, "white");
        ui.selectable_value(t, Theme::Dark, "dark");
    });
    if ui
        .button("Export everything (E)")
        .on_hover_text(tips::EXPORT_ALL)
        .clicked()
    {
        actions.push(Action::ExportAll);
    }
    ui.add_space(6.0);
    path_row_ui(
        ui,
        None,
        &mut persisted.session_path,
        dialogs,
        tips::SESSION_PATH,
        |ui| {
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
        },
    );
}
