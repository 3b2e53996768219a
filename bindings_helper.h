/* SPDX-License-Identifier: GPL-2.0 */
/*
 * C declarations rust_ramfs needs that 6.12's `kernel::bindings` lack.
 *
 * The kernel's bindings leave the mount API opaque (`struct fs_context`,
 * the fs_parser types and functions), and bindgen cannot evaluate macros
 * built from expressions. Kbuild runs bindgen over this header when the
 * module is built (see `Kbuild`), with the same clang flags the kernel used
 * for its own bindings, so every layout and value here comes from the
 * headers of the kernel we build against.
 */

#include <linux/fs.h>
#include <linux/falloc.h>
#include <linux/fs_context.h>
#include <linux/fs_parser.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/posix_acl.h>
#include <linux/security.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/statfs.h>
#include <linux/uio.h>
#include <linux/xattr.h>

/* Macro constants bindgen cannot evaluate; Kbuild strips the prefix. */
const loff_t RUST_CONST_HELPER_MAX_LFS_FILESIZE = MAX_LFS_FILESIZE;
const gfp_t RUST_CONST_HELPER_GFP_HIGHUSER = GFP_HIGHUSER;
const unsigned int RUST_CONST_HELPER_AS_UNEVICTABLE = AS_UNEVICTABLE;
const slab_flags_t RUST_CONST_HELPER_SLAB_RECLAIM_ACCOUNT = SLAB_RECLAIM_ACCOUNT;
const slab_flags_t RUST_CONST_HELPER_SLAB_ACCOUNT = SLAB_ACCOUNT;
const unsigned long RUST_CONST_HELPER_SB_NOSEC = SB_NOSEC;
const fgf_t RUST_CONST_HELPER_FGP_LOCK = FGP_LOCK;
const unsigned long RUST_CONST_HELPER_SB_POSIXACL = SB_POSIXACL;
const uintptr_t RUST_CONST_HELPER_ACL_NOT_CACHED = (uintptr_t)ACL_NOT_CACHED;
/*
 * fatal_signal_pending() is inline, and 6.12's bindgen layout of task_struct
 * is wrong (see below): where the task's pending signals are, and SIGKILL's
 * bit in the first word of the set, from the C compiler.
 */
const size_t RUST_CONST_HELPER_TASK_PENDING_SIGNAL = offsetof(struct task_struct, pending.signal);
const unsigned long RUST_CONST_HELPER_SIGKILL_BIT = sigmask(SIGKILL);
const fgf_t RUST_CONST_HELPER_FGP_CREAT = FGP_CREAT;

/*
 * Layout checks. bindgen's Rust structs are only right if they match what the
 * C compiler lays out; 6.12's `task_struct` binding, for one, puts `mm` 16
 * bytes early. So the C compiler gives us the size of each struct the VFS
 * layer builds and the offset of each field it touches, and Kbuild turns the
 * same lines into compile-time assertions that the Rust structs agree
 * (layout_generated.rs, included by vfs/layout.rs). This is the one list.
 *
 *   RAMFS_SIZE(type)                        sizeof(struct type)
 *   RAMFS_OFFSET(type, field)               the field, same name in Rust
 *   RAMFS_OFFSET_AS(type, field, rust)      renamed by bindgen (`type_`, an
 *                                           anonymous union `__bindgen_anon_1`)
 *   RAMFS_OFFSET_IN(type, field, path)      inside anonymous members: `path`
 *                                           is the Rust path to the field
 *   RAMFS_OFFSET_SUMMED(type, field)        behind a bindgen union marker,
 *                                           which offset_of! cannot follow:
 *                                           vfs/layout.rs sums its offset
 */
#define RAMFS_SIZE(type) \
	const size_t RUST_CONST_HELPER_SIZE__##type = sizeof(struct type);
#define RAMFS_OFFSET(type, field) RAMFS_OFFSET_AS(type, field, field)
#define RAMFS_OFFSET_AS(type, field, rust) \
	const size_t RUST_CONST_HELPER_OFFSET__##type##__##rust = offsetof(struct type, field);
#define RAMFS_OFFSET_IN(type, field, path) RAMFS_OFFSET_AS(type, field, field)
#define RAMFS_OFFSET_SUMMED(type, field) RAMFS_OFFSET_AS(type, field, field)

