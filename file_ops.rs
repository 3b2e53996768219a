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
//! (`vfs/file.rs` builds the tables: the generic operations, with these in
//! their slots.)
//!
//! And reads of holes. The generic `read()` fills a page the page cache lacks
//! by adding a zeroed page: on a RAM filesystem, whose pages reclaim cannot
//! take back, reading a sparse file would pin memory no limit sees. So
//! `read_iter` copies what the page cache holds and writes zeroes for the
//! pages it lacks, adding none, as tmpfs does (so a read reserves nothing);
//! `splice_read` (`sendfile`, `splice`, `copy_file_range`) goes through
//! `read_iter` too (`vfs/file.rs` sees to that). Readahead
//! (`readahead(2)`, `fadvise`, `madvise(MADV_WILLNEED)`) adds nothing
//! either: the VFS ignores it on a filesystem without a backing device.
//!
//! Also ours: `setattr` (chmod, chown, utimes, truncate) of every inode but
//! a symlink, which also updates the change time when truncate changes the
//! size (the C ramfs forgets that).

#![forbid(unsafe_code)]

use crate::{
    space::Reservation,
    trace::{trace, Ret},
    vfs::{
        bindings, FileOperations, InodeView, PageFault, ReadRequest, SetattrRequest, VmFault,
        WriteBegin,
    },
    RamFs,
};
use core::fmt;
use kernel::{ffi::c_uint, prelude::*};

/// `setattr` (chmod, chown, utimes, truncate) of every inode but symlinks:
/// libfs checks the request, truncates the page cache and copies the
/// attributes; ours settles the pages a truncate dropped and updates the
/// times of a truncate that changes the size.
pub(crate) fn setattr(request: SetattrRequest<'_, RamFs>) -> Result {
    let inode = request.inode();
    let (valid, new_size) = (request.valid(), request.size());
    let old_size = inode.size();
    let result = request.simple();
    // A truncate gives back the pages it dropped.
    inode
        .super_block()
        .data()
        .space
        .settle(&**inode, Reservation::None);
    // POSIX: a successful truncate that changes the size updates the
    // modification and change times. `truncate(2)` (unlike `ftruncate`)
    // does not ask for that in the request, and libfs does not do it.
    if result.is_ok() && valid & bindings::ATTR_SIZE != 0 && inode.size() != old_size {
        inode.touch_mtime_ctime();
    }
    trace!(
        inode.super_block(),
        "setattr(ino {}{}) = {}",
        inode.ino(),
        Changes(valid, new_size),
        Ret::of(&result)
    );
    result
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

/// The file operations of rust_ramfs's regular files (and, for
/// `write_begin`, of every inode's page cache).
#[vtable]
impl FileOperations for RamFs {
    /// `read()`: copies what the page cache holds and zeroes for the holes,
    /// without adding a page for a hole.
    fn read_iter(request: &mut ReadRequest<'_, Self>) -> Result<usize> {
        read(request)
    }

    /// A fault that needs a new page past `size=` gets SIGBUS, as on tmpfs.
    fn fault(fault: PageFault<'_, Self>) -> VmFault {
        let inode = fault.inode();
        let space = &inode.super_block().data().space;
        let Ok(reserved) = space.reserve(inode, fault.pgoff()) else {
            return VmFault::SIGBUS;
        };
        let ret = fault.filemap_fault();
        space.settle(inode, reserved);
        ret
    }

    /// `write`, `splice` into a file, `symlink`: the page written is
    /// reserved against `size=` first.
    fn write_begin(request: WriteBegin<'_, Self>) -> Result {
        let inode = request.inode();
        let space = &inode.super_block().data().space;
        let reserved = space.reserve(inode, request.index())?;
        let result = request.simple();
        space.settle(inode, reserved);
        result
    }
}

/// `read()`: copies what the page cache holds and zeroes for the holes,
/// without adding a page for a hole. Returns the bytes read, or, with
/// nothing read, the error that stopped it.
fn read(request: &mut ReadRequest<'_, RamFs>) -> Result<usize> {
    let inode = request.inode();
    let page = bindings::PAGE_SIZE;
    let mut done = 0;
    let end: Result = loop {
        if request.remaining() == 0 {
            break Ok(());
        }
        // The pages the page cache holds, up to the first it lacks.
        match request.read_cached() {
            // The end of the file.
            Ok(0) => break Ok(()),
            Ok(read) => {
                done += read;
                continue;
            }
            Err(e) if e != EAGAIN => break Err(e),
            Err(_) => {}
        }
        let (pos, size) = (request.pos(), inode.size());
        if pos >= size {
            break Ok(());
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
            match request.read_page_cache(len, done) {
                Ok(total) if total > done => done = total,
                // Nothing more: the end of the file.
                Ok(_) => break Ok(()),
                Err(e) => break Err(e),
            }
        } else {
            // A hole: zeroes, and no page.
            let zeroed = request.zero(len);
            done += zeroed;
            if zeroed < len {
                break Err(EFAULT);
            }
        }
    };
    // A page that left the page cache between our look and the read
    // (truncated, or a clean one dropped with the caches) is added back as
    // `read()` adds one: count it.
    inode
        .super_block()
        .data()
        .space
        .settle(inode, Reservation::None);
    match end {
        Err(e) if done == 0 => Err(e),
        _ => Ok(done),
    }
}
