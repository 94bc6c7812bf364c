//! The colours of flowlab, shared by the app and the exported figures so a slide matches
//! the screen.
//!
//! One per target component (a path's colour names the mode it ends in) and one per round
//! *kind* (1-RF, 2-RF, distilled, OT-CFM, …), fixed whatever order the rounds were trained
//! in.
//!
//! Every round colour sits at least [`MIN_ROUND_DISTANCE`] (CIEDE2000) from every other
//! round colour, every mode colour and every grey (the noise dots, data points and the metric
//! floor are grey), and mode colours are at least [`MIN_MODE_DISTANCE`] apart and from grey.
//! The colours keep a lightness between 40 and 75 so they read on white and on near-black.

use super::figure::Rgb;

/// Ten well-separated mode colours: matplotlib's tab10, with tab10's grey (the grey of noise
/// dots and data points) replaced by a dark gold.
const MODES: [Rgb; 10] = [
    Rgb(31, 119, 180),
    Rgb(255, 127, 14),
    Rgb(44, 160, 44),
    Rgb(214, 39, 40),
    Rgb(148, 103, 189),
    Rgb(140, 86, 75),
    Rgb(227, 119, 194),
    Rgb(135, 105, 0),
    Rgb(188, 189, 34),
    Rgb(23, 190, 207),
];

/// Smallest CIEDE2000 difference between a round colour and any other palette colour or grey.
pub const MIN_ROUND_DISTANCE: f64 = 14.0;
/// Smallest CIEDE2000 difference between two mode colours, or a mode colour and grey.
pub const MIN_MODE_DISTANCE: f64 = 16.0;

/// The kinds of round a run can hold, each with its own colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoundKindColor {
    /// k-rectified flow; k = 1 is plain flow matching.
    Rectified(usize),
    /// The first distilled student (`distilled`).
    Distilled,
    /// A later or progressive student (`distilled-2`, `progressive…`).
    DistilledLater,
    /// Flow matching on minibatch-OT pairs.
    OtCfm,
    /// The variance-preserving diffusion path.
    Diffusion,
    /// The class-conditional model for classifier-free guidance.
    Guided,
    /// A consistency-distilled student.
    Consistency,
    /// A shortcut model.
    Shortcut,
    /// A `MeanFlow` model.
    MeanFlow,
    /// Any other name.
    Other,
}

impl RoundKindColor {
    /// The kind of a round from its name as reports write it: `1-RF`, `2-RF`, …,
    /// `distilled`, `distilled-2`, `OT-CFM`, `diffusion`, `guided` (case is ignored).
    pub fn of_name(name: &str) -> Self {
        let lower = name.trim().to_ascii_lowercase();
        if let Some(k) = lower
            .strip_suffix("-rf")
            .and_then(|k| k.parse::<usize>().ok())
        {
            return Self::Rectified(k.max(1));
        }
        match lower.as_str() {
            "distilled" => Self::Distilled,
            "ot-cfm" | "otcfm" | "ot_cfm" => Self::OtCfm,
            "diffusion" => Self::Diffusion,
            "guided" => Self::Guided,
            _ if lower.starts_with("distilled") || lower.starts_with("progressive") => {
                Self::DistilledLater
            }
            _ if lower.starts_with("consistency") => Self::Consistency,
            _ if lower.starts_with("shortcut") => Self::Shortcut,
            _ if lower.starts_with("meanflow") || lower.starts_with("mean-flow") => Self::MeanFlow,
            _ => Self::Other,
        }
    }

    /// The colour of this kind. Reflow rounds beyond 3-RF alternate between two colours
    /// (even k: sea green, odd k: sky blue), so neighbouring rounds always differ.
    pub fn rgb(self) -> Rgb {
        match self {
            Self::Rectified(1 | 0) => Rgb(195, 0, 105),
            Self::Rectified(2) => Rgb(60, 60, 255),
            Self::Rectified(3) => Rgb(0, 120, 90),
            Self::Rectified(k) if k % 2 == 0 => Rgb(75, 180, 150),
            Self::Rectified(_) => Rgb(45, 180, 255),
            Self::Distilled => Rgb(255, 135, 135),
            Self::DistilledLater => Rgb(195, 120, 90),
            Self::OtCfm => Rgb(150, 165, 255),
            Self::Diffusion => Rgb(180, 90, 0),
            Self::Guided => Rgb(165, 0, 180),
            Self::Consistency => Rgb(75, 105, 0),
            Self::Shortcut => Rgb(180, 150, 90),
            Self::MeanFlow => Rgb(255, 30, 105),
            Self::Other => Rgb(195, 135, 255),
        }
    }

