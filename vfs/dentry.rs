// SPDX-License-Identifier: GPL-2.0

//! Directory entries (`struct dentry`) and the directory operations.
//!
//! When a system call needs a name in a directory (`open(O_CREAT)`, `mkdir`,
//! `link`, `unlink`, `rename`...), the VFS looks in the dentry cache, then
//! calls the directory's operation with the directory locked (`i_rwsem`).
//! The views here carry that: a [`NegativeDentry`] is a name with no inode,
//! which instantiating consumes; a request ([`LinkRequest`],
//! [`UnlinkRequest`], [`RenameRequest`]) bundles the objects of one call,
//! so that the libfs helper it offers gets the objects the VFS locked.

use super::{
    bindings,
    ids::Idmap,
    inode::{Inode, InodeView, LockedInode, NewInode},
    to_c, FileSystem,
};
use core::{marker::PhantomData, ptr};
use kernel::{
    error::{from_err_ptr, to_result},
    ffi::{c_char, c_int, c_uint},
    prelude::*,
    str::{BStr, CStr},
};

/// The inode a dentry is bound to, if any (`d_inode()`).
///
/// # Safety
///
/// `dentry` must be a live dentry of `T` whose binding cannot change for
/// `'a` (its parent or its inode locked, or a path held to it), and a bound
/// inode must stay referenced for `'a`.
pub(super) unsafe fn inode_of<'a, T: FileSystem>(
    dentry: *mut bindings::dentry,
) -> Option<&'a Inode<T>> {
    // SAFETY: The dentry is live (see above).
    let inode = unsafe { (*dentry).d_inode };
    // SAFETY: A bound inode is live and referenced for `'a` (see above).
    (!inode.is_null()).then(|| unsafe { Inode::from_raw(inode) })
}

/// The name of a dentry (`d_name`), as the VFS passes it to LSM hooks,
/// borrowed while its lock holds.
#[derive(Clone, Copy)]
pub(crate) struct Qstr<'a>(*const bindings::qstr, PhantomData<&'a ()>);

impl<'a> Qstr<'a> {
    /// The C pointer.
    #[cfg(CONFIG_SECURITY)]
    pub(super) fn as_ptr(&self) -> *const bindings::qstr {
        self.0
    }

    /// The name's bytes.
    fn as_bstr(self) -> &'a BStr {
        // SAFETY: The name is stable while borrowed (see the views that make
        // one); its `name` points to `len` bytes that live as long as it.
        unsafe {
            let len = (*self.0).__bindgen_anon_1.__bindgen_anon_1.len;
            BStr::from_bytes(core::slice::from_raw_parts((*self.0).name, len as usize))
        }
    }
}

/// The name of `dentry`.
///
/// # Safety
///
/// The dentry must be live and its name stable for `'a` (its parent
/// directory locked).
unsafe fn qstr_of<'a>(dentry: *mut bindings::dentry) -> Qstr<'a> {
    // SAFETY: Taking the address of a field reads nothing.
    Qstr(unsafe { ptr::addr_of!((*dentry).d_name) }, PhantomData)
}

/// A positive dentry in a directory the VFS has locked for this call: its
/// name and binding are stable while it is borrowed.
///
/// # Invariants
///
/// The dentry is live, of `T`, and its parent's `i_rwsem` is held for `'a`.
pub(crate) struct LockedDentry<'a, T> {
    dentry: *mut bindings::dentry,
    _call: PhantomData<&'a T>,
}

impl<'a, T: FileSystem> LockedDentry<'a, T> {
    /// # Safety
    ///
    /// As the invariants.
    unsafe fn new(dentry: *mut bindings::dentry) -> Self {
        Self {
            dentry,
            _call: PhantomData,
        }
    }

    /// The entry's name.
    pub(crate) fn name(&self) -> &BStr {
        // SAFETY: `d_name` changes only by a rename, which takes the parent's
        // lock, held (invariant).
        unsafe { qstr_of(self.dentry) }.as_bstr()
    }

