use crate::{bail, Result, Shape};

/// Where a tensor's elements sit in its storage: a view (transpose, slice,
/// broadcast, reshape of contiguous data) changes only the layout, never the
/// data. Strides are in elements and may be 0 (broadcast) or negative
/// (reversed slices).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    shape: Shape,
    strides: Vec<isize>,
    offset: usize,
}

impl Layout {
    pub fn contiguous(shape: Shape) -> Self {
        let strides = shape.contiguous_strides();
        Layout {
            shape,
            strides,
            offset: 0,
        }
    }

    pub fn new(shape: Shape, strides: Vec<isize>, offset: usize) -> Self {
        debug_assert_eq!(shape.rank(), strides.len());
        Layout {
            shape,
            strides,
            offset,
        }
    }

    pub fn shape(&self) -> &Shape {
        &self.shape
    }

    pub fn dims(&self) -> &[usize] {
        self.shape.dims()
    }

    pub fn strides(&self) -> &[isize] {
        &self.strides
    }

    pub fn offset(&self) -> usize {
        self.offset
    }

    pub fn numel(&self) -> usize {
        self.shape.numel()
    }

    /// True when the elements are a dense row-major run starting at `offset`.
    pub fn is_contiguous(&self) -> bool {
        if self.numel() == 0 {
            return true;
        }
        let mut expected = 1isize;
        for (&d, &s) in self.dims().iter().zip(&self.strides).rev() {
            if d != 1 && s != expected {
                return false;
            }
            expected *= d as isize;
        }
        true
    }

    /// The element range `offset..offset+numel` when contiguous.
    pub fn contiguous_range(&self) -> Option<std::ops::Range<usize>> {
        self.is_contiguous()
            .then(|| self.offset..self.offset + self.numel())
    }

    pub fn permute(&self, perm: &[usize]) -> Layout {
        Layout {
            shape: Shape::new(perm.iter().map(|&p| self.dims()[p]).collect::<Vec<_>>()),
            strides: perm.iter().map(|&p| self.strides[p]).collect(),
            offset: self.offset,
        }
    }

    /// A view of this layout broadcast to `shape` (stride 0 on new or size-1 axes).
    pub fn broadcast_to(&self, shape: &Shape, op: &str) -> Result<Layout> {
        let extra = shape.rank().checked_sub(self.shape.rank());
        let Some(extra) = extra else {
            bail!(
                Shape,
                "{op}: cannot broadcast shape {} to {shape}",
                self.shape
            );
        };
        let mut strides = vec![0isize; shape.rank()];
        for (i, (&d, &s)) in self.dims().iter().zip(&self.strides).enumerate() {
            let target = shape.dims()[i + extra];
            strides[i + extra] = if d == target {
                s
            } else if d == 1 {
                0
            } else {
                bail!(
                    Shape,
                    "{op}: cannot broadcast shape {} to {shape}",
                    self.shape
                );
            };
        }
        Ok(Layout {
            shape: shape.clone(),
            strides,
            offset: self.offset,
        })
    }

    /// Keeps `len` elements of `axis` starting at `start`, every `step`-th.
    pub fn slice_axis(&self, axis: usize, start: usize, len: usize, step: isize) -> Layout {
        let mut dims = self.dims().to_vec();
        let mut strides = self.strides.clone();
        let offset = self.offset as isize + start as isize * self.strides[axis];
        dims[axis] = len;
        strides[axis] *= step;
        Layout {
            shape: Shape::new(dims),
            strides,
            offset: offset as usize,
        }
    }

    /// Drops `axis`, keeping only position `index` along it.
    pub fn select(&self, axis: usize, index: usize) -> Layout {
        let mut dims = self.dims().to_vec();
        let mut strides = self.strides.clone();
        let offset = self.offset as isize + index as isize * strides[axis];
        dims.remove(axis);
        strides.remove(axis);
        Layout {
            shape: Shape::new(dims),
            strides,
            offset: offset as usize,
        }
    }

    /// A new shape over the same elements, if it can be had without copying.
    pub fn reshape(&self, shape: &Shape) -> Option<Layout> {
        self.is_contiguous().then(|| Layout {
            shape: shape.clone(),
            strides: shape.contiguous_strides(),
            offset: self.offset,
        })
    }

    /// Inserts a size-1 axis at `axis`.
    pub fn insert_axis(&self, axis: usize) -> Layout {
        let mut dims = self.dims().to_vec();
        let mut strides = self.strides.clone();
        dims.insert(axis, 1);
        strides.insert(axis, 0);
        Layout {
            shape: Shape::new(dims),
            strides,
            offset: self.offset,
        }
    }

    /// `self` and `other` (of one shape) with each run of adjacent dims that
    /// both walk as one dim merged into it, and size-1 dims dropped: the
    /// same elements in the same order, in as few dims as possible (at
    /// least one). A contiguous tensor plus a broadcast row becomes two.
    pub fn coalesced_with(&self, other: &Layout) -> (Layout, Layout) {
        debug_assert_eq!(self.dims(), other.dims());
        let mut dims: Vec<usize> = Vec::new();
        let mut strides: [Vec<isize>; 2] = [Vec::new(), Vec::new()];
        for (axis, &d) in self.dims().iter().enumerate() {
            if d == 1 {
                continue;
            }
            let here = [self.strides[axis], other.strides[axis]];
            let last = dims.len().wrapping_sub(1);
            if !dims.is_empty() && (0..2).all(|k| strides[k][last] == here[k] * d as isize) {
                dims[last] *= d;
                for k in 0..2 {
                    strides[k][last] = here[k];
                }
            } else {
                dims.push(d);
                for k in 0..2 {
                    strides[k].push(here[k]);
                }
            }
        }
        if dims.is_empty() {
            dims.push(1);
            strides = [vec![0], vec![0]];
        }
        let [a, b] = strides;
        let shape = Shape::new(dims);
        (
            Layout::new(shape.clone(), a, self.offset),
            Layout::new(shape, b, other.offset),
        )
    }

    /// Storage offsets of every element in row-major order.
    pub fn offsets(&self) -> StridedOffsets<'_> {
        StridedOffsets::new(self)
    }
}

/// Walks a layout's element offsets in row-major order without allocating
/// per element: an odometer over the dimensions.
pub struct StridedOffsets<'a> {
    layout: &'a Layout,
    index: Vec<usize>,
    next: isize,
    remaining: usize,
}

impl<'a> StridedOffsets<'a> {
    fn new(layout: &'a Layout) -> Self {
        StridedOffsets {
            layout,
            index: vec![0; layout.shape.rank()],
            next: layout.offset as isize,
            remaining: layout.numel(),
        }
    }
}

impl Iterator for StridedOffsets<'_> {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        let current = self.next;
        let dims = self.layout.dims();
        for axis in (0..dims.len()).rev() {
            self.index[axis] += 1;
            self.next += self.layout.strides[axis];
            if self.index[axis] < dims[axis] {
                break;
            }
            self.next -= self.layout.strides[axis] * dims[axis] as isize;
            self.index[axis] = 0;
        }
        Some(current as usize)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl ExactSizeIterator for StridedOffsets<'_> {}
