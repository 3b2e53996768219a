// SPDX-License-Identifier: GPL-2.0

//! Extended attributes: named values beside a file's data.
//!
//! `setxattr("user.colour", "blue")` attaches a value to an inode under a
//! name. The VFS splits the name at its namespace prefix and calls the
//! handler the super block lists for that prefix: the VFS layer lists
//! `user.`, `trusted.` and `security.` (`vfs/xattr.rs`); other prefixes get
//! EOPNOTSUPP from the VFS. The VFS also checks, before we are called, who
//! may do what (only regular files and directories take `user.` names;
//! `trusted.` needs CAP_SYS_ADMIN; the LSM rules `security.`) and the limits
//! (names of 255 bytes, values of 64 KiB).
//!
//! A disk filesystem stores xattrs on disk; we keep them in the inode's Rust
//! part (see `inode.rs`): a tree from full name to value, under a mutex,
//! both allocated when the inode's first xattr is set.
//! Each is charged to the mount's `size=` (see `space.rs`) at what it takes
//! from the allocator: its tree node, which holds the name, and its value's
//! buffer; an inode's first also pays for the tree and its mutex.
//! overlayfs keeps its bookkeeping in `trusted.overlay.*` xattrs of its upper
//! layer: these are what let rust_ramfs be one.

#![forbid(unsafe_code)]

use crate::{
    space::Space,
    vfs::{
        bindings, errno, xattr::caller_sees_trusted, Inode, InodeView, LockedInode, OnceBox,
        XattrOperations,
    },
    RamFs,
};
use kernel::{ffi::c_int, new_mutex, prelude::*, rbtree::RBTree, sync::Mutex};

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
/// instead of the mutex and tree (40): that keeps an inode small enough for
/// 13 of them per slab, as many as the VFS's `inode_cache` fits, and spares
/// evicting an inode without xattrs the lock.
pub(crate) struct Store(OnceBox<Mutex<Xattrs>>);

impl Store {
    /// A store with no xattrs and nothing allocated.
    pub(crate) const fn new() -> Self {
        Self(OnceBox::new())
    }

    /// The xattrs, allocated now (and charged to `space`) if none was ever
    /// set.
    fn get_or_create(&self, space: &Space) -> Result<&Mutex<Xattrs>> {
        if let Some(tree) = self.0.get() {
            return Ok(tree);
        }
        space.charge(store_charge())?;
        // The VFS serialises setters with `i_rwsem`, so two calls race here
        // only if that ever changes; then the first tree stays and the
        // other's charge goes back.
        let made = self.0.get_or_try_init(|| {
            KBox::pin_init(new_mutex!(Xattrs::new(), "xattr::Store"), GFP_KERNEL)
        });
        match made {
            Ok((tree, true)) => Ok(tree),
            Ok((tree, false)) => {
                space.uncharge(store_charge());
                Ok(tree)
            }
            Err(e) => {
                space.uncharge(store_charge());
                Err(e)
            }
        }
    }

    /// Empties the store, for an inode being evicted; returns the bytes it
    /// was charged, the tree's own included (freed with the inode).
    pub(crate) fn clear(&self) -> u64 {
        let Some(tree) = self.0.get() else {
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

/// Bytes an allocation of `bytes` takes from the slab allocator: its size
/// class, or whole pages when larger. A value too large for the slab may
/// come from `vmalloc` instead, which takes whole pages too.
fn allocated(bytes: usize) -> u64 {
    crate::vfs::sys::kmalloc_size_roundup(bytes)
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

/// `getxattr()`: copies the value of `name` to `buffer` (or, with an empty
/// buffer, only returns its length).
fn get(inode: &Inode<RamFs>, name: &Name, buffer: &mut [u8]) -> Result<usize> {
    let tree = inode
        .data()
        .xattrs
        .0
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
fn set(inode: &LockedInode<RamFs>, name: Name, value: Option<&[u8]>, flags: c_int) -> Result {
    let space = &inode.super_block().data().space;
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
    let store = &inode.data().xattrs;
    let tree = match (&new_value, store.0.get()) {
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
fn list(inode: &Inode<RamFs>, buffer: &mut [u8]) -> Result<usize> {
    let Some(tree) = inode.data().xattrs.0.get() else {
        return Ok(0);
    };
    let trusted = caller_sees_trusted();
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

/// rust_ramfs's xattrs, for the VFS layer's handlers.
#[vtable]
impl XattrOperations for RamFs {
    fn get(inode: &Inode<Self>, prefix: &[u8], suffix: &[u8], buffer: &mut [u8]) -> Result<usize> {
        get(inode, &Name::new(prefix, suffix)?, buffer)
    }

    fn set(
        inode: &LockedInode<Self>,
        prefix: &[u8],
        suffix: &[u8],
        value: Option<&[u8]>,
        flags: c_int,
    ) -> Result {
        set(inode, Name::new(prefix, suffix)?, value, flags)
    }

    fn list(inode: &Inode<Self>, buffer: &mut [u8]) -> Result<usize> {
        list(inode, buffer)
    }
}
