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
//! 2. For each option (`mode=0700`, `size=1g`, `trace`) the VFS calls [`parse_param`],
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
//! `file_ops.rs` (files), `space.rs` (the `size=` and `nr_inodes=` limits),
//! `xattr.rs` (extended attributes) and `vfs.rs` (the typed layer over the C
//! structures).

use core::{
    ptr,
    sync::atomic::{AtomicU16, Ordering::Relaxed},
};
use kernel::{
    c_str,
    error::{from_result, to_result},
    ffi::{c_int, c_uint, c_void},
    prelude::*,
    str::CStr,
    types::{ARef, Opaque},
};
use space::{Limits, Space};
use trace::{trace, Trace};
use vfs::{Inode, StaticTable, SuperBlock};

mod dir_ops;
mod file_ops;
mod inode;
mod space;
mod trace;
mod vfs;
mod xattr;

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
    /// `size=`, in bytes (0: no limit).
    size: Option<u64>,
    /// `nr_inodes=` (0: no limit).
    nr_inodes: Option<u64>,
}

/// What a mounted rust_ramfs keeps (`sb->s_fs_info`): made by [`fill_super`]
/// from the options, freed by [`kill_sb`].
#[pin_data]
pub(crate) struct SuperInfo {
    /// The root directory's permissions given by `mode=`, for `/proc/mounts`.
    mode: AtomicU16,
    /// Whether the VFS's calls are logged.
    pub(crate) trace: Trace,
    /// The limits and what is used (see `space.rs`).
    #[pin]
    pub(crate) space: Space,
    /// The limits of a mount that names none, in this mount's user
    /// namespace: `/proc/mounts` shows only limits that differ.
    default_limits: Limits,
}

impl SuperInfo {
    /// The root directory's permissions as `mode=` gave them.
    fn mode(&self) -> bindings::umode_t {
        self.mode.load(Relaxed)
    }
}

/// The module: while it is loaded, the filesystem type is registered.
struct RustRamfs;

impl kernel::Module for RustRamfs {
    fn init(module: &'static ThisModule) -> Result<Self> {
        // SAFETY: Module init runs once, before the type is registered, so
        // no inode uses the table yet.
        unsafe { file_ops::init_data_aops() };
        let fs_type = FS_TYPE.0.get();
        // With `owner` set, every super block holds a reference on this
        // module: `rmmod` fails ("in use") while a rust_ramfs is mounted.
        // SAFETY: Module init runs once, before the type is registered, so
        // nothing else reads `FS_TYPE` yet.
        unsafe { (*fs_type).owner = module.as_ptr() };
        inode::create_inode_cache()?;
        // SAFETY: `FS_TYPE` is a static, so it outlives the registration, which
        // `drop` undoes. Registration is the last step of init.
        if let Err(e) = to_result(unsafe { bindings::register_filesystem(fs_type) }) {
            // SAFETY: Unregistered, no inode was ever made.
            unsafe { inode::destroy_inode_cache() };
            return Err(e);
        }
        Ok(RustRamfs)
    }
}

