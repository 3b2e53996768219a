// SPDX-License-Identifier: GPL-2.0

//! Mount contexts (`struct fs_context`) and their options.
//!
//! `mount` and `fsopen()` make a mount context: the VFS calls
//! `init_fs_context`, which attaches a fresh `T::Options`, then
//! `parse_param` once per option, then `get_tree` (a new mount) or
//! `reconfigure` (a remount), then `free`. Options are parsed by the kernel's
//! `fs_parser` from a table built from [`FileSystem::PARAMETERS`].

use super::{
    bindings,
    filesystem::{fill_super, Registration},
    ids::{Kgid, Kuid},
    super_block::SuperBlock,
    table, to_c, zeroed, FileSystem,
};
use core::{marker::PhantomData, ptr};
use kernel::{
    c_str,
    error::from_result,
    ffi::{c_int, c_void},
    prelude::*,
    str::CStr,
    types::Opaque,
};

/// The most options a filesystem's table may have.
pub(crate) const MAX_PARAMS: usize = 16;

/// How an option's value is parsed.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum ParamKind {
    /// No entry.
    None,
    /// A `u32` number.
    U32,
    /// A flag.
    Flag,
    /// A flag, also taken with a `no` prefix.
    FlagNo,
    /// A user id, in the mounter's user namespace.
    Uid,
    /// A group id, in the mounter's user namespace.
    Gid,
    /// A string, parsed by the filesystem.
    String,
}

/// One mount option: its name and how its value is parsed.
pub(crate) struct ParamSpec {
    name: &'static CStr,
    kind: ParamKind,
    /// The number base of a `u32`.
    base: usize,
}

impl ParamSpec {
    /// `fsparam_u32` (base 10) or `fsparam_u32oct` (base 8): `name=N`.
    pub(crate) const fn u32(name: &'static CStr, base: usize) -> Self {
        Self {
            name,
            kind: ParamKind::U32,
            base,
        }
    }

    /// `fsparam_flag`: `name`.
    pub(crate) const fn flag(name: &'static CStr) -> Self {
        Self {
            name,
            kind: ParamKind::Flag,
            base: 0,
        }
    }

    /// `fsparam_uid`: `name=N`, a user id as the mounter's namespace sees it.
    pub(crate) const fn uid(name: &'static CStr) -> Self {
        Self {
            name,
            kind: ParamKind::Uid,
            base: 0,
        }
    }

    /// `fsparam_gid`: `name=N`, a group id as the mounter's namespace sees it.
    pub(crate) const fn gid(name: &'static CStr) -> Self {
        Self {
            name,
            kind: ParamKind::Gid,
            base: 0,
        }
    }

    /// `fsparam_flag_no`: `name`, or `noname`.
    pub(crate) const fn flag_no(name: &'static CStr) -> Self {
        Self {
            name,
            kind: ParamKind::FlagNo,
            base: 0,
        }
    }

    /// `fsparam_string`: `name=TEXT`, non-empty.
    pub(crate) const fn string(name: &'static CStr) -> Self {
        Self {
            name,
            kind: ParamKind::String,
            base: 0,
        }
    }
}

/// An option's value, as the kernel's parser gives it.
pub(crate) enum ParamValue<'a> {
    /// A number.
    U32(u32),
    /// A flag: `true` for `name`, `false` for `noname`.
    Flag(bool),
    /// A user id, mapped from the mounter's namespace (valid, but not
    /// necessarily mapped in the context's: see [`FsContext::maps_uid`]).
    Uid(Kuid),
    /// A group id. See [`ParamValue::Uid`].
    Gid(Kgid),
    /// A string, valid for the call.
    String(&'a CStr),
}

/// The C parameter table for `specs` (`opt` is each entry's index, then
/// all-zero entries to the end) and what each entry parses.
pub(super) const fn build_params(
    specs: &'static [ParamSpec],
) -> (
    [bindings::fs_parameter_spec; MAX_PARAMS + 1],
    [ParamKind; MAX_PARAMS],
) {
    assert!(specs.len() <= MAX_PARAMS, "too many mount options");
    // SAFETY: All-zero is a valid `fs_parameter_spec`: no name (the end).
    let mut params: [bindings::fs_parameter_spec; MAX_PARAMS + 1] = unsafe { zeroed() };
    let mut kinds = [ParamKind::None; MAX_PARAMS];
    let mut i = 0;
    while i < specs.len() {
        let spec = &specs[i];
        params[i] = bindings::fs_parameter_spec {
            name: spec.name.as_char_ptr(),
            type_: match spec.kind {
                ParamKind::U32 => Some(bindings::fs_param_is_u32),
                ParamKind::String => Some(bindings::fs_param_is_string),
                ParamKind::Uid => Some(bindings::fs_param_is_uid),
                ParamKind::Gid => Some(bindings::fs_param_is_gid),
                ParamKind::Flag | ParamKind::FlagNo | ParamKind::None => None,
            },
            // At most `MAX_PARAMS`, so it fits.
            opt: i as u8,
            flags: match spec.kind {
                ParamKind::FlagNo => bindings::fs_param_neg_with_no as _,
                _ => 0,
            },
            // For `fs_param_is_u32`, `data` is the number base.
            data: spec.base as *const c_void,
        };
        kinds[i] = spec.kind;
        i += 1;
    }
    (params, kinds)
}

