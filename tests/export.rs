//! Exported figures: PNGs decode at the requested size, SVGs are XML with their titles and
//! axis labels as text, figure sets come with an index, bad sizes are refused.

mod common;

use std::collections::BTreeSet;

use common::tiny_run;
use flowlab::export::figure_set::{figure_files, run_figures};
use flowlab::export::layout::{figure_layout, tick_label_rects};
use flowlab::export::palette::{
    MIN_MODE_DISTANCE, MIN_ROUND_DISTANCE, RoundKindColor, color_distance, mode_rgb, round_kind_rgb,
};
use flowlab::export::plots::{self, RoundData};
use flowlab::export::{Figure, FigureStyle, Layer, Rgb, Scale, Theme, render_png, render_svg};

use flowlab::metrics::{Estimate, OtMinimum};
use flowlab::pipeline::{Measure, RoundReport};

fn png_size(bytes: &[u8]) -> (u32, u32) {
    let img = image::load_from_memory_with_format(bytes, image::ImageFormat::Png)
        .expect("a PNG that decodes");
    (img.width(), img.height())
}

/// Every `<text>` of an SVG, joined per element.
fn svg_texts(svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).expect("the SVG is well-formed XML");
    assert_eq!(
        doc.root_element().tag_name().name(),
        "svg",
        "an SVG document"
    );
    doc.descendants()
        .filter(|n| n.tag_name().name() == "text")
        .map(|n| {
            n.descendants()
                .filter(|d| d.is_text())
                .filter_map(|d| d.text())
                .collect::<String>()
                .trim()
                .to_owned()
        })
        .collect()
}

fn labels_of(figure: &Figure) -> Vec<String> {
    let mut out = vec![figure.title.clone()];
    for p in &figure.panels {
        out.push(p.x.label.clone());
        out.push(p.y.label.clone());
        out.extend(p.heading.clone());
    }
    out
}

#[test]
fn every_figure_of_a_2d_run_is_a_png_of_the_size_asked_for_and_an_svg_with_its_labels() {
    let pipeline = tiny_run("eight-gaussians");
    let style = FigureStyle::default();
    let figures = run_figures(&pipeline, &style).unwrap();
    let stems: BTreeSet<&str> = figures.iter().map(|f| f.stem.as_str()).collect();
    for want in [
        "paths_1-RF",
        "paths_2-RF",
        "paths_distilled",
        "samples_1-RF",
        "field_1-RF",
        "field_2-RF",
        "loss",
        "transport_cost",
        "straightness",
        "w2_by_steps",
        "within_mode_w2_by_steps",
        "stray_mass_by_steps",
        "side_by_side",
    ] {
        assert!(stems.contains(want), "{want} missing from {stems:?}");
    }
    assert!(
        !stems.contains("field_distilled"),
        "a one-step student has no field over time"
    );
    for f in &figures {
        assert_eq!(
            png_size(&render_png(&f.figure, &style).unwrap()),
            (1920, 1080),
            "{}",
            f.stem
        );
        let texts = svg_texts(&render_svg(&f.figure, &style).unwrap());
        for label in labels_of(&f.figure) {
            assert!(
                texts.iter().any(|t| t == &label),
                "{}: `{label}` is not a <text> in the SVG ({texts:?})",
                f.stem
            );
        }
    }
    // Each quality chart names every round and the floor in its legend, and labels the
    // measured step counts (1 and 4 in the tiny run).
    for stem in [
        "w2_by_steps",
        "within_mode_w2_by_steps",
        "stray_mass_by_steps",
    ] {
        let chart = figures.iter().find(|f| f.stem == stem).unwrap();
        let texts = svg_texts(&render_svg(&chart.figure, &style).unwrap());
        for want in ["1-RF", "2-RF", "distilled", "1", "4"] {
            assert!(
                texts.iter().any(|t| t == want),
                "{stem}: {want} not in {texts:?}"
            );
        }
        assert!(
            texts.iter().any(|t| t.starts_with("floor ")),
            "{stem}: {texts:?}"
        );
    }
    // The transport-cost chart draws the optimum the rounds are measured against.
    let cost = figures.iter().find(|f| f.stem == "transport_cost").unwrap();
    let texts = svg_texts(&render_svg(&cost.figure, &style).unwrap());
    let optimum = format!(
        "optimal transport cost {}",
        flowlab::export::format_number(pipeline.evaluator().ot_minimum().cost)
    );
    assert!(texts.contains(&optimum), "{optimum} not in {texts:?}");
}

