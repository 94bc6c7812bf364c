//! Every validation rule of a target, the TOML format, presets, sampling and density.

use flowlab::target::presets::{PRESETS, preset};
use flowlab::target::{Component, MAX_COMPONENTS, Mixture, TargetError};
use rand::SeedableRng as _;
use rand::rngs::StdRng;

fn comp(weight: f64, mean: &[f64], std: &[f64]) -> Component {
    Component {
        weight,
        mean: mean.to_vec(),
        std: std.to_vec(),
    }
}

fn err_of(dim: usize, components: Vec<Component>) -> String {
    Mixture::new(dim, components)
        .expect_err("the mixture should be rejected")
        .to_string()
}

#[test]
fn rejects_dimension_other_than_one_or_two() {
    for dim in [0, 3, 7] {
        let msg = err_of(dim, vec![comp(1.0, &vec![0.0; dim], &vec![1.0; dim])]);
        assert!(msg.starts_with("dim:"), "{msg}");
        assert!(msg.contains(&dim.to_string()), "{msg}");
    }
}

#[test]
fn rejects_mean_or_std_of_wrong_length() {
    let msg = err_of(2, vec![comp(1.0, &[0.0], &[1.0, 1.0])]);
    assert_eq!(
        msg,
        "component[0].mean: expected 2 value(s), one per axis, got 1"
    );
    let msg = err_of(
        1,
        vec![comp(1.0, &[0.0], &[1.0]), comp(1.0, &[0.0], &[1.0, 2.0])],
    );
    assert_eq!(
        msg,
        "component[1].std: expected 1 value(s), one per axis, got 2"
    );
}

#[test]
fn rejects_non_finite_numbers() {
    let msg = err_of(2, vec![comp(1.0, &[0.0, f64::NAN], &[1.0, 1.0])]);
    assert_eq!(msg, "component[0].mean[1]: must be a finite number");
    let msg = err_of(1, vec![comp(1.0, &[0.0], &[f64::INFINITY])]);
    assert_eq!(msg, "component[0].std[0]: must be a finite number");
    let msg = err_of(1, vec![comp(f64::NAN, &[0.0], &[1.0])]);
    assert_eq!(msg, "component[0].weight: must be a finite number");
}

#[test]
fn rejects_coordinates_too_large_for_training() {
    let msg = err_of(1, vec![comp(1.0, &[1e6], &[1.0])]);
    assert_eq!(
        msg,
        "component[0].mean[0]: must be within ±1000, got 1000000"
    );
    let msg = err_of(2, vec![comp(1.0, &[0.0, 0.0], &[1.0, 2e3])]);
    assert_eq!(msg, "component[0].std[1]: must be within ±1000, got 2000");
}

#[test]
fn rejects_std_that_is_not_positive() {
    let msg = err_of(2, vec![comp(1.0, &[0.0, 0.0], &[1.0, 0.0])]);
    assert_eq!(msg, "component[0].std[1]: must be greater than 0, got 0");
    let msg = err_of(1, vec![comp(1.0, &[0.0], &[-0.5])]);
    assert_eq!(msg, "component[0].std[0]: must be greater than 0, got -0.5");
}

#[test]
fn rejects_negative_weights_and_zero_sum() {
    let msg = err_of(
        1,
        vec![comp(1.0, &[0.0], &[1.0]), comp(-0.1, &[1.0], &[1.0])],
    );
    assert_eq!(msg, "component[1].weight: must not be negative, got -0.1");
    let msg = err_of(
        1,
        vec![comp(0.0, &[0.0], &[1.0]), comp(0.0, &[1.0], &[1.0])],
    );
    assert!(msg.contains("sum to zero"), "{msg}");
}

#[test]
fn rejects_no_components_and_too_many() {
    assert!(matches!(
        Mixture::new(2, vec![]),
        Err(TargetError::NoComponents)
    ));
    let many = vec![comp(1.0, &[0.0], &[1.0]); MAX_COMPONENTS + 1];
    let msg = err_of(1, many);
    assert!(msg.contains("at most 32"), "{msg}");
    assert!(Mixture::new(1, vec![comp(1.0, &[0.0], &[1.0]); MAX_COMPONENTS]).is_ok());
}

#[test]
fn toml_errors_are_clear() {
    let bad_syntax = Mixture::from_toml_str("dim = 2\n[[component]\n").unwrap_err();
    assert!(
        bad_syntax
            .to_string()
            .starts_with("not a valid target file")
    );
    let missing_dim =
        Mixture::from_toml_str("[[component]]\nweight = 1.0\nmean = [0.0]\nstd = [1.0]\n")
            .unwrap_err()
            .to_string();
    assert!(missing_dim.contains("dim"), "{missing_dim}");
    let unknown = Mixture::from_toml_str("dim = 1\ncolour = 3\n")
        .unwrap_err()
        .to_string();
    assert!(unknown.contains("colour"), "{unknown}");
    let nan =
        Mixture::from_toml_str("dim = 1\n[[component]]\nweight = nan\nmean = [0.0]\nstd = [1.0]\n")
            .unwrap_err()
            .to_string();
    assert_eq!(nan, "component[0].weight: must be a finite number");
    let empty = Mixture::from_toml_str("dim = 1\n").unwrap_err().to_string();
    assert!(empty.contains("at least one component"), "{empty}");
}