RAMFS_SIZE(file_system_type)
RAMFS_SIZE(fs_context_operations)
RAMFS_SIZE(fs_parameter_spec)
RAMFS_SIZE(fs_parse_result)
RAMFS_SIZE(super_operations)
RAMFS_SIZE(inode_operations)
RAMFS_SIZE(file_operations)
RAMFS_SIZE(address_space_operations)
RAMFS_SIZE(vm_operations_struct)
RAMFS_SIZE(xattr_handler)
RAMFS_SIZE(kstatfs)
RAMFS_SIZE(kmem_cache_args)
RAMFS_SIZE(sysinfo)
RAMFS_SIZE(timespec64)

RAMFS_OFFSET(file_system_type, name)
RAMFS_OFFSET(file_system_type, fs_flags)
RAMFS_OFFSET(file_system_type, init_fs_context)
RAMFS_OFFSET(file_system_type, parameters)
RAMFS_OFFSET(file_system_type, kill_sb)
RAMFS_OFFSET(file_system_type, owner)
RAMFS_OFFSET(fs_context_operations, free)
RAMFS_OFFSET(fs_context_operations, parse_param)
RAMFS_OFFSET(fs_context_operations, get_tree)
RAMFS_OFFSET(fs_context_operations, reconfigure)
RAMFS_OFFSET(fs_context, ops)
RAMFS_OFFSET(fs_context, fs_type)
RAMFS_OFFSET(fs_context, fs_private)
RAMFS_OFFSET(fs_context, root)
RAMFS_OFFSET(fs_context, user_ns)
RAMFS_OFFSET(fs_context, log)
RAMFS_OFFSET(p_log, prefix)
RAMFS_OFFSET(p_log, log)
RAMFS_OFFSET(fs_parameter_spec, name)
RAMFS_OFFSET_AS(fs_parameter_spec, type, type_)
RAMFS_OFFSET(fs_parameter_spec, opt)
RAMFS_OFFSET(fs_parameter_spec, flags)
RAMFS_OFFSET(fs_parameter_spec, data)
RAMFS_OFFSET_IN(fs_parameter, string, __bindgen_anon_1.string)
RAMFS_OFFSET(fs_parse_result, negated)
RAMFS_OFFSET_SUMMED(fs_parse_result, uint_32)
RAMFS_OFFSET(super_operations, alloc_inode)
RAMFS_OFFSET(super_operations, free_inode)
RAMFS_OFFSET(super_operations, statfs)
RAMFS_OFFSET(super_operations, drop_inode)
RAMFS_OFFSET(super_operations, evict_inode)
RAMFS_OFFSET(super_operations, show_options)
RAMFS_OFFSET(super_block, s_blocksize_bits)
RAMFS_OFFSET(super_block, s_blocksize)
RAMFS_OFFSET(super_block, s_maxbytes)
RAMFS_OFFSET(super_block, s_type)
RAMFS_OFFSET(super_block, s_op)
RAMFS_OFFSET(super_block, s_flags)
RAMFS_OFFSET(super_block, s_magic)
RAMFS_OFFSET(super_block, s_root)
RAMFS_OFFSET(super_block, s_xattr)
RAMFS_OFFSET(super_block, s_fs_info)
RAMFS_OFFSET(super_block, s_time_gran)
RAMFS_OFFSET(inode_operations, lookup)
RAMFS_OFFSET(inode_operations, get_link)
RAMFS_OFFSET(inode_operations, create)
RAMFS_OFFSET(inode_operations, link)
RAMFS_OFFSET(inode_operations, unlink)
RAMFS_OFFSET(inode_operations, symlink)
RAMFS_OFFSET(inode_operations, mkdir)
RAMFS_OFFSET(inode_operations, rmdir)
RAMFS_OFFSET(inode_operations, mknod)
RAMFS_OFFSET(inode_operations, rename)
RAMFS_OFFSET(inode_operations, setattr)
RAMFS_OFFSET(inode_operations, getattr)
RAMFS_OFFSET(inode_operations, listxattr)
RAMFS_OFFSET(inode_operations, tmpfile)
RAMFS_OFFSET(file_operations, llseek)
RAMFS_OFFSET(file_operations, read_iter)
RAMFS_OFFSET(file_operations, write_iter)
RAMFS_OFFSET(file_operations, mmap)
RAMFS_OFFSET(file_operations, fsync)
RAMFS_OFFSET(file_operations, splice_write)
RAMFS_OFFSET(file_operations, splice_read)
RAMFS_OFFSET(address_space_operations, write_begin)
RAMFS_OFFSET(vm_operations_struct, fault)
RAMFS_OFFSET(vm_operations_struct, map_pages)
RAMFS_OFFSET(vm_operations_struct, page_mkwrite)
RAMFS_OFFSET(xattr_handler, name)
RAMFS_OFFSET(xattr_handler, prefix)
RAMFS_OFFSET(xattr_handler, flags)
RAMFS_OFFSET(xattr_handler, list)
RAMFS_OFFSET(xattr_handler, get)
RAMFS_OFFSET(xattr_handler, set)
RAMFS_OFFSET(inode, i_mode)
RAMFS_OFFSET(inode, i_op)
RAMFS_OFFSET(inode, i_sb)
RAMFS_OFFSET(inode, i_mapping)
RAMFS_OFFSET(inode, i_ino)
RAMFS_OFFSET_IN(inode, i_nlink, __bindgen_anon_1.__i_nlink)
RAMFS_OFFSET(inode, i_size)
RAMFS_OFFSET(inode, i_atime_sec)
RAMFS_OFFSET(inode, i_atime_nsec)
RAMFS_OFFSET(inode, i_mtime_sec)
RAMFS_OFFSET(inode, i_mtime_nsec)
RAMFS_OFFSET(inode, i_ctime_sec)
RAMFS_OFFSET(inode, i_ctime_nsec)
RAMFS_OFFSET(inode, i_rwsem)
RAMFS_OFFSET_IN(inode, i_fop, __bindgen_anon_3.i_fop)
RAMFS_OFFSET(inode, i_data)
RAMFS_OFFSET(address_space, host)
RAMFS_OFFSET(address_space, flags)
RAMFS_OFFSET(address_space, nrpages)
RAMFS_OFFSET(address_space, a_ops)
RAMFS_OFFSET(address_space, gfp_mask)
RAMFS_OFFSET(qstr, name)
RAMFS_OFFSET_IN(qstr, len, __bindgen_anon_1.__bindgen_anon_1.len)
RAMFS_OFFSET(dentry, d_parent)
RAMFS_OFFSET(dentry, d_name)
RAMFS_OFFSET(dentry, d_inode)
RAMFS_OFFSET(dentry, d_lockref)
RAMFS_OFFSET(dentry, d_sb)
RAMFS_OFFSET(path, dentry)
RAMFS_OFFSET(file, f_path)
RAMFS_OFFSET(file, f_mapping)
RAMFS_OFFSET(iattr, ia_valid)
RAMFS_OFFSET(iattr, ia_size)
RAMFS_OFFSET(kstat, result_mask)
RAMFS_OFFSET(kstat, btime)
RAMFS_OFFSET(kstat, blocks)
RAMFS_OFFSET(kstatfs, f_blocks)
RAMFS_OFFSET(kstatfs, f_bfree)
RAMFS_OFFSET(kstatfs, f_bavail)
RAMFS_OFFSET(kstatfs, f_files)
RAMFS_OFFSET(kstatfs, f_ffree)
RAMFS_OFFSET(kiocb, ki_filp)
RAMFS_OFFSET(kiocb, ki_pos)
RAMFS_OFFSET(kiocb, ki_flags)
RAMFS_OFFSET_SUMMED(iov_iter, count)
RAMFS_OFFSET(vm_area_struct, vm_ops)
RAMFS_OFFSET(vm_area_struct, vm_file)
RAMFS_OFFSET_IN(vm_fault, vma, __bindgen_anon_1.vma)
RAMFS_OFFSET_IN(vm_fault, pgoff, __bindgen_anon_1.pgoff)
RAMFS_OFFSET(kmem_cache_args, align)
RAMFS_OFFSET(kmem_cache_args, ctor)
RAMFS_OFFSET(sysinfo, totalram)
RAMFS_OFFSET(sysinfo, mem_unit)
RAMFS_OFFSET(timespec64, tv_sec)
RAMFS_OFFSET(timespec64, tv_nsec)
RAMFS_SIZE(posix_acl)
RAMFS_SIZE(posix_acl_entry)
RAMFS_OFFSET(posix_acl, a_count)
RAMFS_SIZE(folio_batch)
RAMFS_OFFSET(folio_batch, nr)
RAMFS_OFFSET(folio_batch, folios)
RAMFS_OFFSET_IN(folio, flags, __bindgen_anon_1.__bindgen_anon_1.flags)
RAMFS_OFFSET_IN(folio, index, __bindgen_anon_1.__bindgen_anon_1.index)
RAMFS_OFFSET(address_space, invalidate_lock)
