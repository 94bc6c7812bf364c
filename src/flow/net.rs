//! The velocity network: an MLP on `(x, features(t))`.

use candle_core::{Device, Tensor, Var};
use rand::Rng;
use serde::{Deserialize, Serialize};

use super::FlowError;

/// Non-linearity between hidden layers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Activation {
    /// `x·sigmoid(x)`: smooth, the default.
    Silu,
    /// `max(x, 0)`.
    Relu,
    /// Gaussian error linear unit (about twice as slow as `SiLU` on CPU).
    Gelu,
    /// Hyperbolic tangent.
    Tanh,
}

impl Activation {
    fn apply(self, x: &Tensor) -> candle_core::Result<Tensor> {
        match self {
            Self::Silu => candle_nn::ops::silu(x),
            Self::Relu => x.relu(),
            Self::Gelu => x.gelu(),
            Self::Tanh => x.tanh(),
        }
    }
}

/// Which implementation runs the network's arithmetic.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kernels {
    /// The default: the whole training step as one fused kernel (`flow::fused::TrainStep`:
    /// forward, loss, backward, `AdamW` and the moving average, no autograd graph).
    #[default]
    Fused,
    /// The fused layers (`act(x·Wᵀ + b)` as one candle op each) under candle's autograd, with
    /// the fused `AdamW`: the reference the whole-step kernel is tested against.
    Layers,
    /// Plain candle tensor ops: the reference both fused paths are tested against.
    Reference,
}

/// How the time t enters the network.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum TimeEmbedding {
    /// t as one scalar input.
    Scalar,
    /// t together with `sin(kπt)` and `cos(kπt)` for k = 1..=frequencies.
    Sinusoidal {
        /// Number of frequencies.
        frequencies: usize,
    },
}

impl TimeEmbedding {
    /// Number of input features t becomes.
    pub fn width(self) -> usize {
        match self {
            Self::Scalar => 1,
            Self::Sinusoidal { frequencies } => 1 + 2 * frequencies,
        }
    }

    /// Appends t's features: t, then `sin(kπt)` and `cos(kπt)` for each frequency k. Only
    /// the first frequency calls `sin` and `cos`; the others turn by it (angle addition, in
    /// f64 so 32 frequencies stay within an f32 rounding of the direct values). Measured on a
    /// batch of 256 rows with 4 frequencies: the batch took 24 µs to build instead of 30.
    fn push(self, t: f32, out: &mut Vec<f32>) {
        out.push(t);
        if let Self::Sinusoidal { frequencies } = self {
            let (s1, c1) = (std::f64::consts::PI * f64::from(t)).sin_cos();
            let (mut s, mut c) = (s1, c1);
            for _ in 1..=frequencies {
                out.push(s as f32);
                out.push(c as f32);
                (s, c) = (s * c1 + c * s1, c * c1 - s * s1);
            }
        }
    }

    /// The derivative of each feature with respect to t (what a forward-mode tangent of
    /// t = 1 becomes), in the order [`Self::push`] writes them.
    pub(crate) fn push_derivative(self, t: f32, out: &mut Vec<f32>) {
        out.push(1.0);
        if let Self::Sinusoidal { frequencies } = self {
            for k in 1..=frequencies {
                let w = std::f32::consts::PI * k as f32;
                let a = w * t;
                out.push(w * a.cos());
                out.push(-w * a.sin());
            }
        }
    }
}

/// Shape of the velocity network.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NetConfig {
    /// Units per hidden layer.
    pub width: usize,
    /// Number of hidden layers.
    pub depth: usize,
    /// Non-linearity.
    pub activation: Activation,
    /// How t is fed in.
    pub time_embedding: TimeEmbedding,
    /// Classes of a class-conditional network (0: unconditional). The class is fed as a
    /// one-hot vector; all zeros is the "no class" input of classifier-free guidance.
    pub classes: usize,
    /// Also fed the length h of the step it is asked to take, embedded like t: the shortcut
    /// model's step size d and `MeanFlow`'s interval t − r. At h = 0 it is a velocity field;
    /// an Euler step of size h reads it at h (see [`super::VelocityField::velocity_over`]).
    pub interval: bool,
}

impl Default for NetConfig {
    fn default() -> Self {
        Self {
            width: 128,
            depth: 3,
            activation: Activation::Silu,
            time_embedding: TimeEmbedding::Sinusoidal { frequencies: 4 },
            classes: 0,
            interval: false,
        }
    }
}

