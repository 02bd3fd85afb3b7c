/* sse.c: Server-Sent Events streams on libmicrohttpd, from one thread.
 *
 * A client is a response built from a content reader.  When the reader
 * has nothing to copy out it suspends the connection and returns 0 (the
 * documented way to wait without busy-looping); sse_stream_send() appends
 * to every client's buffer and resumes the suspended ones.  The reader's
 * free callback, called by libmicrohttpd when the connection is done with
 * the response, is the only place a client is freed, so a client may
 * outlive its stream (the stream only detaches it).
 */
#include "sse.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/loop.h"
#include "conn.h"
#include "server.h"

#define SSE_KEEPALIVE_MS 15000
/* A client that does not read gets dropped rather than growing forever. */
#define SSE_CLIENT_MAX (8u << 20)
#define SSE_REPLAY_MAX (16u << 20)

struct sse_client {
	struct sse_stream *stream; /* NULL once detached */
	struct sse_client *next;
	struct MHD_Connection *conn;
	struct server *srv;
	/* While suspended: notices a client that hung up, so it goes at
	 * once instead of at the next keep-alive (up to 15 s later).
	 */
	struct conn_watch *watch;
	char *buf;
	size_t len, off, cap;
	bool suspended, ended, failed;
};

struct sse_stream {
	struct sse *hub;
	struct sse_stream *next;
	struct sse_client *clients;
	bool replay, finished;
	char *log;
	size_t log_len, log_cap;
};

struct sse {
	struct server *srv;
	struct sse_stream *streams;
	uint64_t timer;
	bool shutdown;
};

/* Append to a growable buffer of at most max bytes; -1 when it would not
 * fit.
 */
static int
sse_append(char **buf, size_t *len, size_t *cap, size_t max, const char *s,
	   size_t n)
{
	if (*len + n > max)
		return -1;
	if (*len + n > *cap) {
		size_t c = *cap ? *cap : 1024;
		char *p;

		while (c < *len + n)
			c *= 2;
		p = realloc(*buf, c);
		if (!p)
			abort();
		*buf = p;
		*cap = c;
	}
	memcpy(*buf + *len, s, n);
	*len += n;
	return 0;
}

/* Resume a client waiting for data. */
static void
sse_client_wake(struct sse_client *c, struct server *srv)
{
	if (c->suspended) {
		conn_watch_stop(c->watch);
		c->watch = NULL;
		c->suspended = false;
		MHD_resume_connection(c->conn);
		server_kick(srv);
	}
}

/* The suspended client hung up: let libmicrohttpd close it now. */
static void
sse_client_gone(void *ctx)
{
	struct sse_client *c = ctx;

	c->failed = true;
	sse_client_wake(c, c->srv);
}

/* Queue bytes for one client; one that fell too far behind fails. */
static void
sse_client_push(struct sse_client *c, struct server *srv, const char *s,
		size_t n)
{
	if (c->failed || c->ended)
		return;
	if (sse_append(&c->buf, &c->len, &c->cap, SSE_CLIENT_MAX, s, n))
		c->failed = true;
	sse_client_wake(c, srv);
}

/* Detach a client from its stream; it ends after its queued bytes. */
static void
sse_client_end(struct sse_client *c, struct server *srv)
{
	c->ended = true;
	sse_client_wake(c, srv);
}

/* libmicrohttpd's content reader: copy out, or wait for more. */
static ssize_t
sse_client_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct sse_client *c = cls;
	size_t n;

	(void)pos;
	if (c->failed)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	if (c->off < c->len) {
		n = c->len - c->off < max ? c->len - c->off : max;
		memcpy(buf, c->buf + c->off, n);
		c->off += n;
		if (c->off == c->len)
			c->off = c->len = 0;
		return (ssize_t)n;
	}
	if (c->ended)
		return MHD_CONTENT_READER_END_OF_STREAM;
	c->suspended = true;
	MHD_suspend_connection(c->conn);
	c->watch = conn_watch_start(server_loop(c->srv), c->conn,
				    sse_client_gone, c);
	return 0;
}

