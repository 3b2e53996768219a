// SPDX-License-Identifier: GPL-2.0

//! Extended attributes: the handlers a super block lists (`sb->s_xattr`)
//! and `listxattr`.
//!
//! The VFS splits an xattr's name at its namespace prefix and calls the
//! handler listed for that prefix; it checks, before, who may do what (only
//! regular files and directories take `user.` names; `trusted.` needs
//! CAP_SYS_ADMIN; the LSM rules `security.`) and the limits (names of 255
//! bytes, values of 64 KiB). This layer lists a handler for each of
//! `user.`, `trusted.` and `security.` for a filesystem that implements
//! [`XattrOperations`]; other prefixes get EOPNOTSUPP from the VFS.

use super::{
    bindings,
    inode::{Inode, InodeView, LockedInode},
    FileSystem,
};
use core::{marker::PhantomData, ptr};
use kernel::{
    ffi::{c_char, c_int, c_void},
    prelude::*,
    str::CStr,
};

/// Extended attribute operations of filesystem `T`. Each gets the name as
/// its namespace's prefix (`user.`) and the rest (`colour`).
#[vtable]
pub(crate) trait XattrOperations: Sized {
    /// `getxattr()`: copies the value to `buffer` (or, with an empty
    /// buffer, only returns its length).
    fn get(
        _inode: &Inode<Self>,
        _prefix: &[u8],
        _suffix: &[u8],
        _buffer: &mut [u8],
    ) -> Result<usize> {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }

    /// `setxattr()` (`value` is `Some`) and `removexattr()` (`None`), with
    /// the `XATTR_CREATE` / `XATTR_REPLACE` flags.
    fn set(
        _inode: &LockedInode<Self>,
        _prefix: &[u8],
        _suffix: &[u8],
        _value: Option<&[u8]>,
        _flags: c_int,
    ) -> Result {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }

    /// `listxattr()`: the names the caller may see, each followed by a NUL,
    /// in `buffer` (or, with an empty buffer, only their total length).
    fn list(_inode: &Inode<Self>, _buffer: &mut [u8]) -> Result<usize> {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }
}

/// Whether the caller may see `trusted.` names (as `simple_xattr_list()`).
pub(crate) fn caller_sees_trusted() -> bool {
    // SAFETY: `init_user_ns` is a static; the check reads the caller's
    // credentials only.
    unsafe {
        bindings::ns_capable_noaudit(
            ptr::addr_of_mut!(bindings::init_user_ns),
            bindings::CAP_SYS_ADMIN as c_int,
        )
    }
}

/// The handlers of `T`, as `sb->s_xattr` lists them.
struct Handlers<T>(PhantomData<T>);

impl<T: FileSystem> Handlers<T> {
    const USER: bindings::xattr_handler = handler::<T>(bindings::XATTR_USER_PREFIX);
    const TRUSTED: bindings::xattr_handler = handler::<T>(bindings::XATTR_TRUSTED_PREFIX);
    const SECURITY: bindings::xattr_handler = handler::<T>(bindings::XATTR_SECURITY_PREFIX);
    /// A null-terminated array of pointers.
    const LIST: [*const bindings::xattr_handler; 4] =
        [&Self::USER, &Self::TRUSTED, &Self::SECURITY, ptr::null()];
}

/// The handler list of `T`, for `sb->s_xattr`.
pub(super) fn handlers<T: FileSystem>() -> *const *const bindings::xattr_handler {
    let list: &'static [*const bindings::xattr_handler; 4] = &Handlers::<T>::LIST;
    list.as_ptr()
}

/// A handler for the names starting with `prefix` (a NUL-terminated literal).
const fn handler<T: FileSystem>(prefix: &'static [u8]) -> bindings::xattr_handler {
    bindings::xattr_handler {
        name: ptr::null(),
        prefix: prefix.as_ptr().cast::<c_char>(),
        flags: 0,
        // Only `generic_listxattr()` asks this; `listxattr` lists names itself.
        list: None,
        get: if T::HAS_GET { Some(get::<T>) } else { None },
        set: if T::HAS_SET { Some(set::<T>) } else { None },
    }
}

/// The handler's prefix, without its NUL.
///
/// # Safety
///
/// `handler` must be one made by [`handler`] (with a literal prefix).
unsafe fn prefix<'a>(handler: *const bindings::xattr_handler) -> &'a [u8] {
    // SAFETY: The prefix is a `'static` NUL-terminated literal (see above).
    unsafe { CStr::from_char_ptr((*handler).prefix) }.as_bytes()
}

