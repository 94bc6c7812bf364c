//! Where everything of a figure goes, in pixels.
//!
//! The title, a grid of panels shaped for the slide, and in each panel its heading, the
//! plot (the data area), the axis label areas and the legend, which sits beside or below
//! the plot and never over the data. Ticks are chosen here too, from the room each axis
//! has, so tick labels never collide. The renderer draws exactly this layout, and tests can
//! check it without reading pixels.

use plotters::style::{FontDesc, FontFamily, FontStyle};

use super::figure::{Axis, Figure, FigureStyle, Layer, Panel, Rgb, Scale};
use super::render::{format_compact, register_fonts};

/// A rectangle in pixels: x to the right, y down from the figure's top-left corner; `right`
/// and `bottom` are one past the last pixel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PixelRect {
    /// First column.
    pub left: i32,
    /// First row.
    pub top: i32,
    /// One past the last column.
    pub right: i32,
    /// One past the last row.
    pub bottom: i32,
}

impl PixelRect {
    /// Width in pixels.
    pub fn width(&self) -> i32 {
        self.right - self.left
    }

    /// Height in pixels.
    pub fn height(&self) -> i32 {
        self.bottom - self.top
    }

    /// True if the two rectangles share at least one pixel.
    pub fn intersects(&self, other: &Self) -> bool {
        self.left < other.right
            && other.left < self.right
            && self.top < other.bottom
            && other.top < self.bottom
    }

    /// True if `other` lies wholly inside this rectangle.
    pub fn contains(&self, other: &Self) -> bool {
        self.left <= other.left
            && other.right <= self.right
            && self.top <= other.top
            && other.bottom <= self.bottom
    }

    fn new(left: f64, top: f64, right: f64, bottom: f64) -> Self {
        Self {
            left: left.round() as i32,
            top: top.round() as i32,
            right: right.round().max(left.round() + 1.0) as i32,
            bottom: bottom.round().max(top.round() + 1.0) as i32,
        }
    }
}

/// How a legend entry's key is drawn.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LegendKey {
    /// A short line.
    Line {
        /// Colour.
        color: Rgb,
        /// Width in pixels at 1080 p.
        width: f64,
        /// Dashed.
        dashed: bool,
    },
    /// A dot.
    Dot {
        /// Colour.
        color: Rgb,
        /// Radius in pixels at 1080 p.
        radius: f64,
    },
    /// A short arrow.
    Arrow {
        /// Colour.
        color: Rgb,
    },
}

/// One legend entry and where it is drawn.
#[derive(Clone, Debug, PartialEq)]
pub struct LegendItem {
    /// The text.
    pub name: String,
    /// Its key.
    pub key: LegendKey,
    /// The left end of the key, vertically centred on the entry, in pixels.
    pub at: (i32, i32),
}

/// Font sizes and drawing scale of one panel, in pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PanelFonts {
    /// Pixels per pixel-at-1080p for marks (line widths, dot radii).
    pub scale: f64,
    /// Heading.
    pub heading: f64,
    /// Tick labels along x.
    pub x_ticks: f64,
    /// Tick labels along y.
    pub y_ticks: f64,
    /// Axis descriptions.
    pub axis: f64,
    /// Legend text.
    pub legend: f64,
    /// Length of a tick mark.
    pub tick_mark: f64,
}

/// Where one panel's parts go.
#[derive(Clone, Debug, PartialEq)]
pub struct PanelLayout {
    /// The grid cell the panel owns.
    pub cell: PixelRect,
    /// The heading's box, if the panel has one.
    pub heading: Option<PixelRect>,
    /// The chart: the plot with its axis label areas (left and below).
    pub chart: PixelRect,
    /// The plot: the data area inside the axes.
    pub plot: PixelRect,
    /// The legend's box, beside or below the chart, if the panel shows one.
    pub legend: Option<PixelRect>,
    /// The legend's entries.
    pub legend_items: Vec<LegendItem>,
    /// Shown range along x after the axis scale (and equal aspect), low to high.
    pub x_span: (f64, f64),
    /// Shown range along y after the axis scale (and equal aspect), low to high.
    pub y_span: (f64, f64),
    /// Tick positions along x (after the scale).
    pub x_ticks: Vec<f64>,
    /// Tick positions along y (after the scale).
    pub y_ticks: Vec<f64>,
    /// Sizes.
    pub fonts: PanelFonts,
}

