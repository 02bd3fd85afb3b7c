/* server.h: `imgopt serve`'s HTTP server: libmicrohttpd driven from the
 * optimizer's own poll loop (no HTTP threads), the safety checks every
 * request passes (Host, Origin, token, size limits), routing, and the
 * small helpers the other modules (api, jobs, uploads, sse, batch, conn)
 * share.
 *
 *   struct server *s = server_new(&cfg, err, n);     // binds the socket
 *   server_callbacks(s, &cb);                         // for the optimizer
 *   o = imgopt_optimizer_new(&opts, &cb, err, n);
 *   server_start(s, o, err, n);                       // MHD on o's loop
 *   imgopt_optimizer_run(o);                          // until SIGINT/TERM
 *   server_stop(s);                                   // drain, close
 *   server_free(s);
 *
 * Everything runs on one thread: HTTP callbacks queue tasks with
 * imgopt_optimizer_add_task(), results come back through the callbacks
 * installed by server_callbacks() and are routed by their tag to the
 * request or upload job ("batch", batch.h) that queued them.
 */
#ifndef IMGOPT_SERVER_H
#define IMGOPT_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <microhttpd.h>

#include "imgopt/optimizer.h"

struct batches;
struct loop;
struct server;

#define SERVER_DEFAULT_PORT 8080
#define SERVER_MB 1000000ull /* as the page and the reports count */
#define SERVER_DEFAULT_MAX_UPLOAD (256 * SERVER_MB)
#define SERVER_DEFAULT_MAX_FILES 200
#define SERVER_DEFAULT_JOB_TTL_S 3600
#define SERVER_MAX_JSON_BODY (1u << 20)
#define SERVER_MAX_TASKS 10000

struct server_config {
	const char *host;	    /* address to bind; default 127.0.0.1 */
	int port;		    /* 0 = any free port */
	uint64_t max_upload_bytes;  /* whole multipart body of one upload */
	unsigned max_files;	    /* images in one upload */
	unsigned job_ttl_s;	    /* upload jobs removed after this */
};

void server_config_init(struct server_config *c);

/* Check the configuration and bind the listening socket (so a busy port is
 * reported before any worker starts).  Returns NULL with a message in err.
 */
struct server *server_new(const struct server_config *cfg, char *err,
			  size_t err_size);

/* The optimizer callbacks that route results to requests and streams. */
void server_callbacks(struct server *s, struct imgopt_callbacks *cb);

/* Start libmicrohttpd on the optimizer's loop and create the upload root.
 * Returns 0, or -1 with a message in err.
 */
int server_start(struct server *s, struct imgopt_optimizer *o, char *err,
		 size_t err_size);

/* "http://127.0.0.1:8080/" and the bearer token, valid until _free. */
const char *server_url(const struct server *s);
const char *server_token(const struct server *s);

/* After imgopt_optimizer_run() returned: refuse new requests, end event
 * streams, give pending responses a moment, stop libmicrohttpd and remove
 * every upload job.
 */
void server_stop(struct server *s);

/* Accepts NULL. */
void server_free(struct server *s);

/* ------------------------------------------- for api, sse and uploads */

struct loop *server_loop(struct server *s);
const struct server_config *server_get_config(const struct server *s);

/* Run libmicrohttpd soon: after resuming a connection outside MHD_run(). */
void server_kick(struct server *s);

/* Where requests and jobs queue their tasks (batch.h). */
struct batches *server_batches(struct server *s);

/* Per-request state a module leaves with the server's request: freed when
 * the request ends (completed_ok: the whole response was sent).
 */
struct server_req_state {
	void *ptr;
	void (*free)(void *ptr, bool completed_ok);
	/* Answered while its body was still arriving (conn_answer_early()):
	 * the rest of the body goes to conn_linger().
	 */
	bool answered;
	uint64_t linger_ns, dropped; /* conn_linger()'s */
};

/* Responses.  All add the common safety headers (nosniff, no-store, ...).
 * server_reply_json() takes the reference to json.  Errors are
 * {"error": "..."}.
 */
enum MHD_Result server_reply(struct MHD_Connection *c, unsigned status,
			     const char *type, const void *data, size_t len);
enum MHD_Result server_reply_json(struct MHD_Connection *c, unsigned status,
				  json_t *json);
enum MHD_Result server_reply_error(struct MHD_Connection *c, unsigned status,
				   const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void server_add_common_headers(struct MHD_Response *r);

/* The body of an error answer: {"error": msg} and a newline, msg made
 * valid UTF-8.  Newly allocated.
 */
char *server_error_json(const char *msg);

/* r->error with its internal path prefix replaced by a display name (the
 * uploaded file's name); newly allocated, NULL when r has no error.
 */
char *server_display_error(const struct imgopt_result *r, const char *name);

/* asprintf that aborts on out-of-memory. */
char *server_asprintf(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* Fill buf with n random bytes as 2n hex digits (plus NUL). */
void server_random_hex(char *buf, size_t n);

#endif
