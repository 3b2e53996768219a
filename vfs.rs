// SPDX-License-Identifier: GPL-2.0

//! Typed views of the C VFS objects: where the unsafe code lives.
//!
//! The VFS calls a filesystem with raw pointers: `struct inode *`,
//! `struct dentry *`, `struct super_block *`, `struct file *`. Each callback in
//! this crate turns them, once, into the references defined here ([`Inode`],
//! [`Dentry`], [`SuperBlock`], [`File`]) and from then on works in safe Rust.
//!
//! Each wrapper is `#[repr(transparent)]` over [`Opaque`]: the C object is
//! shared with the rest of the kernel, which changes it under us (reference
//! counts, link counts, times), so Rust must never assume it is frozen behind a
//! `&`. Each method says which rule of the VFS makes its access sound: who
//! holds which lock, or why nobody else can see the object yet.
//!
//! The C headers implement several helpers as `static inline` functions, which
//! Rust cannot call (`dget`, `i_size_read`, `inode_set_mtime_to_ts`,
//! `mapping_set_unevictable`, `finish_open_simple`, ...). The methods here
//! re-express them over the fields they touch; each says which one it mirrors.

use crate::{bindings, inode::RamfsInode};
use core::{
    ptr::{self, NonNull},
    sync::atomic::{AtomicI64, AtomicU32, AtomicUsize, Ordering},
};
use kernel::{
    error::to_result,
    ffi::{c_int, c_ulong},
    prelude::*,
    str::{BStr, CStr},
    types::{ARef, AlwaysRefCounted, Opaque},
};

/// A C table placed in a `static`: an operations vtable, a parameter spec.
///
/// The C side reads these through plain pointers, as it reads its own `const`
/// tables.
#[repr(transparent)]
pub(crate) struct StaticTable<T>(pub(crate) T);

// SAFETY: Nothing writes a `StaticTable` after it is built, and the raw
// pointers inside point to `'static` data that is never written either (C
// string literals, other tables), so sharing one between threads is sound.
unsafe impl<T> Sync for StaticTable<T> {}

impl<T> StaticTable<T> {
    /// The table's address, as the C structures that point to it want it.
    pub(crate) const fn as_ptr(&'static self) -> *const T {
        &self.0
    }
}

/// Returns an all-zero value of a C struct, for the fields a table leaves out.
///
/// # Safety
///
/// `T` must be a C struct for which all-zero bytes are a valid value: null
/// pointers, `None` callbacks, zero integers. This holds for the bindgen
/// generated VFS structs this crate builds tables from.
pub(crate) const unsafe fn zeroed<T>() -> T {
    // SAFETY: The caller guarantees that the all-zero bit pattern is valid for `T`.
    unsafe { core::mem::zeroed() }
}

/// The error for an errno that `kernel::error::code` lacks (ENODATA...),
/// given as bindgen gives the constant.
pub(crate) fn errno(code: u32) -> Error {
    // Errno values are small positive numbers.
    Error::from_errno(-(code as c_int))
}

/// A VFS inode: the object that stands for one file, directory or node.
#[repr(transparent)]
pub(crate) struct Inode(Opaque<bindings::inode>);

impl Inode {
    /// Views a C inode pointer as an [`Inode`].
    ///
    /// # Safety
    ///
    /// `ptr` must point to a live inode that stays alive for `'a`. The VFS
    /// guarantees this for the inodes it passes to a callback, for the duration
    /// of the call: it holds a reference to each of them.
    pub(crate) unsafe fn from_raw<'a>(ptr: *mut bindings::inode) -> &'a Self {
        // SAFETY: `Inode` is `repr(transparent)` over `Opaque<inode>`, which has
        // the layout of `inode`; the caller guarantees it is alive for `'a`.
        unsafe { &*ptr.cast() }
    }

    /// The C pointer, to hand back to the kernel.
    pub(crate) fn as_ptr(&self) -> *mut bindings::inode {
        self.0.get()
    }

