/* -o FILE: replace a file atomically, write through what is not a file, never touch a
 * database. A report written over the history it came from is the history lost. */
#include "util/outfile.h"
#include "util/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const companions[] = { "", "-wal", "-shm", "-journal" };
#define N_COMPANIONS (sizeof companions / sizeof companions[0])

/* `path` made absolute with every symlink resolved, also when its last part does not exist
 * (then its directory is resolved); NULL when even the directory cannot be. */
static char *canonical(const char *path)
{
	char *dir, *copy, *r = realpath(path, NULL);

	if (r)
		return r;
	copy = kh_strdup(path);
	dir = realpath(dirname(copy), NULL);
	free(copy);
	if (dir == NULL)
		return NULL;
	copy = kh_strdup(path);
	r = kh_asprintf("%s/%s", strcmp(dir, "/") == 0 ? "" : dir, basename(copy));
	free(copy);
	free(dir);
	return r;
}

/* What SQLite writes at the start of a database, a WAL and a rollback journal. */
static int sqlite_header(const char *path)
{
	static const unsigned char db[16] = "SQLite format 3";
	static const unsigned char journal[8] = { 0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7 };
	unsigned char h[16];
	struct stat sb;
	ssize_t n;
	int fd;

	/* O_NONBLOCK: a FIFO must not hold us up; only regular files are read */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return 0;
	}
	n = read(fd, h, sizeof h);
	close(fd);
	if (n >= 16 && memcmp(h, db, 16) == 0)
		return 1;
	if (n >= 8 && memcmp(h, journal, 8) == 0)
		return 1;
	/* WAL: 0x377f0682 or 0x377f0683, big-endian */
	return n >= 4 && h[0] == 0x37 && h[1] == 0x7f && h[2] == 0x06 && (h[3] & 0xfe) == 0x82;
}

/* 1: the database; 2: one of its companions; 3: another SQLite file; 0: none. */
static int which_database(const char *path, const char *db)
{
	char *c = canonical(path), *dbc = db ? canonical(db) : NULL;
	struct stat a, b;
	int r = 0;

	if (c == NULL)
		c = kh_strdup(path);
	for (size_t i = 0; dbc && i < N_COMPANIONS && r == 0; i++) {
		size_t len = strlen(dbc);

		if (strncmp(c, dbc, len) == 0 && strcmp(c + len, companions[i]) == 0)
			r = i == 0 ? 1 : 2;
	}
	/* a hard link to the database is the database */
	if (r == 0 && db && stat(path, &a) == 0 && stat(db, &b) == 0 && a.st_dev == b.st_dev &&
	    a.st_ino == b.st_ino)
		r = 1;
	if (r == 0 && sqlite_header(c))
		r = 3;
	/* NAME-wal, -shm or -journal of any SQLite database, existing or not */
	for (size_t i = 1; r == 0 && i < N_COMPANIONS; i++) {
		size_t len = strlen(c), sl = strlen(companions[i]);

		if (len > sl && strcmp(c + len - sl, companions[i]) == 0) {
			char *base = kh_strndup(c, len - sl);

			if (sqlite_header(base))
				r = 3;
			free(base);
		}
	}
	free(c);
	free(dbc);
	return r;
}

int kh_output_is_database(const char *path, const char *db)
{
	return which_database(path, db) != 0;
}