    /// The inode the entry names.
    pub(crate) fn inode(&self) -> Option<&Inode<T>> {
        // SAFETY: `d_inode` changes only under the parent's lock, held
        // (invariant); the entry holds a reference on its inode.
        unsafe { inode_of(self.dentry) }
    }
}

/// A name in a directory the VFS has locked for this call, bound to no inode
/// yet. Instantiating it with an inode consumes it.
///
/// # Invariants
///
/// The dentry is live, of `T`, negative, and its parent's `i_rwsem` is held
/// for `'a`.
pub(crate) struct NegativeDentry<'a, T> {
    dentry: *mut bindings::dentry,
    idmap: Idmap<'a>,
    _call: PhantomData<&'a T>,
}

impl<'a, T: FileSystem> NegativeDentry<'a, T> {
    /// # Safety
    ///
    /// As the invariants.
    unsafe fn new(dentry: *mut bindings::dentry, idmap: Idmap<'a>) -> Self {
        Self {
            dentry,
            idmap,
            _call: PhantomData,
        }
    }

    /// The idmap of the mount the call came through: a new inode's owner
    /// is set through it.
    pub(crate) fn idmap(&self) -> Idmap<'a> {
        self.idmap
    }

    /// The entry's name.
    pub(crate) fn name(&self) -> &BStr {
        self.qstr().as_bstr()
    }

    /// The entry's name, as LSM hooks take it.
    pub(crate) fn qstr(&self) -> Qstr<'_> {
        // SAFETY: The parent is locked (invariant), so the name is stable.
        unsafe { qstr_of(self.dentry) }
    }

    /// Binds `inode` to this name and pins the dentry in the cache, as a
    /// filesystem whose directories live in the dcache does (ramfs, tmpfs):
    /// `d_instantiate()` takes over the inode reference; the extra dentry
    /// reference (`dget()`) is what keeps the entry alive until
    /// `simple_unlink()` / `simple_rmdir()`, or `kill_litter_super()` at
    /// unmount, drops it. EXDEV for an inode of another super block.
    #[inline]
    pub(crate) fn instantiate_pinned(self, inode: NewInode<T>) -> Result {
        let dentry = self.dentry;
        // SAFETY: The dentry is live (invariant); `d_sb` never changes.
        if !ptr::eq(unsafe { (*dentry).d_sb }, inode.super_block().as_ptr()) {
            return Err(EXDEV);
        }
        // `d_lockref` is the dentry's reference count, which `lockref_get()`
        // increments atomically (`dget()` is inline in C).
        // SAFETY: The dentry is live, negative, and its parent locked
        // (invariant), as `d_instantiate()` requires; it consumes the
        // reference `into_raw` gives up.
        unsafe {
            bindings::d_instantiate(dentry, inode.into_raw());
            bindings::lockref_get(ptr::addr_of_mut!((*dentry).d_lockref));
        }
        Ok(())
    }
}

