// SPDX-License-Identifier: GPL-2.0

//! [`OnceBox`]: a value allocated on first use, then kept.

use core::{
    ptr,
    sync::atomic::{
        AtomicPtr,
        Ordering::{AcqRel, Acquire},
    },
};
use kernel::{ffi::c_void, prelude::*, types::ForeignOwnable};

/// A pinned, boxed `T` that is allocated the first time it is needed and
/// freed with the `OnceBox`: a pointer (8 bytes) until then.
///
/// # Invariants
///
/// The pointer is null or comes from `into_foreign()` of a `Pin<KBox<T>>`;
/// once set it changes only when the `OnceBox` is dropped.
pub(crate) struct OnceBox<T: 'static>(AtomicPtr<c_void>, core::marker::PhantomData<T>);

impl<T: 'static> OnceBox<T> {
    /// An empty `OnceBox`, with nothing allocated.
    pub(crate) const fn new() -> Self {
        // INVARIANT: Null.
        Self(AtomicPtr::new(ptr::null_mut()), core::marker::PhantomData)
    }

    /// The value, if it was ever made.
    pub(crate) fn get(&self) -> Option<&T> {
        // Acquire: pairs with the release in `get_or_try_init`, so the value
        // is seen initialised.
        let value = self.0.load(Acquire);
        if value.is_null() {
            return None;
        }
        // SAFETY: By the invariant `value` came from `into_foreign()` and is
        // given back only in `drop`, which cannot run while `self` is
        // borrowed.
        Some(unsafe { <Pin<KBox<T>>>::borrow(value) }.get_ref())
    }

    /// The value, made now with `init` if it was never made. Also says
    /// whether this call's `init` made the value that is kept: when two
    /// calls race, the first value stored stays and the other is dropped.
    pub(crate) fn get_or_try_init(
        &self,
        init: impl FnOnce() -> Result<Pin<KBox<T>>>,
    ) -> Result<(&T, bool)> {
        if let Some(value) = self.get() {
            return Ok((value, false));
        }
        let new = init()?.into_foreign().cast_mut();
        let (value, made) = match self
            .0
            .compare_exchange(ptr::null_mut(), new, AcqRel, Acquire)
        {
            // INVARIANT: `new` came from `into_foreign()`.
            Ok(_) => (new, true),
            Err(theirs) => {
                // SAFETY: `new` came from `into_foreign()` above and was never
                // published, so nothing borrows it.
                drop(unsafe { <Pin<KBox<T>>>::from_foreign(new) });
                (theirs, false)
            }
        };
        // SAFETY: `value` is the one kept (see `get`).
        Ok((unsafe { <Pin<KBox<T>>>::borrow(value) }.get_ref(), made))
    }
}

impl<T: 'static> Drop for OnceBox<T> {
    fn drop(&mut self) {
        // SAFETY: By the invariant the pointer is null or came from
        // `into_foreign()`; `&mut self` means nothing borrows it.
        drop(unsafe { <Pin<KBox<T>>>::try_from_foreign(*self.0.get_mut()) });
    }
}