impl NetConfig {
    /// Features at each layer boundary for points of dimension `dim`: the input width (`dim`
    /// plus the time features plus the class one-hot), each hidden width, then `dim`.
    pub fn layer_sizes(&self, dim: usize) -> Vec<usize> {
        let mut sizes = vec![self.input_width(dim)];
        sizes.extend(std::iter::repeat_n(self.width, self.depth));
        sizes.push(dim);
        sizes
    }

    /// Input features for points of dimension `dim`: the point, t's features, h's features
    /// for an interval network, the class one-hot.
    pub fn input_width(&self, dim: usize) -> usize {
        let interval = if self.interval {
            self.time_embedding.width()
        } else {
            0
        };
        dim + self.time_embedding.width() + interval + self.classes
    }

    /// Name and shape of every parameter, in layer order: `layer{i}.weight` `(out, in)` then
    /// `layer{i}.bias` `(out)`.
    pub fn parameter_shapes(&self, dim: usize) -> Vec<(String, Vec<usize>)> {
        self.layer_sizes(dim)
            .windows(2)
            .enumerate()
            .flat_map(|(i, p)| {
                [
                    (format!("layer{i}.weight"), vec![p[1], p[0]]),
                    (format!("layer{i}.bias"), vec![p[1]]),
                ]
            })
            .collect()
    }

    /// Checks the ranges: width 1..=1024, depth 1..=8, at most 32 time frequencies.
    pub fn validate(&self) -> Result<(), FlowError> {
        for (name, value, range) in [
            ("width", self.width, WIDTH_RANGE),
            ("depth", self.depth, DEPTH_RANGE),
        ] {
            if !range.contains(&value) {
                return Err(FlowError::invalid(
                    name,
                    format!("must be between {} and {}", range.start(), range.end()),
                ));
            }
        }
        if let TimeEmbedding::Sinusoidal { frequencies } = self.time_embedding
            && frequencies > 32
        {
            return Err(FlowError::invalid("frequencies", "must be at most 32"));
        }
        if self.classes > crate::target::MAX_COMPONENTS {
            return Err(FlowError::invalid(
                "classes",
                format!("must be at most {}", crate::target::MAX_COMPONENTS),
            ));
        }
        Ok(())
    }
}

/// Units per hidden layer a network may have (the app's setting uses the same range).
pub const WIDTH_RANGE: std::ops::RangeInclusive<usize> = 1..=1024;
/// Hidden layers a network may have.
pub const DEPTH_RANGE: std::ops::RangeInclusive<usize> = 1..=8;

/// An MLP `v_θ(x, t)`: `depth` hidden layers of `width` units, then a linear output of `dim`.
pub struct VelocityNet {
    dim: usize,
    config: NetConfig,
    /// `(weight (out, in), bias (out))` per layer, sharing storage with `vars`.
    layers: Vec<(Tensor, Tensor)>,
    vars: Vec<(String, Var)>,
}

impl VelocityNet {
    /// A new network for points of dimension `dim`, initialised from `rng` like `PyTorch`'s
    /// `nn.Linear` (uniform in ±`1/√fan_in`), so runs are reproducible.
    pub fn new(dim: usize, config: NetConfig, rng: &mut impl Rng) -> Result<Self, FlowError> {
        config.validate()?;
        let sizes = config.layer_sizes(dim);
        let mut tensors = Vec::new();
        for (i, pair) in sizes.windows(2).enumerate() {
            let (fan_in, fan_out) = (pair[0], pair[1]);
            let bound = 1.0 / (fan_in as f32).sqrt();
            let mut uniform = |n: usize| -> Vec<f32> {
                (0..n).map(|_| rng.random_range(-bound..bound)).collect()
            };
            let w = Tensor::from_vec(uniform(fan_in * fan_out), (fan_out, fan_in), &Device::Cpu)?;
            let b = Tensor::from_vec(uniform(fan_out), fan_out, &Device::Cpu)?;
            tensors.push((format!("layer{i}.weight"), w));
            tensors.push((format!("layer{i}.bias"), b));
        }
        Self::from_tensors(dim, config, tensors)
    }

    fn from_tensors(
        dim: usize,
        config: NetConfig,
        tensors: Vec<(String, Tensor)>,
    ) -> Result<Self, FlowError> {
        let vars = tensors
            .into_iter()
            .map(|(name, t)| Ok((name, Var::from_tensor(&t)?)))
            .collect::<Result<Vec<_>, FlowError>>()?;
        let layers = vars
            .chunks_exact(2)
            .map(|wb| (wb[0].1.as_tensor().clone(), wb[1].1.as_tensor().clone()))
            .collect();
        Ok(Self {
            dim,
            config,
            layers,
            vars,
        })
    }

