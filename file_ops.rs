// SPDX-License-Identifier: GPL-2.0

//! Regular files: what `read`, `write`, `mmap` and `truncate` do.
//!
//! A RAM filesystem keeps a file's data in the page cache and nowhere else.
//! The kernel's generic file code already moves data between user memory and
//! the page cache (`generic_file_read_iter`, `generic_file_write_iter`,
//! `generic_file_mmap`, the splice helpers), asking the mapping's address
//! space operations (`ram_aops`, set in `inode.rs`) for new pages. So the
//! file operations are the generic ones, as in the C ramfs, and there is no
//! code of ours on the data path: nothing here can make it slower or corrupt
//! it.
//!
//! What is ours: `setattr` (chmod, chown, utimes, truncate), which also
//! updates the change time when truncate changes the size (the C ramfs
//! forgets that).

use crate::{
    bindings,
    trace::{trace, Ret},
    vfs::{self, Dentry, StaticTable},
};
use core::fmt;
use kernel::ffi::{c_int, c_uint};

/// What `open()` of a regular file gives: the kernel's generic page-cache
/// file operations.
pub(crate) static FILE_OPERATIONS: StaticTable<bindings::file_operations> =
    StaticTable(bindings::file_operations {
        read_iter: Some(bindings::generic_file_read_iter),
        write_iter: Some(bindings::generic_file_write_iter),
        mmap: Some(bindings::generic_file_mmap),
        // Data is in memory already: there is nothing to flush.
        fsync: Some(bindings::noop_fsync),
        splice_read: Some(bindings::filemap_splice_read),
        splice_write: Some(bindings::iter_file_splice_write),
        llseek: Some(bindings::generic_file_llseek),
        // No `get_unmapped_area`: the VFS then places the mapping with
        // `mm_get_unmapped_area(current->mm, ...)`, which is all the C ramfs's
        // hook does. (A Rust hook would read `current->mm`, but 6.12's
        // bindgen layout of `task_struct` puts `mm` at the wrong offset.)
        // SAFETY: All-zero is a valid `file_operations`: no callback, no owner
        // (an open file pins the super block, which pins this module).
        ..unsafe { vfs::zeroed() }
    });

/// The inode operations of regular files.
pub(crate) static FILE_INODE_OPERATIONS: StaticTable<bindings::inode_operations> =
    StaticTable(bindings::inode_operations {
        setattr: Some(setattr),
        getattr: Some(bindings::simple_getattr),
        // SAFETY: All-zero is a valid `inode_operations`: no callback.
        ..unsafe { vfs::zeroed() }
    });

/// # Safety
///
/// Called by the VFS as `inode_operations::setattr` (from `notify_change()`):
/// `dentry` is a live, positive dentry of ours whose inode is locked, and
/// `attr` a valid request that the caller owns for the call.
pub(crate) unsafe extern "C" fn setattr(
    idmap: *mut bindings::mnt_idmap,
    dentry: *mut bindings::dentry,
    attr: *mut bindings::iattr,
) -> c_int {
    // SAFETY: The VFS passes a live dentry and a valid request (see above).
    let (inode, valid, new_size) = unsafe {
        (
            Dentry::from_raw(dentry).inode(),
            (*attr).ia_valid,
            (*attr).ia_size,
        )
    };
    let old_size = inode.map(|inode| inode.size());
    // SAFETY: The arguments are the VFS's own, passed on unchanged. libfs
    // checks the request, truncates the page cache and copies the attributes.
    let ret = unsafe { bindings::simple_setattr(idmap, dentry, attr) };
    if let Some(inode) = inode {
        // POSIX: a successful truncate that changes the size updates the
        // modification and change times. `truncate(2)` (unlike `ftruncate`)
        // does not ask for that in `attr`, and `simple_setattr()` does not do it.
        if ret == 0 && valid & bindings::ATTR_SIZE != 0 && Some(inode.size()) != old_size {
            inode.touch_mtime_ctime();
        }
        trace!(
            inode.super_block(),
            "setattr(ino {}{}) = {}",
            inode.ino(),
            Changes(valid, new_size),
            Ret(ret)
        );
    }
    ret
}

/// Shows which attributes a `setattr` call changes: `, mode, size 0, mtime`.
struct Changes(c_uint, bindings::loff_t);

impl fmt::Display for Changes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Changes(valid, size) = *self;
        for (bit, name) in [
            (bindings::ATTR_MODE, "mode"),
            (bindings::ATTR_UID, "uid"),
            (bindings::ATTR_GID, "gid"),
        ] {
            if valid & bit != 0 {
                write!(f, ", {name}")?;
            }
        }
        if valid & bindings::ATTR_SIZE != 0 {
            write!(f, ", size {size}")?;
        }
        for (bit, name) in [
            (bindings::ATTR_ATIME, "atime"),
            (bindings::ATTR_MTIME, "mtime"),
            (bindings::ATTR_CTIME, "ctime"),
        ] {
            if valid & bit != 0 {
                write!(f, ", {name}")?;
            }
        }
        Ok(())
    }
}
