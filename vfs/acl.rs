// SPDX-License-Identifier: GPL-2.0

//! POSIX ACLs (`getfacl`, `setfacl`), kept in the VFS's own cache.
//!
//! An inode's ACLs live in `i_acl` (its access ACL) and `i_default_acl` (the
//! default ACL a directory hands to what is made in it), where the VFS looks
//! first. A RAM filesystem keeps them nowhere else, so each is set when the
//! inode is made (empty, or inherited) and never "not cached"; the VFS
//! reads them from there (`getxattr("system.posix_acl_access")`) and frees
//! them with the inode. This is what libfs's `simple_acl_create()` and
//! `simple_set_acl()` do for tmpfs; 6.12 does not export them to modules,
//! so here they are, built from the pieces it does export.
//!
//! With ACLs on, the VFS no longer applies the umask when a file is made:
//! `posix_acl_create()` does, unless a default ACL replaces it. So every
//! new inode goes through [`init`] (by [`NewInode::init_owner`]).
//!
//! [`NewInode::init_owner`]: super::NewInode::init_owner

use super::{
    bindings,
    inode::{InodeView, LockedInode},
    FileSystem,
};
use core::{
    ptr,
    sync::atomic::{AtomicPtr, Ordering},
};
use kernel::{error::to_result, ffi::c_int, prelude::*};

/// Sets up the ACLs of a new inode of type and permissions `*mode`: those
/// `dir`'s default ACL gives it (`posix_acl_create()`, which also applies
/// the umask, or the default ACL's mask, to `*mode`), or none. A directory
/// without a default ACL, the common case, costs a create no call but
/// `current_umask()`.
///
/// # Safety
///
/// `inode` must be a new inode nobody else sees yet, `mode` its `i_mode`,
/// and `dir` a live directory or null (a root: no ACLs). Called twice, the
/// second call's ACLs replace the first's (released).
#[inline]
pub(super) unsafe fn init(
    dir: *const bindings::inode,
    inode: *mut bindings::inode,
    mode: *mut bindings::umode_t,
) -> Result {
    // SAFETY: `inode` is live and nobody else changes its slots.
    if unsafe { (*inode).i_acl != not_cached() || (*inode).i_default_acl != not_cached() } {
        // SAFETY: See above.
        unsafe { forget(inode) };
    }
    let (mut default_acl, mut acl) = (ptr::null_mut(), ptr::null_mut());
    // SAFETY: `mode` is the inode's, ours alone.
    let symlink = u32::from(unsafe { *mode }) & bindings::S_IFMT == bindings::S_IFLNK;
    // `dir`'s default ACL; none to look at for a root or a symlink.
    let dir_default = if dir.is_null() || symlink {
        None
    } else {
        // SAFETY: `dir` is live.
        Some(unsafe { load(ptr::addr_of!((*dir).i_default_acl)) })
    };
    match dir_default {
        // No ACLs and no umask: a root is made by the kernel, a symlink is
        // always 0777.
        None => {}
        // No default ACL to inherit, the common case: what
        // `posix_acl_create()` does then, without its calls (each costs on
        // every create): no ACLs, and the umask applies.
        Some(default) if default.is_null() => {
            // SAFETY: `mode` is the inode's, ours alone; `current_umask()`
            // only reads the calling task's.
            unsafe { *mode &= !(bindings::current_umask() as bindings::umode_t) };
        }
        Some(_) => {
            // SAFETY: `dir` is live; `posix_acl_create()` reads its default
            // ACL and returns new references (or null) in the two pointers.
            to_result(unsafe {
                bindings::posix_acl_create(dir.cast_mut(), mode, &mut default_acl, &mut acl)
            })?;
        }
    }
    // SAFETY: Nobody else sees the inode: its cache slots (released above)
    // take over the references `posix_acl_create()` returned, if any.
    unsafe {
        // (`kernel::bindings` knows `struct posix_acl` as opaque; ours has
        // its fields: the same C struct.)
        (*inode).i_default_acl = default_acl.cast();
        (*inode).i_acl = acl.cast();
    }
    Ok(())
}

/// `ACL_NOT_CACHED`: what a slot holds until the ACL is known.
fn not_cached() -> *mut kernel::bindings::posix_acl {
    bindings::ACL_NOT_CACHED as *mut _
}

/// An inode's ACL slot, read once: `set_cached_acl()` swaps it (`xchg()`)
/// under no lock the caller need hold, and `get_cached_acl_rcu()` reads it
/// so.
///
/// # Safety
///
/// `slot` must be `i_acl` or `i_default_acl` of a live inode.
unsafe fn load(slot: *const *mut kernel::bindings::posix_acl) -> *mut kernel::bindings::posix_acl {
    // SAFETY: See above: a live, aligned pointer the kernel changes atomically.
    unsafe { AtomicPtr::from_ptr(slot.cast_mut()).load(Ordering::Relaxed) }
}

/// What a cached ACL takes from the allocator: `posix_acl_alloc()`'s
/// `struct_size(acl, a_entries, count)`, as the slab rounds it; 0 for none.
///
/// # Safety
///
/// `acl` must be null, `ACL_NOT_CACHED`, or an ACL that stays live for the
/// call (cached in an inode whose ACLs cannot change meanwhile).
pub(super) unsafe fn bytes(acl: *const bindings::posix_acl) -> u64 {
    if acl.is_null() || acl.cast_mut().cast() == not_cached() {
        return 0;
    }
    // SAFETY: A live ACL (see above); `a_count` does not change.
    let count = unsafe { (*acl).a_count } as usize;
    let size = size_of::<bindings::posix_acl>() + count * size_of::<bindings::posix_acl_entry>();
    super::sys::kmalloc_size_roundup(size)
}

