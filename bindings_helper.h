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
#include <linux/fs_context.h>
#include <linux/fs_parser.h>
#include <linux/pagemap.h>
#include <linux/security.h>

/* Macro constants bindgen cannot evaluate; Kbuild strips the prefix. */
const loff_t RUST_CONST_HELPER_MAX_LFS_FILESIZE = MAX_LFS_FILESIZE;
const gfp_t RUST_CONST_HELPER_GFP_HIGHUSER = GFP_HIGHUSER;
const unsigned int RUST_CONST_HELPER_AS_UNEVICTABLE = AS_UNEVICTABLE;