/// Directory operations of filesystem `T`: what a directory's inode
/// operations do beyond [`InodeOperations`](super::InodeOperations).
#[vtable]
pub(crate) trait DirOperations: Sized {
    /// A name not in the dentry cache: `Ok` leaves it negative.
    fn lookup(_request: LookupRequest<'_, Self>) -> Result {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }

    /// `open(O_CREAT)`, `creat()`: a regular file (`mode` has the type bits).
    fn create(
        _dir: &LockedInode<Self>,
        _dentry: NegativeDentry<'_, Self>,
        _mode: bindings::umode_t,
    ) -> Result {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }

    /// `mknod()`: a node of any type (`mode` has the type bits).
    fn mknod(
        _dir: &LockedInode<Self>,
        _dentry: NegativeDentry<'_, Self>,
        _mode: bindings::umode_t,
        _dev: bindings::dev_t,
    ) -> Result {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }

    /// `mkdir()` (`mode` without the type bits).
    fn mkdir(
        _dir: &LockedInode<Self>,
        _dentry: NegativeDentry<'_, Self>,
        _mode: bindings::umode_t,
    ) -> Result {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }

    /// `symlink()`: a link to `target`.
    fn symlink(
        _dir: &LockedInode<Self>,
        _dentry: NegativeDentry<'_, Self>,
        _target: &CStr,
    ) -> Result {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }

    /// `open(O_TMPFILE)`: a regular file with no name, bound to `file`.
    fn tmpfile(_dir: &Inode<Self>, _file: TmpFile<'_, Self>, _mode: bindings::umode_t) -> Result {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }

    /// `link()`: another name for an inode.
    fn link(_request: LinkRequest<'_, Self>) -> Result {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }

    /// `unlink()`.
    fn unlink(_request: UnlinkRequest<'_, Self>) -> Result {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }

    /// `rmdir()`.
    fn rmdir(_request: UnlinkRequest<'_, Self>) -> Result {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }

    /// `rename()`, `renameat2()`.
    fn rename(_request: RenameRequest<'_, Self>) -> Result {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }
}

/// `base` (the inode operations every inode of `T` has) with `T`'s
/// directory operations.
pub(super) const fn dir_operations<T: FileSystem>(
    base: bindings::inode_operations,
) -> bindings::inode_operations {
    bindings::inode_operations {
        lookup: if T::HAS_LOOKUP {
            Some(lookup::<T>)
        } else {
            None
        },
        create: if T::HAS_CREATE {
            Some(create::<T>)
        } else {
            None
        },
        mknod: if T::HAS_MKNOD { Some(mknod::<T>) } else { None },
        mkdir: if T::HAS_MKDIR { Some(mkdir::<T>) } else { None },
        symlink: if T::HAS_SYMLINK {
            Some(symlink::<T>)
        } else {
            None
        },
        tmpfile: if T::HAS_TMPFILE {
            Some(tmpfile::<T>)
        } else {
            None
        },
        link: if T::HAS_LINK { Some(link::<T>) } else { None },
        unlink: if T::HAS_UNLINK {
            Some(unlink::<T>)
        } else {
            None
        },
        rmdir: if T::HAS_RMDIR { Some(rmdir::<T>) } else { None },
        rename: if T::HAS_RENAME {
            Some(rename::<T>)
        } else {
            None
        },
        ..base
    }
}

/// A `lookup` call: a name not in the dentry cache.
///
/// # Invariants
///
/// `dir` is a live directory of `T`, locked at least shared, and `dentry` a
/// live, new dentry in it, for `'a`.
pub(crate) struct LookupRequest<'a, T> {
    dir: *mut bindings::inode,
    dentry: *mut bindings::dentry,
    flags: c_uint,
    _call: PhantomData<&'a T>,
}

impl<'a, T: FileSystem> LookupRequest<'a, T> {
    /// The directory.
    pub(crate) fn dir(&self) -> &'a Inode<T> {
        // SAFETY: The VFS holds a reference on the directory for the call.
        unsafe { Inode::from_raw(self.dir) }
    }

    /// The name looked up.
    pub(crate) fn name(&self) -> &BStr {
        // SAFETY: The parent is locked (invariant), so the name is stable.
        unsafe { qstr_of(self.dentry) }.as_bstr()
    }

    /// Looks the name up as libfs does (`simple_lookup()`), for a filesystem
    /// whose every existing name is pinned in the dcache: a name not found
    /// there does not exist, and is cached as negative; a name longer than
    /// `NAME_MAX` is refused with ENAMETOOLONG.
    #[inline]
    pub(crate) fn simple(self) -> Result {
        // SAFETY: The arguments are the VFS's own, passed on unchanged.
        let found = unsafe { bindings::simple_lookup(self.dir, self.dentry, self.flags) };
        from_err_ptr(found).map(|_| ())
    }
}

/// # Safety
///
/// Called by the VFS as `inode_operations::lookup` when a name is not in the
/// dentry cache: `dir` is a live directory of `T`, locked (at least shared),
/// and `dentry` a live, new dentry in it.
unsafe extern "C" fn lookup<T: FileSystem>(
    dir: *mut bindings::inode,
    dentry: *mut bindings::dentry,
    flags: c_uint,
) -> *mut bindings::dentry {
    // INVARIANT: See above.
    let request = LookupRequest {
        dir,
        dentry,
        flags,
        _call: PhantomData,
    };
    match T::lookup(request) {
        // The dentry passed in stays, negative.
        Ok(()) => ptr::null_mut(),
        Err(e) => e.to_ptr(),
    }
}

/// The typed views of a create-type callback's directory and new name.
///
/// # Safety
///
/// `dir` must be a live directory of `T` whose `i_rwsem` is held for
/// writing, and `dentry` a live negative dentry in it, for `'a`.
unsafe fn new_entry<'a, T: FileSystem>(
    idmap: *mut bindings::mnt_idmap,
    dir: *mut bindings::inode,
    dentry: *mut bindings::dentry,
) -> (&'a LockedInode<T>, NegativeDentry<'a, T>) {
    // SAFETY: See above; the VFS's idmap is live for the call.
    unsafe {
        (
            LockedInode::from_raw(dir),
            NegativeDentry::new(dentry, Idmap::from_raw(idmap)),
        )
    }
}

/// # Safety
///
/// Called by the VFS as `inode_operations::create`: `dir` is a live directory
/// of `T`, locked, and `dentry` a live negative dentry in it.
unsafe extern "C" fn create<T: FileSystem>(
    idmap: *mut bindings::mnt_idmap,
    dir: *mut bindings::inode,
    dentry: *mut bindings::dentry,
    mode: bindings::umode_t,
    _excl: bool,
) -> c_int {
    // SAFETY: See above.
    let (dir, dentry) = unsafe { new_entry(idmap, dir, dentry) };
    to_c(T::create(dir, dentry, mode))
}

/// # Safety
///
/// Called by the VFS as `inode_operations::mknod`: as [`create`].
unsafe extern "C" fn mknod<T: FileSystem>(
    idmap: *mut bindings::mnt_idmap,
    dir: *mut bindings::inode,
    dentry: *mut bindings::dentry,
    mode: bindings::umode_t,
    dev: bindings::dev_t,
) -> c_int {
    // SAFETY: See above.
    let (dir, dentry) = unsafe { new_entry(idmap, dir, dentry) };
    to_c(T::mknod(dir, dentry, mode, dev))
}

/// # Safety
///
/// Called by the VFS as `inode_operations::mkdir`: as [`create`].
unsafe extern "C" fn mkdir<T: FileSystem>(
    idmap: *mut bindings::mnt_idmap,
    dir: *mut bindings::inode,
    dentry: *mut bindings::dentry,
    mode: bindings::umode_t,
) -> c_int {
    // SAFETY: See above.
    let (dir, dentry) = unsafe { new_entry(idmap, dir, dentry) };
    to_c(T::mkdir(dir, dentry, mode))
}

/// # Safety
///
/// Called by the VFS as `inode_operations::symlink`: as [`create`], and
/// `target` a NUL-terminated string of at most `PATH_MAX` bytes, copied from
/// user space, live for the call.
unsafe extern "C" fn symlink<T: FileSystem>(
    idmap: *mut bindings::mnt_idmap,
    dir: *mut bindings::inode,
    dentry: *mut bindings::dentry,
    target: *const c_char,
) -> c_int {
    // SAFETY: See above.
    let ((dir, dentry), target) =
        unsafe { (new_entry(idmap, dir, dentry), CStr::from_char_ptr(target)) };
    to_c(T::symlink(dir, dentry, target))
}

/// An `O_TMPFILE` open in progress: a file whose dentry is negative and
/// unhashed, waiting for an inode.
///
/// # Invariants
///
/// `file` is a live file being opened by `tmpfile` on a directory of `T`,
/// for `'a`.
pub(crate) struct TmpFile<'a, T> {
    file: *mut bindings::file,
    idmap: Idmap<'a>,
    _call: PhantomData<&'a T>,
}

impl<'a, T: FileSystem> TmpFile<'a, T> {
    /// The idmap of the mount the open came through.
    pub(crate) fn idmap(&self) -> Idmap<'a> {
        self.idmap
    }

    /// The file's (nameless) dentry's name, as LSM hooks take it.
    pub(crate) fn qstr(&self) -> Qstr<'_> {
        // SAFETY: The file and its dentry are live; an unhashed dentry's name
        // does not change (invariant).
        unsafe { qstr_of((*self.file).f_path.dentry) }
    }

