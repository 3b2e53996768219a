// SPDX-License-Identifier: GPL-2.0

//! What a filesystem asks of the rest of the kernel: memory figures, sizes
//! the allocator rounds to, clocks.

use super::bindings;
use core::sync::atomic::{AtomicUsize, Ordering};

/// The machine's RAM in pages (what `totalram_pages()` returns in C).
pub(crate) fn total_ram_pages() -> u64 {
    // SAFETY: An all-zero `sysinfo` is valid; `si_meminfo()` fills it in.
    let mut info: bindings::sysinfo = unsafe { core::mem::zeroed() };
    // SAFETY: `info` is a valid, writable `sysinfo`.
    unsafe { bindings::si_meminfo(&mut info) };
    // `totalram` counts units of `mem_unit` bytes (one page).
    (info.totalram as u64).saturating_mul(u64::from(info.mem_unit)) / bindings::PAGE_SIZE as u64
}

/// The pages the machine can give without swapping (`MemAvailable`).
pub(crate) fn available_pages() -> u64 {
    // SAFETY: `si_mem_available()` only reads the memory statistics.
    u64::try_from(unsafe { bindings::si_mem_available() }).unwrap_or(0)
}

/// Bytes an allocation of `bytes` takes from the slab allocator
/// (`kmalloc_size_roundup()`): its size class, or whole pages when larger.
pub(crate) fn kmalloc_size_roundup(bytes: usize) -> u64 {
    // SAFETY: `kmalloc_size_roundup()` only computes a size.
    unsafe { bindings::kmalloc_size_roundup(bytes) as u64 }
}

/// The wall-clock time, as cheap as it comes (`ktime_get_coarse_real_ts64()`).
pub(crate) fn coarse_real_time() -> bindings::timespec64 {
    let mut now = bindings::timespec64::default();
    // SAFETY: `now` is a valid, writable `timespec64`.
    unsafe { bindings::ktime_get_coarse_real_ts64(&mut now) };
    now
}

/// A monotonic clock in nanoseconds, safe in any context
/// (`ktime_get_mono_fast_ns()`).
pub(crate) fn mono_fast_ns() -> u64 {
    // SAFETY: `ktime_get_mono_fast_ns()` reads a clock; it is safe to call in
    // any context.
    unsafe { bindings::ktime_get_mono_fast_ns() }
}

/// Whether the calling task is being killed (`fatal_signal_pending(current)`:
/// SIGKILL, or a signal whose default action kills it): a long operation
/// stops, EINTR. Signals the task handles do not interrupt it (they would
/// turn a preallocation that merely takes long into a failure).
pub(crate) fn fatal_signal_pending() -> bool {
    // SAFETY: `get_current()` is the calling task, live for the call.
    let task = unsafe { bindings::get_current() };
    // SAFETY: As above; `signal_pending()` reads its flags.
    if unsafe { bindings::signal_pending(task) } == 0 {
        return false;
    }
    // The first word of `task->pending.signal`, at the offset the C compiler
    // gave; the kernel sets its bits under a lock, we read it once, as
    // `__fatal_signal_pending()` does.
    // SAFETY: The task is live; the offset is that of an aligned `unsigned
    // long` inside it.
    let word = unsafe {
        AtomicUsize::from_ptr(task.cast::<u8>().add(bindings::TASK_PENDING_SIGNAL).cast())
    };
    word.load(Ordering::Relaxed) & bindings::SIGKILL_BIT != 0
}

/// Lets the scheduler run another task if one is waiting (`cond_resched()`):
/// in a long loop of a kernel without preemption, such as a preallocation
/// page by page. May sleep.
pub(crate) fn cond_resched() {
    // SAFETY: Called from process context without spinlocks held (the only
    // callers are loops in system calls).
    unsafe { bindings::__cond_resched() };
}
