// SPDX-License-Identifier: GPL-2.0

//! Extended attributes: named values beside a file's data.
//!
//! `setxattr("user.colour", "blue")` attaches a value to an inode under a
//! name. The VFS splits the name at its namespace prefix and calls the
//! handler the super block lists for that prefix (`sb->s_xattr`): ours are
//! `user.`, `trusted.` and `security.`; other prefixes get EOPNOTSUPP from
//! the VFS. The VFS also checks, before we are called, who may do what (only
//! regular files and directories take `user.` names; `trusted.` needs
//! CAP_SYS_ADMIN; the LSM rules `security.`) and the limits (names of 255
//! bytes, values of 64 KiB).
//!
//! A disk filesystem stores xattrs on disk; we keep them in the inode's Rust
//! part (see `inode.rs`): a tree from full name to value, under a mutex,
//! both allocated when the inode's first xattr is set.
//! Each is charged to the mount's `size=` (see `space.rs`) at what it takes
//! from the allocator: its tree node, which holds the name, and its value's
//! buffer; an inode's first also pays for the tree and its mutex.
//! overlayfs keeps its bookkeeping in `trusted.overlay.*` xattrs of its upper
//! layer: these are what let rust_ramfs be one.

use crate::{
    bindings,
    space::Space,
    vfs::{errno, Dentry, Inode, StaticTable},
};
use core::{
    ffi::c_void,
    ptr,
    sync::atomic::{
        AtomicPtr,
        Ordering::{AcqRel, Acquire},
    },
};
use kernel::{
    ffi::{c_char, c_int},
    new_mutex,
    prelude::*,
    rbtree::RBTree,
    str::CStr,
    sync::Mutex,
    types::ForeignOwnable,
};

/// Longest full name (prefix included), as the VFS limits it.
const NAME_MAX: usize = bindings::XATTR_NAME_MAX as usize;

/// A full xattr name (`user.colour`), held inline so that a lookup needs no
/// allocation. Names have no NUL bytes, so comparing the zero-padded arrays
/// orders names as strings.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct Name {
    bytes: [u8; NAME_MAX],
    len: usize,
}

impl Name {
    /// `prefix` followed by `suffix`, or ERANGE (the VFS's error for a name
    /// that is too long).
    fn new(prefix: &[u8], suffix: &[u8]) -> Result<Self> {
        let len = prefix.len() + suffix.len();
        if len > NAME_MAX {
            return Err(ERANGE);
        }
        let mut bytes = [0; NAME_MAX];
        for (to, from) in bytes
            .iter_mut()
            .zip(Iterator::chain(prefix.iter(), suffix.iter()))
        {
            *to = *from;
        }
        Ok(Self { bytes, len })
    }

    fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }
}

/// One inode's xattrs: full name to value.
type Xattrs = RBTree<Name, KVVec<u8>>;

/// Where an inode keeps its xattrs: nothing until the first is set, then a
/// tree under a mutex of its own, until the inode is freed.
///
/// Most inodes never get an xattr, so the inode holds a pointer (8 bytes)
/// instead of the mutex and tree (40): that keeps a `RamfsInode` small
/// enough for 13 of them per slab, as many as the VFS's `inode_cache` fits,
/// and spares evicting an inode without xattrs the lock.
///
/// INVARIANT: the pointer is null or comes from `into_foreign()` of a
/// `Pin<KBox<Mutex<Xattrs>>>`; once set it changes only when the store is
/// dropped.
pub(crate) struct Store(AtomicPtr<c_void>);

type Boxed = Pin<KBox<Mutex<Xattrs>>>;

impl Store {
    /// A store with no xattrs and nothing allocated.
    pub(crate) const fn new() -> Self {
        Self(AtomicPtr::new(ptr::null_mut()))
    }

    /// The xattrs, if one was ever set.
    fn get(&self) -> Option<&Mutex<Xattrs>> {
        // Acquire: pairs with the release in `get_or_create`, so the tree is
        // seen initialised.
        let tree = self.0.load(Acquire);
        if tree.is_null() {
            return None;
        }
        // SAFETY: By the invariant `tree` came from `into_foreign()` and is
        // given back only in `drop`, which cannot run while `self` is
        // borrowed.
        Some(unsafe { Boxed::borrow(tree) }.get_ref())
    }

