//! Classifier-free guidance on the class-conditional round: the class, the scale w (the
//! samples are redrawn as it moves) and the measured distance and spread against w.

use eframe::egui::{self, RichText};

use super::palette;
use super::tips;
use super::view::GuidanceControls;

/// Classifier-free guidance on the selected class-conditional round: the class, the scale w
/// (samples redrawn as it moves) and the measured distance/spread against w.
pub fn guidance_ui(
    ui: &mut egui::Ui,
    controls: &mut GuidanceControls,
    report: &crate::pipeline::GuidanceReport,
) {
    ui.checkbox(&mut controls.on, "guided sampling")
        .on_hover_text(tips::GUIDED);
    if !controls.on {
        return;
    }
    let classes = report.classes.len().max(1);
    controls.class = controls.class.min(classes - 1);
    ui.horizontal(|ui| {
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
    });
    ui.add(
        egui::Slider::new(&mut controls.w, 0.0..=8.0)
            .step_by(0.25)
            .text("w"),
    )
    .on_hover_text(tips::GUIDANCE_W);
    if let Some(class) = report.classes.get(controls.class) {
        guidance_chart_ui(ui, report, class, controls.w);
    }
}

/// Distance to the class centre and spread against w for one class (solid) and the mean over
/// classes (faint), with the slider's w dashed.
fn guidance_chart_ui(
    ui: &mut egui::Ui,
    report: &crate::pipeline::GuidanceReport,
    class: &crate::pipeline::ClassGuidance,
    w: f32,
) {
    use egui_plot::{Legend, Line, Plot, VLine};
    let series = |values: &[f64]| -> Vec<[f64; 2]> {
        report
            .scales
            .iter()
            .zip(values)
            .map(|(&s, &v)| [s, v])
            .collect()
    };
    let (distance, spread) = (palette::round_color(0), palette::round_color(1));
    Plot::new("guidance_chart")
        .height(170.0)
        .legend(Legend::default().position(egui_plot::Corner::LeftTop))
        .x_axis_label("w")
        .include_y(0.0)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .show(ui, |plot_ui| {
            plot_ui.line(
                Line::new("distance to centre", series(&class.mean_distance))
                    .color(distance)
                    .width(2.5),
            );
            plot_ui.line(
                Line::new("spread", series(&class.spread))
                    .color(spread)
                    .width(2.5),
            );
            plot_ui.line(
                Line::new("all classes", series(&report.mean_distance))
                    .color(palette::faded(distance, 90))
                    .width(1.5),
            );
            plot_ui
                .vline(VLine::new("w", f64::from(w)).style(egui_plot::LineStyle::dashed_loose()));
        })
        .response
        .on_hover_text(tips::GUIDANCE_CHART);
}
