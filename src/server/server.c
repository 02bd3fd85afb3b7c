/* server.c: libmicrohttpd glue for `imgopt serve`.
 *
 * libmicrohttpd runs without threads of its own, in epoll mode: its epoll
 * fd is one more watcher on the optimizer's poll loop, MHD_run() is called
 * when it is readable, and a loop timer follows MHD_get_timeout() (re-armed
 * after every run).  So one thread does HTTP, the pool and the event
 * streams, and nothing needs a lock (DESIGN.md, "serve").  Long requests
 * (event streams, commands waiting for results) suspend their connection
 * and are resumed from the optimizer's callbacks; resuming outside
 * MHD_run() needs another run soon, which server_kick() schedules.
 *
 * Every request passes the same gate before any work: the Host header must
 * name this server (an IP literal, "localhost" or the --host name, with
 * our port), which stops DNS rebinding; an Origin header, when sent, must
 * be this server's own origin, which stops cross-site posts; the
 * path-based commands need the bearer token printed at start.
 */
#include "server.h"

#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "api.h"
#include "assets.h"
#include "base/loop.h"
#include "batch.h"
#include "conn.h"
#include "gate.h"
#include "jobs.h"
#include "optimizer/optimizer_internal.h"
#include "sse.h"
#include "uploads.h"

#define SERVER_TOKEN_BYTES 24
/* Waiting requests are suspended and still count: room for a few pages,
 * their event streams and scripts.
 */
#define SERVER_MAX_CONNECTIONS 256
#define SERVER_IDLE_TIMEOUT_S 120
#define SERVER_DRAIN_MS 500

enum route {
	ROUTE_NONE = 0,
	ROUTE_ASSET,
	ROUTE_EVENTS,
	ROUTE_LIMITS,
	ROUTE_API_ONE,
	ROUTE_API_MANY,
	ROUTE_JOB_POST,
	ROUTE_JOB,
};

struct request {
	enum route route;
	char *body;		/* JSON commands: the body, capped */
	size_t len, cap;
	struct server_req_state state;
};

struct server {
	struct server_config cfg;
	char *host;		/* cfg.host, owned */
	int port;		/* the bound port */
	int listen_fd;		/* until MHD owns it */
	char url[300];
	char token[SERVER_TOKEN_BYTES * 2 + 1];

	struct imgopt_optimizer *opt;
	struct loop *loop;
	struct MHD_Daemon *mhd;
	int epoll_fd;
	uint64_t mhd_timer, kick_timer;
	bool stopping;

	struct sse *hub;
	struct sse_stream *events; /* /api/events */
	struct api *api;
	struct jobs *jobs;
	struct uploads *uploads;
	struct batches *batches;
};

/* ---------------------------------------------------------------- util */

char *
server_asprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	return s;
}

void
server_random_hex(char *buf, size_t n)
{
	unsigned char raw[64];
	size_t got = 0;

	if (n > sizeof(raw))
		abort();
	while (got < n) {
		ssize_t r = getrandom(raw + got, n - got, 0);

		if (r < 0 && errno != EINTR)
			abort();
		if (r > 0)
			got += (size_t)r;
	}
	for (size_t i = 0; i < n; i++)
		sprintf(buf + 2 * i, "%02x", raw[i]);
}

void
server_config_init(struct server_config *c)
{
	memset(c, 0, sizeof(*c));
	c->host = "127.0.0.1";
	c->port = SERVER_DEFAULT_PORT;
	c->max_upload_bytes = SERVER_DEFAULT_MAX_UPLOAD;
	c->max_files = SERVER_DEFAULT_MAX_FILES;
	c->job_ttl_s = SERVER_DEFAULT_JOB_TTL_S;
}

struct loop *
server_loop(struct server *s)
{
	return s->loop;
}

struct batches *
server_batches(struct server *s)
{
	return s->batches;
}

const struct server_config *
server_get_config(const struct server *s)
{
	return &s->cfg;
}

const char *
server_url(const struct server *s)
{
	return s->url;
}

const char *
server_token(const struct server *s)
{
	return s->token;
}

char *
server_display_error(const struct imgopt_result *r, const char *name)
{
	size_t n;

	if (!r->error)
		return NULL;
	/* The optimizer writes "<input path>: reason"; the input path is a
	 * job folder the user never saw.
	 */
	n = r->original_path ? strlen(r->original_path) : 0;
	if (n && !strncmp(r->error, r->original_path, n) &&
	    !strncmp(r->error + n, ": ", 2))
		return server_asprintf("%s%s", name, r->error + n);
	return server_asprintf("%s", r->error);
}