    /// The xattrs, allocated now (and charged to `space`) if none was ever
    /// set.
    fn get_or_create(&self, space: &Space) -> Result<&Mutex<Xattrs>> {
        if let Some(tree) = self.get() {
            return Ok(tree);
        }
        space.charge(store_charge())?;
        let new = match KBox::pin_init(new_mutex!(Xattrs::new(), "xattr::Store"), GFP_KERNEL) {
            Ok(new) => new.into_foreign().cast_mut(),
            Err(e) => {
                space.uncharge(store_charge());
                return Err(e);
            }
        };
        // The VFS serialises setters with `i_rwsem`, so the exchange fails
        // only if that ever changes; then the first tree stays.
        let exchange = self
            .0
            .compare_exchange(ptr::null_mut(), new, AcqRel, Acquire);
        let tree = match exchange {
            Ok(_) => new,
            Err(theirs) => {
                // SAFETY: `new` came from `into_foreign()` above and was never
                // published, so nothing borrows it.
                drop(unsafe { Boxed::from_foreign(new) });
                space.uncharge(store_charge());
                theirs
            }
        };
        // SAFETY: `tree` is the store's (see `get`).
        Ok(unsafe { Boxed::borrow(tree) }.get_ref())
    }

    /// Empties the store, for an inode being evicted; returns the bytes it
    /// was charged, the tree's own included (freed with the inode).
    pub(crate) fn clear(&self) -> u64 {
        let Some(tree) = self.get() else {
            return 0;
        };
        let mut xattrs = tree.lock();
        let charge = xattrs
            .values()
            .map(|value| charge_of(value.len()))
            .sum::<u64>();
        *xattrs = Xattrs::new();
        charge.saturating_add(store_charge())
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        // SAFETY: By the invariant the pointer is null or came from
        // `into_foreign()`; `&mut self` means nothing borrows it.
        drop(unsafe { Boxed::try_from_foreign(*self.0.get_mut()) });
    }
}

/// Bytes an allocation of `bytes` takes from the slab allocator
/// (`kmalloc_size_roundup()`): its size class, or whole pages when larger.
/// A value too large for the slab may come from `vmalloc` instead, which
/// takes whole pages too.
fn allocated(bytes: usize) -> u64 {
    // SAFETY: `kmalloc_size_roundup()` only computes a size.
    unsafe { bindings::kmalloc_size_roundup(bytes) as u64 }
}

/// What `RBTree` allocates per entry: a node with the tree links, the key
/// (the name, inline) and the value's vector.
const NODE_BYTES: usize = core::mem::size_of::<bindings::rb_node>()
    + core::mem::size_of::<Name>()
    + core::mem::size_of::<KVVec<u8>>();

/// Bytes an xattr is charged to `size=`: its node and its value's buffer.
fn charge_of(value_len: usize) -> u64 {
    let value = if value_len == 0 {
        0
    } else {
        allocated(value_len)
    };
    allocated(NODE_BYTES).saturating_add(value)
}

/// Bytes an inode's first xattr also costs: the tree and its mutex.
fn store_charge() -> u64 {
    allocated(core::mem::size_of::<Mutex<Xattrs>>())
}

/// Whether the caller may see `trusted.` names (as `simple_xattr_list()`).
fn sees_trusted() -> bool {
    // SAFETY: `init_user_ns` is a static; the check reads the caller's
    // credentials only.
    unsafe {
        bindings::ns_capable_noaudit(
            ptr::addr_of_mut!(bindings::init_user_ns),
            bindings::CAP_SYS_ADMIN as c_int,
        )
    }
}

/// `getxattr()`: copies the value of `name` to `buffer` (or, with an empty
/// buffer, only returns its length).
fn get(inode: &Inode, name: &Name, buffer: &mut [u8]) -> Result<usize> {
    let tree = inode
        .ramfs()
        .xattrs
        .get()
        .ok_or_else(|| errno(bindings::ENODATA))?;
    let xattrs = tree.lock();
    let value = xattrs.get(name).ok_or_else(|| errno(bindings::ENODATA))?;
    if buffer.is_empty() {
        return Ok(value.len());
    }
    buffer
        .get_mut(..value.len())
        .ok_or(ERANGE)?
        .copy_from_slice(value);
    Ok(value.len())
}

