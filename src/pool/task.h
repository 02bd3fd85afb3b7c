/* task.h: the pool's record of one task, and the FIFO lists it waits in
 * (internal to src/pool).
 *
 * A task is in at most one list at a time: the pool's pending queue or one
 * worker's queue.  pool.c relies on that to report each task exactly once.
 */
#ifndef IMGOPT_TASK_H
#define IMGOPT_TASK_H

#include <stddef.h>
#include <stdint.h>

struct task {
	struct task *next;	/* owned by the list the task is in */
	uint64_t id;
	void *payload;		/* the pool's copy, owned by the task */
	size_t len;
	int attempts;		/* dispatches that counted */
	int worker;		/* last slot, -1 before any */
	uint64_t submit_ns;
	uint64_t dispatch_ns;
};

/* Caller-owned; { 0 } is an empty list. */
struct task_list {
	struct task *head;
	struct task *tail;
	size_t n;
};

/* A task with a copy of payload (len bytes, may be 0), no attempts, worker
 * -1 and submit_ns now.  Free with task_free().  NULL when out of memory.
 */
struct task *task_new(uint64_t id, const void *payload, size_t len);

/* Free a task and its payload copy.  t must be in no list.  Accepts NULL. */
void task_free(struct task *t);

/* Append t, which must be in no list, to l. */
void task_list_push(struct task_list *l, struct task *t);

/* Remove and return the first task of l, or NULL when l is empty. */
struct task *task_list_pop(struct task_list *l);

/* Put all of src in front of dst, keeping src's order; src ends empty. */
void task_list_prepend(struct task_list *dst, struct task_list *src);

#endif
