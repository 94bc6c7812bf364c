//! The stochastic DDPM sampler against the exact velocity of a Gaussian on the diffusion
//! path: its samples must have the target's mean and spread (a wrong drift or noise scale
//! changes the spread), and it must refuse the straight path.

use flowlab::Points;
use flowlab::flow::{FlowError, FlowPath, OnPath, Solver, VelocityField, integrate};
use flowlab::target::standard_normal;
use rand::SeedableRng as _;
use rand::rngs::StdRng;

/// The exact velocity `α'·E[x0|x] + σ'·E[z|x]` for x0 ~ N(m, s²) on `path`.
struct GaussianField {
    mean: f64,
    std: f64,
    path: FlowPath,
}

impl VelocityField for GaussianField {
    fn dim(&self) -> usize {
        1
    }

    fn velocity(&self, x: &[f32], t: f32) -> Result<Vec<f32>, FlowError> {
        let c = self.path.at(t);
        let (a, s) = (f64::from(c.alpha), f64::from(c.sigma));
        let (da, ds) = (f64::from(c.d_alpha), f64::from(c.d_sigma));
        let var = a * a * self.std * self.std + s * s;
        Ok(x.iter()
            .map(|&x| {
                let r = f64::from(x) - a * self.mean;
                let x0 = self.mean + a * self.std * self.std / var * r;
                let z = s / var * r;
                (da * x0 + ds * z) as f32
            })
            .collect())
    }

    fn path(&self) -> FlowPath {
        self.path
    }
}

fn moments(p: &Points) -> (f64, f64) {
    let n = p.len() as f64;
    let mean = p.data.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
    let var = p
        .data
        .iter()
        .map(|&v| (f64::from(v) - mean).powi(2))
        .sum::<f64>()
        / n;
    (mean, var.sqrt())
}

#[test]
fn ddpm_samples_a_gaussian_with_its_mean_and_spread() {
    let field = GaussianField {
        mean: 1.5,
        std: 0.5,
        path: FlowPath::VpLinear,
    };
    let z = standard_normal(20_000, 1, &mut StdRng::seed_from_u64(4));
    let ode = integrate(&field, &z, Solver::Euler, 200).unwrap();
    let sde = integrate(&field, &z, Solver::Ddpm, 200).unwrap();
    let (m_ode, s_ode) = moments(&ode);
    let (m_sde, s_sde) = moments(&sde);
    eprintln!("ODE {m_ode:.4} ± {s_ode:.4}, DDPM {m_sde:.4} ± {s_sde:.4}");
    // 20,000 points: the mean is known to ±0.004 (1 SE), the std to ±0.003.
    assert!((m_sde - 1.5).abs() < 0.02, "{m_sde}");
    assert!((s_sde - 0.5).abs() < 0.02, "{s_sde}");
    assert!((m_ode - 1.5).abs() < 0.02 && (s_ode - 0.5).abs() < 0.02);
    // The noise is real: the stochastic path does not end where the ODE path does.
    let moved = ode
        .data
        .iter()
        .zip(&sde.data)
        .filter(|(a, b)| (*a - *b).abs() > 0.05)
        .count();
    assert!(moved > 10_000, "{moved}");
    // Reproducible, and independent of how the particles are split between cores.
    let again = integrate(&field, &z, Solver::Ddpm, 200).unwrap();
    assert_eq!(again, sde);
    let head = integrate(&field, &z.head(100), Solver::Ddpm, 200).unwrap();
    assert_eq!(head.data[..], sde.data[..100]);
}

#[test]
fn ddpm_refuses_the_straight_path_and_works_through_on_path() {
    let straight = GaussianField {
        mean: 0.0,
        std: 1.0,
        path: FlowPath::Straight,
    };
    let z = standard_normal(10, 1, &mut StdRng::seed_from_u64(5));
    let err = integrate(&straight, &z, Solver::Ddpm, 10).unwrap_err();
    assert!(err.to_string().contains("diffusion"), "{err}");
    // A field that does not know its path is declared to be on it with OnPath.
    let vp = GaussianField {
        mean: 0.0,
        std: 1.0,
        path: FlowPath::VpLinear,
    };
    let plain = OnPath {
        field: &vp,
        path: FlowPath::Straight,
    };
    assert!(integrate(&plain, &z, Solver::Ddpm, 10).is_err());
    let declared = OnPath {
        field: &vp,
        path: FlowPath::VpLinear,
    };
    assert!(integrate(&declared, &z, Solver::Ddpm, 10).is_ok());
}
