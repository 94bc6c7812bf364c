//! The `flowlab` command as a user runs it.

use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};
use rand_distr::StandardNormal;
use std::path::Path;
use std::process::{Command, Output};

fn flowlab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_flowlab"))
        .args(args)
        .output()
        .expect("the flowlab binary runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn presets_lists_one_line_each() {
    let out = flowlab(&["presets"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), flowlab::target::presets::PRESETS.len());
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("two-modes-1d") && l.contains("-2"))
    );
}

fn assert_bad_input(args: &[&str], field: &str, out_dir: &Path) {
    let out = flowlab(args);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.contains(field), "{args:?}: {err}");
    assert!(!out_dir.exists(), "{args:?} left {}", out_dir.display());
}

#[test]
fn bad_input_is_one_line_exit_2_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    assert_bad_targets_refused(dir.path(), &out_dir);
    assert_bad_settings_refused(dir.path(), &out_dir);
    let out = out_dir.to_str().unwrap();
    // Neither --preset nor --target: clap's usage error, also exit 2.
    let usage = flowlab(&["run", "--out", out]);
    assert_eq!(usage.status.code(), Some(2));
    assert!(!out_dir.exists());
}

/// Asserts that bad target files, sources and presets are refused (files written in `dir`).
fn assert_bad_targets_refused(dir: &Path, out_dir: &Path) {
    let out = out_dir.to_str().expect("a UTF-8 temporary path");
    let bad = dir.join("bad.toml");
    std::fs::write(
        &bad,
        "dim = 2\n[[component]]\nweight = 1.0\nmean = [0.0, 0.0]\nstd = [0.3, -1.0]\n",
    )
    .expect("the fixture file is written");
    assert_bad_input(
        &[
            "run",
            "--target",
            bad.to_str().expect("a UTF-8 temporary path"),
            "--out",
            out,
        ],
        "component[0].std[1]",
        out_dir,
    );
    let three_d = dir.join("3d.toml");
    std::fs::write(
        &three_d,
        "dim = 3\n[[component]]\nweight = 1.0\nmean = [0.0, 0.0, 0.0]\nstd = [1.0, 1.0, 1.0]\n",
    )
    .expect("the fixture file is written");
    assert_bad_input(
        &[
            "run",
            "--target",
            three_d.to_str().expect("a UTF-8 temporary path"),
            "--out",
            out,
        ],
        "dim",
        out_dir,
    );
    let missing = dir.join("missing.toml");
    assert_bad_input(
        &[
            "run",
            "--target",
            missing.to_str().expect("a UTF-8 temporary path"),
            "--out",
            out,
        ],
        "missing.toml",
        out_dir,
    );
    assert_bad_input(
        &[
            "run", "--preset", "two-far", "--source", "nope", "--out", out,
        ],
        "--source: preset: no preset named 'nope'",
        out_dir,
    );
    assert_bad_input(
        &[
            "run",
            "--preset",
            "two-far",
            "--source",
            bad.to_str().expect("a UTF-8 temporary path"),
            "--out",
            out,
        ],
        "component[0].std[1]",
        out_dir,
    );
    assert_bad_input(
        &[
            "run",
            "--preset",
            "two-modes-1d",
            "--source",
            "moons",
            "--out",
            out,
        ],
        "source: is a 2-D mixture but the target is 1-D",
        out_dir,
    );
    assert_bad_input(
        &["run", "--preset", "nope", "--out", out],
        "preset",
        out_dir,
    );
}