    /// The inode number, as `stat` reports it.
    pub(crate) fn ino(&self) -> c_ulong {
        // SAFETY: `i_ino` is written once, when the inode is made (before anyone
        // else sees it), and only read after that.
        unsafe { (*self.as_ptr()).i_ino }
    }

    /// The super block this inode belongs to.
    pub(crate) fn super_block(&self) -> &SuperBlock {
        // SAFETY: `i_sb` is set by `new_inode()` and never changes; a super
        // block outlives all of its inodes.
        unsafe { SuperBlock::from_raw((*self.as_ptr()).i_sb) }
    }

    /// The file size (mirrors `i_size_read()` on 64-bit machines).
    pub(crate) fn size(&self) -> i64 {
        // SAFETY: `i_size` is a valid, aligned `loff_t` for as long as the
        // inode lives. Writers update it with `i_size_write()`, a release store;
        // an acquire load pairs with it, as `i_size_read()` does.
        unsafe { AtomicI64::from_ptr(ptr::addr_of_mut!((*self.as_ptr()).i_size)) }
            .load(Ordering::Acquire)
    }

    /// The link count (`i_nlink`), read as the VFS reads it without a lock.
    /// Stable while the inode's lock is held.
    pub(crate) fn nlink(&self) -> u32 {
        // SAFETY: `i_nlink` is a valid, aligned `unsigned int` for as long as
        // the inode lives; writers change it under the inode's lock, and a
        // lockless reader reads it once, as a relaxed atomic load does.
        unsafe {
            AtomicU32::from_ptr(ptr::addr_of_mut!(
                (*self.as_ptr()).__bindgen_anon_1.__i_nlink
            ))
        }
        .load(Ordering::Relaxed)
    }

    /// Whether the inode is a directory (`S_ISDIR(inode->i_mode)`).
    pub(crate) fn is_dir(&self) -> bool {
        // SAFETY: The type bits of `i_mode` are set when the inode is made,
        // before anyone else sees it, and never change.
        let mode = unsafe { (*self.as_ptr()).i_mode };
        u32::from(mode) & bindings::S_IFMT == bindings::S_IFDIR
    }

    /// The rust_ramfs part of this inode.
    pub(crate) fn ramfs(&self) -> &RamfsInode {
        // SAFETY: Every inode of ours is made by `inode::alloc_inode` inside a
        // `RamfsInode`, which lives as long as the inode does.
        unsafe { &*RamfsInode::from_vfs(self.as_ptr()) }
    }

    /// How many pages the inode's page cache holds (`mapping->nrpages`).
    pub(crate) fn nr_pages(&self) -> usize {
        // SAFETY: `i_mapping` is the inode's own `i_data`, live as long as the
        // inode. The page cache changes `nrpages` under its lock; a lockless
        // reader reads it once (`READ_ONCE()`), as a relaxed atomic load does.
        unsafe {
            AtomicUsize::from_ptr(ptr::addr_of_mut!((*(*self.as_ptr()).i_mapping).nrpages).cast())
        }
        .load(Ordering::Relaxed)
    }

    /// Whether the page cache holds page `index` of the file.
    pub(crate) fn has_page(&self, index: u64) -> bool {
        let shift = bindings::PAGE_SHIFT;
        let start = index.saturating_mul(1 << shift);
        let end = start.saturating_add((1 << shift) - 1);
        // SAFETY: The mapping is live (see `nr_pages`); the lookup only reads
        // the page cache, under RCU.
        unsafe {
            bindings::filemap_range_has_page(
                (*self.as_ptr()).i_mapping,
                i64::try_from(start).unwrap_or(i64::MAX),
                i64::try_from(end).unwrap_or(i64::MAX),
            )
        }
    }

