//! The region of the plane a plot shows, kept fixed while the user edits so the picture does
//! not jump under the mouse.

use crate::target::Mixture;

/// An axis-aligned box in data coordinates.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ViewBox {
    /// From and to along x (x₁).
    pub x: (f64, f64),
    /// From and to along y (x₂; unused in 1-D).
    pub y: (f64, f64),
}

impl ViewBox {
    /// The target's bounds (±4 std around every mode, at least ±3), plus a margin.
    pub fn around(target: &Mixture) -> Self {
        let (x, y) = crate::export::plots::view_of(target);
        Self { x, y }
    }

    /// The same box widened along one axis so one unit is as long on both axes in a plot of
    /// `width_px` × `height_px` (circles stay circles).
    pub fn with_equal_aspect(self, width_px: f32, height_px: f32) -> Self {
        if width_px <= 1.0 || height_px <= 1.0 {
            return self;
        }
        let (w, h) = (self.x.1 - self.x.0, self.y.1 - self.y.0);
        let screen = f64::from(width_px / height_px);
        if w / h < screen {
            let grow = (h * screen - w) / 2.0;
            Self {
                x: (self.x.0 - grow, self.x.1 + grow),
                ..self
            }
        } else {
            let grow = (w / screen - h) / 2.0;
            Self {
                y: (self.y.0 - grow, self.y.1 + grow),
                ..self
            }
        }
    }

    /// The smallest box holding both.
    pub fn union(self, other: Self) -> Self {
        Self {
            x: (self.x.0.min(other.x.0), self.x.1.max(other.x.1)),
            y: (self.y.0.min(other.y.0), self.y.1.max(other.y.1)),
        }
    }

    /// The box around `points` (1-D points span x only; y stays 0..0), `None` when empty or
    /// not finite.
    pub fn of_points(points: &crate::Points) -> Option<Self> {
        let mut b = Self {
            x: (f64::INFINITY, f64::NEG_INFINITY),
            y: (0.0, 0.0),
        };
        if points.dim > 1 {
            b.y = (f64::INFINITY, f64::NEG_INFINITY);
        }
        for row in points.rows() {
            let x = f64::from(row[0]);
            b.x = (b.x.0.min(x), b.x.1.max(x));
            if let Some(&y) = row.get(1) {
                let y = f64::from(y);
                b.y = (b.y.0.min(y), b.y.1.max(y));
            }
        }
        let finite = [b.x.0, b.x.1, b.y.0, b.y.1].iter().all(|v| v.is_finite());
        (finite && b.x.0 <= b.x.1).then_some(b)
    }

    /// The box with a margin of half a unit, its edges rounded outwards to whole multiples
    /// of `unit` (so small changes of the points do not move it).
    pub fn grown_to_units(self, unit: f64) -> Self {
        let out = |(lo, hi): (f64, f64)| {
            (
                ((lo - 0.5 * unit) / unit).floor() * unit,
                ((hi + 0.5 * unit) / unit).ceil() * unit,
            )
        };
        Self {
            x: out(self.x),
            y: out(self.y),
        }
    }

    /// The centre.
    pub fn center(&self) -> [f64; 2] {
        [(self.x.0 + self.x.1) / 2.0, (self.y.0 + self.y.1) / 2.0]
    }

    /// Width and height.
    pub fn size(&self) -> [f64; 2] {
        [self.x.1 - self.x.0, self.y.1 - self.y.0]
    }
}