impl PanelLayout {
    /// Moves every part `dy` pixels down.
    fn shift_down(&mut self, dy: i32) {
        let shift = |r: &mut PixelRect| {
            r.top += dy;
            r.bottom += dy;
        };
        shift(&mut self.cell);
        shift(&mut self.chart);
        shift(&mut self.plot);
        if let Some(h) = self.heading.as_mut() {
            shift(h);
        }
        if let Some(l) = self.legend.as_mut() {
            shift(l);
        }
        for item in &mut self.legend_items {
            item.at.1 += dy;
        }
    }
}

/// Where everything of a figure goes.
#[derive(Clone, Debug, PartialEq)]
pub struct FigureLayout {
    /// The whole figure.
    pub frame: PixelRect,
    /// The title's box.
    pub title: PixelRect,
    /// The title's font size in pixels (shrunk to fit the width).
    pub title_font: f64,
    /// Grid rows.
    pub rows: usize,
    /// Grid columns.
    pub cols: usize,
    /// One per panel, in the figure's order.
    pub panels: Vec<PanelLayout>,
}

/// The layout of `figure` at `style`'s size: a grid of rows × columns chosen so each panel's
/// plot is as large as it can be on the slide.
pub fn figure_layout(figure: &Figure, style: &FigureStyle) -> FigureLayout {
    let (w, h) = (f64::from(style.width_px), f64::from(style.height_px));
    let scale = h / 1080.0;
    let title_h = (90.0 * scale).round();
    let title_font = fit_font(&figure.title, 52.0 * scale, 0.94 * w, true);
    let n = figure.panels.len().max(1);
    let k = scale
        * match n {
            1 => 1.0,
            2..=4 => 0.85,
            _ => 0.72,
        };
    let mut best: Option<(f64, usize, usize, Vec<PanelLayout>)> = None;
    for rows in 1..=n {
        let cols = n.div_ceil(rows);
        if rows > 1 && (rows - 1) * cols >= n {
            continue;
        }
        let (cell_w, cell_h) = (w / cols as f64, (h - title_h) / rows as f64);
        let panels: Vec<PanelLayout> = figure
            .panels
            .iter()
            .enumerate()
            .map(|(i, panel)| {
                let (r, c) = (i / cols, i % cols);
                let cell = PixelRect::new(
                    c as f64 * cell_w,
                    title_h + r as f64 * cell_h,
                    (c + 1) as f64 * cell_w,
                    title_h + (r + 1) as f64 * cell_h,
                );
                panel_layout(panel, cell, k, n > 1)
            })
            .collect();
        let score = figure
            .panels
            .iter()
            .zip(&panels)
            .map(|(p, l)| plot_score(p, l))
            .fold(f64::INFINITY, f64::min);
        if best.as_ref().is_none_or(|b| score > b.0 * 1.0001) {
            best = Some((score, rows, cols, panels));
        }
    }
    let (_, rows, cols, mut panels) = best.unwrap_or((0.0, 1, 1, Vec::new()));
    if n > 1 && figure.panels.iter().any(|p| p.equal_aspect) {
        centre_rows(&mut panels, cols, (title_h, h), 14.0 * k);
    }
    FigureLayout {
        frame: PixelRect::new(0.0, 0.0, w, h),
        title: PixelRect::new(0.0, 0.0, w, title_h),
        title_font,
        rows,
        cols,
        panels,
    }
}

/// Gives each grid row the height its panels use (plots shaped like the data leave slack
/// below) and centres the rows in `body` (top, bottom), so the slack frames the grid.
fn centre_rows(panels: &mut [PanelLayout], cols: usize, (top, bottom): (f64, f64), pad: f64) {
    let rows: Vec<(f64, f64)> = panels
        .chunks(cols.max(1))
        .map(|row| {
            let start = row.iter().map(|p| p.cell.top).min().unwrap_or(0);
            let end = row
                .iter()
                .map(|p| p.chart.bottom.max(p.legend.map_or(0, |l| l.bottom)))
                .max()
                .unwrap_or(0);
            (f64::from(start), f64::from(end) + pad - f64::from(start))
        })
        .collect();
    let used: f64 = rows.iter().map(|r| r.1).sum();
    let mut y = top + ((bottom - top - used) / 2.0).max(0.0);
    for (row, (start, height)) in panels.chunks_mut(cols.max(1)).zip(rows) {
        let dy = (y - start).round() as i32;
        for p in row {
            p.shift_down(dy);
            p.cell.bottom = p.cell.top + height.round() as i32;
        }
        y += height;
    }
}

