/* walk.h: the input arguments, walked lazily and recursively.
 *
 * Memory stays flat in the number of files: one open directory per level,
 * entries handed out one at a time.  Directory rules (README "Inputs"):
 * hidden entries (name starting with '.') are skipped and reported;
 * folders named "optimized" (what imgopt writes) and the -o folder are
 * never entered; symlinks to folders are not followed; a folder whose name
 * ends in an image extension is reported, not entered; files are taken when
 * their name ends in an image extension (.jpg .jpeg .jpe .jfif .png .webp
 * .avif .svg, any case; SVGs are minified, not rasterised); other image
 * formats are reported as skipped with "unsupported format (GIF)", every
 * other file as "not an image file name".  A path named on the command
 * line is always taken whatever its name: the worker then decides the
 * format from its bytes.
 */
#ifndef IMGOPT_WALK_H
#define IMGOPT_WALK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum walk_kind {
	WALK_FILE = 0,	/* a candidate image (regular file or symlink to one) */
	WALK_SKIPPED,	/* not taken; reason says why */
	WALK_ERROR,	/* cannot be taken; reason says why */
};

struct walk_entry {
	enum walk_kind kind;
	char *path;	/* as reached from the argument (owned by the walk) */
	const char *root; /* the argument it came from */
	const char *rel;  /* path relative to root's folder: for -o DIR */
	bool is_symlink;
	uint64_t size;	/* from stat(), WALK_FILE only */
	mode_t mode;
	char reason[160]; /* WALK_SKIPPED / WALK_ERROR */
};

struct walk;

/* exclude_dev/ino: a folder never to enter (the -o folder), or 0/0. */
struct walk *walk_new(dev_t exclude_dev, ino_t exclude_ino);
void walk_free(struct walk *w);

/* Queue an argument (copied). */
void walk_add(struct walk *w, const char *path);

/* The next entry, valid until the next call; NULL when done. */
const struct walk_entry *walk_next(struct walk *w);

/* True when name ends in an image extension imgopt reads. */
bool walk_has_image_extension(const char *name);

#endif
