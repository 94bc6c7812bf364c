//! What the last frame laid out where.
//!
//! The main plots' rectangles and whether each chart title fitted its row. Kept in egui's
//! per-frame memory so the layout test can check, at any window size, that the pictures get
//! the room and nothing is cut short.

use eframe::egui::{self, Id, Rect};

/// A chart title and the room it had.
#[derive(Clone, Debug, PartialEq)]
pub struct TitleFit {
    /// The title.
    pub title: String,
    /// Width its text needs, in points.
    pub needed: f32,
    /// Width it was given, in points.
    pub available: f32,
}

/// The layout of one frame.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LayoutProbe {
    /// The two main plots (target and paths), each with its axes.
    pub main_plots: Vec<Rect>,
    /// Every chart title drawn.
    pub titles: Vec<TitleFit>,
}

fn id() -> Id {
    Id::unique("flowlab-layout-probe")
}

/// Starts a new frame's record.
pub(super) fn begin_frame(ctx: &egui::Context) {
    ctx.data_mut(|d| d.insert_temp(id(), LayoutProbe::default()));
}

/// Records a main plot's rectangle.
pub(super) fn main_plot(ctx: &egui::Context, rect: Rect) {
    ctx.data_mut(|d| {
        d.get_temp_mut_or_default::<LayoutProbe>(id())
            .main_plots
            .push(rect);
    });
}

/// Records a chart title and the room it had.
pub(super) fn title(ctx: &egui::Context, title: &str, needed: f32, available: f32) {
    ctx.data_mut(|d| {
        d.get_temp_mut_or_default::<LayoutProbe>(id())
            .titles
            .push(TitleFit {
                title: title.to_owned(),
                needed,
                available,
            });
    });
}

/// The layout of the last frame drawn on `ctx`.
pub fn last(ctx: &egui::Context) -> LayoutProbe {
    ctx.data(|d| d.get_temp::<LayoutProbe>(id()).unwrap_or_default())
}