#[test]
fn file_errors_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.toml");
    let err = Mixture::load(&missing).unwrap_err().to_string();
    assert!(err.contains("missing.toml"), "{err}");
    let broken = dir.path().join("broken.toml");
    std::fs::write(&broken, "dim = = 2").unwrap();
    let err = Mixture::load(&broken).unwrap_err().to_string();
    assert!(err.contains("broken.toml"), "{err}");
}

#[test]
fn toml_round_trip_keeps_the_mixture() {
    for p in PRESETS {
        let m = p.mixture().unwrap();
        let again = Mixture::from_toml_str(&m.to_toml_string()).unwrap();
        assert_eq!(m, again, "{}", p.name);
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.toml");
    let m = preset("two-far").unwrap();
    m.save(&path).unwrap();
    assert_eq!(Mixture::load(&path).unwrap(), m);
}

#[test]
fn the_issue_example_parses() {
    let m = Mixture::from_toml_str(
        "dim = 2\n[[component]]\nweight = 0.5\nmean = [-4.0, 0.0]\nstd = [0.3, 0.3]\n",
    )
    .unwrap();
    assert_eq!(m.dim, 2);
    assert_eq!(m.components[0].mean, vec![-4.0, 0.0]);
}

#[test]
fn presets_cover_the_course() {
    assert!(PRESETS.len() >= 7);
    for p in PRESETS {
        let m = p.mixture().unwrap_or_else(|e| panic!("{}: {e}", p.name));
        assert!(!p.description().is_empty(), "{} has no description", p.name);
        assert!(m.components.len() <= MAX_COMPONENTS);
    }
    let two = preset("two-modes-1d").unwrap();
    assert_eq!(two.dim, 1);
    assert_eq!(two.components[0].mean, vec![-2.0]);
    assert_eq!(two.components[1].mean, vec![2.0]);
    assert_eq!(two.components[0].std, vec![0.5]);
    assert!(preset("moons").unwrap().components.len() >= 20);
    assert!(preset("checkerboard").unwrap().components.len() >= 20);
    let err = preset("nope").unwrap_err().to_string();
    assert!(err.contains("nope") && err.contains("two-far"), "{err}");
}

#[test]
fn sampling_is_seeded_and_follows_the_weights() {
    let m = preset("unequal-1d").unwrap();
    let a = m.sample_labeled(20_000, &mut StdRng::seed_from_u64(7));
    let b = m.sample_labeled(20_000, &mut StdRng::seed_from_u64(7));
    assert_eq!(a, b);
    let weights = m.normalized_weights();
    for (k, w) in weights.iter().enumerate() {
        let frac = a.1.iter().filter(|&&l| l == k).count() as f64 / 20_000.0;
        assert!((frac - w).abs() < 0.015, "component {k}: {frac} vs {w}");
    }
    // Each component's samples have its mean and std.
    let xs: Vec<f64> =
        a.0.data
            .iter()
            .zip(&a.1)
            .filter(|(_, l)| **l == 0)
            .map(|(x, _)| f64::from(*x))
            .collect();
    let mean = xs.iter().sum::<f64>() / xs.len() as f64;
    let std = (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / xs.len() as f64).sqrt();
    assert!((mean - -2.0).abs() < 0.02, "{mean}");
    assert!((std - 0.4).abs() < 0.02, "{std}");
}

#[test]
fn density_integrates_to_one_on_a_grid() {
    let m = preset("anisotropic").unwrap();
    let (nx, ny) = (200, 200);
    let ((x0, x1), (y0, y1)) = ((-8.0, 8.0), (-8.0, 8.0));
    let grid = m.density_grid((x0, x1), (y0, y1), nx, ny);
    let cell = (x1 - x0) / (nx - 1) as f64 * (y1 - y0) / (ny - 1) as f64;
    let total: f64 = grid.iter().sum::<f64>() * cell;
    assert!((total - 1.0).abs() < 0.02, "{total}");
    let one = preset("two-modes-1d").unwrap();
    let curve = one.density_grid((-6.0, 6.0), (0.0, 0.0), 1201, 1);
    let total: f64 = curve.iter().sum::<f64>() * 0.01;
    assert!((total - 1.0).abs() < 0.01, "{total}");
    // Peak of a N(2, 0.5²) half-weight mode: 0.5 / (0.5·√(2π)).
    let peak = one.density(&[2.0]);
    assert!((peak - 0.5 / (0.5 * (2.0 * std::f64::consts::PI).sqrt())).abs() < 1e-6);
}

#[test]
fn assignment_picks_the_most_likely_component() {
    let m = preset("two-far").unwrap();
    assert_eq!(m.most_likely_component(&[-3.5, 0.3]), 0);
    assert_eq!(m.most_likely_component(&[3.9, -0.2]), 1);
    // With unequal weights the boundary moves toward the lighter mode.
    let m = Mixture::new(
        1,
        vec![comp(0.9, &[-1.0], &[1.0]), comp(0.1, &[1.0], &[1.0])],
    )
    .unwrap();
    assert_eq!(m.most_likely_component(&[0.5]), 0);
    assert_eq!(m.most_likely_component(&[2.0]), 1);
}
