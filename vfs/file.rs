// SPDX-License-Identifier: GPL-2.0

//! Regular files whose data lives in the page cache: their file operations,
//! the page-fault operations of their mappings, and the address space
//! operations of their page cache.
//!
//! The kernel's generic page-cache code moves data between user memory and
//! the page cache (`generic_file_write_iter`, `filemap_fault`, the splice
//! helpers), asking the address space operations (`ram_aops`) for new
//! pages. So the tables are the generic ones, as in the C ramfs, with the
//! filesystem's [`FileOperations`] in the slots it implements: `read_iter`,
//! `fault` (wrapping `filemap_fault`), `write_begin` (wrapping libfs's).

use super::{
    bindings,
    inode::{FolioBatch, Inode, InodeView, LockedInode},
    table, zeroed, FileSystem,
};
use core::{
    ffi::c_void,
    marker::PhantomData,
    ptr::{self, NonNull},
    sync::atomic::{AtomicI64, Ordering},
};
use kernel::{
    error::to_result,
    ffi::{c_int, c_uint, c_ulong},
    prelude::*,
};

/// File operations of filesystem `T`'s regular files.
#[vtable]
pub(crate) trait FileOperations: Sized {
    /// `read()`, `pread()`, `readv()`, and through them `splice()`,
    /// `sendfile()`, `copy_file_range()`: returns the bytes read, 0 at the
    /// end of the file. Without it, the generic `filemap_read()`.
    fn read_iter(_request: &mut ReadRequest<'_, Self>) -> Result<usize> {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }

    /// A page fault in a mapping of the file; call
    /// [`PageFault::filemap_fault`] for the generic one.
    fn fault(_fault: PageFault<'_, Self>) -> VmFault {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }

    /// A write (or splice, or symlink) is about to add to a page of the
    /// file; call [`WriteBegin::simple`] for libfs's preparation.
    fn write_begin(_request: WriteBegin<'_, Self>) -> Result {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }

    /// `lseek(SEEK_DATA)` (`hole` false) or `lseek(SEEK_HOLE)` (`hole`
    /// true) from `offset`: the offset of the first data or hole at or
    /// after it. The inode is locked, so its size and pages stay put (but
    /// for page faults, which only add pages). Other seeks are the generic
    /// ones. Without it, the generic `SEEK_DATA`/`SEEK_HOLE`: all data.
    fn seek_hole_data(_inode: &LockedInode<Self>, _offset: i64, _hole: bool) -> Result<i64> {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }

    /// `fallocate()`, after the VFS's checks (an open for writing, a
    /// regular file, `offset` at least 0, `len` above 0, their sum within
    /// the filesystem's largest size, `PUNCH_HOLE` only with `KEEP_SIZE`).
    /// Without it, EOPNOTSUPP.
    fn fallocate(_request: FallocateRequest<'_, Self>) -> Result {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }
}

/// The file operations of `T`'s regular files.
struct Tables<T>(PhantomData<T>);

impl<T: FileSystem> Tables<T> {
    const FILE: bindings::file_operations = bindings::file_operations {
        read_iter: if T::HAS_READ_ITER {
            Some(read_iter::<T>)
        } else {
            Some(bindings::generic_file_read_iter)
        },
        write_iter: Some(bindings::generic_file_write_iter),
        mmap: Some(mmap::<T>),
        // Data is in memory already: there is nothing to flush.
        fsync: Some(bindings::noop_fsync),
        // With a `read_iter` of its own, splicing goes through it, into
        // pages of the pipe's own (`filemap_splice_read()` reads the page
        // cache directly, adding pages).
        splice_read: if T::HAS_READ_ITER {
            Some(bindings::copy_splice_read)
        } else {
            Some(bindings::filemap_splice_read)
        },
        splice_write: Some(bindings::iter_file_splice_write),
        fallocate: if T::HAS_FALLOCATE {
            Some(fallocate::<T>)
        } else {
            None
        },
        llseek: if T::HAS_SEEK_HOLE_DATA {
            Some(llseek::<T>)
        } else {
            Some(bindings::generic_file_llseek)
        },
        // No `get_unmapped_area`: the VFS then places the mapping with
        // `mm_get_unmapped_area(current->mm, ...)`, which is all the C ramfs's
        // hook does.
        // SAFETY: All-zero is a valid `file_operations`: no callback, no owner
        // (an open file pins the super block, which pins the module).
        ..unsafe { zeroed() }
    };

    /// How the page-fault code reaches a mapped file: the kernel's
    /// `generic_file_vm_ops` (which is not exported), with `T`'s `fault`.
    const VM: bindings::vm_operations_struct = bindings::vm_operations_struct {
        fault: if T::HAS_FAULT {
            Some(fault::<T>)
        } else {
            Some(bindings::filemap_fault)
        },
        map_pages: Some(bindings::filemap_map_pages),
        page_mkwrite: Some(bindings::filemap_page_mkwrite),
        // SAFETY: All-zero is a valid `vm_operations_struct`: no callback.
        ..unsafe { zeroed() }
    };
}

/// The file operations of `T`'s regular files.
pub(super) fn operations<T: FileSystem>() -> &'static bindings::file_operations {
    &Tables::<T>::FILE
}

/// The inode whose page cache holds an open file's data
/// (`file->f_mapping->host`).
///
/// # Safety
///
/// `file` must be a live open file of `T`, alive for `'a`.
unsafe fn data_inode<'a, T: FileSystem>(file: *mut bindings::file) -> &'a Inode<T> {
    // SAFETY: `f_mapping` is set at open and stays for the file's lifetime,
    // as does its host inode, which the open file holds a reference on.
    unsafe { Inode::from_raw((*(*file).f_mapping).host) }
}

/// # Safety
///
/// Called by the VFS as `file_operations::llseek` on an open file of `T`.
unsafe extern "C" fn llseek<T: FileSystem>(
    file: *mut bindings::file,
    offset: bindings::loff_t,
    whence: c_int,
) -> bindings::loff_t {
    let hole = match u32::try_from(whence) {
        Ok(bindings::SEEK_DATA) => false,
        Ok(bindings::SEEK_HOLE) => true,
        // SAFETY: `file` is live, as the VFS called us with it.
        _ => return unsafe { bindings::generic_file_llseek(file, offset, whence) },
    };
    // SAFETY: `file` is an open file of `T`, live for the call.
    let inode = unsafe { data_inode::<T>(file) };
    let raw = inode.raw();
    // SAFETY: The inode is live (the file holds it). `inode_lock()`: its
    // `i_rwsem` for writing, held until the `up_write()` below, for as long
    // as the `LockedInode` view lives.
    let ret = unsafe {
        bindings::down_write(ptr::addr_of_mut!((*raw).i_rwsem));
        let result = T::seek_hole_data(LockedInode::from_raw(raw), offset, hole);
        bindings::up_write(ptr::addr_of_mut!((*raw).i_rwsem));
        result
    };
    match ret {
        // SAFETY: `file` is live; `vfs_setpos()` checks the bound and sets
        // `f_pos` as `lseek()` does.
        Ok(pos) => unsafe { bindings::vfs_setpos(file, pos, bindings::MAX_LFS_FILESIZE) },
        Err(e) => e.to_errno().into(),
    }
}

/// # Safety
///
/// Called by the VFS as `file_operations::fallocate` (`vfs_fallocate()`,
/// which has checked the arguments) on an open file of `T`.
unsafe extern "C" fn fallocate<T: FileSystem>(
    file: *mut bindings::file,
    mode: c_int,
    offset: bindings::loff_t,
    len: bindings::loff_t,
) -> kernel::ffi::c_long {
    let Some(file) = NonNull::new(file) else {
        return EINVAL.to_errno() as kernel::ffi::c_long;
    };
    // SAFETY: `file` is an open file of `T`, live for the call.
    let inode = unsafe { data_inode::<T>(file.as_ptr()) };
    let raw = inode.raw();
    // The inode's `i_rwsem` (`inode_lock()`), then its mapping's
    // `invalidate_lock` (`filemap_invalidate_lock()`), in the VFS's order.
    // SAFETY: The inode and its mapping (its own `i_data`) are live; both
    // locks are held for writing as long as the request lives.
    let result = unsafe {
        let invalidate = ptr::addr_of_mut!((*(*raw).i_mapping).invalidate_lock);
        bindings::down_write(ptr::addr_of_mut!((*raw).i_rwsem));
        bindings::down_write(invalidate);
        // INVARIANT: Both locks are held for the request's life.
        let result = T::fallocate(FallocateRequest {
            file,
            inode: LockedInode::from_raw(raw),
            mode: mode as u32,
            offset,
            len,
        });
        bindings::up_write(invalidate);
        bindings::up_write(ptr::addr_of_mut!((*raw).i_rwsem));
        result
    };
    super::to_c(result) as kernel::ffi::c_long
}

/// A `fallocate()` call: the file, what to do (`mode`, `FALLOC_FL_*` bits)
/// and the range. The inode's `i_rwsem` and its mapping's
/// `invalidate_lock` are held for writing for the call, so no write,
/// truncate or page fault that adds a page to the file runs meanwhile.
///
/// # Invariants
///
/// `file` is a live open file of `T` whose data inode is `inode`; both locks
/// are held for writing for `'a`.
pub(crate) struct FallocateRequest<'a, T> {
    file: NonNull<bindings::file>,
    inode: &'a LockedInode<T>,
    mode: u32,
    offset: i64,
    len: i64,
}

impl<'a, T: FileSystem> FallocateRequest<'a, T> {
    /// The file's inode, locked.
    pub(crate) fn inode(&self) -> &'a LockedInode<T> {
        self.inode
    }

    /// The `FALLOC_FL_*` bits.
    pub(crate) fn mode(&self) -> u32 {
        self.mode
    }

    /// The range: its first byte (at least 0) and its length (above 0; the
    /// sum fits the filesystem's largest size).
    pub(crate) fn range(&self) -> (i64, i64) {
        (self.offset, self.len)
    }

    /// Whether the file may grow to `size` bytes: EFBIG past the caller's
    /// `RLIMIT_FSIZE` (which also sends it SIGXFSZ) or the filesystem's
    /// largest size (`inode_newsize_ok()`).
    pub(crate) fn check_size(&self, size: i64) -> Result {
        // SAFETY: The inode is live and locked (invariant).
        to_result(unsafe { bindings::inode_newsize_ok(self.inode.raw(), size) })
    }

    /// Adds page `index` to the page cache as a page with no data yet (not
    /// up to date: reads see zeroes, `SEEK_DATA` a hole, until it is
    /// written), unless the page cache holds it already. ENOMEM when no
    /// page can be had. The page is marked dirty, so that dropping the clean
    /// caches leaves it.
    pub(crate) fn add_blank_page(&self, index: u64) -> Result {
        let index = c_ulong::try_from(index).map_err(|_| EFBIG)?;
        // `__filemap_get_folio()` with `FGP_CREAT` returns the page there or
        // a new one, locked, with a reference, or an error pointer. Writes
        // and faults that would fill a new one are locked out (invariant).
        // SAFETY: The mapping is live; we own the reference we are given.
        unsafe {
            let mapping = (*self.inode.raw()).i_mapping;
            let folio = kernel::error::from_err_ptr(bindings::__filemap_get_folio(
                mapping,
                index,
                bindings::FGP_LOCK | bindings::FGP_CREAT,
                (*mapping).gfp_mask,
            ))?;
            // A folio just made is clean and not up to date; marking an up to
            // date one dirty again is harmless.
            bindings::folio_mark_dirty(folio);
            bindings::folio_unlock(folio);
            // The batch puts the reference (`folio_put()`).
            let mut batch = FolioBatch::new();
            batch.push(folio);
        }
        Ok(())
    }

    /// Removes pages `first` to `last` from the page cache, data and all
    /// (`truncate_inode_pages_range()`): undoes what [`Self::add_blank_page`]
    /// added when the request fails half-way. No mapping can hold a page
    /// with no data.
    pub(crate) fn remove_pages(&self, first: u64, last: u64) {
        let shift = bindings::PAGE_SHIFT;
        let start = i64::try_from(first << shift).unwrap_or(i64::MAX);
        let end = i64::try_from(((last + 1) << shift) - 1).unwrap_or(i64::MAX);
        // SAFETY: The mapping is live and locked against new pages (invariant).
        unsafe { bindings::truncate_inode_pages_range((*self.inode.raw()).i_mapping, start, end) };
    }

    /// Punches a hole from byte `start` to `end` (inclusive): its whole
    /// pages leave the page cache, unmapped from every mapping first
    /// (private copies stay), and the parts of pages at either end read as
    /// zeroes (`truncate_pagecache_range()`).
    pub(crate) fn punch_hole(&self, start: i64, end: i64) {
        // SAFETY: The inode is live and both locks are held (invariant), as
        // `truncate_pagecache_range()` requires.
        unsafe { bindings::truncate_pagecache_range(self.inode.raw(), start, end) };
    }

    /// Sets the file size to `size` when that is larger (`i_size_write()`).
    pub(crate) fn grow_size(&self, size: i64) {
        if size > self.inode.size() {
            // SAFETY: The inode is live and its `i_rwsem` held (invariant),
            // under which `i_size` changes; a release store, as
            // `i_size_write()` on 64-bit machines.
            unsafe { AtomicI64::from_ptr(ptr::addr_of_mut!((*self.inode.raw()).i_size)) }
                .store(size, Ordering::Release);
        }
    }

    /// The file was modified: its change and modification times are now,
    /// and a set-user-ID or set-group-ID bit is dropped as a write drops it
    /// (`file_modified()`).
    pub(crate) fn file_modified(&self) -> Result {
        // SAFETY: The file is live and its inode locked (invariant).
        to_result(unsafe { bindings::file_modified(self.file.as_ptr()) })
    }
}

/// A `read_iter` call: the request (`struct kiocb`: the file and position)
/// and where the bytes go (`struct iov_iter`). Reads advance the position
/// and consume the destination.
///
/// # Invariants
///
/// `iocb` is a live request on an open file of `T` and `to` a live
/// destination, both used by nobody else for `'a`.
pub(crate) struct ReadRequest<'a, T> {
    iocb: NonNull<bindings::kiocb>,
    to: NonNull<bindings::iov_iter>,
    _call: PhantomData<&'a mut T>,
}