/* ----------------------------------------------------------- responses */

void
server_add_common_headers(struct MHD_Response *r)
{
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
}

enum MHD_Result
server_reply(struct MHD_Connection *c, unsigned status, const char *type,
	     const void *data, size_t len)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, (void *)data,
					    MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	server_add_common_headers(r);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
					"Bearer");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

enum MHD_Result
server_reply_json(struct MHD_Connection *c, unsigned status, json_t *json)
{
	char *text = json ? imgopt_json_dumps(json) : NULL;
	char *line;
	enum MHD_Result ret;

	json_decref(json);
	if (!text)
		return MHD_NO;
	line = server_asprintf("%s\n", text);
	free(text);
	ret = server_reply(c, status, "application/json", line, strlen(line));
	free(line);
	return ret;
}

char *
server_error_json(const char *msg)
{
	char *safe = imgopt_utf8_escape(msg);
	json_t *j = json_pack("{s:s}", "error", safe);
	char *text = j ? imgopt_json_dumps(j) : NULL;
	char *line;

	if (!text)
		abort();
	line = server_asprintf("%s\n", text);
	json_decref(j);
	free(text);
	free(safe);
	return line;
}

enum MHD_Result
server_reply_error(struct MHD_Connection *c, unsigned status,
		   const char *fmt, ...)
{
	va_list ap;
	char *msg, *body;
	enum MHD_Result ret;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		abort();
	va_end(ap);
	body = server_error_json(msg);
	free(msg);
	ret = server_reply(c, status, "application/json", body, strlen(body));
	free(body);
	return ret;
}

/* ---------------------------------------------------------- MHD driving */

static void server_run_mhd(struct server *s);

/* MHD_get_timeout() expired: let libmicrohttpd time out and retry. */
static void
server_on_mhd_timer(struct loop *loop, void *ctx)
{
	struct server *s = ctx;

	(void)loop;
	s->mhd_timer = 0;
	server_run_mhd(s);
}

/* server_kick()'s zero timer. */
static void
server_on_kick(struct loop *loop, void *ctx)
{
	struct server *s = ctx;

	(void)loop;
	s->kick_timer = 0;
	server_run_mhd(s);
}

/* libmicrohttpd's epoll fd is readable. */
static void
server_on_epoll(struct loop *loop, int fd, int events, void *ctx)
{
	(void)loop;
	(void)fd;
	(void)events;
	server_run_mhd(ctx);
}

/* One MHD_run(), then the timer for the next one: MHD_get_timeout() is 0
 * when it has work left (resumed connections, buffered data), which
 * the epoll fd would not report again (edge-triggered inside).
 */
static void
server_run_mhd(struct server *s)
{
	MHD_UNSIGNED_LONG_LONG ms;

	if (!s->mhd)
		return;
	MHD_run(s->mhd);
	if (s->mhd_timer)
		loop_timer_cancel(s->loop, s->mhd_timer);
	s->mhd_timer = 0;
	if (MHD_get_timeout(s->mhd, &ms) == MHD_YES)
		s->mhd_timer = loop_timer(s->loop, ms, server_on_mhd_timer, s);
}

void
server_kick(struct server *s)
{
	if (s->mhd && !s->kick_timer)
		s->kick_timer = loop_timer(s->loop, 0, server_on_kick, s);
}

/* --------------------------------------------------------------- gates */

/* 403 text, or NULL when Host and Origin are this server's own. */
static const char *
server_gate(const struct server *s, struct MHD_Connection *c)
{
	return gate_check(MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						      MHD_HTTP_HEADER_HOST),
			  MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						      "Origin"),
			  s->host, s->port);
}

/* The request carries the bearer token. */
static bool
server_token_ok(const struct server *s, struct MHD_Connection *c)
{
	return gate_token_ok(MHD_lookup_connection_value(
				     c, MHD_HEADER_KIND,
				     MHD_HTTP_HEADER_AUTHORIZATION),
			     s->token);
}

