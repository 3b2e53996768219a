// SPDX-License-Identifier: GPL-2.0

//! Making inodes: what a file, directory, symlink or device node is in memory.
//!
//! An inode holds a file's attributes (type and permission bits, owner, size,
//! times, link count) and says which code handles it: its inode operations
//! (lookup, create, setattr...), what `open()` gives (read, write, mmap...)
//! and, through its page-cache mapping, how pages are filled. The VFS layer
//! attaches rust_ramfs's tables by the inode's kind ([`InodeKind`]).
//!
//! A disk filesystem reads inodes from disk; a RAM filesystem only ever makes
//! new ones, here, when the VFS asks a directory to create something (see
//! `dir_ops.rs`) and once per mount for the root directory. Their data lives
//! in the page cache, which keeps pages in memory and never writes them
//! anywhere.
//!
//! Beside the VFS's `struct inode`, each inode keeps a [`RamfsInode`]: the
//! birth time, the xattrs and the page charge.

#![forbid(unsafe_code)]

use crate::{
    file_ops,
    space::Reservation,
    vfs::{
        bindings, EvictingInode, GetattrRequest, Idmap, Inode, InodeKind, InodeOperations,
        InodeView, SetattrRequest, SuperBlock,
    },
    xattr, RamFs,
};
use core::sync::atomic::{
    AtomicBool, AtomicU64, AtomicUsize,
    Ordering::{AcqRel, Relaxed},
};
use kernel::prelude::*;

/// A mount's inode numbers: one counter per mount, from 1 (the root), as
/// tmpfs numbers them. The kernel's shared `get_next_ino()`, which the C
/// ramfs uses, is 32 bits wide and shared by every such filesystem: on a
/// machine that runs long enough it wraps, and then two live files can have
/// the same (device, inode) pair, which tools like `tar`, `rsync` and `find`
/// take for hard links. With `inode64` (the default) a number is never given
/// twice in a mount; `inode32` keeps them below 2^32 for 32-bit programs
/// (whose `stat()` fails EOVERFLOW otherwise) and, like tmpfs, starts again
/// at 1 when they run out.
pub(crate) struct InodeNumbers {
    /// The next number to give.
    next: AtomicU64,
    /// `inode64`: numbers use all 64 bits.
    full: AtomicBool,
}

impl InodeNumbers {
    /// A new mount's counter.
    pub(crate) fn new(full: bool) -> Self {
        Self {
            next: AtomicU64::new(1),
            full: AtomicBool::new(full),
        }
    }

    /// Whether numbers use all 64 bits (`inode64`).
    pub(crate) fn full(&self) -> bool {
        self.full.load(Relaxed)
    }

    /// Whether every number given so far fits 32 bits: `inode32` may be
    /// switched on (tmpfs refuses it otherwise).
    pub(crate) fn fit_32_bits(&self) -> bool {
        self.next.load(Relaxed) <= u64::from(u32::MAX)
    }

    /// Switches to `inode64` or `inode32` (remount). A number past 32 bits
    /// given meanwhile makes the next `inode32` one start again at 1.
    pub(crate) fn set_full(&self, full: bool) {
        self.full.store(full, Relaxed);
    }

    /// The number for a new inode: never 0, which means "no inode".
    fn take(&self) -> u64 {
        loop {
            let ino = self.next.fetch_add(1, Relaxed);
            if ino != 0 && (ino <= u64::from(u32::MAX) || self.full()) {
                return ino;
            }
            if ino != 0 {
                // `inode32` and past 32 bits: start again at 1, as tmpfs and
                // `get_next_ino()` do (only the first one past resets it).
                if self
                    .next
                    .compare_exchange(ino + 1, 1, AcqRel, Relaxed)
                    .is_ok()
                {
                    pr_warn!("rust_ramfs: inode numbers wrapped; consider the inode64 option\n");
                }
            }
        }
    }
}

/// What rust_ramfs keeps of each inode beside the VFS's part.
pub(crate) struct RamfsInode {
    /// When the inode was made (`statx`'s birth time).
    btime: bindings::timespec64,
    /// Page-cache pages charged to the mount's `size=` (see `space.rs`);
    /// changed only under the mount's space lock.
    pub(crate) pages_charged: AtomicUsize,
    /// Extended attributes (see `xattr.rs`).
    pub(crate) xattrs: xattr::Store,
}

