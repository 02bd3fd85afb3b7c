/* outpath.c: output paths and extensions (rules in outpath.h). */
#include "outpath.h"

#include "base/fsutil.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define NAME_MAX_BYTES 255

static char *
join3(const char *a, const char *b, const char *c)
{
	size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
	char *s = malloc(n);

	if (!s)
		abort();
	snprintf(s, n, "%s%s%s", a, b, c);
	return s;
}

static int
fail(char *err, size_t err_size, const char *msg, const char *path)
{
	snprintf(err, err_size, "%s: %s", path, msg);
	return -1;
}

static const char *
basename_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

char *
outpath_resolve(const char *input, const char *rel,
		enum imgopt_output_mode mode, const char *out_dir, char *err,
		size_t err_size)
{
	const char *base = basename_of(input);
	char *dir, *out;

	(void)err;
	(void)err_size;
	switch (mode) {
	case IMGOPT_OUTPUT_IN_PLACE:
		return join3(input, "", "");
	case IMGOPT_OUTPUT_DIR: {
		size_t n = strlen(out_dir);
		bool slash = n > 0 && out_dir[n - 1] == '/';

		return join3(out_dir, slash ? "" : "/", rel ? rel : base);
	}
	case IMGOPT_OUTPUT_BESIDE:
	default:
		dir = join3(input, "", "");
		dir[base - input] = '\0';
		out = join3(dir, IMGOPT_OUTPUT_FOLDER "/", base);
		free(dir);
		return out;
	}
}

enum imgopt_format
outpath_format_of_name(const char *path)
{
	static const struct {
		const char *ext;
		enum imgopt_format fmt;
	} map[] = {
		{".jpg", IMGOPT_FORMAT_JPEG},  {".jpeg", IMGOPT_FORMAT_JPEG},
		{".jpe", IMGOPT_FORMAT_JPEG},  {".jfif", IMGOPT_FORMAT_JPEG},
		{".png", IMGOPT_FORMAT_PNG},   {".webp", IMGOPT_FORMAT_WEBP},
		{".avif", IMGOPT_FORMAT_AVIF}, {".svg", IMGOPT_FORMAT_SVG},
	};
	const char *base = basename_of(path);
	const char *dot = strrchr(base, '.');

	if (!dot || dot == base)
		return IMGOPT_FORMAT_ORIGINAL;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcasecmp(dot, map[i].ext))
			return map[i].fmt;
	return IMGOPT_FORMAT_ORIGINAL;
}

static const char *
canonical_ext(enum imgopt_format fmt)
{
	switch (fmt) {
	case IMGOPT_FORMAT_JPEG:
		return ".jpg";
	case IMGOPT_FORMAT_PNG:
		return ".png";
	case IMGOPT_FORMAT_WEBP:
		return ".webp";
	case IMGOPT_FORMAT_AVIF:
		return ".avif";
	case IMGOPT_FORMAT_SVG:
		return ".svg";
	default:
		return "";
	}
}

char *
outpath_with_format(const char *path, enum imgopt_format fmt, char *err,
		    size_t err_size)
{
	const char *base = basename_of(path);
	const char *dot = strrchr(base, '.');
	enum imgopt_format named = outpath_format_of_name(path);
	size_t stem;
	char *out;

	if (fmt == IMGOPT_FORMAT_ORIGINAL || named == fmt)
		return join3(path, "", "");
	/* Replace an image extension; keep any other dot ("v1.2") and
	 * append.
	 */
	stem = (named != IMGOPT_FORMAT_ORIGINAL && dot) ?
		(size_t)(dot - path) : strlen(path);
	if ((size_t)(path + stem - base) + strlen(canonical_ext(fmt)) >
	    NAME_MAX_BYTES) {
		fail(err, err_size,
		     "output name too long (the file name with its new "
		     "extension passes 255 bytes)", path);
		return NULL;
	}
	out = malloc(stem + strlen(canonical_ext(fmt)) + 1);
	if (!out)
		abort();
	memcpy(out, path, stem);
	strcpy(out + stem, canonical_ext(fmt));
	return out;
}

int
outpath_make_parent(const char *path, char *err, size_t err_size)
{
	char *dir = join3(path, "", "");
	char *slash = strrchr(dir, '/');
	struct stat st;

	if (!slash || slash == dir) {
		free(dir);
		return 0;
	}
	*slash = '\0';
	if (stat(dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode)) {
			fail(err, err_size,
			     "cannot create output folder: a file is in the way",
			     dir);
			free(dir);
			return -1;
		}
		free(dir);
		return 0;
	}
	/* Create each level from the top; EEXIST is fine (another run or
	 * another task made it meanwhile).
	 */
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
			snprintf(err, err_size,
				 "%s: cannot create output folder: %s", dir,
				 fsutil_errno_text(errno));
			free(dir);
			return -1;
		}
		*p = '/';
	}
	if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
		snprintf(err, err_size, "%s: cannot create output folder: %s",
			 dir, fsutil_errno_text(errno));
		free(dir);
		return -1;
	}
	free(dir);
	return 0;
}