/* One of the page's files, with a strict Content-Security-Policy. */
static enum MHD_Result
server_asset(struct MHD_Connection *c, const struct asset *a)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(a->len, (void *)a->data,
					    MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	server_add_common_headers(r);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, a->type);
	MHD_add_response_header(r, "Content-Security-Policy",
				"default-src 'self'; img-src 'self' data: "
				"blob:; object-src 'none'; base-uri 'none'; "
				"form-action 'self'; frame-ancestors 'none'");
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/* GET /api/limits: what the page may send. */
static enum MHD_Result
server_limits(struct server *s, struct MHD_Connection *c)
{
	return server_reply_json(
		c, MHD_HTTP_OK,
		json_pack("{s:I, s:I, s:I, s:I}", "maxUploadBytes",
			  (json_int_t)s->cfg.max_upload_bytes, "maxFiles",
			  (json_int_t)s->cfg.max_files, "jobTtlSeconds",
			  (json_int_t)s->cfg.job_ttl_s, "maxJsonBytes",
			  (json_int_t)SERVER_MAX_JSON_BODY));
}

/* Pick the route; 0 with *allow set when the path exists for another
 * method, ROUTE_NONE with !*allow when it does not exist.
 */
static enum route
server_route(const char *method, const char *url, const char **allow)
{
	bool get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
	bool post = !strcmp(method, "POST");

	*allow = NULL;
	if (assets_find(url)) {
		*allow = "GET, HEAD";
		return get ? ROUTE_ASSET : ROUTE_NONE;
	}
	if (!strcmp(url, "/api/events") || !strcmp(url, "/api/limits")) {
		*allow = "GET, HEAD";
		return !get ? ROUTE_NONE : url[5] == 'e' ? ROUTE_EVENTS :
							   ROUTE_LIMITS;
	}
	if (!strcmp(url, "/api/optimize_image") ||
	    !strcmp(url, "/api/optimize_images")) {
		*allow = "POST";
		return !post ? ROUTE_NONE : url[19] ? ROUTE_API_MANY :
						      ROUTE_API_ONE;
	}
	if (!strcmp(url, "/api/jobs")) {
		*allow = "POST";
		return post ? ROUTE_JOB_POST : ROUTE_NONE;
	}
	if (!strncmp(url, "/api/jobs/", 10)) {
		*allow = "GET, HEAD, DELETE";
		return get || !strcmp(method, "DELETE") ? ROUTE_JOB :
							  ROUTE_NONE;
	}
	return ROUTE_NONE;
}

/* The headers are in: gate, route, and answer whatever needs no body. */
static enum MHD_Result
server_begin(struct server *s, struct MHD_Connection *c, struct request *rq,
	     const char *url, const char *method)
{
	const char *why, *allow, *len;

	if (s->stopping)
		return server_reply_error(c, MHD_HTTP_SERVICE_UNAVAILABLE,
					  "the server is shutting down");
	why = server_gate(s, c);
	if (why)
		return server_reply_error(c, MHD_HTTP_FORBIDDEN, "%s", why);
	rq->route = server_route(method, url, &allow);
	if (rq->route == ROUTE_NONE && allow) {
		struct MHD_Response *r;
		char *msg = server_asprintf("{\"error\":\"method %s not "
					    "allowed for %s\"}\n",
					    method, url);
		char *safe = imgopt_utf8_escape(msg);
		enum MHD_Result ret;

		free(msg);
		r = MHD_create_response_from_buffer(strlen(safe), safe,
						    MHD_RESPMEM_MUST_FREE);
		server_add_common_headers(r);
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
					"application/json");
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
		ret = MHD_queue_response(c, MHD_HTTP_METHOD_NOT_ALLOWED, r);
		MHD_destroy_response(r);
		return ret;
	}
	switch (rq->route) {
	case ROUTE_NONE:
		return server_reply_error(c, MHD_HTTP_NOT_FOUND,
					  "not found: %s", url);
	case ROUTE_ASSET:
	case ROUTE_EVENTS:
	case ROUTE_LIMITS:
	case ROUTE_JOB:
		/* Answered once the request is in: a response queued at
		 * the headers makes libmicrohttpd close the connection.
		 */
		return MHD_YES;
	case ROUTE_API_ONE:
	case ROUTE_API_MANY:
		if (!server_token_ok(s, c))
			return server_reply_error(
				c, MHD_HTTP_UNAUTHORIZED,
				"missing or wrong token: send "
				"'Authorization: Bearer <token>' with the "
				"token imgopt serve printed at start");
		len = MHD_lookup_connection_value(
			c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (len && strtoull(len, NULL, 10) > SERVER_MAX_JSON_BODY)
			return server_reply_error(
				c, MHD_HTTP_CONTENT_TOO_LARGE,
				"request body too large: %s bytes, the limit "
				"is %u", len, SERVER_MAX_JSON_BODY);
		return MHD_YES;
	case ROUTE_JOB_POST:
		return uploads_post(s->uploads, c, NULL, &(size_t){0},
				    &rq->state);
	}
	return MHD_NO;
}

