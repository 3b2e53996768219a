// SPDX-License-Identifier: GPL-2.0

//! rust_ramfs: a RAM filesystem, and how a filesystem plugs into the VFS.
//!
//! This file is the filesystem's front door. Loading the module registers a
//! *filesystem type* (`struct file_system_type`) named `rust_ramfs` with the
//! VFS. Then `mount -t rust_ramfs none /mnt` goes:
//!
//! 1. The VFS calls [`init_fs_context`]: we attach an empty
//!    [`MountOptions`] and our mount-context operations to the new *mount
//!    context* (`struct fs_context`).
//! 2. For each option (`mode=0700`, `trace`) the VFS calls [`parse_param`],
//!    which uses the kernel's option parser (`fs_parser`) with our table
//!    [`PARAMETERS`].
//! 3. The VFS calls [`get_tree`]: `get_tree_nodev()` makes a new *super
//!    block* (one per mount: there is no device to share) and calls
//!    [`fill_super`], which sets its limits, attaches a [`SuperInfo`] made
//!    from the options, and makes the root directory.
//! 4. At unmount of the last user, the VFS calls [`kill_sb`], which lets libfs
//!    drop every pinned dentry (and so every file) and frees [`SuperInfo`].
//!
//! `mount -o remount` goes through steps 1 and 2 with a new context, then
//! [`reconfigure`] applies it to the mounted super block.
//!
//! The rest is in `inode.rs` (making inodes), `dir_ops.rs` (directories),
//! `file_ops.rs` (files) and `vfs.rs` (the typed layer over the C structures).

use core::ptr;
use kernel::{
    c_str,
    error::{from_result, to_result},
    ffi::{c_int, c_uint, c_void},
    prelude::*,
    str::CStr,
    types::{ARef, Opaque},
};
use trace::{trace, Trace};
use vfs::{Inode, StaticTable, SuperBlock};

mod dir_ops;
mod file_ops;
mod inode;
mod trace;
mod vfs;

/// The C declarations this module uses: all of `kernel::bindings`, plus what
/// 6.12's bindings lack (the mount API, a few macro constants), generated at
/// build time from `bindings_helper.h` (see `Kbuild`).
#[allow(
    clippy::all,
    clippy::undocumented_unsafe_blocks,
    dead_code,
    improper_ctypes,
    missing_docs,
    non_camel_case_types,
    non_snake_case,
    non_upper_case_globals,
    unreachable_pub,
    unsafe_op_in_unsafe_fn
)]
mod bindings {
    include!("bindings_generated.rs");
}

module! {
    type: RustRamfs,
    name: "rust_ramfs",
    author: "The rust_ramfs developers",
    description: "A RAM filesystem written in Rust, behaving like ramfs",
    license: "GPL",
    alias: ["fs-rust_ramfs"],
}

/// The magic number `statfs()` reports for this filesystem (`stat -f`):
/// "rust" in ASCII. The C ramfs has `RAMFS_MAGIC` (0x858458f6); ours differs
/// so tools can tell the two apart.
const RUST_RAMFS_MAGIC: kernel::ffi::c_ulong = 0x7275_7374;

/// The root directory's permissions when no `mode=` is given (as the C ramfs).
const DEFAULT_MODE: bindings::umode_t = 0o755;

/// The options of one `mount` or `remount`, as parsed: `None` where the
/// option was not given. They live in the mount context (`fc->fs_private`)
/// from [`init_fs_context`] to [`free_fs_context`].
#[derive(Default)]
struct MountOptions {
    /// `mode=`: permissions of the root directory.
    mode: Option<bindings::umode_t>,
    /// `trace` / `notrace`: log the VFS's calls (see `trace.rs`).
    trace: Option<bool>,
}

/// What a mounted rust_ramfs keeps (`sb->s_fs_info`): made by [`fill_super`]
/// from the options, freed by [`kill_sb`].
pub(crate) struct SuperInfo {
    /// The root directory's permissions at mount time, for `/proc/mounts`.
    mode: bindings::umode_t,
    /// Whether the VFS's calls are logged.
    pub(crate) trace: Trace,
}

