// SPDX-License-Identifier: GPL-2.0
/*
 * Concurrency workload for tests/concurrency.sh: many processes racing on the
 * same names, the same directories and the same file, so that the module's
 * directory operations, link counts, page cache and truncate run against each
 * other (locking, dentry and inode lifetime, nlink accounting). Each process
 * runs for SECONDS and counts its operations; a system call may fail only
 * with an errno that a race legitimately produces (ENOENT when a name went
 * away, EEXIST, ENOTEMPTY, ENOTDIR, EISDIR, EINVAL for a rename into its own
 * subtree, ELOOP through racing symlinks, EPERM for a link to a directory).
 * Any other errno (EMLINK, ENOMEM, EIO, EBUSY...), a byte of data that no
 * writer wrote, or a name in a directory that no process made is reported
 * and makes the process exit 1. Built by the script with
 * `gcc -O2 -Wall -Werror -pthread`.
 *
 *   concurrency ns DIR SECONDS SEED
 *	namespace churn in DIR/d0..d3 (made if missing): open(O_CREAT), mkdir,
 *	renameat2 with 0, RENAME_NOREPLACE and RENAME_EXCHANGE across the
 *	directories, link, unlink, rmdir, symlink, readdir, stat, read/write,
 *	on paths d<i>/n<j>[/n<k>[/n<l>]], a small name space so processes
 *	collide all the time.
 *   concurrency data FILE SECONDS ROLE SEED
 *	ROLE writer (pwrite), mwriter (stores through a MAP_SHARED mapping),
 *	preader (pread), mreader (loads through a MAP_SHARED mapping) or
 *	truncater (ftruncate to random sizes). Every writer writes byte
 *	pattern(offset) at offset, so any byte read must be that or 0 (a hole,
 *	or zeroes after a truncate). A load or store past a concurrent truncate
 *	gets SIGBUS: caught (sigsetjmp/siglongjmp) and counted.
 *   concurrency rmdir DIR SECONDS ROLE SEED
 *	ROLE rmdirer: mkdir DIR/d, empty it, rmdir it, over and over; ROLE
 *	creator: create files and directories in DIR/d, by path and through a
 *	directory fd that may be of a removed d (which must refuse with ENOENT).
 *   concurrency check lstat|nlink < NUL-separated paths (find -print0)
 *	lstat: every path can be lstat'ed; nlink: every directory's st_nlink
 *	is 2 + its number of subdirectories.
 *
 * Output: one line "role=R ops=N ok=K unexpected=M [sigbus=S]", after the
 * first unexpected results in detail.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define E(x) (1ULL << (x))
/* What any path walk may meet while other processes change the names. */
#define PATHERR (E(ENOENT) | E(ENOTDIR) | E(ELOOP))

#define NDIRS 4
#define NNAMES 8
#define DATA_MAX (256 * 1024)
#define MAX_DETAILS 20

static const char *role = "?";
static uint64_t ops, ok, unexpected, sigbus;
static double deadline;
static uint64_t rng;

static uint32_t rnd(void)
{
	/* xorshift64* */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 2685821657736338717ULL) >> 32);
}

