// SPDX-License-Identifier: GPL-2.0

//! rust_ramfs: a RAM filesystem, and how a filesystem plugs into the VFS.
//!
//! The crate has two halves. `vfs/` is a generic layer over the C VFS: it
//! builds the C operation tables from Rust traits, and it is the only place
//! with code the compiler cannot check, each block with its proof. The
//! filesystem (this file, `inode.rs`, `dir_ops.rs`, `file_ops.rs`,
//! `space.rs`, `xattr.rs`, `trace.rs`) is safe Rust: it implements those
//! traits for [`RamFs`].
//!
//! This file is the filesystem's front door. Loading the module registers a
//! *filesystem type* named `rust_ramfs` with the VFS ([`FS`]). Then
//! `mount -t rust_ramfs none /mnt` goes:
//!
//! 1. The VFS makes a *mount context*; the layer attaches an empty
//!    [`MountOptions`] to it.
//! 2. For each option (`mode=0700`, `size=1g`, `trace`) the kernel's option
//!    parser reads it with the table [`RamFs::PARAMETERS`] and the layer
//!    calls [`RamFs::parse_param`].
//! 3. The VFS makes a new *super block* (one per mount: there is no device
//!    to share one by); the layer sets it up and calls [`RamFs::init_data`],
//!    which makes the mount's [`SuperInfo`] from the options, and
//!    [`RamFs::make_root`], which makes the root directory.
//! 4. At unmount of the last user, the layer lets libfs drop every pinned
//!    dentry (and so every file), then frees [`SuperInfo`].
//!
//! `mount -o remount` goes through steps 1 and 2 with a new context, then
//! [`RamFs::reconfigure`] applies it to the mounted super block.
//!
//! The rest is in `inode.rs` (making inodes), `dir_ops.rs` (directories),
//! `file_ops.rs` (files), `space.rs` (the `size=` and `nr_inodes=` limits),
//! `xattr.rs` (extended attributes) and `trace.rs` (the `trace` option).

use core::sync::atomic::{AtomicU16, AtomicU32, Ordering::Relaxed};
use kernel::{c_str, prelude::*, str::CStr};
use space::{Limits, Space};
use trace::{trace, Trace};
use vfs::{
    bindings, EvictingInode, FileSystem, FsContext, InodeView, Kgid, Kuid, LockedInode, NewInode,
    ParamSpec, ParamValue, Registered, Registration, SeqFile, Statfs, SuperBlock,
};

mod dir_ops;
mod file_ops;
mod inode;
mod space;
mod trace;
mod vfs;
mod xattr;

module! {
    type: RustRamfs,
    name: "rust_ramfs",
    author: "The rust_ramfs developers",
    description: "A RAM filesystem written in Rust, behaving like ramfs",
    license: "GPL",
    alias: ["fs-rust_ramfs"],
}

/// The module: while it is loaded, the filesystem type is registered.
struct RustRamfs {
    _fs: Registered<RamFs>,
}

impl kernel::Module for RustRamfs {
    fn init(module: &'static ThisModule) -> Result<Self> {
        Ok(RustRamfs {
            _fs: FS.register(module)?,
        })
    }
}

/// The filesystem type, in a `static` because the VFS links it into its list
/// of types and lockdep wants its lock class keys in static memory.
static FS: Registration<RamFs> = Registration::new();

/// rust_ramfs, as the VFS layer sees it: the type its traits are
/// implemented for (here, and in `inode.rs`, `dir_ops.rs`, `file_ops.rs`,
/// `xattr.rs`).
pub(crate) struct RamFs;

/// The magic number `statfs()` reports for this filesystem (`stat -f`):
/// "rust" in ASCII. The C ramfs has `RAMFS_MAGIC` (0x858458f6); ours differs
/// so tools can tell the two apart.
const RUST_RAMFS_MAGIC: kernel::ffi::c_ulong = 0x7275_7374;

/// The root directory's permissions when no `mode=` is given (as the C ramfs).
const DEFAULT_MODE: bindings::umode_t = 0o755;