    /// Sets all of a new inode's times (access, modification, change) to `ts`.
    ///
    /// Only for a new inode that nobody else can see yet.
    pub(crate) fn init_times(&self, ts: bindings::timespec64) {
        let inode = self.as_ptr();
        // `tv_nsec` is below one billion, so it fits the `u32` fields.
        let nsec = ts.tv_nsec as u32;
        // SAFETY: The inode is live and ours alone (see above).
        unsafe {
            (*inode).i_atime_sec = ts.tv_sec;
            (*inode).i_atime_nsec = nsec;
            (*inode).i_mtime_sec = ts.tv_sec;
            (*inode).i_mtime_nsec = nsec;
            (*inode).i_ctime_sec = ts.tv_sec;
            (*inode).i_ctime_nsec = nsec;
        }
    }

    /// Sets the change time to now: the inode's attributes changed.
    pub(crate) fn touch_ctime(&self) {
        // SAFETY: `self` is live; `inode_set_ctime_current()` sets `ctime`.
        unsafe { bindings::inode_set_ctime_current(self.as_ptr()) };
    }

    /// Sets the permission bits (`chmod` without the checks) and the change
    /// time, holding the inode's lock, as `notify_change()` would.
    pub(crate) fn set_permissions(&self, mode: bindings::umode_t) {
        let inode = self.as_ptr();
        // SAFETY: `self` is live. `i_mode` and the times change under
        // `i_rwsem`, taken here for writing (`inode_lock()`).
        unsafe {
            bindings::down_write(ptr::addr_of_mut!((*inode).i_rwsem));
            let type_bits = (*inode).i_mode & bindings::S_IFMT as bindings::umode_t;
            (*inode).i_mode = type_bits | mode;
            bindings::inode_set_ctime_current(inode);
            bindings::up_write(ptr::addr_of_mut!((*inode).i_rwsem));
        }
    }

    /// Adds a hard link to the count (`inc_nlink()`).
    ///
    /// Callers hold the inode's `i_rwsem`, or own the only reference to a new
    /// inode: the VFS rule for changing `i_nlink`.
    pub(crate) fn inc_nlink(&self) {
        // SAFETY: `self` is a live inode; `inc_nlink()` updates `i_nlink` under
        // the locking rule above.
        unsafe { bindings::inc_nlink(self.as_ptr()) };
    }

    /// Sets the change and modification times to now: a directory whose
    /// entries changed, a file whose size changed.
    ///
    /// Mirrors `inode_set_mtime_to_ts(inode, inode_set_ctime_current(inode))`.
    /// Callers hold the inode's `i_rwsem`, the VFS rule for writing its times.
    pub(crate) fn touch_mtime_ctime(&self) {
        let inode = self.as_ptr();
        // SAFETY: `inode` is live. `inode_set_ctime_current()` is an exported
        // function that sets `ctime` and returns the value it set; the mtime
        // fields are written under `i_rwsem`, which callers hold.
        unsafe {
            let now = bindings::inode_set_ctime_current(inode);
            (*inode).i_mtime_sec = now.tv_sec;
            // `tv_nsec` is below one billion, so it fits the `u32` field.
            (*inode).i_mtime_nsec = now.tv_nsec as u32;
        }
    }
}

// SAFETY: `ihold()` and `iput()` are the inode's reference counting: `ihold()`
// takes a reference on an inode the caller already holds one on, and `iput()`
// releases one (evicting the inode when it was the last and it has no links).
unsafe impl AlwaysRefCounted for Inode {
    fn inc_ref(&self) {
        // SAFETY: `&self` proves a live reference exists, as `ihold()` requires.
        unsafe { bindings::ihold(self.as_ptr()) };
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: The caller gives up a reference it owns, which `iput()` releases.
        unsafe { bindings::iput(obj.as_ptr().cast()) };
    }
}

/// A directory entry: a name in a directory, bound to an inode or negative.
///
/// For a RAM filesystem the dentry cache is the directory itself: there is no
/// disk to look names up on, so an entry exists as long as its dentry is
/// pinned in the cache.
#[repr(transparent)]
pub(crate) struct Dentry(Opaque<bindings::dentry>);