/// What both of an inode's cached ACLs take ([`bytes`]).
///
/// # Safety
///
/// `inode` must be live and its ACLs unable to change meanwhile: a new
/// inode, one being evicted, or one whose `i_rwsem` is held.
pub(super) unsafe fn inode_bytes(inode: *const bindings::inode) -> u64 {
    // SAFETY: See above.
    unsafe { bytes((*inode).i_acl.cast()) + bytes((*inode).i_default_acl.cast()) }
}

/// Drops a new inode's ACLs (`forget_all_cached_acls()`): it then has
/// none, and [`inode_bytes`] is 0.
///
/// # Safety
///
/// `inode` must be live.
pub(super) unsafe fn forget(inode: *mut bindings::inode) {
    // SAFETY: See above; the function releases the cached references.
    unsafe { bindings::forget_all_cached_acls(inode) };
}

/// # Safety
///
/// Called by the VFS as `inode_operations::set_acl` (`setfacl`,
/// `setxattr("system.posix_acl_*")`, and `posix_acl_chmod()`): `dentry` is a
/// live, positive dentry of `T` whose inode's `i_rwsem` is held, `acl` a
/// valid ACL (or null: remove it) that the caller keeps its reference on.
pub(super) unsafe extern "C" fn set_acl<T: FileSystem>(
    idmap: *mut bindings::mnt_idmap,
    dentry: *mut bindings::dentry,
    acl: *mut kernel::bindings::posix_acl,
    kind: c_int,
) -> c_int {
    // `kernel::bindings` knows the struct as opaque; ours has its fields.
    let mut acl: *mut bindings::posix_acl = acl.cast();
    // SAFETY: The dentry is positive and its inode locked for the call.
    let inode = unsafe { LockedInode::<T>::from_raw((*dentry).d_inode) };
    let raw = inode.raw();
    let access = kind == bindings::ACL_TYPE_ACCESS as c_int;
    // SAFETY: The inode is live.
    let mut mode = unsafe { (*raw).i_mode };
    if access {
        // An access ACL that says no more than the permission bits is
        // dropped and the bits set from it; else the bits follow its mask.
        // SAFETY: The inode is live and locked; `posix_acl_update_mode()`
        // updates `mode` and may set `acl` to null (and clears the
        // set-group-ID bit where POSIX asks).
        let err = unsafe { bindings::posix_acl_update_mode(idmap, raw, &mut mode, &mut acl) };
        if err != 0 {
            return err;
        }
    }
    // The filesystem's say on the memory the new ACL takes, before any change.
    // SAFETY: The inode is locked: its cached ACLs stay; the caller holds `acl`.
    let (old, new) = unsafe {
        let slot = if access {
            (*raw).i_acl
        } else {
            (*raw).i_default_acl
        };
        (bytes(slot.cast()), bytes(acl))
    };
    if let Err(e) = T::acl_changed(inode, old, new) {
        return e.to_errno();
    }
    // SAFETY: The inode is live and locked (`i_mode` changes under `i_rwsem`).
    unsafe { (*raw).i_mode = mode };
    inode.touch_ctime();
    // SAFETY: The inode is live; `set_cached_acl()` takes its own reference
    // on `acl` (or caches "none" for null) under the inode's lock.
    unsafe { bindings::set_cached_acl(raw, kind, acl) };
    0
}

/// After `chmod`: rewrites the access ACL's permission entries to the new
/// mode (`posix_acl_chmod()`, which calls `set_acl`).
///
/// # Safety
///
/// `dentry` must be a live, positive dentry of `T` whose inode's `i_rwsem`
/// is held, and `idmap` the call's live idmap.
pub(super) unsafe fn chmod(
    idmap: *mut bindings::mnt_idmap,
    dentry: *mut bindings::dentry,
) -> Result {
    // SAFETY: See above.
    to_result(unsafe { bindings::posix_acl_chmod(idmap, dentry, (*(*dentry).d_inode).i_mode) })
}

/// The names `listxattr()` shows for the ACLs `inode` has, each followed by
/// a NUL, copied to the front of `buffer` (when it is not empty); returns
/// their length, or ERANGE when `buffer` is too short.
///
/// # Safety
///
/// `inode` must be live.
pub(super) unsafe fn list_names(inode: *mut bindings::inode, buffer: &mut [u8]) -> Result<usize> {
    let mut len = 0;
    // Only whether each is null is used.
    // SAFETY: The inode is live.
    let (access, default) = unsafe {
        (
            load(ptr::addr_of!((*inode).i_acl)),
            load(ptr::addr_of!((*inode).i_default_acl)),
        )
    };
    for (slot, name) in [
        (access, bindings::XATTR_POSIX_ACL_ACCESS.as_slice()),
        (default, bindings::XATTR_POSIX_ACL_DEFAULT.as_slice()),
    ] {
        // `ACL_NOT_CACHED` never stays in a slot after `init`; "none" is null.
        if slot.is_null() {
            continue;
        }
        let prefix = bindings::XATTR_SYSTEM_PREFIX.as_slice();
        // Without the prefix's NUL; the name's ends the entry.
        let prefix = prefix.get(..prefix.len() - 1).unwrap_or(prefix);
        let size = prefix.len() + name.len();
        if !buffer.is_empty() {
            let entry = buffer.get_mut(len..len + size).ok_or(ERANGE)?;
            for (to, from) in entry.iter_mut().zip(Iterator::chain(prefix.iter(), name)) {
                *to = *from;
            }
        }
        len += size;
    }
    Ok(len)
}
