// SPDX-License-Identifier: GPL-2.0

//! Super blocks: one mounted instance of a filesystem.

use super::{bindings, dentry, inode::Inode, FileSystem};
use core::{fmt, marker::PhantomData};
use kernel::{
    c_str,
    ffi::{c_int, c_void},
    types::Opaque,
};

/// A mounted instance of filesystem `T`.
///
/// # Invariants
///
/// The super block is live and was filled by `T`'s `fill_super`:
/// `s_fs_info` points to a `T::Data`, which lives until `kill_sb`, after the
/// last callback on the super block. A `&SuperBlock<T>` is only made once
/// `s_fs_info` is set.
#[repr(transparent)]
pub(crate) struct SuperBlock<T>(Opaque<bindings::super_block>, PhantomData<T>);

impl<T: FileSystem> SuperBlock<T> {
    /// Views a C super block of `T`.
    ///
    /// # Safety
    ///
    /// `ptr` must point to a live super block of `T` whose `s_fs_info` is
    /// `T`'s data, both alive for `'a`.
    pub(super) unsafe fn from_raw<'a>(ptr: *mut bindings::super_block) -> &'a Self {
        // SAFETY: `SuperBlock` is `repr(transparent)` over `Opaque<super_block>`;
        // the caller guarantees the invariants for `'a`.
        unsafe { &*ptr.cast() }
    }

    /// The C pointer, to hand to the kernel.
    pub(super) fn as_ptr(&self) -> *mut bindings::super_block {
        self.0.get()
    }

    /// This mount's data (`s_fs_info`).
    pub(crate) fn data(&self) -> &T::Data {
        // SAFETY: By the invariant, `s_fs_info` is `T`'s data, valid for as
        // long as `self` is.
        unsafe { &*(*self.as_ptr()).s_fs_info.cast::<T::Data>() }
    }

    /// The root directory's inode.
    pub(crate) fn root_inode(&self) -> Option<&Inode<T>> {
        // SAFETY: `s_root` is set by `fill_super` and stays until the super
        // block goes; a `SuperBlock` is only seen while the mount is live.
        let root = unsafe { (*self.as_ptr()).s_root };
        if root.is_null() {
            return None;
        }
        // SAFETY: The root dentry is live and positive for as long as the
        // super block is mounted (see above); it holds its inode.
        unsafe { dentry::inode_of(root) }
    }
}

/// What `statfs()` reports, in blocks (pages) and inodes; libfs fills in
/// the rest (type, block size, name length).
pub(crate) struct Statfs {
    /// Total blocks.
    pub(crate) blocks: u64,
    /// Free blocks.
    pub(crate) blocks_free: u64,
    /// Free blocks an unprivileged user may use.
    pub(crate) blocks_available: u64,
    /// Total inodes.
    pub(crate) files: u64,
    /// Free inodes.
    pub(crate) files_free: u64,
}

/// # Safety
///
/// Called by the VFS as `super_operations::statfs` (`statfs()`, `df`) with a
/// live dentry of a super block of `T` and a `kstatfs` to fill, both held for
/// the call.
pub(super) unsafe extern "C" fn statfs<T: FileSystem>(
    dentry: *mut bindings::dentry,
    buf: *mut kernel::bindings::kstatfs,
) -> c_int {
    // SAFETY: The arguments are the VFS's own: libfs fills in the type,
    // block size and name length.
    let ret = unsafe { bindings::simple_statfs(dentry, buf) };
    if ret != 0 {
        return ret;
    }
    // SAFETY: The dentry and its super block, filled by `T`, are live (see above).
    let counts = match T::statfs(unsafe { SuperBlock::from_raw((*dentry).d_sb) }) {
        Ok(counts) => counts,
        Err(e) => return e.to_errno(),
    };
    // SAFETY: `buf` is a live `struct kstatfs`, ours to fill during the call;
    // `kernel::bindings` declares it opaque, this layer's bindings in full.
    unsafe {
        let buf = &mut *buf.cast::<bindings::kstatfs>();
        buf.f_blocks = counts.blocks;
        buf.f_bfree = counts.blocks_free;
        buf.f_bavail = counts.blocks_available;
        buf.f_files = counts.files;
        buf.f_ffree = counts.files_free;
    }
    0
}

/// A `seq_file` being written: the text of `/proc/mounts` for
/// `show_options`.
///
/// # Invariants
///
/// The `seq_file` is live and this callback's to write, for the lifetime of
/// the reference.
#[repr(transparent)]
pub(crate) struct SeqFile(Opaque<bindings::seq_file>);

impl SeqFile {
    /// Appends formatted text (`seq_printf()`).
    pub(crate) fn print(&self, args: fmt::Arguments<'_>) {
        // SAFETY: The file is live and ours to write (invariant). `%pA` is
        // the kernel's format for a Rust `fmt::Arguments`, which it formats
        // with `rust_fmt_argument()`, as `pr_info!` does.
        unsafe { bindings::seq_printf(self.0.get(), c_str!("%pA").as_char_ptr(), ptr_of(&args)) };
    }
}

/// The address of `args`, as `%pA` takes it.
fn ptr_of(args: &fmt::Arguments<'_>) -> *const c_void {
    (args as *const fmt::Arguments<'_>).cast()
}

/// # Safety
///
/// Called by the VFS as `super_operations::show_options` (for
/// `/proc/mounts`) with a live seq_file and the live root of a mount of `T`.
pub(super) unsafe extern "C" fn show_options<T: FileSystem>(
    m: *mut bindings::seq_file,
    root: *mut bindings::dentry,
) -> c_int {
    // SAFETY: `root` and its super block, filled by `T`, are live, and `m`
    // is ours to write (see above); `SeqFile` is transparent over `seq_file`.
    let (sb, m) = unsafe {
        (
            SuperBlock::<T>::from_raw((*root).d_sb),
            &*m.cast::<SeqFile>(),
        )
    };
    super::to_c(T::show_options(sb, m))
}
