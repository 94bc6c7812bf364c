//! Per-round values as horizontal bars: transport cost and straightness.

use eframe::egui::{self, Color32, RichText};
use egui_plot::{Bar, BarChart, GridMark, HoverPosition, LineStyle, Plot, PlotPoint, Text, VLine};

use super::chart_axes::{format_value, short_name};
use super::palette::round_color;

/// A dashed reference value across the bars (the optimal transport cost), and which bars sit
/// below it by more than their error (drawn hatched-free but labelled "drift").
pub(super) struct Reference<'a> {
    /// Where the line stands.
    pub value: f64,
    /// Its name in the hover text.
    pub name: &'a str,
    /// One flag per bar: below the reference by more than its error.
    pub below: Vec<bool>,
}

/// One horizontal bar per round, its name on the left and its value at its end, so seven
/// rounds stay readable in a narrow chart; with `log`, bar lengths are log10 of the values
/// (ticks read as values). A `reference` adds a dashed vertical line and marks the bars
/// below it.
pub(super) fn bars_ui(
    ui: &mut egui::Ui,
    id: &str,
    x_label: &str,
    values: &[(&str, f64)],
    log: bool,
    reference: Option<&Reference<'_>>,
) -> egui::Response {
    let names: Vec<String> = values.iter().map(|v| short_name(v.0)).collect();
    let length = |v: f64| if log { v.max(1e-12).log10() } else { v };
    let lengths: Vec<f64> = values.iter().map(|v| length(v.1)).collect();
    let end = lengths
        .iter()
        .copied()
        .chain(reference.map(|r| length(r.value)))
        .fold(f64::NEG_INFINITY, f64::max);
    let start = if log {
        lengths
            .iter()
            .copied()
            .fold(f64::INFINITY, f64::min)
            .floor()
            - 0.5
    } else {
        0.0
    };
    let end = if end > start { end } else { start + 1.0 };
    let room = (end - start) * 0.3;
    let n = values.len();
    // The first round on top.
    let row = |k: usize| (n - 1 - k) as f64;
    let mut plot = Plot::new(id)
        .x_axis_label(if log {
            format!("{x_label} (log)")
        } else {
            x_label.to_owned()
        })
        .include_x(start)
        .include_x(end + room)
        .include_y(-0.6)
        .include_y(n as f64 - 0.4)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .show_grid([true, false])
        .label_formatter(|pos| match pos {
            HoverPosition::NearDataPoint { plot_name, .. } => Some((*plot_name).to_owned()),
            HoverPosition::Elsewhere { .. } => None,
        });
    plot = with_round_names(plot, names);
    if log {
        plot = plot.x_axis_formatter(|mark, _| format_value(10f64.powf(mark.value)));
    }
    let text_size = ui.text_style_height(&egui::TextStyle::Small);
    plot.show(ui, |plot_ui| {
        let row_px = (plot_ui.screen_from_plot(PlotPoint::new(0.0, 0.0)).y
            - plot_ui.screen_from_plot(PlotPoint::new(0.0, 1.0)).y)
            .abs();
        for (k, ((name, value), len)) in values.iter().zip(&lengths).enumerate() {
            let color = round_color(name);
            let drift = reference.is_some_and(|r| r.below.get(k).copied().unwrap_or(false));
            let note = reference
                .filter(|_| drift)
                .map(drift_note)
                .unwrap_or_default();
            let bar = Bar::new(row(k), len - start)
                .base_offset(start)
                .width(0.7)
                .fill(color)
                .name(format!("{name}: {}{note}", format_value(*value)));
            plot_ui.bar_chart(BarChart::new(*name, vec![bar]).color(color).horizontal());
            // Values only where a row is tall enough to hold one (hover reads them anyway).
            if row_px >= text_size {
                plot_ui.text(
                    Text::new(
                        "value",
                        PlotPoint::new(len + room * 0.05, row(k)),
                        RichText::new(if drift {
                            format!("{} drift", format_value(*value))
                        } else {
                            format_value(*value)
                        })
                        .size(text_size),
                    )
                    .anchor(egui::Align2::LEFT_CENTER),
                );
            }
        }
        if let Some(r) = reference {
            plot_ui.vline(
                VLine::new(r.name, length(r.value))
                    .color(Color32::from_gray(90))
                    .style(LineStyle::dashed_loose())
                    .width(1.5),
            );
        }
    })
    .response
}

/// The bars' y axis: one mark per bar, labelled with its round's (short) name, the first
/// round on top.
fn with_round_names(plot: Plot<'_>, names: Vec<String>) -> Plot<'_> {
    let n = names.len();
    plot.custom_y_axes(vec![
        egui_plot::AxisHints::new_y().label_spacing(10.0..=16.0),
    ])
    .y_grid_spacer(|input| {
        // One mark per bar, so every round is named beside its bar.
        let (lo, hi) = input.bounds;
        (lo.ceil().max(0.0) as i64..=hi.floor() as i64)
            .map(|i| GridMark {
                value: i as f64,
                step_size: 1.0,
            })
            .collect()
    })
    .y_axis_formatter(move |mark, _| {
        let i = mark.value.round();
        if (mark.value - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < n {
            names.get(n - 1 - i as usize).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    })
}

/// The hover text's note on a bar below the reference.
fn drift_note(reference: &Reference<'_>) -> String {
    format!(
        "\nbelow the {} ({}) by more than its error: the teacher's samples have drifted from \
         the target",
        reference.name,
        format_value(reference.value)
    )
}
