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
    bindings, file_ops, inode,
    trace::{trace, NewIno, Ret},
    vfs::{self, Dentry, File, Inode, StaticTable},
    xattr,
};
use core::ptr;
use kernel::{
    error::from_err_ptr,
    ffi::{c_int, c_uint, c_ulong},
    fmt,
    prelude::*,
    str::{CStr, CString},
};

/// The inode operations of every directory.
pub(crate) static DIR_INODE_OPERATIONS: StaticTable<bindings::inode_operations> =
    StaticTable(bindings::inode_operations {
        create: Some(create),
        lookup: Some(lookup),
        link: Some(link),
        unlink: Some(unlink),
        symlink: Some(symlink),
        mkdir: Some(mkdir),
        rmdir: Some(rmdir),
        mknod: Some(mknod),
        rename: Some(rename),
        tmpfile: Some(tmpfile),
        // chmod, chown, utimes of a directory: as for files.
        setattr: Some(file_ops::setattr),
        getattr: Some(inode::getattr),
        listxattr: Some(xattr::listxattr),
        // SAFETY: All-zero is a valid `inode_operations`: no callback.
        ..unsafe { vfs::zeroed() }
    });

/// Makes a node of any type (`mode` has the type bits) named by the negative
/// `dentry` in `dir`: the one place every create-type operation goes through.
/// Returns the new inode's number.
fn make_node(
    dir: &Inode,
    dentry: &Dentry,
    mode: bindings::umode_t,
    dev: bindings::dev_t,
) -> Result<c_ulong> {
    let inode = inode::new_inode(dir.super_block(), Some(dir), mode, dev)?;
    // On error, dropping `inode` releases it (`iput()`).
    inode::init_security(&inode, dir, dentry)?;
    let ino = inode.ino();
    dentry.instantiate_pinned(inode);
    dir.touch_mtime_ctime();
    Ok(ino)
}

/// `mkdir()`: a directory. Its ".." entry is one more link to the parent.
fn make_dir(dir: &Inode, dentry: &Dentry, mode: bindings::umode_t) -> Result<c_ulong> {
    let ino = make_node(dir, dentry, mode | inode::S_IFDIR, 0)?;
    dir.inc_nlink();
    Ok(ino)
}

/// `symlink()`: a symbolic link whose target is kept in its page cache.
fn make_symlink(dir: &Inode, dentry: &Dentry, target: &CStr) -> Result<c_ulong> {
    let mode = inode::S_IFLNK | bindings::S_IRWXUGO as bindings::umode_t;
    let inode = inode::new_inode(dir.super_block(), Some(dir), mode, 0)?;
    inode::init_security(&inode, dir, dentry)?;
    vfs::page_symlink(&inode, target)?;
    let ino = inode.ino();
    dentry.instantiate_pinned(inode);
    dir.touch_mtime_ctime();
    Ok(ino)
}

/// `open(O_TMPFILE)`: a regular file with no name, bound to the open file.
fn make_tmpfile(dir: &Inode, file: &File, mode: bindings::umode_t) -> Result<c_ulong> {
    let inode = inode::new_inode(dir.super_block(), Some(dir), mode, 0)?;
    inode::init_security(&inode, dir, file.dentry())?;
    let ino = inode.ino();
    file.instantiate_tmpfile(inode);
    file.finish_open()?;
    Ok(ino)
}

/// A create-type callback's C return value.
fn errno(result: &Result<c_ulong>) -> c_int {
    match result {
        Ok(_) => 0,
        Err(e) => e.to_errno(),
    }
}

/// # Safety
///
/// Called by the VFS as `inode_operations::lookup` when a name is not in the
/// dentry cache: `dir` is a live directory of ours, locked (at least shared),
/// and `dentry` a live, new dentry in it.
unsafe extern "C" fn lookup(
    dir: *mut bindings::inode,
    dentry: *mut bindings::dentry,
    flags: c_uint,
) -> *mut bindings::dentry {
    // Every existing name is pinned in the dcache, so a name not found there
    // does not exist: libfs caches it as negative (or refuses a name longer
    // than NAME_MAX with ENAMETOOLONG).
    // SAFETY: The arguments are the VFS's own, passed on unchanged.
    let found = unsafe { bindings::simple_lookup(dir, dentry, flags) };
    // SAFETY: The VFS passes live objects, held for the call (see above).
    let (dir, name) = unsafe { (Inode::from_raw(dir), Dentry::from_raw(dentry).name()) };
    trace!(
        dir.super_block(),
        "lookup(dir {}, \"{}\") = {}",
        dir.ino(),
        name,
        Lookup(found)
    );
    found
}

/// Shows what `simple_lookup()` returned: a negative dentry or an error.
struct Lookup(*mut bindings::dentry);

