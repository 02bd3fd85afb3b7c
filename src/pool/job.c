/* job.c: the pool's task records and their FIFO lists (job.h).
 *
 * Intrusive singly linked lists with a tail pointer: push, pop and
 * prepend are O(1), so taking a dead worker's queue back to the front of
 * the pending queue costs nothing however long it is.
 */
#include "job.h"

#include "base/clock.h"

#include <stdlib.h>
#include <string.h>

/* Allocate a task and copy its payload. */
struct pool_job *
pool_job_new(uint64_t id, const void *payload, size_t len)
{
	struct pool_job *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	if (len) {
		t->payload = malloc(len);
		if (!t->payload) {
			free(t);
			return NULL;
		}
		memcpy(t->payload, payload, len);
	}
	t->id = id;
	t->len = len;
	t->worker = -1;
	t->submit_ns = clock_now_ns();
	return t;
}

/* Free a task and its payload copy. */
void
pool_job_free(struct pool_job *t)
{
	if (t) {
		free(t->payload);
		free(t);
	}
}

/* Append t to l. */
void
pool_job_list_push(struct pool_job_list *l, struct pool_job *t)
{
	t->next = NULL;
	if (l->tail)
		l->tail->next = t;
	else
		l->head = t;
	l->tail = t;
	l->n++;
}

/* Remove and return the first task of l, or NULL. */
struct pool_job *
pool_job_list_pop(struct pool_job_list *l)
{
	struct pool_job *t = l->head;

	if (!t)
		return NULL;
	l->head = t->next;
	if (!l->head)
		l->tail = NULL;
	l->n--;
	t->next = NULL;
	return t;
}

/* Splice src in front of dst. */
void
pool_job_list_prepend(struct pool_job_list *dst, struct pool_job_list *src)
{
	if (!src->head)
		return;
	src->tail->next = dst->head;
	if (!dst->tail)
		dst->tail = src->tail;
	dst->head = src->head;
	dst->n += src->n;
	src->head = src->tail = NULL;
	src->n = 0;
}
