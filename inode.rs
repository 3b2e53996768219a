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
//! in the page cache through the kernel's `ram_aops`, which keeps pages in
//! memory and never writes them anywhere.

use crate::{
    bindings, dir_ops, file_ops,
    vfs::{self, Dentry, Inode, SuperBlock},
};
use core::ptr::{self, NonNull};
use kernel::{prelude::*, types::ARef};

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
    // SAFETY: `sb` is a live super block.
    let inode = NonNull::new(unsafe { bindings::new_inode(sb.as_ptr()) }).ok_or(ENOSPC)?;
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
        (*mapping).a_ops = ptr::addr_of!(bindings::ram_aops);
        // `mapping_set_gfp_mask()`: page-cache pages may come from high memory.
        (*mapping).gfp_mask = bindings::GFP_HIGHUSER;
        vfs::mapping_set_unevictable(mapping);
        bindings::simple_inode_init_ts(raw);

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
                (*raw).i_op = ptr::addr_of!(bindings::page_symlink_inode_operations);
                bindings::inode_nohighmem(raw);
            }
            // FIFOs, sockets, character and block devices: the VFS routes
            // their opens to the pipe, socket or device code.
            _ => bindings::init_special_inode(raw, mode, dev),
        }
    }
    Ok(inode)
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
