// SPDX-License-Identifier: GPL-2.0

//! A filesystem type: the [`FileSystem`] trait, its registration with the
//! VFS (`struct file_system_type`), and how a mount fills and kills a super
//! block.

use super::{
    bindings,
    context::{self, FsContext, ParamKind, ParamSpec, MAX_PARAMS},
    inode::{self, EvictingInode, InodeView, LockedInode, NewInode},
    super_block::{self, SeqFile, Statfs, SuperBlock},
    table, xattr, zeroed, DirOperations, FileOperations, InodeOperations, XattrOperations,
};
use core::{
    marker::PhantomData,
    ptr,
    sync::atomic::{AtomicBool, AtomicPtr, Ordering},
};
use kernel::{
    error::{from_result, to_result},
    ffi::{c_int, c_ulong},
    prelude::*,
    types::Opaque,
};

/// A filesystem: what the VFS needs to mount it. The operation traits it
/// also implements ([`DirOperations`], [`InodeOperations`],
/// [`FileOperations`], [`XattrOperations`]) fill its inodes' tables.
///
/// A mount goes: [`FileSystem::parse_param`] for each option, into a fresh
/// [`FileSystem::Options`]; then [`FileSystem::init_data`] makes the super
/// block's [`FileSystem::Data`] from them, and [`FileSystem::make_root`] its
/// root directory. A remount parses into new options and calls
/// [`FileSystem::reconfigure`].
pub(crate) trait FileSystem:
    DirOperations + InodeOperations + FileOperations + XattrOperations + Sized + Send + Sync + 'static
{
    /// The name `mount -t` takes.
    const NAME: &'static CStr;
    /// The name of the slab cache its inodes come from (`/proc/slabinfo`).
    const INODE_CACHE_NAME: &'static CStr;
    /// Whether a user namespace's root may mount it (`FS_USERNS_MOUNT`).
    const USERNS_MOUNT: bool;
    /// Whether its inodes have POSIX ACLs (`SB_POSIXACL`), kept by the layer
    /// in the VFS's cache (see `acl.rs`).
    const POSIX_ACL: bool;
    /// An ACL of `inode` is replaced (`setfacl`, `chmod`): it took `old`
    /// bytes of memory and will take `new`. An error refuses the change.
    /// The ACLs a new inode inherits and an evicted one drops are seen with
    /// [`NewInode::acl_bytes`](super::NewInode::acl_bytes) and
    /// [`EvictingInode::acl_bytes`](super::EvictingInode::acl_bytes).
    fn acl_changed(_inode: &LockedInode<Self>, _old: u64, _new: u64) -> Result {
        Ok(())
    }

    /// Whether its mounts may be idmapped (`FS_ALLOW_IDMAP`): the filesystem
    /// passes each call's [`Idmap`](super::Idmap) on wherever ids are set.
    const ALLOW_IDMAP: bool;
    /// The number `statfs()` reports as the type (`f_type`).
    const MAGIC: c_ulong;
    /// The mount options: the index of each in this slice is what
    /// [`FileSystem::parse_param`] is given for it.
    const PARAMETERS: &'static [ParamSpec];

    /// One mount's or remount's options, as parsed.
    type Options: Default + Send;
    /// What a mounted instance keeps (`sb->s_fs_info`).
    type Data: Send + Sync;
    /// What each inode keeps beside the VFS's `struct inode`.
    type InodeData: Send + Sync;

    /// Parses option number `index` of [`FileSystem::PARAMETERS`] into
    /// `options`. An error can be explained with [`FsContext::invalid`].
    fn parse_param(
        fc: &FsContext,
        options: &mut Self::Options,
        index: usize,
        value: context::ParamValue<'_>,
    ) -> Result;

    /// Makes a new super block's data from the mount's options.
    fn init_data(fc: &FsContext, options: &Self::Options) -> Result<Pin<KBox<Self::Data>>>;

    /// Makes the root directory of a new super block, whose data is set.
    fn make_root(sb: &SuperBlock<Self>, options: &Self::Options) -> Result<NewInode<Self>>;

    /// Applies a remount's options to a mounted super block.
    fn reconfigure(fc: &FsContext, sb: &SuperBlock<Self>, options: &Self::Options) -> Result;

    /// Writes the options `/proc/mounts` shows, each as `,name=value`.
    fn show_options(sb: &SuperBlock<Self>, m: &SeqFile) -> Result;

    /// The block and inode counts `statfs()` reports.
    fn statfs(sb: &SuperBlock<Self>) -> Result<Statfs>;

    /// A new inode's data, made when the VFS allocates the inode.
    fn new_inode_data() -> impl PinInit<Self::InodeData, Error>;

    /// Called when an inode is evicted (its last reference and link are
    /// gone, or at unmount), once its page cache is empty.
    fn evict(inode: &EvictingInode<Self>);

    /// Called when a super block is about to be torn down.
    fn kill_sb(_sb: &SuperBlock<Self>) {}
}