#[test]
fn a_1d_run_draws_the_t_x_plane_on_a_dark_background_at_any_size() {
    let pipeline = tiny_run("two-modes-1d");
    let style = FigureStyle {
        theme: Theme::Dark,
        width_px: 1280,
        height_px: 720,
    };
    let figures = run_figures(&pipeline, &style).unwrap();
    let paths = figures.iter().find(|f| f.stem == "paths_1-RF").unwrap();
    assert!(paths.figure.panels[0].x.label.starts_with('t'));
    assert!(
        paths.figure.panels[0].x.reversed,
        "noise (t = 1) on the left"
    );
    let png = render_png(&paths.figure, &style).unwrap();
    assert_eq!(png_size(&png), (1280, 720));
    // The corner is the dark background, not white.
    let img = image::load_from_memory(&png).unwrap().to_rgb8();
    let corner = img.get_pixel(2, 2).0;
    assert!(corner.iter().all(|&c| c < 60), "corner {corner:?}");
    let samples = figures.iter().find(|f| f.stem == "samples_2-RF").unwrap();
    let texts = svg_texts(&render_svg(&samples.figure, &style).unwrap());
    assert!(texts.iter().any(|t| t == "target density p(x)"));
}

#[test]
fn a_figure_set_has_a_png_an_svg_and_an_index_line_for_every_figure() {
    let pipeline = tiny_run("two-far");
    let style = FigureStyle::default();
    let figures = run_figures(&pipeline, &style).unwrap();
    let files = figure_files(&figures, &style, "test set").unwrap();
    assert_eq!(files.len(), 2 * figures.len() + 1);
    let index = files
        .iter()
        .find(|f| f.0 == "README.md")
        .map(|f| String::from_utf8(f.1.clone()).unwrap())
        .unwrap();
    assert!(index.starts_with("# test set"));
    for f in &figures {
        assert!(index.contains(&format!("[{0}.png]({0}.png)", f.stem)));
        assert!(index.contains(&format!("[svg]({}.svg)", f.stem)));
        assert!(
            files
                .iter()
                .any(|(name, _)| name == &format!("{}.svg", f.stem))
        );
    }
}

#[test]
fn the_smallest_figures_still_draw() {
    let pipeline = tiny_run("two-far");
    for (width_px, height_px) in [(320, 320), (320, 1200), (1600, 320)] {
        let style = FigureStyle {
            theme: Theme::Light,
            width_px,
            height_px,
        };
        let figures = run_figures(&pipeline, &style).unwrap();
        for f in &figures {
            let png = render_png(&f.figure, &style).unwrap();
            assert_eq!(png_size(&png), (width_px, height_px), "{}", f.stem);
        }
    }
}

#[test]
fn sizes_outside_the_range_are_refused_with_the_range() {
    let pipeline = tiny_run("two-far");
    let figures = run_figures(&pipeline, &FigureStyle::default()).unwrap();
    let tiny = FigureStyle {
        width_px: 10,
        ..FigureStyle::default()
    };
    let err = render_png(&figures[0].figure, &tiny)
        .unwrap_err()
        .to_string();
    assert!(err.contains("10×1080") && err.contains("320"), "{err}");
    assert!(render_svg(&figures[0].figure, &tiny).is_err());
}

#[test]
fn the_run_card_states_the_recipe_and_tabulates_every_round() {
    let pipeline = tiny_run("two-far");
    let report = pipeline.report();
    let card = flowlab::export::run_card::run_card(&report, &["w2_by_steps".to_owned()]);
    for section in [
        "## Target",
        "## Recipe",
        "## Evaluation protocol",
        "## Results",
        "## Figures",
    ] {
        assert!(card.contains(section), "{section} missing");
    }
    let s = &report.settings;
    assert!(card.contains(&format!("peak learning rate {}", s.train.learning_rate)));
    assert!(card.contains(&format!(
        "{} steps at batch {}",
        s.train.steps, s.train.batch
    )));
    assert!(card.contains(&format!("{} fresh z", s.reflow_pairs)));
    assert!(card.contains("uniform, t ~ U(0, 1)"));
    assert!(card.contains("exact assignment"), "2-D W2 definition");
    // One table row per round, each with as many cells as the header.
    let table: Vec<&str> = card
        .lines()
        .skip_while(|l| !l.starts_with("| round |"))
        .take_while(|l| l.starts_with('|'))
        .collect();
    assert_eq!(table.len(), 2 + report.rounds.len());
    let cells = |l: &str| l.matches('|').count();
    assert!(table.iter().all(|l| cells(l) == cells(table[0])));
    for r in &report.rounds {
        assert!(
            table
                .iter()
                .any(|l| l.starts_with(&format!("| {} |", r.name)))
        );
    }
    assert!(card.contains("[w2_by_steps](w2_by_steps.png)"));
}

