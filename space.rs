// SPDX-License-Identifier: GPL-2.0

//! Bounded memory: the `size=` and `nr_inodes=` limits, and `statfs`.
//!
//! The C ramfs stores whatever it is given until the machine runs out of
//! memory. A rust_ramfs mount can be given limits, as a tmpfs one: `size=`
//! bounds the bytes it stores (the page-cache pages of its files and
//! symlinks, its xattrs), `nr_inodes=` the number of its inodes and hard
//! links. Each mount keeps one [`Space`]: its limits and what it uses, under
//! one spinlock, so that a check and the charge it allows are one step, and
//! `remount` can refuse a limit below what is in use without racing a
//! writer. A mount without a limit skips the lock where only the limit
//! needs it (its new pages and inodes), and giving back never needs a check:
//! evicting an inode that held no pages and no xattrs (the common `unlink`)
//! takes no lock at all.
//!
//! Pages enter the page cache in the kernel's generic code, not ours. So they
//! are counted from the mapping's own page count (`nrpages`): after each call
//! that can add or remove pages (`write_begin`, a page fault, a truncate,
//! eviction), [`Space::settle`] charges the difference between that count and
//! what the inode was charged so far. That is exact whatever added or removed
//! the page. To *refuse* a page before it is added, the write and fault paths
//! first [`reserve`](Space::reserve) it, and `settle` gives the reservation
//! back. Reads add no pages: `read()` of a hole copies zeroes (`file_ops.rs`).
//!
//! A mount without `size=` reserves without the lock: it only counts the
//! accesses in flight (`unlocked`). A `remount` that sets the first limit
//! publishes it, then counts those accesses as pages about to be added, so
//! that the limit holds from the moment the remount returns (see
//! [`Space::set_limits`]). New inodes work the same way with `nr_inodes=`.
//!
//! What each object costs: a page of file data or of a symlink target is
//! `PAGE_SIZE` against `size=`; an xattr is charged what its allocations take
//! (`xattr.rs`); an inode, and each hard link beyond a file's first name, is
//! one against `nr_inodes=` (as on tmpfs), which bounds the inode, its
//! dentries and their names (a few hundred bytes each in the slab).

#![forbid(unsafe_code)]

use crate::{
    vfs::{bindings, sys, InodeView, Statfs},
    RamFs,
};
use core::sync::atomic::{
    AtomicBool, AtomicU64,
    Ordering::{Relaxed, SeqCst},
};
use kernel::{new_spinlock, prelude::*, sync::SpinLock};

/// Bytes one page-cache page is charged.
pub(crate) const PAGE_BYTES: u64 = bindings::PAGE_SIZE as u64;

/// A mount's limits; 0 means no limit.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    /// `size=`, in bytes, a whole number of pages.
    pub(crate) bytes: u64,
    /// `nr_inodes=`.
    pub(crate) inodes: u64,
}

impl Limits {
    /// The limits of a mount that names none: none in the initial user
    /// namespace, where only the administrator mounts and a ramfs is expected
    /// to hold whatever it is given; half of RAM for data and one inode per
    /// two pages of RAM in any other, so that an unprivileged user cannot
    /// take the machine's memory (tmpfs's defaults).
    pub(crate) fn default_for(initial_user_ns: bool) -> Self {
        if initial_user_ns {
            return Self {
                bytes: 0,
                inodes: 0,
            };
        }
        let half = sys::total_ram_pages() / 2;
        Self {
            bytes: half.saturating_mul(PAGE_BYTES),
            inodes: half,
        }
    }
}

/// What is in use, and the limits it is checked against.
struct Usage {
    limits: Limits,
    /// Bytes charged: pages and xattrs, and reservations in flight.
    bytes: u64,
}

/// One mount's space: see the module documentation.
#[pin_data]
pub(crate) struct Space {
    #[pin]
    usage: SpinLock<Usage>,
    /// Whether `size=` is set: read without the lock, it lets a mount without
    /// a limit reserve pages without the lock. Set before a remount checks
    /// the use against a new limit (see [`Space::set_limits`]).
    limited: AtomicBool,
    /// Whether `nr_inodes=` is set: the same for new inodes.
    inodes_limited: AtomicBool,
    /// Accesses in flight that began while `limited` was false, each of
    /// which may add one page without the lock (`Reservation::Unlocked`).
    unlocked: AtomicU64,
    /// Inodes charged, the root included. Raised under the lock after the
    /// check against `nr_inodes=` (without it while `inodes_limited` is
    /// false); lowered without it, which can only make a check under the
    /// lock more cautious.
    inodes: AtomicU64,
}