impl<'a, T: FileSystem> ReadRequest<'a, T> {
    /// The inode whose page cache holds the file's data.
    pub(crate) fn inode(&self) -> &'a Inode<T> {
        // SAFETY: The request is live for `'a`, and so is its file
        // (invariant).
        unsafe { data_inode((*self.iocb.as_ptr()).ki_filp) }
    }

    /// The file position the next byte is read from.
    pub(crate) fn pos(&self) -> i64 {
        // SAFETY: The request is live and ours for the call (invariant).
        unsafe { (*self.iocb.as_ptr()).ki_pos }
    }

    /// Where the destination keeps its byte count (`iov_iter->count`).
    fn count(&self) -> *mut usize {
        let to = self.to.as_ptr();
        // SAFETY: The destination is live; `count` is in the anonymous struct
        // of its anonymous union, which bindgen represents by a marker field
        // at the union's address.
        unsafe { core::ptr::addr_of_mut!((*to).__bindgen_anon_1.__bindgen_anon_1.as_mut().count) }
    }

    /// How many bytes the destination still takes (`iov_iter_count()`).
    pub(crate) fn remaining(&self) -> usize {
        // SAFETY: The destination is live and ours for the call (invariant).
        unsafe { *self.count() }
    }

    /// Copies to the destination what the page cache holds from the position
    /// on (`filemap_read()` with `IOCB_NOIO`): stops at the first page the
    /// page cache lacks, or that is not up to date, without adding one.
    /// Returns the bytes copied, 0 at the end of the file, or an error:
    /// EAGAIN when nothing was copied because of such a page.
    pub(crate) fn read_cached(&mut self) -> Result<usize> {
        let iocb = self.iocb.as_ptr();
        let noio = bindings::IOCB_NOIO as c_int;
        // IOCB_NOIO makes `filemap_read()` return EAGAIN where it would
        // otherwise add a page; the caller's flag is restored after.
        // SAFETY: The request and destination are live and ours for the call
        // (invariant, `&mut self`); `filemap_read()` takes them as
        // `read_iter` does.
        let ret = unsafe {
            let flags = (*iocb).ki_flags;
            (*iocb).ki_flags = flags | noio;
            let ret = bindings::filemap_read(iocb, self.to.as_ptr(), 0);
            (*iocb).ki_flags = ((*iocb).ki_flags & !noio) | (flags & noio);
            ret
        };
        read_result(ret)
    }

    /// Reads at most `len` bytes through the page cache as `read()` does
    /// (`filemap_read()`), waiting for a page that is being filled, and
    /// adding one (zeroed) only where the page cache lacks it. `done` is what
    /// this `read_iter` call has copied so far (so that an asynchronous read
    /// that has copied something is not queued); returns `done` plus what it
    /// copied, or, with nothing copied at all, 0 at the end of the file or
    /// an error.
    pub(crate) fn read_page_cache(&mut self, len: usize, done: usize) -> Result<usize> {
        let count = self.count();
        let before = self.remaining();
        let limit = before.min(len);
        let done = isize::try_from(done).map_err(|_| EINVAL)?;
        // SAFETY: As in `read_cached`. Shortening the destination and giving
        // back what was cut off after is `iov_iter_truncate()` and
        // `iov_iter_reexpand()`.
        let ret = unsafe {
            *count = limit;
            let ret = bindings::filemap_read(self.iocb.as_ptr(), self.to.as_ptr(), done);
            *count += before - limit;
            ret
        };
        read_result(ret)
    }

    /// Writes `len` zero bytes to the destination and advances the position
    /// past them: the contents of a hole. Returns how many it wrote, fewer
    /// when the destination faults.
    pub(crate) fn zero(&mut self, len: usize) -> usize {
        // SAFETY: The destination is live and ours for the call (invariant);
        // `iov_iter_zero()` writes at most `len` bytes and advances it.
        let done = unsafe { bindings::iov_iter_zero(len, self.to.as_ptr()) };
        // SAFETY: The request is live and ours for the call. `done` is at
        // most `len`, a part of a page here, so it fits an `i64`.
        unsafe { (*self.iocb.as_ptr()).ki_pos += done as i64 };
        done
    }
}

