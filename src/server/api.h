/* api.h: the path-based JSON commands, the existing app's shapes:
 *
 *   POST /api/optimize_image   {"input_path","output_path","settings"}
 *        -> one result (include/imgopt/result.h's JSON)
 *   POST /api/optimize_images  {"tasks": [{...}, ...]}
 *        -> [result, ...] in the order of the tasks
 *
 * output_path is optional (default: optimized/ beside the input); ending
 * in '/' it names a folder.  Every task is checked before any is queued:
 * a malformed body or bad settings get 400 with the reason, naming the
 * task and the setting.  The request waits (its connection suspended)
 * until every result is in; a failed image is a result with
 * "success": false, not an HTTP error.  When the client hangs up before
 * that, its tasks no worker has taken yet are cancelled.
 */
#ifndef IMGOPT_API_H
#define IMGOPT_API_H

#include <stdbool.h>
#include <stddef.h>

#include <microhttpd.h>

#include "server.h"

struct api;

struct api *api_new(struct server *srv);

/* Answer every request still waiting with 503 (server shutdown). */
void api_shutdown(struct api *a);

/* Accepts NULL; after libmicrohttpd stopped. */
void api_free(struct api *a);

/* The whole body is in: check, queue, and suspend the connection
 * (st->ptr is then the waiting call), or reply at once.
 */
enum MHD_Result api_start(struct api *a, struct MHD_Connection *c, bool many,
			  const char *body, size_t len,
			  struct server_req_state *st);

/* The connection was resumed: reply with the results. */
enum MHD_Result api_finish(struct MHD_Connection *c,
			   struct server_req_state *st);

#endif