/// How good a panel's plot is: pixels per data unit for equal-aspect pictures, else the side
/// of the largest 16:10 box that fits.
fn plot_score(panel: &Panel, layout: &PanelLayout) -> f64 {
    let (w, h) = (
        f64::from(layout.plot.width()),
        f64::from(layout.plot.height()),
    );
    if panel.equal_aspect {
        w / (layout.x_span.1 - layout.x_span.0).max(1e-12)
    } else {
        (w / 1.6).min(h)
    }
}

/// `size`, shrunk so `text` fits in `room` pixels.
fn fit_font(text: &str, size: f64, room: f64, bold: bool) -> f64 {
    let width = text_width(text, size, bold);
    if width > room && width > 0.0 {
        size * room / width
    } else {
        size
    }
}

/// The width of `text` in pixels at `size` in the figures' typeface.
pub(crate) fn text_width(text: &str, size: f64, bold: bool) -> f64 {
    register_fonts();
    let style = if bold {
        FontStyle::Bold
    } else {
        FontStyle::Normal
    };
    FontDesc::new(FontFamily::SansSerif, size, style)
        .box_size(text)
        .map(|(w, _)| f64::from(w))
        .unwrap_or_else(|_| 0.62 * size * text.chars().count() as f64)
}

/// The legend entries of a panel's named layers, in drawing order.
pub fn legend_entries(panel: &Panel) -> Vec<(String, LegendKey)> {
    panel
        .layers
        .iter()
        .filter_map(|layer| match layer {
            Layer::Lines {
                name: Some(name),
                color,
                width,
                dashed,
                ..
            } => Some((
                name.clone(),
                LegendKey::Line {
                    color: *color,
                    width: width.max(3.0),
                    dashed: *dashed,
                },
            )),
            Layer::Points {
                name: Some(name),
                color,
                radius,
                ..
            } => Some((
                name.clone(),
                LegendKey::Dot {
                    color: *color,
                    radius: radius.max(6.0),
                },
            )),
            Layer::Arrows {
                name: Some(name),
                color,
                ..
            } => Some((name.clone(), LegendKey::Arrow { color: *color })),
            Layer::HLine {
                name: Some(name),
                color,
                ..
            } => Some((
                name.clone(),
                LegendKey::Line {
                    color: *color,
                    width: 3.0,
                    dashed: true,
                },
            )),
            _ => None,
        })
        .collect()
}

/// Where a legend goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Side {
    /// A column right of the chart.
    Right,
    /// Rows below the chart.
    Below,
}

/// The legend's box and entries for `entries` in `room` (the panel below its heading): a
/// column to the right, or rows below. Returns the legend and
/// the room left for the chart. A column too wide for half the room goes below instead.
fn place_legend(
    entries: Vec<(String, LegendKey)>,
    room: PixelRect,
    (k, font): (f64, f64),
    side: Side,
) -> (Option<PixelRect>, Vec<LegendItem>, PixelRect) {
    if entries.is_empty() {
        return (None, Vec::new(), room);
    }
    let key_w = 48.0 * k;
    let gap = 12.0 * k;
    let pad = 10.0 * k;
    let sep = 24.0 * k;
    let entry_h = 1.5 * font;
    let widths: Vec<f64> = entries
        .iter()
        .map(|(name, _)| key_w + gap + text_width(name, font, false))
        .collect();
    let column_w = widths.iter().copied().fold(0.0, f64::max) + 2.0 * pad;
    let (l, t, r, b) = (
        f64::from(room.left),
        f64::from(room.top),
        f64::from(room.right),
        f64::from(room.bottom),
    );
    if side == Side::Right && column_w <= 0.5 * (r - l) {
        let height = entries.len() as f64 * entry_h + 2.0 * pad;
        let rect = PixelRect::new(r - column_w, t, r, t + height);
        let items = entries
            .into_iter()
            .enumerate()
            .map(|(i, (name, key))| LegendItem {
                name,
                key,
                at: (
                    (r - column_w + pad).round() as i32,
                    (t + pad + (i as f64 + 0.5) * entry_h).round() as i32,
                ),
            })
            .collect();
        let rest = PixelRect::new(l, t, r - column_w - sep, b);
        return (Some(rect), items, rest);
    }
    // Rows below the chart, entries flowing left to right.
    let row_w = r - l - 2.0 * pad;
    let mut rows: Vec<Vec<(usize, f64)>> = vec![Vec::new()];
    let mut x = 0.0;
    for (i, w) in widths.iter().enumerate() {
        let last = rows.last_mut().map(|row| row.is_empty()).unwrap_or(true);
        if !last && x + w > row_w {
            rows.push(Vec::new());
            x = 0.0;
        }
        if let Some(row) = rows.last_mut() {
            row.push((i, x));
        }
        x += w + 2.0 * sep;
    }
    let height = rows.len() as f64 * entry_h + 2.0 * pad;
    let top = b - height;
    let rect = PixelRect::new(l, top, r, b);
    let mut placed: Vec<(usize, (i32, i32))> = Vec::new();
    for (row_index, row) in rows.iter().enumerate() {
        for &(i, x) in row {
            placed.push((
                i,
                (
                    (l + pad + x).round() as i32,
                    (top + pad + (row_index as f64 + 0.5) * entry_h).round() as i32,
                ),
            ));
        }
    }
    let items = entries
        .into_iter()
        .zip(placed)
        .map(|((name, key), (_, at))| LegendItem { name, key, at })
        .collect();
    let rest = PixelRect::new(l, t, r, top - 0.6 * sep);
    (Some(rect), items, rest)
}