/// A mount context, as its callbacks see it.
///
/// # Invariants
///
/// The context is live and was made by `init_fs_context` for a filesystem
/// type of this layer. Other threads may write parts of it (its log, under
/// `uapi_mutex`), so it is only ever accessed through raw pointers.
#[repr(transparent)]
pub(crate) struct FsContext(Opaque<bindings::fs_context>);

impl FsContext {
    /// Views a C mount context.
    ///
    /// # Safety
    ///
    /// `ptr` must point to a live context made by `init_fs_context`, alive
    /// for `'a`.
    pub(super) unsafe fn from_raw<'a>(ptr: *mut bindings::fs_context) -> &'a Self {
        // SAFETY: `FsContext` is `repr(transparent)` over `Opaque<fs_context>`;
        // the caller guarantees it is alive for `'a`.
        unsafe { &*ptr.cast() }
    }

    /// Logs `message` as an error about an option to the context's log,
    /// prefixed with the filesystem's name (dmesg for `mount`; `fsconfig()`
    /// users read it back from the context's fd), and returns EINVAL:
    /// `invalfc()` in C.
    pub(crate) fn invalid(&self, message: &CStr) -> Error {
        let fc = self.0.get();
        // SAFETY: `fc` is live (invariant); `log` is its error log, whose
        // `log` and `prefix` are set when it is made. "%s" takes one C string.
        unsafe {
            bindings::logfc(
                (*fc).log.log,
                (*fc).log.prefix,
                b'e' as kernel::ffi::c_char,
                c_str!("%s").as_char_ptr(),
                message.as_char_ptr(),
            )
        };
        EINVAL
    }

    /// Whether `uid` has a number in the context's user namespace (the
    /// namespace the filesystem is mounted for): `kuid_has_mapping()`.
    pub(crate) fn maps_uid(&self, uid: Kuid) -> bool {
        // SAFETY: `user_ns` is set when the context is made, holds a
        // reference, and never changes.
        unsafe { bindings::from_kuid((*self.0.get()).user_ns, uid.to_c()) != u32::MAX }
    }

    /// Whether `gid` has a number in the context's user namespace.
    pub(crate) fn maps_gid(&self, gid: Kgid) -> bool {
        // SAFETY: As in `maps_uid`.
        unsafe { bindings::from_kgid((*self.0.get()).user_ns, gid.to_c()) != u32::MAX }
    }

    /// Whether the context belongs to the initial user namespace (a mount by
    /// the machine's administrator, not inside a container).
    pub(crate) fn in_initial_user_ns(&self) -> bool {
        // SAFETY: `user_ns` is set when the context is made and never
        // changes; the namespaces are compared by address only.
        ptr::eq(
            unsafe { (*self.0.get()).user_ns },
            ptr::addr_of!(bindings::init_user_ns),
        )
    }
}

/// The options a context of `T` holds.
///
/// # Safety
///
/// `fc` must be a live context made by [`init_fs_context`] for `T`, and the
/// VFS must not be running another callback on it (it serialises them).
pub(super) unsafe fn options<'a, T: FileSystem>(
    fc: *mut bindings::fs_context,
) -> &'a mut T::Options {
    // SAFETY: `fs_private` is the `T::Options` box `init_fs_context` made,
    // owned by the context; only this callback uses it (see above).
    unsafe { &mut *(*fc).fs_private.cast::<T::Options>() }
}

/// How the VFS drives a mount context of `T`.
struct ContextTable<T>(PhantomData<T>);

impl<T: FileSystem> ContextTable<T> {
    const TABLE: bindings::fs_context_operations = bindings::fs_context_operations {
        free: Some(free_fs_context::<T>),
        parse_param: Some(parse_param::<T>),
        get_tree: Some(get_tree::<T>),
        reconfigure: Some(reconfigure::<T>),
        // SAFETY: All-zero is a valid `fs_context_operations`: no callback.
        ..unsafe { zeroed() }
    };
}

/// # Safety
///
/// Called by the VFS as `file_system_type::init_fs_context` of `T`, with a
/// live, new mount context (for a mount or a remount) that it does not share
/// with anyone during the call.
pub(super) unsafe extern "C" fn init_fs_context<T: FileSystem>(
    fc: *mut kernel::bindings::fs_context,
) -> c_int {
    // `kernel::bindings` only knows `struct fs_context` as opaque; ours is
    // the same C struct with its fields.
    let fc = fc.cast::<bindings::fs_context>();
    from_result(|| {
        let options = KBox::new(T::Options::default(), GFP_KERNEL)?;
        // SAFETY: `fc` is live and ours alone during this call (see above).
        unsafe {
            (*fc).fs_private = KBox::into_raw(options).cast();
            (*fc).ops = table(&ContextTable::<T>::TABLE);
        }
        Ok(0)
    })
}