    /// Binds `inode` to the file (`d_tmpfile()`; its link count drops to 0:
    /// it lives as long as the file is open, unless `linkat()` names it) and
    /// completes the open (`finish_open_simple()`).
    pub(crate) fn open(self, inode: NewInode<T>) -> Result {
        let file = self.file;
        // SAFETY: The file and its dentry are live (invariant); `d_sb` never
        // changes.
        let sb = unsafe { (*(*file).f_path.dentry).d_sb };
        if !ptr::eq(sb, inode.super_block().as_ptr()) {
            return Err(EXDEV);
        }
        // `d_tmpfile()` consumes the moved reference; after it the dentry is
        // positive, the state `finish_open()` expects at the end of `->tmpfile()`.
        // SAFETY: The file's dentry is negative and unhashed (invariant), as
        // `d_tmpfile()` requires.
        unsafe {
            bindings::d_tmpfile(file, inode.into_raw());
            to_result(bindings::finish_open(file, (*file).f_path.dentry, None))
        }
    }
}

/// # Safety
///
/// Called by the VFS as `inode_operations::tmpfile`: `dir` is a live directory
/// of `T` and `file` a live file being opened, with a negative dentry.
unsafe extern "C" fn tmpfile<T: FileSystem>(
    idmap: *mut bindings::mnt_idmap,
    dir: *mut bindings::inode,
    file: *mut bindings::file,
    mode: bindings::umode_t,
) -> c_int {
    // SAFETY: The VFS holds a reference on `dir` for the call.
    let dir = unsafe { Inode::from_raw(dir) };
    // INVARIANT: See above.
    let file = TmpFile {
        file,
        // SAFETY: The VFS's idmap is live for the call.
        idmap: unsafe { Idmap::from_raw(idmap) },
        _call: PhantomData,
    };
    to_c(T::tmpfile(dir, file, mode))
}