impl Dentry {
    /// Views a C dentry pointer as a [`Dentry`].
    ///
    /// # Safety
    ///
    /// `ptr` must point to a live dentry that stays alive for `'a` (true of the
    /// dentries the VFS passes to a callback, for the duration of the call).
    pub(crate) unsafe fn from_raw<'a>(ptr: *mut bindings::dentry) -> &'a Self {
        // SAFETY: `Dentry` is `repr(transparent)` over `Opaque<dentry>`; the
        // caller guarantees it is alive for `'a`.
        unsafe { &*ptr.cast() }
    }

    /// The C pointer, to hand back to the kernel.
    pub(crate) fn as_ptr(&self) -> *mut bindings::dentry {
        self.0.get()
    }

    /// The entry's name.
    ///
    /// Only for callbacks that hold the parent directory's `i_rwsem` (every
    /// directory operation does): `d_name` changes only by a rename, which
    /// takes that lock.
    pub(crate) fn name(&self) -> &BStr {
        // SAFETY: `d_name` is stable under the lock above; its `name` points
        // to `len` bytes that live as long as the name does.
        unsafe {
            let name = &(*self.as_ptr()).d_name;
            let len = name.__bindgen_anon_1.__bindgen_anon_1.len;
            BStr::from_bytes(core::slice::from_raw_parts(name.name, len as usize))
        }
    }

    /// The entry's name (`d_name`), as the VFS passes it to LSM hooks.
    #[cfg(CONFIG_SECURITY)]
    pub(crate) fn qstr(&self) -> *const bindings::qstr {
        // SAFETY: Taking the address of a field reads nothing.
        unsafe { ptr::addr_of!((*self.as_ptr()).d_name) }
    }

    /// Binds `inode` to this negative dentry and pins the dentry in the cache.
    ///
    /// `d_instantiate()` takes over the inode reference. The extra dentry
    /// reference (`dget()` in C, re-expressed here as `lockref_get()` on
    /// `d_lockref`) is what keeps the entry alive: it is dropped by
    /// `simple_unlink()` / `simple_rmdir()`, or at unmount by
    /// `kill_litter_super()`.
    pub(crate) fn instantiate_pinned(&self, inode: ARef<Inode>) {
        let dentry = self.as_ptr();
        // `d_lockref` is the dentry's reference count, which `lockref_get()`
        // increments atomically; `d_instantiate()` consumes the reference
        // moved out of `inode`.
        // SAFETY: The VFS passed this dentry to a create-type callback: it is
        // live, negative, and its parent's `i_rwsem` is held, as required.
        unsafe {
            bindings::d_instantiate(dentry, ARef::into_raw(inode).as_ptr().cast());
            bindings::lockref_get(ptr::addr_of_mut!((*dentry).d_lockref));
        }
    }

    /// The inode this dentry is bound to (`d_inode()`).
    ///
    /// Used where the VFS guarantees the dentry is positive (setattr, whose
    /// caller holds the inode's `i_rwsem`, so the binding cannot change).
    pub(crate) fn inode(&self) -> Option<&Inode> {
        // SAFETY: `d_inode` changes only under the parent's or the inode's
        // `i_rwsem`, held by the callers (see above); a bound inode lives at
        // least as long as the dentry's binding to it.
        let inode = unsafe { (*self.as_ptr()).d_inode };
        // SAFETY: A non-null `d_inode` is a live inode, per the above.
        (!inode.is_null()).then(|| unsafe { Inode::from_raw(inode) })
    }
}

/// A mounted instance of the filesystem.
#[repr(transparent)]
pub(crate) struct SuperBlock(Opaque<bindings::super_block>);

impl SuperBlock {
    /// Views a C super block pointer as a [`SuperBlock`].
    ///
    /// # Safety
    ///
    /// `ptr` must point to a live super block that stays alive for `'a`.
    pub(crate) unsafe fn from_raw<'a>(ptr: *mut bindings::super_block) -> &'a Self {
        // SAFETY: `SuperBlock` is `repr(transparent)` over `Opaque<super_block>`;
        // the caller guarantees it is alive for `'a`.
        unsafe { &*ptr.cast() }
    }

