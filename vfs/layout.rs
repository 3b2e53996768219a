// SPDX-License-Identifier: GPL-2.0

//! Compile-time checks that bindgen's layout of the C structs this layer
//! builds or touches agrees with the C compiler's: a mismatch fails the build
//! instead of corrupting memory. (6.12's `task_struct` binding, for one,
//! puts `mm` 16 bytes early.)
//!
//! The list is written once, in `bindings_helper.h`: the C compiler records
//! each size and offset there as a constant, and `Kbuild` turns the same
//! lines into the `assert_size!` / `assert_offset!` calls included below.

use super::bindings;

/// The struct's size as Rust sees it is the C compiler's.
macro_rules! assert_size {
    ($ty:ident) => {
        kernel::macros::paste! {
            const _: () = assert!(
                core::mem::size_of::<bindings::$ty>() == bindings::[<SIZE__ $ty>]
            );
        }
    };
}

/// The field's offset as Rust sees it (at the bindgen path given) is the C
/// compiler's.
macro_rules! assert_offset {
    ($ty:ident, $field:ident, $($path:tt)+) => {
        kernel::macros::paste! {
            const _: () = assert!(
                core::mem::offset_of!(bindings::$ty, $($path)+)
                    == bindings::[<OFFSET__ $ty __ $field>]
            );
        }
    };
}

include!("../layout_generated.rs");

// The fields bindgen reaches through a union marker, which `offset_of!`
// cannot follow (`RAMFS_OFFSET_SUMMED` in the list): their offsets are
// summed here. A parse result's value is its union, at the union's start.
const _: () = assert!(
    core::mem::offset_of!(bindings::fs_parse_result, __bindgen_anon_1)
        == bindings::OFFSET__fs_parse_result__uint_32
);
// `iov_iter`'s byte count, in an anonymous struct in an anonymous union.
const _: () = assert!(
    core::mem::offset_of!(bindings::iov_iter, __bindgen_anon_1)
        + core::mem::offset_of!(bindings::iov_iter__bindgen_ty_1, __bindgen_anon_1)
        + core::mem::offset_of!(bindings::iov_iter__bindgen_ty_1__bindgen_ty_1, count)
        == bindings::OFFSET__iov_iter__count
);