impl core::fmt::Display for Lookup {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match from_err_ptr(self.0) {
            Ok(_) => f.write_str("negative"),
            Err(e) => write!(f, "{}", Ret(e.to_errno())),
        }
    }
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
    let result = make_node(dir, dentry, mode | inode::S_IFREG, 0);
    trace!(
        dir.super_block(),
        "create(dir {}, \"{}\", {:04o}) = {}",
        dir.ino(),
        dentry.name(),
        u32::from(mode) & bindings::S_IALLUGO,
        NewIno(&result)
    );
    errno(&result)
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
    let result = make_node(dir, dentry, mode, dev);
    trace!(
        dir.super_block(),
        "mknod(dir {}, \"{}\", {:06o}, dev {:#x}) = {}",
        dir.ino(),
        dentry.name(),
        mode,
        dev,
        NewIno(&result)
    );
    errno(&result)
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
    let result = make_dir(dir, dentry, mode);
    trace!(
        dir.super_block(),
        "mkdir(dir {}, \"{}\", {:04o}) = {}",
        dir.ino(),
        dentry.name(),
        u32::from(mode) & bindings::S_IALLUGO,
        NewIno(&result)
    );
    errno(&result)
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
    let result = make_symlink(dir, dentry, target);
    trace!(
        dir.super_block(),
        "symlink(dir {}, \"{}\" -> \"{}\") = {}",
        dir.ino(),
        dentry.name(),
        target,
        NewIno(&result)
    );
    errno(&result)
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
    let result = make_tmpfile(dir, file, mode);
    trace!(
        dir.super_block(),
        "tmpfile(dir {}, {:04o}) = {}",
        dir.ino(),
        u32::from(mode) & bindings::S_IALLUGO,
        NewIno(&result)
    );
    errno(&result)
}

/// # Safety
///
/// Called by the VFS as `inode_operations::link`: `old` is a live, positive
/// dentry of ours (not a directory), `dir` a live directory of ours, locked,
/// and `new` a live negative dentry in it.
unsafe extern "C" fn link(
    old: *mut bindings::dentry,
    dir: *mut bindings::inode,
    new: *mut bindings::dentry,
) -> c_int {
    // SAFETY: The VFS passes live objects, held for the call (see above).
    let (old_dentry, dir_inode, new_dentry) = unsafe {
        (
            Dentry::from_raw(old),
            Inode::from_raw(dir),
            Dentry::from_raw(new),
        )
    };
    let space = &dir_inode.super_block().info().space;
    // Each further name of a file pins a dentry of its own: it costs an inode
    // against `nr_inodes=`, as on tmpfs. (Linking an `O_TMPFILE` file, which
    // has no name yet, gives it its first.)
    let further = old_dentry.inode().is_some_and(|inode| inode.nlink() > 0);
    let ret = match further.then(|| space.charge_inode()) {
        Some(Err(e)) => e.to_errno(),
        // SAFETY: The arguments are the VFS's own, passed on unchanged.
        // libfs adds a link to the inode and pins the new dentry, as
        // `make_node` does.
        _ => unsafe { bindings::simple_link(old, dir, new) },
    };
    if further && ret != 0 {
        space.uncharge_inode();
    }
    trace!(
        dir_inode.super_block(),
        "link(ino {}, dir {}, \"{}\") = {}",
        old_dentry.inode().map_or(0, |inode| inode.ino()),
        dir_inode.ino(),
        new_dentry.name(),
        Ret(ret)
    );
    ret
}

/// Whether removing the name `dentry` leaves its inode with other names:
/// then the name's charge against `nr_inodes=` (see [`link`]) goes back
/// with it, and the inode's own charge when the inode goes.
fn has_other_names(dentry: &Dentry) -> bool {
    dentry
        .inode()
        .is_some_and(|inode| !inode.is_dir() && inode.nlink() > 1)
}

/// # Safety
///
/// Called by the VFS as `inode_operations::unlink` or `rmdir`: `dir` is a live
/// directory of ours, locked, and `dentry` a live, positive dentry in it.
unsafe extern "C" fn unlink(dir: *mut bindings::inode, dentry: *mut bindings::dentry) -> c_int {
    // SAFETY: The VFS passes live objects, held for the call (see above).
    let (dir_inode, name) = unsafe { (Inode::from_raw(dir), Dentry::from_raw(dentry)) };
    // The VFS holds the inode's lock too: its link count is stable.
    let other_names = has_other_names(name);
    // SAFETY: The arguments are the VFS's own, passed on unchanged. libfs
    // drops a link and the reference that pinned the dentry.
    let ret = unsafe { bindings::simple_unlink(dir, dentry) };
    if ret == 0 && other_names {
        dir_inode.super_block().info().space.uncharge_inode();
    }
    trace!(
        dir_inode.super_block(),
        "unlink(dir {}, \"{}\") = {}",
        dir_inode.ino(),
        name.name(),
        Ret(ret)
    );
    ret
}

/// # Safety
///
/// Called by the VFS as `inode_operations::rmdir`: `dir` is a live directory
/// of ours, locked, and `dentry` a live dentry of a directory in it, also
/// locked.
unsafe extern "C" fn rmdir(dir: *mut bindings::inode, dentry: *mut bindings::dentry) -> c_int {
    // SAFETY: The arguments are the VFS's own, passed on unchanged. libfs
    // refuses a non-empty directory (ENOTEMPTY) by asking the dcache, then
    // unlinks it and drops the parent's link from its "..".
    let ret = unsafe { bindings::simple_rmdir(dir, dentry) };
    // SAFETY: The VFS passes live objects, held for the call (see above).
    let (dir, dentry) = unsafe { (Inode::from_raw(dir), Dentry::from_raw(dentry)) };
    trace!(
        dir.super_block(),
        "rmdir(dir {}, \"{}\") = {}",
        dir.ino(),
        dentry.name(),
        Ret(ret)
    );
    ret
}

