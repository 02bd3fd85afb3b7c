/* job.h: the pool's record of one task (a pool_job, so it is not taken for
 * the optimizer's own task), and the FIFO lists it waits in
 * (internal to src/pool).
 *
 * A task is in at most one list at a time: the pool's pending queue or one
 * worker's queue.  pool.c relies on that to report each task exactly once.
 */
#ifndef IMGOPT_JOB_H
#define IMGOPT_JOB_H

#include <stddef.h>
#include <stdint.h>

struct pool_job {
	struct pool_job *next;	/* owned by the list the task is in */
	uint64_t id;
	void *payload;		/* the pool's copy, owned by the task */
	size_t len;
	int attempts;		/* dispatches that counted */
	int worker;		/* last slot, -1 before any */
	uint64_t submit_ns;
	uint64_t dispatch_ns;
};

/* Caller-owned; { 0 } is an empty list. */
struct pool_job_list {
	struct pool_job *head;
	struct pool_job *tail;
	size_t n;
};

/* A task with a copy of payload (len bytes, may be 0), no attempts, worker
 * -1 and submit_ns now.  Free with pool_job_free().  NULL when out of memory.
 */
struct pool_job *pool_job_new(uint64_t id, const void *payload, size_t len);

/* Free a task and its payload copy.  t must be in no list.  Accepts NULL. */
void pool_job_free(struct pool_job *t);

/* Append t, which must be in no list, to l. */
void pool_job_list_push(struct pool_job_list *l, struct pool_job *t);

/* Remove and return the first task of l, or NULL when l is empty. */
struct pool_job *pool_job_list_pop(struct pool_job_list *l);

/* Put all of src in front of dst, keeping src's order; src ends empty. */
void pool_job_list_prepend(struct pool_job_list *dst, struct pool_job_list *src);

#endif
