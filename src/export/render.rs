//! Draws a [`Figure`] with plotters: SVG (text stays text) or PNG.
//!
//! Sizes scale with the figure's height, so a 1080-pixel-high slide gets a 52-pixel title and
//! 30-pixel tick labels: legible from the back of a lecture hall. Where each part goes (the
//! panel grid, plots, legends beside the data, ticks) comes from [`super::layout`].

use std::sync::Once;

use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::ExportError;
use super::figure::{Figure, FigureStyle, Layer, Panel, Rgb, Scale};
use super::layout::{
    LegendKey, PanelFonts, PanelLayout, PixelRect, figure_layout, position, text_width, tick_label,
};

/// The typeface every figure uses (`DejaVu` Sans, shipped in `assets/fonts`).
const FONT_REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
const FONT_BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");
const FAMILY: &str = "sans-serif";

static FONTS: Once = Once::new();

/// Registers the shipped typeface with plotters (once).
pub(crate) fn register_fonts() {
    FONTS.call_once(|| {
        // The bytes are compiled in and known to parse (tests render with them).
        let _registered: Result<_, _> =
            plotters::style::register_font(FAMILY, FontStyle::Normal, FONT_REGULAR);
        let _registered: Result<_, _> =
            plotters::style::register_font(FAMILY, FontStyle::Bold, FONT_BOLD);
    });
}

/// The figure as an SVG document.
pub fn render_svg(figure: &Figure, style: &FigureStyle) -> Result<String, ExportError> {
    style.validate().map_err(ExportError::Invalid)?;
    register_fonts();
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (style.width_px, style.height_px))
            .into_drawing_area();
        draw(&root, figure, style)?;
        root.present().map_err(draw_error)?;
    }
    Ok(out)
}

/// The figure as PNG bytes.
pub fn render_png(figure: &Figure, style: &FigureStyle) -> Result<Vec<u8>, ExportError> {
    style.validate().map_err(ExportError::Invalid)?;
    register_fonts();
    let (w, h) = (style.width_px, style.height_px);
    let mut rgb = vec![0u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        draw(&root, figure, style)?;
        root.present().map_err(draw_error)?;
    }
    let mut png = Vec::new();
    let encoder = image::codecs::png::PngEncoder::new(&mut png);
    image::ImageEncoder::write_image(encoder, &rgb, w, h, image::ExtendedColorType::Rgb8)
        .map_err(|err| ExportError::Draw(err.to_string()))?;
    Ok(png)
}

fn draw_error(err: impl std::fmt::Display) -> ExportError {
    ExportError::Draw(err.to_string())
}

fn color(c: Rgb) -> RGBColor {
    RGBColor(c.0, c.1, c.2)
}

fn rgba(c: Rgb, alpha: f64) -> RGBAColor {
    RGBAColor(c.0, c.1, c.2, alpha.clamp(0.0, 1.0))
}

/// Pixel sizes for a figure `height_px` high.
struct Sizes {
    scale: f64,
}

impl Sizes {
    fn px(&self, at_1080: f64) -> u32 {
        (at_1080 * self.scale).round().max(1.0) as u32
    }
    fn font(&self, at_1080: f64) -> f64 {
        at_1080 * self.scale
    }
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    figure: &Figure,
    style: &FigureStyle,
) -> Result<(), ExportError> {
    let theme = style.theme;
    let layout = figure_layout(figure, style);
    root.fill(&color(theme.background())).map_err(draw_error)?;
    let title_font = FontDesc::new(FontFamily::SansSerif, layout.title_font, FontStyle::Bold)
        .color(&color(theme.foreground()))
        .pos(Pos::new(HPos::Center, VPos::Center));
    let title = layout.title;
    root.draw_text(
        &figure.title,
        &title_font,
        (
            (title.left + title.right) / 2,
            (title.top + title.bottom) / 2 + (0.08 * layout.title_font) as i32,
        ),
    )
    .map_err(draw_error)?;
    for (panel, panel_layout) in figure.panels.iter().zip(&layout.panels) {
        draw_panel(root, panel, panel_layout, style)?;
    }
    Ok(())
}

/// The part of `root` inside `rect`.
fn sub_area<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    rect: PixelRect,
) -> DrawingArea<DB, Shift> {
    root.clone().shrink(
        (rect.left, rect.top),
        (rect.width().max(1) as u32, rect.height().max(1) as u32),
    )
}

