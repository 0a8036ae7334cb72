//! Keras's padding modes, resolved to explicit (before, after) amounts.

use crate::{bail, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Padding {
    /// No padding: windows stay inside the input.
    Valid,
    /// Output length `ceil(L / stride)`, the extra padding going after.
    Same,
    /// Left padding only, so output `t` sees inputs up to `t` (1-D).
    Causal,
}

impl Padding {
    pub fn parse(op: &str, s: &str) -> Result<Padding> {
        match s.to_ascii_lowercase().as_str() {
            "valid" => Ok(Padding::Valid),
            "same" => Ok(Padding::Same),
            "causal" => Ok(Padding::Causal),
            _ => bail!(
                Value,
                "{op}: `padding` must be \"valid\", \"same\" or \"causal\", got {s:?}"
            ),
        }
    }

    /// The (before, after) padding along one dim of length `len`.
    pub fn amounts(
        self,
        len: usize,
        kernel: usize,
        stride: usize,
        dilation: usize,
    ) -> (usize, usize) {
        let span = dilation * (kernel - 1) + 1;
        match self {
            Padding::Valid => (0, 0),
            Padding::Causal => (span - 1, 0),
            Padding::Same => {
                let out = len.div_ceil(stride);
                let total = ((out.max(1) - 1) * stride + span).saturating_sub(len);
                (total / 2, total - total / 2)
            }
        }
    }

    /// Padding for every spatial dim.
    pub fn resolve(
        self,
        input: &[usize],
        kernel: &[usize],
        strides: &[usize],
        dilation: &[usize],
    ) -> Vec<(usize, usize)> {
        (0..input.len())
            .map(|d| self.amounts(input[d], kernel[d], strides[d], dilation[d]))
            .collect()
    }
}
