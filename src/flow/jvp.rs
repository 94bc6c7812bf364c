//! Forward-mode differentiation of the velocity network (a Jacobian-vector product).
//!
//! One pass gives its output and the derivative of its output along a direction in input
//! space. `MeanFlow`'s training target needs `d/dt u(x_t, r, t)` along the path, which is this
//! product with the tangent `(dx/dt, d features(t)/dt, d features(t − r)/dt)`.
//!
//! Each layer multiplies the stacked `[values; tangents]` by its weights in one product (the
//! bias goes to the values only); the activation maps the values and scales the tangents by
//! its derivative at the pre-activations.

use candle_core::{Device, Tensor};

use super::{FlowError, VelocityNet};

/// The network's outputs for `inputs` (`n × input_width`, row-major) and their derivatives
/// along `tangents` (same layout): `(f(x), J_f(x)·ẋ)`, each `n × dim`.
pub fn jvp(
    net: &VelocityNet,
    inputs: &[f32],
    tangents: &[f32],
) -> Result<(Vec<f32>, Vec<f32>), FlowError> {
    let width = net.input_width();
    if inputs.len() != tangents.len() || !inputs.len().is_multiple_of(width) {
        return Err(FlowError::invalid(
            "tangents",
            format!(
                "{} inputs and {} tangents for rows of {width} features",
                inputs.len(),
                tangents.len()
            ),
        ));
    }
    let n = inputs.len() / width;
    let mut stacked = Vec::with_capacity(2 * inputs.len());
    stacked.extend_from_slice(inputs);
    stacked.extend_from_slice(tangents);
    let mut h = Tensor::from_vec(stacked, (2 * n, width), &Device::Cpu)?;
    let layers = net.layers();
    let last = layers.len().saturating_sub(1);
    for (i, (w, b)) in layers.iter().enumerate() {
        let product = h.matmul(&w.t()?)?;
        let values = product.narrow(0, 0, n)?.broadcast_add(b)?;
        let tangents = product.narrow(0, n, n)?;
        let out = values.dim(1)?;
        let mut z = values.flatten_all()?.to_vec1::<f32>()?;
        let mut dz = tangents.flatten_all()?.to_vec1::<f32>()?;
        if i < last {
            let activation = net.config().activation;
            activation.scale_by_derivative(&mut dz, &z);
            activation.map_in_place(&mut z);
        }
        z.extend_from_slice(&dz);
        h = Tensor::from_vec(z, (2 * n, out), &Device::Cpu)?;
    }
    let all = h.flatten_all()?.to_vec1::<f32>()?;
    let (values, tangents) = all.split_at(all.len() / 2);
    Ok((values.to_vec(), tangents.to_vec()))
}

/// The tangent of one input row along `d/dt` with `dx/dt = velocity` and the interval
/// `h = t − r` growing with t (r held): `[velocity, features'(t), features'(h), 0 …]`.
pub fn path_tangent(net: &VelocityNet, velocity: &[f32], t: f32, h: f32, out: &mut Vec<f32>) {
    let start = out.len();
    out.extend_from_slice(velocity);
    let embedding = net.config().time_embedding;
    embedding.push_derivative(t, out);
    if net.config().interval {
        embedding.push_derivative(h, out);
    }
    out.resize(start + net.input_width(), 0.0);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::{Activation, NetConfig};
    use rand::SeedableRng as _;

    fn net(activation: Activation) -> VelocityNet {
        let config = NetConfig {
            width: 24,
            depth: 3,
            activation,
            interval: true,
            ..NetConfig::default()
        };
        let mut rng = rand::rngs::StdRng::seed_from_u64(11);
        VelocityNet::new(2, config, &mut rng).unwrap()
    }

    /// `u(x + εv, t + ε, h + ε)`: the network moved along the path by ε.
    fn moved(net: &VelocityNet, x: &[f32], v: &[f32], t: f32, h: f32, eps: f32) -> Vec<f32> {
        let p: Vec<f32> = x.iter().zip(v).map(|(a, b)| a + eps * b).collect();
        let mut input = Vec::new();
        net.push_input_interval(&p, t + eps, h + eps, &mut input);
        net.forward_vec(input).unwrap()
    }

    #[test]
    fn the_product_matches_central_differences_for_every_activation() {
        for activation in [
            Activation::Silu,
            Activation::Relu,
            Activation::Gelu,
            Activation::Tanh,
        ] {
            let net = net(activation);
            let cases = [
                ([0.3_f32, -1.2], [1.5_f32, 0.4], 0.7_f32, 0.2_f32),
                ([-2.0, 0.5], [-0.3, 2.0], 0.35, 0.3),
                ([1.1, 1.9], [0.8, -0.9], 0.95, 0.6),
            ];
            let (mut inputs, mut tangents) = (Vec::new(), Vec::new());
            for (x, v, t, h) in &cases {
                net.push_input_interval(x, *t, *h, &mut inputs);
                path_tangent(&net, v, *t, *h, &mut tangents);
            }
            let (values, derivative) = jvp(&net, &inputs, &tangents).unwrap();
            // The same network through candle's product and through the fused layers:
            // equal up to rounding.
            let forward = net.forward_vec(inputs.clone()).unwrap();
            for (a, b) in values.iter().zip(&forward) {
                assert!((a - b).abs() < 1e-4, "{a} vs {b}");
            }
            for (k, (x, v, t, h)) in cases.iter().enumerate() {
                // ReLU's kinks: the time features' tangent is large (up to 4π), so a wider
                // step crosses some unit's kink; a narrow one stays within f32's reach.
                let eps = if activation == Activation::Relu {
                    1e-4
                } else {
                    1e-3
                };
                let plus = moved(&net, x, v, *t, *h, eps);
                let minus = moved(&net, x, v, *t, *h, -eps);
                for d in 0..2 {
                    let numeric = (plus[d] - minus[d]) / (2.0 * eps);
                    let exact = derivative[2 * k + d];
                    // Central differences are off by O(ε²) and by f32 rounding over 2ε.
                    assert!(
                        (numeric - exact).abs() < 2e-3 * (1.0 + exact.abs()),
                        "{activation:?} case {k}: {numeric} vs {exact}"
                    );
                }
            }
        }
    }

    #[test]
    fn mismatched_tangents_are_an_error() {
        let net = net(Activation::Silu);
        let mut inputs = Vec::new();
        net.push_input_interval(&[0.0, 0.0], 0.5, 0.1, &mut inputs);
        assert!(jvp(&net, &inputs, &inputs[1..]).is_err());
    }
}
