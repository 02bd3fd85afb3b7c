/* walk.c: lazy recursive walk of the input arguments (rules in walk.h). */
#include "walk.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "imgopt/optimizer.h"

struct frame {
	DIR *dir;
	char *path;	/* folder path as reached from the argument */
	size_t rel_off; /* where the part relative to the root starts */
	bool any;	/* root frame: something was reported below it */
};

struct walk {
	char **args;
	size_t nargs, next_arg, cap_args;
	char *root;		/* current argument (owned) */
	struct frame *stack;
	size_t depth, cap_depth;
	dev_t ex_dev;
	ino_t ex_ino;
	struct walk_entry cur;
};

static void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p)
		abort();
	return p;
}

static char *
xstrdup(const char *s)
{
	char *d = strdup(s);

	if (!d)
		abort();
	return d;
}

bool
walk_has_image_extension(const char *name)
{
	static const char *const exts[] = {".jpg", ".jpeg", ".jpe", ".jfif",
					   ".png", ".webp", ".avif", ".svg",
					   NULL};
	const char *dot = strrchr(name, '.');

	if (!dot || dot == name)
		return false;
	for (int i = 0; exts[i]; i++)
		if (!strcasecmp(dot, exts[i]))
			return true;
	return false;
}

struct walk *
walk_new(dev_t exclude_dev, ino_t exclude_ino)
{
	struct walk *w = calloc(1, sizeof(*w));

	if (!w)
		abort();
	w->ex_dev = exclude_dev;
	w->ex_ino = exclude_ino;
	return w;
}

static void
clear_cur(struct walk *w)
{
	free(w->cur.path);
	memset(&w->cur, 0, sizeof(w->cur));
}

void
walk_free(struct walk *w)
{
	if (!w)
		return;
	while (w->depth > 0) {
		struct frame *f = &w->stack[--w->depth];

		closedir(f->dir);
		free(f->path);
	}
	free(w->stack);
	for (size_t i = 0; i < w->nargs; i++)
		free(w->args[i]);
	free(w->args);
	clear_cur(w);
	free(w->root);
	free(w);
}

void
walk_add(struct walk *w, const char *path)
{
	if (w->nargs == w->cap_args) {
		w->cap_args = w->cap_args ? 2 * w->cap_args : 8;
		w->args = xrealloc(w->args, w->cap_args * sizeof(char *));
	}
	w->args[w->nargs++] = xstrdup(path);
}

static const char *
type_name(mode_t mode)
{
	if (S_ISFIFO(mode))
		return "fifo";
	if (S_ISCHR(mode))
		return "character device";
	if (S_ISBLK(mode))
		return "block device";
	if (S_ISSOCK(mode))
		return "socket";
	if (S_ISDIR(mode))
		return "folder";
	return "special file";
}

static const struct walk_entry *
set_cur(struct walk *w, enum walk_kind kind, char *path, size_t rel_off,
	const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static const struct walk_entry *
set_cur(struct walk *w, enum walk_kind kind, char *path, size_t rel_off,
	const char *fmt, ...)
{
	va_list ap;

	clear_cur(w);
	w->cur.kind = kind;
	w->cur.path = path;
	w->cur.root = w->root;
	w->cur.rel = path + rel_off;
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(w->cur.reason, sizeof(w->cur.reason), fmt, ap);
		va_end(ap);
	}
	return &w->cur;
}

static void
push_dir(struct walk *w, DIR *dir, char *path, size_t rel_off)
{
	if (w->depth == w->cap_depth) {
		w->cap_depth = w->cap_depth ? 2 * w->cap_depth : 16;
		w->stack = xrealloc(w->stack, w->cap_depth * sizeof(*w->stack));
	}
	w->stack[w->depth++] = (struct frame){dir, path, rel_off, false};
}

/* Open a folder and push it; on failure report it as an error entry. */
static const struct walk_entry *
enter_dir(struct walk *w, char *path, size_t rel_off)
{
	DIR *dir = opendir(path);

	if (!dir)
		return set_cur(w, WALK_ERROR, path, rel_off,
			       "cannot read folder: %s", fsutil_errno_text(errno));
	push_dir(w, dir, path, rel_off);
	return NULL;
}

/* stat() a path that lstat() found to be a symlink, with clear words for
 * the two ways it can fail.
 */
static int
follow_link(const char *path, struct stat *st, char *why, size_t why_size)
{
	if (stat(path, st) == 0)
		return 0;
	if (errno == ENOENT)
		snprintf(why, why_size, "broken symlink");
	else
		snprintf(why, why_size, "%s", fsutil_errno_text(errno));
	return -1;
}