/// A `link` call: `old` is to get the new name `new` in `dir`.
///
/// # Invariants
///
/// For `'a`: `old` is a live, positive dentry of `T` (not a directory) whose
/// inode is locked, `dir` a live directory of `T`, locked, and `new` a live
/// negative dentry in it.
pub(crate) struct LinkRequest<'a, T> {
    old: *mut bindings::dentry,
    dir: *mut bindings::inode,
    new: *mut bindings::dentry,
    _call: PhantomData<&'a T>,
}

impl<'a, T: FileSystem> LinkRequest<'a, T> {
    /// The inode getting another name.
    pub(crate) fn inode(&self) -> Option<&Inode<T>> {
        // SAFETY: `old` is positive and its inode locked (invariant).
        unsafe { inode_of(self.old) }
    }

    /// The directory.
    pub(crate) fn dir(&self) -> &'a LockedInode<T> {
        // SAFETY: Live and locked (invariant).
        unsafe { LockedInode::from_raw(self.dir) }
    }

    /// The new name.
    pub(crate) fn name(&self) -> &BStr {
        // SAFETY: The directory is locked (invariant).
        unsafe { qstr_of(self.new) }.as_bstr()
    }

    /// Links as libfs does (`simple_link()`): a link more on the inode, the
    /// new dentry bound to it and pinned.
    pub(crate) fn simple(self) -> Result {
        // SAFETY: The arguments are the VFS's own, passed on unchanged.
        to_result(unsafe { bindings::simple_link(self.old, self.dir, self.new) })
    }
}

