/* conn.c: a connection's socket, where libmicrohttpd cannot help
 * (conn.h).
 *
 * Only a socket libmicrohttpd is not using is touched: a suspended
 * connection is out of its epoll set.
 */
#include "conn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/loop.h"

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
