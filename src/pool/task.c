/* task.c: task records and their FIFO lists (task.h).
 *
 * Intrusive singly linked lists with a tail pointer: push, pop and
 * prepend are O(1), so taking a dead worker's queue back to the front of
 * the pending queue costs nothing however long it is.
 */
#include "task.h"

#include "base/clock.h"

#include <stdlib.h>
#include <string.h>

/* Allocate a task and copy its payload. */
struct task *
task_new(uint64_t id, const void *payload, size_t len)
{
	struct task *t = calloc(1, sizeof(*t));

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
task_free(struct task *t)
{
	if (t) {
		free(t->payload);
		free(t);
	}
}

/* Append t to l. */
void
task_list_push(struct task_list *l, struct task *t)
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
struct task *
task_list_pop(struct task_list *l)
{
	struct task *t = l->head;

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
task_list_prepend(struct task_list *dst, struct task_list *src)
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
