//! Software prefetches for the recurrent loops, whose per-step buffers
//! are streamed once per call and are cold by the time a step reaches
//! them: asking for the next step's lines while this step computes hides
//! the misses the hardware prefetchers leave behind.

const LINE: usize = 64;

/// Asks for the cache lines of `range` of `data`, to be read.
#[inline]
pub fn for_read<T>(data: &[T], range: std::ops::Range<usize>) {
    #[cfg(target_arch = "x86_64")]
    lines::<{ std::arch::x86_64::_MM_HINT_T0 }, T>(data, range);
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (data, range);
}

/// Asks for the cache lines of `range` of `data` in exclusive state, to
/// be written (x86's `prefetchw`), so the stores do not wait on them.
#[inline]
pub fn for_write<T>(data: &[T], range: std::ops::Range<usize>) {
    #[cfg(target_arch = "x86_64")]
    lines::<{ std::arch::x86_64::_MM_HINT_ET0 }, T>(data, range);
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (data, range);
}

/// One prefetch with `HINT` per cache line of `range`, clamped to `data`.
#[cfg(target_arch = "x86_64")]
#[inline]
fn lines<const HINT: i32, T>(data: &[T], range: std::ops::Range<usize>) {
    let end = range.end.min(data.len());
    let range = range.start.min(end)..end;
    let bytes = range.len() * std::mem::size_of::<T>();
    let start = data[range].as_ptr().cast::<i8>();
    for offset in (0..bytes).step_by(LINE) {
        // SAFETY: a prefetch never faults, and the address lies within
        // `data`.
        unsafe { std::arch::x86_64::_mm_prefetch::<HINT>(start.add(offset)) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Prefetches take any range, clamped to the data, and change nothing.
    #[test]
    fn prefetches_clamp_their_range_and_leave_data_alone() {
        let data: Vec<f32> = (0..1000).map(|i| i as f32).collect();
        for range in [0..1000, 10..20, 990..2000, 1500..3000, 0..0] {
            for_read(&data, range.clone());
            for_write(&data, range);
        }
        for_read::<f32>(&[], 0..16);
        assert!(data.iter().enumerate().all(|(i, &v)| v == i as f32));
    }
}