/// The seven rounds of a full lecture run, built from a tiny run's report with the numbers
/// the issue quotes: W2 at 1, 2, 4, 8, 20, 50 and 100 steps, straightness from 9.5
/// (diffusion) down to 0.002 (3-RF).
fn seven_rounds() -> Vec<RoundReport> {
    let pipeline = tiny_run("two-far");
    let template = pipeline.rounds()[0].report.clone();
    let rows = [
        ("1-RF", Some(0.41), 2.1),
        ("2-RF", Some(0.008), 1.2),
        ("3-RF", Some(0.002), 1.1),
        ("distilled", None, 1.1),
        ("OT-CFM", Some(0.09), 1.6),
        ("diffusion", Some(9.5), 2.4),
        ("guided", Some(0.38), 2.0),
    ];
    rows.iter()
        .enumerate()
        .map(|(i, &(name, straightness, cost))| {
            let mut r = template.clone();
            r.name = name.into();
            r.straightness = straightness;
            r.coupling_cost = cost;
            r.w2_by_steps = [1, 2, 4, 8, 20, 50, 100]
                .iter()
                .map(|&s| (s, 0.1 + 1.5 / (s as f64 + i as f64)))
                .collect();
            r.within_mode_w2_by_steps = r.w2_by_steps.iter().map(|(&s, &w)| (s, w / 3.0)).collect();
            r.within_mode_w2_se_by_steps = r.w2_by_steps.keys().map(|&s| (s, 0.004)).collect();
            r
        })
        .collect()
}

/// A floor without an error.
fn floor(mean: f64) -> Estimate {
    Estimate { mean, se: 0.0 }
}

/// An optimal transport cost between the seven rounds' costs: 3-RF and distilled (1.1) sit
/// below it, 2-RF (1.2) above.
fn optimum() -> OtMinimum {
    OtMinimum {
        cost: 1.15,
        error: 0.01,
        method: "test".into(),
    }
}

#[test]
fn rounds_below_the_optimal_transport_cost_are_marked_drift() {
    let mut reports = seven_rounds();
    for r in &mut reports {
        r.coupling_cost_se = 0.005;
    }
    let data = round_data(&reports, &[]);
    let figure = plots::cost_figure(&data, Some(&optimum()));
    let texts = svg_texts(&render_svg(&figure, &FigureStyle::default()).unwrap());
    for want in [
        "3-RF (drift)",
        "distilled (drift)",
        "2-RF",
        "optimal transport cost 1.15",
    ] {
        assert!(texts.iter().any(|t| t == want), "{want} not in {texts:?}");
    }
    assert!(!texts.iter().any(|t| t == "2-RF (drift)"));
    // A round within its error of the optimum is not drift.
    reports[2].coupling_cost_se = 0.1;
    let data = round_data(&reports, &[]);
    let texts = svg_texts(
        &render_svg(
            &plots::cost_figure(&data, Some(&optimum())),
            &FigureStyle::default(),
        )
        .unwrap(),
    );
    assert!(texts.iter().any(|t| t == "3-RF"), "{texts:?}");
}

#[test]
fn the_within_mode_figure_draws_each_value_with_its_error_bar() {
    let reports = seven_rounds();
    let data = round_data(&reports, &[]);
    let figure = plots::quality_figure(&data, Measure::WithinModeW2, Some(floor(0.05)), 1000);
    let bars: usize = figure.panels[0]
        .layers
        .iter()
        .map(|l| match l {
            Layer::Lines {
                name: None, lines, ..
            } => lines.len(),
            _ => 0,
        })
        .sum();
    assert_eq!(bars, 7 * 7, "one ± bar per round and step count");
    assert!(
        figure
            .title
            .starts_with("Within-mode W2 against Euler steps")
    );
}