/// Asserts that bad settings, from flags or a settings file written in `dir`, are refused.
fn assert_bad_settings_refused(dir: &Path, out_dir: &Path) {
    let out = out_dir.to_str().expect("a UTF-8 temporary path");
    assert_bad_input(
        &[
            "run",
            "--preset",
            "two-far",
            "--train-steps",
            "0",
            "--out",
            out,
        ],
        "train_steps",
        out_dir,
    );
    assert_bad_input(
        &["run", "--preset", "two-far", "--batch", "0", "--out", out],
        "batch",
        out_dir,
    );
    let broken = dir.join("broken-settings.toml");
    std::fs::write(&broken, "[train]\nsteps = \"many\"\n").expect("the fixture file is written");
    assert_bad_input(
        &[
            "run",
            "--preset",
            "two-far",
            "--settings",
            broken.to_str().expect("a UTF-8 temporary path"),
            "--out",
            out,
        ],
        "line 2: invalid type: string \"many\"",
        out_dir,
    );
    let out_of_range = dir.join("settings.json");
    std::fs::write(&out_of_range, r#"{"net": {"depth": 99}}"#)
        .expect("the fixture file is written");
    assert_bad_input(
        &[
            "run",
            "--preset",
            "two-far",
            "--settings",
            out_of_range.to_str().expect("a UTF-8 temporary path"),
            "--out",
            out,
        ],
        "depth",
        out_dir,
    );
}

#[test]
fn a_short_run_writes_metrics_and_csv_files() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("results");
    let out = flowlab(&[
        "run",
        "--preset",
        "two-modes-1d",
        "--reflows",
        "1",
        "--distill",
        "--train-steps",
        "40",
        "--width",
        "32",
        "--reflow-pairs",
        "200",
        "--quiet",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let metrics: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("metrics.json")).unwrap())
            .unwrap();
    let names: Vec<&str> = metrics["rounds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["1-RF", "2-RF", "distilled"]);
    assert!(metrics["metric_floor_w2"].as_f64().unwrap() > 0.0);
    assert!(
        metrics["timings"]["train_steps_per_second"]
            .as_f64()
            .unwrap()
            > 0.0
    );
    for name in names {
        let samples = std::fs::read_to_string(out_dir.join(format!("samples_{name}.csv"))).unwrap();
        let mut lines = samples.lines();
        assert_eq!(lines.next(), Some("x"));
        assert_eq!(
            lines.count(),
            10_000,
            "1-D rounds are sampled at 10,000 points"
        );
        let traj =
            std::fs::read_to_string(out_dir.join(format!("trajectories_{name}.csv"))).unwrap();
        let mut lines = traj.lines();
        assert_eq!(lines.next(), Some("particle,step,t,x"));
        let frames = if name == "distilled" { 2 } else { 101 };
        assert_eq!(lines.count(), 300 * frames);
    }
    // Per-round numbers: a header, one row per round, the same count of fields everywhere.
    let rounds = std::fs::read_to_string(out_dir.join("rounds.csv")).unwrap();
    let rows: Vec<Vec<&str>> = rounds.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 1 + 3);
    assert_eq!(
        rows[0][..4],
        ["round", "coupling_cost", "straightness", "mode_tv"]
    );
    assert!(rows[0].contains(&"w2_steps_100") && rows[0].contains(&"train_seconds"));
    assert!(rows.iter().all(|r| r.len() == rows[0].len()));
    assert_eq!(rows[3][0], "distilled");
    let w2_100 = rows[0].iter().position(|c| *c == "w2_steps_100").unwrap();
    assert_eq!(
        rows[3][w2_100], "",
        "the student is measured at one step only"
    );
    assert!(rows[1][w2_100].parse::<f64>().unwrap() > 0.0);
    // Losses: `round,step,loss`, rows for every round in order.
    let losses = std::fs::read_to_string(out_dir.join("losses.csv")).unwrap();
    let mut lines = losses.lines();
    assert_eq!(lines.next(), Some("round,step,loss"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert!(
        rows.iter()
            .all(|r| r.len() == 3 && r[2].parse::<f32>().is_ok())
    );
    assert_eq!(rows.first().unwrap()[0], "1-RF");
    assert_eq!(rows.last().unwrap()[0], "distilled");
    assert!(
        !out_dir.join("README.md").exists(),
        "no figures unless asked"
    );
    // No staging folder is left beside the output.
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("partial"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn a_settings_file_sets_what_it_names_and_flags_override_it() {
    let dir = tempfile::tempdir().unwrap();
    let settings = dir.path().join("lecture.toml");
    std::fs::write(
        &settings,
        "seed = 7\nreflows = 0\n[net]\nwidth = 24\n[train]\nsteps = 30\nbatch = 64\n",
    )
    .unwrap();
    let out_dir = dir.path().join("results");
    let out = flowlab(&[
        "run",
        "--preset",
        "two-modes-1d",
        "--settings",
        settings.to_str().unwrap(),
        "--batch",
        "32",
        "--distill-steps",
        "10",
        "--reflow-pairs",
        "100",
        "--quiet",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let metrics: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("metrics.json")).unwrap())
            .unwrap();
    let s = &metrics["settings"];
    assert_eq!(s["seed"], 7);
    assert_eq!(s["reflows"], 0);
    assert_eq!(s["net"]["width"], 24);
    assert_eq!(s["net"]["depth"], 3, "left out: the default");
    assert_eq!(s["train"]["steps"], 30);
    assert_eq!(s["train"]["batch"], 32, "the flag wins over the file");
    let names: Vec<&str> = metrics["rounds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["1-RF"],
        "a file without `distill` leaves distillation off, as without a file"
    );
}

#[test]
fn figures_flag_writes_the_figure_set_beside_metrics_json() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("results");
    let out = flowlab(&[
        "run",
        "--preset",
        "two-far",
        "--reflows",
        "1",
        "--train-steps",
        "40",
        "--width",
        "32",
        "--reflow-pairs",
        "200",
        "--figures",
        "--figure-theme",
        "dark",
        "--figure-size",
        "1280x720",
        "--quiet",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out_dir.join("metrics.json").exists());
    let index = std::fs::read_to_string(out_dir.join("README.md")).unwrap();
    for stem in [
        "paths_1-RF",
        "paths_2-RF",
        "field_2-RF",
        "w2_by_steps",
        "side_by_side",
    ] {
        assert!(
            index.contains(&format!("{stem}.png")),
            "{stem} not in the index"
        );
        let png = std::fs::read(out_dir.join(format!("{stem}.png"))).unwrap();
        let img = image::load_from_memory(&png).unwrap();
        assert_eq!((img.width(), img.height()), (1280, 720));
        let svg = std::fs::read_to_string(out_dir.join(format!("{stem}.svg"))).unwrap();
        assert!(svg.contains("<text"), "{stem}.svg keeps text as text");
    }
}

#[test]
fn a_bad_figure_size_is_refused_before_training() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    let out = out_dir.to_str().unwrap();
    assert_bad_input(
        &[
            "run",
            "--preset",
            "two-far",
            "--figure-size",
            "5x5",
            "--figures",
            "--out",
            out,
        ],
        "figure size 5×5",
        &out_dir,
    );
    let usage = flowlab(&[
        "run",
        "--preset",
        "two-far",
        "--figure-size",
        "big",
        "--out",
        out,
    ]);
    assert_eq!(usage.status.code(), Some(2));
    assert!(stderr(&usage).contains("WIDTHxHEIGHT"));
}

#[test]
fn data_fits_a_mixture_to_a_csv_and_reports_the_fit() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("points.csv");
    let mut text = String::from("x,y\n");
    let mut rng = StdRng::seed_from_u64(9);
    for i in 0..400 {
        // Two Gaussian clusters, at (-3, 0) and (3, 1), std 0.3.
        let (cx, cy) = if i % 2 == 0 { (-3.0, 0.0) } else { (3.0, 1.0) };
        let (dx, dy): (f64, f64) = (rng.sample(StandardNormal), rng.sample(StandardNormal));
        text.push_str(&format!("{},{}\n", cx + 0.3 * dx, cy + 0.3 * dy));
    }
    std::fs::write(&csv, text).unwrap();
    let out_dir = dir.path().join("out");
    let out = flowlab(&[
        "run",
        "--data",
        csv.to_str().unwrap(),
        "--reflows",
        "0",
        "--train-steps",
        "50",
        "--quiet",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let metrics: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("metrics.json")).unwrap())
            .unwrap();
    assert_eq!(metrics["data"]["points"], 400);
    assert_eq!(metrics["data"]["components"], 2, "{}", metrics["data"]);
    let means: Vec<f64> = metrics["target"]["component"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["mean"][0].as_f64().unwrap())
        .collect();
    assert!(means.iter().any(|m| (m + 3.0).abs() < 0.2), "{means:?}");
    assert!(means.iter().any(|m| (m - 3.0).abs() < 0.2), "{means:?}");

    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "x,y\n1,2\n3,four\n").unwrap();
    assert_bad_input(
        &[
            "run",
            "--data",
            bad.to_str().unwrap(),
            "--out",
            out_dir.join("x").to_str().unwrap(),
        ],
        "line 3, column 2",
        &out_dir.join("x"),
    );
}
