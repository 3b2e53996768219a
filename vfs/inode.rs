// SPDX-License-Identifier: GPL-2.0

//! Inodes: the objects that stand for files, directories and nodes, and the
//! views of them a filesystem gets.
//!
//! The VFS's `struct inode` has no room for what a filesystem keeps of its
//! own, so this layer embeds it in a bigger structure, [`Container`], beside
//! the filesystem's [`FileSystem::InodeData`], and gives the VFS
//! `alloc_inode` / `free_inode` to make and free that, from a slab cache of
//! the filesystem type's own.

use super::{
    acl, bindings,
    dentry::{self, Qstr},
    file,
    filesystem::Registration,
    ids::{Idmap, Kgid, Kuid},
    super_block::SuperBlock,
    table, to_c, xattr, zeroed, FileSystem,
};
use core::{
    marker::PhantomData,
    ops::{ControlFlow, Deref},
    ptr::{self, NonNull},
    sync::atomic::{AtomicI64, AtomicU32, AtomicUsize, Ordering},
};
use kernel::{
    error::to_result,
    ffi::{c_int, c_uint, c_ulong, c_void},
    prelude::*,
    str::CStr,
    types::{AlwaysRefCounted, Opaque},
};

/// What the layer allocates for each inode: the filesystem's data, then the
/// VFS's inode, which the VFS sees alone.
#[repr(C)]
struct Container<T: FileSystem> {
    data: T::InodeData,
    inode: Opaque<bindings::inode>,
}

impl<T: FileSystem> Container<T> {
    /// The container around an inode of `T`.
    fn from_inode(inode: *const bindings::inode) -> *mut Self {
        inode
            .cast::<u8>()
            .wrapping_sub(core::mem::offset_of!(Self, inode))
            .cast_mut()
            .cast()
    }
}

/// Creates the slab cache `T`'s inodes come from, at registration: objects
/// of exactly the container's size, charged to the memory cgroup of whoever
/// creates them.
pub(super) fn create_cache<T: FileSystem>() -> Result<*mut bindings::kmem_cache> {
    let mut args = bindings::kmem_cache_args {
        align: core::mem::align_of::<Container<T>>() as c_uint,
        ctor: Some(init_once::<T>),
        ..Default::default()
    };
    let size = c_uint::try_from(core::mem::size_of::<Container<T>>()).map_err(|_| EINVAL)?;
    // SAFETY: The name is a static string; `args` is valid for the call.
    let cache = unsafe {
        bindings::__kmem_cache_create_args(
            T::INODE_CACHE_NAME.as_char_ptr(),
            size,
            &mut args,
            bindings::SLAB_RECLAIM_ACCOUNT | bindings::SLAB_ACCOUNT,
        )
    };
    if cache.is_null() {
        return Err(ENOMEM);
    }
    Ok(cache)
}

/// Destroys an inode cache made by [`create_cache`].
///
/// # Safety
///
/// No inode of the cache may be left, nor an RCU callback that frees one
/// queued (`rcu_barrier()` waits for those).
pub(super) unsafe fn destroy_cache(cache: *mut bindings::kmem_cache) {
    // SAFETY: Every object has gone back to the cache (see above).
    unsafe { bindings::kmem_cache_destroy(cache) };
}

/// The cache's constructor: initialises the `struct inode` part of an object
/// once, when the slab gets the object's memory, not on each allocation.
/// What `inode_init_once()` sets up (lists, locks, the empty page-cache
/// mapping) is back in that state whenever the VFS frees an inode, so every
/// filesystem's inode cache does this here.
///
/// # Safety
///
/// Called by the slab allocator with a new object of a cache made by
/// [`create_cache`] for `T`.
unsafe extern "C" fn init_once<T: FileSystem>(object: *mut c_void) {
    let container = object.cast::<Container<T>>();
    // SAFETY: `object` is an object of the cache, the size of a container:
    // `inode` lies inside it. `addr_of_mut!` makes no reference to the
    // uninitialised memory.
    unsafe { bindings::inode_init_once(Opaque::raw_get(ptr::addr_of_mut!((*container).inode))) };
}

/// # Safety
///
/// Called by the VFS as `super_operations::alloc_inode` (from `new_inode()`)
/// with a live super block of `T`.
pub(super) unsafe extern "C" fn alloc_inode<T: FileSystem>(
    sb: *mut bindings::super_block,
) -> *mut bindings::inode {
    // SAFETY: The super block is `T`'s, so its type is a `Registration<T>`.
    let registration = unsafe { Registration::<T>::from_fs_type((*sb).s_type) };
    let cache = registration.inode_cache();
    // SAFETY: The cache exists while the filesystem is registered; its objects
    // have the size and alignment of a `Container<T>`.
    let container = unsafe { bindings::kmem_cache_alloc_noprof(cache, bindings::GFP_KERNEL) }
        .cast::<Container<T>>();
    if container.is_null() {
        return ptr::null_mut();
    }
    // The inode part is left as it is: `init_once` set it up, and
    // `inode_init_always()` (run by the VFS next) initialises the rest.
    // SAFETY: `container` is free memory for a `Container<T>`, pinned until
    // `free_inode` drops the data in place. On failure the initialiser has
    // dropped what it made, and the memory goes back to the cache.
    unsafe {
        if T::new_inode_data()
            .__pinned_init(ptr::addr_of_mut!((*container).data))
            .is_err()
        {
            bindings::kmem_cache_free(cache, container.cast());
            return ptr::null_mut();
        }
        (*container).inode.get()
    }
}