    /// An independent copy with its own parameters (for warm starts and teachers).
    pub fn deep_clone(&self) -> Result<Self, FlowError> {
        let tensors = self
            .vars
            .iter()
            .map(|(name, v)| Ok((name.clone(), v.as_tensor().copy()?)))
            .collect::<Result<Vec<_>, FlowError>>()?;
        Self::from_tensors(self.dim, self.config, tensors)
    }

    /// Dimension of the points.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The network's shape.
    pub fn config(&self) -> &NetConfig {
        &self.config
    }

    /// The trainable parameters.
    pub fn vars(&self) -> Vec<Var> {
        self.vars.iter().map(|(_, v)| v.clone()).collect()
    }

    /// The parameters with their names (`layer{i}.weight`, `layer{i}.bias`).
    pub fn named_tensors(&self) -> Vec<(String, Tensor)> {
        self.vars
            .iter()
            .map(|(n, v)| (n.clone(), v.as_tensor().clone()))
            .collect()
    }

    /// Features at each layer boundary: input width, each hidden width, then `dim`.
    pub fn layer_sizes(&self) -> Vec<usize> {
        self.config.layer_sizes(self.dim)
    }

    /// Units in the widest layer (what sets the size of the activations).
    pub fn widest_layer(&self) -> usize {
        self.config.width.max(self.input_width())
    }

    /// Number of input features per point: `dim` coordinates, the time features and the
    /// class one-hot (if class-conditional).
    pub fn input_width(&self) -> usize {
        self.config.input_width(self.dim)
    }

    /// Classes of a class-conditional network (0 when unconditional).
    pub fn classes(&self) -> usize {
        self.config.classes
    }

    /// Appends the network input for one point `x` at time `t` to `out` (no class).
    pub fn push_input(&self, x: &[f32], t: f32, out: &mut Vec<f32>) {
        self.push_input_class(x, t, None, out);
    }

    /// Appends the network input for one point `x` at time `t` with `class` (one-hot; `None`
    /// or a class the network does not have gives all zeros, the unconditional input).
    pub fn push_input_class(&self, x: &[f32], t: f32, class: Option<usize>, out: &mut Vec<f32>) {
        self.push_features(x, t, 0.0, class, out);
    }

    /// Appends the input for one point `x` at time `t` asked for a step of length `h` (an
    /// interval network; others ignore `h`).
    pub fn push_input_interval(&self, x: &[f32], t: f32, h: f32, out: &mut Vec<f32>) {
        self.push_features(x, t, h, None, out);
    }

    fn push_features(&self, x: &[f32], t: f32, h: f32, class: Option<usize>, out: &mut Vec<f32>) {
        out.extend_from_slice(x);
        self.config.time_embedding.push(t, out);
        if self.config.interval {
            self.config.time_embedding.push(h, out);
        }
        let start = out.len();
        out.resize(start + self.config.classes, 0.0);
        if let Some(k) = class.filter(|&k| k < self.config.classes) {
            out[start + k] = 1.0;
        }
    }

    /// Velocities of the points `x` (row-major) at time `t`, all given `class` (`None`: the
    /// unconditional field).
    pub fn velocity_class(
        &self,
        x: &[f32],
        t: f32,
        class: Option<usize>,
    ) -> Result<Vec<f32>, FlowError> {
        self.velocity_shared(x, t, 0.0, class)
    }

    /// Outputs for the points `x` that all share t, the step length `h` (read by an interval
    /// network) and the class: their features are built once.
    fn velocity_shared(
        &self,
        x: &[f32],
        t: f32,
        h: f32,
        class: Option<usize>,
    ) -> Result<Vec<f32>, FlowError> {
        let mut features = Vec::with_capacity(self.input_width());
        self.push_features(&[], t, h, class, &mut features);
        let mut inputs = Vec::with_capacity(x.len() / self.dim * self.input_width());
        for p in x.chunks_exact(self.dim) {
            inputs.extend_from_slice(p);
            inputs.extend_from_slice(&features);
        }
        self.forward_vec(inputs)
    }

    /// An error unless this is an interval network (told the step length), which `method`
    /// needs.
    pub(crate) fn require_interval(&self, method: &str) -> Result<(), FlowError> {
        if self.config.interval {
            Ok(())
        } else {
            Err(FlowError::invalid(
                "interval",
                format!("{method} needs a network told the step length"),
            ))
        }
    }