/// # Safety
///
/// Called by the VFS as `inode_operations::link`, with the arguments
/// [`LinkRequest`]'s invariants describe.
unsafe extern "C" fn link<T: FileSystem>(
    old: *mut bindings::dentry,
    dir: *mut bindings::inode,
    new: *mut bindings::dentry,
) -> c_int {
    // INVARIANT: See above.
    to_c(T::link(LinkRequest {
        old,
        dir,
        new,
        _call: PhantomData,
    }))
}

/// An `unlink` or `rmdir` call: `dentry` goes from `dir`.
///
/// # Invariants
///
/// For `'a`: `dir` is a live directory of `T`, locked, `dentry` a live,
/// positive dentry in it whose inode is locked too, and `rmdir` says which
/// call this is (for `rmdir`, the dentry is a directory's).
pub(crate) struct UnlinkRequest<'a, T> {
    dir: *mut bindings::inode,
    dentry: *mut bindings::dentry,
    rmdir: bool,
    _call: PhantomData<&'a T>,
}

impl<'a, T: FileSystem> UnlinkRequest<'a, T> {
    /// The directory.
    pub(crate) fn dir(&self) -> &'a LockedInode<T> {
        // SAFETY: Live and locked (invariant).
        unsafe { LockedInode::from_raw(self.dir) }
    }

    /// The name going.
    pub(crate) fn entry(&self) -> LockedDentry<'_, T> {
        // SAFETY: The directory is locked (invariant).
        unsafe { LockedDentry::new(self.dentry) }
    }

    /// Removes the name as libfs does: `simple_unlink()` drops a link and
    /// the reference that pinned the dentry; for `rmdir`, `simple_rmdir()`
    /// first refuses a non-empty directory (ENOTEMPTY), asking the dcache,
    /// and drops the parent's link from the directory's "..".
    pub(crate) fn simple(self) -> Result {
        // SAFETY: The arguments are the VFS's own, passed on unchanged, to
        // the helper of the call they came with (invariant).
        to_result(unsafe {
            if self.rmdir {
                bindings::simple_rmdir(self.dir, self.dentry)
            } else {
                bindings::simple_unlink(self.dir, self.dentry)
            }
        })
    }
}

/// # Safety
///
/// Called by the VFS as `inode_operations::unlink`, with the arguments
/// [`UnlinkRequest`]'s invariants describe.
unsafe extern "C" fn unlink<T: FileSystem>(
    dir: *mut bindings::inode,
    dentry: *mut bindings::dentry,
) -> c_int {
    // INVARIANT: See above.
    to_c(T::unlink(UnlinkRequest {
        dir,
        dentry,
        rmdir: false,
        _call: PhantomData,
    }))
}

/// # Safety
///
/// Called by the VFS as `inode_operations::rmdir`, with the arguments
/// [`UnlinkRequest`]'s invariants describe.
unsafe extern "C" fn rmdir<T: FileSystem>(
    dir: *mut bindings::inode,
    dentry: *mut bindings::dentry,
) -> c_int {
    // INVARIANT: See above.
    to_c(T::rmdir(UnlinkRequest {
        dir,
        dentry,
        rmdir: true,
        _call: PhantomData,
    }))
}

/// A `rename` call. The names it shows are borrowed from it; [`simple`]
/// consumes it, since the rename changes them.
///
/// [`simple`]: RenameRequest::simple
///
/// # Invariants
///
/// For `'a`: both directories are live directories of `T`, locked, `old` a
/// live positive dentry in `old_dir` and `new` a live dentry in `new_dir`;
/// their inodes, if any, are locked too.
pub(crate) struct RenameRequest<'a, T> {
    idmap: *mut bindings::mnt_idmap,
    old_dir: *mut bindings::inode,
    old: *mut bindings::dentry,
    new_dir: *mut bindings::inode,
    new: *mut bindings::dentry,
    flags: c_uint,
    _call: PhantomData<&'a T>,
}