/// # Safety
///
/// Called by the VFS as `fs_context_operations::parse_param`, with a live
/// context made by [`init_fs_context`] for `T` and a live parameter. The VFS
/// serialises calls on one context.
unsafe extern "C" fn parse_param<T: FileSystem>(
    fc: *mut bindings::fs_context,
    param: *mut bindings::fs_parameter,
) -> c_int {
    // SAFETY: The context's type is `T`'s, registered by a `Registration<T>`.
    let registration = unsafe { Registration::<T>::from_fs_type((*fc).fs_type) };
    // SAFETY: An all-zero `fs_parse_result` is valid; `__fs_parse()` fills it.
    let mut result: bindings::fs_parse_result = unsafe { zeroed() };
    // SAFETY: `log` is the context's error log, the table is terminated (an
    // invariant of `Registration`) and `param` live; `fs_parse()` is this
    // call, inlined.
    let opt = unsafe {
        bindings::__fs_parse(
            ptr::addr_of_mut!((*fc).log),
            registration.params(),
            param,
            &mut result,
        )
    };
    // A negative value is an error already logged ("Bad value for 'mode'"),
    // or ENOPARAM for an option not in the table: the VFS then accepts
    // `source=` and refuses anything else with EINVAL and "Unknown parameter".
    let Ok(index) = usize::try_from(opt) else {
        return opt;
    };
    let value = match registration.kind(index) {
        Some(ParamKind::U32) => {
            // SAFETY: For a `fs_param_is_u32` option the parser sets `uint_32`.
            ParamValue::U32(unsafe { *result.__bindgen_anon_1.uint_32.as_ref() })
        }
        Some(ParamKind::Flag | ParamKind::FlagNo) => ParamValue::Flag(!result.negated),
        // SAFETY: For a `fs_param_is_uid` option the parser sets `uid`, a
        // valid id mapped from the caller's namespace.
        Some(ParamKind::Uid) => ParamValue::Uid(Kuid::from_c(unsafe {
            *result.__bindgen_anon_1.uid.as_ref()
        })),
        // SAFETY: For a `fs_param_is_gid` option the parser sets `gid`.
        Some(ParamKind::Gid) => ParamValue::Gid(Kgid::from_c(unsafe {
            *result.__bindgen_anon_1.gid.as_ref()
        })),
        Some(ParamKind::String) => {
            // SAFETY: For a `fs_param_is_string` option the parser has checked
            // that `string` is a non-empty C string, live for the call.
            ParamValue::String(unsafe { CStr::from_char_ptr((*param).__bindgen_anon_1.string) })
        }
        Some(ParamKind::None) | None => return ENOPARAM.to_errno(),
    };
    // SAFETY: See above: the context is `T`'s, and this call has it alone.
    let (fc_ref, options) = unsafe { (FsContext::from_raw(fc), options::<T>(fc)) };
    to_c(T::parse_param(fc_ref, options, index, value))
}

/// # Safety
///
/// Called by the VFS as `fs_context_operations::get_tree` with a live
/// context made by [`init_fs_context`] for `T`.
unsafe extern "C" fn get_tree<T: FileSystem>(fc: *mut bindings::fs_context) -> c_int {
    // SAFETY: `fc` is live. Each mount gets a new super block: there is no
    // device to share one by.
    unsafe { bindings::get_tree_nodev(fc, Some(fill_super::<T>)) }
}

/// # Safety
///
/// Called by the VFS as `fs_context_operations::reconfigure` for
/// `mount -o remount`, with a live context made by [`init_fs_context`] for
/// `T` whose `root` is the root of a mounted super block of `T`; the super
/// block's `s_umount` is held.
unsafe extern "C" fn reconfigure<T: FileSystem>(fc: *mut bindings::fs_context) -> c_int {
    // SAFETY: `fc`, its options and its root are live, and the root's super
    // block is `T`'s, filled by `fill_super` (see above).
    let (fc_ref, sb, options) = unsafe {
        (
            FsContext::from_raw(fc),
            SuperBlock::<T>::from_raw((*(*fc).root).d_sb),
            options::<T>(fc),
        )
    };
    to_c(T::reconfigure(fc_ref, sb, options))
}

/// # Safety
///
/// Called by the VFS as `fs_context_operations::free` when a context of `T`
/// is destroyed; nothing uses the context after the call.
unsafe extern "C" fn free_fs_context<T: FileSystem>(fc: *mut bindings::fs_context) {
    // SAFETY: `fc` is live; its `fs_private` is the `T::Options` box from
    // `init_fs_context` (or null if that failed), which we now free.
    unsafe {
        let options = (*fc).fs_private.cast::<T::Options>();
        if !options.is_null() {
            drop(KBox::from_raw(options));
        }
    }
}