static unsigned int pick(unsigned int n)
{
	return rnd() % n;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int running(void)
{
	return now() < deadline;
}

static void report(const char *fmt, ...)
{
	va_list ap;

	unexpected++;
	if (unexpected > MAX_DETAILS)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "%s: unexpected: ", role);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/*
 * check(RC, ALLOWED, what...): count one operation; RC < 0 with an errno
 * outside the ALLOWED mask is reported. Returns RC.
 */
static long check(long rc, uint64_t allowed, const char *fmt, ...)
{
	int e = errno;
	va_list ap;
	char what[512];

	ops++;
	if (rc >= 0) {
		ok++;
		return rc;
	}
	if (e < 64 && (allowed & E(e))) {
		errno = e;
		return rc;
	}
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	report("%s: %s (%s)", what, strerrorname_np(e) ?: "?", strerror(e));
	errno = e;
	return rc;
}

static int finish(void)
{
	printf("role=%s ops=%" PRIu64 " ok=%" PRIu64 " unexpected=%" PRIu64,
	       role, ops, ok, unexpected);
	if (!strcmp(role, "mreader") || !strcmp(role, "mwriter"))
		printf(" sigbus=%" PRIu64, sigbus);
	printf("\n");
	fflush(stdout);
	return unexpected ? 1 : 0;
}

/* --- namespace churn -------------------------------------------------- */

static const char *root;

/* A random path d<i>/n<j>, sometimes deeper: d<i>/n<j>/n<k>[/n<l>]. */
static void ns_path(char *buf, size_t len)
{
	unsigned int r = pick(10);
	int n;

	n = snprintf(buf, len, "%s/d%u/n%u", root, pick(NDIRS), pick(NNAMES));
	if (r >= 6)
		n += snprintf(buf + n, len - n, "/n%u", pick(NNAMES));
	if (r >= 9)
		snprintf(buf + n, len - n, "/n%u", pick(NNAMES));
}

/* A symlink target: a sibling, a name in another directory, a dangling or a
 * looping one. */
static void ns_target(char *buf, size_t len)
{
	switch (pick(3)) {
	case 0:
		snprintf(buf, len, "n%u", pick(NNAMES));
		break;
	case 1:
		snprintf(buf, len, "../d%u/n%u", pick(NDIRS), pick(NNAMES));
		break;
	default:
		snprintf(buf, len, "n%u/n%u", pick(NNAMES), pick(NNAMES));
		break;
	}
}

/* A name a directory under DIR/d<i> may hold. */
static int ns_name_ok(const char *name)
{
	char *end;

	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return 1;
	if (name[0] != 'n' || !name[1])
		return 0;
	return strtoul(name + 1, &end, 10) < NNAMES && !*end;
}

/*
 * next_entry(DIR, PATH): readdir(), which tells its end (NULL, errno 0) from
 * a failure (NULL, errno set). At either, the listing counts as one
 * operation, which may fail only with ENOENT: getdents64 on a directory
 * removed meanwhile.
 */
static struct dirent *next_entry(DIR *d, const char *path)
{
	struct dirent *de;

	errno = 0;
	de = readdir(d);
	if (!de)
		check(errno ? -1 : 0, E(ENOENT), "readdir(%s)", path);
	return de;
}

static void ns_readdir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;

	if (check(d ? 0 : -1, PATHERR, "opendir(%s)", path) < 0)
		return;
	while ((de = next_entry(d, path))) {
		if (!de->d_ino || !ns_name_ok(de->d_name))
			report("readdir(%s): entry '%s' ino %lu: no process made it",
			       path, de->d_name, (unsigned long)de->d_ino);
	}
	closedir(d);
}

static void ns_readwrite(const char *path)
{
	char buf[256];
	struct stat st;
	int fd;

	fd = check(open(path, O_RDWR | O_NOFOLLOW), PATHERR | E(EISDIR),
		   "open(%s, O_RDWR|O_NOFOLLOW)", path);
	if (fd < 0)
		return;
	if (check(fstat(fd, &st), 0, "fstat(%s)", path) == 0 && S_ISREG(st.st_mode)) {
		memset(buf, 'x', sizeof(buf));
		check(pwrite(fd, buf, 1 + pick(sizeof(buf)), pick(8192)), 0,
		      "pwrite(%s)", path);
		check(pread(fd, buf, sizeof(buf), 0), 0, "pread(%s)", path);
	}
	close(fd);
}