    /// `(weight (out, in), bias (out))` of every layer, input first.
    pub(crate) fn layers(&self) -> &[(Tensor, Tensor)] {
        &self.layers
    }

    /// Runs the MLP on an input tensor of shape `(n, input_width)`; returns `(n, dim)`. An
    /// inference pass on the fused kernels (not part of an autograd graph); large batches are
    /// split by rows over the cores.
    pub fn forward(&self, input: &Tensor) -> Result<Tensor, FlowError> {
        let shards = super::fused::row_shards(input.dim(0)?, self.widest_layer());
        if shards.len() <= 1 {
            return self.forward_on_one_thread(input);
        }
        let parts = super::fused::split_work(shards, |rows| {
            self.forward_on_one_thread(&input.narrow(0, rows.start, rows.len())?)
        })
        .into_iter()
        .collect::<Result<Vec<_>, FlowError>>()?;
        Ok(Tensor::cat(&parts, 0)?)
    }

    /// [`Self::forward`] without the split.
    fn forward_on_one_thread(&self, input: &Tensor) -> Result<Tensor, FlowError> {
        self.through_layers(input, |h, w, b, activation| {
            super::fused::linear_act(h, w, b, activation, false)
        })
    }

    /// Runs the MLP for training: the result is part of candle's autograd graph, so
    /// `backward` on a loss built from it reaches every parameter. `kernels` picks the fused
    /// layers (for [`Kernels::Fused`] too: the whole-step kernel builds no graph) or the plain
    /// candle ops they are tested against.
    pub fn forward_train(&self, input: &Tensor, kernels: Kernels) -> Result<Tensor, FlowError> {
        self.through_layers(input, |h, w, b, activation| match kernels {
            Kernels::Fused | Kernels::Layers => super::fused::linear_act(h, w, b, activation, true),
            Kernels::Reference => {
                let z = h.matmul(&w.t()?)?.broadcast_add(b)?;
                match activation {
                    Some(act) => act.apply(&z),
                    None => Ok(z),
                }
            }
        })
    }

    /// Feeds `input` through every layer with `layer(h, weight, bias, activation)`; the
    /// activation is `None` on the output layer.
    fn through_layers(
        &self,
        input: &Tensor,
        layer: impl Fn(&Tensor, &Tensor, &Tensor, Option<Activation>) -> candle_core::Result<Tensor>,
    ) -> Result<Tensor, FlowError> {
        let last = self.layers.len().saturating_sub(1);
        let mut h = input.clone();
        for (i, (w, b)) in self.layers.iter().enumerate() {
            h = layer(&h, w, b, (i < last).then_some(self.config.activation))?;
        }
        Ok(h)
    }

    /// Velocities for the rows of `inputs` (row-major, `input_width` features each).
    pub fn forward_vec(&self, inputs: Vec<f32>) -> Result<Vec<f32>, FlowError> {
        let n = inputs.len() / self.input_width();
        let input = Tensor::from_vec(inputs, (n, self.input_width()), &Device::Cpu)?;
        Ok(self.forward(&input)?.flatten_all()?.to_vec1::<f32>()?)
    }
}

/// A network's parameters as plain vectors: what crosses a thread or goes into a file, where
/// tensors must not.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NetWeights {
    /// Dimension of the points.
    pub dim: usize,
    /// The network's shape.
    pub config: NetConfig,
    /// Parameters in layer order: `layer{i}.weight` `(out, in)` then `layer{i}.bias` `(out)`.
    pub params: Vec<NamedArray>,
}

/// One named parameter array, row-major.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NamedArray {
    /// Parameter name, e.g. `layer0.weight`.
    pub name: String,
    /// Its shape.
    pub shape: Vec<usize>,
    /// Its values, row-major.
    pub values: Vec<f32>,
}

impl VelocityNet {
    /// Copies the parameters out as plain vectors.
    pub fn weights(&self) -> Result<NetWeights, FlowError> {
        let tensors = self
            .vars
            .iter()
            .map(|(name, v)| {
                let t = v.as_tensor();
                Ok(NamedArray {
                    name: name.clone(),
                    shape: t.dims().to_vec(),
                    values: t.flatten_all()?.to_vec1::<f32>()?,
                })
            })
            .collect::<Result<Vec<_>, FlowError>>()?;
        Ok(NetWeights {
            dim: self.dim,
            config: self.config,
            params: tensors,
        })
    }

