//! The ODE samplers on a linear field with a closed-form solution.

use flowlab::Points;
use flowlab::flow::{FlowError, Solver, VelocityField, integrate, integrate_recording};

/// `v(x, t) = x`: integrating `x ← x − Δt·v` from t = 1 to 0 gives `x(0) = z·e^{-1}`.
struct Linear;
impl VelocityField for Linear {
    fn dim(&self) -> usize {
        1
    }
    fn velocity(&self, x: &[f32], _t: f32) -> Result<Vec<f32>, FlowError> {
        Ok(x.to_vec())
    }
}

/// `v(x, t) = 3t²`: x(0) = z − 1 exactly; tests the time each stage is evaluated at.
struct TimeOnly;
impl VelocityField for TimeOnly {
    fn dim(&self) -> usize {
        1
    }
    fn velocity(&self, x: &[f32], t: f32) -> Result<Vec<f32>, FlowError> {
        Ok(vec![3.0 * t * t; x.len()])
    }
}

fn error(solver: Solver, steps: usize) -> f64 {
    let z = Points::new(1, vec![1.0]);
    let x = integrate(&Linear, &z, solver, steps).expect("test fixture");
    (f64::from(x.data[0]) - (-1.0f64).exp()).abs()
}

#[test]
fn each_solver_converges_at_its_order() {
    // Halving the step divides the error by about 2^order.
    for (solver, order) in [
        (Solver::Euler, 1),
        (Solver::Midpoint, 2),
        (Solver::Heun, 2),
        (Solver::Rk4, 4),
    ] {
        let (coarse, fine) = (error(solver, 4), error(solver, 8));
        let ratio = coarse / fine;
        let expected = 2f64.powi(order);
        assert!(
            ratio > 0.8 * expected && ratio < 1.25 * expected,
            "{solver:?}: ratio {ratio}, expected about {expected}"
        );
    }
    assert!(error(Solver::Rk4, 10) < 1e-5);
    // Euler with one step is x ← z − v(z, 1) = 0.
    assert!((error(Solver::Euler, 1) - (-1.0f64).exp()).abs() < 1e-7);
}

#[test]
fn time_dependent_field_uses_the_right_stage_times() {
    let z = Points::new(1, vec![5.0]);
    // Simpson-exact for a quadratic: RK4 and Heun/midpoint errors follow their rules.
    let rk4 = integrate(&TimeOnly, &z, Solver::Rk4, 3).unwrap().data[0];
    assert!((rk4 - 4.0).abs() < 1e-5, "{rk4}");
    // Euler evaluates at the start of each step: Σ 3 t_k² Δt for t_k = 1, ½ → 3·(1 + ¼)/2.
    let euler = integrate(&TimeOnly, &z, Solver::Euler, 2).unwrap().data[0];
    assert!((euler - (5.0 - 1.875)).abs() < 1e-5, "{euler}");
}

#[test]
fn recording_keeps_every_frame_of_the_chosen_particles() {
    let z = Points::new(1, vec![1.0, 2.0, 3.0]);
    let (x, traj) = integrate_recording(&Linear, &z, Solver::Euler, 10, 2).unwrap();
    assert_eq!(traj.frames(), 11);
    assert_eq!(traj.particles, 2);
    assert_eq!(traj.times.first(), Some(&1.0));
    assert_eq!(traj.times.last(), Some(&0.0));
    assert_eq!(traj.frame(0), &[1.0, 2.0]);
    assert_eq!(traj.frame(10), &x.data[..2]);
}

#[test]
fn step_counts_out_of_range_are_rejected() {
    let z = Points::new(1, vec![1.0]);
    for steps in [0, 1001] {
        let err = integrate(&Linear, &z, Solver::Euler, steps).unwrap_err();
        assert!(err.to_string().starts_with("steps:"), "{err}");
    }
    assert!(integrate(&Linear, &z, Solver::Euler, 1000).is_ok());
}
