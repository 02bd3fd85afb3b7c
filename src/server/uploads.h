/* uploads.h: POST /api/jobs, the page's uploads:
 *
 *   POST   /api/jobs                 multipart/form-data: "settings" (the
 *                                    settings JSON, optional) and "files"
 *                                    parts -> 202 {job}
 *
 * Each file is stored in a new job (jobs.h) as it arrives; the job starts
 * once the whole upload is in and its settings are good.  A refused or
 * abandoned upload leaves nothing behind.
 */
#ifndef IMGOPT_UPLOADS_H
#define IMGOPT_UPLOADS_H

#include <stddef.h>

#include <microhttpd.h>

#include "server.h"

struct jobs;
struct uploads;

/* Uploads become jobs in jobs. */
struct uploads *uploads_new(struct server *srv, struct jobs *jobs);

/* Accepts NULL. */
void uploads_free(struct uploads *u);

/* POST /api/jobs: called for the headers (st->ptr NULL), each piece of
 * body, and the end (*size 0); replies at the end, at the headers when
 * the declared size is over the limit, or as soon as the body turns out
 * to be refused (over the limit, too many files, malformed):
 * conn_answer_early().
 */
enum MHD_Result uploads_post(struct uploads *u, struct MHD_Connection *c,
			     const char *data, size_t *size,
			     struct server_req_state *st);

#endif
