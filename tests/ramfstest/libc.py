# SPDX-License-Identifier: GPL-2.0
"""The C library through ctypes, once for every test helper.

``libc`` is the library with the argument and result types of every function
the tests call declared here (a pointer or a 64-bit length passed without
them would be truncated to an int). Calls return what the C function does,
so that a test can look at a failure; ``check`` turns -1 into an OSError.
The wrappers below take ``str`` paths and ``None`` for NULL.
"""

import ctypes
import errno
import os

from sysconst import AT_FDCWD

libc = ctypes.CDLL(None, use_errno=True)

_c = ctypes
_STR, _INT, _UINT, _LONG, _ULONG = _c.c_char_p, _c.c_int, _c.c_uint, _c.c_long, _c.c_ulong
_SIZE, _SSIZE, _PTR = _c.c_size_t, _c.c_ssize_t, _c.c_void_p
_off = _c.c_int64

for _name, _args, _res in [
    ("mount", [_STR, _STR, _STR, _ULONG, _STR], _INT),
    ("umount2", [_STR, _INT], _INT),
    ("renameat2", [_INT, _STR, _INT, _STR, _UINT], _INT),
    ("linkat", [_INT, _STR, _INT, _STR, _INT], _INT),
    ("fallocate", [_INT, _INT, _off, _off], _INT),
    ("mmap", [_PTR, _SIZE, _INT, _INT, _INT, _off], _PTR),
    ("munmap", [_PTR, _SIZE], _INT),
    ("msync", [_PTR, _SIZE, _INT], _INT),
    ("madvise", [_PTR, _SIZE, _INT], _INT),
    ("readahead", [_INT, _off, _SIZE], _SSIZE),
    ("getxattr", [_STR, _STR, _PTR, _SIZE], _SSIZE),
    ("listxattr", [_STR, _PTR, _SIZE], _SSIZE),
    ("fsopen", [_STR, _UINT], _INT),
    ("fsconfig", [_INT, _UINT, _STR, _STR, _INT], _INT),
    ("fsmount", [_INT, _UINT, _UINT], _INT),
    ("move_mount", [_INT, _STR, _INT, _STR, _UINT], _INT),
    ("open_tree", [_INT, _STR, _UINT], _INT),
    ("unshare", [_INT], _INT),
    ("mount_setattr", [_INT, _STR, _UINT, _PTR, _SIZE], _INT),
    ("init_module", [_PTR, _ULONG, _STR], _INT),
    ("delete_module", [_STR, _UINT], _INT),
    ("setfsuid", [_UINT], _INT),
    ("setfsgid", [_UINT], _INT),
]:
    _f = getattr(libc, _name)
    _f.argtypes, _f.restype = _args, _res

MAP_FAILED = _PTR(-1).value


def ename(e):
    """The errno's name (ENOSPC) of an OSError or an errno number."""
    n = e.errno if isinstance(e, OSError) else e
    return errno.errorcode.get(n, str(n))


def oserror(what=None):
    """An OSError for the C library's errno now."""
    e = ctypes.get_errno()
    return OSError(e, os.strerror(e), what)


def check(ret, what=None):
    """Return RET, or raise an OSError for errno when the call failed (-1;
    None or MAP_FAILED for mmap)."""
    if ret is None or ret == -1 or ret == MAP_FAILED:
        raise oserror(what)
    return ret


def outcome(fn, *args):
    """Call FN(*ARGS): "OK", or the errno's name of the OSError it raised."""
    try:
        fn(*args)
        return "OK"
    except OSError as e:
        return ename(e)


def _b(s):
    return None if s is None else os.fsencode(s)


def mount(source, target, fstype, flags=0, data=None):
    check(libc.mount(_b(source), _b(target), _b(fstype), flags, _b(data)), "mount")


def umount(target, flags=0):
    check(libc.umount2(_b(target), flags), "umount")


def renameat2(src, dst, flags=0):
    check(libc.renameat2(AT_FDCWD, _b(src), AT_FDCWD, _b(dst), flags), "renameat2")


def linkat(olddirfd, old, newdirfd, new, flags=0):
    check(libc.linkat(olddirfd, _b(old), newdirfd, _b(new), flags), "linkat")


def fallocate(fd, mode, offset, length):
    check(libc.fallocate(fd, mode, offset, length), "fallocate")