    /// One of every kind (reflow up to 5-RF, which covers both colours of the rule).
    pub fn all() -> [Self; 14] {
        [
            Self::Rectified(1),
            Self::Rectified(2),
            Self::Rectified(3),
            Self::Rectified(4),
            Self::Rectified(5),
            Self::Distilled,
            Self::DistilledLater,
            Self::OtCfm,
            Self::Diffusion,
            Self::Guided,
            Self::Consistency,
            Self::Shortcut,
            Self::MeanFlow,
            Self::Other,
        ]
    }
}

/// The colour of a round, by its name as reports write it (`1-RF`, `2-RF`, …, `distilled`,
/// `OT-CFM`, `diffusion`, `guided`).
///
/// The same colour on screen and in every figure, whatever order the rounds were trained
/// in, and never a mode colour or grey.
pub fn round_kind_rgb(name: &str) -> Rgb {
    RoundKindColor::of_name(name).rgb()
}

/// The colour of target component `index` (colours repeat after ten).
pub fn mode_rgb(index: usize) -> Rgb {
    MODES[index % MODES.len()]
}

/// The colour of the round at position `index` of the usual `Run all` order (1-RF, 2-RF,
/// 3-RF, distilled, OT-CFM, diffusion, guided).
///
/// Prefer [`round_kind_rgb`], which follows the round's name rather than its position.
pub fn round_rgb(index: usize) -> Rgb {
    const ORDER: [&str; 7] = [
        "1-RF",
        "2-RF",
        "3-RF",
        "distilled",
        "OT-CFM",
        "diffusion",
        "guided",
    ];
    round_kind_rgb(ORDER[index % ORDER.len()])
}

/// The density heat map's colour for a value in 0..=1 (white to deep blue on a light
/// background, near-black to light blue on a dark one).
pub fn density_rgb(v: f32, dark: bool) -> Rgb {
    let v = v.clamp(0.0, 1.0).powf(0.6);
    let (lo, hi) = if dark {
        ([20.0, 20.0, 24.0], [110.0, 170.0, 235.0])
    } else {
        ([255.0, 255.0, 255.0], [70.0, 120.0, 200.0])
    };
    let mix = |i: usize| (lo[i] + (hi[i] - lo[i]) * v) as u8;
    Rgb(mix(0), mix(1), mix(2))
}

/// CIE L*a*b* (D65) of an sRGB colour.
pub fn lab(c: Rgb) -> [f64; 3] {
    let lin = |v: u8| {
        let v = f64::from(v) / 255.0;
        if v <= 0.04045 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    let (r, g, b) = (lin(c.0), lin(c.1), lin(c.2));
    let x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
    let y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    let z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
    let f = |t: f64| {
        let d: f64 = 6.0 / 29.0;
        if t > d.powi(3) {
            t.cbrt()
        } else {
            t / (3.0 * d * d) + 4.0 / 29.0
        }
    };
    let (fx, fy, fz) = (f(x), f(y), f(z));
    [116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)]
}

/// The CIEDE2000 colour difference between two sRGB colours (about 1 is just noticeable;
/// tab10's closest pair, red and brown, is 16).
pub fn color_distance(a: Rgb, b: Rgb) -> f64 {
    ciede2000(lab(a), lab(b))
}

