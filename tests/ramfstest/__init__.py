# SPDX-License-Identifier: GPL-2.0
"""The Python side of rust_ramfs's tests.

The KTAP scripts in tests/ call these modules (lib.sh's ``tpy NAME ARG...``
imports ``ramfstest.NAME`` and calls its ``main()``, which reads
``sys.argv``; ``python3 -m ramfstest.NAME`` works too, slower) for what the shell cannot do: system calls
with flags (renameat2, the new mount API, fallocate, mmap), measurements,
and checks of many cases in one interpreter start-up (which is slow on the
debug kernel under TCG).

- ``libc``: the C library through ctypes, set up once, and errno helpers.
- ``sysop``: one system call per line, printing OK or the errno's name.
- ``forked``: one check run on several file systems, each in a child, in
  one start-up; an access that may die of a signal.
- one module per test script that needs more than a few lines of Python.

Only the standard library: the guest runs ``python3 -S``. The C library's
constants come from the generated module ``sysconst`` (tests/sysconst.c).
``make check`` byte-compiles and lints this package before it boots a VM.
"""