/// The options of one `mount` or `remount`, as parsed: `None` where the
/// option was not given.
#[derive(Default)]
pub(crate) struct MountOptions {
    /// `mode=`: permissions of the root directory.
    mode: Option<bindings::umode_t>,
    /// `trace` / `notrace`: log the VFS's calls (see `trace.rs`).
    trace: Option<bool>,
    /// `size=`, in bytes (0: no limit).
    size: Option<u64>,
    /// `nr_inodes=` (0: no limit).
    nr_inodes: Option<u64>,
    /// `uid=`: the root directory's owner.
    uid: Option<Kuid>,
    /// `gid=`: the root directory's group.
    gid: Option<Kgid>,
    /// `inode64` (true) or `inode32` (false).
    inode64: Option<bool>,
}

/// What a mounted rust_ramfs keeps: made by [`RamFs::init_data`] from the
/// options, freed at unmount.
#[pin_data]
pub(crate) struct SuperInfo {
    /// The root directory's permissions given by `mode=`, for `/proc/mounts`.
    mode: AtomicU16,
    /// The root directory's owner at mount (`uid=`, else the mounter), as a
    /// global id ([`Kuid::global`]), for `/proc/mounts`.
    uid: AtomicU32,
    /// The root directory's group at mount, as [`SuperInfo::uid`].
    gid: AtomicU32,
    /// The inode numbers given so far (see `inode.rs`).
    pub(crate) inos: inode::InodeNumbers,
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

    /// The root directory's owner as `uid=` gave it, or the mounter.
    fn uid(&self) -> Kuid {
        Kuid::from_global(self.uid.load(Relaxed))
    }

    /// The root directory's group as `gid=` gave it, or the mounter's.
    fn gid(&self) -> Kgid {
        Kgid::from_global(self.gid.load(Relaxed))
    }
}

/// Index of each option in [`RamFs::PARAMETERS`].
const OPT_MODE: usize = 0;
/// See [`OPT_MODE`].
const OPT_TRACE: usize = 1;
/// See [`OPT_MODE`].
const OPT_SIZE: usize = 2;
/// See [`OPT_MODE`].
const OPT_NR_INODES: usize = 3;
/// See [`OPT_MODE`].
const OPT_UID: usize = 4;
/// See [`OPT_MODE`].
const OPT_GID: usize = 5;
/// See [`OPT_MODE`].
const OPT_INODE32: usize = 6;
/// See [`OPT_MODE`].
const OPT_INODE64: usize = 7;

