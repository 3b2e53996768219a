// SPDX-License-Identifier: GPL-2.0

//! Directory inode operations: how names are created, looked up and removed.
//!
//! When a system call needs a name in a directory of ours (`open(O_CREAT)`,
//! `mkdir`, `link`, `unlink`, `rename`...), the VFS first looks in the dentry
//! cache. For a RAM filesystem that cache *is* the directory: every existing
//! name has a pinned dentry there, so a miss means "no such entry". The VFS
//! then calls the operation with the directory's inode locked (`i_rwsem`),
//! and the operation changes the cache.
//!
//! Creating (create, mkdir, mknod, symlink, tmpfile) is ours: make an inode
//! (`inode.rs`), bind it to the dentry and pin it. Looking up, linking,
//! removing and renaming are the kernel's generic `simple_*` helpers from
//! `fs/libfs.c`, exactly as the C ramfs uses them (the VFS layer offers each
//! on the request it applies to): they work on any filesystem whose
//! directories live in the dcache. Around them, ours keeps the `nr_inodes=`
//! count of names and logs the call (`trace.rs`).

#![forbid(unsafe_code)]

use crate::{
    inode,
    trace::{note, trace, NewIno, Ret},
    vfs::{
        bindings, errno, DirOperations, Inode, InodeView, LinkRequest, LockedDentry, LockedInode,
        LookupRequest, NegativeDentry, RenameRequest, TmpFile, UnlinkRequest,
    },
    RamFs,
};
use kernel::{
    ffi::c_ulong,
    prelude::*,
    str::{CStr, CString},
};

/// Makes a node of any type (`mode` has the type bits) named by the negative
/// `dentry` in `dir`: the one place every named create-type operation goes
/// through. A symlink's `target` is written into its page cache before it is
/// named. Returns the new inode's number.
#[inline]
fn make_node(
    dir: &LockedInode<RamFs>,
    dentry: NegativeDentry<'_, RamFs>,
    mode: bindings::umode_t,
    dev: bindings::dev_t,
    target: Option<&CStr>,
) -> Result<c_ulong> {
    let mut inode = inode::new_inode(dir.super_block(), Some(dir), dentry.idmap(), mode, dev)?;
    // On error, dropping `inode` discards it.
    inode.init_security(dir, dentry.qstr())?;
    if let Some(target) = target {
        inode.page_symlink(target)?;
    }
    let ino = inode.ino();
    dentry.instantiate_pinned(inode)?;
    dir.touch_mtime_ctime();
    Ok(ino)
}

/// A create-type operation's result, logged when the mount traces: `call`
/// is the call up to its result (see [`note`]).
#[inline]
fn traced(dir: &Inode<RamFs>, call: Option<CString>, result: Result<c_ulong>) -> Result {
    if let Some(call) = call {
        trace!(dir.super_block(), "{} = {}", &*call, NewIno(&result));
    }
    result.map(|_| ())
}

/// The permission bits of a mode, as the trace shows them.
fn perms(mode: bindings::umode_t) -> u32 {
    u32::from(mode) & bindings::S_IALLUGO
}

/// Whether removing the name `dentry` leaves its inode with other names:
/// then the name's charge against `nr_inodes=` (see `link`) goes back with
/// it, and the inode's own charge when the inode goes.
fn has_other_names(dentry: &LockedDentry<'_, RamFs>) -> bool {
    dentry
        .inode()
        .is_some_and(|inode| !inode.is_dir() && inode.nlink() > 1)
}

/// The directory operations of rust_ramfs.
#[vtable]
impl DirOperations for RamFs {
    #[inline]
    fn lookup(request: LookupRequest<'_, Self>) -> Result {
        let dir = request.dir();
        let call = note!(
            dir.super_block(),
            "lookup(dir {}, \"{}\")",
            dir.ino(),
            request.name()
        );
        // Every existing name is pinned in the dcache, so a name not found
        // there does not exist: libfs caches it as negative.
        let result = request.simple();
        if let Some(call) = call {
            trace!(dir.super_block(), "{} = {}", &*call, Lookup(&result));
        }
        result
    }

    #[inline]
    fn create(
        dir: &LockedInode<Self>,
        dentry: NegativeDentry<'_, Self>,
        mode: bindings::umode_t,
    ) -> Result {
        let call = note!(
            dir.super_block(),
            "create(dir {}, \"{}\", {:04o})",
            dir.ino(),
            dentry.name(),
            perms(mode)
        );
        traced(
            dir,
            call,
            make_node(dir, dentry, mode | inode::S_IFREG, 0, None),
        )
    }

    #[inline]
    fn mknod(
        dir: &LockedInode<Self>,
        dentry: NegativeDentry<'_, Self>,
        mode: bindings::umode_t,
        dev: bindings::dev_t,
    ) -> Result {
        let call = note!(
            dir.super_block(),
            "mknod(dir {}, \"{}\", {:06o}, dev {:#x})",
            dir.ino(),
            dentry.name(),
            mode,
            dev
        );
        traced(dir, call, make_node(dir, dentry, mode, dev, None))
    }

    /// A directory. Its ".." entry is one more link to the parent.
    #[inline]
    fn mkdir(
        dir: &LockedInode<Self>,
        dentry: NegativeDentry<'_, Self>,
        mode: bindings::umode_t,
    ) -> Result {
        let call = note!(
            dir.super_block(),
            "mkdir(dir {}, \"{}\", {:04o})",
            dir.ino(),
            dentry.name(),
            perms(mode)
        );
        let result = make_node(dir, dentry, mode | inode::S_IFDIR, 0, None);
        if result.is_ok() {
            dir.inc_nlink();
        }
        traced(dir, call, result)
    }