fn round_data<'a>(reports: &'a [RoundReport], losses: &'a [(usize, f32)]) -> Vec<RoundData<'a>> {
    reports
        .iter()
        .enumerate()
        .map(|(index, report)| RoundData {
            index,
            report,
            losses,
        })
        .collect()
}

const SIZES: [(u32, u32); 2] = [(1920, 1080), (1280, 720)];

#[test]
fn round_kind_colours_are_far_from_each_other_from_every_mode_and_from_grey() {
    let kinds = RoundKindColor::all();
    let greys: Vec<Rgb> = (30..=230).step_by(5).map(|g| Rgb(g, g, g)).collect();
    let modes: Vec<Rgb> = (0..10).map(mode_rgb).collect();
    for (i, a) in kinds.iter().enumerate() {
        for b in &kinds[i + 1..] {
            let d = color_distance(a.rgb(), b.rgb());
            assert!(d >= MIN_ROUND_DISTANCE, "{a:?} and {b:?}: ΔE {d:.1}");
        }
        for (m, &mode) in modes.iter().enumerate() {
            let d = color_distance(a.rgb(), mode);
            assert!(
                d >= MIN_ROUND_DISTANCE,
                "{a:?} and mode {}: ΔE {d:.1}",
                m + 1
            );
        }
        for &g in &greys {
            let d = color_distance(a.rgb(), g);
            assert!(d >= MIN_ROUND_DISTANCE, "{a:?} and grey {g:?}: ΔE {d:.1}");
        }
        // Readable on both figure backgrounds.
        for theme in [Theme::Light, Theme::Dark] {
            let d = color_distance(a.rgb(), theme.background());
            assert!(d >= 25.0, "{a:?} on {theme:?}: ΔE {d:.1}");
        }
    }
    for (i, &a) in modes.iter().enumerate() {
        for (j, &b) in modes.iter().enumerate().skip(i + 1) {
            let d = color_distance(a, b);
            assert!(
                d >= MIN_MODE_DISTANCE,
                "modes {} and {}: ΔE {d:.1}",
                i + 1,
                j + 1
            );
        }
        for &g in &greys {
            let d = color_distance(a, g);
            assert!(
                d >= MIN_MODE_DISTANCE,
                "mode {} and grey {g:?}: ΔE {d:.1}",
                i + 1
            );
        }
    }
    // The colour follows the name, not the training order.
    assert_eq!(round_kind_rgb("guided"), RoundKindColor::Guided.rgb());
    assert_ne!(round_kind_rgb("guided"), round_kind_rgb("1-RF"));
    assert_ne!(round_kind_rgb("distilled-2"), mode_rgb(1));
}