/// The module: while it is loaded, the filesystem type is registered.
struct RustRamfs;

impl kernel::Module for RustRamfs {
    fn init(module: &'static ThisModule) -> Result<Self> {
        let fs_type = FS_TYPE.0.get();
        // With `owner` set, every super block holds a reference on this
        // module: `rmmod` fails ("in use") while a rust_ramfs is mounted.
        // SAFETY: Module init runs once, before the type is registered, so
        // nothing else reads `FS_TYPE` yet.
        unsafe { (*fs_type).owner = module.as_ptr() };
        // SAFETY: `FS_TYPE` is a static, so it outlives the registration, which
        // `drop` undoes. Registration is the last step of init, so a failure
        // leaves nothing behind.
        to_result(unsafe { bindings::register_filesystem(fs_type) })?;
        Ok(RustRamfs)
    }
}

impl Drop for RustRamfs {
    fn drop(&mut self) {
        // SAFETY: `init` registered `FS_TYPE`. No super block is left: each
        // holds a module reference, so the module cannot be unloaded before
        // the last one is gone.
        unsafe { bindings::unregister_filesystem(FS_TYPE.0.get()) };
    }
}

/// The filesystem type, in a `static` because the VFS links it into its list
/// of types and lockdep wants its lock class keys in static memory.
struct FileSystemType(Opaque<bindings::file_system_type>);

// SAFETY: The fields we set are written only in `RustRamfs::init`, before the
// type is shared; after that the VFS changes it only under its own locks.
unsafe impl Sync for FileSystemType {}

static FS_TYPE: FileSystemType = FileSystemType(Opaque::new(bindings::file_system_type {
    name: c_str!("rust_ramfs").as_char_ptr(),
    // Mountable inside a user namespace, as ramfs and tmpfs are.
    fs_flags: bindings::FS_USERNS_MOUNT as c_int,
    init_fs_context: Some(init_fs_context),
    parameters: PARAMETERS.as_ptr().cast(),
    kill_sb: Some(kill_sb),
    // SAFETY: All-zero is a valid `file_system_type`: no owner (set in init),
    // unlinked, empty lists and lock class keys.
    ..unsafe { vfs::zeroed() }
}));

/// Index of each option in [`PARAMETERS`], as `__fs_parse()` returns it.
const OPT_MODE: u8 = 0;
/// See [`OPT_MODE`].
const OPT_TRACE: u8 = 1;

/// The mount options, as the kernel's option parser (`fs_parser`) reads them.
static PARAMETERS: StaticTable<[bindings::fs_parameter_spec; 3]> = StaticTable([
    // `fsparam_u32oct("mode", OPT_MODE)`: a u32 written in octal.
    bindings::fs_parameter_spec {
        name: c_str!("mode").as_char_ptr(),
        type_: Some(bindings::fs_param_is_u32),
        opt: OPT_MODE,
        flags: 0,
        // For `fs_param_is_u32`, `data` is the number base.
        data: 8 as *const c_void,
    },
    // `fsparam_flag_no("trace", OPT_TRACE)`: `trace`, or `notrace`.
    bindings::fs_parameter_spec {
        name: c_str!("trace").as_char_ptr(),
        type_: None,
        opt: OPT_TRACE,
        flags: bindings::fs_param_neg_with_no as _,
        data: ptr::null(),
    },
    // SAFETY: An all-zero entry (no name) ends the table.
    unsafe { vfs::zeroed() },
]);

/// How the VFS drives a mount context of ours.
static CONTEXT_OPERATIONS: StaticTable<bindings::fs_context_operations> =
    StaticTable(bindings::fs_context_operations {
        free: Some(free_fs_context),
        parse_param: Some(parse_param),
        get_tree: Some(get_tree),
        reconfigure: Some(reconfigure),
        // SAFETY: All-zero is a valid `fs_context_operations`: no callback.
        ..unsafe { vfs::zeroed() }
    });