    /// Rebuilds a network from [`Self::weights`]; checks every name and shape against the
    /// config so a damaged or foreign set of weights is an error, not a wrong model.
    pub fn from_weights(weights: &NetWeights) -> Result<Self, FlowError> {
        let config = weights.config;
        config.validate()?;
        if !(1..=2).contains(&weights.dim) {
            return Err(FlowError::invalid("dim", "must be 1 or 2"));
        }
        let expected = config.parameter_shapes(weights.dim);
        if expected.len() != weights.params.len() {
            return Err(FlowError::invalid(
                "weights",
                format!(
                    "{} arrays for a {}x{} network, expected {}",
                    weights.params.len(),
                    config.depth,
                    config.width,
                    expected.len()
                ),
            ));
        }
        let mut tensors = Vec::with_capacity(expected.len());
        for ((name, shape), array) in expected.into_iter().zip(&weights.params) {
            let count: usize = shape.iter().product();
            if array.name != name || array.shape != shape || array.values.len() != count {
                return Err(FlowError::invalid(
                    "weights",
                    format!(
                        "`{}` has shape {:?} with {} values, expected `{name}` of shape {shape:?}",
                        array.name,
                        array.shape,
                        array.values.len()
                    ),
                ));
            }
            if array.values.iter().any(|v| !v.is_finite()) {
                return Err(FlowError::invalid(
                    "weights",
                    format!("`{name}` holds a non-finite value"),
                ));
            }
            let t = Tensor::from_vec(array.values.clone(), shape, &Device::Cpu)?;
            tensors.push((name, t));
        }
        Self::from_tensors(weights.dim, config, tensors)
    }
}

impl VelocityNet {
    /// Velocities of the points `x` (row-major), each at its own time `t[i]`.
    pub fn velocity_per_point(&self, x: &[f32], t: &[f32]) -> Result<Vec<f32>, FlowError> {
        let mut inputs = Vec::with_capacity(t.len() * self.input_width());
        for (p, &ti) in x.chunks_exact(self.dim).zip(t) {
            self.push_input(p, ti, &mut inputs);
        }
        self.forward_vec(inputs)
    }

    /// Outputs for the points `x` (row-major), each at its own time `t[i]` and step length
    /// `h[i]` (an interval network; others ignore `h`).
    pub fn velocity_rows(&self, x: &[f32], t: &[f32], h: &[f32]) -> Result<Vec<f32>, FlowError> {
        let mut inputs = Vec::with_capacity(t.len() * self.input_width());
        for ((p, &ti), &hi) in x.chunks_exact(self.dim).zip(t).zip(h) {
            self.push_input_interval(p, ti, hi, &mut inputs);
        }
        self.forward_vec(inputs)
    }
}

impl super::VelocityField for VelocityNet {
    fn dim(&self) -> usize {
        self.dim
    }

    /// The unconditional field (for a class-conditional network: no class).
    fn velocity(&self, x: &[f32], t: f32) -> Result<Vec<f32>, FlowError> {
        self.velocity_class(x, t, None)
    }

    fn velocity_rows(&self, x: &[f32], t: &[f32]) -> Result<Vec<f32>, FlowError> {
        self.velocity_per_point(x, t)
    }

    /// An interval network read at step length `h`; any other network's velocity.
    fn velocity_over(&self, x: &[f32], t: f32, h: f32) -> Result<Vec<f32>, FlowError> {
        // Only an interval network's input holds h: any other reads as its velocity.
        self.velocity_shared(x, t, h, None)
    }
}

#[cfg(test)]
mod tests {
    use super::TimeEmbedding;

    #[test]
    fn time_features_by_angle_addition_match_sin_and_cos() {
        let embedding = TimeEmbedding::Sinusoidal { frequencies: 32 };
        let mut worst = 0.0f64;
        for i in 0..=1000 {
            let t = i as f32 / 1000.0;
            let mut features = Vec::new();
            embedding.push(t, &mut features);
            assert_eq!(features.len(), embedding.width());
            assert_eq!(features[0], t);
            for k in 1..=32 {
                let a = std::f64::consts::PI * k as f64 * f64::from(t);
                let (s, c) = (features[2 * k - 1], features[2 * k]);
                worst = worst.max((f64::from(s) - a.sin()).abs());
                worst = worst.max((f64::from(c) - a.cos()).abs());
            }
        }
        // An f32 rounding of a value in [-1, 1] is at most 6e-8; a wrong turn (a sign, a
        // swapped sine and cosine) is off by order 1.
        assert!(worst < 1.2e-7, "features off by {worst}");
    }
}