/// A read's C result as a `Result`: bytes, or a negative errno.
fn read_result(ret: isize) -> Result<usize> {
    usize::try_from(ret).map_err(|_| Error::from_errno(ret as c_int))
}

/// # Safety
///
/// Called by the VFS as `file_operations::read_iter` (`read`, `pread`,
/// `readv`, and `splice_read`) with a live request on an open file of `T`
/// and a live destination, both ours for the call.
unsafe extern "C" fn read_iter<T: FileSystem>(
    iocb: *mut bindings::kiocb,
    to: *mut bindings::iov_iter,
) -> isize {
    let (Some(iocb), Some(to)) = (NonNull::new(iocb), NonNull::new(to)) else {
        return EINVAL.to_errno() as isize;
    };
    // INVARIANT: The VFS's arguments, ours for the call (see above).
    let mut request = ReadRequest {
        iocb,
        to,
        _call: PhantomData,
    };
    match T::read_iter(&mut request) {
        Ok(done) => isize::try_from(done).unwrap_or(isize::MAX),
        Err(e) => e.to_errno() as isize,
    }
}

/// # Safety
///
/// Called by the VFS as `file_operations::mmap` with a live open file of `T`
/// and the new mapping, which nobody else sees yet.
unsafe extern "C" fn mmap<T: FileSystem>(
    file: *mut bindings::file,
    vma: *mut bindings::vm_area_struct,
) -> c_int {
    // SAFETY: The arguments are the VFS's own, passed on unchanged.
    let ret = unsafe { bindings::generic_file_mmap(file, vma) };
    if ret == 0 {
        // SAFETY: The mapping is new and ours to set up (see above).
        unsafe { (*vma).vm_ops = table(&Tables::<T>::VM) };
    }
    ret
}