/// What the VFS asks of a mounted rust_ramfs as a whole.
static SUPER_OPERATIONS: StaticTable<bindings::super_operations> =
    StaticTable(bindings::super_operations {
        // libfs: block size and name length; no block counts (no limit).
        statfs: Some(bindings::simple_statfs),
        // An inode whose last link and last user are gone is freed at once:
        // there is nowhere else to keep it.
        drop_inode: Some(bindings::generic_delete_inode),
        evict_inode: Some(evict_inode),
        show_options: Some(show_options),
        // SAFETY: All-zero is a valid `super_operations`: no callback.
        ..unsafe { vfs::zeroed() }
    });

/// # Safety
///
/// Called by the VFS as `file_system_type::init_fs_context`, with a live, new
/// mount context (for a mount or a remount) that it does not share with
/// anyone during the call.
unsafe extern "C" fn init_fs_context(fc: *mut kernel::bindings::fs_context) -> c_int {
    // `kernel::bindings` only knows `struct fs_context` as opaque; ours is
    // the same C struct with its fields.
    let fc = fc.cast::<bindings::fs_context>();
    from_result(|| {
        let options = KBox::new(MountOptions::default(), GFP_KERNEL)?;
        // SAFETY: `fc` is live and ours alone during this call (see above).
        unsafe {
            (*fc).fs_private = KBox::into_raw(options).cast();
            (*fc).ops = CONTEXT_OPERATIONS.as_ptr();
        }
        Ok(0)
    })
}

/// Logs an error about a mount option to the context's log, prefixed with
/// the filesystem's name (dmesg for `mount`; `fsconfig()` users read it back
/// from the context's fd), and returns EINVAL: `invalfc()` in C.
fn invalid_option(fc: &mut bindings::fs_context, message: &CStr) -> c_int {
    // SAFETY: `fc.log` is the context's log; "%s" takes one C string.
    unsafe {
        bindings::logfc(
            fc.log.log,
            fc.log.prefix,
            b'e' as kernel::ffi::c_char,
            c_str!("%s").as_char_ptr(),
            message.as_char_ptr(),
        )
    };
    EINVAL.to_errno()
}

/// # Safety
///
/// Called by the VFS as `fs_context_operations::parse_param`, with a live
/// context made by [`init_fs_context`] and a live parameter. The VFS
/// serialises calls on one context.
unsafe extern "C" fn parse_param(
    fc: *mut bindings::fs_context,
    param: *mut bindings::fs_parameter,
) -> c_int {
    // SAFETY: `fc` is live and no other code uses it during the call.
    let fc = unsafe { &mut *fc };
    // SAFETY: An all-zero `fs_parse_result` is valid; `__fs_parse()` fills it.
    let mut result: bindings::fs_parse_result = unsafe { vfs::zeroed() };
    // SAFETY: `fc.log` is the context's error log, `PARAMETERS` a terminated
    // table and `param` live; `fs_parse()` is this call, inlined.
    let opt = unsafe {
        bindings::__fs_parse(&mut fc.log, PARAMETERS.as_ptr().cast(), param, &mut result)
    };
    // A negative value is an error already logged ("Bad value for 'mode'"),
    // or ENOPARAM for an option not in our table: the VFS then accepts
    // `source=` and refuses anything else with EINVAL and "Unknown parameter".
    if opt < 0 {
        return opt;
    }
    // SAFETY: `fs_private` is the `MountOptions` from `init_fs_context`,
    // owned by the context, which the VFS does not share during the call.
    let options = unsafe { &mut *fc.fs_private.cast::<MountOptions>() };
    match u8::try_from(opt) {
        Ok(OPT_MODE) => {
            // SAFETY: For a `fs_param_is_u32` option the parser sets `uint_32`.
            let mode = unsafe { *result.__bindgen_anon_1.uint_32.as_ref() };
            // The C ramfs silently drops other bits; we refuse them.
            match bindings::umode_t::try_from(mode) {
                Ok(mode) if u32::from(mode) & !bindings::S_IALLUGO == 0 => {
                    options.mode = Some(mode);
                    0
                }
                _ => invalid_option(
                    fc,
                    c_str!("mode= takes permission bits only (at most 07777)"),
                ),
            }
        }
        Ok(OPT_TRACE) => {
            options.trace = Some(!result.negated);
            0
        }
        _ => ENOPARAM.to_errno(),
    }
}