/// What [`Space::reserve`] took for an access that may add a page; hand it
/// to [`Space::settle`] when the access is done.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reservation {
    /// Nothing: the page is there already, or the caller adds no page.
    None,
    /// A page, charged under the lock against `size=`.
    Charged,
    /// One access counted in `unlocked`: the mount had no `size=` when it
    /// began.
    Unlocked,
}

impl Space {
    /// A new mount's space: nothing used yet.
    pub(crate) fn new(limits: Limits) -> impl PinInit<Self> {
        pin_init!(Self {
            usage <- new_spinlock!(Usage { limits, bytes: 0 }, "rust_ramfs::Space"),
            limited: AtomicBool::new(limits.bytes != 0),
            inodes_limited: AtomicBool::new(limits.inodes != 0),
            unlocked: AtomicU64::new(0),
            inodes: AtomicU64::new(0),
        })
    }

    /// The current limits.
    pub(crate) fn limits(&self) -> Limits {
        self.usage.lock().limits
    }

    /// Sets new limits (`remount`), unless what is in use already exceeds
    /// one of them: then nothing changes and the error says which.
    ///
    /// Writers and creators on a mount without a limit take no lock: each
    /// first counts itself (`unlocked`, `inodes`), then reads the hint
    /// (`limited`, `inodes_limited`); this sets the hint, then reads the
    /// counts. All four are sequentially consistent, so either an access sees
    /// the new hint (and reserves under the lock), or this sees the access
    /// counted and checks the new limit with it. The limit holds from the
    /// moment the remount returns; a remount that races writers may be
    /// refused for an access in flight that ends up adding nothing.
    pub(crate) fn set_limits(&self, limits: Limits) -> core::result::Result<(), &'static CStr> {
        let mut usage = self.usage.lock();
        let old = usage.limits;
        self.limited.store(limits.bytes != 0, SeqCst);
        self.inodes_limited.store(limits.inodes != 0, SeqCst);
        let in_flight = self.unlocked.load(SeqCst).saturating_mul(PAGE_BYTES);
        let refused = if limits.bytes != 0 && usage.bytes.saturating_add(in_flight) > limits.bytes {
            Some(kernel::c_str!("size= is below what is stored now"))
        } else if limits.inodes != 0 && self.inodes.load(SeqCst) > limits.inodes {
            Some(kernel::c_str!("nr_inodes= is below the inodes in use now"))
        } else {
            None
        };
        if let Some(message) = refused {
            self.limited.store(old.bytes != 0, SeqCst);
            self.inodes_limited.store(old.inodes != 0, SeqCst);
            return Err(message);
        }
        usage.limits = limits;
        Ok(())
    }

    /// Charges one inode, or fails with ENOSPC at `nr_inodes=`.
    pub(crate) fn charge_inode(&self) -> Result {
        if !self.inodes_limited.load(Relaxed) {
            // Count first, then look at the hint: see `set_limits`.
            self.inodes.fetch_add(1, SeqCst);
            if !self.inodes_limited.load(SeqCst) {
                return Ok(());
            }
            self.inodes.fetch_sub(1, Relaxed);
        }
        let usage = self.usage.lock();
        if usage.limits.inodes != 0 && self.inodes.load(Relaxed) >= usage.limits.inodes {
            return Err(ENOSPC);
        }
        self.inodes.fetch_add(1, Relaxed);
        Ok(())
    }

    /// Gives back one inode's charge (each follows its [`Space::charge_inode`]).
    pub(crate) fn uncharge_inode(&self) {
        self.inodes.fetch_sub(1, Relaxed);
    }

    /// Charges `bytes` (an xattr, a reservation), or fails with ENOSPC when
    /// they do not fit under `size=` beside the accesses in flight that may
    /// still add a page each.
    pub(crate) fn charge(&self, bytes: u64) -> Result {
        let mut usage = self.usage.lock();
        let new = usage.bytes.checked_add(bytes).ok_or(ENOSPC)?;
        let in_flight = self.unlocked.load(SeqCst).saturating_mul(PAGE_BYTES);
        if usage.limits.bytes != 0 && new.saturating_add(in_flight) > usage.limits.bytes {
            return Err(ENOSPC);
        }
        usage.bytes = new;
        Ok(())
    }

    /// Gives back `bytes` charged by [`Space::charge`].
    pub(crate) fn uncharge(&self, bytes: u64) {
        let mut usage = self.usage.lock();
        usage.bytes = usage.bytes.saturating_sub(bytes);
    }

    /// Reserves the page that an access to `inode`'s page `index` is about to
    /// add to the page cache: on a limited mount, a page charged under the
    /// lock when the page is not there yet, or ENOSPC; on a mount without a
    /// limit, only a count of the access (see [`Space::set_limits`]). Pass
    /// the result to [`Space::settle`] once the access is done.
    pub(crate) fn reserve(&self, inode: &impl InodeView<RamFs>, index: u64) -> Result<Reservation> {
        if !self.limited.load(Relaxed) {
            // Count first, then look at the hint: see `set_limits`.
            self.unlocked.fetch_add(1, SeqCst);
            if !self.limited.load(SeqCst) {
                return Ok(Reservation::Unlocked);
            }
            self.unlocked.fetch_sub(1, SeqCst);
        }
        if inode.has_page(index) {
            return Ok(Reservation::None);
        }
        self.charge(PAGE_BYTES)?;
        Ok(Reservation::Charged)
    }

    /// Brings `inode`'s charge in line with the pages its page cache holds,
    /// and gives back what [`Space::reserve`] took for the access.
    #[inline]
    pub(crate) fn settle(&self, inode: &impl InodeView<RamFs>, reserved: Reservation) {
        // `pages_charged` changes only under the lock; whoever changes the
        // page count settles after it, so an equal count needs no work.
        if reserved == Reservation::Charged {
            self.settle_charged(inode, PAGE_BYTES);
        } else if inode.data().pages_charged.load(Relaxed) != inode.nr_pages() {
            self.settle_charged(inode, 0);
        }
        // Only now that its page is charged does the access stop counting
        // as one in flight.
        if reserved == Reservation::Unlocked {
            self.unlocked.fetch_sub(1, SeqCst);
        }
    }

    /// Brings `inode`'s charge in line with the pages its page cache holds
    /// and gives back `reserved` bytes charged up front for them (a
    /// reserved page, a preallocation's [`Space::charge`]), under one lock,
    /// so that the mount never counts those pages twice.
    pub(crate) fn settle_charged(&self, inode: &impl InodeView<RamFs>, reserved: u64) {
        let charged = &inode.data().pages_charged;
        let mut usage = self.usage.lock();
        let now = inode.nr_pages();
        let before = charged.swap(now, Relaxed);
        // A page count fits 52 bits on 64-bit machines, so its bytes fit a u64.
        let bytes = |pages: usize| (pages as u64).saturating_mul(PAGE_BYTES);
        if now >= before {
            usage.bytes = usage.bytes.saturating_add(bytes(now - before));
        } else {
            usage.bytes = usage.bytes.saturating_sub(bytes(before - now));
        }
        usage.bytes = usage.bytes.saturating_sub(reserved);
    }

    /// The block and inode counts `statfs` reports. A limit is the total, as
    /// on tmpfs; without one, what is free is what the machine has available
    /// (`MemAvailable`), so that what is used is always exact.
    pub(crate) fn statfs(&self) -> Statfs {
        let (limits, bytes) = {
            let usage = self.usage.lock();
            (usage.limits, usage.bytes)
        };
        let inodes = self.inodes.load(Relaxed);
        let used_blocks = bytes.div_ceil(PAGE_BYTES);
        let available = sys::available_pages();
        let (blocks, blocks_free) = match limits.bytes / PAGE_BYTES {
            0 => (used_blocks.saturating_add(available), available),
            total => (total, total.saturating_sub(used_blocks)),
        };
        let (files, files_free) = match limits.inodes {
            0 => (inodes.saturating_add(available), available),
            total => (total, total.saturating_sub(inodes)),
        };
        Statfs {
            blocks,
            blocks_free,
            blocks_available: blocks_free,
            files,
            files_free,
        }
    }
}
