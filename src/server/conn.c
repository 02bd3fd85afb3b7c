/* conn.c: a connection's socket, where libmicrohttpd cannot help
 * (conn.h).
 *
 * Both only touch a socket libmicrohttpd is not using at that moment: a
 * suspended connection is out of its epoll set, and while a body arrives
 * it only reads.  The early answer is the response server_reply_error()
 * would queue, with the same headers, serialized here.
 */
#include "conn.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/clock.h"
#include "base/loop.h"

/* After an early answer, what the client may still send before it sees
 * the answer (its bytes in flight: loopback buffers reach a few MB), and
 * for how long, idle or not.
 */
#define CONN_LINGER_MAX_BYTES (8u << 20)
#define CONN_LINGER_S 2

struct conn_watch {
	struct loop *loop;
	int fd;		/* -1 once the watch ended */
	void (*gone)(void *ctx);
	void *ctx;
};

/* The suspended connection's socket is readable. */
static void
conn_on_readable(struct loop *loop, int fd, int events, void *ctx)
{
	struct conn_watch *w = ctx;
	char byte;
	ssize_t n;

	(void)events;
	n = recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
		      errno == EINTR))
		return;
	loop_unwatch(loop, fd);
	w->fd = -1;
	/* n > 0: the client sent more, and reading it is libmicrohttpd's
	 * job; a hang-up behind it cannot be seen from here.
	 */
	if (n <= 0)
		w->gone(w->ctx); /* last: may free w */
}

struct conn_watch *
conn_watch_start(struct loop *loop, struct MHD_Connection *c,
		 void (*gone)(void *ctx), void *ctx)
{
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	struct conn_watch *w;

	if (!info)
		return NULL;
	w = calloc(1, sizeof(*w));
	if (!w)
		abort();
	w->loop = loop;
	w->fd = info->connect_fd;
	w->gone = gone;
	w->ctx = ctx;
	if (loop_watch(loop, w->fd, LOOP_READ, conn_on_readable, w)) {
		free(w);
		return NULL;
	}
	return w;
}

void
conn_watch_stop(struct conn_watch *w)
{
	if (!w)
		return;
	if (w->fd >= 0)
		loop_unwatch(w->loop, w->fd);
	free(w);
}

/* MHD_get_response_headers() callback: append "key: value\r\n". */
static enum MHD_Result
conn_add_header(void *cls, enum MHD_ValueKind kind, const char *key,
		const char *value)
{
	char **head = cls;
	char *more = server_asprintf("%s%s: %s\r\n", *head, key, value);

	(void)kind;
	free(*head);
	*head = more;
	return MHD_YES;
}

/* Write all of buf to the non-blocking socket; 0 or -1. */
static int
conn_send_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		/* A connection that has only received so far has room for
		 * a short answer; EAGAIN would mean a client that reads
		 * nothing, which is then simply closed.
		 */
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

enum MHD_Result
conn_answer_early(struct MHD_Connection *c, struct server_req_state *st,
		  unsigned status, const char *fmt, ...)
{
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	struct MHD_Response *r;
	char *msg, *body, *head, *all;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		abort();
	va_end(ap);
	body = server_error_json(msg);
	free(msg);
	st->answered = true;
	if (!info) {
		free(body);
		return MHD_NO;
	}
	r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	server_add_common_headers(r);
	head = server_asprintf("HTTP/1.1 %u %s\r\n", status,
			       MHD_get_reason_phrase_for(status));
	MHD_get_response_headers(r, conn_add_header, &head);
	MHD_destroy_response(r);
	all = server_asprintf("%sContent-Type: application/json\r\n"
			      "Content-Length: %zu\r\nConnection: close\r\n"
			      "\r\n%s", head, strlen(body), body);
	rc = conn_send_all(info->connect_fd, all, strlen(all));
	free(head);
	free(body);
	free(all);
	if (rc)
		return MHD_NO;
	/* The answer is complete: the client sees its end now, and the
	 * connection goes once the client stops sending (conn_linger()).
	 */
	shutdown(info->connect_fd, SHUT_WR);
	MHD_set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT,
				  (unsigned)CONN_LINGER_S);
	return MHD_YES;
}

/* Closing at once with unread data would reset the connection, which can
 * destroy the answer before the client reads it (RFC 9112, 9.6): read
 * and drop until the client, which has the answer, stops.
 */
enum MHD_Result
conn_linger(struct server_req_state *st, size_t *size)
{
	uint64_t now = clock_now_ns();

	if (!*size)
		return MHD_NO; /* the body is over: close */
	if (!st->linger_ns)
		st->linger_ns = now;
	st->dropped += *size;
	*size = 0;
	if (st->dropped > CONN_LINGER_MAX_BYTES ||
	    now - st->linger_ns > CONN_LINGER_S * 1000000000ull)
		return MHD_NO;
	return MHD_YES;
}
