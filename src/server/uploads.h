/* uploads.h: the page's jobs: uploaded images optimized into a job folder,
 * offered one by one and as a zip, removed after the zip download or a
 * time limit.
 *
 *   POST   /api/jobs                 multipart/form-data: "settings" (the
 *                                    settings JSON, optional) and "files"
 *                                    parts -> 202 {job}
 *   GET    /api/jobs/ID              {job}: files, results, totals
 *   GET    /api/jobs/ID/events       the job's progress events (replayed)
 *   GET    /api/jobs/ID/files/N      one optimized file (N from 1)
 *   GET    /api/jobs/ID/zip          every optimized file; the job is
 *                                    removed once the zip was sent
 *   DELETE /api/jobs/ID              remove a finished job now
 *
 * Uploaded names never become paths: file N is stored as in/000N.<ext>
 * (ext only from a short list of image extensions) and optimized into
 * out/; the name the browser sent is kept, sanitized, for display and as
 * the download name.  Job ids are 128 random bits.
 */
#ifndef IMGOPT_UPLOADS_H
#define IMGOPT_UPLOADS_H

#include <stddef.h>

#include <microhttpd.h>

#include "server.h"

struct sse;
struct uploads;

/* Create the private root folder (mode 0700) under $TMPDIR. */
struct uploads *uploads_new(struct server *srv, struct sse *hub, char *err,
			    size_t err_size);

/* Remove every job and the root folder; accepts NULL.  After
 * libmicrohttpd stopped (requests may still name jobs before that).
 */
void uploads_free(struct uploads *u);

/* POST /api/jobs: called for the headers (st->ptr NULL), each piece of
 * body, and the end (*size 0); replies at the end, or at once when the
 * declared size is over the limit.
 */
enum MHD_Result uploads_post(struct uploads *u, struct MHD_Connection *c,
			     const char *data, size_t *size,
			     struct server_req_state *st);

/* GET or DELETE /api/jobs/<rest>. */
enum MHD_Result uploads_request(struct uploads *u, struct MHD_Connection *c,
				const char *method, const char *rest,
				struct server_req_state *st);

#endif