    /// The C pointer, to hand back to the kernel.
    pub(crate) fn as_ptr(&self) -> *mut bindings::super_block {
        self.0.get()
    }

    /// The root directory's inode.
    pub(crate) fn root_inode(&self) -> Option<&Inode> {
        // SAFETY: `s_root` is set by `fill_super` and stays until the super
        // block goes; callers run while the mount is live.
        let root = unsafe { (*self.as_ptr()).s_root };
        // SAFETY: A non-null `s_root` is a live dentry (see above).
        (!root.is_null())
            .then(|| unsafe { Dentry::from_raw(root) })
            .and_then(Dentry::inode)
    }

    /// This mount's private information (`s_fs_info`).
    pub(crate) fn info(&self) -> &crate::SuperInfo {
        // SAFETY: `s_fs_info` is set to a `SuperInfo` by `sget_fc()` before
        // `fill_super` runs and is freed by `kill_sb` after the last callback on
        // this super block, so it is valid for as long as `self` is.
        unsafe { &*(*self.as_ptr()).s_fs_info.cast::<crate::SuperInfo>() }
    }
}

/// An open file.
#[repr(transparent)]
pub(crate) struct File(Opaque<bindings::file>);

impl File {
    /// Views a C file pointer as a [`File`].
    ///
    /// # Safety
    ///
    /// `ptr` must point to a live file that stays alive for `'a` (true of the
    /// files the VFS passes to a callback, for the duration of the call).
    pub(crate) unsafe fn from_raw<'a>(ptr: *mut bindings::file) -> &'a Self {
        // SAFETY: `File` is `repr(transparent)` over `Opaque<file>`; the caller
        // guarantees it is alive for `'a`.
        unsafe { &*ptr.cast() }
    }

    /// The dentry the file was opened through (`file->f_path.dentry`).
    ///
    /// Mirrors `file_dentry()` for this filesystem: `d_real()` returns the
    /// dentry itself unless it belongs to a stacking filesystem such as
    /// overlayfs, and ours are never that.
    pub(crate) fn dentry(&self) -> &Dentry {
        // SAFETY: `f_path` is set before the file reaches a filesystem callback
        // and holds a reference on the dentry for the file's lifetime.
        unsafe { Dentry::from_raw((*self.0.get()).f_path.dentry) }
    }

    /// The inode whose page cache holds the file's data (`f_mapping->host`).
    pub(crate) fn data_inode(&self) -> &Inode {
        // SAFETY: `f_mapping` is set at open and stays for the file's lifetime,
        // as does its host inode, which the open file holds.
        unsafe { Inode::from_raw((*(*self.0.get()).f_mapping).host) }
    }

    /// Binds a new, nameless inode to an `O_TMPFILE` file (`d_tmpfile()`),
    /// taking over the reference. The inode's link count drops to 0: it lives
    /// as long as the file is open, unless `linkat()` gives it a name.
    pub(crate) fn instantiate_tmpfile(&self, inode: ARef<Inode>) {
        // SAFETY: The VFS passes `tmpfile` a file whose dentry is negative and
        // unhashed, as `d_tmpfile()` requires; it consumes the moved reference.
        unsafe { bindings::d_tmpfile(self.0.get(), ARef::into_raw(inode).as_ptr().cast()) };
    }

    /// Completes an open that `tmpfile` started (mirrors `finish_open_simple()`).
    pub(crate) fn finish_open(&self) -> Result {
        let file = self.0.get();
        // SAFETY: `file` is live and its dentry is now positive, the state
        // `finish_open()` expects at the end of `->tmpfile()`.
        to_result(unsafe { bindings::finish_open(file, (*file).f_path.dentry, None) })
    }
}

/// A `read_iter` call: the request (`struct kiocb`: the file and position)
/// and where the bytes go (`struct iov_iter`), both the caller's for the
/// call. Reads advance the position and consume the destination.
pub(crate) struct ReadRequest<'a> {
    iocb: NonNull<bindings::kiocb>,
    to: NonNull<bindings::iov_iter>,
    _call: core::marker::PhantomData<&'a mut bindings::kiocb>,
}

