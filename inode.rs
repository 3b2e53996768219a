// SPDX-License-Identifier: GPL-2.0

//! Making inodes: what a file, directory, symlink or device node is in memory.
//!
//! An inode holds a file's attributes (type and permission bits, owner, size,
//! times, link count) and says which code handles it: `i_op` (inode
//! operations: lookup, create, setattr...), `i_fop` (what `open()` gives:
//! read, write, mmap...) and, through its page-cache mapping, `a_ops` (how
//! pages are filled and written back).
//!
//! A disk filesystem reads inodes from disk; a RAM filesystem only ever makes
//! new ones, here, when the VFS asks a directory to create something (see
//! `dir_ops.rs`) and once per mount for the root directory. Their data lives
//! in the page cache through the kernel's `ram_aops` (wrapped in
//! `file_ops.rs` to count pages), which keeps pages in memory and never
//! writes them anywhere.
//!
//! The VFS's `struct inode` has no room for what a filesystem keeps of its
//! own, so filesystems embed it in a bigger structure and give the VFS
//! `alloc_inode` / `free_inode` to make and free that: ours is [`RamfsInode`],
//! which adds the birth time, the xattrs and the page charge.

use crate::{
    bindings, dir_ops, file_ops,
    space::Reservation,
    vfs::{self, Dentry, Inode, StaticTable, SuperBlock},
    xattr,
};
use core::{
    convert::Infallible,
    ptr::{self, NonNull},
    sync::atomic::{AtomicPtr, AtomicUsize, Ordering::Relaxed},
};
use kernel::{
    c_str,
    ffi::{c_int, c_uint, c_void},
    init::pin_init_from_closure,
    prelude::*,
    types::{ARef, Opaque},
};

/// An inode of ours: the VFS's `struct inode` and what rust_ramfs keeps
/// beside it.
#[pin_data]
pub(crate) struct RamfsInode {
    /// When the inode was made (`statx`'s birth time).
    btime: bindings::timespec64,
    /// Page-cache pages charged to the mount's `size=` (see `space.rs`);
    /// changed only under the mount's space lock.
    pub(crate) pages_charged: AtomicUsize,
    /// Extended attributes (see `xattr.rs`).
    pub(crate) xattrs: xattr::Store,
    /// The VFS's part, which the VFS sees alone.
    #[pin]
    pub(crate) vfs_inode: Opaque<bindings::inode>,
}

/// The slab cache [`RamfsInode`]s come from, as each filesystem has its own
/// (the C ramfs uses the VFS's `inode_cache`): objects of exactly our size,
/// charged to the memory cgroup of whoever creates them.
static INODE_CACHE: AtomicPtr<bindings::kmem_cache> = AtomicPtr::new(ptr::null_mut());

/// Creates [`INODE_CACHE`], at module load.
pub(crate) fn create_inode_cache() -> Result {
    let mut args = bindings::kmem_cache_args {
        align: core::mem::align_of::<RamfsInode>() as c_uint,
        ctor: Some(init_once),
        ..Default::default()
    };
    let size = c_uint::try_from(core::mem::size_of::<RamfsInode>()).map_err(|_| EINVAL)?;
    // SAFETY: The name is a static string; `args` is valid for the call.
    let cache = unsafe {
        bindings::__kmem_cache_create_args(
            c_str!("rust_ramfs_inode_cache").as_char_ptr(),
            size,
            &mut args,
            bindings::SLAB_RECLAIM_ACCOUNT | bindings::SLAB_ACCOUNT,
        )
    };
    if cache.is_null() {
        return Err(ENOMEM);
    }
    INODE_CACHE.store(cache, Relaxed);
    Ok(())
}

/// The cache's constructor: initialises the `struct inode` part of an object
/// once, when the slab gets the object's memory, not on each allocation.
/// What `inode_init_once()` sets up (lists, locks, the empty page-cache
/// mapping) is back in that state whenever the VFS frees an inode, so every
/// filesystem's inode cache does this here (the VFS's own `inode_cache` too).
///
/// # Safety
///
/// Called by the slab allocator with a new object of [`INODE_CACHE`].
unsafe extern "C" fn init_once(object: *mut c_void) {
    let inode = object.cast::<RamfsInode>();
    // SAFETY: `object` is an object of the cache, the size of a `RamfsInode`:
    // `vfs_inode` lies inside it. `addr_of_mut!` makes no reference to the
    // uninitialised memory.
    unsafe { bindings::inode_init_once(Opaque::raw_get(ptr::addr_of_mut!((*inode).vfs_inode))) };
}

/// Destroys [`INODE_CACHE`], at module unload.
///
/// # Safety
///
/// No inode of ours may be left, nor an RCU callback that frees one queued
/// (`rcu_barrier()` waits for those).
pub(crate) unsafe fn destroy_inode_cache() {
    // SAFETY: Every object has gone back to the cache (see above).
    unsafe { bindings::kmem_cache_destroy(INODE_CACHE.swap(ptr::null_mut(), Relaxed)) };
}

