// SPDX-License-Identifier: GPL-2.0

//! Directory inode operations: how names are created, looked up and removed.
//!
//! When a system call needs a name in a directory of ours (`open(O_CREAT)`,
//! `mkdir`, `link`, `unlink`, `rename`...), the VFS first looks in the dentry
//! cache. For a RAM filesystem that cache *is* the directory: every existing
//! name has a pinned dentry there, so a miss means "no such entry". The VFS
//! then calls the operation in `DIR_INODE_OPERATIONS` with the directory's
//! inode locked (`i_rwsem`), and the operation changes the cache.
//!
//! Creating (create, mkdir, mknod, symlink, tmpfile) is ours: make an inode
//! (`inode.rs`), bind it to the dentry and pin it. Looking up, linking,
//! removing and renaming are the kernel's generic `simple_*` helpers from
//! `fs/libfs.c`, exactly as the C ramfs uses them: they work on any
//! filesystem whose directories live in the dcache.
//!
//! Each `extern "C"` function below is a trampoline: it turns the raw pointers
//! into typed references and calls the safe function that does the work.

use crate::{
    bindings, inode,
    vfs::{self, Dentry, File, Inode, StaticTable},
};
use kernel::{error::from_result, ffi::c_int, prelude::*, str::CStr};

/// The inode operations of every directory.
pub(crate) static DIR_INODE_OPERATIONS: StaticTable<bindings::inode_operations> =
    StaticTable(bindings::inode_operations {
        create: Some(create),
        // Any name not in the dcache does not exist: cache it as negative.
        lookup: Some(bindings::simple_lookup),
        link: Some(bindings::simple_link),
        unlink: Some(bindings::simple_unlink),
        symlink: Some(symlink),
        mkdir: Some(mkdir),
        // Refuses non-empty directories (ENOTEMPTY) by asking the dcache.
        rmdir: Some(bindings::simple_rmdir),
        mknod: Some(mknod),
        // Moves dentries; handles RENAME_NOREPLACE and RENAME_EXCHANGE.
        rename: Some(bindings::simple_rename),
        tmpfile: Some(tmpfile),
        // SAFETY: All-zero is a valid `inode_operations`: no callback.
        ..unsafe { vfs::zeroed() }
    });

/// Makes a node of any type (`mode` has the type bits) named by the negative
/// `dentry` in `dir`: the one place every create-type operation goes through.
fn make_node(
    dir: &Inode,
    dentry: &Dentry,
    mode: bindings::umode_t,
    dev: bindings::dev_t,
) -> Result<()> {
    let inode = inode::new_inode(dir.super_block(), Some(dir), mode, dev)?;
    // On error, dropping `inode` releases it (`iput()`).
    inode::init_security(&inode, dir, dentry)?;
    dentry.instantiate_pinned(inode);
    dir.touch_mtime_ctime();
    Ok(())
}

/// `mkdir()`: a directory. Its ".." entry is one more link to the parent.
fn make_dir(dir: &Inode, dentry: &Dentry, mode: bindings::umode_t) -> Result<()> {
    make_node(dir, dentry, mode | inode::S_IFDIR, 0)?;
    dir.inc_nlink();
    Ok(())
}

/// `symlink()`: a symbolic link whose target is kept in its page cache.
fn make_symlink(dir: &Inode, dentry: &Dentry, target: &CStr) -> Result<()> {
    let mode = inode::S_IFLNK | bindings::S_IRWXUGO as bindings::umode_t;
    let inode = inode::new_inode(dir.super_block(), Some(dir), mode, 0)?;
    inode::init_security(&inode, dir, dentry)?;
    vfs::page_symlink(&inode, target)?;
    dentry.instantiate_pinned(inode);
    dir.touch_mtime_ctime();
    Ok(())
}