impl RamfsInode {
    /// A new inode's part, born now.
    pub(crate) fn new() -> impl PinInit<Self, Error> {
        try_init!(RamfsInode {
            btime: crate::vfs::sys::coarse_real_time(),
            pages_charged: AtomicUsize::new(0),
            xattrs: xattr::Store::new(),
        })
    }
}

/// File-type bits of a mode, as `umode_t` (bindgen gives the macros as `u32`;
/// every type bit fits in 16 bits).
pub(crate) const S_IFREG: bindings::umode_t = bindings::S_IFREG as bindings::umode_t;
/// See [`S_IFREG`].
pub(crate) const S_IFDIR: bindings::umode_t = bindings::S_IFDIR as bindings::umode_t;
/// See [`S_IFREG`].
pub(crate) const S_IFLNK: bindings::umode_t = bindings::S_IFLNK as bindings::umode_t;

/// Makes a new inode of type and permissions `mode` on `sb`.
///
/// `dir` is the directory it is created in (`None` for the root): the owner
/// comes from the calling task and the group from `dir` when it is setgid,
/// as POSIX asks, seen through the `idmap` of the mount the call came
/// through. `dev` is the device number of a character or block device
/// node. Returns the new inode, which nobody else sees until it is bound to
/// a name.
#[inline]
pub(crate) fn new_inode(
    sb: &SuperBlock<RamFs>,
    dir: Option<&Inode<RamFs>>,
    idmap: Idmap<'_>,
    mode: bindings::umode_t,
    dev: bindings::dev_t,
) -> Result<crate::vfs::NewInode<RamFs>> {
    let space = &sb.data().space;
    space.charge_inode()?;
    // From here on, the inode's eviction gives the charge back; without an
    // inode, so does this (ENOSPC, as the C ramfs returns).
    let mut inode = crate::vfs::NewInode::new(sb, sb.data().inos.take()).map_err(|_| {
        space.uncharge_inode();
        ENOSPC
    })?;
    inode.init_owner(idmap, dir, mode)?;
    // The ACLs it inherits are memory like xattrs: charged to `size=`.
    let acl_bytes = inode.acl_bytes();
    if acl_bytes != 0 {
        if let Err(e) = space.charge(acl_bytes) {
            inode.forget_acls();
            return Err(e);
        }
    }
    inode.keep_pages_in_memory();
    inode.set_kind(match u32::from(mode) & bindings::S_IFMT {
        bindings::S_IFREG => InodeKind::File,
        bindings::S_IFDIR => InodeKind::Dir,
        // The target is stored in the page cache, read by libfs.
        bindings::S_IFLNK => InodeKind::Symlink,
        // FIFOs, sockets, character and block devices.
        _ => InodeKind::Special(dev),
    });
    // A new inode's times are all its birth time.
    let btime = inode.data().btime;
    inode.set_times(btime);
    Ok(inode)
}

/// The inode operations every kind of inode has: attributes, and (in
/// `xattr.rs`) extended attributes.
#[vtable]
impl InodeOperations for RamFs {
    fn setattr(request: SetattrRequest<'_, Self>) -> Result {
        file_ops::setattr(request)
    }

    /// libfs fills in the attributes and the blocks the page cache holds;
    /// ours adds the birth time.
    #[inline]
    fn getattr(request: &mut GetattrRequest<'_, Self>) -> Result {
        request.simple()?;
        if let Some(inode) = request.inode() {
            request.set_btime(inode.data().btime);
        }
        Ok(())
    }
}

/// Gives back what an inode held of its mount's space: its pages (called
/// once they are gone from the page cache), its xattrs and itself. Called
/// when the inode is evicted; takes no lock when there were neither pages
/// nor xattrs.
pub(crate) fn release_space(inode: &EvictingInode<RamFs>) {
    let space = &inode.super_block().data().space;
    space.settle(inode, Reservation::None);
    let bytes = inode.data().xattrs.clear() + inode.acl_bytes();
    if bytes != 0 {
        space.uncharge(bytes);
    }
    space.uncharge_inode();
}