/// # Safety
///
/// Called by the VFS as `super_operations::free_inode` (after an RCU grace
/// period) with an inode made by [`alloc_inode`] for `T` that nothing uses
/// any more.
pub(super) unsafe extern "C" fn free_inode<T: FileSystem>(inode: *mut bindings::inode) {
    let container = Container::<T>::from_inode(inode);
    // The super block may be gone by now (this runs after an RCU grace
    // period), so the cache is not looked up through it: `kfree()` finds the
    // cache of a slab object itself.
    // SAFETY: The inode is in a container that `alloc_inode` made in the
    // cache, now unused: drop the data where it is and give the memory back.
    unsafe {
        ptr::drop_in_place(ptr::addr_of_mut!((*container).data));
        bindings::kfree(container.cast());
    }
}

/// What every view of an inode can read: its number, super block and data,
/// and its page cache.
pub(crate) trait InodeView<T: FileSystem> {
    /// The C pointer.
    #[doc(hidden)]
    fn raw(&self) -> *mut bindings::inode;

    /// The inode number, as `stat` reports it.
    fn ino(&self) -> c_ulong {
        // SAFETY: `i_ino` is written once, when the inode is made (before
        // anyone else sees it), and only read after that; views exist only
        // for live inodes.
        unsafe { (*self.raw()).i_ino }
    }

    /// The super block this inode belongs to.
    fn super_block(&self) -> &SuperBlock<T> {
        // SAFETY: `i_sb` is set by `new_inode()` and never changes; a super
        // block of `T`, filled, outlives all of its inodes.
        unsafe { SuperBlock::from_raw((*self.raw()).i_sb) }
    }

    /// The filesystem's data of this inode.
    fn data(&self) -> &T::InodeData {
        // SAFETY: Every inode of `T` is made by `alloc_inode` inside a
        // container whose data lives as long as the inode does.
        unsafe { &(*Container::<T>::from_inode(self.raw())).data }
    }

    /// How many pages the inode's page cache holds (`mapping->nrpages`).
    fn nr_pages(&self) -> usize {
        // The page cache changes `nrpages` under its lock; a lockless reader
        // reads it once (`READ_ONCE()`), as a relaxed atomic load does.
        // SAFETY: `i_mapping` is the inode's own `i_data`, live as long as it.
        unsafe {
            AtomicUsize::from_ptr(ptr::addr_of_mut!((*(*self.raw()).i_mapping).nrpages).cast())
        }
        .load(Ordering::Relaxed)
    }

    /// Whether the page cache holds page `index` of the file.
    fn has_page(&self, index: u64) -> bool {
        let shift = bindings::PAGE_SHIFT;
        let start = index.saturating_mul(1 << shift);
        let end = start.saturating_add((1 << shift) - 1);
        // SAFETY: The mapping is live (see `nr_pages`); the lookup only reads
        // the page cache, under RCU.
        unsafe {
            bindings::filemap_range_has_page(
                (*self.raw()).i_mapping,
                i64::try_from(start).unwrap_or(i64::MAX),
                i64::try_from(end).unwrap_or(i64::MAX),
            )
        }
    }

    /// Calls `f` with each page the page cache holds from index `first` to
    /// `last` (inclusive), in order, until it returns `Break`. A snapshot:
    /// pages may come and go meanwhile unless the caller excludes that. May
    /// sleep (it lets other tasks run between batches).
    fn for_each_page(
        &self,
        first: u64,
        last: u64,
        mut f: impl FnMut(CachedPage) -> ControlFlow<()>,
    ) {
        let (Ok(mut start), Ok(end)) = (c_ulong::try_from(first), c_ulong::try_from(last)) else {
            return;
        };
        loop {
            let mut batch = FolioBatch::new();
            // SAFETY: The mapping is live (see `nr_pages`); `filemap_get_folios()`
            // takes the RCU read lock itself and a reference on each folio it
            // puts in the batch, which the batch releases when dropped.
            let found = unsafe {
                bindings::filemap_get_folios((*self.raw()).i_mapping, &mut start, end, &mut batch.0)
            };
            for &folio in batch.0.folios.iter().take(found as usize) {
                // Its index is stable while it is in the mapping; `flags`
                // changes by atomic bit operations: an acquiring load, as
                // `folio_test_uptodate()` does.
                // SAFETY: The batch holds a reference on `folio`.
                let page = unsafe {
                    let head = ptr::addr_of_mut!((*folio).__bindgen_anon_1.__bindgen_anon_1);
                    CachedPage {
                        index: (*head).index as u64,
                        uptodate: AtomicUsize::from_ptr(ptr::addr_of_mut!((*head).flags).cast())
                            .load(Ordering::Acquire)
                            & (1 << bindings::pageflags_PG_uptodate)
                            != 0,
                    }
                };
                if f(page).is_break() {
                    return;
                }
            }
            // A batch that is not full was the last.
            if (found as usize) < batch.0.folios.len() {
                return;
            }
            drop(batch);
            super::sys::cond_resched();
        }
    }

