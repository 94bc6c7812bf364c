//! Where the noise end (t = 1) of every path is drawn from: N(0, I), or another mixture when a
//! flow transports one distribution to another.

use rand::Rng;

use super::{Mixture, standard_normal};
use crate::Points;

/// The distribution at t = 1.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Source<'a> {
    /// The standard normal N(0, I) in this many dimensions.
    StandardNormal(usize),
    /// Another mixture (of the target's dimension).
    Mixture(&'a Mixture),
}

impl<'a> Source<'a> {
    /// `mixture` if given, else N(0, I) in `dim` dimensions.
    pub fn new(mixture: Option<&'a Mixture>, dim: usize) -> Self {
        match mixture {
            Some(m) => Source::Mixture(m),
            None => Source::StandardNormal(dim),
        }
    }

    /// The dimension of its points.
    pub fn dim(&self) -> usize {
        match self {
            Source::StandardNormal(dim) => *dim,
            Source::Mixture(m) => m.dim,
        }
    }

    /// `n` points drawn with `rng`.
    pub fn sample(&self, n: usize, rng: &mut impl Rng) -> Points {
        match self {
            Source::StandardNormal(dim) => standard_normal(n, *dim, rng),
            Source::Mixture(m) => m.sample(n, rng),
        }
    }

    /// The mixture, when the source is not N(0, I).
    pub fn mixture(&self) -> Option<&'a Mixture> {
        match self {
            Source::StandardNormal(_) => None,
            Source::Mixture(m) => Some(m),
        }
    }
}