/// A panel's layout with its legend beside or below the chart, whichever leaves the larger
/// plot. An equal-aspect panel fills its plot by widening the narrow axis when it is alone
/// (`fit` false), and shrinks its plot to the data box's shape in a grid (`fit` true), so
/// every panel of a grid shows the same box with no axis stretched past the data.
fn panel_layout(panel: &Panel, cell: PixelRect, k: f64, fit: bool) -> PanelLayout {
    let right = panel_layout_with(panel, cell, (k, fit), Side::Right);
    if right.legend.is_none() {
        return right;
    }
    let below = panel_layout_with(panel, cell, (k, fit), Side::Below);
    if plot_score(panel, &below) > 1.02 * plot_score(panel, &right) {
        below
    } else {
        right
    }
}

/// The fonts of a panel drawn at scale `k`, before any is shrunk to fit.
fn panel_fonts(k: f64) -> PanelFonts {
    PanelFonts {
        scale: k,
        heading: 40.0 * k,
        x_ticks: 30.0 * k,
        y_ticks: 30.0 * k,
        axis: 36.0 * k,
        legend: 30.0 * k,
        tick_mark: 8.0 * k,
    }
}

/// A panel's layout with its legend on `side` (see [`panel_layout`]).
fn panel_layout_with(
    panel: &Panel,
    cell: PixelRect,
    (k, fit): (f64, bool),
    side: Side,
) -> PanelLayout {
    let mut fonts = panel_fonts(k);
    let pad = 14.0 * k;
    let (mut l, mut t, r, b) = (
        f64::from(cell.left) + pad,
        f64::from(cell.top) + pad,
        f64::from(cell.right) - pad,
        f64::from(cell.bottom) - pad,
    );
    let heading = panel.heading.as_ref().map(|text| {
        let key = if panel.heading_color.is_some() {
            1.6 * fonts.heading
        } else {
            0.0
        };
        fonts.heading = fit_font(text, fonts.heading, r - l - key, true);
        let rect = PixelRect::new(l, t, r, t + 1.5 * fonts.heading);
        t += 1.5 * fonts.heading;
        rect
    });
    let entries = if panel.legend {
        legend_entries(panel)
    } else {
        Vec::new()
    };
    let (legend, legend_items, room) =
        place_legend(entries, PixelRect::new(l, t, r, b), (k, fonts.legend), side);
    let (r, b) = (f64::from(room.right), f64::from(room.bottom));
    t = f64::from(room.top);
    l = f64::from(room.left).max(l);

    // Label areas: below, two tick marks, the tick labels and the axis description; left,
    // the same with the widest y tick label.
    let x_area =
        (2.0 * fonts.tick_mark + 1.15 * fonts.x_ticks + 0.4 * fonts.axis + 1.2 * fonts.axis)
            .round();
    let top_pad = (0.7 * fonts.y_ticks).round();
    let (mut x_span, mut y_span) = (span(&panel.x), span(&panel.y));
    let plot_h = (b - x_area - (t + top_pad)).max(1.0);
    let mut y_area = y_label_area(panel, y_span, plot_h, &mut fonts);
    let mut right_pad = (24.0 * k).round();
    for _ in 0..3 {
        let plot_w = (r - right_pad - (l + y_area)).max(1.0);
        if panel.equal_aspect {
            (x_span, y_span) = equal_aspect(span(&panel.x), span(&panel.y), plot_w / plot_h);
        }
        y_area = y_label_area(panel, y_span, plot_h, &mut fonts);
        let x_ticks = choose_ticks(&panel.x, x_span, plot_w, true, &mut fonts.x_ticks);
        let last = x_ticks.last().map_or(0.0, |&p| {
            text_width(&tick_label(&panel.x, p), fonts.x_ticks, false)
        });
        right_pad = (0.55 * last).max(24.0 * k).round();
    }
    let mut plot_w = (r - right_pad - (l + y_area)).max(1.0);
    let (mut plot_h, mut l, mut b) = (plot_h, l, b);
    if panel.equal_aspect && fit {
        // The plot takes the data box's shape (no widened axes); the slack goes to the
        // sides, or below.
        (x_span, y_span) = (span(&panel.x), span(&panel.y));
        let aspect = (x_span.1 - x_span.0) / (y_span.1 - y_span.0);
        if plot_w / plot_h > aspect {
            let slack = plot_w - plot_h * aspect;
            plot_w = plot_h * aspect;
            l += (slack / 2.0).floor();
            right_pad += (slack / 2.0).ceil();
        } else {
            for _ in 0..2 {
                plot_w = (r - right_pad - (l + y_area)).max(1.0);
                plot_h = (plot_w / aspect).max(1.0);
                y_area = y_label_area(panel, y_span, plot_h, &mut fonts);
            }
            plot_w = (r - right_pad - (l + y_area)).max(1.0);
            plot_h = (plot_w / aspect).max(1.0);
            b = t + top_pad + plot_h + x_area;
        }
    } else if panel.equal_aspect {
        (x_span, y_span) = equal_aspect(span(&panel.x), span(&panel.y), plot_w / plot_h);
    }
    let x_ticks = choose_ticks(&panel.x, x_span, plot_w, true, &mut fonts.x_ticks);
    let y_ticks = choose_ticks(&panel.y, y_span, plot_h, false, &mut fonts.y_ticks);
    let chart = PixelRect::new(l, t + top_pad, r - right_pad, b);
    let plot = PixelRect {
        left: chart.left + y_area as i32,
        top: chart.top,
        right: chart.right,
        bottom: chart.bottom - x_area as i32,
    };
    PanelLayout {
        cell,
        heading,
        chart,
        plot,
        legend,
        legend_items,
        x_span,
        y_span,
        x_ticks,
        y_ticks,
        fonts,
    }
}

