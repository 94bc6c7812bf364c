//! What every chart's axes share: tick marks at measured values that never crowd, end labels
//! moved apart, short round names and values written in at most five characters.

use egui_plot::GridMark;

/// An x axis whose tick labels may sit close together (one per bar, one per measured step
/// count), instead of `egui_plot`'s default spacing, which hides most of them.
pub(super) fn dense_x_axis() -> egui_plot::AxisHints<'static> {
    egui_plot::AxisHints::new_x().label_spacing(20.0..=30.0)
}

/// Grid marks at `values` (measured step counts, guidance scales, ascending): the first and
/// the last always, the others left out where closer than five of `egui_plot`'s smallest
/// visible steps (about 30 screen points) to the mark kept before or to the last, so tick
/// labels never run together on a narrow chart. Each mark's
/// step size is its distance to its nearest kept neighbour: `egui_plot` draws a label only
/// where that distance on screen holds it (a fixed step size of 1 hid "100" beside "20").
pub(super) fn spaced_marks(values: &[f64], input: &egui_plot::GridInput) -> Vec<GridMark> {
    let gap = 5.0 * input.base_step_size;
    let mut kept: Vec<f64> = Vec::new();
    if let Some((&last, rest)) = values.split_last() {
        for &value in rest {
            if kept.last().is_none_or(|&before| value - before >= gap) && last - value >= gap {
                kept.push(value);
            }
        }
        kept.push(last);
    }
    let span = (input.bounds.1 - input.bounds.0).abs();
    (0..kept.len())
        .map(|i| {
            let before = i.checked_sub(1).map(|j| kept[i] - kept[j]);
            let after = kept.get(i + 1).map(|next| next - kept[i]);
            let step_size = match (before, after) {
                (Some(a), Some(b)) => a.min(b),
                (Some(d), None) | (None, Some(d)) => d,
                (None, None) => span,
            };
            GridMark {
                value: kept[i],
                step_size,
            }
        })
        .collect()
}

/// Labels at the ends of lines, moved apart vertically (sorted by height, each at least
/// `gap` above the one below) so names of lines that end close together do not overlap.
pub(super) fn spread_labels(mut labels: Vec<(&str, [f64; 2])>, gap: f64) -> Vec<(&str, [f64; 2])> {
    labels.sort_by(|a, b| a.1[1].total_cmp(&b.1[1]));
    let mut floor = f64::NEG_INFINITY;
    for (_, at) in &mut labels {
        at[1] = at[1].max(floor + gap);
        floor = at[1];
    }
    labels
}

/// A round's name short enough to sit under a narrow bar (the colours match the rounds
/// list): `OT-CFM` → `OT`, `diffusion` → `VP`, `distilled` → `dist`.
pub(super) fn short_name(name: &str) -> String {
    match name {
        crate::pipeline::OT_CFM_ROUND => "OT".into(),
        crate::pipeline::DIFFUSION_ROUND => "VP".into(),
        _ => name.replacen("distilled", "dist", 1),
    }
}

/// A value in at most five characters, so neighbouring labels do not run together.
pub(super) fn format_value(v: f64) -> String {
    let a = v.abs();
    if v == 0.0 {
        "0".into()
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else if a >= 0.001 {
        // Plain decimals down to a thousandth: a class reads "0.007", not "7e-3".
        format!("{v:.3}")
    } else {
        format!("{v:.0e}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_in_plain_decimals_down_to_a_thousandth() {
        let shown: Vec<String> = [9.57, 2.32, 0.02, 0.007, 0.002, 0.0004, 123.4]
            .iter()
            .map(|&v| format_value(v))
            .collect();
        assert_eq!(
            shown,
            ["9.57", "2.32", "0.020", "0.007", "0.002", "4e-4", "123"]
        );
    }

    #[test]
    fn marks_keep_their_neighbours_distance_and_leave_out_crowded_ones() {
        let input = egui_plot::GridInput {
            bounds: (0.0, 8.0),
            base_step_size: 0.1,
        };
        // log2 of 1, 2, 4, 8, 20, 50, 100, at least 0.5 apart: all kept.
        let values: Vec<f64> = [1.0f64, 2.0, 4.0, 8.0, 20.0, 50.0, 100.0]
            .iter()
            .map(|v| v.log2())
            .collect();
        let marks = spaced_marks(&values, &input);
        assert_eq!(marks.len(), 7);
        let last = marks.last().unwrap();
        assert!((last.step_size - (100f64.log2() - 50f64.log2())).abs() < 1e-12);
        // A narrower chart (gaps of at least 1.2) keeps the ends and what fits between.
        let narrow = egui_plot::GridInput {
            bounds: (0.0, 8.0),
            base_step_size: 0.24,
        };
        let kept: Vec<f64> = spaced_marks(&values, &narrow)
            .iter()
            .map(|m| 2f64.powf(m.value).round())
            .collect();
        assert_eq!(kept, [1.0, 4.0, 20.0, 100.0]);
    }
}