impl<'a> ReadRequest<'a> {
    /// Views the arguments of a `read_iter` call.
    ///
    /// # Safety
    ///
    /// `iocb` must point to a live request on an open file and `to` to a live
    /// destination, both used by nobody else for `'a` (true of the arguments
    /// the VFS passes to `read_iter`, for the duration of the call).
    pub(crate) unsafe fn from_raw(
        iocb: *mut bindings::kiocb,
        to: *mut bindings::iov_iter,
    ) -> Option<Self> {
        Some(Self {
            iocb: NonNull::new(iocb)?,
            to: NonNull::new(to)?,
            _call: core::marker::PhantomData,
        })
    }

    /// The inode whose page cache holds the file's data.
    pub(crate) fn inode(&self) -> &'a Inode {
        // SAFETY: The request is live for `'a`, and so is its file, which
        // holds the inode.
        unsafe { File::from_raw((*self.iocb.as_ptr()).ki_filp) }.data_inode()
    }

    /// The file position the next byte is read from.
    pub(crate) fn pos(&self) -> i64 {
        // SAFETY: The request is live and ours for the call.
        unsafe { (*self.iocb.as_ptr()).ki_pos }
    }

    /// Where the destination keeps its byte count (`iov_iter->count`).
    fn count(&self) -> *mut usize {
        let to = self.to.as_ptr();
        // SAFETY: The destination is live; `count` is in the anonymous struct
        // of its anonymous union, which bindgen represents by a marker field
        // at the union's address.
        unsafe { ptr::addr_of_mut!((*to).__bindgen_anon_1.__bindgen_anon_1.as_mut().count) }
    }

    /// How many bytes the destination still takes (`iov_iter_count()`).
    pub(crate) fn remaining(&self) -> usize {
        // SAFETY: The destination is live and ours for the call.
        unsafe { *self.count() }
    }

    /// Copies to the destination what the page cache holds from the position
    /// on (`filemap_read()` with `IOCB_NOIO`): stops at the first page the
    /// page cache lacks, or that is not up to date, without adding one.
    /// Returns the bytes copied, 0 at the end of the file, or an error:
    /// EAGAIN when nothing was copied because of such a page.
    pub(crate) fn read_cached(&mut self) -> isize {
        let iocb = self.iocb.as_ptr();
        // IOCB_NOIO makes `filemap_read()` return EAGAIN where it would
        // otherwise add a page; the caller's flags are restored after.
        // SAFETY: The request and destination are live and ours for the call
        // (`&mut self`); `filemap_read()` takes them as `read_iter` does.
        unsafe {
            let flags = (*iocb).ki_flags;
            (*iocb).ki_flags = flags | bindings::IOCB_NOIO as c_int;
            let ret = bindings::filemap_read(iocb, self.to.as_ptr(), 0);
            (*iocb).ki_flags = ((*iocb).ki_flags & !(bindings::IOCB_NOIO as c_int))
                | (flags & bindings::IOCB_NOIO as c_int);
            ret
        }
    }

    /// Reads at most `len` bytes through the page cache as `read()` does
    /// (`filemap_read()`), waiting for a page that is being filled, and
    /// adding one (zeroed) only where the page cache lacks it. `done` is what
    /// this `read_iter` call has copied so far (so that an asynchronous read
    /// that has copied something is not queued); returns `done` plus what it
    /// copied, or, with nothing copied at all, 0 at the end of the file or
    /// an error.
    pub(crate) fn read_page_cache(&mut self, len: usize, done: isize) -> isize {
        let count = self.count();
        let before = self.remaining();
        let limit = before.min(len);
        // SAFETY: As in `read_cached`. Shortening the destination and giving
        // back what was cut off after is `iov_iter_truncate()` and
        // `iov_iter_reexpand()`.
        unsafe {
            *count = limit;
            let ret = bindings::filemap_read(self.iocb.as_ptr(), self.to.as_ptr(), done);
            *count += before - limit;
            ret
        }
    }

    /// Writes `len` zero bytes to the destination and advances the position
    /// past them: the contents of a hole. Returns how many it wrote, fewer
    /// when the destination faults.
    pub(crate) fn zero(&mut self, len: usize) -> usize {
        // SAFETY: The destination is live and ours for the call;
        // `iov_iter_zero()` writes at most `len` bytes and advances it.
        let done = unsafe { bindings::iov_iter_zero(len, self.to.as_ptr()) };
        // SAFETY: The request is live and ours for the call. `done` is at
        // most `len`, a part of a page here, so it fits an `i64`.
        unsafe { (*self.iocb.as_ptr()).ki_pos += done as i64 };
        done
    }
}