static const struct walk_entry *
next_argument(struct walk *w)
{
	char *path = xstrdup(w->args[w->next_arg++]);
	const char *base;
	struct stat st;
	char why[128];
	bool link = false;

	free(w->root);
	w->root = xstrdup(path);
	if (lstat(path, &st) != 0)
		return set_cur(w, WALK_ERROR, path, 0, "%s", fsutil_errno_text(errno));
	if (S_ISLNK(st.st_mode)) {
		link = true;
		if (follow_link(path, &st, why, sizeof(why)))
			return set_cur(w, WALK_ERROR, path, 0, "%s", why);
	}
	if (S_ISDIR(st.st_mode)) {
		size_t len = strlen(path);

		/* Entries get "path/name"; strip trailing slashes (not the
		 * root's own) so names stay clean.
		 */
		while (len > 1 && path[len - 1] == '/')
			path[--len] = '\0';
		return enter_dir(w, path, len + (path[len - 1] != '/'));
	}
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	if (!S_ISREG(st.st_mode))
		return set_cur(w, WALK_ERROR, path, (size_t)(base - path),
			       "not a regular file (%s)", type_name(st.st_mode));
	set_cur(w, WALK_FILE, path, (size_t)(base - path), NULL);
	w->cur.is_symlink = link;
	w->cur.size = (uint64_t)st.st_size;
	w->cur.mode = st.st_mode;
	return &w->cur;
}

/* Image formats imgopt does not read, by extension: reported as skipped
 * with their name instead of "not an image file name".
 */
static const char *
unsupported_format(const char *name)
{
	static const char *const map[][2] = {
		{".gif", "GIF"},   {".tif", "TIFF"},	 {".tiff", "TIFF"},
		{".heic", "HEIC"}, {".heif", "HEIF"},	 {".bmp", "BMP"},
		{".svgz", "SVGZ"}, {".jxl", "JPEG XL"}, {".jp2", "JPEG 2000"},
		{".ico", "ICO"},   {".psd", "PSD"},
	};
	const char *dot = strrchr(name, '.');

	if (!dot || dot == name)
		return NULL;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcasecmp(dot, map[i][0]))
			return map[i][1];
	return NULL;
}

/* One directory entry; NULL means nothing to report for it. */
static const struct walk_entry *
next_in_dir(struct walk *w, struct frame *f, const char *name)
{
	size_t plen = strlen(f->path);
	bool slash = plen > 0 && f->path[plen - 1] == '/';
	char *path = malloc(plen + strlen(name) + 2);
	bool image = walk_has_image_extension(name);
	struct stat st;
	char why[128];

	if (!path)
		abort();
	sprintf(path, "%s%s%s", f->path, slash ? "" : "/", name);
	if (name[0] == '.')
		return set_cur(w, WALK_SKIPPED, path, f->rel_off,
			       "hidden entry (names starting with '.' are "
			       "skipped in folders)");
	if (fstatat(dirfd(f->dir), name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return set_cur(w, WALK_ERROR, path, f->rel_off, "%s",
			       fsutil_errno_text(errno));
	if (S_ISDIR(st.st_mode)) {
		if (!strcmp(name, IMGOPT_OUTPUT_FOLDER) ||
		    (st.st_dev == w->ex_dev && st.st_ino == w->ex_ino))
			return set_cur(w, WALK_SKIPPED, path, f->rel_off,
				       "output folder, not entered");
		if (image)
			return set_cur(w, WALK_SKIPPED, path, f->rel_off,
				       "a folder named like an image, not "
				       "entered");
		return enter_dir(w, path, f->rel_off);
	}
	if (!image && unsupported_format(name))
		return set_cur(w, WALK_SKIPPED, path, f->rel_off,
			       "unsupported format (%s; imgopt reads JPEG, PNG, "
			       "WebP, AVIF and SVG)", unsupported_format(name));
	if (!image)
		return set_cur(w, WALK_SKIPPED, path, f->rel_off,
			       "not an image file name");
	if (S_ISLNK(st.st_mode)) {
		if (follow_link(path, &st, why, sizeof(why)))
			return set_cur(w, WALK_ERROR, path, f->rel_off, "%s",
				       why);
		if (S_ISDIR(st.st_mode))
			return set_cur(w, WALK_SKIPPED, path, f->rel_off,
				       "symlink to a folder, not followed");
		if (S_ISREG(st.st_mode)) {
			set_cur(w, WALK_FILE, path, f->rel_off, NULL);
			w->cur.is_symlink = true;
			w->cur.size = (uint64_t)st.st_size;
			w->cur.mode = st.st_mode;
			return &w->cur;
		}
	}
	if (!S_ISREG(st.st_mode))
		return set_cur(w, WALK_ERROR, path, f->rel_off,
			       "not a regular file (%s)", type_name(st.st_mode));
	set_cur(w, WALK_FILE, path, f->rel_off, NULL);
	w->cur.size = (uint64_t)st.st_size;
	w->cur.mode = st.st_mode;
	return &w->cur;
}

const struct walk_entry *
walk_next(struct walk *w)
{
	const struct walk_entry *e;

	for (;;) {
		if (w->depth > 0) {
			struct frame *f = &w->stack[w->depth - 1];
			struct dirent *d;

			errno = 0;
			d = readdir(f->dir);
			if (!d) {
				closedir(f->dir);
				w->depth--;
				/* A folder named on the command line that holds
				 * nothing still gets its line in the report.
				 */
				if (w->depth == 0 && !f->any)
					return set_cur(w, WALK_SKIPPED, f->path,
						       0, "empty folder");
				free(f->path);
				continue;
			}
			if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
				continue;
			e = next_in_dir(w, f, d->d_name);
			if (e) {
				w->stack[0].any = true;
				return e;
			}
			continue;
		}
		if (w->next_arg >= w->nargs)
			return NULL;
		e = next_argument(w);
		if (e)
			return e;
	}
}
