// SPDX-License-Identifier: GPL-2.0

//! Regular files: what `read`, `write`, `mmap` and `truncate` do.
//!
//! A RAM filesystem keeps a file's data in the page cache and nowhere else.
//! The kernel's generic file code already moves data between user memory and
//! the page cache (`generic_file_read_iter`, `generic_file_write_iter`,
//! `filemap_fault`, the splice helpers), asking the mapping's address space
//! operations (`ram_aops`) for new pages. So the file operations are the
//! generic ones, as in the C ramfs.
//!
//! What is ours on the data path is bookkeeping for `size=` (see `space.rs`):
//! thin wrappers around the generic calls that can add a page to the page
//! cache (`write_begin`, a page fault) reserve the page before the call and
//! settle the count after it. The data itself never passes through our code.
//!
//! And reads of holes. The generic `read()` fills a page the page cache lacks
//! by adding a zeroed page: on a RAM filesystem, whose pages reclaim cannot
//! take back, reading a sparse file would pin memory no limit sees. So
//! `read_iter` copies what the page cache holds and writes zeroes for the
//! pages it lacks, adding none, as tmpfs does; `splice_read` (`sendfile`,
//! `splice`, `copy_file_range`) goes through `read_iter` too. Readahead
//! (`readahead(2)`, `fadvise`, `madvise(MADV_WILLNEED)`) adds nothing
//! either: the VFS ignores it on a filesystem without a backing device.
//!
//! Also ours: `setattr` (chmod, chown, utimes, truncate), which also updates
//! the change time when truncate changes the size (the C ramfs forgets that).

use crate::{
    bindings, inode,
    space::Reservation,
    trace::{trace, Ret},
    vfs::{self, Dentry, File, Inode, ReadRequest, StaticTable},
    xattr,
};
use core::{ffi::c_void, fmt};
use kernel::{
    error::code::{EAGAIN, EFAULT, EINVAL},
    ffi::{c_int, c_uint},
    types::Opaque,
};