impl Drop for RustRamfs {
    fn drop(&mut self) {
        // SAFETY: `init` registered `FS_TYPE`. No super block is left: each
        // holds a module reference, so the module cannot be unloaded before
        // the last one is gone.
        unsafe { bindings::unregister_filesystem(FS_TYPE.0.get()) };
        // The VFS frees inodes after an RCU grace period, by calling
        // `inode::free_inode`: wait for those still queued before the
        // module's code goes away.
        // SAFETY: `rcu_barrier()` only waits; we hold no RCU read lock. After
        // it, no inode of ours is left anywhere.
        unsafe {
            bindings::rcu_barrier();
            inode::destroy_inode_cache();
        }
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
/// See [`OPT_MODE`].
const OPT_SIZE: u8 = 2;
/// See [`OPT_MODE`].
const OPT_NR_INODES: u8 = 3;

/// `fsparam_string(name, opt)`: an option whose value we parse ourselves.
const fn string_parameter(name: &'static CStr, opt: u8) -> bindings::fs_parameter_spec {
    bindings::fs_parameter_spec {
        name: name.as_char_ptr(),
        type_: Some(bindings::fs_param_is_string),
        opt,
        flags: 0,
        data: ptr::null(),
    }
}

/// The mount options, as the kernel's option parser (`fs_parser`) reads them.
static PARAMETERS: StaticTable<[bindings::fs_parameter_spec; 5]> = StaticTable([
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
    // `size=` and `nr_inodes=` take suffixes (and `%`) that `fs_parser`'s
    // number types do not: see [`parse_amount`].
    string_parameter(c_str!("size"), OPT_SIZE),
    string_parameter(c_str!("nr_inodes"), OPT_NR_INODES),
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
        alloc_inode: Some(inode::alloc_inode),
        free_inode: Some(inode::free_inode),
        statfs: Some(space::statfs),
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
        Ok(opt @ (OPT_SIZE | OPT_NR_INODES)) => {
            // SAFETY: For a `fs_param_is_string` option the parser has checked
            // that `string` is a non-empty C string, live for the call.
            let text = unsafe { CStr::from_char_ptr((*param).__bindgen_anon_1.string) };
            let size = opt == OPT_SIZE;
            let ram = size.then(|| space::total_ram_pages() * space::PAGE_BYTES);
            let value = parse_amount(text.as_bytes(), ram).and_then(|value| match size {
                // Whole pages.
                true => value.checked_next_multiple_of(space::PAGE_BYTES),
                false => Some(value),
            });
            // The context's user namespace, compared by address only.
            let initial_ns = ptr::eq(fc.user_ns, ptr::addr_of!(bindings::init_user_ns));
            match value {
                Some(0) if !initial_ns => invalid_option(
                    fc,
                    c_str!("size=0 and nr_inodes=0 (no limit) need the initial user namespace"),
                ),
                Some(value) => {
                    *(if size {
                        &mut options.size
                    } else {
                        &mut options.nr_inodes
                    }) = Some(value);
                    0
                }
                None if size => invalid_option(
                    fc,
                    c_str!("size= takes bytes with an optional k, m, g, t, p or e, or a % of RAM"),
                ),
                None => invalid_option(
                    fc,
                    c_str!("nr_inodes= takes a count with an optional k, m, g, t, p or e"),
                ),
            }
        }
        _ => ENOPARAM.to_errno(),
    }
}

/// Parses a size or a count as tmpfs does (with `memparse()`): a number in
/// decimal, `0x` hexadecimal or `0` octal, then an optional suffix `k`, `m`,
/// `g`, `t`, `p` or `e` (either case; each a factor of 1024), then, when a
/// `percent_of` is given, an optional `%` taking that share of it. `None` for
/// anything else, and (unlike `memparse()`) for a value that overflows.
fn parse_amount(text: &[u8], percent_of: Option<u64>) -> Option<u64> {
    let (radix, digits) = match text {
        [b'0', b'x' | b'X', rest @ ..] if rest.first().is_some_and(u8::is_ascii_hexdigit) => {
            (16, rest)
        }
        [b'0', ..] => (8, text),
        _ => (10, text),
    };
    let count = digits
        .iter()
        .take_while(|&&c| char::from(c).is_digit(radix))
        .count();
    let (number, mut rest) = (digits.get(..count)?, digits.get(count..)?);
    if number.is_empty() {
        return None;
    }
    let mut value = number.iter().try_fold(0u64, |value, &c| {
        value
            .checked_mul(u64::from(radix))?
            .checked_add(u64::from(char::from(c).to_digit(radix)?))
    })?;
    if let Some((&suffix, after)) = rest.split_first() {
        let shift = match suffix.to_ascii_lowercase() {
            b'k' => Some(10),
            b'm' => Some(20),
            b'g' => Some(30),
            b't' => Some(40),
            b'p' => Some(50),
            b'e' => Some(60),
            _ => None,
        };
        if let Some(shift) = shift {
            value = value.checked_mul(1 << shift)?;
            rest = after;
        }
    }
    match (rest, percent_of) {
        ([], _) => Some(value),
        ([b'%'], Some(whole)) => whole.checked_mul(value).map(|share| share / 100),
        _ => None,
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
    // The user namespaces are compared by address only.
    let (sb, options, initial_ns) = unsafe {
        (
            SuperBlock::from_raw(sb),
            &*(*fc).fs_private.cast::<MountOptions>(),
            ptr::eq((*fc).user_ns, ptr::addr_of!(bindings::init_user_ns)),
        )
    };
    from_result(|| {
        fill_super_fields(sb, options, initial_ns)?;
        Ok(0)
    })
}

/// Sets up a new super block: its limits, its [`SuperInfo`] and its root
/// directory.
fn fill_super_fields(sb: &SuperBlock, options: &MountOptions, initial_ns: bool) -> Result {
    let default_limits = Limits::default_for(initial_ns);
    let limits = Limits {
        bytes: options.size.unwrap_or(default_limits.bytes),
        inodes: options.nr_inodes.unwrap_or(default_limits.inodes),
    };
    let info = KBox::pin_init(
        pin_init!(SuperInfo {
            mode: AtomicU16::new(options.mode.unwrap_or(DEFAULT_MODE)),
            trace: Trace::new(options.trace.unwrap_or(false)),
            space <- Space::new(limits),
            default_limits,
        }),
        GFP_KERNEL,
    )?;
    // SAFETY: The info is freed as the box it is, in `kill_sb`; it never moves.
    let info = KBox::into_raw(unsafe { Pin::into_inner_unchecked(info) });
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
        // With xattrs, every write would ask for `security.capability` to
        // see whether it must drop privileges; SB_NOSEC lets the VFS mark an
        // inode that has none (S_NOSEC) and skip that, until a `security.`
        // xattr or a chmod to setuid/setgid clears the mark (as tmpfs and
        // every block filesystem do).
        (*raw).s_flags |= bindings::SB_NOSEC;
        (*raw).s_xattr = xattr::HANDLERS.as_ptr().cast();
        (*raw).s_fs_info = info.cast();
    }
    let mode = sb.info().mode() | inode::S_IFDIR;
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
        sb.info().mode(),
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
    // The limits first: they are the only part that can be refused, and a
    // refused remount changes nothing.
    let current = info.space.limits();
    let limits = Limits {
        bytes: options.size.unwrap_or(current.bytes),
        inodes: options.nr_inodes.unwrap_or(current.inodes),
    };
    if limits != current {
        if let Err(why) = info.space.set_limits(limits) {
            return invalid_option(fc, why);
        }
    }
    // `mount -o remount` passes the mount's current options again: only a
    // different mode changes the root directory.
    if let Some(mode) = options.mode.filter(|&mode| mode != info.mode()) {
        if let Some(root) = sb.root_inode() {
            root.set_permissions(mode);
        }
        info.mode.store(mode, Relaxed);
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
    // `kill_litter_super()` drops every dentry pinned by `dir_ops.rs`, so
    // every inode, then the super block's own state; the inodes' eviction
    // reads the info, so it is freed after.
    // SAFETY: `sb` is ours to kill; `info` is the box `fill_super_fields` made.
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
    }
    inode::release_space(inode);
    // SAFETY: As above; the page cache is empty now.
    unsafe { bindings::clear_inode(inode.as_ptr()) };
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
    let limits = info.space.limits();
    // SAFETY: `m` is live; each format takes what is passed after it.
    unsafe {
        if info.mode() != DEFAULT_MODE {
            bindings::seq_printf(
                m,
                c_str!(",mode=%o").as_char_ptr(),
                c_uint::from(info.mode()),
            );
        }
        if limits.bytes != info.default_limits.bytes {
            bindings::seq_printf(m, c_str!(",size=%lluk").as_char_ptr(), limits.bytes / 1024);
        }
        if limits.inodes != info.default_limits.inodes {
            bindings::seq_printf(m, c_str!(",nr_inodes=%llu").as_char_ptr(), limits.inodes);
        }
        if info.trace.enabled() {
            bindings::seq_printf(m, c_str!(",trace").as_char_ptr());
        }
    }
    0
}