/// `setxattr()` (`value` is `Some`) and `removexattr()` (`None`), with the
/// `XATTR_CREATE` / `XATTR_REPLACE` flags.
fn set(inode: &Inode, name: Name, value: Option<&[u8]>, flags: c_int) -> Result {
    let space = &inode.super_block().info().space;
    // Allocate before taking the lock: the value may be 64 KiB.
    let new_value = match value {
        Some(value) => {
            let mut copy = KVVec::with_capacity(value.len(), GFP_KERNEL)?;
            copy.extend_from_slice(value, GFP_KERNEL)?;
            Some(copy)
        }
        None => None,
    };
    let create_only = flags & bindings::XATTR_CREATE as c_int != 0;
    let replace_only = flags & bindings::XATTR_REPLACE as c_int != 0;
    let store = &inode.ramfs().xattrs;
    let tree = match (&new_value, store.get()) {
        (None, None) => return Err(errno(bindings::ENODATA)),
        (None, Some(tree)) => tree,
        (Some(_), _) => store.get_or_create(space)?,
    };
    let mut xattrs = tree.lock();
    let old_len = xattrs.get(&name).map(|old| old.len());
    match (new_value, old_len) {
        (None, None) => return Err(errno(bindings::ENODATA)),
        (None, Some(old_len)) => {
            xattrs.remove(&name);
            space.uncharge(charge_of(old_len));
        }
        (Some(_), Some(_)) if create_only => return Err(EEXIST),
        (Some(_), None) if replace_only => return Err(errno(bindings::ENODATA)),
        (Some(new_value), Some(old_len)) => {
            let (old_charge, new_charge) = (charge_of(old_len), charge_of(new_value.len()));
            if new_charge > old_charge {
                space.charge(new_charge - old_charge)?;
            } else {
                space.uncharge(old_charge - new_charge);
            }
            if let Some(slot) = xattrs.get_mut(&name) {
                *slot = new_value;
            }
        }
        (Some(new_value), None) => {
            let charge = charge_of(new_value.len());
            space.charge(charge)?;
            if let Err(e) = xattrs.try_create_and_insert(name, new_value, GFP_KERNEL) {
                space.uncharge(charge);
                return Err(e);
            }
        }
    }
    drop(xattrs);
    inode.touch_ctime();
    Ok(())
}

/// `listxattr()`: the names the caller may see, each followed by a NUL, in
/// `buffer` (or, with an empty buffer, only their total length).
fn list(inode: &Inode, buffer: &mut [u8]) -> Result<usize> {
    let Some(tree) = inode.ramfs().xattrs.get() else {
        return Ok(0);
    };
    let trusted = sees_trusted();
    let xattrs = tree.lock();
    let visible = xattrs
        .keys()
        .map(Name::as_bytes)
        .filter(|name| trusted || !name.starts_with(without_nul(bindings::XATTR_TRUSTED_PREFIX)));
    let mut len = 0;
    for name in visible {
        let end = len + name.len() + 1;
        if !buffer.is_empty() {
            let slot = buffer.get_mut(len..end).ok_or(ERANGE)?;
            let (text, nul) = slot.split_at_mut(name.len());
            text.copy_from_slice(name);
            nul.fill(0);
        }
        len = end;
    }
    Ok(len)
}