/* libmicrohttpd is done with the response: the client goes. */
static void
sse_client_free(void *cls)
{
	struct sse_client *c = cls;

	conn_watch_stop(c->watch);
	if (c->stream) {
		struct sse_client **pp = &c->stream->clients;

		while (*pp && *pp != c)
			pp = &(*pp)->next;
		if (*pp)
			*pp = c->next;
	}
	free(c->buf);
	free(c);
}

/* A comment to every client every SSE_KEEPALIVE_MS. */
static void
sse_keepalive(struct loop *loop, void *ctx)
{
	static const char ping[] = ":\n\n";
	struct sse *h = ctx;

	h->timer = 0;
	for (struct sse_stream *s = h->streams; s; s = s->next)
		for (struct sse_client *c = s->clients; c; c = c->next)
			sse_client_push(c, h->srv, ping, sizeof(ping) - 1);
	if (!h->shutdown)
		h->timer = loop_timer(loop, SSE_KEEPALIVE_MS, sse_keepalive,
				      h);
}

struct sse *
sse_new(struct server *srv)
{
	struct sse *h = calloc(1, sizeof(*h));

	if (!h)
		abort();
	h->srv = srv;
	h->timer = loop_timer(server_loop(srv), SSE_KEEPALIVE_MS,
			      sse_keepalive, h);
	return h;
}

void
sse_shutdown(struct sse *h)
{
	if (!h)
		return;
	h->shutdown = true;
	if (h->timer)
		loop_timer_cancel(server_loop(h->srv), h->timer);
	h->timer = 0;
	for (struct sse_stream *s = h->streams; s; s = s->next)
		for (struct sse_client *c = s->clients; c; c = c->next)
			sse_client_end(c, h->srv);
}

void
sse_free(struct sse *h)
{
	if (!h)
		return;
	sse_shutdown(h);
	while (h->streams)
		sse_stream_free(h->streams);
	free(h);
}

struct sse_stream *
sse_stream_new(struct sse *h, bool replay)
{
	struct sse_stream *s = calloc(1, sizeof(*s));

	if (!s)
		abort();
	s->hub = h;
	s->replay = replay;
	s->next = h->streams;
	h->streams = s;
	return s;
}

void
sse_stream_free(struct sse_stream *s)
{
	struct sse_stream **pp;

	if (!s)
		return;
	for (pp = &s->hub->streams; *pp && *pp != s; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = s->next;
	while (s->clients) {
		struct sse_client *c = s->clients;

		s->clients = c->next;
		c->stream = NULL;
		c->next = NULL;
		sse_client_end(c, s->hub->srv);
	}
	free(s->log);
	free(s);
}

void
sse_stream_send(struct sse_stream *s, const char *event, json_t *data)
{
	char *text = imgopt_json_dumps(data);
	char *msg;
	size_t n;

	json_decref(data);
	if (!text)
		return;
	/* imgopt_json_dumps() is compact: one line, as SSE data must be. */
	msg = server_asprintf("event: %s\ndata: %s\n\n", event, text);
	free(text);
	n = strlen(msg);
	if (s->replay)
		(void)sse_append(&s->log, &s->log_len, &s->log_cap,
				 SSE_REPLAY_MAX, msg, n);
	for (struct sse_client *c = s->clients; c; c = c->next)
		sse_client_push(c, s->hub->srv, msg, n);
	free(msg);
}

void
sse_stream_finish(struct sse_stream *s)
{
	s->finished = true;
	for (struct sse_client *c = s->clients; c; c = c->next)
		sse_client_end(c, s->hub->srv);
}

enum MHD_Result
sse_stream_attach(struct sse_stream *s, struct MHD_Connection *conn)
{
	/* retry: how long a browser waits before reconnecting. */
	static const char hello[] = "retry: 2000\n\n";
	struct MHD_Response *r;
	struct sse_client *c = calloc(1, sizeof(*c));
	enum MHD_Result ret;

	if (!c)
		abort();
	c->conn = conn;
	c->srv = s->hub->srv;
	(void)sse_append(&c->buf, &c->len, &c->cap, SSE_CLIENT_MAX, hello,
			 sizeof(hello) - 1);
	if (s->replay && s->log_len &&
	    sse_append(&c->buf, &c->len, &c->cap, SSE_CLIENT_MAX, s->log,
		       s->log_len))
		c->failed = true;
	c->ended = s->finished || s->hub->shutdown;
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096,
					      sse_client_read, c,
					      sse_client_free);
	if (!r) {
		free(c->buf);
		free(c);
		return MHD_NO;
	}
	c->stream = s;
	c->next = s->clients;
	s->clients = c;
	server_add_common_headers(r);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				"text/event-stream; charset=utf-8");
	/* Tell buffering proxies to pass events through at once. */
	MHD_add_response_header(r, "X-Accel-Buffering", "no");
	ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

