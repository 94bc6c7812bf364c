//! A figure as plain data: panels with axes and layers of lines, points, arrows, bars and
//! heat maps. The builders in [`super::plots`] make them; [`super::render`] draws them.

use serde::{Deserialize, Serialize};

/// An sRGB colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

/// Background of an exported figure.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    /// Black on white: print and most slide decks.
    #[default]
    Light,
    /// Light on near-black: dark slide decks.
    Dark,
}

impl Theme {
    /// The background colour.
    pub fn background(self) -> Rgb {
        match self {
            Self::Light => Rgb(255, 255, 255),
            Self::Dark => Rgb(24, 24, 28),
        }
    }

    /// Text and axes.
    pub fn foreground(self) -> Rgb {
        match self {
            Self::Light => Rgb(20, 20, 20),
            Self::Dark => Rgb(235, 235, 235),
        }
    }

    /// Neutral marks (noise points, arrows, the metric floor): mid grey, darker on white.
    pub fn neutral(self) -> Rgb {
        match self {
            Self::Light => Rgb(90, 90, 90),
            Self::Dark => Rgb(170, 170, 170),
        }
    }

    /// Grid lines.
    pub fn grid(self) -> Rgb {
        match self {
            Self::Light => Rgb(225, 225, 225),
            Self::Dark => Rgb(60, 60, 66),
        }
    }
}

/// Size and background of an exported figure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FigureStyle {
    /// Background.
    pub theme: Theme,
    /// Width in pixels (PNG) or user units (SVG).
    pub width_px: u32,
    /// Height in pixels (PNG) or user units (SVG).
    pub height_px: u32,
}

impl Default for FigureStyle {
    /// 1920 × 1080 (16:9) on white.
    fn default() -> Self {
        Self {
            theme: Theme::Light,
            width_px: 1920,
            height_px: 1080,
        }
    }
}

impl FigureStyle {
    /// Smallest and largest side accepted.
    pub const SIDE_PX: (u32, u32) = (320, 8192);

    /// Checks the size; the error says what is allowed.
    pub fn validate(&self) -> Result<(), String> {
        let (lo, hi) = Self::SIDE_PX;
        if !(lo..=hi).contains(&self.width_px) || !(lo..=hi).contains(&self.height_px) {
            return Err(format!(
                "figure size {}×{} is outside {lo}..={hi} pixels per side",
                self.width_px, self.height_px
            ));
        }
        Ok(())
    }
}

/// One picture: a title over one or more panels, laid out in a grid that suits a 16:9 slide.
#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    /// The headline.
    pub title: String,
    /// Panels, row by row from the top left.
    pub panels: Vec<Panel>,
}

/// One chart: axes and what is drawn on them.
#[derive(Clone, Debug, PartialEq)]
pub struct Panel {
    /// A heading above the panel (the side-by-side view names each round).
    pub heading: Option<String>,
    /// A colour key drawn as a bar before the heading (the round's colour), if any.
    pub heading_color: Option<Rgb>,
    /// Horizontal axis.
    pub x: Axis,
    /// Vertical axis.
    pub y: Axis,
    /// One data unit as long on both axes (circles stay circles).
    pub equal_aspect: bool,
    /// Drawn in order, so later layers are on top.
    pub layers: Vec<Layer>,
    /// Show a legend of the named layers.
    pub legend: bool,
}

/// An axis: its label, range and scale.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    /// Label with symbol or unit, e.g. `t` or `W2`.
    pub label: String,
    /// Shown range, in data units, low to high.
    pub range: (f64, f64),
    /// How values map to positions.
    pub scale: Scale,
    /// Draw from high to low (the 1-D paths run from t = 1 on the left to t = 0).
    pub reversed: bool,
    /// Ticks at these data values (e.g. the measured step counts) instead of chosen ones;
    /// ticks that would collide on a small figure are thinned out.
    pub ticks: Option<Vec<f64>>,
}

impl Axis {
    /// A linear axis over `range`.
    pub fn linear(label: impl Into<String>, range: (f64, f64)) -> Self {
        Self {
            label: label.into(),
            range,
            scale: Scale::Linear,
            reversed: false,
            ticks: None,
        }
    }

    /// The same axis with ticks at `values` (data units).
    pub fn with_ticks(mut self, values: Vec<f64>) -> Self {
        self.ticks = Some(values);
        self
    }

    /// The same axis with another scale.
    pub fn with_scale(mut self, scale: Scale) -> Self {
        self.scale = scale;
        self
    }

    /// The same axis drawn from high to low.
    pub fn reversed(mut self) -> Self {
        self.reversed = true;
        self
    }
}

/// How data values map to positions on an axis.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scale {
    /// Evenly spaced values.
    Linear,
    /// log₂ (Euler step counts 1, 2, 4, …).
    Log2,
    /// log₁₀ (losses).
    Log10,
    /// One named slot per integer 0, 1, 2, … (bars per round).
    Categories(Vec<String>),
}

/// Something drawn on a panel, in data coordinates.
#[derive(Clone, Debug, PartialEq)]
pub enum Layer {
    /// Polylines in one style; a name puts one entry in the legend.
    Lines {
        /// Legend entry.
        name: Option<String>,
        /// Colour.
        color: Rgb,
        /// Opacity 0..=1.
        alpha: f64,
        /// Width in pixels at 1080 p.
        width: f64,
        /// Dashed instead of solid.
        dashed: bool,
        /// The polylines.
        lines: Vec<Vec<[f64; 2]>>,
    },
    /// Filled dots.
    Points {
        /// Legend entry.
        name: Option<String>,
        /// Colour.
        color: Rgb,
        /// Opacity 0..=1.
        alpha: f64,
        /// Radius in pixels at 1080 p.
        radius: f64,
        /// Positions.
        points: Vec<[f64; 2]>,
    },
    /// Arrows from each origin to its tip.
    Arrows {
        /// Legend entry.
        name: Option<String>,
        /// Colour.
        color: Rgb,
        /// `(origin, tip)` pairs.
        arrows: Vec<([f64; 2], [f64; 2])>,
    },
    /// Vertical bars from 0 (from the bottom of a log axis), each with its value written
    /// above it.
    Bars {
        /// `(x, height, colour)` of each bar.
        bars: Vec<(f64, f64, Rgb)>,
        /// Bar width in data units.
        width: f64,
        /// Write each bar's value above it.
        values: bool,
    },
    /// A colour per grid cell: `nx × ny` cells over `x_range × y_range`, row by row from the
    /// lowest y.
    Heat {
        /// Extent along x, in data units.
        x_range: (f64, f64),
        /// Extent along y, in data units.
        y_range: (f64, f64),
        /// Cells along x.
        nx: usize,
        /// Cells along y.
        ny: usize,
        /// Cell colours.
        colors: Vec<Rgb>,
    },
    /// A horizontal line across the panel.
    HLine {
        /// Legend entry.
        name: Option<String>,
        /// Colour.
        color: Rgb,
        /// Height in data units.
        y: f64,
    },
}
