# SPDX-License-Identifier: GPL-2.0
"""Child processes for the checks: one check on several file systems in one
interpreter start-up (which is what costs under TCG), and accesses that may
die of a signal.

``each(fn, args)`` runs ``fn(arg)`` for every argument (a path on rust_ramfs,
then on the references) in a child of its own, as a separate run of the
program would, and prints one line per argument: what that child printed,
its lines joined by `` | ``. The exit status is 1 when a child failed, so
that two runs which crashed the same way cannot look alike.
"""

import os
import signal
import sys


def _child(fn, arg, w):
    """In the child: fn(arg) with stdout and stderr into the pipe W."""
    code = 0
    os.dup2(w, 1)
    os.dup2(w, 2)
    try:
        fn(arg)
    except SystemExit as e:
        if isinstance(e.code, str):
            print(e.code, file=sys.stderr)
        code = e.code if isinstance(e.code, int) else int(e.code is not None)
    except BaseException:
        import traceback  # only when a check crashed: slow to import
        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def run(fn, arg):
    """fn(arg) in a child: (its exit status, what it printed, as one line)."""
    sys.stdout.flush()
    sys.stderr.flush()
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        _child(fn, arg, w)
    os.close(w)
    chunks = []
    while True:
        chunk = os.read(r, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(r)
    _, status = os.waitpid(pid, 0)
    out = b"".join(chunks).decode(errors="replace")
    return os.waitstatus_to_exitcode(status), " | ".join(out.splitlines())


def each(fn, args):
    """fn(arg) for each of ARGS, each in a child; one line each. Exits 1
    when a child failed."""
    failed = False
    for arg in args:
        code, line = run(fn, arg)
        print(line)
        failed = failed or code != 0
    sys.exit(1 if failed else 0)


def in_child(fn):
    """Run fn() in a child process: "ok", the signal that killed it (SIGBUS),
    or "exit N" when it raised (shown as `child: ...`)."""
    sys.stdout.flush()
    pid = os.fork()
    if pid == 0:
        try:
            fn()
            sys.stdout.flush()
            os._exit(0)
        except BaseException as e:
            print(f"child: {e!r}", flush=True)
            os._exit(3)
    _, st = os.waitpid(pid, 0)
    if os.WIFSIGNALED(st):
        return signal.Signals(os.WTERMSIG(st)).name
    return "ok" if os.WEXITSTATUS(st) == 0 else f"exit {os.WEXITSTATUS(st)}"
