//! Draws a [`Figure`] with plotters: SVG (text stays text) or PNG.
//!
//! Sizes scale with the figure's height, so a 1080-pixel-high slide gets a 52-pixel title and
//! 30-pixel tick labels: legible from the back of a lecture hall.

use std::sync::Once;

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::ExportError;
use super::figure::{Axis, Figure, FigureStyle, Layer, Panel, Rgb, Scale};

/// The typeface every figure uses (DejaVu Sans, shipped in `assets/fonts`).
const FONT_REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
const FONT_BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");
const FAMILY: &str = "sans-serif";

static FONTS: Once = Once::new();

fn register_fonts() {
    FONTS.call_once(|| {
        // The bytes are compiled in and known to parse (tests render with them).
        let _ = plotters::style::register_font(FAMILY, FontStyle::Normal, FONT_REGULAR);
        let _ = plotters::style::register_font(FAMILY, FontStyle::Bold, FONT_BOLD);
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
    let sizes = Sizes {
        scale: f64::from(style.height_px) / 1080.0,
    };
    root.fill(&color(theme.background())).map_err(draw_error)?;
    let title_h = sizes.px(90.0);
    let (top, body) = root.split_vertically(title_h);
    let title_font = FontDesc::new(FontFamily::SansSerif, sizes.font(52.0), FontStyle::Bold)
        .color(&color(theme.foreground()))
        .pos(Pos::new(HPos::Center, VPos::Center));
    top.draw_text(
        &figure.title,
        &title_font,
        (
            style.width_px as i32 / 2,
            title_h as i32 / 2 + sizes.px(8.0) as i32,
        ),
    )
    .map_err(draw_error)?;
    let panels = figure.panels.len().max(1);
    let areas = body.split_evenly((1, panels));
    for (area, panel) in areas.iter().zip(&figure.panels) {
        draw_panel(area, panel, style, &sizes)?;
    }
    Ok(())
}

/// Where a data value sits on an axis after its scale (None if the scale cannot show it).
fn position(axis: &Axis, v: f64) -> Option<f64> {
    let p = match axis.scale {
        Scale::Log2 if v > 0.0 => v.log2(),
        Scale::Log10 if v > 0.0 => v.log10(),
        Scale::Log2 | Scale::Log10 => return None,
        Scale::Linear | Scale::Categories(_) => v,
    };
    if !p.is_finite() {
        return None;
    }
    Some(if axis.reversed {
        let (lo, hi) = span(axis);
        lo + hi - p
    } else {
        p
    })
}

/// The axis range after its scale, low to high.
fn span(axis: &Axis) -> (f64, f64) {
    let f = |v: f64| match axis.scale {
        Scale::Log2 => v.max(1e-12).log2(),
        Scale::Log10 => v.max(1e-300).log10(),
        Scale::Linear | Scale::Categories(_) => v,
    };
    let (a, b) = (f(axis.range.0), f(axis.range.1));
    let (lo, hi) = (a.min(b), a.max(b));
    if hi - lo > 1e-12 {
        (lo, hi)
    } else {
        (lo - 0.5, hi + 0.5)
    }
}

/// The tick label at position `p`.
fn tick_label(axis: &Axis, p: f64) -> String {
    let v = if axis.reversed {
        let (lo, hi) = span(axis);
        lo + hi - p
    } else {
        p
    };
    match &axis.scale {
        Scale::Linear => format_number(v),
        Scale::Log2 => format_number(2f64.powf(v)),
        Scale::Log10 => format_number(10f64.powf(v)),
        Scale::Categories(names) => {
            let i = v.round();
            if (v - i).abs() < 1e-6 && i >= 0.0 {
                names.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        }
    }
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
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    } else {
        format!("{v:.1e}")
    };
    if s == "-0" { "0".into() } else { s }
}

fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    panel: &Panel,
    style: &FigureStyle,
    sizes: &Sizes,
) -> Result<(), ExportError> {
    let theme = style.theme;
    let fg = color(theme.foreground());
    let margin = sizes.px(24.0);
    let x_label_area = sizes.px(110.0);
    let y_label_area = sizes.px(150.0);
    let heading_h = if panel.heading.is_some() {
        sizes.px(60.0)
    } else {
        0
    };
    let (mut x_span, mut y_span) = (span(&panel.x), span(&panel.y));
    if panel.equal_aspect {
        let (w, h) = area.dim_in_pixel();
        let plot_w = f64::from(w.saturating_sub(y_label_area + 2 * margin).max(1));
        let plot_h = f64::from(
            h.saturating_sub(x_label_area + heading_h + 2 * margin)
                .max(1),
        );
        (x_span, y_span) = equal_aspect(x_span, y_span, plot_w / plot_h);
    }
    let mut builder = ChartBuilder::on(area);
    builder
        .margin(margin)
        .x_label_area_size(x_label_area)
        .y_label_area_size(y_label_area);
    if let Some(heading) = &panel.heading {
        builder.caption(
            heading,
            FontDesc::new(FontFamily::SansSerif, sizes.font(40.0), FontStyle::Bold).color(&fg),
        );
    }
    let mut chart = builder
        .build_cartesian_2d(x_span.0..x_span.1, y_span.0..y_span.1)
        .map_err(draw_error)?;

    let label_font = (FAMILY, sizes.font(30.0)).into_font().color(&fg);
    let desc_font = (FAMILY, sizes.font(38.0)).into_font().color(&fg);
    let x_fmt = |p: &f64| tick_label(&panel.x, *p);
    let y_fmt = |p: &f64| tick_label(&panel.y, *p);
    let mut mesh = chart.configure_mesh();
    mesh.x_desc(panel.x.label.as_str())
        .y_desc(panel.y.label.as_str())
        .axis_desc_style(desc_font)
        .label_style(label_font)
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .axis_style(ShapeStyle::from(&fg).stroke_width(sizes.px(2.0)))
        .bold_line_style(ShapeStyle::from(&color(theme.grid())).stroke_width(sizes.px(1.5)))
        .light_line_style(TRANSPARENT)
        .set_all_tick_mark_size(sizes.px(8.0))
        .x_labels(7)
        .y_labels(7);
    if let Scale::Categories(names) = &panel.x.scale {
        mesh.x_labels(names.len() + 1).disable_x_mesh();
    }
    mesh.draw().map_err(draw_error)?;

    let project = |p: &[f64; 2]| -> Option<(f64, f64)> {
        Some((position(&panel.x, p[0])?, position(&panel.y, p[1])?))
    };
    let mut named = false;
    for layer in &panel.layers {
        named |= draw_layer(&mut chart, layer, &project, (x_span, y_span), style, sizes)?;
    }
    if panel.legend && named {
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .margin(sizes.px(16.0))
            .legend_area_size(sizes.px(50.0))
            .label_font((FAMILY, sizes.font(30.0)).into_font().color(&fg))
            .background_style(rgba(theme.background(), 0.88))
            .border_style(ShapeStyle::from(&color(theme.grid())).stroke_width(sizes.px(2.0)))
            .draw()
            .map_err(draw_error)?;
    }
    Ok(())
}

/// Widens one span so a data unit is as long on both axes in a plot `ratio` = width/height.
fn equal_aspect(x: (f64, f64), y: (f64, f64), ratio: f64) -> ((f64, f64), (f64, f64)) {
    let (w, h) = (x.1 - x.0, y.1 - y.0);
    if w / h < ratio {
        let grow = (h * ratio - w) / 2.0;
        ((x.0 - grow, x.1 + grow), y)
    } else {
        let grow = (w / ratio - h) / 2.0;
        (x, (y.0 - grow, y.1 + grow))
    }
}

type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;
type Spans = ((f64, f64), (f64, f64));
/// Maps a data point to chart coordinates (None if an axis' scale cannot show it).
type Project<'a> = dyn Fn(&[f64; 2]) -> Option<(f64, f64)> + 'a;

/// Draws one layer; returns true if it added a legend entry.
fn draw_layer<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    layer: &Layer,
    project: &Project<'_>,
    (x_span, y_span): Spans,
    style: &FigureStyle,
    sizes: &Sizes,
) -> Result<bool, ExportError> {
    let legend_len = sizes.px(40.0) as i32;
    match layer {
        Layer::Lines {
            name,
            color: c,
            alpha,
            width,
            dashed,
            lines,
        } => {
            let stroke = ShapeStyle::from(&rgba(*c, *alpha)).stroke_width(sizes.px(*width));
            let key = ShapeStyle::from(&color(*c)).stroke_width(sizes.px(width.max(3.0)));
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
            let anno = chart.draw_series(elements).map_err(draw_error)?;
            if let Some(name) = name {
                anno.label(name.as_str())
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + legend_len, y)], key));
                return Ok(true);
            }
        }
        Layer::Points {
            name,
            color: c,
            alpha,
            radius,
            points,
        } => {
            let fill = ShapeStyle::from(&rgba(*c, *alpha)).filled();
            let r = sizes.px(*radius);
            let key = ShapeStyle::from(&color(*c)).filled();
            let key_r = sizes.px(radius.max(6.0));
            let anno = chart
                .draw_series(
                    points
                        .iter()
                        .filter_map(project)
                        .map(|p| Circle::new(p, r, fill)),
                )
                .map_err(draw_error)?;
            if let Some(name) = name {
                anno.label(name.as_str())
                    .legend(move |(x, y)| Circle::new((x + legend_len / 2, y), key_r, key));
                return Ok(true);
            }
        }
        Layer::Arrows {
            name,
            color: c,
            arrows,
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
            let anno = chart.draw_series(elements).map_err(draw_error)?;
            if let Some(name) = name {
                anno.label(name.as_str()).legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + legend_len, y)], stroke)
                });
                return Ok(true);
            }
        }
        Layer::Bars {
            bars,
            width,
            values,
        } => {
            let fg = color(style.theme.foreground());
            for &(x, height, c) in bars {
                let (Some(a), Some(b)) = (
                    project(&[x - width / 2.0, 0.0]),
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
                if *values {
                    let font = (FAMILY, sizes.font(32.0))
                        .into_font()
                        .color(&fg)
                        .pos(Pos::new(HPos::Center, VPos::Bottom));
                    let top = (x, b.1 + (y_span.1 - y_span.0) * 0.01);
                    chart
                        .draw_series(std::iter::once(Text::new(format_number(height), top, font)))
                        .map_err(draw_error)?;
                }
            }
        }
        Layer::Heat {
            x_range,
            y_range,
            nx,
            ny,
            colors,
        } => {
            let (nx, ny) = (*nx, *ny);
            if nx == 0 || ny == 0 || colors.len() != nx * ny {
                return Err(ExportError::Invalid(format!(
                    "heat map of {nx}×{ny} cells has {} colours",
                    colors.len()
                )));
            }
            let (x_lo, y_lo) = (x_range.0, y_range.0);
            let dx = (x_range.1 - x_range.0) / nx as f64;
            let dy = (y_range.1 - y_range.0) / ny as f64;
            let cells = (0..ny).flat_map(|j| {
                (0..nx).map(move |i| {
                    let x0 = x_lo + dx * i as f64;
                    let y0 = y_lo + dy * j as f64;
                    Rectangle::new(
                        [(x0, y0), (x0 + dx, y0 + dy)],
                        ShapeStyle::from(&color(colors[j * nx + i])).filled(),
                    )
                })
            });
            chart.draw_series(cells).map_err(draw_error)?;
        }
        Layer::HLine { name, color: c, y } => {
            let Some((_, y)) = project(&[1.0, *y]) else {
                return Ok(false);
            };
            let stroke = ShapeStyle::from(&color(*c)).stroke_width(sizes.px(3.0));
            let dash = sizes.px(16.0);
            let anno = chart
                .draw_series(DashedLineSeries::new(
                    vec![(x_span.0, y), (x_span.1, y)],
                    dash,
                    dash,
                    stroke,
                ))
                .map_err(draw_error)?;
            if let Some(name) = name {
                anno.label(name.as_str()).legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + legend_len, y)], stroke)
                });
                return Ok(true);
            }
        }
    }
    Ok(false)
}

