/* nameset.h: the output names written in one run, so that two inputs never
 * write the same output (a.png and a.jpg both to a.webp).
 *
 * Only a 64-bit hash of each name is kept: 8 bytes a file keeps the parent
 * small.  Two names that share a hash count as the same name.
 */
#ifndef IMGOPT_NAMESET_H
#define IMGOPT_NAMESET_H

#include <stdbool.h>

struct nameset;

/* An empty set.  Aborts when out of memory. */
struct nameset *nameset_new(void);

/* Accepts NULL. */
void nameset_free(struct nameset *s);

/* Add name; returns false when it was already there.  Aborts when out of
 * memory.
 */
bool nameset_add(struct nameset *s, const char *name);

#endif
