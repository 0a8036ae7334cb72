//! Output buffers for kernels.
//!
//! A fresh 64 MiB result costs more in page faults than the kernel that
//! fills it: 16k faults of 4 KiB each. Large buffers therefore ask Linux for
//! transparent huge pages (as NumPy does), so the same buffer faults in
//! 2 MiB at a time.

use std::mem::MaybeUninit;

/// Buffers at least this large get huge pages.
const HUGE_PAGE_MIN_BYTES: usize = 4 << 20;

/// `n` default values (all-zero bits for every dtype the kernels produce,
/// so the allocator hands out untouched zeroed pages).
pub(crate) fn output_buffer<T: Default + Clone>(n: usize) -> Vec<T> {
    let out = vec![T::default(); n];
    advise_huge_pages(&out);
    out
}

/// `n` elements that `fill` writes in full, with no zeroing first: a reused
/// heap block would otherwise be cleared by `memset` only to be
/// overwritten (an eighth of a small CNN's training step, measured).
///
/// # Safety
/// `fill` must initialize every element of the slice it is given.
pub(crate) unsafe fn written_buffer<T>(
    n: usize,
    fill: impl FnOnce(&mut [MaybeUninit<T>]),
) -> Vec<T> {
    // SAFETY: the caller's contract, passed on.
    unsafe { written_buffer_with(n, fill) }.0
}

/// `written_buffer` whose `fill` also returns a value, such as what a
/// kernel that fills the buffer from several threads keeps beside it.
///
/// # Safety
/// As `written_buffer`.
pub(crate) unsafe fn written_buffer_with<T, R>(
    n: usize,
    fill: impl FnOnce(&mut [MaybeUninit<T>]) -> R,
) -> (Vec<T>, R) {
    let mut out = Vec::with_capacity(n);
    let spare = &mut out.spare_capacity_mut()[..n];
    advise_huge_pages(spare);
    let result = fill(spare);
    // SAFETY: the caller's `fill` initialized all `n` elements.
    unsafe { out.set_len(n) };
    (out, result)
}

/// Copies `src` into the start of `dst`, which need not be initialized.
pub(crate) fn write_copy<T: Copy>(dst: &mut [MaybeUninit<T>], src: &[T]) {
    for (d, &v) in dst.iter_mut().zip(src) {
        d.write(v);
    }
}

#[cfg(target_os = "linux")]
fn advise_huge_pages<T>(buffer: &[T]) {
    const HUGE_PAGE: usize = 2 << 20;
    let bytes = std::mem::size_of_val(buffer);
    if bytes < HUGE_PAGE_MIN_BYTES {
        return;
    }
    let start = buffer.as_ptr() as usize;
    let aligned = start.next_multiple_of(HUGE_PAGE);
    let end = (start + bytes) & !(HUGE_PAGE - 1);
    if end > aligned {
        // SAFETY: the range lies inside `buffer`'s allocation; MADV_HUGEPAGE
        // is only a hint and never changes the memory's contents.
        unsafe {
            libc::madvise(
                aligned as *mut libc::c_void,
                end - aligned,
                libc::MADV_HUGEPAGE,
            );
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn advise_huge_pages<T>(_buffer: &[T]) {}

/// Asks glibc's allocator to keep freed tensor buffers for reuse instead of
/// returning each to the kernel: by default every buffer above 128 KiB is
/// its own `mmap`, so a training step that frees and reallocates the same
/// activations pays a page fault per 4 KiB each time (a third of a small
/// CNN's step, measured). Caching allocators in NumPy and PyTorch avoid
/// the same cost. Freed memory then stays in the process (its peak RSS).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn keep_freed_memory() {
    const THRESHOLD: libc::c_int = 1 << 30;
    // SAFETY: mallopt only tunes allocator thresholds; it is called before
    // any tensor exists and is safe to call at any time.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, THRESHOLD);
        libc::mallopt(libc::M_TRIM_THRESHOLD, THRESHOLD);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn keep_freed_memory() {}
