/* feed.h: feeding the pool (internal to src/optimizer).
 *
 * The pool pulls through feed_next_task() whenever a worker has room.
 * Tasks come from add_task()'s queue first, then from the lazy walk, into
 * the window (at most WINDOW tasks in memory), which hands out the largest
 * file first.  Before a task goes out its destination folder and temp file
 * are made; a task that cannot get that far gets its result here and never
 * reaches the pool.
 */
#ifndef IMGOPT_FEED_H
#define IMGOPT_FEED_H

struct imgopt_optimizer;
struct imgopt_settings;
struct pool_task;
struct optimizer_task;

/* A task for input with a copy of settings, the next id and found_ns now.
 * Aborts when out of memory.
 */
struct optimizer_task *feed_task_new(struct imgopt_optimizer *o, const char *input,
			   const struct imgopt_settings *s);

/* Free a task (not its temp file).  Accepts NULL. */
void feed_task_free(struct optimizer_task *t);

/* Put t in the window, largest file first (the default) or in the order
 * given (--order given).
 */
void feed_enqueue(struct imgopt_optimizer *o, struct optimizer_task *t);

/* Move added tasks, then walk entries, into the window until it is full
 * or there are none left.  Entries the walk skips or cannot read are
 * reported at once and counted.
 */
void feed_refill(struct imgopt_optimizer *o);

/* pool_config.next_task: the next task's request for a worker. */
int feed_next_task(void *ctx, struct pool_task *pt);

#endif