    /// Whether the page cache holds page `index` and it is up to date (its
    /// data is there: not a page being filled, nor one `fallocate()` made).
    fn has_uptodate_page(&self, index: u64) -> bool {
        let mut uptodate = false;
        self.for_each_page(index, index, |page| {
            uptodate = page.uptodate;
            ControlFlow::Break(())
        });
        uptodate
    }
}

/// A page of an inode's page cache, as [`InodeView::for_each_page`] sees it.
/// The page cache of this layer's files holds single pages only (their
/// mappings never allow large folios), so a folio is one page.
pub(crate) struct CachedPage {
    /// Its index in the file (its offset in pages).
    pub(crate) index: u64,
    /// Whether its data is there: a page being filled, or made by
    /// `fallocate()` and not written since, is not up to date.
    pub(crate) uptodate: bool,
}

/// A batch of folios with a reference on each (`struct folio_batch`),
/// released when dropped.
///
/// # Invariants
///
/// The first `nr` entries of `folios` each hold a reference this batch owns.
pub(super) struct FolioBatch(bindings::folio_batch);

impl FolioBatch {
    /// An empty batch (`folio_batch_init()`), marked drained: its folios are
    /// the page cache's, so releasing them frees nothing that draining the
    /// per-CPU LRU lists (`lru_add_drain()`) would help.
    pub(super) fn new() -> Self {
        // SAFETY: An all-zero batch is an empty one; INVARIANT: no entries.
        let mut batch: bindings::folio_batch = unsafe { zeroed() };
        batch.percpu_pvec_drained = true;
        Self(batch)
    }

    /// Adds `folio` to the batch, which then owns the reference on it.
    ///
    /// # Safety
    ///
    /// The caller owns a reference on `folio`, which it gives to the batch.
    /// The batch must have room (it holds at most 31).
    pub(super) unsafe fn push(&mut self, folio: *mut bindings::folio) {
        let nr = usize::from(self.0.nr);
        if let Some(slot) = self.0.folios.get_mut(nr) {
            *slot = folio;
            // INVARIANT: The caller gave us the reference.
            self.0.nr += 1;
        }
    }
}

impl Drop for FolioBatch {
    fn drop(&mut self) {
        if self.0.nr == 0 {
            return;
        }
        // SAFETY: `__folio_batch_release()` puts the references the batch
        // holds (invariant) and empties it.
        unsafe { bindings::__folio_batch_release(&mut self.0) };
    }
}

/// A VFS inode of filesystem `T`, referenced.
///
/// # Invariants
///
/// The inode was made by `alloc_inode` for `T`, and whoever holds a
/// `&Inode<T>` holds a reference on it (`i_count` > 0) for as long.
#[repr(transparent)]
pub(crate) struct Inode<T>(Opaque<bindings::inode>, PhantomData<T>);

impl<T: FileSystem> InodeView<T> for Inode<T> {
    fn raw(&self) -> *mut bindings::inode {
        self.0.get()
    }
}

impl<T: FileSystem> Inode<T> {
    /// Views a C inode of `T`.
    ///
    /// # Safety
    ///
    /// `ptr` must point to a live inode of `T` on which a reference is held
    /// for `'a` (true of the inodes the VFS passes to a callback, for the
    /// duration of the call).
    pub(super) unsafe fn from_raw<'a>(ptr: *mut bindings::inode) -> &'a Self {
        // SAFETY: `Inode` is `repr(transparent)` over `Opaque<inode>`; the
        // caller guarantees the invariants for `'a`.
        unsafe { &*ptr.cast() }
    }

    /// The file size (mirrors `i_size_read()` on 64-bit machines).
    pub(crate) fn size(&self) -> i64 {
        // SAFETY: `i_size` is a valid, aligned `loff_t` for as long as the
        // inode lives. Writers update it with `i_size_write()`, a release store;
        // an acquire load pairs with it, as `i_size_read()` does.
        unsafe { AtomicI64::from_ptr(ptr::addr_of_mut!((*self.raw()).i_size)) }
            .load(Ordering::Acquire)
    }

    /// The link count (`i_nlink`), read as the VFS reads it without a lock.
    /// Stable while the inode's lock is held.
    pub(crate) fn nlink(&self) -> u32 {
        // SAFETY: `i_nlink` is a valid, aligned `unsigned int` for as long as
        // the inode lives; writers change it under the inode's lock, and a
        // lockless reader reads it once, as a relaxed atomic load does.
        unsafe { AtomicU32::from_ptr(ptr::addr_of_mut!((*self.raw()).__bindgen_anon_1.__i_nlink)) }
            .load(Ordering::Relaxed)
    }