#[test]
fn every_figure_keeps_its_legend_outside_the_data_and_its_ticks_apart() {
    let pipeline = tiny_run("eight-gaussians");
    let reports = seven_rounds();
    let losses: Vec<(usize, f32)> = (1..=20).map(|s| (s * 10, 1.0 / s as f32)).collect();
    for (width_px, height_px) in SIZES {
        let style = FigureStyle {
            theme: Theme::Light,
            width_px,
            height_px,
        };
        let mut figures: Vec<(String, Figure)> = run_figures(&pipeline, &style)
            .unwrap()
            .into_iter()
            .map(|f| (f.stem, f.figure))
            .collect();
        let data = round_data(&reports, &losses);
        figures.push(("loss-7".into(), plots::loss_figure(&data, None)));
        for measure in Measure::ALL {
            figures.push((
                format!("{}-7", measure.stem()),
                plots::quality_figure(&data, measure, Some(floor(0.1)), 2000),
            ));
        }
        figures.push(("cost-7".into(), plots::cost_figure(&data, Some(&optimum()))));
        figures.push(("straightness-7".into(), plots::straightness_figure(&data)));
        for (stem, figure) in &figures {
            let layout = figure_layout(figure, &style);
            assert_eq!(layout.panels.len(), figure.panels.len(), "{stem}");
            let plots: Vec<_> = layout.panels.iter().map(|p| p.plot).collect();
            for (panel, pl) in figure.panels.iter().zip(&layout.panels) {
                let at = format!("{stem} at {width_px}×{height_px}");
                assert!(layout.frame.contains(&pl.cell), "{at}: cell outside");
                assert!(pl.cell.contains(&pl.chart), "{at}: chart outside its cell");
                assert!(
                    pl.plot.width() > 100 && pl.plot.height() > 80,
                    "{at}: {:?}",
                    pl.plot
                );
                if let Some(heading) = pl.heading {
                    assert!(
                        !plots.iter().any(|p| p.intersects(&heading)),
                        "{at}: heading"
                    );
                }
                let named = panel.layers.iter().any(|l| {
                    matches!(
                        l,
                        flowlab::export::Layer::Lines { name: Some(_), .. }
                            | flowlab::export::Layer::Points { name: Some(_), .. }
                            | flowlab::export::Layer::Arrows { name: Some(_), .. }
                            | flowlab::export::Layer::HLine { name: Some(_), .. }
                    )
                });
                match pl.legend {
                    Some(legend) => {
                        assert!(panel.legend && named, "{at}: a legend nobody asked for");
                        assert!(pl.cell.contains(&legend), "{at}: legend {legend:?} cut off");
                        for p in &plots {
                            assert!(!legend.intersects(p), "{at}: legend {legend:?} over {p:?}");
                        }
                        assert!(!legend.intersects(&pl.chart), "{at}: legend over the axes");
                    }
                    None => assert!(!(panel.legend && named), "{at}: legend missing"),
                }
                let (xs, ys) = tick_label_rects(panel, pl);
                assert!(
                    xs.len() >= 2 && ys.len() >= 2,
                    "{at}: {} × {} ticks",
                    xs.len(),
                    ys.len()
                );
                for pair in xs.windows(2).chain(ys.windows(2)) {
                    assert!(
                        !pair[0].intersects(&pair[1]),
                        "{at}: tick labels {pair:?} collide"
                    );
                }
                for r in xs.iter().chain(&ys) {
                    assert!(
                        layout.frame.contains(r),
                        "{at}: tick label {r:?} off the figure"
                    );
                    if let Some(legend) = pl.legend {
                        assert!(!legend.intersects(r), "{at}: tick label under the legend");
                    }
                }
            }
        }
    }
}

#[test]
fn the_side_by_side_figure_shows_every_round_in_one_fitted_box() {
    let pipeline = tiny_run("two-far");
    let style = FigureStyle::default();
    let figures = run_figures(&pipeline, &style).unwrap();
    let side = &figures
        .iter()
        .find(|f| f.stem == "side_by_side")
        .unwrap()
        .figure;
    let rounds = pipeline.rounds();
    assert_eq!(side.panels.len(), rounds.len(), "one panel per round");
    let texts = svg_texts(&render_svg(side, &style).unwrap());
    let headings = texts
        .iter()
        .filter(|t| {
            rounds
                .iter()
                .any(|r| t.starts_with(&format!("{} · ", r.name)))
        })
        .count();
    assert_eq!(headings, rounds.len(), "{texts:?}");
    assert!(texts.iter().any(|t| t == "distilled · 1 step"), "{texts:?}");
    // One box for all: the same ranges in the model and after layout.
    let first = &side.panels[0];
    let layout = figure_layout(side, &style);
    for (p, l) in side.panels.iter().zip(&layout.panels) {
        assert_eq!((p.x.range, p.y.range), (first.x.range, first.y.range));
        assert_eq!(
            (l.x_span, l.y_span),
            (layout.panels[0].x_span, layout.panels[0].y_span)
        );
        assert_eq!(l.plot.width(), layout.panels[0].plot.width());
        // No axis stretched past the data: the plot takes the box's shape instead.
        assert_eq!((l.x_span, l.y_span), (p.x.range, p.y.range));
    }
    // Fitted to the paths: every point inside, no axis more than 15 % wider than the points.
    let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
    for r in rounds {
        for k in 0..r.trajectory.frames() {
            for p in r.trajectory.frame(k).chunks(2) {
                for a in 0..2 {
                    lo[a] = lo[a].min(f64::from(p[a]));
                    hi[a] = hi[a].max(f64::from(p[a]));
                }
            }
        }
    }
    for (a, range) in [first.x.range, first.y.range].into_iter().enumerate() {
        assert!(range.0 <= lo[a] && hi[a] <= range.1, "axis {a}: {range:?}");
        assert!(
            range.1 - range.0 <= 1.15 * (hi[a] - lo[a]),
            "axis {a}: {range:?}"
        );
    }
    // Seven rounds over a 4:3 box make a 2 × 4 grid of near-square plots on a 16:9 slide,
    // not a strip of seven tall narrow panels.
    let cross = flowlab::flow::Trajectory {
        dim: 2,
        particles: 4,
        times: vec![1.0, 0.0],
        positions: vec![
            -3.0, -3.0, 3.0, 3.0, -3.0, 3.0, 3.0, -3.0, // noise
            -4.0, 0.0, 4.0, 0.0, -4.0, 0.0, 4.0, 0.0, // data
        ],
    };
    let names = [
        "1-RF",
        "2-RF",
        "3-RF",
        "distilled",
        "OT-CFM",
        "diffusion",
        "guided",
    ];
    let seven: Vec<(&str, &flowlab::flow::Trajectory)> =
        names.iter().map(|&n| (n, &cross)).collect();
    let grid = plots::side_by_side_figure(pipeline.target(), &seven, Theme::Light);
    for (width_px, height_px) in SIZES {
        let style = FigureStyle {
            theme: Theme::Light,
            width_px,
            height_px,
        };
        let grid_layout = figure_layout(&grid, &style);
        assert_eq!((grid_layout.rows, grid_layout.cols), (2, 4));
        let p = grid_layout.panels[0].plot;
        let ratio = f64::from(p.width()) / f64::from(p.height());
        assert!((0.8..1.8).contains(&ratio), "panel plots {p:?}");
        let (x, y) = (grid_layout.panels[0].x_span, grid_layout.panels[0].y_span);
        assert!(
            x.1 - x.0 < 12.0 && y.1 - y.0 < 9.0,
            "box {x:?} × {y:?} is not fitted"
        );
    }
}