static int write_all(int fd, const char *s, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, s, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

/* What is written: a string, or what a caller's function writes as it goes. */
struct sink {
	const char *s;
	int (*put)(FILE *f, void *data);
	void *data;
};

/* Writes the sink to fd through a stream, which it closes (and with it fd); errno on -1. */
static int sink_fd(const struct sink *k, int fd, int sync)
{
	FILE *f;
	int rc, e;

	if (k->put == NULL) {
		rc = write_all(fd, k->s, strlen(k->s));
		e = errno;
		if (rc == 0 && sync && fsync(fd) != 0) {
			rc = -1;
			e = errno;
		}
		if (close(fd) != 0 && rc == 0) {
			rc = -1;
			e = errno;
		}
		errno = e;
		return rc;
	}
	if ((f = fdopen(fd, "w")) == NULL) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	rc = k->put(f, k->data) != 0 || fflush(f) != 0 || ferror(f) ||
	     (sync && fsync(fileno(f)) != 0);
	e = errno;
	if (fclose(f) != 0 && rc == 0) {
		rc = 1;
		e = errno;
	}
	errno = e;
	return rc ? -1 : 0;
}

/* To stdout or stderr as it is: main checks stdout once the command is done. */
static int sink_stream(const struct sink *k, FILE *f)
{
	if (k->put)
		return k->put(f, k->data);
	return fputs(k->s, f) == EOF ? -1 : 0;
}

/* A reader of `target` sees the old file or the new one, never half of one. */
static int replace(const char *shown, const char *target, const struct stat *old,
		   const struct sink *k, struct kh_err *err)
{
	char *tmp = kh_asprintf("%s.tmp.%ld", target, (long)getpid());
	int fd, e;

	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0) {
		e = errno;
		free(tmp);
		return kh_err_set(err, "cannot write '%s': %s", shown, strerror(e));
	}
	if (old && fchmod(fd, old->st_mode & 07777) != 0) {
		e = errno;
		close(fd);
		goto fail;
	}
	if (sink_fd(k, fd, 1) != 0 || rename(tmp, target) != 0) {
		e = errno;
		goto fail;
	}
	free(tmp);
	return 0;
fail:
	unlink(tmp);
	free(tmp);
	return kh_err_set(err, "cannot write '%s': %s", shown, strerror(e));
}

static int same_file(const struct stat *sb, int fd)
{
	struct stat f;

	return fstat(fd, &f) == 0 && f.st_dev == sb->st_dev && f.st_ino == sb->st_ino;
}

static int output(const char *path, const char *db, const struct sink *k, struct kh_err *err)
{
	struct stat sb;
	char *target;
	int fd, rc;

	if (path == NULL || strcmp(path, "-") == 0) {
		if (sink_stream(k, stdout) != 0)
			return kh_err_set(err, "cannot write to standard output: %s", strerror(errno));
		return 0; /* main checks stdout once the command is done */
	}
	switch (which_database(path, db)) {
	case 1:
		return kh_err_set(err, "refusing to write '%s': it is the database; nothing written",
				  path);
	case 2:
		return kh_err_set(err, "refusing to write '%s': it belongs to the database '%s'; "
				  "nothing written", path, db);
	case 3:
		return kh_err_set(err, "refusing to write '%s': it is an SQLite database; "
				  "nothing written", path);
	}
	if (stat(path, &sb) != 0) {
		if (errno != ENOENT)
			return kh_err_set(err, "cannot write '%s': %s", path, strerror(errno));
		if (lstat(path, &sb) == 0)
			return kh_err_set(err, "cannot write '%s': a symlink to nothing", path);
		return replace(path, path, NULL, k, err);
	}
	if (same_file(&sb, STDOUT_FILENO) || same_file(&sb, STDERR_FILENO)) {
		FILE *f = same_file(&sb, STDOUT_FILENO) ? stdout : stderr;

		if (sink_stream(k, f) != 0 || fflush(f) != 0)
			return kh_err_set(err, "cannot write '%s': %s", path, strerror(errno));
		return 0;
	}
	if (S_ISDIR(sb.st_mode))
		return kh_err_set(err, "cannot write '%s': %s", path, strerror(EISDIR));
	if (S_ISREG(sb.st_mode)) {
		/* through a symlink, the file it names is replaced and the link stays */
		if ((target = realpath(path, NULL)) == NULL)
			return kh_err_set(err, "cannot write '%s': %s", path, strerror(errno));
		rc = replace(path, target, &sb, k, err);
		free(target);
		return rc;
	}
	/* a device or a FIFO: what reads it gets the output; it is never replaced */
	fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return kh_err_set(err, "cannot write '%s': %s", path, strerror(errno));
	if (sink_fd(k, fd, 0) != 0)
		return kh_err_set(err, "cannot write '%s': %s", path, strerror(errno));
	return 0;
}

int kh_output_write(const char *path, const char *db, const char *s, struct kh_err *err)
{
	struct sink k = { s, NULL, NULL };

	return output(path, db, &k, err);
}

int kh_output_stream(const char *path, const char *db, int (*put)(FILE *f, void *data),
		     void *data, struct kh_err *err)
{
	struct sink k = { NULL, put, data };

	return output(path, db, &k, err);
}