fn draw_panel<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    panel: &Panel,
    layout: &PanelLayout,
    style: &FigureStyle,
) -> Result<(), ExportError> {
    let theme = style.theme;
    let fg = color(theme.foreground());
    let fonts = &layout.fonts;
    let sizes = Sizes { scale: fonts.scale };
    if let (Some(heading), Some(rect)) = (&panel.heading, layout.heading) {
        draw_heading(root, heading, panel.heading_color, rect, fonts, style)?;
    }
    let (x_span, y_span) = (layout.x_span, layout.y_span);
    let chart_area = sub_area(root, layout.chart);
    let mut chart = ChartBuilder::on(&chart_area)
        .x_label_area_size(layout.chart.bottom - layout.plot.bottom)
        .y_label_area_size(layout.plot.left - layout.chart.left)
        .build_cartesian_2d(
            TickedAxis::new(x_span, &layout.x_ticks),
            TickedAxis::new(y_span, &layout.y_ticks),
        )
        .map_err(draw_error)?;
    // The layout's plot is where plotters draws (unless the panel is too small for its
    // axes, where plotters squeezes the label areas).
    if layout.plot.width() > 1 && layout.plot.height() > 1 {
        debug_assert_eq!(
            chart.plotting_area().get_pixel_range(),
            (
                layout.plot.left..layout.plot.right,
                layout.plot.top..layout.plot.bottom
            ),
            "the plot is drawn where the layout put it"
        );
    }

    let x_font = (FAMILY, fonts.x_ticks).into_font().color(&fg);
    let y_font = (FAMILY, fonts.y_ticks).into_font().color(&fg);
    let desc_font = (FAMILY, fonts.axis).into_font().color(&fg);
    let x_fmt = |p: &f64| tick_label(&panel.x, *p);
    let y_fmt = |p: &f64| tick_label(&panel.y, *p);
    let mut mesh = chart.configure_mesh();
    mesh.x_desc(panel.x.label.as_str())
        .y_desc(panel.y.label.as_str())
        .axis_desc_style(desc_font)
        .x_label_style(x_font)
        .y_label_style(y_font)
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .axis_style(ShapeStyle::from(&fg).stroke_width(sizes.px(2.0)))
        .bold_line_style(ShapeStyle::from(&color(theme.grid())).stroke_width(sizes.px(1.5)))
        .light_line_style(TRANSPARENT)
        .set_all_tick_mark_size(fonts.tick_mark.round() as u32);
    if let Scale::Categories(_) = &panel.x.scale {
        mesh.disable_x_mesh();
    }
    mesh.draw().map_err(draw_error)?;

    let project = |p: &[f64; 2]| -> Option<(f64, f64)> {
        Some((position(&panel.x, p[0])?, position(&panel.y, p[1])?))
    };
    // Bars stand on 0, or on the bottom of a log axis.
    let base = match panel.y.scale {
        Scale::Log2 => 2f64.powf(y_span.0),
        Scale::Log10 => 10f64.powf(y_span.0),
        Scale::Linear | Scale::Categories(_) => 0.0,
    };
    let context = LayerContext {
        project: &project,
        spans: (x_span, y_span),
        base,
        style,
        sizes: &sizes,
    };
    for layer in &panel.layers {
        draw_layer(&mut chart, layer, &context)?;
    }
    draw_legend(root, layout, style)
}

/// A panel's heading, centred in `rect` in the text colour; a round's colour, if given, as a
/// thick bar before the text (readable on both backgrounds, unlike coloured text).
fn draw_heading<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    heading: &str,
    key: Option<Rgb>,
    rect: PixelRect,
    fonts: &PanelFonts,
    style: &FigureStyle,
) -> Result<(), ExportError> {
    let fg = color(style.theme.foreground());
    let centre = ((rect.left + rect.right) / 2, (rect.top + rect.bottom) / 2);
    let font = FontDesc::new(FontFamily::SansSerif, fonts.heading, FontStyle::Bold)
        .color(&fg)
        .pos(Pos::new(HPos::Center, VPos::Center));
    if let Some(c) = key {
        let half_text = (text_width(heading, fonts.heading, true) / 2.0) as i32;
        let bar = (1.2 * fonts.heading) as i32;
        let gap = (0.35 * fonts.heading) as i32;
        let thick = (0.3 * fonts.heading).max(2.0) as i32;
        // Text and bar centred together, the bar kept inside the cell.
        let shift = (bar + gap) / 2;
        let x = (centre.0 + shift - half_text - gap - bar).max(rect.left);
        root.draw(&Rectangle::new(
            [
                (x, centre.1 - thick / 2),
                (x + bar, centre.1 - thick / 2 + thick),
            ],
            ShapeStyle::from(&color(c)).filled(),
        ))
        .map_err(draw_error)?;
        root.draw_text(heading, &font, (centre.0 + shift, centre.1))
            .map_err(draw_error)?;
        return Ok(());
    }
    root.draw_text(heading, &font, centre).map_err(draw_error)
}

