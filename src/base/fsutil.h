/* fsutil.h: temporary files beside their destination, so the final rename
 * is atomic (same file system) and an interrupted run never leaves a
 * partial file under a real name.
 */
#ifndef IMGOPT_FSUTIL_H
#define IMGOPT_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

/* Temp files are hidden and recognisable: ".imgopt-tmp-XXXXXX". */
#define FSUTIL_TMP_PREFIX ".imgopt-tmp-"

/* Create an empty temp file in the folder of dest with the given mode
 * (before umask is NOT applied: pass the final mode).  Returns a malloc'd
 * path, or NULL with errno set.
 */
char *fsutil_tmpfile_beside(const char *dest, mode_t mode);

/* strerror() in the lowercase style of every imgopt message ("no such
 * file or directory").  Returns a static buffer (the parent has no
 * threads).
 */
const char *fsutil_errno_text(int err);

/* Remove dir and everything below it, not following symlinks (rm -rf for
 * temporary folders).  Returns 0, or -1 when something could not be
 * removed.
 */
int fsutil_remove_tree(const char *dir);

/* The process umask, read once without changing it for long. */
mode_t fsutil_umask(void);

#endif