/// The two barbs of an arrow head at `tip`, sized to the plot (a fortieth of its diagonal).
fn arrow_head(origin: (f64, f64), tip: (f64, f64), (x, y): Spans) -> Vec<(f64, f64)> {
    // Work in units of the spans so the head looks the same on both axes.
    let (sx, sy) = (x.1 - x.0, y.1 - y.0);
    let (dx, dy) = ((tip.0 - origin.0) / sx, (tip.1 - origin.1) / sy);
    let len = (dx * dx + dy * dy).sqrt();
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
    fn log_and_reversed_axes_map_and_label_back() {
        let steps = Axis::linear("steps", (1.0, 128.0)).with_scale(Scale::Log2);
        assert_eq!(position(&steps, 8.0), Some(3.0));
        assert_eq!(position(&steps, 0.0), None);
        assert_eq!(tick_label(&steps, 3.0), "8");
        let t = Axis::linear("t", (0.0, 1.0)).reversed();
        assert_eq!(position(&t, 1.0), Some(0.0));
        assert_eq!(tick_label(&t, 0.25), "0.75");
        let rounds = Axis::linear("", (-0.5, 1.5))
            .with_scale(Scale::Categories(vec!["1-RF".into(), "2-RF".into()]));
        assert_eq!(tick_label(&rounds, 1.0), "2-RF");
        assert_eq!(tick_label(&rounds, 0.5), "");
    }

    #[test]
    fn equal_aspect_widens_the_narrow_side() {
        let (x, y) = equal_aspect((0.0, 1.0), (0.0, 1.0), 2.0);
        assert_eq!(x, (-0.5, 1.5));
        assert_eq!(y, (0.0, 1.0));
    }
}