/// Marks a page-cache mapping unevictable (`mapping_set_unevictable()`):
/// the page cache is the only copy of a RAM filesystem's data, so reclaim
/// must not drop or write back its pages.
///
/// # Safety
///
/// `mapping` must point to a live `struct address_space`.
pub(crate) unsafe fn mapping_set_unevictable(mapping: *mut bindings::address_space) {
    // The kernel changes `flags` only with atomic bit operations; `set_bit()`
    // is an atomic OR with no ordering, which is what a relaxed `fetch_or` is.
    // SAFETY: `mapping` is live (the caller guarantees it), so `flags` is a
    // valid, aligned `unsigned long`.
    let flags = unsafe { AtomicUsize::from_ptr(ptr::addr_of_mut!((*mapping).flags).cast()) };
    flags.fetch_or(1 << bindings::AS_UNEVICTABLE, Ordering::Relaxed);
}

/// Writes `target` into a new symlink inode's page cache (`page_symlink()`).
///
/// Only for a new inode that nobody else can see yet.
pub(crate) fn page_symlink(inode: &Inode, target: &CStr) -> Result {
    // The length counts the terminating NUL, as the C ramfs passes it. The
    // VFS limits targets to PATH_MAX, so it always fits.
    let len = c_int::try_from(target.len_with_nul()).map_err(|_| EINVAL)?;
    // SAFETY: `inode` is live and its mapping set up (`ram_aops`); `target`
    // is a valid string of `len` bytes with its NUL.
    to_result(unsafe { bindings::page_symlink(inode.as_ptr(), target.as_char_ptr(), len) })
}

/// Asserts at compile time that bindgen's layout of the C structs this module
/// builds or touches agrees with the C compiler's, which `bindings_helper.h`
/// records: a mismatch fails the build instead of corrupting memory.
macro_rules! assert_c_layout {
    (sizes: $($sty:ident),* ; offsets: $($oty:ident . $field:ident),* $(,)?) => {
        kernel::macros::paste! {
            $(const _: () = assert!(
                core::mem::size_of::<bindings::$sty>() == bindings::[<SIZE__ $sty>]
            );)*
            $(const _: () = assert!(
                core::mem::offset_of!(bindings::$oty, $field) == bindings::[<OFFSET__ $oty __ $field>]
            );)*
        }
    };
}