/// A filesystem type, registered with the VFS while the module is loaded.
///
/// It lives in a `static` of the filesystem (see [`Registration::new`]):
/// the VFS links it into its list of types, and lockdep wants its lock class
/// keys in static memory. It also holds what every inode of the type shares:
/// the slab cache inodes come from and the address space operations.
///
/// # Invariants
///
/// `params` is a table `__fs_parse()` can walk: the entries made from
/// `T::PARAMETERS`, `opt` their index, then all-zero entries. `kinds[i]`
/// says what `params[i]` parses. `fs_type`, `aops` and `inode_cache` are
/// written only by [`Registration::register`], once (`registered`), before
/// the VFS can see the type, and by [`Registered`]'s `drop` after the type
/// is unregistered and the last inode freed.
#[repr(C)]
pub(crate) struct Registration<T> {
    /// First, so that `sb->s_type` is also a pointer to the registration.
    fs_type: Opaque<bindings::file_system_type>,
    params: [bindings::fs_parameter_spec; MAX_PARAMS + 1],
    kinds: [ParamKind; MAX_PARAMS],
    aops: Opaque<bindings::address_space_operations>,
    inode_cache: AtomicPtr<bindings::kmem_cache>,
    registered: AtomicBool,
    _fs: PhantomData<T>,
}

// The parameter table is never written after it is built; its raw pointers
// point to `'static` C strings. The VFS changes `fs_type` only under its own
// locks.
// SAFETY: The other fields are written only before the VFS sees the type, or
// after it stopped using it (see the invariants).
unsafe impl<T: FileSystem> Sync for Registration<T> {}

impl<T: FileSystem> Registration<T> {
    /// The registration of `T`, built at compile time from its constants.
    pub(crate) const fn new() -> Self {
        let (params, kinds) = context::build_params(T::PARAMETERS);
        Self {
            fs_type: Opaque::uninit(),
            params,
            kinds,
            aops: Opaque::uninit(),
            inode_cache: AtomicPtr::new(ptr::null_mut()),
            registered: AtomicBool::new(false),
            _fs: PhantomData,
        }
    }

    /// Registers the filesystem type with the VFS, on behalf of `module`:
    /// every super block then holds a reference on the module, so `rmmod`
    /// fails while one is mounted. Dropping the result unregisters it.
    pub(crate) fn register(&'static self, module: &'static ThisModule) -> Result<Registered<T>> {
        if self.registered.swap(true, Ordering::AcqRel) {
            return Err(EBUSY);
        }
        let cache = inode::create_cache::<T>()?;
        self.inode_cache.store(cache, Ordering::Release);
        let fs_type = bindings::file_system_type {
            name: T::NAME.as_char_ptr(),
            fs_flags: (if T::USERNS_MOUNT {
                bindings::FS_USERNS_MOUNT as c_int
            } else {
                0
            }) | (if T::ALLOW_IDMAP {
                bindings::FS_ALLOW_IDMAP as c_int
            } else {
                0
            }),
            init_fs_context: Some(context::init_fs_context::<T>),
            parameters: self.params.as_ptr().cast(),
            kill_sb: Some(kill_sb::<T>),
            owner: module.as_ptr(),
            // SAFETY: All-zero is a valid `file_system_type`: unlinked, empty
            // lists and lock class keys.
            ..unsafe { zeroed() }
        };
        // `ram_aops` is an exported table that is never written.
        // SAFETY: `registered` was false, so this is the only call, and the VFS
        // does not see the type before `register_filesystem()` below.
        unsafe {
            self.fs_type.get().write(fs_type);
            let aops = self.aops.get();
            aops.write(bindings::ram_aops);
            if T::HAS_WRITE_BEGIN {
                (*aops).write_begin = Some(super::file::write_begin::<T>);
            }
        }
        // SAFETY: `self` is `'static`, so it outlives the registration, which
        // `Registered::drop` undoes.
        if let Err(e) = to_result(unsafe { bindings::register_filesystem(self.fs_type.get()) }) {
            // SAFETY: Unregistered, no inode was ever made.
            unsafe {
                inode::destroy_cache(self.inode_cache.swap(ptr::null_mut(), Ordering::AcqRel))
            };
            return Err(e);
        }
        Ok(Registered(self))
    }

