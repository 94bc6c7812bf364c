//! "Your own data": reading points from CSV and fitting a Gaussian mixture to them.

use std::time::Instant;

use flowlab::Points;
use flowlab::target::fit::{
    Components, DataError, FitConfig, FitResult, MAX_ROWS, fit_mixture, load_points_csv,
    read_points_csv,
};
use flowlab::target::{Component, Mixture};
use rand::SeedableRng as _;
use rand::rngs::StdRng;

fn comp(weight: f64, mean: &[f64], std: &[f64]) -> Component {
    Component {
        weight,
        mean: mean.to_vec(),
        std: std.to_vec(),
    }
}

/// Three well-separated 2-D components with different weights and stds.
fn truth_2d() -> Mixture {
    Mixture::new(
        2,
        vec![
            comp(0.5, &[-4.0, 0.0], &[0.5, 0.8]),
            comp(0.3, &[3.0, 2.0], &[1.0, 0.4]),
            comp(0.2, &[0.0, -5.0], &[0.6, 0.6]),
        ],
    )
    .expect("valid mixture")
}

fn truth_1d() -> Mixture {
    Mixture::new(
        1,
        vec![comp(0.6, &[-2.0], &[0.5]), comp(0.4, &[3.0], &[1.0])],
    )
    .expect("valid mixture")
}

fn sample(mixture: &Mixture, n: usize, seed: u64) -> Points {
    mixture.sample(n, &mut StdRng::seed_from_u64(seed))
}

fn fit(points: &Points, components: Components, seed: u64) -> FitResult {
    let config = FitConfig {
        components,
        seed,
        ..FitConfig::default()
    };
    fit_mixture(points, &config).expect("the fit should succeed")
}

/// Each true component has a fitted one (nearest mean) with mean within 0.1, std within 15 %
/// and weight within 0.03.
fn assert_recovers(truth: &Mixture, fitted: &Mixture) {
    assert_eq!(
        fitted.components.len(),
        truth.components.len(),
        "{fitted:?}"
    );
    let distance = |a: &[f64], b: &[f64]| -> f64 {
        a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum::<f64>()
    };
    let weights = truth.normalized_weights();
    let mut used = vec![false; fitted.components.len()];
    for (t, w) in truth.components.iter().zip(weights) {
        let (index, f) = fitted
            .components
            .iter()
            .enumerate()
            .min_by(|a, b| distance(&a.1.mean, &t.mean).total_cmp(&distance(&b.1.mean, &t.mean)))
            .expect("components");
        assert!(!used[index], "two true components matched fitted {index}");
        used[index] = true;
        for axis in 0..truth.dim {
            assert!(
                (f.mean[axis] - t.mean[axis]).abs() < 0.1,
                "mean {axis}: {f:?} vs {t:?}"
            );
            assert!(
                (f.std[axis] / t.std[axis] - 1.0).abs() < 0.15,
                "std {axis}: {f:?} vs {t:?}"
            );
        }
        assert!((f.weight - w).abs() < 0.03, "weight: {f:?} vs {t:?}");
    }
    let total: f64 = fitted.components.iter().map(|c| c.weight).sum();
    assert!((total - 1.0).abs() < 1e-9, "weights sum to {total}");
    fitted.validate().expect("the fitted mixture is valid");
}

#[test]
fn em_recovers_a_2d_mixture_of_three() {
    let truth = truth_2d();
    let result = fit(&sample(&truth, 5000, 11), Components::Fixed(3), 0);
    assert_recovers(&truth, &result.mixture);
    assert_eq!(result.components, 3);
    assert_eq!(result.tried.len(), 1);
    assert!(result.log_likelihood.is_finite() && result.bic.is_finite());
}

#[test]
fn em_recovers_a_1d_mixture_of_two() {
    let truth = truth_1d();
    let result = fit(&sample(&truth, 5000, 12), Components::Fixed(2), 0);
    assert_recovers(&truth, &result.mixture);
}

#[test]
fn auto_picks_three_components_by_bic() {
    let truth = truth_2d();
    let result = fit(&sample(&truth, 5000, 11), Components::Auto { max: 8 }, 0);
    assert_eq!(result.components, 3, "tried: {:?}", result.tried);
    let ks: Vec<usize> = result.tried.iter().map(|t| t.0).collect();
    assert_eq!(ks, (1..=8).collect::<Vec<_>>());
    let best = result
        .tried
        .iter()
        .map(|t| t.1)
        .fold(f64::INFINITY, f64::min);
    assert_eq!(result.bic, best);
    assert_recovers(&truth, &result.mixture);
}

#[test]
fn same_seed_gives_the_same_fit() {
    let points = sample(&truth_2d(), 3000, 13);
    let a = fit(&points, Components::Auto { max: 5 }, 42);
    let b = fit(&points, Components::Auto { max: 5 }, 42);
    assert_eq!(a, b);
    // The k-component fit does not depend on which other k were tried.
    let fixed = fit(&points, Components::Fixed(a.components), 42);
    assert_eq!(fixed.mixture, a.mixture);
}

#[test]
fn a_million_points_are_fitted_on_a_subset() {
    let truth = truth_2d();
    let points = sample(&truth, 1_000_000, 14);
    let start = Instant::now();
    let result = fit(&points, Components::Fixed(3), 0);
    assert_recovers(&truth, &result.mixture);
    eprintln!("1e6 points, Fixed(3): {:?}", start.elapsed());
}

fn csv_err(text: &str) -> DataError {
    read_points_csv(text).expect_err("the CSV should be rejected")
}