static int ns_main(int argc, char **argv)
{
	static const unsigned int rflags[] = {0, 0, RENAME_NOREPLACE, RENAME_EXCHANGE};
	static const char *const rname[] = {"0", "0", "NOREPLACE", "EXCHANGE"};
	char a[512], b[512], t[64];
	struct stat st;
	unsigned int i, f;
	int fd;

	role = "ns";
	root = argv[0];
	for (i = 0; i < NDIRS; i++) {
		snprintf(a, sizeof(a), "%s/d%u", root, i);
		check(mkdir(a, 0755), E(EEXIST), "mkdir(%s)", a);
	}
	while (running()) {
		ns_path(a, sizeof(a));
		ns_path(b, sizeof(b));
		switch (pick(100)) {
		case 0 ... 14:
			fd = pick(2) ? check(open(a, O_CREAT | O_EXCL | O_WRONLY, 0644),
					     PATHERR | E(EEXIST), "create(%s, O_EXCL)", a)
				     : check(open(a, O_CREAT | O_WRONLY, 0644),
					     PATHERR | E(EISDIR), "create(%s)", a);
			if (fd >= 0)
				close(fd);
			break;
		case 15 ... 26:
			check(mkdir(a, 0755), PATHERR | E(EEXIST), "mkdir(%s)", a);
			break;
		case 27 ... 44:
			f = pick(4);
			check(renameat2(AT_FDCWD, a, AT_FDCWD, b, rflags[f]),
			      PATHERR | E(EINVAL) | (f == 3 ? 0 : E(EISDIR) | E(ENOTEMPTY)) |
				      (f == 2 ? E(EEXIST) : 0),
			      "renameat2(%s, %s, %s)", a, b, rname[f]);
			break;
		case 45 ... 52:
			check(link(a, b), PATHERR | E(EEXIST) | E(EPERM), "link(%s, %s)", a, b);
			break;
		case 53 ... 64:
			check(unlink(a), PATHERR | E(EISDIR), "unlink(%s)", a);
			break;
		case 65 ... 74:
			check(rmdir(a), PATHERR | E(ENOTEMPTY), "rmdir(%s)", a);
			break;
		case 75 ... 79:
			ns_target(t, sizeof(t));
			check(symlink(t, a), PATHERR | E(EEXIST), "symlink(%s, %s)", t, a);
			break;
		case 80 ... 89:
			if (pick(3) == 0)
				snprintf(a, sizeof(a), "%s/d%u", root, pick(NDIRS));
			ns_readdir(a);
			break;
		case 90 ... 96:
			if (pick(2))
				check(lstat(a, &st), PATHERR, "lstat(%s)", a);
			else
				check(stat(a, &st), PATHERR, "stat(%s)", a);
			break;
		default:
			ns_readwrite(a);
			break;
		}
	}
	return finish();
}

/* --- one file: writers, mmap readers, truncater ------------------------- */

static sigjmp_buf bus_jmp;

static void on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(bus_jmp, 1);
}

static inline unsigned char pattern(size_t off)
{
	return 1 + off % 251;
}

/* Each byte of BUF (at file offset OFF) must be 0 or pattern(offset). */
static void verify(const volatile unsigned char *buf, size_t off, size_t len,
		   const char *how)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = buf[i];

		if (c && c != pattern(off + i)) {
			report("%s: byte at offset %zu is 0x%02x, expected 0 or 0x%02x",
			       how, off + i, c, pattern(off + i));
			return;
		}
	}
}