/// The legend entries, each a key and its text, where the layout put them (outside the plot).
fn draw_legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    layout: &PanelLayout,
    style: &FigureStyle,
) -> Result<(), ExportError> {
    let fonts = &layout.fonts;
    let sizes = Sizes { scale: fonts.scale };
    let fg = color(style.theme.foreground());
    let key_w = sizes.px(48.0) as i32;
    let gap = sizes.px(12.0) as i32;
    let font = (FAMILY, fonts.legend)
        .into_font()
        .color(&fg)
        .pos(Pos::new(HPos::Left, VPos::Center));
    for item in &layout.legend_items {
        let (x, y) = item.at;
        match item.key {
            LegendKey::Line {
                color: c,
                width,
                dashed,
            } => {
                let stroke = ShapeStyle::from(&color(c)).stroke_width(sizes.px(width));
                let segments: Vec<(i32, i32)> = if dashed {
                    let dash = key_w / 5;
                    [0, 2, 4]
                        .iter()
                        .map(|i| (i * dash, (i + 1) * dash))
                        .collect()
                } else {
                    vec![(0, key_w)]
                };
                for (a, b) in segments {
                    root.draw(&PathElement::new(vec![(x + a, y), (x + b, y)], stroke))
                        .map_err(draw_error)?;
                }
            }
            LegendKey::Dot { color: c, radius } => {
                root.draw(&Circle::new(
                    (x + key_w / 2, y),
                    sizes.px(radius),
                    ShapeStyle::from(&color(c)).filled(),
                ))
                .map_err(draw_error)?;
            }
            LegendKey::Arrow { color: c } => {
                let stroke = ShapeStyle::from(&color(c)).stroke_width(sizes.px(2.5));
                let head = sizes.px(10.0) as i32;
                root.draw(&PathElement::new(vec![(x, y), (x + key_w, y)], stroke))
                    .map_err(draw_error)?;
                root.draw(&PathElement::new(
                    vec![
                        (x + key_w - head, y - head / 2),
                        (x + key_w, y),
                        (x + key_w - head, y + head / 2),
                    ],
                    stroke,
                ))
                .map_err(draw_error)?;
            }
        }
        root.draw_text(&item.name, &font, (x + key_w + gap, y))
            .map_err(draw_error)?;
    }
    Ok(())
}

/// A linear coordinate over a span whose ticks the layout chose.
struct TickedAxis {
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
}

impl TickedAxis {
    fn new((lo, hi): (f64, f64), ticks: &[f64]) -> Self {
        Self {
            lo,
            hi,
            ticks: ticks.to_vec(),
        }
    }
}

impl Ranged for TickedAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let share = (value - self.lo) / (self.hi - self.lo);
        let length = f64::from(limit.1 - limit.0);
        // Far-off points stay far off without overflowing.
        let offset = (length * share + 1e-3).floor().clamp(-1e6, 1e6);
        limit.0 + offset as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }
}

type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<TickedAxis, TickedAxis>>;
type Spans = ((f64, f64), (f64, f64));
/// Maps a data point to chart coordinates (None if an axis' scale cannot show it).
type Project<'a> = dyn Fn(&[f64; 2]) -> Option<(f64, f64)> + 'a;

/// What every layer needs besides itself.
struct LayerContext<'a> {
    project: &'a Project<'a>,
    /// Shown spans after the scales.
    spans: Spans,
    /// The value bars stand on (0, or the bottom of a log axis).
    base: f64,
    style: &'a FigureStyle,
    sizes: &'a Sizes,
}