    /// A symbolic link whose target is kept in its page cache.
    fn symlink(dir: &LockedInode<Self>, dentry: NegativeDentry<'_, Self>, target: &CStr) -> Result {
        let call = note!(
            dir.super_block(),
            "symlink(dir {}, \"{}\" -> \"{}\")",
            dir.ino(),
            dentry.name(),
            target
        );
        let mode = inode::S_IFLNK | bindings::S_IRWXUGO as bindings::umode_t;
        traced(dir, call, make_node(dir, dentry, mode, 0, Some(target)))
    }

    /// A regular file with no name, bound to the open file.
    fn tmpfile(dir: &Inode<Self>, file: TmpFile<'_, Self>, mode: bindings::umode_t) -> Result {
        let call = note!(
            dir.super_block(),
            "tmpfile(dir {}, {:04o})",
            dir.ino(),
            perms(mode)
        );
        let result = (|| {
            let mut inode = inode::new_inode(dir.super_block(), Some(dir), file.idmap(), mode, 0)?;
            inode.init_security(dir, file.qstr())?;
            let ino = inode.ino();
            file.open(inode)?;
            Ok(ino)
        })();
        traced(dir, call, result)
    }

    fn link(request: LinkRequest<'_, Self>) -> Result {
        let dir = request.dir();
        let space = &dir.super_block().data().space;
        let ino = request.inode().map_or(0, |inode| inode.ino());
        let sb = dir.super_block();
        let call = note!(
            sb,
            "link(ino {}, dir {}, \"{}\")",
            ino,
            dir.ino(),
            request.name()
        );
        // Each further name of a file pins a dentry of its own: it costs an
        // inode against `nr_inodes=`, as on tmpfs. (Linking an `O_TMPFILE`
        // file, which has no name yet, gives it its first.)
        let further = request.inode().is_some_and(|inode| inode.nlink() > 0);
        if further {
            space.charge_inode()?;
        }
        // libfs adds a link to the inode and pins the new dentry, as
        // `make_node` does.
        let result = request.simple();
        if further && result.is_err() {
            space.uncharge_inode();
        }
        if let Some(call) = call {
            trace!(sb, "{} = {}", &*call, Ret::of(&result));
        }
        result
    }

    fn unlink(request: UnlinkRequest<'_, Self>) -> Result {
        remove(request, "unlink")
    }

    fn rmdir(request: UnlinkRequest<'_, Self>) -> Result {
        remove(request, "rmdir")
    }

    fn rename(request: RenameRequest<'_, Self>) -> Result {
        let sb = request.old_dir().super_block();
        let flags = request.flags();
        // The rename changes the dentries' names, so note them first (only
        // when tracing: this allocates).
        let call = note!(
            sb,
            "rename(dir {}, \"{}\", dir {}, \"{}\", flags {:#x})",
            request.old_dir().ino(),
            request.old().name(),
            request.new_dir().ino(),
            request.target().name(),
            flags
        );
        // A rename onto an existing name unlinks that name's inode (not with
        // RENAME_EXCHANGE); the VFS holds that inode's lock.
        let victim_has_other_names =
            flags & bindings::RENAME_EXCHANGE == 0 && has_other_names(&request.target());
        let result = if flags & bindings::RENAME_WHITEOUT != 0 {
            // For overlayfs, which deletes a name of its lower layer so: a
            // *whiteout* (a character device 0/0, which overlayfs reads as
            // "deleted") under the old name, as tmpfs does.
            if !request.target_is_empty() {
                Err(errno(bindings::ENOTEMPTY))
            } else {
                let mode = (bindings::S_IFCHR | bindings::WHITEOUT_MODE) as bindings::umode_t;
                request
                    .add_under_old_name(|dir, dentry| {
                        make_node(dir, dentry, mode, bindings::WHITEOUT_DEV, None).map(|_| ())
                    })
                    .and_then(|()| request.simple(flags & !bindings::RENAME_WHITEOUT))
            }
        } else {
            // libfs moves the dentries and fixes link counts and times; it
            // handles RENAME_NOREPLACE and RENAME_EXCHANGE.
            request.simple(flags)
        };
        if result.is_ok() && victim_has_other_names {
            sb.data().space.uncharge_inode();
        }
        if let Some(call) = call {
            trace!(sb, "{} = {}", &*call, Ret::of(&result));
        }
        result
    }
}

/// `unlink()` or `rmdir()` (`what`): libfs drops the link and the
/// reference that pinned the dentry; a name that was not the inode's last
/// gives back its `nr_inodes=` charge.
fn remove(request: UnlinkRequest<'_, RamFs>, what: &str) -> Result {
    let dir = request.dir();
    let sb = dir.super_block();
    // The VFS holds the inode's lock too: its link count is stable.
    let other_names = has_other_names(&request.entry());
    let call = note!(
        sb,
        "{}(dir {}, \"{}\")",
        what,
        dir.ino(),
        request.entry().name()
    );
    let result = request.simple();
    if result.is_ok() && other_names {
        sb.data().space.uncharge_inode();
    }
    if let Some(call) = call {
        trace!(sb, "{} = {}", &*call, Ret::of(&result));
    }
    result
}

/// Shows what a lookup did: a negative dentry or an error.
struct Lookup<'a>(&'a Result);

impl core::fmt::Display for Lookup<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.0 {
            Ok(()) => f.write_str("negative"),
            Err(e) => write!(f, "{}", Ret(e.to_errno())),
        }
    }
}
