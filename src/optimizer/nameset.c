/* nameset.c: a set of output names, as 64-bit hashes (nameset.h).
 *
 * Open addressing with linear probing in a power-of-two table, grown to
 * twice its size when half full; 0 marks an empty slot, so no hash is 0.
 */
#include "nameset.h"

#include <stdint.h>
#include <stdlib.h>

struct nameset {
	uint64_t *slot; /* [cap]; NULL until the first name */
	size_t cap, used;
};

/* calloc that never returns NULL: the parent cannot go on without it. */
static void *
nameset_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (!p)
		abort();
	return p;
}

/* FNV-1a, never 0. */
static uint64_t
nameset_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h ? h : 1;
}

/* Add h; returns false when it was already there. */
static bool
nameset_add_hash(struct nameset *set, uint64_t h)
{
	size_t i;

	if ((set->used + 1) * 2 > set->cap) {
		struct nameset big = {
			nameset_xcalloc(set->cap ? set->cap * 2 : 1024,
					sizeof(uint64_t)),
			set->cap ? set->cap * 2 : 1024, 0};

		for (i = 0; i < set->cap; i++)
			if (set->slot[i])
				nameset_add_hash(&big, set->slot[i]);
		free(set->slot);
		*set = big;
	}
	for (i = h & (set->cap - 1); set->slot[i]; i = (i + 1) & (set->cap - 1))
		if (set->slot[i] == h)
			return false;
	set->slot[i] = h;
	set->used++;
	return true;
}

/* The table itself waits for the first name. */
struct nameset *
nameset_new(void)
{
	return nameset_xcalloc(1, sizeof(struct nameset));
}

/* The set and its table. */
void
nameset_free(struct nameset *s)
{
	if (!s)
		return;
	free(s->slot);
	free(s);
}

/* By hash: see nameset.h. */
bool
nameset_add(struct nameset *s, const char *name)
{
	return nameset_add_hash(s, nameset_hash(name));
}
