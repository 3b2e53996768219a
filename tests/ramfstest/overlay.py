# SPDX-License-Identifier: GPL-2.0
"""A directory tree as text, to compare overlayfs layers (tests/overlay.sh).

    python3 -m ramfstest.overlay DIR

Every entry under DIR, sorted by path, one a line: type (f d l c b p s),
permissions in octal, path; then a regular file's contents, a device's
numbers or a symlink's target; then the xattrs (trusted.overlay.* too, as
root), values shown as bytes, those that differ from mount to mount (a uuid,
a file handle) by their length only.
"""

import os
import stat
import sys

# overlayfs xattrs whose values hold a uuid or a file handle.
PER_MOUNT = (".uuid", ".origin", ".upper", ".redirect")


def xattrs(p):
    out = []
    for n in sorted(os.listxattr(p, follow_symlinks=False)):
        v = os.getxattr(p, n, follow_symlinks=False)
        if n.endswith(PER_MOUNT) and len(v) > 8:
            out.append(f"{n}=<{len(v)} bytes>")
        else:
            out.append(f"{n}={v!r}")
    return " [" + " ".join(out) + "]" if out else ""


def entry(top, rel):
    p = os.path.join(top, rel)
    st = os.lstat(p)
    m = st.st_mode
    t = stat.filemode(m)[0].replace("-", "f")
    line = f"{t} {stat.S_IMODE(m):03o} {rel}"
    if stat.S_ISREG(m):
        with open(p, "rb") as f:
            line += f" {f.read()!r}"
    elif stat.S_ISCHR(m) or stat.S_ISBLK(m):
        line += f" {os.major(st.st_rdev)}:{os.minor(st.st_rdev)}"
    elif stat.S_ISLNK(m):
        line += " -> " + os.readlink(p)
    return line + xattrs(p)


def tree(top):
    entries = []
    for root, dirs, files in os.walk(top):
        entries += [os.path.relpath(os.path.join(root, n), top) for n in dirs + files]
    for rel in sorted(entries):
        print(entry(top, rel))


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    tree(sys.argv[1])


if __name__ == "__main__":
    main()
