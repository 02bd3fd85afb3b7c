/* fsutil.c: temporary files beside their destination (see fsutil.h). */
#include "fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *
fsutil_errno_text(int err)
{
	static char buf[128];

	snprintf(buf, sizeof(buf), "%s", strerror(err));
	if (buf[0] >= 'A' && buf[0] <= 'Z' && buf[1] >= 'a' && buf[1] <= 'z')
		buf[0] = (char)(buf[0] - 'A' + 'a');
	return buf;
}

static int
remove_entry(const char *path, const struct stat *st, int flag,
	     struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int
fsutil_remove_tree(const char *dir)
{
	/* Depth first, so folders are empty when their turn comes. */
	return nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

mode_t
fsutil_umask(void)
{
	static int known;
	static mode_t mask;

	/* umask() can only be read by setting it; do it once, at a time when
	 * the parent has no threads.
	 */
	if (!known) {
		mask = umask(022);
		umask(mask);
		known = 1;
	}
	return mask;
}

char *
fsutil_tmpfile_beside(const char *dest, mode_t mode)
{
	const char *slash = strrchr(dest, '/');
	size_t dir_len = slash ? (size_t)(slash - dest) + 1 : 0;
	size_t n = dir_len + sizeof(FSUTIL_TMP_PREFIX "XXXXXX");
	char *path = malloc(n);
	int fd, saved;

	if (!path)
		return NULL;
	memcpy(path, dest, dir_len);
	strcpy(path + dir_len, FSUTIL_TMP_PREFIX "XXXXXX");
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0) {
		saved = errno;
		free(path);
		errno = saved;
		return NULL;
	}
	if (fchmod(fd, mode) != 0) {
		saved = errno;
		close(fd);
		unlink(path);
		free(path);
		errno = saved;
		return NULL;
	}
	close(fd);
	return path;
}