/// A C string literal from the bindings, without its NUL.
fn without_nul(literal: &'static [u8]) -> &'static [u8] {
    literal.split_last().map_or(literal, |(_, text)| text)
}

/// The handlers of the three namespaces we store, as `sb->s_xattr` lists
/// them (a null-terminated array of pointers).
pub(crate) static HANDLERS: StaticTable<[*const bindings::xattr_handler; 4]> = StaticTable([
    USER.as_ptr(),
    TRUSTED.as_ptr(),
    SECURITY.as_ptr(),
    ptr::null(),
]);

/// A handler for the names starting with `prefix` (a NUL-terminated literal).
const fn handler(prefix: &'static [u8]) -> StaticTable<bindings::xattr_handler> {
    StaticTable(bindings::xattr_handler {
        name: ptr::null(),
        prefix: prefix.as_ptr().cast::<c_char>(),
        flags: 0,
        // Only `generic_listxattr()` asks this; we list names ourselves.
        list: None,
        get: Some(get_callback),
        set: Some(set_callback),
    })
}

static USER: StaticTable<bindings::xattr_handler> = handler(bindings::XATTR_USER_PREFIX);
static TRUSTED: StaticTable<bindings::xattr_handler> = handler(bindings::XATTR_TRUSTED_PREFIX);
static SECURITY: StaticTable<bindings::xattr_handler> = handler(bindings::XATTR_SECURITY_PREFIX);

/// The handler's prefix, without its NUL.
///
/// # Safety
///
/// `handler` must be one of ours (a static with a literal prefix).
unsafe fn prefix<'a>(handler: *const bindings::xattr_handler) -> &'a [u8] {
    // SAFETY: Ours have a `'static` NUL-terminated prefix (see above).
    unsafe { CStr::from_char_ptr((*handler).prefix) }.as_bytes()
}

/// The caller's buffer as a slice: empty for a length query (`size` 0).
///
/// # Safety
///
/// Unless `size` is 0, `buffer` points to `size` bytes that are ours to write
/// for `'a`.
unsafe fn out_buffer<'a>(buffer: *mut u8, size: usize) -> &'a mut [u8] {
    if size == 0 || buffer.is_null() {
        &mut []
    } else {
        // SAFETY: See above.
        unsafe { core::slice::from_raw_parts_mut(buffer, size) }
    }
}

/// # Safety
///
/// Called by the VFS as `xattr_handler::get` with one of our handlers, a live
/// inode of ours, the name after the prefix (a C string) and a buffer of
/// `size` writable bytes (null when `size` is 0).
unsafe extern "C" fn get_callback(
    handler: *const bindings::xattr_handler,
    _dentry: *mut bindings::dentry,
    inode: *mut bindings::inode,
    name: *const c_char,
    buffer: *mut c_void,
    size: usize,
) -> c_int {
    // SAFETY: See above.
    let (inode, suffix) = unsafe { (Inode::from_raw(inode), CStr::from_char_ptr(name)) };
    // SAFETY: The VFS passes `size` writable bytes, ours for the call.
    let buffer = unsafe { out_buffer(buffer.cast(), size) };
    // SAFETY: `handler` is one of ours.
    let name = Name::new(unsafe { prefix(handler) }, suffix.as_bytes());
    match name.and_then(|name| get(inode, &name, buffer)) {
        // A value is at most 64 KiB (XATTR_SIZE_MAX).
        Ok(len) => c_int::try_from(len).unwrap_or(c_int::MAX),
        Err(e) => e.to_errno(),
    }
}

/// # Safety
///
/// Called by the VFS as `xattr_handler::set` with one of our handlers, a live
/// inode of ours whose `i_rwsem` is held, the name after the prefix (a C
/// string) and `value`: `size` readable bytes, or null for a removal.
unsafe extern "C" fn set_callback(
    handler: *const bindings::xattr_handler,
    _idmap: *mut bindings::mnt_idmap,
    _dentry: *mut bindings::dentry,
    inode: *mut bindings::inode,
    name: *const c_char,
    value: *const c_void,
    size: usize,
    flags: c_int,
) -> c_int {
    // SAFETY: See above.
    let (inode, suffix) = unsafe { (Inode::from_raw(inode), CStr::from_char_ptr(name)) };
    let value: Option<&[u8]> = match (value.is_null(), size) {
        (true, _) => None,
        (false, 0) => Some(&[]),
        // SAFETY: The VFS passes `size` readable bytes for the call.
        (false, _) => Some(unsafe { core::slice::from_raw_parts(value.cast(), size) }),
    };
    // SAFETY: `handler` is one of ours.
    let name = Name::new(unsafe { prefix(handler) }, suffix.as_bytes());
    match name.and_then(|name| set(inode, name, value, flags)) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// # Safety
///
/// Called by the VFS as `inode_operations::listxattr` with a live, positive
/// dentry of ours and a buffer of `size` writable bytes (null when 0).
pub(crate) unsafe extern "C" fn listxattr(
    dentry: *mut bindings::dentry,
    buffer: *mut c_char,
    size: usize,
) -> isize {
    // SAFETY: See above.
    let Some(inode) = (unsafe { Dentry::from_raw(dentry) }).inode() else {
        return ENOENT.to_errno() as isize;
    };
    // SAFETY: The VFS passes `size` writable bytes, ours for the call.
    let buffer = unsafe { out_buffer(buffer.cast(), size) };
    match list(inode, buffer) {
        Ok(len) => isize::try_from(len).unwrap_or(isize::MAX),
        Err(e) => e.to_errno() as isize,
    }
}