/* libmicrohttpd's handler: headers, each piece of body, the end. */
static enum MHD_Result
server_handle(void *cls, struct MHD_Connection *c, const char *url,
	      const char *method, const char *version, const char *data,
	      size_t *size, void **req_cls)
{
	struct server *s = cls;
	struct request *rq = *req_cls;

	(void)version;
	if (!rq) {
		rq = calloc(1, sizeof(*rq));
		if (!rq)
			return MHD_NO;
		*req_cls = rq;
		return server_begin(s, c, rq, url, method);
	}
	if (rq->state.answered)
		return conn_linger(&rq->state, size);
	switch (rq->route) {
	case ROUTE_API_ONE:
	case ROUTE_API_MANY:
		if (*size) {
			/* A chunked body has no length to refuse up front:
			 * say so as soon as it crosses the cap.
			 */
			if (rq->len + *size > SERVER_MAX_JSON_BODY) {
				*size = 0;
				return conn_answer_early(
					c, &rq->state,
					MHD_HTTP_CONTENT_TOO_LARGE,
					"request body too large: the limit "
					"is %u bytes", SERVER_MAX_JSON_BODY);
			}
			if (rq->len + *size > rq->cap) {
				rq->cap = rq->len + *size + 4096;
				rq->body = realloc(rq->body, rq->cap);
				if (!rq->body)
					abort();
			}
			memcpy(rq->body + rq->len, data, *size);
			rq->len += *size;
			*size = 0;
			return MHD_YES;
		}
		if (rq->state.ptr)
			return api_finish(c, &rq->state);
		if (s->stopping)
			return server_reply_error(
				c, MHD_HTTP_SERVICE_UNAVAILABLE,
				"the server is shutting down");
		return api_start(s->api, c, rq->route == ROUTE_API_MANY,
				 rq->body ? rq->body : "", rq->len,
				 &rq->state);
	case ROUTE_JOB_POST:
		return uploads_post(s->uploads, c, data, size, &rq->state);
	default:
		break;
	}
	if (*size) {
		/* These take no body: drop it. */
		*size = 0;
		return MHD_YES;
	}
	if (s->stopping)
		return server_reply_error(c, MHD_HTTP_SERVICE_UNAVAILABLE,
					  "the server is shutting down");
	switch (rq->route) {
	case ROUTE_ASSET:
		return server_asset(c, assets_find(url));
	case ROUTE_EVENTS:
		return sse_stream_attach(s->events, c);
	case ROUTE_LIMITS:
		return server_limits(s, c);
	case ROUTE_JOB:
		return jobs_request(s->jobs, c, method, url + 10,
				    &rq->state);
	default:
		return MHD_NO;
	}
}

/* The request is over (answered, or the client left). */
static void
server_completed(void *cls, struct MHD_Connection *c, void **req_cls,
		 enum MHD_RequestTerminationCode toe)
{
	struct request *rq = *req_cls;

	(void)cls;
	(void)c;
	if (!rq)
		return;
	if (rq->state.free)
		rq->state.free(rq->state.ptr,
			       toe == MHD_REQUEST_TERMINATED_COMPLETED_OK);
	free(rq->body);
	free(rq);
	*req_cls = NULL;
}

/* ----------------------------------------------------------- lifecycle */

void
server_callbacks(struct server *s, struct imgopt_callbacks *cb)
{
	batches_callbacks(s->batches, cb);
}

static int
server_listen(struct server *s, char *err, size_t err_size)
{
	struct addrinfo hints = {0}, *res = NULL;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char port[16];
	int fd, one = 1, rc;

	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%d", s->cfg.port);
	rc = getaddrinfo(s->host, port, &hints, &res);
	if (rc) {
		snprintf(err, err_size, "cannot use host '%s': %s", s->host,
			 gai_strerror(rc));
		return -1;
	}
	fd = socket(res->ai_family,
		    SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, res->ai_addr, res->ai_addrlen) || listen(fd, 64) ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl)) {
		snprintf(err, err_size, "cannot listen on %s port %d: %s",
			 s->host, s->cfg.port, strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(res);
		return -1;
	}
	s->port = ntohs(ss.ss_family == AF_INET6 ?
			((struct sockaddr_in6 *)&ss)->sin6_port :
			((struct sockaddr_in *)&ss)->sin_port);
	snprintf(s->url, sizeof(s->url),
		 ss.ss_family == AF_INET6 ? "http://[%s]:%d/" :
					    "http://%s:%d/",
		 s->host, s->port);
	freeaddrinfo(res);
	s->listen_fd = fd;
	return 0;
}