/// # Safety
///
/// Called by the VFS as `fs_context_operations::get_tree` with a live context.
unsafe extern "C" fn get_tree(fc: *mut bindings::fs_context) -> c_int {
    // SAFETY: `fc` is live. Each mount gets a new super block: there is no
    // device to share one by.
    unsafe { bindings::get_tree_nodev(fc, Some(fill_super)) }
}

/// # Safety
///
/// Called by `get_tree_nodev()` with a new super block, locked and not yet
/// visible to anyone else, and the live context made by [`init_fs_context`].
unsafe extern "C" fn fill_super(
    sb: *mut bindings::super_block,
    fc: *mut bindings::fs_context,
) -> c_int {
    // SAFETY: Both are live for the call; `fs_private` is our `MountOptions`.
    let (sb, options) = unsafe {
        (
            SuperBlock::from_raw(sb),
            &*(*fc).fs_private.cast::<MountOptions>(),
        )
    };
    from_result(|| {
        fill_super_fields(sb, options)?;
        Ok(0)
    })
}

/// Sets up a new super block: its limits, its [`SuperInfo`] and its root
/// directory.
fn fill_super_fields(sb: &SuperBlock, options: &MountOptions) -> Result {
    let info = KBox::new(
        SuperInfo {
            mode: options.mode.unwrap_or(DEFAULT_MODE),
            trace: Trace::new(options.trace.unwrap_or(false)),
        },
        GFP_KERNEL,
    )?;
    let raw = sb.as_ptr();
    // SAFETY: The super block is new and locked; nothing else reads these
    // fields before `fill_super` returns. From here on, `s_fs_info` is ours
    // until `kill_sb`, which the VFS calls on failure too.
    unsafe {
        (*raw).s_maxbytes = bindings::MAX_LFS_FILESIZE;
        (*raw).s_blocksize = bindings::PAGE_SIZE as _;
        (*raw).s_blocksize_bits = bindings::PAGE_SHIFT as _;
        (*raw).s_magic = RUST_RAMFS_MAGIC;
        (*raw).s_op = SUPER_OPERATIONS.as_ptr();
        // Timestamps keep full nanoseconds.
        (*raw).s_time_gran = 1;
        (*raw).s_fs_info = KBox::into_raw(info).cast();
    }
    let mode = sb.info().mode | inode::S_IFDIR;
    let root = inode::new_inode(sb, None, mode, 0)?;
    let ino = root.ino();
    // SAFETY: `d_make_root()` takes over the inode reference (and releases it
    // if it fails). `s_root` is written while the super block is new, as above.
    unsafe {
        let root = bindings::d_make_root(ARef::into_raw(root).as_ptr().cast());
        if root.is_null() {
            return Err(ENOMEM);
        }
        (*raw).s_root = root;
    }
    trace!(
        sb,
        "fill_super(mode {:04o}) = root ino {}",
        sb.info().mode,
        ino
    );
    Ok(())
}