/// # Safety
///
/// Called by the VFS as `inode_operations::rename`: both directories are live
/// directories of ours, locked, `old` a live positive dentry in `old_dir` and
/// `new` a live dentry in `new_dir`.
unsafe extern "C" fn rename(
    idmap: *mut bindings::mnt_idmap,
    old_dir: *mut bindings::inode,
    old: *mut bindings::dentry,
    new_dir: *mut bindings::inode,
    new: *mut bindings::dentry,
    flags: c_uint,
) -> c_int {
    // SAFETY: The VFS passes live objects, held for the call (see above).
    let sb = unsafe { Inode::from_raw(old_dir) }.super_block();
    // The rename changes the dentries' names, so note them first (only when
    // tracing: this allocates).
    let call = if sb.info().trace.enabled() {
        // SAFETY: As above.
        let (old_dir, old, new_dir, new) = unsafe {
            (
                Inode::from_raw(old_dir),
                Dentry::from_raw(old),
                Inode::from_raw(new_dir),
                Dentry::from_raw(new),
            )
        };
        CString::try_from_fmt(fmt!(
            "rename(dir {}, \"{}\", dir {}, \"{}\", flags {:#x})",
            old_dir.ino(),
            old.name(),
            new_dir.ino(),
            new.name(),
            flags
        ))
        .ok()
    } else {
        None
    };
    // SAFETY: As above.
    let new_dentry = unsafe { Dentry::from_raw(new) };
    // A rename onto an existing name unlinks that name's inode (not with
    // RENAME_EXCHANGE); the VFS holds that inode's lock.
    let victim_has_other_names =
        flags & bindings::RENAME_EXCHANGE == 0 && has_other_names(new_dentry);
    let ret = if flags & bindings::RENAME_WHITEOUT != 0 {
        // SAFETY: As above.
        let (dir, old_dentry) = unsafe { (Inode::from_raw(old_dir), Dentry::from_raw(old)) };
        // SAFETY: As above; `simple_empty()` reads the dcache under its locks.
        match unsafe { bindings::simple_empty(new) } {
            0 => vfs::errno(bindings::ENOTEMPTY).to_errno(),
            _ => match make_whiteout(dir, old_dentry) {
                // SAFETY: As below, without the flag libfs does not know.
                Ok(()) => unsafe {
                    bindings::simple_rename(
                        idmap,
                        old_dir,
                        old,
                        new_dir,
                        new,
                        flags & !bindings::RENAME_WHITEOUT,
                    )
                },
                Err(e) => e.to_errno(),
            },
        }
    } else {
        // SAFETY: The arguments are the VFS's own, passed on unchanged. libfs
        // moves the dentries and fixes link counts and times; it handles
        // RENAME_NOREPLACE and RENAME_EXCHANGE.
        unsafe { bindings::simple_rename(idmap, old_dir, old, new_dir, new, flags) }
    };
    if ret == 0 && victim_has_other_names {
        sb.info().space.uncharge_inode();
    }
    if let Some(call) = call {
        trace!(sb, "{} = {}", &*call, Ret(ret));
    }
    ret
}

/// For `rename(RENAME_WHITEOUT)`, which overlayfs uses to delete a name of its
/// lower layer: puts a *whiteout* (a character device 0/0, which overlayfs
/// reads as "deleted") under the old name of `old`, which is about to move.
/// As tmpfs does (`shmem_whiteout()`), it is hashed while `old` is still in
/// place; a lookup finds either, and after the move only the whiteout.
fn make_whiteout(dir: &Inode, old: &Dentry) -> Result {
    let old = old.as_ptr();
    // SAFETY: `old` is live and its parent, `dir`, locked: its parent and name
    // are stable. `d_alloc()` copies the name into a new, unhashed dentry.
    let whiteout = unsafe { bindings::d_alloc((*old).d_parent, ptr::addr_of!((*old).d_name)) };
    if whiteout.is_null() {
        return Err(ENOMEM);
    }
    let mode = (bindings::S_IFCHR | bindings::WHITEOUT_MODE) as bindings::umode_t;
    // SAFETY: `whiteout` is live (we hold its only reference) and negative.
    let made = make_node(
        dir,
        unsafe { Dentry::from_raw(whiteout) },
        mode,
        bindings::WHITEOUT_DEV,
    );
    // SAFETY: Drops the reference `d_alloc()` gave; on success `make_node`
    // pinned the dentry with one of its own, so it stays.
    unsafe { bindings::dput(whiteout) };
    made?;
    // SAFETY: The pinned dentry is live; the parent is locked.
    unsafe { bindings::d_rehash(whiteout) };
    Ok(())
}