/// The boxes of a panel's tick labels as the renderer places them: x labels centred under
/// their ticks, y labels right-aligned left of theirs (for checking that none collide).
pub fn tick_label_rects(panel: &Panel, layout: &PanelLayout) -> (Vec<PixelRect>, Vec<PixelRect>) {
    let plot = layout.plot;
    let fonts = &layout.fonts;
    let px = |p: f64, (lo, hi): (f64, f64), a: i32, b: i32| {
        f64::from(a) + (p - lo) / (hi - lo) * f64::from(b - a)
    };
    let x = layout
        .x_ticks
        .iter()
        .map(|&p| {
            let w = text_width(&tick_label(&panel.x, p), fonts.x_ticks, false);
            let c = px(p, layout.x_span, plot.left, plot.right);
            let top = f64::from(plot.bottom) + 2.0 * fonts.tick_mark;
            PixelRect::new(c - w / 2.0, top, c + w / 2.0, top + fonts.x_ticks)
        })
        .collect();
    let y = layout
        .y_ticks
        .iter()
        .map(|&p| {
            let w = text_width(&tick_label(&panel.y, p), fonts.y_ticks, false);
            let c = px(p, layout.y_span, plot.bottom, plot.top);
            let right = f64::from(plot.left) - 2.0 * fonts.tick_mark;
            PixelRect::new(
                right - w,
                c - fonts.y_ticks / 2.0,
                right,
                c + fonts.y_ticks / 2.0,
            )
        })
        .collect();
    (x, y)
}