    /// Whether the inode is a directory (`S_ISDIR(inode->i_mode)`).
    pub(crate) fn is_dir(&self) -> bool {
        // SAFETY: The type bits of `i_mode` are set when the inode is made,
        // before anyone else sees it, and never change.
        let mode = unsafe { (*self.raw()).i_mode };
        u32::from(mode) & bindings::S_IFMT == bindings::S_IFDIR
    }

    /// Sets the permission bits (`chmod` without the checks) and the change
    /// time, taking the inode's lock, as `notify_change()` would; with POSIX
    /// ACLs, the access ACL follows, as after a `chmod`.
    pub(crate) fn set_permissions(&self, mode: bindings::umode_t) {
        let inode = self.raw();
        // SAFETY: `self` is live. `i_mode` and the times change under
        // `i_rwsem`, taken here for writing (`inode_lock()`).
        unsafe {
            bindings::down_write(ptr::addr_of_mut!((*inode).i_rwsem));
            let type_bits = (*inode).i_mode & bindings::S_IFMT as bindings::umode_t;
            (*inode).i_mode = type_bits | (mode & !(bindings::S_IFMT as bindings::umode_t));
            bindings::inode_set_ctime_current(inode);
        }
        if T::POSIX_ACL {
            // `posix_acl_chmod()` goes through a dentry: any of the inode's.
            // SAFETY: `self` is live; `d_find_any_alias()` returns a
            // referenced dentry or null.
            let dentry = unsafe { bindings::d_find_any_alias(inode) };
            if !dentry.is_null() {
                // An ACL that cannot follow (no memory) keeps its entries;
                // the permission bits are set regardless, as a failed
                // `posix_acl_chmod()` leaves them after `chmod`.
                // SAFETY: The dentry is positive, of this inode, whose
                // `i_rwsem` we hold; we drop the reference we were given.
                unsafe {
                    let _ = acl::chmod(ptr::addr_of_mut!(bindings::nop_mnt_idmap), dentry);
                    bindings::dput(dentry);
                }
            }
        }
        // SAFETY: We took it above.
        unsafe { bindings::up_write(ptr::addr_of_mut!((*inode).i_rwsem)) };
    }

    /// Sets the owner where given and the change time (`chown` without the
    /// checks), taking the inode's lock, as `notify_change()` would.
    pub(crate) fn set_owner(&self, uid: Option<Kuid>, gid: Option<Kgid>) {
        let inode = self.raw();
        // SAFETY: `self` is live. The owner and the times change under
        // `i_rwsem`, taken here for writing (`inode_lock()`).
        unsafe {
            bindings::down_write(ptr::addr_of_mut!((*inode).i_rwsem));
            if let Some(uid) = uid {
                (*inode).i_uid = uid.to_c();
            }
            if let Some(gid) = gid {
                (*inode).i_gid = gid.to_c();
            }
            bindings::inode_set_ctime_current(inode);
            bindings::up_write(ptr::addr_of_mut!((*inode).i_rwsem));
        }
    }
}

// `ihold()` takes a reference on an inode the caller already holds one on,
// `iput()` releases one (evicting the inode when it was the last and it has
// no links).
// SAFETY: They are the inode's reference counting; a `&Inode` proves a live
// reference (invariant), as `ihold()` requires.
unsafe impl<T: FileSystem> AlwaysRefCounted for Inode<T> {
    fn inc_ref(&self) {
        // SAFETY: `&self` proves a live reference exists, as `ihold()` requires.
        unsafe { bindings::ihold(self.raw()) };
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: The caller gives up a reference it owns, which `iput()` releases.
        unsafe { bindings::iput(obj.as_ptr().cast()) };
    }
}

/// An inode whose `i_rwsem` the VFS holds for writing during this call: the
/// only view through which link counts and times change.
///
/// # Invariants
///
/// As [`Inode`], and the inode's `i_rwsem` is held for writing for as long
/// as the reference lives.
#[repr(transparent)]
pub(crate) struct LockedInode<T>(Inode<T>);

impl<T: FileSystem> Deref for LockedInode<T> {
    type Target = Inode<T>;

    fn deref(&self) -> &Inode<T> {
        &self.0
    }
}

impl<T: FileSystem> LockedInode<T> {
    /// Views a locked C inode of `T`.
    ///
    /// # Safety
    ///
    /// As [`Inode::from_raw`], and the inode's `i_rwsem` must be held for
    /// writing for `'a`.
    pub(super) unsafe fn from_raw<'a>(ptr: *mut bindings::inode) -> &'a Self {
        // SAFETY: `LockedInode` is transparent over `Inode`; the caller
        // guarantees the invariants for `'a`.
        unsafe { &*ptr.cast() }
    }

    /// Adds a link to the count (`inc_nlink()`): a directory's new
    /// subdirectory, whose ".." names it.
    pub(crate) fn inc_nlink(&self) {
        // SAFETY: `self` is live and its `i_rwsem` held (invariant), the VFS
        // rule for changing `i_nlink`.
        unsafe { bindings::inc_nlink(self.raw()) };
    }

