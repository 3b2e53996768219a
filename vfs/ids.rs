// SPDX-License-Identifier: GPL-2.0

//! User and group ids as the kernel keeps them (`kuid_t`, `kgid_t`).
//!
//! A process sees ids through its user namespace; the kernel stores the
//! *global* id, the one the initial user namespace sees, and maps it at the
//! boundary (`make_kuid()` on the way in, `from_kuid()` on the way out). A
//! [`Kuid`] is such a global id, so a filesystem cannot mix it up with a
//! number a process wrote.
//!
//! An *idmapped mount* ([`Idmap`]) maps ids once more, between what the
//! filesystem stores and what users of that mount see. The VFS passes the
//! mount's idmap with each call that makes or changes an inode; the
//! filesystem hands it on where ids are set or checked (a new inode's owner,
//! `setattr`, ACLs).

use super::bindings;
use core::{marker::PhantomData, ptr::NonNull};

/// A user id as the kernel stores it: the initial user namespace's number.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Kuid(u32);

/// A group id as the kernel stores it. See [`Kuid`].
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Kgid(u32);

impl Kuid {
    /// The initial user namespace's root (`GLOBAL_ROOT_UID`).
    pub(crate) const ROOT: Self = Self(0);

    pub(super) fn from_c(uid: bindings::kuid_t) -> Self {
        Self(uid.val)
    }

    pub(super) fn to_c(self) -> bindings::kuid_t {
        bindings::kuid_t { val: self.0 }
    }

    /// The id in the initial user namespace (what `/proc/mounts` shows).
    pub(crate) fn global(self) -> u32 {
        self.0
    }

    /// The id whose number in the initial user namespace is `id`.
    pub(crate) fn from_global(id: u32) -> Self {
        Self(id)
    }
}

impl Kgid {
    /// The initial user namespace's root group (`GLOBAL_ROOT_GID`).
    pub(crate) const ROOT: Self = Self(0);

    pub(super) fn from_c(gid: bindings::kgid_t) -> Self {
        Self(gid.val)
    }

    pub(super) fn to_c(self) -> bindings::kgid_t {
        bindings::kgid_t { val: self.0 }
    }

    /// The id in the initial user namespace (what `/proc/mounts` shows).
    pub(crate) fn global(self) -> u32 {
        self.0
    }

    /// The id whose number in the initial user namespace is `id`.
    pub(crate) fn from_global(id: u32) -> Self {
        Self(id)
    }
}

/// The id mapping of the mount a call came through (`struct mnt_idmap`):
/// the identity for a mount that is not idmapped.
///
/// # Invariants
///
/// Points to a live idmap for `'a` (the VFS holds the mount for the call).
#[derive(Clone, Copy)]
pub(crate) struct Idmap<'a>(NonNull<bindings::mnt_idmap>, PhantomData<&'a ()>);

impl<'a> Idmap<'a> {
    /// The idmap a VFS call passed.
    ///
    /// # Safety
    ///
    /// `idmap` must be live for `'a`.
    pub(super) unsafe fn from_raw(idmap: *mut bindings::mnt_idmap) -> Self {
        // The VFS never passes NULL; should it, the identity is the safe
        // reading of "no mapping".
        // INVARIANT: The caller guarantees it is live for `'a`.
        NonNull::new(idmap).map_or(Self::identity(), |idmap| Self(idmap, PhantomData))
    }

    /// The identity mapping (`nop_mnt_idmap`): for an inode no mount made,
    /// such as a root directory.
    pub(crate) fn identity() -> Self {
        // INVARIANT: A static, live forever.
        Self(
            // SAFETY: Taking the address of a static is safe; it is not null.
            unsafe { NonNull::new_unchecked(core::ptr::addr_of_mut!(bindings::nop_mnt_idmap)) },
            PhantomData,
        )
    }

    pub(super) fn as_ptr(self) -> *mut bindings::mnt_idmap {
        self.0.as_ptr()
    }
}
