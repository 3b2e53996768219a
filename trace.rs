// SPDX-License-Identifier: GPL-2.0

//! Watching the VFS call a filesystem: the `trace` mount option.
//!
//! `mount -t rust_ramfs -o trace none /mnt` makes every call the VFS makes
//! into this module's namespace and mount code (lookup, create, link,
//! rename, setattr, fill_super, evict...) log one line to the kernel log
//! (`dmesg`), e.g.
//!
//! ```text
//! rust_ramfs: lookup(dir 1, "d") = negative
//! rust_ramfs: mkdir(dir 1, "d", 0755) = ino 2
//! ```
//!
//! What is *not* logged is the lesson: `read`, `write` and `mmap` go straight
//! from the VFS to the kernel's generic page-cache code (see `file_ops.rs`),
//! and a name already in the dentry cache is found without asking us. So
//! `cat /mnt/d/f` logs nothing at all. (The page-counting wrappers on that
//! path, `stat`, `statfs` and the xattr calls are not logged either: they
//! come too often to read, and teach nothing about the VFS's structure.)
//!
//! Tracing is off by default and then costs one relaxed atomic load per
//! callback. It is rate-limited per mount, so `cp -r` of a big tree cannot
//! flood the log; `mount -o remount,trace` / `notrace` switches it live.

#![forbid(unsafe_code)]

use core::{
    fmt,
    sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering::Relaxed},
};
use kernel::{
    error::Error,
    ffi::{c_int, c_ulong},
    prelude::*,
};

/// Lines a mount may log per [`WINDOW_NS`] before the rest are dropped.
const BURST: u32 = 1000;
/// The rate limit's window: five seconds, as the kernel's own printk rate
/// limit (`DEFAULT_RATELIMIT_INTERVAL`). A flood is caught even where
/// logging one line is slow (~2 ms on a debug kernel under emulation): the
/// budget runs out well before the window ends.
const WINDOW_NS: u64 = 5_000_000_000;

/// One mount's tracing switch and rate limit.
pub(crate) struct Trace {
    enabled: AtomicBool,
    /// Start of the current window (`ktime_get_mono_fast_ns()`).
    window_start: AtomicU64,
    /// Lines logged in the current window.
    lines: AtomicU32,
    /// Lines dropped in the current window, reported when it ends.
    dropped: AtomicU32,
}

impl Trace {
    /// A switch in the given position.
    pub(crate) const fn new(enabled: bool) -> Self {
        Self {
            enabled: AtomicBool::new(enabled),
            window_start: AtomicU64::new(0),
            lines: AtomicU32::new(0),
            dropped: AtomicU32::new(0),
        }
    }

    /// Whether calls are logged. Callbacks test this before formatting
    /// anything (see [`trace!`]).
    pub(crate) fn enabled(&self) -> bool {
        self.enabled.load(Relaxed)
    }

    /// Switches tracing on or off (mount and remount).
    pub(crate) fn set(&self, enabled: bool) {
        self.enabled.store(enabled, Relaxed);
    }

    /// Logs one line, unless this mount used up its budget for the window.
    ///
    /// The counters are updated without a lock: two CPUs may both start a new
    /// window or both take the last line, so the limit is approximate, which
    /// is all a rate limit needs.
    pub(crate) fn log(&self, line: fmt::Arguments<'_>) {
        let now = crate::vfs::sys::mono_fast_ns();
        let start = self.window_start.load(Relaxed);
        if now.wrapping_sub(start) >= WINDOW_NS
            && self
                .window_start
                .compare_exchange(start, now, Relaxed, Relaxed)
                .is_ok()
        {
            self.lines.store(0, Relaxed);
            let dropped = self.dropped.swap(0, Relaxed);
            if dropped > 0 {
                pr_info!("trace: {} lines dropped (rate limit)\n", dropped);
            }
        }
        if self.lines.fetch_add(1, Relaxed) < BURST {
            pr_info!("{}\n", line);
        } else {
            self.dropped.fetch_add(1, Relaxed);
        }
    }
}

/// Logs one VFS call when the mount of `$sb` (a [`crate::vfs::SuperBlock`])
/// has `trace`; the arguments are formatted only then.
macro_rules! trace {
    ($sb:expr, $($arg:tt)*) => {{
        let trace = &$sb.data().trace;
        if trace.enabled() {
            trace.log(format_args!($($arg)*));
        }
    }};
}
pub(crate) use trace;

/// The text of a VFS call (`lookup(dir 1, "d")`), formatted only when the
/// mount of `$sb` has `trace`: for a call whose result is logged after the
/// call has consumed or changed what its text shows (names, a rename).
macro_rules! note {
    ($sb:expr, $($arg:tt)*) => {{
        if $sb.data().trace.enabled() {
            kernel::str::CString::try_from_fmt(kernel::fmt!($($arg)*)).ok()
        } else {
            None
        }
    }};
}
pub(crate) use note;

/// Shows a callback's result the way the C VFS sees it: `0` or an error
/// name such as `-ENOENT`.
pub(crate) struct Ret(pub(crate) c_int);

impl Ret {
    /// A call's result as its C return value shows it.
    pub(crate) fn of(result: &Result) -> Self {
        Self(match result {
            Ok(()) => 0,
            Err(e) => e.to_errno(),
        })
    }
}

impl fmt::Display for Ret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 >= 0 {
            return write!(f, "{}", self.0);
        }
        show_error(f, Error::from_errno(self.0))
    }
}

/// Shows a result that is a number (an offset) or an error.
pub(crate) struct RetNum<'a>(pub(crate) &'a Result<i64>);

impl fmt::Display for RetNum<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Ok(n) => write!(f, "{n}"),
            Err(e) => show_error(f, *e),
        }
    }
}

/// Shows the result of an operation that makes an inode: `ino N` or an error.
pub(crate) struct NewIno<'a>(pub(crate) &'a Result<c_ulong>);

impl fmt::Display for NewIno<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Ok(ino) => write!(f, "ino {ino}"),
            Err(e) => show_error(f, *e),
        }
    }
}

fn show_error(f: &mut fmt::Formatter<'_>, e: Error) -> fmt::Result {
    match e.name() {
        Some(name) => write!(f, "-{}", name),
        None => write!(f, "{}", e.to_errno()),
    }
}