static int data_main(int argc, char **argv)
{
	static unsigned char buf[16384];
	const char *path = argv[0];
	struct sigaction sa = { .sa_handler = on_sigbus };
	volatile unsigned char *map = NULL;
	size_t off, len, i;
	struct stat st;
	int fd;

	role = argv[2];
	fd = check(open(path, O_RDWR | O_CREAT, 0644), 0, "open(%s)", path);
	if (fd < 0)
		return finish() | 1;
	if (!strcmp(role, "mreader") || !strcmp(role, "mwriter")) {
		int prot = PROT_READ | (role[1] == 'w' ? PROT_WRITE : 0);
		void *p = mmap(NULL, DATA_MAX, prot, MAP_SHARED, fd, 0);

		if (check(p == MAP_FAILED ? -1 : 0, 0, "mmap(%s)", path) < 0)
			return finish() | 1;
		map = p;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGBUS, &sa, NULL);
	} else if (strcmp(role, "writer") && strcmp(role, "preader") &&
		   strcmp(role, "truncater")) {
		fprintf(stderr, "concurrency data: unknown role %s\n", role);
		return 2;
	}

	while (running()) {
		len = 1 + pick(sizeof(buf));
		off = pick(DATA_MAX);
		if (off + len > DATA_MAX)
			len = DATA_MAX - off;
		switch (role[0]) {
		case 'w':	/* writer */
			for (i = 0; i < len; i++)
				buf[i] = pattern(off + i);
			check(pwrite(fd, buf, len, off), 0, "pwrite(%zu, %zu)", off, len);
			break;
		case 'p': {	/* preader */
			ssize_t n = check(pread(fd, buf, len, off), 0,
					  "pread(%zu, %zu)", off, len);

			if (n > 0)
				verify(buf, off, n, "pread");
			break;
		}
		case 't':	/* truncater */
			check(ftruncate(fd, pick(4) ? pick(DATA_MAX) : 0), 0, "ftruncate");
			usleep(pick(2000));
			break;
		default:	/* mreader, mwriter: stay mostly inside the file */
			if (check(fstat(fd, &st), 0, "fstat") < 0)
				break;
			if (st.st_size && pick(8))
				off = pick(st.st_size);
			if (off + len > DATA_MAX)
				len = DATA_MAX - off;
			ops++;
			if (sigsetjmp(bus_jmp, 1)) {
				/* Past EOF: a truncate won the race. */
				sigbus++;
				break;
			}
			if (role[1] == 'w') {
				for (i = 0; i < len; i++)
					map[off + i] = pattern(off + i);
				if (pick(64) == 0)
					check(msync((void *)map, DATA_MAX, MS_SYNC), 0, "msync");
			} else {
				verify(map + off, off, len, "mmap load");
			}
			ok++;
			break;
		}
	}
	return finish();
}

/* --- rmdir racing with create inside ---------------------------------- */

static int rmdir_main(int argc, char **argv)
{
	char d[512], p[600];
	struct dirent *de;
	int dfd, fd;
	DIR *dir;

	role = argv[2];
	snprintf(d, sizeof(d), "%s/d", argv[0]);
	if (!strcmp(role, "rmdirer")) {
		while (running()) {
			check(mkdir(d, 0755), E(EEXIST), "mkdir(%s)", d);
			usleep(pick(500));
			dir = opendir(d);
			if (check(dir ? 0 : -1, E(ENOENT), "opendir(%s)", d) < 0)
				continue;
			while ((de = next_entry(dir, d))) {
				if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
					continue;
				if (de->d_name[0] != 'f' && de->d_name[0] != 's')
					report("readdir(%s): entry '%s': no process made it",
					       d, de->d_name);
				/* A file, or an empty directory: creators make no deeper. */
				if (check(unlinkat(dirfd(dir), de->d_name, 0),
					  E(ENOENT) | E(EISDIR), "unlink(%s/%s)", d,
					  de->d_name) < 0 && errno == EISDIR)
					check(unlinkat(dirfd(dir), de->d_name, AT_REMOVEDIR),
					      E(ENOENT), "rmdir(%s/%s)", d, de->d_name);
			}
			closedir(dir);
			check(rmdir(d), E(ENOENT) | E(ENOTEMPTY), "rmdir(%s)", d);
		}
		return finish();
	}
	if (strcmp(role, "creator")) {
		fprintf(stderr, "concurrency rmdir: unknown role %s\n", role);
		return 2;
	}
	while (running()) {
		unsigned int n = pick(16);

		switch (pick(4)) {
		case 0:	/* by path: the directory may be gone */
			snprintf(p, sizeof(p), "%s/f%u", d, n);
			fd = check(open(p, O_CREAT | O_WRONLY, 0644), E(ENOENT), "create(%s)", p);
			if (fd >= 0) {
				check(write(fd, "x", 1), 0, "write(%s)", p);
				close(fd);
			}
			break;
		case 1:
			snprintf(p, sizeof(p), "%s/s%u", d, n);
			check(mkdir(p, 0755), E(ENOENT) | E(EEXIST), "mkdir(%s)", p);
			break;
		case 2:
			snprintf(p, sizeof(p), "%s/f%u", d, n);
			check(unlink(p), E(ENOENT), "unlink(%s)", p);
			break;
		default:
			/* Through a directory fd, held while it may be removed (and
			 * another d made): creating in a dead directory is ENOENT. */
			dfd = check(open(d, O_RDONLY | O_DIRECTORY), E(ENOENT), "open(%s)", d);
			if (dfd < 0)
				break;
			for (int k = 0; k < 8 && running(); k++) {
				snprintf(p, sizeof(p), "f%u", pick(16));
				fd = check(openat(dfd, p, O_CREAT | O_WRONLY, 0644),
					   E(ENOENT), "openat(fd of %s, %s, O_CREAT)", d, p);
				if (fd >= 0)
					close(fd);
				snprintf(p, sizeof(p), "s%u", pick(16));
				check(mkdirat(dfd, p, 0755), E(ENOENT) | E(EEXIST),
				      "mkdirat(fd of %s, %s)", d, p);
			}
			close(dfd);
			break;
		}
	}
	return finish();
}

