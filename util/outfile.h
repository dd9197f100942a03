/* Where a command's -o FILE goes, without losing what was there. */
#ifndef KH_OUTFILE_H
#define KH_OUTFILE_H

#include <stdio.h>

#include "util/err.h"

/* Writes s to `path`:
 *   - NULL or "-": stdout; a path that is the file stdout (or stderr) is open on
 *     (/dev/stdout, /proc/self/fd/1): through that descriptor, as a shell would;
 *   - a device, a FIFO: written through (opened for writing, never replaced);
 *   - a regular file or a new path: replaced atomically (temporary file in the same
 *     directory, then rename), keeping an existing file's mode;
 *   - a symlink: followed; what it points to is treated as above (the link stays a link;
 *     a link to nothing is refused);
 *   - the database `db` (may be NULL), its -wal, -shm or -journal, and any SQLite database
 *     or journal: refused, left untouched.
 * Returns 0, or -1 with err set ("cannot write 'PATH': why"). */
int kh_output_write(const char *path, const char *db, const char *s, struct kh_err *err);
/* The same for output too big to hold whole: put(f, data) writes it to f as it is made,
 * returning 0, or -1 with errno set; f is the temporary file, the device or stdout. */
int kh_output_stream(const char *path, const char *db, int (*put)(FILE *f, void *data),
		     void *data, struct kh_err *err);

/* 1 when `path` is (or would be) the database `db` itself or one of its companion files
 * (-wal, -shm, -journal), or any SQLite database or journal; 0 otherwise. */
int kh_output_is_database(const char *path, const char *db);

#endif
