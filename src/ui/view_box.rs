//! The region of the plane a plot shows, kept fixed while the user edits so the picture does
//! not jump under the mouse.

use crate::target::Mixture;

/// An axis-aligned box in data coordinates.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ViewBox {
    pub x: (f64, f64),
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

    /// The centre.
    pub fn center(&self) -> [f64; 2] {
        [(self.x.0 + self.x.1) / 2.0, (self.y.0 + self.y.1) / 2.0]
    }

    /// Width and height.
    pub fn size(&self) -> [f64; 2] {
        [self.x.1 - self.x.0, self.y.1 - self.y.0]
    }
}
