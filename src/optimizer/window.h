/* window.h: the tasks found but not yet handed to a worker, highest
 * priority first.
 *
 * A binary max-heap of fixed capacity.  The optimizer pulls walk entries
 * into it until it is full, so memory stays flat in the number of files,
 * and pops the task with the highest priority (the largest file, or the
 * earliest with --order) whenever a worker has room.
 */
#ifndef IMGOPT_WINDOW_H
#define IMGOPT_WINDOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct optimizer_task; /* optimizer_state.h's; the window only holds pointers to them */
struct window;

/* An empty window for up to cap tasks (cap >= 1).  Aborts when out of
 * memory.
 */
struct window *window_new(size_t cap);

/* Free the window but not the tasks still in it: pop them first.  Accepts
 * NULL.
 */
void window_free(struct window *w);

/* Whether the window holds cap tasks. */
bool window_full(const struct window *w);

/* Add t with its priority.  The window must not be full. */
void window_push(struct window *w, struct optimizer_task *t, uint64_t priority);

/* Remove and return the task with the highest priority; NULL when the
 * window is empty.  Among equal priorities the order is unspecified.
 */
struct optimizer_task *window_pop(struct window *w);

#endif