/// The result of a page fault (`vm_fault_t`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct VmFault(bindings::vm_fault_t);

impl VmFault {
    /// The fault cannot be satisfied: the task gets SIGBUS.
    pub(crate) const SIGBUS: Self = Self(bindings::vm_fault_reason_VM_FAULT_SIGBUS);
}

/// A page fault in a mapping of a file of `T`.
///
/// # Invariants
///
/// `vmf` is a live fault, ours for `'a`, on a mapping made by `mmap` for a
/// file of `T`, whose file is live.
pub(crate) struct PageFault<'a, T> {
    vmf: *mut bindings::vm_fault,
    _call: PhantomData<&'a T>,
}

impl<'a, T: FileSystem> PageFault<'a, T> {
    /// The inode whose page is faulted in.
    pub(crate) fn inode(&self) -> &'a Inode<T> {
        // SAFETY: The fault, its mapping and the mapping's file are live
        // (invariant).
        unsafe { data_inode((*(*self.vmf).__bindgen_anon_1.vma).vm_file) }
    }

    /// The index of the page in the file.
    pub(crate) fn pgoff(&self) -> u64 {
        // SAFETY: The fault is live (invariant).
        unsafe { (*self.vmf).__bindgen_anon_1.pgoff as u64 }
    }

    /// Handles the fault as the generic page-cache code does
    /// (`filemap_fault()`), adding a page where the page cache lacks one.
    pub(crate) fn filemap_fault(self) -> VmFault {
        // SAFETY: The fault is the caller's own, passed on unchanged.
        VmFault(unsafe { bindings::filemap_fault(self.vmf) })
    }
}

