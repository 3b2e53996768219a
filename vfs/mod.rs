// SPDX-License-Identifier: GPL-2.0

//! The VFS layer: safe Rust views of the C VFS, for filesystems that hold no
//! `unsafe`.
//!
//! The VFS calls a filesystem through tables of C function pointers
//! (`struct file_system_type`, `super_operations`, `inode_operations`,
//! `file_operations`, `address_space_operations`, `xattr_handler`) and hands
//! it raw pointers. This layer builds those tables, at compile time, from
//! traits a filesystem implements ([`FileSystem`], [`DirOperations`],
//! [`InodeOperations`], [`FileOperations`], [`XattrOperations`]): one
//! `unsafe extern "C"` *trampoline* per slot turns the raw pointers into the
//! typed views defined here and calls the trait method, which is safe Rust.
//! A slot the filesystem does not implement stays `None` (`#[vtable]`).
//!
//! Each view is `#[repr(transparent)]` over [`Opaque`](kernel::types::Opaque):
//! the C object is shared with the rest of the kernel, which changes it
//! under us, so Rust never assumes it is frozen behind a `&`. The rules the
//! VFS imposes are types, so that breaking one does not compile:
//!
//! - [`NewInode`]: an inode nobody else can see yet; its fields are writable,
//!   and dropping it discards it.
//! - [`LockedInode`]: an inode whose `i_rwsem` the VFS holds for this call;
//!   only this view changes link counts and times.
//! - [`NegativeDentry`]: a name with no inode yet; instantiating consumes it.
//! - [`EvictingInode`]: an inode being evicted, at reference count 0; it
//!   cannot be turned back into a counted [`Inode`].
//! - [`FsContext`]: a mount context, which other threads may be writing.
//!
//! Names are borrowed from the view that holds their lock, never longer.
//!
//! The layer knows nothing of any filesystem built on it: it is generic over
//! `T: FileSystem`, whose associated types carry the filesystem's own data
//! per super block ([`FileSystem::Data`]) and per inode
//! ([`FileSystem::InodeData`]).

mod acl;
pub(crate) mod context;
pub(crate) mod dentry;
pub(crate) mod file;
pub(crate) mod filesystem;
pub(crate) mod ids;
pub(crate) mod inode;
mod layout;
pub(crate) mod once;
pub(crate) mod super_block;
pub(crate) mod sys;
pub(crate) mod xattr;

pub(crate) use context::{FsContext, ParamSpec, ParamValue};
pub(crate) use dentry::{
    DirOperations, LinkRequest, LockedDentry, LookupRequest, NegativeDentry, RenameRequest,
    TmpFile, UnlinkRequest,
};
pub(crate) use file::{
    FallocateRequest, FileOperations, PageFault, ReadRequest, VmFault, WriteBegin,
};
pub(crate) use filesystem::{FileSystem, Registered, Registration};
pub(crate) use ids::{Idmap, Kgid, Kuid};
pub(crate) use inode::{
    EvictingInode, GetattrRequest, Inode, InodeKind, InodeOperations, InodeView, LockedInode,
    NewInode, SetattrRequest,
};
pub(crate) use once::OnceBox;
pub(crate) use super_block::{SeqFile, Statfs, SuperBlock};
pub(crate) use xattr::XattrOperations;

use kernel::{error::Error, ffi::c_int};

/// The C declarations this crate uses: all of `kernel::bindings`, plus what
/// 6.12's bindings lack (the mount API, a few macro constants), generated at
/// build time from `bindings_helper.h` (see `Kbuild`).
#[allow(
    clippy::all,
    clippy::undocumented_unsafe_blocks,
    dead_code,
    improper_ctypes,
    missing_docs,
    non_camel_case_types,
    non_snake_case,
    non_upper_case_globals,
    unreachable_pub,
    unsafe_op_in_unsafe_fn
)]
pub(crate) mod bindings {
    include!("../bindings_generated.rs");
}

/// Returns an all-zero value of a C struct, for the fields a table leaves out.
///
/// # Safety
///
/// `T` must be a C struct for which all-zero bytes are a valid value: null
/// pointers, `None` callbacks, zero integers. This holds for the bindgen
/// generated VFS structs this layer builds tables from.
const unsafe fn zeroed<T>() -> T {
    // SAFETY: The caller guarantees that the all-zero bit pattern is valid for `T`.
    unsafe { core::mem::zeroed() }
}

/// The address of a table in static memory, for a C field that points to it.
/// Taking `&'static` makes the compiler prove that the table (a constant) is
/// promoted to static memory rather than made a temporary.
const fn table<T>(table: &'static T) -> *const T {
    table
}

/// The error for an errno that `kernel::error::code` lacks (ENODATA...),
/// given as bindgen gives the constant.
pub(crate) fn errno(code: u32) -> Error {
    // Errno values are small positive numbers.
    Error::from_errno(-(code as c_int))
}

/// A callback's C return value: 0 or a negative errno.
#[inline]
fn to_c(result: kernel::error::Result) -> c_int {
    match result {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}