impl<'a, T: FileSystem> RenameRequest<'a, T> {
    /// The directory the entry leaves.
    pub(crate) fn old_dir(&self) -> &'a LockedInode<T> {
        // SAFETY: Live and locked (invariant).
        unsafe { LockedInode::from_raw(self.old_dir) }
    }

    /// The directory the entry goes to.
    pub(crate) fn new_dir(&self) -> &'a LockedInode<T> {
        // SAFETY: Live and locked (invariant).
        unsafe { LockedInode::from_raw(self.new_dir) }
    }

    /// The entry renamed.
    pub(crate) fn old(&self) -> LockedDentry<'_, T> {
        // SAFETY: Its directory is locked (invariant).
        unsafe { LockedDentry::new(self.old) }
    }

    /// The entry's new name, which may name an inode already.
    pub(crate) fn target(&self) -> LockedDentry<'_, T> {
        // SAFETY: Its directory is locked (invariant).
        unsafe { LockedDentry::new(self.new) }
    }

    /// The `RENAME_*` flags.
    pub(crate) fn flags(&self) -> c_uint {
        self.flags
    }

    /// Whether the new name is free or an empty directory (`simple_empty()`,
    /// which asks the dcache under its locks).
    pub(crate) fn target_is_empty(&self) -> bool {
        // SAFETY: `new` is live (invariant).
        unsafe { bindings::simple_empty(self.new) != 0 }
    }

    /// Puts a new entry under the old name, as tmpfs does for
    /// `RENAME_WHITEOUT` (`shmem_whiteout()`): `make` instantiates the
    /// negative dentry it is given (in the old directory, with the old name);
    /// it is hashed while `old` is still in place, so a lookup finds either,
    /// and after the move only the new entry.
    pub(crate) fn add_under_old_name(
        &self,
        make: impl FnOnce(&LockedInode<T>, NegativeDentry<'_, T>) -> Result,
    ) -> Result {
        let old = self.old;
        // SAFETY: `old` is live and its parent locked (invariant): its parent
        // and name are stable. `d_alloc()` copies the name into a new,
        // unhashed dentry.
        let entry = unsafe { bindings::d_alloc((*old).d_parent, ptr::addr_of!((*old).d_name)) };
        if entry.is_null() {
            return Err(ENOMEM);
        }
        // SAFETY: `entry` is live (we hold its only reference), negative, and
        // its parent is `old_dir`, locked.
        let made = make(self.old_dir(), unsafe {
            NegativeDentry::new(entry, Idmap::from_raw(self.idmap))
        });
        // Only `NegativeDentry::instantiate_pinned` makes the entry positive,
        // and it pins it.
        // SAFETY: We still hold the reference `d_alloc()` gave.
        let pinned = !unsafe { (*entry).d_inode }.is_null();
        // SAFETY: Drops that reference; a pinned dentry stays.
        unsafe { bindings::dput(entry) };
        made?;
        if !pinned {
            return Err(EINVAL);
        }
        // SAFETY: The pinned dentry is live; the parent is locked.
        unsafe { bindings::d_rehash(entry) };
        Ok(())
    }

    /// Renames as libfs does (`simple_rename()`: moves the dentries, fixes
    /// link counts and times; handles `RENAME_NOREPLACE` and
    /// `RENAME_EXCHANGE`), with `flags` in place of the call's.
    pub(crate) fn simple(self, flags: c_uint) -> Result {
        // SAFETY: The arguments are the VFS's own, passed on unchanged.
        to_result(unsafe {
            bindings::simple_rename(
                self.idmap,
                self.old_dir,
                self.old,
                self.new_dir,
                self.new,
                flags,
            )
        })
    }
}

/// # Safety
///
/// Called by the VFS as `inode_operations::rename`, with the arguments
/// [`RenameRequest`]'s invariants describe.
unsafe extern "C" fn rename<T: FileSystem>(
    idmap: *mut bindings::mnt_idmap,
    old_dir: *mut bindings::inode,
    old: *mut bindings::dentry,
    new_dir: *mut bindings::inode,
    new: *mut bindings::dentry,
    flags: c_uint,
) -> c_int {
    // INVARIANT: See above.
    to_c(T::rename(RenameRequest {
        idmap,
        old_dir,
        old,
        new_dir,
        new,
        flags,
        _call: PhantomData,
    }))
}
