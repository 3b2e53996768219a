// SPDX-License-Identifier: GPL-2.0
/*
 * Metadata micro-benchmark for `make bench`: bench/run-guest.sh runs it in
 * the VM, scripts/bench.sh compiles it on the host.
 *
 * It is given one directory per file system under test and runs every phase
 * on all of them at once, taking turns in small batches (about BATCH
 * operations on the first, then on the second, ..., the first to go changing
 * from turn to turn), and adds up the time each one took. Under TCG on a
 * busy host the guest's own speed changes by tens of percent from one second
 * to the next; taking turns every few milliseconds spreads those changes
 * evenly over the file systems, so their ratios hold even when the absolute
 * times do not.
 *
 * So that a phase is long enough to time, each directory argument gets SUBS
 * subdirectories of N entries each, SUBS = max(1, MIN_OPS / N): every phase
 * does at least MIN_OPS operations, in directories of N entries. Prints one
 * line per phase, directory and N: "PHASE INDEX N OPS SECONDS", INDEX being
 * the directory's position (0-based) on the command line, OPS the operations
 * (for readdir: the entries read).
 *
 *   meta files N DIR...   create+close N empty files, stat each, read the
 *                         whole directory (again and again until 200 000
 *                         entries were read), rename each, unlink each
 *   meta scale N[,N...] DIR...
 *                         create, stat and readdir as above, for every N in
 *                         every DIR, all at once: the sizes take turns too, so
 *                         that the cost per entry at each size is measured
 *                         in the same moments; the files stay (the caller
 *                         unmounts)
 *   meta tree DEPTH WIDTH DIR...
 *                         mkdir chains DEPTH deep then rmdir them from the
 *                         bottom (deep); mkdir WIDTH directories side by side
 *                         then rmdir them (wide)
 *   meta create N BYTES DIR
 *                         create N files of BYTES (at most 65536) bytes in DIR
 *                         itself and keep them (for the memory figures)
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_DIRS 32
#define MIN_OPS 10000
#define BATCH 50
#define READDIR_ENTRIES 200000
#define GETDENTS_BUF (32 << 10)	/* what glibc's readdir uses */

struct dir {
	int index;	/* position of its DIR on the command line */
	int fd;		/* DIR */
	long n;		/* entries per subdirectory */
	int nsub;
	int *sub;	/* the subdirectories */
	int *cur;	/* tree: the bottom of each chain */
	int rfd;	/* readdir: the subdirectory being read, or -1 */
	long sweeps;	/* readdir: whole subdirectories read */
	long entries;	/* readdir: entries read in this sweep */
	long total;	/* operations in the current phase */
	double secs;	/* its time */
	long ops;	/* what it counted */
};

static struct dir dirs[MAX_DIRS];
static int ndirs;
static int phase_no;
static size_t create_bytes;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what, const char *name)
{
	fprintf(stderr, "meta: %s %s: %s\n", what, name ? name : "", strerror(errno));
	exit(1);
}

static void name(char *buf, char prefix, long i)
{
	snprintf(buf, 32, "%c%07ld", prefix, i);
}

/* One operation, number IDX of the phase, in directory D; returns what it
 * counts as (1, or the entries read). */
typedef long (*op_fn)(struct dir *d, long idx);

/* Runs every directory's d->total operations, taking turns: the directory
 * with the fewest does BATCH a turn, the others proportionally more, so that
 * all finish in the same turn. Prints each directory's count and time. */
static void phase(const char *label, op_fn fn, long batch)
{
	long turns, least = -1, t;
	int k, i;

	for (i = 0; i < ndirs; i++) {
		dirs[i].secs = dirs[i].ops = 0;
		if (least < 0 || dirs[i].total < least)
			least = dirs[i].total;
	}
	turns = (least + batch - 1) / batch;
	for (t = 0; t < turns; t++) {
		for (k = 0; k < ndirs; k++) {
			struct dir *d = &dirs[(t + phase_no + k) % ndirs];
			/* operations [from, to) of its total, spread over the turns */
			long from = d->total * t / turns, to = d->total * (t + 1) / turns, idx;
			double t0 = now();

			for (idx = from; idx < to; idx++)
				d->ops += fn(d, idx);
			d->secs += now() - t0;
		}
	}
	for (i = 0; i < ndirs; i++)
		printf("%s %d %ld %ld %.9f\n", label, dirs[i].index, dirs[i].n, dirs[i].ops,
		       dirs[i].secs);
	fflush(stdout);
	phase_no++;
}

static void set_totals(long per_dir_factor)
{
	int i;

	for (i = 0; i < ndirs; i++)
		dirs[i].total = dirs[i].n * dirs[i].nsub * per_dir_factor;
}