/// Draws one layer (its legend entry is drawn by [`draw_legend`], outside the plot).
fn draw_layer<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    layer: &Layer,
    context: &LayerContext<'_>,
) -> Result<(), ExportError> {
    let LayerContext {
        project,
        spans: (x_span, y_span),
        sizes,
        ..
    } = *context;
    match layer {
        Layer::Lines {
            color: c,
            alpha,
            width,
            dashed,
            lines,
            ..
        } => {
            let stroke = ShapeStyle::from(&rgba(*c, *alpha)).stroke_width(sizes.px(*width));
            let dash = sizes.px(14.0);
            let mut elements: Vec<PathElement<(f64, f64)>> = Vec::new();
            for line in lines {
                let pts: Vec<(f64, f64)> = line.iter().filter_map(project).collect();
                if *dashed {
                    let series = DashedLineSeries::new(pts, dash, dash, stroke);
                    chart.draw_series(series).map_err(draw_error)?;
                } else if pts.len() > 1 {
                    elements.push(PathElement::new(pts, stroke));
                }
            }
            chart.draw_series(elements).map_err(draw_error)?;
        }
        Layer::Points {
            color: c,
            alpha,
            radius,
            points,
            ..
        } => {
            let fill = ShapeStyle::from(&rgba(*c, *alpha)).filled();
            let r = sizes.px(*radius);
            chart
                .draw_series(
                    points
                        .iter()
                        .filter_map(project)
                        .map(|p| Circle::new(p, r, fill)),
                )
                .map_err(draw_error)?;
        }
        Layer::Arrows {
            color: c, arrows, ..
        } => {
            let stroke = ShapeStyle::from(&color(*c)).stroke_width(sizes.px(2.5));
            let mut elements = Vec::with_capacity(arrows.len() * 2);
            for (origin, tip) in arrows {
                let (Some(a), Some(b)) = (project(origin), project(tip)) else {
                    continue;
                };
                elements.push(PathElement::new(vec![a, b], stroke));
                elements.push(PathElement::new(arrow_head(a, b, (x_span, y_span)), stroke));
            }
            chart.draw_series(elements).map_err(draw_error)?;
        }
        Layer::Bars {
            bars,
            width,
            values,
        } => draw_bars(chart, bars, *width, *values, context)?,
        Layer::Heat {
            x_range,
            y_range,
            nx,
            ny,
            colors,
        } => draw_heat(
            chart,
            (*x_range, *y_range),
            (*nx, *ny),
            colors,
            (x_span, y_span),
        )?,
        Layer::HLine { color: c, y, .. } => {
            let Some((_, y)) = project(&[1.0, *y]) else {
                return Ok(());
            };
            let stroke = ShapeStyle::from(&color(*c)).stroke_width(sizes.px(3.0));
            let dash = sizes.px(16.0);
            chart
                .draw_series(DashedLineSeries::new(
                    vec![(x_span.0, y), (x_span.1, y)],
                    dash,
                    dash,
                    stroke,
                ))
                .map_err(draw_error)?;
        }
    }
    Ok(())
}

/// Draws bars standing on the base, with their values above them if `values`.
fn draw_bars<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    bars: &[(f64, f64, Rgb)],
    width: f64,
    values: bool,
    context: &LayerContext<'_>,
) -> Result<(), ExportError> {
    let LayerContext {
        project,
        spans: (_, y_span),
        base,
        style,
        sizes,
    } = *context;
    let fg = color(style.theme.foreground());
    let font = (FAMILY, sizes.font(30.0))
        .into_font()
        .color(&fg)
        .pos(Pos::new(HPos::Center, VPos::Bottom));
    for &(x, height, c) in bars {
        let (Some(a), Some(b)) = (
            project(&[x - width / 2.0, base]),
            project(&[x + width / 2.0, height]),
        ) else {
            continue;
        };
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [a, b],
                ShapeStyle::from(&color(c)).filled(),
            )))
            .map_err(draw_error)?;
        if values {
            let top = (x, b.1 + (y_span.1 - y_span.0) * 0.01);
            chart
                .draw_series(std::iter::once(Text::new(
                    format_compact(height),
                    top,
                    font.clone(),
                )))
                .map_err(draw_error)?;
        }
    }
    Ok(())
}