/// # Safety
///
/// Called by the page-fault code as `vm_operations_struct::fault` with a live
/// fault on a mapping made by [`mmap`], whose file is live.
unsafe extern "C" fn fault<T: FileSystem>(vmf: *mut bindings::vm_fault) -> bindings::vm_fault_t {
    // INVARIANT: See above.
    T::fault(PageFault {
        vmf,
        _call: PhantomData,
    })
    .0
}

/// A `write_begin` call: a page of the file is about to be written.
///
/// # Invariants
///
/// The fields are the page cache's arguments to `write_begin`, live for
/// `'a`: a mapping of an inode of `T`, whose inode is locked.
pub(crate) struct WriteBegin<'a, T> {
    file: *mut bindings::file,
    mapping: *mut bindings::address_space,
    pos: bindings::loff_t,
    len: c_uint,
    foliop: *mut *mut bindings::folio,
    fsdata: *mut *mut c_void,
    _call: PhantomData<&'a T>,
}

impl<'a, T: FileSystem> WriteBegin<'a, T> {
    /// The inode written.
    pub(crate) fn inode(&self) -> &'a Inode<T> {
        // SAFETY: The mapping is live and its host is its inode, referenced
        // by the writer (invariant).
        unsafe { Inode::from_raw((*self.mapping).host) }
    }

    /// The index of the page written.
    pub(crate) fn index(&self) -> u64 {
        // `pos` is below `s_maxbytes`, so not negative.
        self.pos as u64 >> bindings::PAGE_SHIFT
    }

    /// Prepares the page as libfs does (`simple_write_begin()`, the
    /// `write_begin` of `ram_aops`): finds or adds it, zeroing what the
    /// write does not cover.
    pub(crate) fn simple(self) -> Result {
        // SAFETY: `ram_aops` is a never-written exported table.
        let Some(write_begin) = (unsafe { bindings::ram_aops.write_begin }) else {
            return Err(EINVAL);
        };
        // SAFETY: The arguments are the page cache's own, passed on unchanged.
        to_result(unsafe {
            write_begin(
                self.file,
                self.mapping,
                self.pos,
                self.len,
                self.foliop,
                self.fsdata,
            )
        })
    }
}

/// # Safety
///
/// Called by the page cache as `address_space_operations::write_begin`
/// (`write`, `splice` into a file, `symlink`), with a live mapping of an
/// inode of `T`, the inode locked; the other arguments are passed through.
pub(super) unsafe extern "C" fn write_begin<T: FileSystem>(
    file: *mut bindings::file,
    mapping: *mut bindings::address_space,
    pos: bindings::loff_t,
    len: c_uint,
    foliop: *mut *mut bindings::folio,
    fsdata: *mut *mut c_void,
) -> c_int {
    // INVARIANT: See above.
    super::to_c(T::write_begin(WriteBegin {
        file,
        mapping,
        pos,
        len,
        foliop,
        fsdata,
        _call: PhantomData,
    }))
}