    /// Sets the change time to now: the inode's attributes changed.
    pub(crate) fn touch_ctime(&self) {
        // SAFETY: `self` is live and locked (invariant);
        // `inode_set_ctime_current()` sets `ctime`.
        unsafe { bindings::inode_set_ctime_current(self.raw()) };
    }

    /// Sets the change and modification times to now: a directory whose
    /// entries changed, a file whose size changed. Mirrors
    /// `inode_set_mtime_to_ts(inode, inode_set_ctime_current(inode))`.
    pub(crate) fn touch_mtime_ctime(&self) {
        let inode = self.raw();
        // SAFETY: `inode` is live and its `i_rwsem` held (invariant), the VFS
        // rule for writing its times.
        unsafe {
            let now = bindings::inode_set_ctime_current(inode);
            (*inode).i_mtime_sec = now.tv_sec;
            // `tv_nsec` is below one billion, so it fits the `u32` field.
            (*inode).i_mtime_nsec = now.tv_nsec as u32;
        }
    }
}

/// An inode being evicted: its last reference is gone (`i_count` is 0), so
/// it cannot be referenced again, and its page cache is empty.
///
/// # Invariants
///
/// The inode was made by `alloc_inode` for `T` and is being evicted by this
/// call; nothing else uses it.
#[repr(transparent)]
pub(crate) struct EvictingInode<T>(Opaque<bindings::inode>, PhantomData<T>);

impl<T: FileSystem> EvictingInode<T> {
    /// Views an inode of `T` being evicted.
    ///
    /// # Safety
    ///
    /// `ptr` must point to an inode of `T` that `evict_inode` is evicting,
    /// for `'a`.
    pub(super) unsafe fn from_raw<'a>(ptr: *mut bindings::inode) -> &'a Self {
        // SAFETY: Transparent over `Opaque<inode>`; see above.
        unsafe { &*ptr.cast() }
    }

    /// What its POSIX ACLs take from the allocator (0 without): given back
    /// now, as the VFS frees them after eviction.
    pub(crate) fn acl_bytes(&self) -> u64 {
        // SAFETY: The inode is being evicted: nobody else changes its ACLs.
        unsafe { acl::inode_bytes(self.raw()) }
    }
}

impl<T: FileSystem> InodeView<T> for EvictingInode<T> {
    fn raw(&self) -> *mut bindings::inode {
        self.0.get()
    }
}

/// What a new inode is, which decides the operations the layer attaches.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum InodeKind {
    /// A regular file: `T`'s file operations, data in the page cache.
    File,
    /// A directory: `T`'s directory operations, listed from the dcache.
    Dir,
    /// A symbolic link, whose target is in the page cache.
    Symlink,
    /// A FIFO, socket or device node, with this device number: the VFS
    /// routes its opens to the pipe, socket or device code.
    Special(bindings::dev_t),
}

/// A new inode that nobody else can see yet: on the super block's list, but
/// bound to no dentry. Its fields are ours to set; dropping it discards it
/// (`iput()`).
///
/// # Invariants
///
/// `self.0` holds the only reference to an inode of `T` made by
/// `new_inode()`, not yet bound to a dentry or file.
pub(crate) struct NewInode<T: FileSystem>(NonNull<Inode<T>>);

impl<T: FileSystem> NewInode<T> {
    /// Makes a new inode on `sb` (`new_inode()`), numbered `ino`, its page
    /// cache using `T`'s address space operations. EOVERFLOW when `ino` does
    /// not fit the kernel's `ino_t`.
    #[inline]
    pub(crate) fn new(sb: &SuperBlock<T>, ino: u64) -> Result<Self> {
        let ino = c_ulong::try_from(ino).map_err(|_| super::errno(bindings::EOVERFLOW))?;
        // SAFETY: `sb` is a live super block.
        let raw = NonNull::new(unsafe { bindings::new_inode(sb.as_ptr()) }).ok_or(ENOMEM)?;
        // SAFETY: The super block is `T`'s, so its type is a `Registration<T>`.
        let registration = unsafe { Registration::<T>::from_fs_type((*sb.as_ptr()).s_type) };
        // SAFETY: `new_inode()` returned an inode of `T` holding one
        // reference, which we own, bound to nothing: its fields are ours.
        // Its mapping is its own `i_data`.
        unsafe {
            let inode = raw.as_ptr();
            (*inode).i_ino = ino;
            (*(*inode).i_mapping).a_ops = registration.aops();
        }
        // INVARIANT: The only reference, to an unbound inode of `T`.
        Ok(Self(raw.cast()))
    }

    fn raw(&self) -> *mut bindings::inode {
        self.0.as_ptr().cast()
    }