/// The error's message mentions `line N`.
fn assert_names_line(err: &DataError, line: usize) {
    let msg = err.to_string();
    assert!(msg.contains(&format!("line {line}")), "{msg}");
}

#[test]
fn good_csv_with_header_and_comments() {
    let text = "# exported by hand\nx,y\n1.0,2.0\n\n  # middle comment\n-3.5, 4e-1\n0,-1000\n";
    let points = read_points_csv(text).expect("valid CSV");
    assert_eq!(
        points,
        Points::new(2, vec![1.0, 2.0, -3.5, 0.4, 0.0, -1000.0])
    );
}

#[test]
fn three_columns_after_two() {
    let err = csv_err("x,y\n1,2\n3,4\n5,6,7\n");
    assert!(
        matches!(err, DataError::TooManyColumns { line: 4, found: 3 }),
        "{err:?}"
    );
    assert_names_line(&err, 4);
    assert!(
        err.to_string().contains("1 column (x) or 2 columns"),
        "{err}"
    );
    // Three columns from the start are refused on the first data row.
    let err = csv_err("a,b,c\n1,2,3\n");
    assert!(
        matches!(err, DataError::TooManyColumns { line: 2, .. }),
        "{err:?}"
    );
}

#[test]
fn mixed_one_and_two_columns() {
    let err = csv_err("0.5\n1.5\n2.5,3.5\n");
    assert!(
        matches!(
            err,
            DataError::ColumnMismatch {
                line: 3,
                found: 2,
                expected: 1,
                first_line: 1
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "line 3: 2 column(s) found, but the first data row (line 1) has 1; every row needs the \
         same number of columns"
    );
    let err = csv_err("1,2\n3\n");
    assert!(
        matches!(
            err,
            DataError::ColumnMismatch {
                line: 2,
                found: 1,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn text_in_a_field() {
    let err = csv_err("x,y\n1,2\n3,four\n");
    assert!(
        matches!(&err, DataError::NotANumber { line: 3, column: 2, text } if text == "four"),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "line 3, column 2: 'four' is not a number");
}

#[test]
fn nan_and_infinity() {
    for (text, field) in [("1,2\nNaN,3\n", "NaN"), ("1,2\n4,-inf\n", "-inf")] {
        let err = csv_err(text);
        assert!(
            matches!(&err, DataError::NotFinite { line: 2, text, .. } if text == field),
            "{err:?}"
        );
        assert_names_line(&err, 2);
        assert!(err.to_string().contains("not a finite number"), "{err}");
    }
}

#[test]
fn empty_file_and_only_a_header() {
    for text in ["", "\n\n", "# nothing here\n"] {
        let err = csv_err(text);
        assert!(
            matches!(err, DataError::Empty { header_line: None }),
            "{err:?}"
        );
        assert!(err.to_string().starts_with("no data rows"), "{err}");
    }
    let err = csv_err("# c\nx,y\n");
    assert!(
        matches!(
            err,
            DataError::Empty {
                header_line: Some(2)
            }
        ),
        "{err:?}"
    );
    assert_names_line(&err, 2);
}

#[test]
fn value_out_of_range() {
    let err = csv_err("1\n2\n-1500\n");
    assert!(
        matches!(
            err,
            DataError::OutOfRange {
                line: 3,
                column: 1,
                ..
            }
        ),
        "{err:?}"
    );
    assert_names_line(&err, 3);
}

#[test]
fn more_than_a_million_rows() {
    let ok = "0.5\n".repeat(MAX_ROWS);
    assert_eq!(
        read_points_csv(&ok).expect("exactly the limit").len(),
        MAX_ROWS
    );
    let err = csv_err(&"0.5\n".repeat(MAX_ROWS + 1));
    assert!(
        matches!(err, DataError::TooManyRows { line, max } if line == MAX_ROWS + 1 && max == MAX_ROWS),
        "{err:?}"
    );
    assert_names_line(&err, MAX_ROWS + 1);
}

#[test]
fn missing_file_names_the_path() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("no-such-points.csv");
    let err = load_points_csv(&path).expect_err("missing file");
    assert!(
        matches!(&err, DataError::Io { path: p, .. } if *p == path),
        "{err:?}"
    );
    assert!(err.to_string().contains("no-such-points.csv"), "{err}");
}

#[test]
fn loads_a_file_and_reports_its_lines() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("points.csv");
    std::fs::write(&path, "x\r\n0.25\r\n-1\r\n").expect("write");
    assert_eq!(
        load_points_csv(&path).expect("valid file"),
        Points::new(1, vec![0.25, -1.0])
    );
    std::fs::write(&path, "x\n0.25\nabc\n").expect("write");
    let err = load_points_csv(&path).expect_err("text");
    assert!(
        matches!(err, DataError::NotANumber { line: 3, .. }),
        "{err:?}"
    );
    std::fs::write(&path, b"x\n0.25\n\xff\xfe\n").expect("write");
    let err = load_points_csv(&path).expect_err("not UTF-8");
    assert!(matches!(err, DataError::NotUtf8 { line: 3 }), "{err:?}");
}

/// Fit time for 20,000 2-D points with `Auto { max: 8 }` (run with `--ignored --nocapture`).
#[test]
#[ignore = "timing report, not a check"]
fn timing_20k_points_auto_8() {
    let points = sample(&truth_2d(), 20_000, 15);
    for seed in 0..3 {
        let start = Instant::now();
        let result = fit(&points, Components::Auto { max: 8 }, seed);
        eprintln!(
            "seed {seed}: {:?}, k = {}, iterations = {}, tried = {:?}",
            start.elapsed(),
            result.components,
            result.iterations,
            result.tried
        );
    }
}
