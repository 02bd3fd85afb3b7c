/* optimizer_internal.h: what the server layer needs beyond the public
 * API: the optimizer's event loop, so the HTTP library's fds are served by
 * the same poll() as the pool (one loop, no threads; DESIGN.md).
 */
#ifndef IMGOPT_OPTIMIZER_INTERNAL_H
#define IMGOPT_OPTIMIZER_INTERNAL_H

#include "imgopt/optimizer.h"

struct loop;

/* The loop run() will run; valid from imgopt_optimizer_new() to _free(). */
struct loop *optimizer_loop(struct imgopt_optimizer *o);

#endif