    /// Sets the type and permissions `mode` and the owner: the calling
    /// task's user, and the group of `dir` when it is setgid, else the
    /// task's (`inode_init_owner()`, as POSIX asks), both seen through the
    /// `idmap` of the mount the call came through. `None` for a root. With
    /// POSIX ACLs, also the inode's ACLs (inherited from `dir`'s default
    /// ACL) and the umask (see `acl.rs`): ENOMEM when they cannot be had.
    #[inline]
    pub(crate) fn init_owner(
        &mut self,
        idmap: Idmap<'_>,
        dir: Option<&Inode<T>>,
        mode: bindings::umode_t,
    ) -> Result {
        let dir = dir.map_or(ptr::null(), |dir| dir.raw().cast_const());
        let inode = self.raw();
        // SAFETY: The inode is ours alone (invariant); `dir` is live or null;
        // the idmap is live (its invariant).
        unsafe { bindings::inode_init_owner(idmap.as_ptr(), inode, dir, mode) };
        if T::POSIX_ACL {
            // SAFETY: As above; `i_mode` is the inode's own.
            unsafe { acl::init(dir, inode, ptr::addr_of_mut!((*inode).i_mode)) }?;
        }
        Ok(())
    }

    /// The owner `init_owner` gave the inode.
    pub(crate) fn owner(&self) -> (Kuid, Kgid) {
        // SAFETY: The inode is ours alone (invariant).
        unsafe {
            (
                Kuid::from_c((*self.raw()).i_uid),
                Kgid::from_c((*self.raw()).i_gid),
            )
        }
    }

    /// Sets the owner, where given (a root directory's `uid=`, `gid=`).
    pub(crate) fn set_owner(&mut self, uid: Option<Kuid>, gid: Option<Kgid>) {
        let inode = self.raw();
        // SAFETY: The inode is ours alone (invariant).
        unsafe {
            if let Some(uid) = uid {
                (*inode).i_uid = uid.to_c();
            }
            if let Some(gid) = gid {
                (*inode).i_gid = gid.to_c();
            }
        }
    }

    /// What the POSIX ACLs `init_owner` gave it take from the allocator.
    pub(crate) fn acl_bytes(&self) -> u64 {
        // SAFETY: The inode is ours alone (invariant).
        unsafe { acl::inode_bytes(self.raw()) }
    }

    /// Drops the ACLs `init_owner` gave it (when they cannot be charged).
    pub(crate) fn forget_acls(&mut self) {
        // SAFETY: The inode is ours alone (invariant).
        unsafe { acl::forget(self.raw()) };
    }

    /// Keeps the page cache in memory: the only copy of a RAM filesystem's
    /// data, so reclaim must not drop or write back its pages
    /// (`mapping_set_unevictable()`); pages may come from high memory
    /// (`mapping_set_gfp_mask(GFP_HIGHUSER)`).
    #[inline]
    pub(crate) fn keep_pages_in_memory(&mut self) {
        // The kernel changes `flags` only with atomic bit operations; `set_bit()`
        // is an atomic OR with no ordering, which is what a relaxed `fetch_or` is.
        // SAFETY: The inode is ours alone (invariant), its mapping its own.
        unsafe {
            let mapping = (*self.raw()).i_mapping;
            (*mapping).gfp_mask = bindings::GFP_HIGHUSER;
            AtomicUsize::from_ptr(ptr::addr_of_mut!((*mapping).flags).cast())
                .fetch_or(1 << bindings::AS_UNEVICTABLE, Ordering::Relaxed);
        }
    }

    /// Attaches `T`'s operations for an inode of this kind; a directory also
    /// gets its second link, its own "." entry.
    #[inline]
    pub(crate) fn set_kind(&mut self, kind: InodeKind) {
        let inode = self.raw();
        // SAFETY: The inode is ours alone (invariant); the tables are `'static`.
        unsafe {
            match kind {
                InodeKind::File => {
                    (*inode).i_op = table(&Tables::<T>::FILE);
                    (*inode).__bindgen_anon_3.i_fop = file::operations::<T>();
                }
                InodeKind::Dir => {
                    (*inode).i_op = table(&Tables::<T>::DIR);
                    // libfs lists a directory from the dcache.
                    (*inode).__bindgen_anon_3.i_fop =
                        ptr::addr_of!(bindings::simple_dir_operations);
                    bindings::inc_nlink(inode);
                }
                InodeKind::Symlink => {
                    (*inode).i_op = table(&Tables::<T>::SYMLINK);
                    bindings::inode_nohighmem(inode);
                }
                InodeKind::Special(dev) => {
                    bindings::init_special_inode(inode, (*inode).i_mode, dev);
                    (*inode).i_op = table(&Tables::<T>::SPECIAL);
                }
            }
        }
    }

    /// Sets all of the inode's times (access, modification, change) to `ts`.
    #[inline]
    pub(crate) fn set_times(&mut self, ts: bindings::timespec64) {
        let inode = self.raw();
        // `tv_nsec` is below one billion, so it fits the `u32` fields.
        let nsec = ts.tv_nsec as u32;
        // SAFETY: The inode is ours alone (invariant).
        unsafe {
            (*inode).i_atime_sec = ts.tv_sec;
            (*inode).i_atime_nsec = nsec;
            (*inode).i_mtime_sec = ts.tv_sec;
            (*inode).i_mtime_nsec = nsec;
            (*inode).i_ctime_sec = ts.tv_sec;
            (*inode).i_ctime_nsec = nsec;
        }
    }