/// The caller's buffer as a slice: empty for a length query (`size` 0).
///
/// # Safety
///
/// Unless `size` is 0 or `buffer` null, `buffer` must point to `size` bytes
/// that are ours to write for `'a`.
unsafe fn out_buffer<'a>(buffer: *mut u8, size: usize) -> &'a mut [u8] {
    if size == 0 || buffer.is_null() {
        &mut []
    } else {
        // SAFETY: See above.
        unsafe { core::slice::from_raw_parts_mut(buffer, size) }
    }
}

/// # Safety
///
/// Called by the VFS as `xattr_handler::get` with one of `T`'s handlers, a
/// live inode of `T`, the name after the prefix (a C string) and a buffer
/// of `size` writable bytes (null when `size` is 0).
unsafe extern "C" fn get<T: FileSystem>(
    handler: *const bindings::xattr_handler,
    _dentry: *mut bindings::dentry,
    inode: *mut bindings::inode,
    name: *const c_char,
    buffer: *mut c_void,
    size: usize,
) -> c_int {
    // SAFETY: See above.
    let (inode, prefix, suffix, buffer) = unsafe {
        (
            Inode::from_raw(inode),
            prefix(handler),
            CStr::from_char_ptr(name),
            out_buffer(buffer.cast(), size),
        )
    };
    match T::get(inode, prefix, suffix.as_bytes(), buffer) {
        // A value is at most 64 KiB (XATTR_SIZE_MAX).
        Ok(len) => c_int::try_from(len).unwrap_or(c_int::MAX),
        Err(e) => e.to_errno(),
    }
}

/// # Safety
///
/// Called by the VFS as `xattr_handler::set` with one of `T`'s handlers, a
/// live inode of `T` whose `i_rwsem` is held, the name after the prefix (a
/// C string) and `value`: `size` readable bytes, or null for a removal.
unsafe extern "C" fn set<T: FileSystem>(
    handler: *const bindings::xattr_handler,
    _idmap: *mut bindings::mnt_idmap,
    _dentry: *mut bindings::dentry,
    inode: *mut bindings::inode,
    name: *const c_char,
    value: *const c_void,
    size: usize,
    flags: c_int,
) -> c_int {
    // SAFETY: See above.
    let (inode, prefix, suffix) = unsafe {
        (
            LockedInode::from_raw(inode),
            prefix(handler),
            CStr::from_char_ptr(name),
        )
    };
    let value: Option<&[u8]> = match (value.is_null(), size) {
        (true, _) => None,
        (false, 0) => Some(&[]),
        // SAFETY: The VFS passes `size` readable bytes for the call.
        (false, _) => Some(unsafe { core::slice::from_raw_parts(value.cast(), size) }),
    };
    super::to_c(T::set(inode, prefix, suffix.as_bytes(), value, flags))
}

/// The C type of `inode_operations::listxattr`.
pub(super) type ListFn = unsafe extern "C" fn(*mut bindings::dentry, *mut c_char, usize) -> isize;

/// The `listxattr` slot of `T`'s inode operations.
pub(super) const fn listxattr_slot<T: FileSystem>() -> Option<ListFn> {
    if T::HAS_LIST {
        Some(listxattr::<T>)
    } else {
        None
    }
}

/// # Safety
///
/// Called by the VFS as `inode_operations::listxattr` with a live, positive
/// dentry of `T` and a buffer of `size` writable bytes (null when 0).
unsafe extern "C" fn listxattr<T: FileSystem>(
    dentry: *mut bindings::dentry,
    buffer: *mut c_char,
    size: usize,
) -> isize {
    // SAFETY: The dentry is live and positive, held with its inode for the
    // call (see above).
    let Some(inode) = (unsafe { super::dentry::inode_of::<T>(dentry) }) else {
        return ENOENT.to_errno() as isize;
    };
    // SAFETY: The VFS passes `size` writable bytes, ours for the call.
    let buffer = unsafe { out_buffer(buffer.cast(), size) };
    // The ACLs' names first (`posix_acl_listxattr()`), then the filesystem's.
    let acl_len = if T::POSIX_ACL {
        // SAFETY: The inode is live (see above).
        match unsafe { super::acl::list_names(inode.raw(), buffer) } {
            Ok(len) => len,
            Err(e) => return e.to_errno() as isize,
        }
    } else {
        0
    };
    // An empty buffer asks `T::list` for the size: so when the ACLs' names
    // filled the caller's buffer exactly, the filesystem's names must be
    // none, or they do not fit (returning their size would have the VFS copy
    // past the buffer).
    let full = !buffer.is_empty() && acl_len == buffer.len();
    let rest = buffer.get_mut(acl_len..).unwrap_or(&mut []);
    match T::list(inode, rest) {
        Ok(len) if full && len != 0 => ERANGE.to_errno() as isize,
        Ok(len) => isize::try_from(acl_len + len).unwrap_or(isize::MAX),
        Err(e) => e.to_errno() as isize,
    }
}