#[test]
fn the_w2_figure_ticks_the_measured_step_counts_in_fixed_round_colours() {
    let reports = seven_rounds();
    let data = round_data(&reports, &[]);
    let figure = plots::quality_figure(&data, Measure::W2, Some(floor(0.1)), 2000);
    for (width_px, height_px) in SIZES {
        let style = FigureStyle {
            theme: Theme::Dark,
            width_px,
            height_px,
        };
        let texts = svg_texts(&render_svg(&figure, &style).unwrap());
        for want in ["1", "2", "4", "8", "20", "50", "100"] {
            assert!(texts.iter().any(|t| t == want), "{want} not in {texts:?}");
        }
        for r in &reports {
            assert!(
                texts.iter().any(|t| t == &r.name),
                "{} not in the legend",
                r.name
            );
        }
    }
    // Each round is drawn in its kind's colour, whatever its position.
    let svg = render_svg(&figure, &FigureStyle::default()).unwrap();
    for r in &reports {
        let Rgb(red, green, blue) = round_kind_rgb(&r.name);
        let hex = format!("#{red:02X}{green:02X}{blue:02X}");
        assert!(
            svg.to_uppercase().contains(&hex),
            "{} ({hex}) not drawn",
            r.name
        );
    }
}

#[test]
fn straightness_over_four_decades_gets_a_readable_log_axis_and_every_bar_its_value() {
    let reports = seven_rounds();
    let data = round_data(&reports, &[]);
    let figure = plots::straightness_figure(&data);
    assert_eq!(figure.panels[0].y.scale, Scale::Log10);
    let cost = plots::cost_figure(&data, None);
    assert_eq!(
        cost.panels[0].y.scale,
        Scale::Linear,
        "costs within a decade stay linear"
    );
    for (width_px, height_px) in SIZES {
        let style = FigureStyle {
            theme: Theme::Light,
            width_px,
            height_px,
        };
        let texts = svg_texts(&render_svg(&figure, &style).unwrap());
        for want in ["1-RF", "2-RF", "3-RF", "OT-CFM", "diffusion", "guided"] {
            assert!(
                texts.iter().any(|t| t == want),
                "bar {want} unlabelled: {texts:?}"
            );
        }
        for value in ["0.41", "0.008", "0.002", "0.09", "9.5", "0.38"] {
            assert!(
                texts.iter().any(|t| t == value),
                "value {value} missing: {texts:?}"
            );
        }
        assert!(
            texts.iter().all(|t| !t.contains("e-")),
            "ticks and values in plain decimals: {texts:?}"
        );
        let costs = svg_texts(&render_svg(&cost, &style).unwrap());
        for r in &reports {
            assert!(
                costs.iter().any(|t| t == &r.name),
                "cost bar {} unlabelled",
                r.name
            );
        }
    }
}