    /// Writes `target` into a symlink's page cache (`page_symlink()`).
    pub(crate) fn page_symlink(&mut self, target: &CStr) -> Result {
        // The length counts the terminating NUL, as the C ramfs passes it.
        // The VFS limits targets to PATH_MAX, so it always fits.
        let len = c_int::try_from(target.len_with_nul()).map_err(|_| EINVAL)?;
        // SAFETY: The inode is ours alone and its mapping set up; `target`
        // is a valid string of `len` bytes with its NUL.
        to_result(unsafe { bindings::page_symlink(self.raw(), target.as_char_ptr(), len) })
    }

    /// Lets a Linux security module label the inode, about to be named
    /// `name` in `dir`, before anyone can reach it.
    #[cfg(CONFIG_SECURITY)]
    pub(crate) fn init_security(&mut self, dir: &Inode<T>, name: Qstr<'_>) -> Result {
        // SAFETY: All three objects are live. With no `initxattrs` callback
        // the LSM does not write xattrs to the filesystem.
        to_result(unsafe {
            bindings::security_inode_init_security(
                self.raw(),
                dir.raw(),
                name.as_ptr(),
                None,
                ptr::null_mut(),
            )
        })
    }

    /// Without `CONFIG_SECURITY` there is no security module to label inodes.
    #[cfg(not(CONFIG_SECURITY))]
    pub(crate) fn init_security(&mut self, _dir: &Inode<T>, _name: Qstr<'_>) -> Result {
        Ok(())
    }

    /// Gives up ownership: the reference moves to the caller, which hands
    /// it to the VFS.
    pub(super) fn into_raw(self) -> *mut bindings::inode {
        let raw = self.raw();
        core::mem::forget(self);
        raw
    }
}

impl<T: FileSystem> Deref for NewInode<T> {
    type Target = Inode<T>;

    fn deref(&self) -> &Inode<T> {
        // SAFETY: We hold a reference on the inode (invariant), as `Inode`'s
        // invariant asks.
        unsafe { self.0.as_ref() }
    }
}

impl<T: FileSystem> Drop for NewInode<T> {
    fn drop(&mut self) {
        // SAFETY: We own the only reference (invariant); releasing it evicts
        // the unbound inode.
        unsafe { bindings::iput(self.raw()) };
    }
}

/// Inode operations every kind of inode of `T` has.
#[vtable]
pub(crate) trait InodeOperations: Sized {
    /// `chmod`, `chown`, `utimes`, `truncate` (`notify_change()`).
    fn setattr(_request: SetattrRequest<'_, Self>) -> Result {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }

    /// `stat`, `statx`.
    fn getattr(_request: &mut GetattrRequest<'_, Self>) -> Result {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }
}

/// The inode operation tables of `T`, one per kind of inode.
struct Tables<T>(PhantomData<T>);

impl<T: FileSystem> Tables<T> {
    const SETATTR: Option<SetattrFn> = if T::HAS_SETATTR {
        Some(setattr::<T>)
    } else {
        None
    };
    const GETATTR: Option<GetattrFn> = if T::HAS_GETATTR {
        Some(getattr::<T>)
    } else {
        None
    };
    const LISTXATTR: Option<xattr::ListFn> = xattr::listxattr_slot::<T>();

    const FILE: bindings::inode_operations = bindings::inode_operations {
        setattr: Self::SETATTR,
        getattr: Self::GETATTR,
        listxattr: Self::LISTXATTR,
        set_acl: if T::POSIX_ACL {
            Some(acl::set_acl::<T>)
        } else {
            None
        },
        // SAFETY: All-zero is a valid `inode_operations`: no callback.
        ..unsafe { zeroed() }
    };

    const DIR: bindings::inode_operations = dentry::dir_operations::<T>(Self::FILE);

    /// libfs reads the target from the page cache (as
    /// `page_symlink_inode_operations`).
    const SYMLINK: bindings::inode_operations = bindings::inode_operations {
        get_link: Some(bindings::page_get_link),
        getattr: Self::GETATTR,
        listxattr: Self::LISTXATTR,
        // SAFETY: All-zero is a valid `inode_operations`: no callback.
        ..unsafe { zeroed() }
    };

    const SPECIAL: bindings::inode_operations = Self::FILE;
}

type SetattrFn = unsafe extern "C" fn(
    *mut bindings::mnt_idmap,
    *mut bindings::dentry,
    *mut bindings::iattr,
) -> c_int;

type GetattrFn = unsafe extern "C" fn(
    *mut bindings::mnt_idmap,
    *const bindings::path,
    *mut bindings::kstat,
    u32,
    c_uint,
) -> c_int;

/// A `setattr` call: which attributes change, on which inode.
///
/// # Invariants
///
/// The pointers are the VFS's arguments to `setattr`, live for `'a`: a
/// positive dentry of `T` whose inode's `i_rwsem` is held, and the request.
pub(crate) struct SetattrRequest<'a, T> {
    idmap: *mut bindings::mnt_idmap,
    dentry: *mut bindings::dentry,
    attr: *mut bindings::iattr,
    _call: PhantomData<&'a T>,
}

impl<'a, T: FileSystem> SetattrRequest<'a, T> {
    /// The inode, locked by the VFS for the call.
    pub(crate) fn inode(&self) -> &'a LockedInode<T> {
        // SAFETY: The dentry is positive and its inode locked for `'a`
        // (invariant), so the binding cannot change.
        unsafe { LockedInode::from_raw((*self.dentry).d_inode) }
    }