/// # Safety
///
/// Called by the VFS as `super_operations::alloc_inode` (from `new_inode()`)
/// with a live super block of ours.
pub(crate) unsafe extern "C" fn alloc_inode(
    _sb: *mut bindings::super_block,
) -> *mut bindings::inode {
    let mut btime = bindings::timespec64::default();
    // SAFETY: `btime` is a valid, writable `timespec64`.
    unsafe { bindings::ktime_get_coarse_real_ts64(&mut btime) };
    let init = pin_init!(RamfsInode {
        btime,
        pages_charged: AtomicUsize::new(0),
        xattrs: xattr::Store::new(),
        // Left as it is: `init_once` set it up, and `inode_init_always()` (run
        // by the VFS next) initialises the rest.
        // SAFETY: Doing nothing keeps the slot as the constructor left it.
        vfs_inode <- unsafe { pin_init_from_closure(|_| Ok::<_, Infallible>(())) },
    });
    let cache = INODE_CACHE.load(Relaxed);
    // SAFETY: The cache exists while the filesystem is registered; its objects
    // have the size and alignment of a `RamfsInode`.
    let inode = unsafe { bindings::kmem_cache_alloc_noprof(cache, bindings::GFP_KERNEL) }
        .cast::<RamfsInode>();
    if inode.is_null() {
        return ptr::null_mut();
    }
    // No part of `init` fails; if one did, it would have dropped what it had
    // made, and the memory goes back to the cache.
    // SAFETY: `inode` is free memory for a `RamfsInode`, pinned until
    // `free_inode` drops it in place.
    unsafe {
        if init.__pinned_init(inode).is_err() {
            bindings::kmem_cache_free(cache, inode.cast());
            return ptr::null_mut();
        }
        (*inode).vfs_inode.get()
    }
}

/// # Safety
///
/// Called by the VFS as `super_operations::free_inode` (after an RCU grace
/// period) with an inode made by [`alloc_inode`] that nothing uses any more.
pub(crate) unsafe extern "C" fn free_inode(inode: *mut bindings::inode) {
    let inode = RamfsInode::from_vfs(inode).cast_mut();
    // SAFETY: The inode is the `vfs_inode` of a `RamfsInode` that
    // `alloc_inode` made in the cache, now unused: drop it where it is and
    // give its memory back.
    unsafe {
        ptr::drop_in_place(inode);
        bindings::kmem_cache_free(INODE_CACHE.load(Relaxed), inode.cast());
    }
}