/// The CIEDE2000 difference of two L*a*b* colours (Sharma, Wu and Dalal 2005).
pub fn ciede2000(p: [f64; 3], q: [f64; 3]) -> f64 {
    let [l1, a1, b1] = p;
    let [l2, a2, b2] = q;
    let c_bar = (a1.hypot(b1) + a2.hypot(b2)) / 2.0;
    let pow7 = |c: f64| c.powi(7);
    let g = 0.5 * (1.0 - (pow7(c_bar) / (pow7(c_bar) + pow7(25.0))).sqrt());
    let (a1p, a2p) = ((1.0 + g) * a1, (1.0 + g) * a2);
    let (c1p, c2p) = (a1p.hypot(b1), a2p.hypot(b2));
    let hue = |b: f64, a: f64| {
        if b == 0.0 && a == 0.0 {
            0.0
        } else {
            b.atan2(a).to_degrees().rem_euclid(360.0)
        }
    };
    let (h1p, h2p) = (hue(b1, a1p), hue(b2, a2p));
    let dl = l2 - l1;
    let dc = c2p - c1p;
    let dh = if c1p * c2p == 0.0 {
        0.0
    } else {
        let d = h2p - h1p;
        if d > 180.0 {
            d - 360.0
        } else if d < -180.0 {
            d + 360.0
        } else {
            d
        }
    };
    let dh_big = 2.0 * (c1p * c2p).sqrt() * (dh.to_radians() / 2.0).sin();
    let l_bar = (l1 + l2) / 2.0;
    let cp_bar = (c1p + c2p) / 2.0;
    let h_bar = if c1p * c2p == 0.0 {
        h1p + h2p
    } else if (h1p - h2p).abs() <= 180.0 {
        (h1p + h2p) / 2.0
    } else if h1p + h2p < 360.0 {
        (h1p + h2p + 360.0) / 2.0
    } else {
        (h1p + h2p - 360.0) / 2.0
    };
    let cos = |deg: f64| deg.to_radians().cos();
    let t =
        1.0 - 0.17 * cos(h_bar - 30.0) + 0.24 * cos(2.0 * h_bar) + 0.32 * cos(3.0 * h_bar + 6.0)
            - 0.20 * cos(4.0 * h_bar - 63.0);
    let d_theta = 30.0 * (-((h_bar - 275.0) / 25.0).powi(2)).exp();
    let rc = 2.0 * (pow7(cp_bar) / (pow7(cp_bar) + pow7(25.0))).sqrt();
    let sl = 1.0 + 0.015 * (l_bar - 50.0).powi(2) / (20.0 + (l_bar - 50.0).powi(2)).sqrt();
    let sc = 1.0 + 0.045 * cp_bar;
    let sh = 1.0 + 0.015 * cp_bar * t;
    let rt = -(2.0 * d_theta).to_radians().sin() * rc;
    let (x, y, z) = (dl / sl, dc / sc, dh_big / sh);
    (x * x + y * y + z * z + rt * y * z).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ciede2000_matches_sharmas_reference_pairs() {
        let pairs = [
            ([50.0, 2.6772, -79.7751], [50.0, 0.0, -82.7485], 2.0425),
            ([50.0, 2.5, 0.0], [73.0, 25.0, -18.0], 27.1492),
            ([50.0, 2.5, 0.0], [50.0, 0.0, -2.5], 4.3065),
            (
                [60.2574, -34.0099, 36.2677],
                [60.4626, -34.1751, 39.4387],
                1.2644,
            ),
            (
                [2.0776, 0.0795, -1.1350],
                [0.9033, -0.0636, -0.5514],
                0.9082,
            ),
        ];
        for (p, q, want) in pairs {
            let got = ciede2000(p, q);
            assert!((got - want).abs() < 1e-3, "{p:?} {q:?}: {got} vs {want}");
        }
    }

    #[test]
    fn round_names_map_to_their_kind() {
        assert_eq!(
            RoundKindColor::of_name("1-RF"),
            RoundKindColor::Rectified(1)
        );
        assert_eq!(
            RoundKindColor::of_name("12-RF"),
            RoundKindColor::Rectified(12)
        );
        assert_eq!(
            RoundKindColor::of_name("distilled"),
            RoundKindColor::Distilled
        );
        assert_eq!(
            RoundKindColor::of_name("distilled-2"),
            RoundKindColor::DistilledLater
        );
        assert_eq!(RoundKindColor::of_name("OT-CFM"), RoundKindColor::OtCfm);
        assert_eq!(
            RoundKindColor::of_name("diffusion"),
            RoundKindColor::Diffusion
        );
        assert_eq!(RoundKindColor::of_name("guided"), RoundKindColor::Guided);
        assert_eq!(
            RoundKindColor::of_name("MeanFlow"),
            RoundKindColor::MeanFlow
        );
        assert_eq!(RoundKindColor::of_name("mystery"), RoundKindColor::Other);
        assert_ne!(round_kind_rgb("6-RF"), round_kind_rgb("7-RF"));
        assert_eq!(round_kind_rgb("4-RF"), round_kind_rgb("6-RF"));
    }
}
