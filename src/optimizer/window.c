/* window.c: the dispatch window, a max-heap of tasks by priority
 * (window.h).
 *
 * The priority is kept beside each pointer, so the heap never reads the
 * tasks it holds.
 */
#include "window.h"

#include <assert.h>
#include <stdlib.h>

struct window_entry {
	uint64_t priority;
	struct optimizer_task *task;
};

struct window {
	struct window_entry *heap; /* [cap], the first len in use */
	size_t cap, len;
};

/* calloc that never returns NULL: the parent cannot go on without it. */
static void *
window_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (!p)
		abort();
	return p;
}

/* All the memory it will ever use, at once. */
struct window *
window_new(size_t cap)
{
	struct window *w = window_xcalloc(1, sizeof(*w));

	assert(cap > 0);
	w->heap = window_xcalloc(cap, sizeof(*w->heap));
	w->cap = cap;
	return w;
}

/* The tasks belong to the caller. */
void
window_free(struct window *w)
{
	if (!w)
		return;
	free(w->heap);
	free(w);
}

/* The caller stops pulling work in when this says so. */
bool
window_full(const struct window *w)
{
	return w->len >= w->cap;
}

/* Sift up from the new last place. */
void
window_push(struct window *w, struct optimizer_task *t, uint64_t priority)
{
	size_t i;

	assert(w->len < w->cap);
	i = w->len++;
	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (w->heap[parent].priority >= priority)
			break;
		w->heap[i] = w->heap[parent];
		i = parent;
	}
	w->heap[i].priority = priority;
	w->heap[i].task = t;
}

/* Take the root, sift the last entry down from it. */
struct optimizer_task *
window_pop(struct window *w)
{
	struct window_entry top, last;
	size_t i = 0;

	if (w->len == 0)
		return NULL;
	top = w->heap[0];
	last = w->heap[--w->len];
	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= w->len)
			break;
		if (c + 1 < w->len &&
		    w->heap[c + 1].priority > w->heap[c].priority)
			c++;
		if (last.priority >= w->heap[c].priority)
			break;
		w->heap[i] = w->heap[c];
		i = c;
	}
	if (w->len > 0)
		w->heap[i] = last;
	return top.task;
}