struct server *
server_new(const struct server_config *cfg, char *err, size_t err_size)
{
	struct server *s;

	if (cfg->port < 0 || cfg->port > 65535) {
		snprintf(err, err_size, "port must be 0-65535, got %d",
			 cfg->port);
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		abort();
	s->cfg = *cfg;
	s->host = server_asprintf("%s", cfg->host ? cfg->host : "127.0.0.1");
	/* "[::1]" as written in a URL is the address ::1. */
	if (s->host[0] == '[' && s->host[strlen(s->host) - 1] == ']') {
		memmove(s->host, s->host + 1, strlen(s->host));
		s->host[strlen(s->host) - 1] = '\0';
	}
	s->cfg.host = s->host;
	s->listen_fd = -1;
	s->epoll_fd = -1;
	s->batches = batches_new();
	server_random_hex(s->token, SERVER_TOKEN_BYTES);
	if (server_listen(s, err, err_size)) {
		server_free(s);
		return NULL;
	}
	return s;
}

int
server_start(struct server *s, struct imgopt_optimizer *o, char *err,
	     size_t err_size)
{
	const union MHD_DaemonInfo *info;

	s->opt = o;
	s->loop = optimizer_loop(o);
	s->hub = sse_new(s);
	s->events = sse_stream_new(s->hub, false);
	batches_start(s->batches, o, s->events);
	s->api = api_new(s);
	s->jobs = jobs_new(s, s->hub, err, err_size);
	if (!s->jobs)
		return -1;
	s->uploads = uploads_new(s, s->jobs);
	/* No MHD_USE_INTERNAL_POLLING_THREAD: we call MHD_run().  SIGPIPE
	 * is ignored by `imgopt serve`, so MHD may use sendfile().
	 */
	s->mhd = MHD_start_daemon(
		MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME, 0, NULL, NULL,
		server_handle, s, MHD_OPTION_LISTEN_SOCKET, s->listen_fd,
		MHD_OPTION_NOTIFY_COMPLETED, server_completed, s,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)SERVER_MAX_CONNECTIONS,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)SERVER_IDLE_TIMEOUT_S,
		MHD_OPTION_SIGPIPE_HANDLED_BY_APP, 1, MHD_OPTION_END);
	if (!s->mhd) {
		snprintf(err, err_size, "cannot start the HTTP server");
		return -1;
	}
	s->listen_fd = -1; /* MHD closes it */
	info = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	if (!info || loop_watch(s->loop, info->epoll_fd, LOOP_READ,
				server_on_epoll, s)) {
		snprintf(err, err_size, "cannot watch the HTTP server");
		return -1;
	}
	s->epoll_fd = info->epoll_fd;
	server_run_mhd(s);
	return 0;
}

/* Connections libmicrohttpd still holds. */
static unsigned
server_connections(struct server *s)
{
	const union MHD_DaemonInfo *i = MHD_get_daemon_info(
		s->mhd, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);

	return i ? i->num_connections : 0;
}

void
server_stop(struct server *s)
{
	uint64_t rounds = SERVER_DRAIN_MS / 20;

	if (!s || !s->mhd)
		return;
	s->stopping = true;
	api_shutdown(s->api);
	sse_shutdown(s->hub);
	/* Let answers already due go out; suspended connections must all
	 * be resumed (and seen by MHD_run) before MHD_stop_daemon().
	 */
	server_run_mhd(s);
	while (rounds-- > 0 && server_connections(s) > 0)
		loop_run_once(s->loop, 20);
	loop_unwatch(s->loop, s->epoll_fd);
	if (s->mhd_timer)
		loop_timer_cancel(s->loop, s->mhd_timer);
	if (s->kick_timer)
		loop_timer_cancel(s->loop, s->kick_timer);
	s->mhd_timer = s->kick_timer = 0;
	MHD_stop_daemon(s->mhd);
	s->mhd = NULL;
}

void
server_free(struct server *s)
{
	if (!s)
		return;
	server_stop(s);
	uploads_free(s->uploads);
	jobs_free(s->jobs);
	api_free(s->api);
	sse_stream_free(s->events);
	sse_free(s->hub);
	batches_free(s->batches);
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	free(s->host);
	free(s);
}