void
sse_progress_add(struct sse_progress *p, uint64_t n)
{
	if (p->total == 0 || p->done >= p->total) {
		p->done = p->total = 0;
		p->started_ns = clock_now_ns();
	}
	p->total += n;
}

void
sse_format_bytes(char *buf, size_t n, uint64_t bytes)
{
	static const char *const units[] = {"B", "KB", "MB", "GB", "TB"};
	double v = (double)bytes;
	int u = 0;

	while (v >= 1000 && u < 4) {
		v /= 1000;
		u++;
	}
	snprintf(buf, n, u ? "%.1f %s" : "%.0f %s", v, units[u]);
}

/* Two decimals, as the result JSON rounds percentages. */
static double
round2(double x)
{
	return round(x * 100.0) / 100.0;
}

json_t *
sse_progress_event(struct sse_progress *p, const char *file_name,
		   const struct imgopt_result *r, const char *error)
{
	bool ok = r->status == IMGOPT_STATUS_OK;
	char before[32], after[32];
	char *name, *msg, *err = NULL;
	uint64_t optimized = ok ? r->optimized_size : 0;
	double ratio = ok ? imgopt_result_ratio(r) : 0;
	bool last;
	json_t *ev, *meta;

	p->done++;
	if (p->done > p->total)
		p->total = p->done;
	last = p->done == p->total;
	name = imgopt_utf8_escape(file_name ? file_name : "");
	if (ok) {
		sse_format_bytes(before, sizeof(before), r->original_size);
		sse_format_bytes(after, sizeof(after), optimized);
		msg = server_asprintf("%s: %s \xe2\x86\x92 %s (%.1f%% saved)",
				      name, before, after, ratio);
	} else {
		err = imgopt_utf8_escape(error ? error :
					 r->error ? r->error : "failed");
		msg = server_asprintf("%s", err);
	}
	meta = json_pack("{s:s, s:I, s:I, s:I, s:f, s:s, s:s?}",
			 "fileName", name,
			 "originalSize", (json_int_t)r->original_size,
			 "optimizedSize", (json_int_t)optimized,
			 "savedBytes",
			 (json_int_t)(ok ? imgopt_result_saved_bytes(r) : 0),
			 "compressionRatio", ratio,
			 "formattedMessage", msg,
			 "error", err);
	if (last) {
		p->duration_s = round((double)(clock_now_ns() -
					       p->started_ns) / 1e6) / 1e3;
		json_object_set_new(meta, "totalDuration",
				    json_real(p->duration_s));
	}
	ev = json_pack("{s:I, s:I, s:f, s:s, s:o}",
		       "completedTasks", (json_int_t)p->done,
		       "totalTasks", (json_int_t)p->total,
		       "progressPercentage",
		       round2((double)p->done * 100.0 / (double)p->total),
		       "status", last ? "complete" : ok ? "processing" :
						       "error",
		       "metadata", meta);
	free(name);
	free(msg);
	free(err);
	return ev;
}
