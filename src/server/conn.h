/* conn.h: two things libmicrohttpd cannot do for a connection, done on
 * its socket instead:
 *
 *  - notice that the client of a suspended connection hung up: a
 *    suspended connection is not read, so libmicrohttpd would only see
 *    the hang-up once it is resumed, after all the waiting was done;
 *  - answer while the request body is still arriving: MHD_queue_response()
 *    is refused then (0.9.75 and 1.0 alike: microhttpd.h,
 *    MHD_AccessHandlerCallback), which would mean reading a body over a
 *    limit to its end before saying so.
 */
#ifndef IMGOPT_CONN_H
#define IMGOPT_CONN_H

#include <microhttpd.h>

#include "server.h"

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

/* While the body of c's request is still arriving: write the answer
 * status with {"error": message} (the headers every answer gets, and
 * Connection: close) on its socket now, close the socket's sending side
 * and set st->answered.  The caller stores nothing more of the body; the
 * server hands the rest to conn_linger().  Returns MHD_YES, or MHD_NO
 * (close at once) when the answer could not be written.
 */
enum MHD_Result conn_answer_early(struct MHD_Connection *c,
				  struct server_req_state *st,
				  unsigned status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* The access handler's call for a request st->answered: drop what the
 * client sent before it read the answer, and return MHD_NO (close) when
 * the body is over, or when the client goes on sending for long.
 */
enum MHD_Result conn_linger(struct server_req_state *st, size_t *size);

#endif