/* --- consistency checks on the tree ----------------------------------- */

/* Reads NUL-separated paths from stdin. */
static int check_main(int argc, char **argv)
{
	int nlink = !strcmp(argv[0], "nlink");
	uint64_t checked = 0, failed = 0;
	char *path = NULL;
	size_t cap = 0;
	struct stat st;

	if (!nlink && strcmp(argv[0], "lstat")) {
		fprintf(stderr, "concurrency check: lstat or nlink\n");
		return 2;
	}
	while (getdelim(&path, &cap, '\0', stdin) > 0) {
		if (lstat(path, &st)) {
			failed++;
			printf("lstat(%s): %s\n", path, strerror(errno));
			continue;
		}
		if (nlink && S_ISDIR(st.st_mode)) {
			unsigned long subdirs = 0;
			struct dirent *de;
			DIR *dir = opendir(path);

			if (!dir) {
				failed++;
				printf("opendir(%s): %s\n", path, strerror(errno));
				continue;
			}
			while ((de = readdir(dir))) {
				struct stat sub;

				if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
					continue;
				if (fstatat(dirfd(dir), de->d_name, &sub, AT_SYMLINK_NOFOLLOW)) {
					failed++;
					printf("lstat(%s/%s): %s\n", path, de->d_name,
					       strerror(errno));
					continue;
				}
				if (S_ISDIR(sub.st_mode) != (de->d_type == DT_DIR)) {
					failed++;
					printf("%s/%s: d_type %u but mode %o\n", path,
					       de->d_name, de->d_type, sub.st_mode);
				}
				subdirs += S_ISDIR(sub.st_mode);
			}
			closedir(dir);
			if (st.st_nlink != 2 + subdirs) {
				failed++;
				printf("%s: st_nlink %lu, but %lu subdirectories\n", path,
				       (unsigned long)st.st_nlink, subdirs);
			}
		}
		checked += !nlink || S_ISDIR(st.st_mode);
	}
	free(path);
	printf("%s: checked=%" PRIu64 " failed=%" PRIu64 "\n",
	       nlink ? "directories" : "names", checked, failed);
	return failed || !checked;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	int need = !strcmp(mode, "ns") ? 3 : !strcmp(mode, "check") ? 1 : 4;

	if (argc - 2 < need || !strcmp(mode, "") ||
	    (strcmp(mode, "ns") && strcmp(mode, "data") && strcmp(mode, "rmdir") &&
	     strcmp(mode, "check"))) {
		fprintf(stderr,
			"usage: concurrency ns DIR SECONDS SEED\n"
			"       concurrency data FILE SECONDS writer|mwriter|preader|mreader|truncater SEED\n"
			"       concurrency rmdir DIR SECONDS rmdirer|creator SEED\n"
			"       concurrency check lstat|nlink < paths (NUL-separated)\n");
		return 2;
	}
	if (!strcmp(mode, "check"))
		return check_main(argc - 2, argv + 2);
	setvbuf(stdout, NULL, _IOLBF, 0);
	deadline = now() + atof(argv[3]);
	rng = 0x9e3779b97f4a7c15ULL * (strtoull(argv[need + 1], NULL, 0) + 1);
	if (!strcmp(mode, "ns"))
		return ns_main(argc - 2, argv + 2);
	if (!strcmp(mode, "data"))
		return data_main(argc - 2, argv + 2);
	return rmdir_main(argc - 2, argv + 2);
}