impl RamfsInode {
    /// The `RamfsInode` around a VFS inode of ours.
    pub(crate) fn from_vfs(inode: *const bindings::inode) -> *const RamfsInode {
        inode
            .cast::<u8>()
            .wrapping_sub(core::mem::offset_of!(RamfsInode, vfs_inode))
            .cast()
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
/// as POSIX asks. `dev` is the device number of a character or block device
/// node. Returns the new inode's only reference.
pub(crate) fn new_inode(
    sb: &SuperBlock,
    dir: Option<&Inode>,
    mode: bindings::umode_t,
    dev: bindings::dev_t,
) -> Result<ARef<Inode>> {
    let space = &sb.info().space;
    space.charge_inode()?;
    // SAFETY: `sb` is a live super block.
    let Some(inode) = NonNull::new(unsafe { bindings::new_inode(sb.as_ptr()) }) else {
        space.uncharge_inode();
        return Err(ENOSPC);
    };
    // From here on, the inode's eviction gives the charge back.
    // SAFETY: `new_inode()` returns an inode holding one reference, which we
    // now own; `Inode` is transparent over `struct inode`.
    let inode: ARef<Inode> = unsafe { ARef::from_raw(inode.cast()) };
    let raw = inode.as_ptr();
    let dir = dir.map_or(ptr::null(), |dir| dir.as_ptr().cast_const());

    // `raw` is a new inode: on the super block's inode list but bound to no
    // dentry, so no other code touches the fields set here until we hand it
    // to the dcache. Its mapping is its own `i_data`, live as long as it.
    // SAFETY: `raw` is live and ours alone (above); `nop_mnt_idmap` (the
    // identity id-mapping), `ram_aops` and our tables are statics.
    unsafe {
        // `get_next_ino()` returns an `unsigned int`, which fits `i_ino` (`unsigned long`).
        (*raw).i_ino = bindings::get_next_ino() as _;
        bindings::inode_init_owner(ptr::addr_of_mut!(bindings::nop_mnt_idmap), raw, dir, mode);

        let mapping = (*raw).i_mapping;
        (*mapping).a_ops = file_ops::data_aops();
        // `mapping_set_gfp_mask()`: page-cache pages may come from high memory.
        (*mapping).gfp_mask = bindings::GFP_HIGHUSER;
        vfs::mapping_set_unevictable(mapping);

        match u32::from(mode) & bindings::S_IFMT {
            bindings::S_IFREG => {
                (*raw).i_op = file_ops::FILE_INODE_OPERATIONS.as_ptr();
                (*raw).__bindgen_anon_3.i_fop = file_ops::FILE_OPERATIONS.as_ptr();
            }
            bindings::S_IFDIR => {
                (*raw).i_op = dir_ops::DIR_INODE_OPERATIONS.as_ptr();
                // libfs lists a directory from the dcache.
                (*raw).__bindgen_anon_3.i_fop = ptr::addr_of!(bindings::simple_dir_operations);
                // A directory starts with two links: its entry in the parent
                // and its own "." entry.
                bindings::inc_nlink(raw);
            }
            bindings::S_IFLNK => {
                // The target is stored in the page cache, read by libfs.
                (*raw).i_op = SYMLINK_INODE_OPERATIONS.as_ptr();
                bindings::inode_nohighmem(raw);
            }
            // FIFOs, sockets, character and block devices: the VFS routes
            // their opens to the pipe, socket or device code.
            _ => {
                bindings::init_special_inode(raw, mode, dev);
                (*raw).i_op = SPECIAL_INODE_OPERATIONS.as_ptr();
            }
        }
    }
    // A new inode's times are all its birth time.
    inode.init_times(inode.ramfs().btime);
    Ok(inode)
}

/// The inode operations of symbolic links: libfs reads the target from the
/// page cache (`page_symlink_inode_operations`, plus ours for attributes).
static SYMLINK_INODE_OPERATIONS: StaticTable<bindings::inode_operations> =
    StaticTable(bindings::inode_operations {
        get_link: Some(bindings::page_get_link),
        getattr: Some(getattr),
        listxattr: Some(xattr::listxattr),
        // SAFETY: All-zero is a valid `inode_operations`: no callback.
        ..unsafe { vfs::zeroed() }
    });

/// The inode operations of FIFOs, sockets and device nodes.
static SPECIAL_INODE_OPERATIONS: StaticTable<bindings::inode_operations> =
    StaticTable(bindings::inode_operations {
        setattr: Some(file_ops::setattr),
        getattr: Some(getattr),
        listxattr: Some(xattr::listxattr),
        // SAFETY: All-zero is a valid `inode_operations`: no callback.
        ..unsafe { vfs::zeroed() }
    });

/// # Safety
///
/// Called by the VFS as `inode_operations::getattr` (`stat`, `statx`) with a
/// live path to an inode of ours and a `kstat` to fill, both held for the
/// call.
pub(crate) unsafe extern "C" fn getattr(
    idmap: *mut bindings::mnt_idmap,
    path: *const bindings::path,
    stat: *mut bindings::kstat,
    request_mask: u32,
    flags: c_uint,
) -> c_int {
    // SAFETY: The arguments are the VFS's own, passed on unchanged: libfs
    // fills in the attributes and the blocks the page cache holds.
    let ret = unsafe { bindings::simple_getattr(idmap, path, stat, request_mask, flags) };
    if ret != 0 {
        return ret;
    }
    // SAFETY: The path and its dentry are live and positive (see above); the
    // `kstat` is ours to fill during the call.
    unsafe {
        if let Some(inode) = Dentry::from_raw((*path).dentry).inode() {
            (*stat).btime = inode.ramfs().btime;
            (*stat).result_mask |= bindings::STATX_BTIME;
        }
    }
    0
}

/// Gives back what an inode held of its mount's space: its pages (called
/// once they are gone from the page cache), its xattrs and itself. Called
/// when the inode is evicted; takes no lock when there were neither pages
/// nor xattrs.
pub(crate) fn release_space(inode: &Inode) {
    let space = &inode.super_block().info().space;
    space.settle(inode, Reservation::None);
    let xattr_bytes = inode.ramfs().xattrs.clear();
    if xattr_bytes != 0 {
        space.uncharge(xattr_bytes);
    }
    space.uncharge_inode();
}

/// Lets a Linux security module label a new inode, named by `dentry` in
/// `dir`, before anyone can reach it.
#[cfg(CONFIG_SECURITY)]
pub(crate) fn init_security(inode: &Inode, dir: &Inode, dentry: &Dentry) -> Result {
    // SAFETY: All three objects are live. With no `initxattrs` callback the
    // LSM does not write xattrs to a filesystem that has none.
    kernel::error::to_result(unsafe {
        bindings::security_inode_init_security(
            inode.as_ptr(),
            dir.as_ptr(),
            dentry.qstr(),
            None,
            ptr::null_mut(),
        )
    })
}

/// Without `CONFIG_SECURITY` there is no security module to label inodes.
#[cfg(not(CONFIG_SECURITY))]
pub(crate) fn init_security(_inode: &Inode, _dir: &Inode, _dentry: &Dentry) -> Result {
    Ok(())
}
