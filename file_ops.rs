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
//! `lseek(SEEK_DATA)` and `lseek(SEEK_HOLE)` find where data and holes are
//! (`cp --sparse`, `tar`, backup tools use them): data is what the page
//! cache holds, a hole what it lacks, and the end of the file is a hole.
//!
//! `fallocate()` as tmpfs has it: preallocating pages (charged to `size=`),
//! which read as zeroes and count as holes until written, and punching
//! holes, which frees pages.
//!
//! Also ours: `setattr` (chmod, chown, utimes, truncate) of every inode but
//! a symlink, which also updates the change time when truncate changes the
//! size (the C ramfs forgets that).

#![forbid(unsafe_code)]

use crate::{
    space::Reservation,
    trace::{trace, Ret, RetNum},
    vfs::{
        bindings, errno, sys, FallocateRequest, FileOperations, InodeView, LockedInode, PageFault,
        ReadRequest, SetattrRequest, VmFault, WriteBegin,
    },
    RamFs,
};
use core::{fmt, ops::ControlFlow};
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

    /// `SEEK_DATA` and `SEEK_HOLE` with tmpfs's answers: see [`seek`].
    fn seek_hole_data(inode: &LockedInode<Self>, offset: i64, hole: bool) -> Result<i64> {
        seek(inode, offset, hole)
    }

    /// `fallocate()` as tmpfs does it: see [`fallocate`].
    fn fallocate(request: FallocateRequest<'_, Self>) -> Result {
        fallocate(request)
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
        if inode.has_uptodate_page(pos >> bindings::PAGE_SHIFT) {
            // A page the fast path did not copy: read it as `read()` does.
            match request.read_page_cache(len, done) {
                Ok(total) if total > done => done = total,
                // Nothing more: the end of the file.
                Ok(_) => break Ok(()),
                Err(e) => break Err(e),
            }
        } else {
            // A hole, or a page with no data yet (one `fallocate()` made, or
            // one being filled: its old contents are a hole's): zeroes, and
            // no page.
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

/// `SEEK_DATA` (`hole` false) or `SEEK_HOLE` (`hole` true) from `offset`,
/// as tmpfs answers them (`mapping_seek_hole_data()`, which 6.12 does not
/// export): ENXIO for an offset below 0 or at or past the end of the file;
/// else the offset itself when it is in data (a hole), or the start of the
/// next page that is (is not) in the page cache. There is always a hole at
/// the end of the file; there may be no more data (ENXIO).
fn seek(inode: &LockedInode<RamFs>, offset: i64, hole: bool) -> Result<i64> {
    let size = inode.size();
    if offset < 0 || offset >= size {
        return Err(ENXIO);
    }
    let shift = bindings::PAGE_SHIFT;
    // Both are at least 0: `offset` is, and `size` is above it.
    let (first, last) = (offset as u64 >> shift, (size as u64 - 1) >> shift);
    let found = if hole {
        first_missing_page(inode, first, last)
    } else {
        first_cached_page(inode, first, last)
    };
    let result = match found {
        // The offset's own page: the offset itself.
        Some(index) if index == first => Ok(offset),
        // A later page: its start, within the file (it is, being at most
        // `last`).
        Some(index) => Ok((index << shift) as i64),
        // No hole before the end: the one at the end.
        None if hole => Ok(size),
        None => Err(ENXIO),
    };
    trace!(
        inode.super_block(),
        "llseek(ino {}, {} from {offset}) = {}",
        inode.ino(),
        if hole { "SEEK_HOLE" } else { "SEEK_DATA" },
        RetNum(&result)
    );
    result
}

/// The first page from `first` to `last` that holds data: in the page cache
/// and up to date. A walk over the pages the page cache holds, so a large
/// hole costs nothing.
fn first_cached_page(inode: &LockedInode<RamFs>, first: u64, last: u64) -> Option<u64> {
    let mut found = None;
    inode.for_each_page(first, last, |page| {
        if !page.uptodate {
            return ControlFlow::Continue(());
        }
        found = Some(page.index);
        ControlFlow::Break(())
    });
    found
}

/// The first page from `first` to `last` that holds no data: missing from
/// the page cache, or not up to date (made by `fallocate()`).
fn first_missing_page(inode: &LockedInode<RamFs>, first: u64, last: u64) -> Option<u64> {
    let mut next = first;
    inode.for_each_page(first, last, |page| {
        if page.index != next || !page.uptodate {
            return ControlFlow::Break(());
        }
        next += 1;
        ControlFlow::Continue(())
    });
    (next <= last).then_some(next)
}

/// `fallocate()` as tmpfs does it (`shmem_fallocate()`):
///
/// - mode 0 preallocates the range: the pages the page cache lacks are
///   added with no data (reads see zeroes, `SEEK_DATA` a hole, until they
///   are written) and charged to `size=`; all of them, or ENOSPC before
///   any is added. The size grows to the range's end, but for
///   `FALLOC_FL_KEEP_SIZE`. A failure half-way (ENOMEM, or EINTR when the
///   task is being killed, as on tmpfs: a handled signal does not stop it)
///   removes the pages this call added and gives their charge back.
/// - `FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE` frees the range's whole
///   pages (unmapped first) and zeroes the parts of pages at its ends.
/// - Any other mode: EOPNOTSUPP.
///
/// A successful call updates the modification and change times.
fn fallocate(request: FallocateRequest<'_, RamFs>) -> Result {
    let inode = request.inode();
    let mode = request.mode();
    let (offset, len) = request.range();
    let result = if mode & !(bindings::FALLOC_FL_KEEP_SIZE | bindings::FALLOC_FL_PUNCH_HOLE) != 0 {
        Err(errno(bindings::EOPNOTSUPP))
    } else if mode & bindings::FALLOC_FL_PUNCH_HOLE != 0 {
        request.punch_hole(offset, offset + len - 1);
        inode
            .super_block()
            .data()
            .space
            .settle(&**inode, Reservation::None);
        Ok(())
    } else {
        preallocate(&request, offset, offset + len)
    };
    // As tmpfs: the times follow a change made, whatever they say (a
    // failure here must not report the change as not made).
    if result.is_ok() {
        let _ = request.file_modified();
    }
    trace!(
        inode.super_block(),
        "fallocate(ino {}, mode {mode:#x}, {offset}, {len}) = {}",
        inode.ino(),
        Ret::of(&result)
    );
    result
}

/// Preallocates bytes `start` to `end` (exclusive) of the file: see
/// [`fallocate`]. Nothing else adds pages meanwhile (the request's locks).
fn preallocate(request: &FallocateRequest<'_, RamFs>, start: i64, end: i64) -> Result {
    let inode = request.inode();
    let space = &inode.super_block().data().space;
    let keep_size = request.mode() & bindings::FALLOC_FL_KEEP_SIZE != 0;
    // Also with KEEP_SIZE, as tmpfs: the pages past the end are the file's.
    request.check_size(end)?;
    let shift = bindings::PAGE_SHIFT;
    // Both at least 0 (the VFS checked), and `end` above `start`.
    let (first, last) = (start as u64 >> shift, (end as u64 - 1) >> shift);
    // All of the pages the range lacks, charged up front, or ENOSPC.
    let mut present = 0u64;
    inode.for_each_page(first, last, |_| {
        present += 1;
        ControlFlow::Continue(())
    });
    let charge = (last - first + 1 - present).saturating_mul(crate::space::PAGE_BYTES);
    space.charge(charge)?;
    // The runs of pages this call adds (first, last), for undoing them: the
    // closed ones, and the one being added to.
    let mut runs = KVec::<(u64, u64)>::new();
    let mut run: Option<(u64, u64)> = None;
    let mut result = Ok(());
    for index in first..=last {
        sys::cond_resched();
        if inode.has_page(index) {
            if let Some(closed) = run.take() {
                if let Err(e) = runs.push(closed, GFP_KERNEL) {
                    run = Some(closed);
                    result = Err(e.into());
                    break;
                }
            }
            continue;
        }
        result = if sys::fatal_signal_pending() {
            Err(EINTR)
        } else {
            request.add_blank_page(index)
        };
        if result.is_err() {
            break;
        }
        run = Some((run.map_or(index, |(from, _)| from), index));
    }
    if result.is_err() {
        for &(from, to) in Iterator::chain(runs.iter(), run.iter()) {
            request.remove_pages(from, to);
        }
    }
    // The charge now follows the pages themselves; the up-front one goes.
    space.settle_charged(&**inode, charge);
    result?;
    if !keep_size {
        request.grow_size(end);
    }
    Ok(())
}