assert_c_layout! {
    sizes: file_system_type, fs_context_operations, fs_parameter_spec, fs_parse_result, super_operations,
        inode_operations, file_operations, address_space_operations, vm_operations_struct, xattr_handler, kstatfs;
    offsets:
        file_system_type.name,
        file_system_type.fs_flags,
        file_system_type.init_fs_context,
        file_system_type.parameters,
        file_system_type.kill_sb,
        file_system_type.owner,
        fs_context_operations.free,
        fs_context_operations.parse_param,
        fs_context_operations.get_tree,
        fs_context.ops,
        fs_context.log,
        fs_context.s_fs_info,
        fs_parameter_spec.name,
        fs_parameter_spec.type_,
        fs_parameter_spec.opt,
        fs_parameter_spec.data,
        super_operations.statfs,
        super_operations.drop_inode,
        super_operations.show_options,
        super_block.s_blocksize_bits,
        super_block.s_blocksize,
        super_block.s_maxbytes,
        super_block.s_op,
        super_block.s_magic,
        super_block.s_root,
        super_block.s_fs_info,
        super_block.s_time_gran,
        inode_operations.lookup,
        inode_operations.create,
        inode_operations.link,
        inode_operations.unlink,
        inode_operations.symlink,
        inode_operations.mkdir,
        inode_operations.rmdir,
        inode_operations.mknod,
        inode_operations.rename,
        inode_operations.setattr,
        inode_operations.getattr,
        inode_operations.tmpfile,
        file_operations.llseek,
        file_operations.read_iter,
        file_operations.write_iter,
        file_operations.mmap,
        file_operations.fsync,
        file_operations.splice_write,
        file_operations.splice_read,
        inode.i_op,
        inode.i_sb,
        inode.i_mapping,
        inode.i_ino,
        inode.i_size,
        inode.i_mtime_sec,
        inode.i_mtime_nsec,
        inode.__bindgen_anon_3,
        address_space.flags,
        address_space.gfp_mask,
        address_space.a_ops,
        dentry.d_name,
        dentry.d_inode,
        dentry.d_sb,
        dentry.d_lockref,
        file.f_path,
        iattr.ia_valid,
        iattr.ia_size,
        fs_context_operations.reconfigure,
        fs_context.fs_private,
        fs_context.root,
        fs_parameter_spec.flags,
        fs_parse_result.negated,
        super_operations.evict_inode,
        inode.i_data,
        super_operations.alloc_inode,
        super_operations.free_inode,
        super_block.s_xattr,
        fs_context.user_ns,
        inode.i_mode,
        inode.__bindgen_anon_1,
        inode.i_rwsem,
        inode.i_atime_sec,
        inode.i_atime_nsec,
        inode.i_ctime_sec,
        inode.i_ctime_nsec,
        address_space.host,
        address_space.nrpages,
        address_space_operations.write_begin,
        inode_operations.get_link,
        inode_operations.listxattr,
        file.f_mapping,
        kiocb.ki_filp,
        kiocb.ki_pos,
        kiocb.ki_flags,
        vm_area_struct.vm_ops,
        vm_area_struct.vm_file,
        vm_operations_struct.fault,
        vm_operations_struct.map_pages,
        vm_operations_struct.page_mkwrite,
        path.dentry,
        dentry.d_parent,
        kstat.result_mask,
        kstat.btime,
        kstatfs.f_blocks,
        kstatfs.f_bfree,
        kstatfs.f_bavail,
        kstatfs.f_files,
        kstatfs.f_ffree,
        xattr_handler.prefix,
        xattr_handler.get,
        xattr_handler.set,
        sysinfo.totalram,
        sysinfo.mem_unit,
}
// The fields of `vm_fault` live in an anonymous struct, which bindgen names.
const _: () = assert!(
    core::mem::offset_of!(bindings::vm_fault, __bindgen_anon_1)
        + core::mem::offset_of!(bindings::vm_fault__bindgen_ty_1, vma)
        == bindings::OFFSET__vm_fault__vma
);
const _: () = assert!(
    core::mem::offset_of!(bindings::vm_fault, __bindgen_anon_1)
        + core::mem::offset_of!(bindings::vm_fault__bindgen_ty_1, pgoff)
        == bindings::OFFSET__vm_fault__pgoff
);
// `iov_iter`'s byte count lives in an anonymous struct in an anonymous union.
const _: () = assert!(
    core::mem::offset_of!(bindings::iov_iter, __bindgen_anon_1)
        + core::mem::offset_of!(bindings::iov_iter__bindgen_ty_1, __bindgen_anon_1)
        + core::mem::offset_of!(bindings::iov_iter__bindgen_ty_1__bindgen_ty_1, count)
        == bindings::OFFSET__iov_iter__count
);
