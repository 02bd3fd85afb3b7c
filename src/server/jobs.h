/* jobs.h: the page's upload jobs: uploaded images optimized into a job
 * folder, offered one by one and as a zip, removed after the zip download
 * or a time limit.  uploads.h receives the files; from then on:
 *
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
#ifndef IMGOPT_JOBS_H
#define IMGOPT_JOBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <microhttpd.h>

#include "server.h"

struct job;
struct jobs;
struct sse;

/* Create the private root folder (mode 0700) under $TMPDIR. */
struct jobs *jobs_new(struct server *srv, struct sse *hub, char *err,
		      size_t err_size);

/* Remove every job and the root folder; accepts NULL.  After
 * libmicrohttpd stopped (requests may still name jobs before that).
 */
void jobs_free(struct jobs *js);

/* A job whose files are about to be uploaded: its folder with in/ and
 * out/, unknown to requests until job_start().  NULL with a message in
 * err.
 */
struct job *job_new(struct jobs *js, char *err, size_t err_size);

/* Remove a job that was never started, with everything stored for it.
 * Accepts NULL.
 */
void job_discard(struct job *j);

/* Files stored so far. */
size_t job_file_count(const struct job *j);

/* Store one more uploaded file, named raw by the browser: returns a
 * descriptor to write its bytes to (the caller closes it), or -1 with
 * errno set.
 */
int job_add_file(struct job *j, const char *raw);

/* n more bytes were written to the last file. */
void job_file_grew(struct job *j, uint64_t n);

/* Whether the last file is still empty and named raw: a part that goes
 * on rather than a new one.
 */
bool job_last_file_is(const struct job *j, const char *raw);

/* Every file is in: queue them all with settings, and hand the job to
 * the list requests look in.  Returns the job's JSON for the answer.
 */
json_t *job_start(struct job *j, const struct imgopt_settings *settings);

/* The job's id, as its URLs use it. */
const char *job_id(const struct job *j);

/* The answer naming a started job never reached its client, so nobody
 * can ask for the job: drop its images not started yet, and remove it
 * (folder and all) once the ones in flight are done.
 */
void jobs_abandon(struct jobs *js, const char *id);

/* GET or DELETE /api/jobs/<rest>. */
enum MHD_Result jobs_request(struct jobs *js, struct MHD_Connection *c,
			     const char *method, const char *rest,
			     struct server_req_state *st);

#endif