/// Width of the y label area: tick marks, the widest tick label, the axis description.
fn y_label_area(panel: &Panel, y_span: (f64, f64), plot_h: f64, fonts: &mut PanelFonts) -> f64 {
    let ticks = choose_ticks(&panel.y, y_span, plot_h, false, &mut fonts.y_ticks);
    let widest = ticks
        .iter()
        .map(|&p| text_width(&tick_label(&panel.y, p), fonts.y_ticks, false))
        .fold(0.0, f64::max);
    (2.0 * fonts.tick_mark + widest + 0.5 * fonts.axis + 1.2 * fonts.axis).round()
}

/// Widens one span so a data unit is as long on both axes in a plot `ratio` = width/height.
pub(crate) fn equal_aspect(x: (f64, f64), y: (f64, f64), ratio: f64) -> ((f64, f64), (f64, f64)) {
    let (w, h) = (x.1 - x.0, y.1 - y.0);
    if w / h < ratio {
        let grow = (h * ratio - w) / 2.0;
        ((x.0 - grow, x.1 + grow), y)
    } else {
        let grow = (w / ratio - h) / 2.0;
        (x, (y.0 - grow, y.1 + grow))
    }
}

/// Where a data value sits on an axis after its scale (None if the scale cannot show it).
pub(crate) fn position(axis: &Axis, v: f64) -> Option<f64> {
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

/// The data value at position `p` (the inverse of [`position`]).
fn value_at(axis: &Axis, p: f64) -> f64 {
    let v = if axis.reversed {
        let (lo, hi) = span(axis);
        lo + hi - p
    } else {
        p
    };
    match axis.scale {
        Scale::Log2 => 2f64.powf(v),
        Scale::Log10 => 10f64.powf(v),
        Scale::Linear | Scale::Categories(_) => v,
    }
}

/// The axis range after its scale, low to high.
pub(crate) fn span(axis: &Axis) -> (f64, f64) {
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
pub(crate) fn tick_label(axis: &Axis, p: f64) -> String {
    match &axis.scale {
        Scale::Categories(names) => {
            let v = value_at(axis, p);
            let i = v.round();
            if (v - i).abs() < 1e-6 && i >= 0.0 {
                names.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        }
        _ => format_compact(value_at(axis, p)),
    }
}

/// Tick positions for an axis `len_px` long: the axis' own ticks or categories, else round
/// values, as many as fit without labels touching. Category labels are never dropped: their
/// font (`font`) shrinks until they fit.
fn choose_ticks(
    axis: &Axis,
    (lo, hi): (f64, f64),
    len_px: f64,
    horizontal: bool,
    font: &mut f64,
) -> Vec<f64> {
    let eps = 1e-9 * (hi - lo).abs().max(1e-12);
    let inside = |p: &f64| *p >= lo - eps && *p <= hi + eps;
    if let Scale::Categories(_) = axis.scale {
        let ticks: Vec<f64> = (lo.ceil().max(0.0) as i64..=hi.floor() as i64)
            .map(|i| i as f64)
            .filter(|p| inside(p))
            .collect();
        for _ in 0..12 {
            if fits(axis, &ticks, (lo, hi), len_px, horizontal, *font) {
                break;
            }
            *font *= 0.9;
        }
        return ticks;
    }
    let mut candidates: Vec<Vec<f64>> = Vec::new();
    if let Some(values) = &axis.ticks {
        let mut ps: Vec<f64> = values
            .iter()
            .filter_map(|&v| position(axis, v))
            .filter(|p| inside(p))
            .collect();
        ps.sort_by(f64::total_cmp);
        ps.dedup_by(|a, b| (*a - *b).abs() <= eps);
        candidates.extend(strides(&ps));
    } else if matches!(axis.scale, Scale::Log2 | Scale::Log10) {
        let whole: Vec<f64> = (lo.ceil() as i64..=hi.floor() as i64)
            .map(|i| i as f64)
            .collect();
        if whole.len() >= 3 {
            candidates.extend(strides(&whole));
        }
        // 1-2-5 values (short log spans), then round values in the data's own units.
        if matches!(axis.scale, Scale::Log10) {
            let mut ps = Vec::new();
            for decade in (lo.floor() as i64)..=(hi.ceil() as i64) {
                for m in [1.0, 2.0, 5.0] {
                    let p = (m * 10f64.powi(decade as i32)).log10();
                    if inside(&p) {
                        ps.push(p);
                    }
                }
            }
            if ps.len() >= 2 {
                candidates.push(ps);
            }
        }
        let (a, b) = (value_at(axis, lo), value_at(axis, hi));
        for step in nice_steps((b - a).abs()) {
            let ps: Vec<f64> = round_values(a.min(b), a.max(b), step)
                .into_iter()
                .filter_map(|v| position(axis, v))
                .filter(|p| inside(p))
                .collect();
            if ps.len() >= 2 {
                candidates.push(ps);
            }
        }
        if whole.len() < 3 && !whole.is_empty() {
            candidates.push(whole);
        }
    } else {
        let (a, b) = (value_at(axis, lo), value_at(axis, hi));
        for step in nice_steps((b - a).abs()) {
            let mut ps: Vec<f64> = round_values(a.min(b), a.max(b), step)
                .into_iter()
                .filter_map(|v| position(axis, v))
                .collect();
            ps.sort_by(f64::total_cmp);
            if ps.len() >= 2 {
                candidates.push(ps);
            }
        }
    }
    let most = if horizontal { 11 } else { 9 };
    for ticks in &candidates {
        if ticks.len() <= most && fits(axis, ticks, (lo, hi), len_px, horizontal, *font) {
            return ticks.clone();
        }
    }
    // Nothing fits (a tiny panel): the two ends.
    candidates
        .last()
        .map(|c| {
            let mut ends = vec![c[0]];
            if c.len() > 1 {
                ends.push(c[c.len() - 1]);
            }
            if fits(axis, &ends, (lo, hi), len_px, horizontal, *font) {
                ends
            } else {
                vec![c[0]]
            }
        })
        .unwrap_or_default()
}

/// Every `s`-th tick, for s = 1, 2, 3, … (the first tick kept).
fn strides(ps: &[f64]) -> Vec<Vec<f64>> {
    (1..=ps.len().max(1))
        .map(|s| ps.iter().copied().step_by(s).collect())
        .collect()
}

/// Round step sizes (1, 2, 5 × 10^k) from a fortieth of `len` up to `len`.
fn nice_steps(len: f64) -> Vec<f64> {
    if !(len.is_finite() && len > 0.0) {
        return Vec::new();
    }
    let mut steps = Vec::new();
    let mut decade = 10f64.powf((len / 40.0).log10().floor());
    while steps.len() < 40 {
        for m in [1.0, 2.0, 5.0] {
            let s = m * decade;
            if s >= len / 40.0 && s <= len {
                steps.push(s);
            }
        }
        if decade > len {
            break;
        }
        decade *= 10.0;
    }
    steps
}

/// The multiples of `step` in `lo..=hi`, snapped so 0.1 + 0.2 prints as 0.3.
fn round_values(lo: f64, hi: f64, step: f64) -> Vec<f64> {
    let first = (lo / step - 1e-9).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    if last < first || last - first > 200 {
        return Vec::new();
    }
    (first..=last)
        .map(|i| {
            let v = i as f64 * step;
            if v.abs() < step * 1e-9 { 0.0 } else { v }
        })
        .collect()
}

/// True if the labels of `ticks` (positions) leave a gap between neighbours on an axis
/// `len_px` long.
fn fits(
    axis: &Axis,
    ticks: &[f64],
    (lo, hi): (f64, f64),
    len_px: f64,
    horizontal: bool,
    font: f64,
) -> bool {
    let extent = |p: f64| {
        if horizontal {
            text_width(&tick_label(axis, p), font, false) + 0.9 * font
        } else {
            1.0 * font + 0.8 * font
        }
    };
    let px = |p: f64| (p - lo) / (hi - lo) * len_px;
    ticks.windows(2).all(|w| {
        let room = (px(w[1]) - px(w[0])).abs();
        room >= 0.5 * (extent(w[0]) + extent(w[1]))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn fewer_ticks_on_a_shorter_axis_and_round_values() {
        let axis = Axis::linear("x", (-6.5, 6.5));
        let mut font = 30.0;
        let long = choose_ticks(&axis, span(&axis), 1500.0, true, &mut font);
        let short = choose_ticks(&axis, span(&axis), 200.0, true, &mut font);
        assert!(long.len() > short.len(), "{long:?} vs {short:?}");
        assert!(short.len() >= 2, "{short:?}");
        assert!(
            long.iter().all(|p| (p - p.round()).abs() < 1e-9),
            "{long:?}"
        );
    }
}