    /// The slab cache inodes of this type come from.
    pub(super) fn inode_cache(&self) -> *mut bindings::kmem_cache {
        self.inode_cache.load(Ordering::Acquire)
    }

    /// The address space operations of every inode of this type.
    pub(super) fn aops(&self) -> *const bindings::address_space_operations {
        self.aops.get()
    }

    /// The parameter table, as `__fs_parse()` takes it.
    pub(super) fn params(&self) -> *const bindings::fs_parameter_spec {
        self.params.as_ptr()
    }

    /// What parameter `index` parses, if there is one.
    pub(super) fn kind(&self, index: usize) -> Option<ParamKind> {
        self.kinds.get(index).copied()
    }

    /// The registration a filesystem type pointer of `T` is part of.
    ///
    /// # Safety
    ///
    /// `fs_type` must be the `fs_type` of a `Registration<T>` (the type of
    /// every super block and mount context the VFS passes to `T`'s callbacks).
    pub(super) unsafe fn from_fs_type<'a>(fs_type: *mut bindings::file_system_type) -> &'a Self {
        // SAFETY: `fs_type` is the first field of a `repr(C)` registration
        // (see above), which is `'static`.
        unsafe { &*fs_type.cast::<Self>() }
    }
}

/// A registered filesystem type; dropping it unregisters the type.
pub(crate) struct Registered<T: FileSystem>(&'static Registration<T>);

impl<T: FileSystem> Drop for Registered<T> {
    fn drop(&mut self) {
        // SAFETY: `register` registered the type. No super block is left:
        // each holds a module reference, so the module cannot be unloaded
        // before the last one is gone.
        unsafe { bindings::unregister_filesystem(self.0.fs_type.get()) };
        // The VFS frees inodes after an RCU grace period: wait for those
        // still queued before their cache goes.
        // SAFETY: `rcu_barrier()` only waits; we hold no RCU read lock. After
        // it, no inode of this type is left anywhere.
        unsafe {
            bindings::rcu_barrier();
            inode::destroy_cache(self.0.inode_cache.swap(ptr::null_mut(), Ordering::AcqRel));
        }
    }
}

/// The super block operations of `T`'s super blocks.
struct SuperTable<T>(PhantomData<T>);

impl<T: FileSystem> SuperTable<T> {
    const TABLE: bindings::super_operations = bindings::super_operations {
        alloc_inode: Some(inode::alloc_inode::<T>),
        free_inode: Some(inode::free_inode::<T>),
        statfs: Some(super_block::statfs::<T>),
        // An inode whose last link and last user are gone is freed at once:
        // there is nowhere else to keep it.
        drop_inode: Some(bindings::generic_delete_inode),
        evict_inode: Some(evict_inode::<T>),
        show_options: Some(super_block::show_options::<T>),
        // SAFETY: All-zero is a valid `super_operations`: no callback.
        ..unsafe { zeroed() }
    };
}

/// # Safety
///
/// Called by `get_tree_nodev()` with a new super block, locked and not yet
/// visible to anyone else, and the live context made by `init_fs_context`
/// for `T`, whose `fs_private` is a `T::Options`.
pub(super) unsafe extern "C" fn fill_super<T: FileSystem>(
    sb: *mut bindings::super_block,
    fc: *mut bindings::fs_context,
) -> c_int {
    from_result(|| {
        // SAFETY: `fc` is live for the call and its options are `T`'s (see above).
        let (fc, options) = unsafe { (FsContext::from_raw(fc), context::options::<T>(fc)) };
        let data = T::init_data(fc, options)?;
        // SAFETY: The data is freed as the box it is, in `kill_sb`; it never moves.
        let data = KBox::into_raw(unsafe { Pin::into_inner_unchecked(data) });
        // SAFETY: The super block is new and locked; nothing else reads these
        // fields before `fill_super` returns. From here on, `s_fs_info` is
        // `T`'s until `kill_sb`, which the VFS calls on failure too.
        unsafe {
            (*sb).s_maxbytes = bindings::MAX_LFS_FILESIZE;
            (*sb).s_blocksize = bindings::PAGE_SIZE as _;
            (*sb).s_blocksize_bits = bindings::PAGE_SHIFT as _;
            (*sb).s_magic = T::MAGIC;
            (*sb).s_op = table(&SuperTable::<T>::TABLE);
            // Timestamps keep full nanoseconds.
            (*sb).s_time_gran = 1;
            // SB_NOSEC lets the VFS mark an inode that has no
            // `security.capability` xattr (S_NOSEC), so that writes skip
            // asking for it, until a `security.` xattr or a chmod to
            // setuid/setgid clears the mark (as tmpfs and every block
            // filesystem do).
            (*sb).s_flags |= bindings::SB_NOSEC;
            if T::POSIX_ACL {
                (*sb).s_flags |= bindings::SB_POSIXACL;
            }
            if T::HAS_GET {
                (*sb).s_xattr = xattr::handlers::<T>().cast();
            }
            (*sb).s_fs_info = data.cast();
        }
        // SAFETY: `sb` is live, and `s_fs_info` is now `T`'s data.
        let sb_ref = unsafe { SuperBlock::<T>::from_raw(sb) };
        let root = T::make_root(sb_ref, options)?;
        if !ptr::eq(root.super_block().as_ptr(), sb) {
            return Err(EXDEV);
        }
        // SAFETY: `d_make_root()` takes over the inode reference (and
        // releases it if it fails). `s_root` is written while the super block
        // is new, as above.
        unsafe {
            let root = bindings::d_make_root(root.into_raw());
            if root.is_null() {
                return Err(ENOMEM);
            }
            (*sb).s_root = root;
        }
        Ok(0)
    })
}

/// # Safety
///
/// Called by the VFS as `file_system_type::kill_sb` when the last user of a
/// super block of `T` is gone, or when [`fill_super`] failed; nothing uses
/// the super block after `kill_litter_super()`.
unsafe extern "C" fn kill_sb<T: FileSystem>(sb: *mut bindings::super_block) {
    // SAFETY: `sb` is live; `s_fs_info` is null (`fill_super` failed before
    // setting it) or `T`'s data.
    let data = unsafe { (*sb).s_fs_info.cast::<T::Data>() };
    if !data.is_null() {
        // SAFETY: As above: the data is set.
        T::kill_sb(unsafe { SuperBlock::from_raw(sb) });
    }
    // `kill_litter_super()` drops every dentry pinned in the dcache, so every
    // inode, then the super block's own state; the inodes' eviction reads
    // the data, so it is freed after.
    // SAFETY: `sb` is ours to kill; `data` is the box `fill_super` made.
    unsafe {
        bindings::kill_litter_super(sb);
        if !data.is_null() {
            drop(KBox::from_raw(data));
        }
    }
}

/// # Safety
///
/// Called by the VFS as `super_operations::evict_inode` when an inode's last
/// reference goes and it has no links left (or at unmount); nothing else
/// uses the inode.
unsafe extern "C" fn evict_inode<T: FileSystem>(inode: *mut bindings::inode) {
    // SAFETY: What the VFS does itself for a filesystem without
    // `evict_inode`: free the page cache (a RAM filesystem's only copy of the
    // data, so this is where it goes).
    unsafe { bindings::truncate_inode_pages_final(ptr::addr_of_mut!((*inode).i_data)) };
    // SAFETY: `inode` is one of `T`'s, being evicted (see above).
    T::evict(unsafe { EvictingInode::from_raw(inode) });
    // SAFETY: As above; the page cache is empty now.
    unsafe { bindings::clear_inode(inode) };
}
