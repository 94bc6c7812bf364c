//! Classifier-free guidance on the class-conditional round: the class and the scale w (the
//! samples are redrawn as they move), and the measured distance and spread against w.

use eframe::egui::{self, RichText};
use egui_plot::{Line, Plot, Text, VLine};

use super::palette;
use super::tips;
use super::view::GuidanceControls;
use crate::pipeline::GuidanceReport;

/// Guided sampling on or off, the class and the scale w (one row of the view bar).
pub fn guidance_controls_ui(ui: &mut egui::Ui, controls: &mut GuidanceControls, classes: usize) {
    ui.checkbox(&mut controls.on, "guided sampling")
        .on_hover_text(tips::GUIDED);
    if !controls.on {
        return;
    }
    let classes = classes.max(1);
    controls.class = controls.class.min(classes - 1);
    ui.label("class");
    egui::ComboBox::from_id_salt("guidance_class")
        .selected_text(
            RichText::new(format!("mode {}", controls.class + 1))
                .color(palette::mode_color(controls.class)),
        )
        .show_ui(ui, |ui| {
            for k in 0..classes {
                ui.selectable_value(
                    &mut controls.class,
                    k,
                    RichText::new(format!("mode {}", k + 1)).color(palette::mode_color(k)),
                );
            }
        });
    ui.add(
        egui::Slider::new(&mut controls.w, 0.0..=8.0)
            .step_by(0.25)
            .text("w"),
    )
    .on_hover_text(tips::GUIDANCE_W);
}

/// Distance to the class centre and spread against w for the chosen class (solid) and the
/// mean distance over classes (faint), the slider's w dashed; each curve named at its end
/// instead of a legend over the data, ticks at the measured scales.
pub fn guidance_chart_ui(
    ui: &mut egui::Ui,
    report: &GuidanceReport,
    controls: &GuidanceControls,
) -> egui::Response {
    let class = report
        .classes
        .get(controls.class)
        .or_else(|| report.classes.first());
    let Some(class) = class else {
        return ui.weak("No classes were measured.");
    };
    let series = |values: &[f64]| -> Vec<[f64; 2]> {
        report
            .scales
            .iter()
            .zip(values)
            .map(|(&s, &v)| [s, v])
            .collect()
    };
    let (distance, spread) = (palette::CHART_A, palette::CHART_B);
    let scales = report.scales.clone();
    let top = class
        .mean_distance
        .iter()
        .chain(&class.spread)
        .chain(&report.mean_distance)
        .copied()
        .fold(0.1, f64::max);
    let w_end = scales.last().copied().unwrap_or(8.0);
    Plot::new("guidance_chart")
        .custom_x_axes(vec![
            egui_plot::AxisHints::new_x()
                .label("guidance scale w")
                .label_spacing(20.0..=30.0),
        ])
        .include_y(0.0)
        .include_y(top * 1.1)
        .include_x(w_end * 1.25)
        .x_grid_spacer(move |input| super::chart_axes::spaced_marks(&scales, &input))
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .show(ui, |plot_ui| {
            let label = |plot_ui: &mut egui_plot::PlotUi<'_>, values: &[f64], text: &str, color| {
                if let Some(&last) = values.last() {
                    plot_ui.text(
                        Text::new(text, egui_plot::PlotPoint::new(w_end * 1.02, last), text)
                            .color(color)
                            .anchor(egui::Align2::LEFT_CENTER),
                    );
                }
            };
            plot_ui.line(
                Line::new("distance to centre", series(&class.mean_distance))
                    .color(distance)
                    .width(2.5),
            );
            label(plot_ui, &class.mean_distance, "distance", distance);
            plot_ui.line(
                Line::new("spread", series(&class.spread))
                    .color(spread)
                    .width(2.5),
            );
            label(plot_ui, &class.spread, "spread", spread);
            let faint = palette::faded(distance, 90);
            plot_ui.line(
                Line::new("all classes", series(&report.mean_distance))
                    .color(faint)
                    .width(1.5),
            );
            label(plot_ui, &report.mean_distance, "all", faint);
            plot_ui.vline(
                VLine::new("w", f64::from(controls.w)).style(egui_plot::LineStyle::dashed_loose()),
            );
        })
        .response
        .on_hover_text(tips::GUIDANCE_CHART)
}
