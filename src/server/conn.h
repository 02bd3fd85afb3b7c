/* conn.h: what libmicrohttpd cannot do for a connection, done on its
 * socket instead:
 *
 *  - notice that the client of a suspended connection hung up: a
 *    suspended connection is not read, so libmicrohttpd would only see
 *    the hang-up once it is resumed, after all the waiting was done.
 */
#ifndef IMGOPT_CONN_H
#define IMGOPT_CONN_H

#include <microhttpd.h>

struct conn_watch;
struct loop;

/* Call gone(ctx) once, from the loop, when the client of the suspended
 * connection c hangs up (EOF or reset on its socket; like nginx, a client
 * that closed only its sending side counts as gone).  Stop before c is
 * resumed.  NULL when the socket cannot be watched.  When the client
 * sends more (a pipelined request, which hides a hang-up behind it) the
 * watch ends quietly: gone is not called.
 */
struct conn_watch *conn_watch_start(struct loop *loop,
				    struct MHD_Connection *c,
				    void (*gone)(void *ctx), void *ctx);

/* Accepts NULL.  Also from the gone callback. */
void conn_watch_stop(struct conn_watch *w);

#endif
