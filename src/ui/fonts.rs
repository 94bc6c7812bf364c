//! The app's fonts: egui's defaults, with `DejaVu` Sans (shipped for the exported figures) as
//! the fallback for the mathematics egui's fonts lack (∫, ₀, ᵗ, …), so every symbol the app
//! writes has a glyph.

use eframe::egui::{self, FontData, FontFamily};
use eframe::epaint::text::{FontInsert, FontPriority, InsertFontFamily};

const DEJAVU_SANS: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Adds `DejaVu` Sans after egui's fonts in both families.
pub fn install(ctx: &egui::Context) {
    ctx.add_font(FontInsert::new(
        "DejaVuSans",
        FontData::from_static(DEJAVU_SANS),
        [FontFamily::Proportional, FontFamily::Monospace]
            .into_iter()
            .map(|family| InsertFontFamily {
                family,
                priority: FontPriority::Lowest,
            })
            .collect(),
    ));
}

#[cfg(test)]
mod tests {
    use eframe::egui::{self, FontFamily, FontId};

    /// The source of every file that writes text on screen: any character in them (tooltips,
    /// labels, titles, the help overlay) can reach the screen.
    const SOURCES: [&str; 21] = [
        include_str!("tips.rs"),
        include_str!("shortcuts.rs"),
        include_str!("toolbar.rs"),
        include_str!("left_panel.rs"),
        include_str!("view_bar.rs"),
        include_str!("main_view.rs"),
        include_str!("charts.rs"),
        include_str!("chart_axes.rs"),
        include_str!("line_charts.rs"),
        include_str!("quality_text.rs"),
        include_str!("bar_chart.rs"),
        include_str!("status.rs"),
        include_str!("components_table.rs"),
        include_str!("settings_form.rs"),
        include_str!("guidance_panel.rs"),
        include_str!("editor_2d.rs"),
        include_str!("runs.rs"),
        include_str!("keeping.rs"),
        include_str!("dialogs.rs"),
        include_str!("autosave.rs"),
        include_str!("export.rs"),
    ];

    #[test]
    fn every_symbol_the_app_writes_has_a_glyph() {
        let ctx = egui::Context::default();
        super::install(&ctx);
        // Fonts load on the first frame.
        let mut output = ctx.run_ui(egui::RawInput::default(), |_| {});
        // No renderer here: the font atlas upload is dropped on purpose.
        output.textures_delta.clear();
        let mut missing: Vec<char> = Vec::new();
        for source in SOURCES {
            for c in source.chars().filter(|c| !c.is_ascii()) {
                let has =
                    ctx.fonts_mut(|f| f.has_glyph(&FontId::new(16.0, FontFamily::Proportional), c));
                if !has && !missing.contains(&c) {
                    missing.push(c);
                }
            }
        }
        assert!(missing.is_empty(), "no glyph for {missing:?}");
    }
}
