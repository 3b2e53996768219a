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

use super::{bindings, inode::Inode, table, zeroed, FileSystem};
use core::{ffi::c_void, marker::PhantomData, ptr::NonNull};
use kernel::{
    error::to_result,
    ffi::{c_int, c_uint},
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
        llseek: Some(bindings::generic_file_llseek),
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