/// `open(O_TMPFILE)`: a regular file with no name, bound to the open file.
fn make_tmpfile(dir: &Inode, file: &File, mode: bindings::umode_t) -> Result<()> {
    let inode = inode::new_inode(dir.super_block(), Some(dir), mode, 0)?;
    inode::init_security(&inode, dir, file.dentry())?;
    file.instantiate_tmpfile(inode);
    file.finish_open()
}

/// # Safety
///
/// Called by the VFS as `inode_operations::create`: `dir` is a live directory
/// of ours, locked, and `dentry` a live negative dentry in it.
unsafe extern "C" fn create(
    _idmap: *mut bindings::mnt_idmap,
    dir: *mut bindings::inode,
    dentry: *mut bindings::dentry,
    mode: bindings::umode_t,
    _excl: bool,
) -> c_int {
    // SAFETY: The VFS passes live objects, held for the call (see above).
    let (dir, dentry) = unsafe { (Inode::from_raw(dir), Dentry::from_raw(dentry)) };
    from_result(|| {
        make_node(dir, dentry, mode | inode::S_IFREG, 0)?;
        Ok(0)
    })
}

/// # Safety
///
/// Called by the VFS as `inode_operations::mknod`: `dir` is a live directory
/// of ours, locked, and `dentry` a live negative dentry in it.
unsafe extern "C" fn mknod(
    _idmap: *mut bindings::mnt_idmap,
    dir: *mut bindings::inode,
    dentry: *mut bindings::dentry,
    mode: bindings::umode_t,
    dev: bindings::dev_t,
) -> c_int {
    // SAFETY: The VFS passes live objects, held for the call (see above).
    let (dir, dentry) = unsafe { (Inode::from_raw(dir), Dentry::from_raw(dentry)) };
    from_result(|| {
        make_node(dir, dentry, mode, dev)?;
        Ok(0)
    })
}

/// # Safety
///
/// Called by the VFS as `inode_operations::mkdir`: `dir` is a live directory
/// of ours, locked, and `dentry` a live negative dentry in it.
unsafe extern "C" fn mkdir(
    _idmap: *mut bindings::mnt_idmap,
    dir: *mut bindings::inode,
    dentry: *mut bindings::dentry,
    mode: bindings::umode_t,
) -> c_int {
    // SAFETY: The VFS passes live objects, held for the call (see above).
    let (dir, dentry) = unsafe { (Inode::from_raw(dir), Dentry::from_raw(dentry)) };
    from_result(|| {
        make_dir(dir, dentry, mode)?;
        Ok(0)
    })
}

/// # Safety
///
/// Called by the VFS as `inode_operations::symlink`: `dir` is a live directory
/// of ours, locked, `dentry` a live negative dentry in it, and `target` a
/// NUL-terminated string of at most `PATH_MAX` bytes, copied from user space.
unsafe extern "C" fn symlink(
    _idmap: *mut bindings::mnt_idmap,
    dir: *mut bindings::inode,
    dentry: *mut bindings::dentry,
    target: *const kernel::ffi::c_char,
) -> c_int {
    // SAFETY: The VFS passes live objects and a valid string, held for the
    // call (see above).
    let (dir, dentry, target) = unsafe {
        (
            Inode::from_raw(dir),
            Dentry::from_raw(dentry),
            CStr::from_char_ptr(target),
        )
    };
    from_result(|| {
        make_symlink(dir, dentry, target)?;
        Ok(0)
    })
}

/// # Safety
///
/// Called by the VFS as `inode_operations::tmpfile`: `dir` is a live directory
/// of ours and `file` a live file being opened, with a negative dentry.
unsafe extern "C" fn tmpfile(
    _idmap: *mut bindings::mnt_idmap,
    dir: *mut bindings::inode,
    file: *mut bindings::file,
    mode: bindings::umode_t,
) -> c_int {
    // SAFETY: The VFS passes live objects, held for the call (see above).
    let (dir, file) = unsafe { (Inode::from_raw(dir), File::from_raw(file)) };
    from_result(|| {
        make_tmpfile(dir, file, mode)?;
        Ok(0)
    })
}