/// Draws a heat map of `nx`×`ny` coloured cells, clipped to the shown spans.
fn draw_heat<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    (x_range, y_range): Spans,
    (nx, ny): (usize, usize),
    colors: &[Rgb],
    (x_span, y_span): Spans,
) -> Result<(), ExportError> {
    if nx == 0 || ny == 0 || colors.len() != nx * ny {
        return Err(ExportError::Invalid(format!(
            "heat map of {nx}×{ny} cells has {} colours",
            colors.len()
        )));
    }
    let (x_lo, y_lo) = (x_range.0, y_range.0);
    let dx = (x_range.1 - x_range.0) / nx as f64;
    let dy = (y_range.1 - y_range.0) / ny as f64;
    // Cells clipped to the plot: the map may be drawn larger than the view.
    let clip = |v: f64, (lo, hi): (f64, f64)| v.clamp(lo, hi);
    let cells = (0..ny).flat_map(|j| {
        (0..nx).filter_map(move |i| {
            let x0 = clip(x_lo + dx * i as f64, x_span);
            let y0 = clip(y_lo + dy * j as f64, y_span);
            let x1 = clip(x_lo + dx * (i + 1) as f64, x_span);
            let y1 = clip(y_lo + dy * (j + 1) as f64, y_span);
            (x1 > x0 && y1 > y0).then(|| {
                Rectangle::new(
                    [(x0, y0), (x1, y1)],
                    ShapeStyle::from(&color(colors[j * nx + i])).filled(),
                )
            })
        })
    });
    chart.draw_series(cells).map_err(draw_error)?;
    Ok(())
}

/// The two barbs of an arrow head at `tip`, sized to the plot (a fortieth of its diagonal).
fn arrow_head(origin: (f64, f64), tip: (f64, f64), (x, y): Spans) -> Vec<(f64, f64)> {
    // Work in units of the spans so the head looks the same on both axes.
    let (sx, sy) = (x.1 - x.0, y.1 - y.0);
    let (dx, dy) = ((tip.0 - origin.0) / sx, (tip.1 - origin.1) / sy);
    let len = dx.hypot(dy);
    if len < 1e-9 {
        return vec![tip, tip];
    }
    let head = (0.012f64).min(0.5 * len);
    let (ux, uy) = (dx / len, dy / len);
    let barb = |angle: f64| {
        let (c, s) = (angle.cos(), angle.sin());
        let bx = -(ux * c - uy * s) * head;
        let by = -(ux * s + uy * c) * head;
        (tip.0 + bx * sx, tip.1 + by * sy)
    };
    vec![barb(0.45), tip, barb(-0.45)]
}

/// A number as a slide shows it: no trailing zeros, three significant figures.
pub fn format_number(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let a = v.abs();
    let s = if a >= 1000.0 {
        format!("{v:.0}")
    } else if a >= 0.01 {
        let decimals = (2 - a.log10().floor() as i32).clamp(0, 4) as usize;
        let s = format!("{v:.decimals$}");
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_owned()
        } else {
            s
        }
    } else {
        format!("{v:.1e}")
    };
    if s == "-0" { "0".into() } else { s }
}

/// A number as a tick or bar label: at most three significant figures, plain decimals from
/// 0.0001 to 99999 (`0.002`, `9.5`, `1250`), scientific only outside that.
pub fn format_compact(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return if v.is_nan() { "–".into() } else { "0".into() };
    }
    let a = v.abs();
    if !(1e-4..1e5).contains(&a) {
        return format!("{v:.1e}");
    }
    let decimals = (2 - a.log10().floor() as i32).clamp(0, 6) as usize;
    let s = format!("{v:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    };
    if s == "-0" { "0".into() } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_like_a_slide() {
        assert_eq!(format_number(0.0), "0");
        assert_eq!(format_number(2.0), "2");
        assert_eq!(format_number(0.1234), "0.123");
        assert_eq!(format_number(12.5), "12.5");
        assert_eq!(format_number(256.0), "256");
        assert_eq!(format_number(0.001), "1.0e-3");
        assert_eq!(format_number(-0.0001), "-1.0e-4");
    }

    #[test]
    fn compact_labels_keep_small_values_as_decimals() {
        assert_eq!(format_compact(0.002), "0.002");
        assert_eq!(format_compact(0.00234), "0.00234");
        assert_eq!(format_compact(9.53), "9.53");
        assert_eq!(format_compact(1250.0), "1250");
        assert_eq!(format_compact(0.30000000000000004), "0.3");
        assert_eq!(format_compact(-2.0), "-2");
        assert_eq!(format_compact(2e-5), "2.0e-5");
    }
}
