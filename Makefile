# SPDX-License-Identifier: GPL-2.0
#
# rust_ramfs: a RAM filesystem written in Rust, as an out-of-tree module.
#
#   make            build rust_ramfs.ko for the running kernel when its build
#                   tree has Rust support, else for the project's cached
#                   6.12 test kernel (installing the toolchain and building
#                   that kernel first when they are missing)
#   make install    install it into the kernel's module tree (modules_install,
#                   depmod); INSTALL_MOD_PATH= installs under another root
#   make uninstall  remove it from there again
#   make check      the whole test suite, in a QEMU VM, on the debug kernel
#   make stress     the stress tests alone, with a report of what they did
#   make fstests    fstests' whole selection on the plain kernel (FSTESTS_SRC=)
#   make run        boot the VM with the module loaded and mounted on /mnt
#   make KDIR=/path/to/linux LLVM=1    build against your own Rust-enabled tree
#
# Kbuild (the file `Kbuild`) says what to compile; this file only drives it.

export KDIR

# When Kbuild itself reads this directory it uses `Kbuild`, not this file.
.PHONY: all modules install uninstall check lint stress fstests run bench bench-ab fmt fmtcheck clippy rust-analyzer setup kernel clean diagram tourcheck

all: modules

modules:
	scripts/kmake.sh modules

# After `make`, for the same kernel. Kbuild puts the module under
# lib/modules/RELEASE/updates and runs depmod, so that `mount -t rust_ramfs`
# loads it through its `fs-rust_ramfs` alias.
install:
	scripts/kmake.sh modules_install

uninstall:
	scripts/uninstall.sh

check:
	scripts/check.sh

stress:
	scripts/stress.sh

# tests/fstests/all.list on rust_ramfs, tmpfs and the C ramfs, in one boot of
# the plain test kernel (make check runs tests/fstests/check.list).
fstests:
	FLAVOUR=test FSTESTS_LIST=all RAMFS_TIMEOUT_OVERRIDE=5400 scripts/check.sh fstests

# The module in this tree is built for one kernel at a time: build it for the
# one `run` boots (the test kernel; FLAVOUR=debug for the debug one).
run: export FLAVOUR ?= test
run: modules
	scripts/vm.sh run

bench:
	scripts/bench.sh

# REVS="A B ...": the metadata workloads for these revisions' modules in one
# boot (default HEAD~1 HEAD; "." is the work tree).
bench-ab:
	scripts/bench-ab.sh

setup:
	scripts/setup.sh

kernel:
	scripts/kdir.sh

# The tests' Python package (byte-compile, pyflakes) and shellcheck.
lint:
	scripts/lint.sh

# rustfmt with the kernel's own .rustfmt.toml (Kbuild has no rustfmt rule for
# external modules), taken from the kernel source: no kernel build needed.
RS_SOURCES = $(filter-out %_generated.rs,$(wildcard *.rs vfs/*.rs))
fmt:
	rustfmt --edition 2021 --config-path "$$(scripts/rustfmt-config.sh)" $(RS_SOURCES)

fmtcheck:
	rustfmt --edition 2021 --config-path "$$(scripts/rustfmt-config.sh)" --check $(RS_SOURCES)

# Rebuild with clippy as the compiler driver, warnings as errors.
clippy:
	scripts/kmake.sh clean
	scripts/kmake.sh CLIPPY=1 KRUSTFLAGS=-Dwarnings modules

rust-analyzer:
	scripts/kmake.sh rust-analyzer

clean:
	scripts/kmake.sh clean

# The structure diagram, from its Graphviz source (checked in with its renderings).
diagram: docs/structure.svg docs/structure.png
docs/structure.svg: docs/structure.dot
	dot -Tsvg $< -o $@
docs/structure.png: docs/structure.dot
	dot -Tpng -Gdpi=110 $< -o $@

# TOUR.md quotes the trace transcript that tests/trace.sh checks in the VM.
tourcheck:
	scripts/tourcheck.sh