    /// Which attributes change (`ATTR_*` bits).
    pub(crate) fn valid(&self) -> c_uint {
        // SAFETY: The request is live and not written during the call.
        unsafe { (*self.attr).ia_valid }
    }

    /// The new size, when `ATTR_SIZE` is set.
    pub(crate) fn size(&self) -> bindings::loff_t {
        // SAFETY: As above.
        unsafe { (*self.attr).ia_size }
    }

    /// Checks the request and applies it as libfs does (`simple_setattr()`:
    /// truncating the page cache for a new size, copying the attributes).
    /// With POSIX ACLs, a new mode also rewrites the access ACL.
    pub(crate) fn simple(self) -> Result {
        // SAFETY: The arguments are the VFS's own, passed on unchanged.
        to_result(unsafe { bindings::simple_setattr(self.idmap, self.dentry, self.attr) })?;
        if T::POSIX_ACL && self.valid() & bindings::ATTR_MODE != 0 {
            // SAFETY: The dentry is positive and its inode locked (invariant).
            unsafe { acl::chmod(self.idmap, self.dentry) }?;
        }
        Ok(())
    }
}

/// # Safety
///
/// Called by the VFS as `inode_operations::setattr` (from `notify_change()`):
/// `dentry` is a live, positive dentry of `T` whose inode is locked, and
/// `attr` a valid request that the caller owns for the call.
unsafe extern "C" fn setattr<T: FileSystem>(
    idmap: *mut bindings::mnt_idmap,
    dentry: *mut bindings::dentry,
    attr: *mut bindings::iattr,
) -> c_int {
    // INVARIANT: The VFS's arguments, live for the call (see above).
    to_c(T::setattr(SetattrRequest {
        idmap,
        dentry,
        attr,
        _call: PhantomData,
    }))
}

/// A `getattr` call: the attributes of an inode, to fill in.
///
/// # Invariants
///
/// The pointers are the VFS's arguments to `getattr`, live for `'a`: a path
/// to a positive dentry of `T`, and a `kstat` that is ours to fill.
pub(crate) struct GetattrRequest<'a, T> {
    idmap: *mut bindings::mnt_idmap,
    path: *const bindings::path,
    stat: *mut bindings::kstat,
    request_mask: u32,
    _call: PhantomData<&'a T>,
}

impl<'a, T: FileSystem> GetattrRequest<'a, T> {
    /// Fills in the attributes as libfs does (`simple_getattr()`: the
    /// inode's attributes, and the blocks its page cache holds), but with
    /// the owner seen through the mount's idmap (`simple_getattr()` passes
    /// the identity: libfs filesystems are not idmapped; tmpfs maps).
    #[inline]
    pub(crate) fn simple(&mut self) -> Result {
        // SAFETY: The arguments are the VFS's own: a live path with a
        // positive dentry, a stat to fill; the page count is read once.
        unsafe {
            let inode = (*(*self.path).dentry).d_inode;
            bindings::generic_fillattr(self.idmap, self.request_mask, inode, self.stat.cast());
            let pages =
                AtomicUsize::from_ptr(ptr::addr_of_mut!((*(*inode).i_mapping).nrpages).cast())
                    .load(Ordering::Relaxed);
            (*self.stat).blocks = (pages as u64) << (bindings::PAGE_SHIFT - 9);
        }
        Ok(())
    }

    /// The inode whose attributes these are.
    pub(crate) fn inode(&self) -> Option<&'a Inode<T>> {
        // SAFETY: The path and its dentry are live and hold a reference on
        // the dentry's inode for the call (invariant).
        unsafe { dentry::inode_of((*self.path).dentry) }
    }

    /// Reports the birth time (`statx`'s `btime`).
    pub(crate) fn set_btime(&mut self, btime: bindings::timespec64) {
        // SAFETY: The `kstat` is ours to fill during the call (invariant).
        unsafe {
            (*self.stat).btime = btime;
            (*self.stat).result_mask |= bindings::STATX_BTIME;
        }
    }
}

/// # Safety
///
/// Called by the VFS as `inode_operations::getattr` (`stat`, `statx`) with a
/// live path to an inode of `T` and a `kstat` to fill, both held for the call.
unsafe extern "C" fn getattr<T: FileSystem>(
    idmap: *mut bindings::mnt_idmap,
    path: *const bindings::path,
    stat: *mut bindings::kstat,
    request_mask: u32,
    _flags: c_uint,
) -> c_int {
    // INVARIANT: The VFS's arguments, live for the call (see above).
    to_c(T::getattr(&mut GetattrRequest {
        idmap,
        path,
        stat,
        request_mask,
        _call: PhantomData,
    }))
}