/// What `open()` of a regular file gives: the kernel's generic page-cache
/// file operations.
pub(crate) static FILE_OPERATIONS: StaticTable<bindings::file_operations> =
    StaticTable(bindings::file_operations {
        read_iter: Some(read_iter),
        write_iter: Some(bindings::generic_file_write_iter),
        mmap: Some(mmap),
        // Data is in memory already: there is nothing to flush.
        fsync: Some(bindings::noop_fsync),
        // Through `read_iter` into pages of the pipe's own: holes add
        // nothing to the page cache (`filemap_splice_read()` would).
        splice_read: Some(bindings::copy_splice_read),
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
        getattr: Some(inode::getattr),
        listxattr: Some(xattr::listxattr),
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
        // A truncate gives back the pages it dropped.
        inode
            .super_block()
            .info()
            .space
            .settle(inode, Reservation::None);
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

/// The address space operations of every inode: the kernel's `ram_aops` with
/// our `write_begin` around its own. `ram_aops` points to functions libfs
/// does not export, so the table is copied from it when the module loads.
struct AddressSpaceOperations(Opaque<bindings::address_space_operations>);

// SAFETY: Written only by `init_data_aops`, before any inode can use it; only
// read after that.
unsafe impl Sync for AddressSpaceOperations {}

static DATA_AOPS: AddressSpaceOperations = AddressSpaceOperations(Opaque::uninit());

/// Fills in [`data_aops`].
///
/// # Safety
///
/// Called once, at module load, before the filesystem is registered.
pub(crate) unsafe fn init_data_aops() {
    // SAFETY: Nothing reads `DATA_AOPS` yet (see above); `ram_aops` is an
    // exported, never-written table.
    unsafe {
        let aops = DATA_AOPS.0.get();
        aops.write(bindings::ram_aops);
        (*aops).write_begin = Some(write_begin);
    }
}

/// The address space operations for inodes' page caches.
pub(crate) fn data_aops() -> *const bindings::address_space_operations {
    DATA_AOPS.0.get().cast_const()
}

/// # Safety
///
/// Called by the page cache as `address_space_operations::write_begin`
/// (`write`, `splice` into a file, `symlink`), with a live mapping of one of
/// our inodes, the inode locked; the other arguments are passed through.
unsafe extern "C" fn write_begin(
    file: *mut bindings::file,
    mapping: *mut bindings::address_space,
    pos: bindings::loff_t,
    len: c_uint,
    foliop: *mut *mut bindings::folio,
    fsdata: *mut *mut c_void,
) -> c_int {
    // SAFETY: The mapping is live and its host is its inode (see above).
    let inode = unsafe { Inode::from_raw((*mapping).host) };
    let space = &inode.super_block().info().space;
    // `pos` is below `s_maxbytes`, so not negative.
    let index = pos as u64 >> bindings::PAGE_SHIFT;
    let reserved = match space.reserve(inode, index) {
        Ok(reserved) => reserved,
        Err(e) => return e.to_errno(),
    };
    // SAFETY: `ram_aops` is a never-written exported table; its
    // `write_begin` (`simple_write_begin`) gets the caller's arguments.
    let ret = match unsafe { bindings::ram_aops.write_begin } {
        // SAFETY: As above.
        Some(write_begin) => unsafe { write_begin(file, mapping, pos, len, foliop, fsdata) },
        None => kernel::error::code::EINVAL.to_errno(),
    };
    space.settle(inode, reserved);
    ret
}

/// # Safety
///
/// Called by the VFS as `file_operations::read_iter` (`read`, `pread`,
/// `readv`, and `splice_read` above) with a live request on an open file of
/// ours and a live destination, both ours for the call.
unsafe extern "C" fn read_iter(iocb: *mut bindings::kiocb, to: *mut bindings::iov_iter) -> isize {
    // SAFETY: The arguments are the VFS's own, ours for the call (see above).
    match unsafe { ReadRequest::from_raw(iocb, to) } {
        Some(mut request) => read(&mut request),
        None => EINVAL.to_errno() as isize,
    }
}

/// `read()`: copies what the page cache holds and zeroes for the holes,
/// without adding a page for a hole.
fn read(request: &mut ReadRequest<'_>) -> isize {
    let inode = request.inode();
    let page = bindings::PAGE_SIZE;
    let mut done: isize = 0;
    let ret = loop {
        if request.remaining() == 0 {
            break 0;
        }
        // The pages the page cache holds, up to the first it lacks.
        let ret = request.read_cached();
        if ret > 0 {
            done += ret;
            continue;
        }
        if ret != EAGAIN.to_errno() as isize {
            // The end of the file (0) or an error.
            break ret;
        }
        let (pos, size) = (request.pos(), inode.size());
        if pos >= size {
            break 0;
        }
        // `pos` is below the size, so not negative.
        let pos = pos as u64;
        let in_page = page - (pos as usize & (page - 1));
        // The rest of this page, or of the file when that is shorter.
        let len = request
            .remaining()
            .min(in_page)
            .min(usize::try_from(size as u64 - pos).unwrap_or(usize::MAX));
        if inode.has_page(pos >> bindings::PAGE_SHIFT) {
            // A page that is being written or faulted in right now:
            // read it as `read()` does, which waits for it.
            let ret = request.read_page_cache(len, done);
            if ret <= done {
                // Nothing more: the end of the file, or an error.
                break ret.min(0);
            }
            done = ret;
        } else {
            // A hole: zeroes, and no page.
            let zeroed = request.zero(len);
            done += zeroed as isize;
            if zeroed < len {
                break EFAULT.to_errno() as isize;
            }
        }
    };
    // A page that left the page cache between our look and the read
    // (truncated, or a clean one dropped with the caches) is added back as
    // `read()` adds one: count it.
    inode
        .super_block()
        .info()
        .space
        .settle(inode, Reservation::None);
    if done > 0 {
        done
    } else {
        ret
    }
}

/// # Safety
///
/// Called by the VFS as `file_operations::mmap` with a live open file of ours
/// and the new mapping, which nobody else sees yet.
unsafe extern "C" fn mmap(file: *mut bindings::file, vma: *mut bindings::vm_area_struct) -> c_int {
    // SAFETY: The arguments are the VFS's own, passed on unchanged.
    let ret = unsafe { bindings::generic_file_mmap(file, vma) };
    if ret == 0 {
        // SAFETY: The mapping is new and ours to set up (see above).
        unsafe { (*vma).vm_ops = VM_OPERATIONS.as_ptr() };
    }
    ret
}

/// How the page-fault code reaches a mapped file of ours: the kernel's
/// `generic_file_vm_ops` (which is not exported), with our `fault` around
/// `filemap_fault`.
static VM_OPERATIONS: StaticTable<bindings::vm_operations_struct> =
    StaticTable(bindings::vm_operations_struct {
        fault: Some(fault),
        map_pages: Some(bindings::filemap_map_pages),
        page_mkwrite: Some(bindings::filemap_page_mkwrite),
        // SAFETY: All-zero is a valid `vm_operations_struct`: no callback.
        ..unsafe { vfs::zeroed() }
    });

/// # Safety
///
/// Called by the page-fault code as `vm_operations_struct::fault` with a live
/// fault on a mapping made by [`mmap`], whose file is live.
unsafe extern "C" fn fault(vmf: *mut bindings::vm_fault) -> bindings::vm_fault_t {
    // SAFETY: The fault, its mapping and the mapping's file are live (see above).
    let (inode, index) = unsafe {
        let vmf = &(*vmf).__bindgen_anon_1;
        (File::from_raw((*vmf.vma).vm_file).data_inode(), vmf.pgoff)
    };
    let space = &inode.super_block().info().space;
    // A fault that needs a new page past `size=` gets SIGBUS, as on tmpfs.
    let Ok(reserved) = space.reserve(inode, index as u64) else {
        return bindings::vm_fault_reason_VM_FAULT_SIGBUS;
    };
    // SAFETY: The fault is the caller's own, passed on unchanged.
    let ret = unsafe { bindings::filemap_fault(vmf) };
    space.settle(inode, reserved);
    ret
}
