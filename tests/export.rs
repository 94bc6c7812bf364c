//! Exported figures: PNGs decode at the requested size, SVGs are XML with their titles and
//! axis labels as text, figure sets come with an index, bad sizes are refused.

mod common;

use std::collections::BTreeSet;

use common::tiny_run;
use flowlab::export::figure_set::{figure_files, run_figures};
use flowlab::export::{Figure, FigureStyle, Theme, render_png, render_svg};

fn png_size(bytes: &[u8]) -> (u32, u32) {
    let img = image::load_from_memory_with_format(bytes, image::ImageFormat::Png)
        .expect("a PNG that decodes");
    (img.width(), img.height())
}

/// Every `<text>` of an SVG, joined per element.
fn svg_texts(svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).expect("the SVG is well-formed XML");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    doc.descendants()
        .filter(|n| n.tag_name().name() == "text")
        .map(|n| {
            n.descendants()
                .filter(|d| d.is_text())
                .filter_map(|d| d.text())
                .collect::<String>()
                .trim()
                .to_string()
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
    // The W2 chart names every round and the floor in its legend, and labels steps 1, 2, 4.
    let w2 = figures.iter().find(|f| f.stem == "w2_by_steps").unwrap();
    let texts = svg_texts(&render_svg(&w2.figure, &style).unwrap());
    for want in ["1-RF", "2-RF", "distilled", "1", "2", "4"] {
        assert!(texts.iter().any(|t| t == want), "{want} not in {texts:?}");
    }
    assert!(texts.iter().any(|t| t.starts_with("metric floor")));
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
    let card = flowlab::export::run_card::run_card(&report, &["w2_by_steps".to_string()]);
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