impl FileSystem for RamFs {
    const NAME: &'static CStr = c_str!("rust_ramfs");
    const INODE_CACHE_NAME: &'static CStr = c_str!("rust_ramfs_inode_cache");
    // Mountable inside a user namespace, as ramfs and tmpfs are.
    const USERNS_MOUNT: bool = true;
    // POSIX ACLs, as tmpfs.
    const POSIX_ACL: bool = true;
    // Idmapped mounts, as tmpfs: every call's idmap is passed on.
    const ALLOW_IDMAP: bool = true;
    const MAGIC: kernel::ffi::c_ulong = RUST_RAMFS_MAGIC;
    const PARAMETERS: &'static [ParamSpec] = &[
        // `fsparam_u32oct("mode", OPT_MODE)`: a u32 written in octal.
        ParamSpec::u32(c_str!("mode"), 8),
        // `fsparam_flag_no("trace", OPT_TRACE)`: `trace`, or `notrace`.
        ParamSpec::flag_no(c_str!("trace")),
        // `size=` and `nr_inodes=` take suffixes (and `%`) that
        // `fs_parser`'s number types do not: see [`parse_amount`].
        ParamSpec::string(c_str!("size")),
        ParamSpec::string(c_str!("nr_inodes")),
        // `fsparam_uid("uid", OPT_UID)`, `fsparam_gid("gid", OPT_GID)`: ids
        // as the mounter's user namespace numbers them.
        ParamSpec::uid(c_str!("uid")),
        ParamSpec::gid(c_str!("gid")),
        // `fsparam_flag("inode32", ...)`, `fsparam_flag("inode64", ...)`.
        ParamSpec::flag(c_str!("inode32")),
        ParamSpec::flag(c_str!("inode64")),
    ];

    type Options = MountOptions;
    type Data = SuperInfo;
    type InodeData = inode::RamfsInode;

    fn parse_param(
        fc: &FsContext,
        options: &mut MountOptions,
        index: usize,
        value: ParamValue<'_>,
    ) -> Result {
        match (index, value) {
            (OPT_MODE, ParamValue::U32(mode)) => {
                // The C ramfs silently drops other bits; we refuse them.
                match bindings::umode_t::try_from(mode) {
                    Ok(mode) if u32::from(mode) & !bindings::S_IALLUGO == 0 => {
                        options.mode = Some(mode);
                        Ok(())
                    }
                    _ => {
                        Err(fc.invalid(c_str!("mode= takes permission bits only (at most 07777)")))
                    }
                }
            }
            (OPT_TRACE, ParamValue::Flag(on)) => {
                options.trace = Some(on);
                Ok(())
            }
            // The root's owner must have a number in the namespace the
            // filesystem is mounted for, or nobody in it could own it.
            (OPT_UID, ParamValue::Uid(uid)) if fc.maps_uid(uid) => {
                options.uid = Some(uid);
                Ok(())
            }
            (OPT_UID, ParamValue::Uid(_)) => Err(fc.invalid(c_str!(
                "uid= names a user the mount's user namespace does not map"
            ))),
            (OPT_GID, ParamValue::Gid(gid)) if fc.maps_gid(gid) => {
                options.gid = Some(gid);
                Ok(())
            }
            (OPT_GID, ParamValue::Gid(_)) => Err(fc.invalid(c_str!(
                "gid= names a group the mount's user namespace does not map"
            ))),
            (OPT_INODE32 | OPT_INODE64, ParamValue::Flag(_)) => {
                options.inode64 = Some(index == OPT_INODE64);
                Ok(())
            }
            (opt @ (OPT_SIZE | OPT_NR_INODES), ParamValue::String(text)) => {
                let size = opt == OPT_SIZE;
                let ram = size.then(|| vfs::sys::total_ram_pages() * space::PAGE_BYTES);
                let value = parse_amount(text.as_bytes(), ram).and_then(|value| match size {
                    // Whole pages.
                    true => value.checked_next_multiple_of(space::PAGE_BYTES),
                    false => Some(value),
                });
                match value {
                    Some(0) if !fc.in_initial_user_ns() => Err(fc.invalid(c_str!(
                        "size=0 and nr_inodes=0 (no limit) need the initial user namespace"
                    ))),
                    Some(value) => {
                        *(if size {
                            &mut options.size
                        } else {
                            &mut options.nr_inodes
                        }) = Some(value);
                        Ok(())
                    }
                    None if size => Err(fc.invalid(c_str!(
                        "size= takes bytes with an optional k, m, g, t, p or e, or a % of RAM"
                    ))),
                    None => Err(fc.invalid(c_str!(
                        "nr_inodes= takes a count with an optional k, m, g, t, p or e"
                    ))),
                }
            }
            _ => Err(ENOPARAM),
        }
    }

    fn init_data(fc: &FsContext, options: &MountOptions) -> Result<Pin<KBox<SuperInfo>>> {
        let default_limits = Limits::default_for(fc.in_initial_user_ns());
        let limits = Limits {
            bytes: options.size.unwrap_or(default_limits.bytes),
            inodes: options.nr_inodes.unwrap_or(default_limits.inodes),
        };
        KBox::pin_init(
            pin_init!(SuperInfo {
                mode: AtomicU16::new(options.mode.unwrap_or(DEFAULT_MODE)),
                // Set by `make_root`.
                uid: AtomicU32::new(Kuid::ROOT.global()),
                gid: AtomicU32::new(Kgid::ROOT.global()),
                inos: inode::InodeNumbers::new(options.inode64.unwrap_or(true)),
                trace: Trace::new(options.trace.unwrap_or(false)),
                space <- Space::new(limits),
                default_limits,
            }),
            GFP_KERNEL,
        )
    }

    fn make_root(sb: &SuperBlock<Self>, options: &MountOptions) -> Result<NewInode<Self>> {
        let info = sb.data();
        let mode = info.mode() | inode::S_IFDIR;
        let mut root = inode::new_inode(sb, None, vfs::Idmap::identity(), mode, 0)?;
        root.set_owner(options.uid, options.gid);
        let (uid, gid) = root.owner();
        info.uid.store(uid.global(), Relaxed);
        info.gid.store(gid.global(), Relaxed);
        trace!(
            sb,
            "fill_super(mode {:04o}) = root ino {}",
            sb.data().mode(),
            root.ino()
        );
        Ok(root)
    }

    fn reconfigure(fc: &FsContext, sb: &SuperBlock<Self>, options: &MountOptions) -> Result {
        let info = sb.data();
        // What can be refused first: a refused remount changes nothing.
        if options.inode64 == Some(false) && !info.inos.fit_32_bits() {
            return Err(fc.invalid(c_str!(
                "inode numbers are past 32 bits already: cannot switch to inode32"
            )));
        }
        let current = info.space.limits();
        let limits = Limits {
            bytes: options.size.unwrap_or(current.bytes),
            inodes: options.nr_inodes.unwrap_or(current.inodes),
        };
        if limits != current {
            info.space
                .set_limits(limits)
                .map_err(|why| fc.invalid(why))?;
        }
        // `mount -o remount` passes the mount's current options again: only a
        // different mode changes the root directory.
        if let Some(mode) = options.mode.filter(|&mode| mode != info.mode()) {
            if let Some(root) = sb.root_inode() {
                root.set_permissions(mode);
            }
            info.mode.store(mode, Relaxed);
        }
        // Likewise the owner: only a `uid=` or `gid=` other than the mount's
        // changes the root's (which may have been chowned since).
        let uid = options.uid.filter(|&uid| uid != info.uid());
        let gid = options.gid.filter(|&gid| gid != info.gid());
        if uid.is_some() || gid.is_some() {
            if let Some(root) = sb.root_inode() {
                root.set_owner(uid, gid);
            }
            if let Some(uid) = uid {
                info.uid.store(uid.global(), Relaxed);
            }
            if let Some(gid) = gid {
                info.gid.store(gid.global(), Relaxed);
            }
        }
        if let Some(full) = options.inode64 {
            info.inos.set_full(full);
        }
        if let Some(on) = options.trace {
            info.trace.set(on);
            trace!(sb, "reconfigure(trace) = 0");
        }
        Ok(())
    }

    fn show_options(sb: &SuperBlock<Self>, m: &SeqFile) -> Result {
        let info = sb.data();
        let limits = info.space.limits();
        if info.mode() != DEFAULT_MODE {
            m.print(format_args!(",mode={:o}", info.mode()));
        }
        if limits.bytes != info.default_limits.bytes {
            m.print(format_args!(",size={}k", limits.bytes / 1024));
        }
        if limits.inodes != info.default_limits.inodes {
            m.print(format_args!(",nr_inodes={}", limits.inodes));
        }
        // As tmpfs: the owner unless it is the initial namespace's root.
        if info.uid() != Kuid::ROOT {
            m.print(format_args!(",uid={}", info.uid().global()));
        }
        if info.gid() != Kgid::ROOT {
            m.print(format_args!(",gid={}", info.gid().global()));
        }
        // The default, `inode64`, goes without saying.
        if !info.inos.full() {
            m.print(format_args!(",inode32"));
        }
        if info.trace.enabled() {
            m.print(format_args!(",trace"));
        }
        Ok(())
    }

    fn statfs(sb: &SuperBlock<Self>) -> Result<Statfs> {
        Ok(sb.data().space.statfs())
    }

    fn new_inode_data() -> impl PinInit<inode::RamfsInode, Error> {
        inode::RamfsInode::new()
    }

    /// ACLs are charged to `size=` as xattrs are.
    fn acl_changed(inode: &LockedInode<Self>, old: u64, new: u64) -> Result {
        let space = &inode.super_block().data().space;
        if new > old {
            space.charge(new - old)
        } else {
            space.uncharge(old - new);
            Ok(())
        }
    }

    fn evict(inode: &EvictingInode<Self>) {
        trace!(inode.super_block(), "evict(ino {})", inode.ino());
        inode::release_space(inode);
    }

    fn kill_sb(sb: &SuperBlock<Self>) {
        trace!(sb, "kill_sb()");
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
