use std::fmt;

use crate::{bail, Result};

/// The dimensions of a tensor; rank 0 is a scalar.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Shape(Vec<usize>);

impl Shape {
    pub fn new(dims: impl Into<Vec<usize>>) -> Self {
        Shape(dims.into())
    }

    pub fn scalar() -> Self {
        Shape(Vec::new())
    }

    pub fn dims(&self) -> &[usize] {
        &self.0
    }

    pub fn rank(&self) -> usize {
        self.0.len()
    }

    pub fn numel(&self) -> usize {
        self.0.iter().product()
    }

    /// Row-major strides, in elements.
    pub fn contiguous_strides(&self) -> Vec<isize> {
        let mut strides = vec![0isize; self.rank()];
        let mut acc = 1isize;
        for (s, &d) in strides.iter_mut().zip(&self.0).rev() {
            *s = acc;
            acc *= d.max(1) as isize;
        }
        strides
    }

    /// Resolves a possibly negative axis against this rank.
    pub fn axis(&self, axis: isize, op: &str) -> Result<usize> {
        normalize_axis(axis, self.rank(), op)
    }

    /// Resolves a list of axes (`None` means all), sorted and without repeats.
    pub fn axes(&self, axes: Option<&[isize]>, op: &str) -> Result<Vec<usize>> {
        let Some(axes) = axes else {
            return Ok((0..self.rank()).collect());
        };
        let mut out = Vec::with_capacity(axes.len());
        for &a in axes {
            let a = self.axis(a, op)?;
            if out.contains(&a) {
                bail!(Value, "{op}: axis {a} is repeated in {axes:?}");
            }
            out.push(a);
        }
        out.sort_unstable();
        Ok(out)
    }

    /// NumPy broadcasting of two shapes.
    pub fn broadcast(&self, other: &Shape, op: &str) -> Result<Shape> {
        let rank = self.rank().max(other.rank());
        let mut dims = vec![0; rank];
        for (i, d) in dims.iter_mut().enumerate() {
            let a = dim_from_right(&self.0, rank - 1 - i);
            let b = dim_from_right(&other.0, rank - 1 - i);
            *d = match (a, b) {
                (a, b) if a == b => a,
                (1, b) => b,
                (a, 1) => a,
                _ => bail!(
                    Shape,
                    "{op}: shapes {self} and {other} cannot be broadcast together"
                ),
            };
        }
        Ok(Shape(dims))
    }
}

fn dim_from_right(dims: &[usize], from_right: usize) -> usize {
    if from_right < dims.len() {
        dims[dims.len() - 1 - from_right]
    } else {
        1
    }
}

pub fn normalize_axis(axis: isize, rank: usize, op: &str) -> Result<usize> {
    let r = rank as isize;
    if axis < -r || axis >= r {
        bail!(
            Value,
            "{op}: axis {axis} is out of bounds for a tensor of rank {rank}"
        );
    }
    Ok(if axis < 0 {
        (axis + r) as usize
    } else {
        axis as usize
    })
}

impl From<Vec<usize>> for Shape {
    fn from(v: Vec<usize>) -> Self {
        Shape(v)
    }
}

impl From<&[usize]> for Shape {
    fn from(v: &[usize]) -> Self {
        Shape(v.to_vec())
    }
}

impl<const N: usize> From<[usize; N]> for Shape {
    fn from(v: [usize; N]) -> Self {
        Shape(v.to_vec())
    }
}

/// Prints like a Python tuple, as Keras error messages do: `(2, 3)`, `(4,)`, `()`.
impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.as_slice() {
            [] => f.write_str("()"),
            [d] => write!(f, "({d},)"),
            dims => {
                let parts: Vec<String> = dims.iter().map(|d| d.to_string()).collect();
                write!(f, "({})", parts.join(", "))
            }
        }
    }
}