/* --- files --------------------------------------------------------------- */

static long op_create(struct dir *d, long idx)
{
	static char data[1 << 16];
	char nm[32];
	int fd;

	if (create_bytes && !data[0])
		memset(data, 'x', sizeof(data));
	name(nm, 'f', idx % d->n);
	fd = openat(d->sub[idx / d->n], nm, O_CREAT | O_EXCL | O_WRONLY, 0644);
	if (fd < 0)
		die("create", nm);
	if (create_bytes && write(fd, data, create_bytes) != (ssize_t)create_bytes)
		die("write", nm);
	close(fd);
	return 1;
}

static long op_stat(struct dir *d, long idx)
{
	struct stat st;
	char nm[32];

	name(nm, 'f', idx % d->n);
	if (fstatat(d->sub[idx / d->n], nm, &st, 0))
		die("stat", nm);
	return 1;
}

/* One getdents64 call, going through the subdirectories in turn; returns
 * the entries it read. */
static long op_getdents(struct dir *d, long idx)
{
	static char buf[GETDENTS_BUF];
	long n, off = 0, entries = 0;

	(void)idx;
	if (d->rfd < 0) {
		d->rfd = openat(d->sub[d->sweeps % d->nsub], ".", O_RDONLY | O_DIRECTORY);
		if (d->rfd < 0)
			die("open", ".");
		d->entries = 0;
	}
	n = syscall(SYS_getdents64, d->rfd, buf, sizeof(buf));
	if (n < 0)
		die("getdents64", ".");
	while (off < n) {
		entries++;
		off += ((struct dirent64 *)(buf + off))->d_reclen;
	}
	d->entries += entries;
	if (n == 0) {
		close(d->rfd);
		d->rfd = -1;
		d->sweeps++;
		if (d->entries != d->n + 2) {
			fprintf(stderr, "meta: readdir saw %ld entries, expected %ld\n",
				d->entries, d->n + 2);
			exit(1);
		}
	}
	return entries;
}

/* Reads the whole directory: at least READDIR_ENTRIES entries, in whole
 * sweeps over the subdirectories. How many getdents64 calls that takes is
 * counted first, by one untimed sweep (which also warms every directory up
 * alike). */
static void readdir_phase(void)
{
	int i, j;

	for (i = 0; i < ndirs; i++) {
		struct dir *d = &dirs[i];
		long per_sweep = d->n * d->nsub, sweeps = READDIR_ENTRIES / per_sweep + 1, calls = 0;

		d->rfd = -1;
		d->sweeps = 0;
		for (j = 0; j < d->nsub; j++)
			do
				calls++;
			while (op_getdents(d, 0) > 0 || d->rfd >= 0);
		d->total = calls * sweeps;
		d->sweeps = 0;
	}
	phase("readdir", op_getdents, 1);
}

static long op_rename(struct dir *d, long idx)
{
	char a[32], b[32];
	int fd = d->sub[idx / d->n];

	name(a, 'f', idx % d->n);
	name(b, 'g', idx % d->n);
	if (renameat(fd, a, fd, b))
		die("rename", a);
	return 1;
}

static long op_unlink(struct dir *d, long idx)
{
	char nm[32];

	name(nm, 'g', idx % d->n);
	if (unlinkat(d->sub[idx / d->n], nm, 0))
		die("unlink", nm);
	return 1;
}

/* --- trees ---------------------------------------------------------------- */

