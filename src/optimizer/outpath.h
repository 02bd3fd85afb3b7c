/* outpath.h: where an output goes, and what its name ends in.
 *
 *   beside (default)  a/b.jpg -> a/optimized/b.jpg
 *   -o OUT            ARG/sub/b.jpg -> OUT/sub/b.jpg (relative to the
 *                     argument; a file argument lands at OUT/b.jpg)
 *   --in-place        a/b.jpg -> a/b.jpg
 *
 * The extension follows the output format (b.jpg -> b.webp).  With the
 * original format the input's name is kept when its extension already
 * names that format (b.JPEG stays b.JPEG); a name whose extension says
 * another format is corrected (PNG bytes in c.jpg -> c.png), a name
 * without an image extension gains one.
 */
#ifndef IMGOPT_OUTPATH_H
#define IMGOPT_OUTPATH_H

#include "imgopt/optimizer.h"

/* The output path for input (rel: its path relative to the argument, see
 * walk.h) without regard to format.  Returns a malloc'd string, or NULL
 * with a message in err (name too long).
 */
char *outpath_resolve(const char *input, const char *rel,
		      enum imgopt_output_mode mode, const char *out_dir,
		      char *err, size_t err_size);

/* path with its extension made right for fmt (see above).  Returns a
 * malloc'd string, or NULL with a message in err when the file name would
 * pass 255 bytes.
 */
char *outpath_with_format(const char *path, enum imgopt_format fmt,
			  char *err, size_t err_size);

/* The format an extension names, or IMGOPT_FORMAT_ORIGINAL when none. */
enum imgopt_format outpath_format_of_name(const char *path);

/* Create every missing folder of path's parent (mkdir -p, mode 0777 &
 * ~umask).  Returns 0, or -1 with a message naming the folder in err.
 */
int outpath_make_parent(const char *path, char *err, size_t err_size);

#endif