/// # Safety
///
/// Called by the VFS as `fs_context_operations::reconfigure` for
/// `mount -o remount`, with a live context made by [`init_fs_context`] whose
/// `root` is the root of a mounted rust_ramfs; the super block's `s_umount`
/// is held.
unsafe extern "C" fn reconfigure(fc: *mut bindings::fs_context) -> c_int {
    // SAFETY: `fc`, its options and its root are live (see above).
    let (fc, sb) = unsafe { (&mut *fc, SuperBlock::from_raw((*(*fc).root).d_sb)) };
    // SAFETY: `fs_private` is our `MountOptions`, owned by the context.
    let options = unsafe { &*fc.fs_private.cast::<MountOptions>() };
    let info = sb.info();
    // `mount -o remount` passes the mount's current options again; only a
    // different mode is a request we cannot honour here.
    if options.mode.is_some_and(|mode| mode != info.mode) {
        return invalid_option(
            fc,
            c_str!("mode= applies at mount time; use chmod on the mount point"),
        );
    }
    if let Some(on) = options.trace {
        info.trace.set(on);
        trace!(sb, "reconfigure(trace) = 0");
    }
    0
}

/// # Safety
///
/// Called by the VFS as `fs_context_operations::free` when a context is
/// destroyed; nothing uses the context after the call.
unsafe extern "C" fn free_fs_context(fc: *mut bindings::fs_context) {
    // SAFETY: `fc` is live; its `fs_private` is the `MountOptions` from
    // `init_fs_context` (or null if that failed), which we now free.
    unsafe {
        let options = (*fc).fs_private.cast::<MountOptions>();
        if !options.is_null() {
            drop(KBox::from_raw(options));
        }
    }
}

/// # Safety
///
/// Called by the VFS as `file_system_type::kill_sb` when the last user of a
/// super block of ours is gone, or when [`fill_super`] failed; nothing uses
/// the super block after `kill_litter_super()`.
unsafe extern "C" fn kill_sb(sb: *mut bindings::super_block) {
    // SAFETY: `sb` is live; `s_fs_info` is null (`fill_super` failed before
    // setting it) or our `SuperInfo`.
    let info = unsafe { (*sb).s_fs_info.cast::<SuperInfo>() };
    if !info.is_null() {
        // SAFETY: As above, and `info` is valid until freed below.
        trace!(unsafe { SuperBlock::from_raw(sb) }, "kill_sb()");
    }
    // SAFETY: `kill_litter_super()` drops every dentry pinned by `dir_ops.rs`,
    // so every inode, then the super block's own state; the info is freed
    // only after it, as the inodes' eviction reads it.
    unsafe {
        bindings::kill_litter_super(sb);
        if !info.is_null() {
            drop(KBox::from_raw(info));
        }
    }
}

/// # Safety
///
/// Called by the VFS as `super_operations::evict_inode` when an inode's last
/// reference goes and it has no links left (or at unmount); nothing else
/// uses the inode.
unsafe extern "C" fn evict_inode(inode: *mut bindings::inode) {
    // SAFETY: `inode` is live for the call (see above).
    let inode = unsafe { Inode::from_raw(inode) };
    trace!(inode.super_block(), "evict(ino {})", inode.ino());
    // SAFETY: What the VFS does itself for a filesystem without
    // `evict_inode`: free the page cache (a RAM filesystem's only copy of the
    // data, so this is where it goes), then mark the inode clear.
    unsafe {
        bindings::truncate_inode_pages_final(ptr::addr_of_mut!((*inode.as_ptr()).i_data));
        bindings::clear_inode(inode.as_ptr());
    }
}

/// # Safety
///
/// Called by the VFS as `super_operations::show_options` (for
/// `/proc/mounts`) with a live seq_file and the live root of a mount of ours.
unsafe extern "C" fn show_options(
    m: *mut bindings::seq_file,
    root: *mut bindings::dentry,
) -> c_int {
    // SAFETY: `root` is live and so is its super block (see above).
    let info = unsafe { SuperBlock::from_raw((*root).d_sb) }.info();
    // SAFETY: `m` is live; each format takes what is passed after it.
    unsafe {
        if info.mode != DEFAULT_MODE {
            bindings::seq_printf(m, c_str!(",mode=%o").as_char_ptr(), c_uint::from(info.mode));
        }
        if info.trace.enabled() {
            bindings::seq_printf(m, c_str!(",trace").as_char_ptr());
        }
    }
    0
}