/* A chain per subdirectory: d/d/d/..., n deep. */
static long op_mkdir_deep(struct dir *d, long idx)
{
	int chain = idx / d->n, fd;

	if (mkdirat(d->cur[chain], "d", 0755))
		die("mkdir", "d");
	fd = openat(d->cur[chain], "d", O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		die("open", "d");
	if (d->cur[chain] != d->sub[chain])
		close(d->cur[chain]);
	d->cur[chain] = fd;
	return 1;
}

static long op_rmdir_deep(struct dir *d, long idx)
{
	int chain = idx / d->n;
	int parent = openat(d->cur[chain], "..", O_RDONLY | O_DIRECTORY);

	if (parent < 0)
		die("open", "..");
	close(d->cur[chain]);
	if (unlinkat(parent, "d", AT_REMOVEDIR))
		die("rmdir", "d");
	d->cur[chain] = parent;
	return 1;
}

static long op_mkdir_wide(struct dir *d, long idx)
{
	char nm[32];

	name(nm, 'd', idx % d->n);
	if (mkdirat(d->sub[idx / d->n], nm, 0755))
		die("mkdir", nm);
	return 1;
}

static long op_rmdir_wide(struct dir *d, long idx)
{
	char nm[32];

	name(nm, 'd', idx % d->n);
	if (unlinkat(d->sub[idx / d->n], nm, AT_REMOVEDIR))
		die("rmdir", nm);
	return 1;
}

/* --- set-up -------------------------------------------------------------- */

static int subs_for(long n)
{
	return n >= MIN_OPS ? 1 : (MIN_OPS + n - 1) / n;
}

/* Opens each DIR in argv[first..] once per size in SIZES ("N[,N...]"); each
 * gets its subdirectories PREFIX<N>_000... (SUBS of them), or, with SUBS 0,
 * works in DIR itself. */
static void open_dirs(int argc, char **argv, int first, const char *sizes, int subs, char prefix)
{
	char nm[48];
	int a, j;

	for (a = first; a < argc; a++) {
		const char *s = sizes;

		while (*s) {
			struct dir *d = &dirs[ndirs];
			char *end;

			if (ndirs == MAX_DIRS) {
				fprintf(stderr, "meta: at most %d directories and sizes\n", MAX_DIRS);
				exit(2);
			}
			d->n = strtol(s, &end, 10);
			if (d->n < 1 || (*end && *end != ',')) {
				fprintf(stderr, "meta: bad size list %s\n", sizes);
				exit(2);
			}
			s = *end ? end + 1 : end;
			d->index = a - first;
			d->fd = open(argv[a], O_RDONLY | O_DIRECTORY);
			if (d->fd < 0)
				die("open", argv[a]);
			d->nsub = subs ? subs_for(d->n) : 1;
			d->sub = calloc(d->nsub, sizeof(int));
			d->cur = calloc(d->nsub, sizeof(int));
			if (!d->sub || !d->cur)
				die("calloc", NULL);
			for (j = 0; j < d->nsub; j++) {
				if (!subs) {
					d->sub[j] = d->fd;
				} else {
					snprintf(nm, sizeof(nm), "%c%ld_%03d", prefix, d->n, j);
					if (mkdirat(d->fd, nm, 0755))
						die("mkdir", nm);
					d->sub[j] = openat(d->fd, nm, O_RDONLY | O_DIRECTORY);
					if (d->sub[j] < 0)
						die("open", nm);
				}
				d->cur[j] = d->sub[j];
			}
			ndirs++;
		}
	}
	if (!ndirs) {
		fprintf(stderr, "meta: no directory\n");
		exit(2);
	}
}

static void close_dirs(void)
{
	int i, j;

	for (i = 0; i < ndirs; i++) {
		for (j = 0; j < dirs[i].nsub; j++)
			if (dirs[i].sub[j] != dirs[i].fd)
				close(dirs[i].sub[j]);
		close(dirs[i].fd);
		free(dirs[i].sub);
		free(dirs[i].cur);
	}
	ndirs = 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	if ((!strcmp(cmd, "files") || !strcmp(cmd, "scale")) && argc > 3) {
		int full = !strcmp(cmd, "files");

		open_dirs(argc, argv, 3, argv[2], 1, 's');
		set_totals(1);
		phase("create", op_create, BATCH);
		phase("stat", op_stat, BATCH);
		readdir_phase();
		if (full) {
			set_totals(1);
			phase("rename", op_rename, BATCH);
			phase("unlink", op_unlink, BATCH);
		}
	} else if (!strcmp(cmd, "tree") && argc > 4) {
		open_dirs(argc, argv, 4, argv[2], 1, 'c');
		set_totals(1);
		phase("mkdir-deep", op_mkdir_deep, BATCH);
		phase("rmdir-deep", op_rmdir_deep, BATCH);
		close_dirs();
		open_dirs(argc, argv, 4, argv[3], 1, 'w');
		set_totals(1);
		phase("mkdir-wide", op_mkdir_wide, BATCH);
		phase("rmdir-wide", op_rmdir_wide, BATCH);
	} else if (!strcmp(cmd, "create") && argc == 5) {
		create_bytes = (size_t)atol(argv[3]);
		if (create_bytes > 1 << 16) {
			fprintf(stderr, "meta: at most 65536 bytes per file\n");
			return 2;
		}
		open_dirs(argc, argv, 4, argv[2], 0, 0);
		set_totals(1);
		phase("create", op_create, BATCH);
	} else {
		fprintf(stderr, "usage: meta files N DIR... | scale N[,N...] DIR... | "
				"tree DEPTH WIDTH DIR... | create N BYTES DIR\n");
		return 2;
	}
	return 0;
}
