/* sse.h: Server-Sent Events streams (text/event-stream) and the progress
 * events the page and scripts follow.
 *
 * A stream is a set of clients that get the same events: the global
 * /api/events stream, or one upload job's.  A job stream keeps its events
 * so a client that connects late (the page opens it after its upload
 * returned) gets them all, in order; it ends after the last one.
 *
 * Each client is a libmicrohttpd response whose content reader copies out
 * what is queued, and suspends the connection when nothing is; sending an
 * event resumes it.  A comment line every 15 s keeps proxies from timing
 * out and finds clients that went away (a suspended connection cannot
 * notice a disconnect).
 */
#ifndef IMGOPT_SSE_H
#define IMGOPT_SSE_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>
#include <microhttpd.h>

#include "imgopt/result.h"

struct server;
struct sse;
struct sse_stream;

#define SSE_PROGRESS_EVENT "image_optimization_progress"
#define SSE_START_EVENT "image_optimization_start"

/* The hub owns every stream's keep-alive; freed after MHD stopped. */
struct sse *sse_new(struct server *srv);
void sse_free(struct sse *h);

/* End every client's stream (server shutdown): they get what is queued,
 * then the end of the stream.
 */
void sse_shutdown(struct sse *h);

/* replay: keep the events for clients that connect later. */
struct sse_stream *sse_stream_new(struct sse *h, bool replay);

/* Accepts NULL.  Clients still connected get the end of the stream. */
void sse_stream_free(struct sse_stream *s);

/* Queue an event for every client (and the replay log); takes the
 * reference to data.
 */
void sse_stream_send(struct sse_stream *s, const char *event, json_t *data);

/* No more events: clients end after what is queued; later ones get the
 * replay and the end.
 */
void sse_stream_finish(struct sse_stream *s);

/* Answer a GET with the stream. */
enum MHD_Result sse_stream_attach(struct sse_stream *s,
				  struct MHD_Connection *c);

/* Counts for image_optimization_progress events.  A batch is complete
 * when done == total; the next sse_progress_add() then starts a new one
 * (the global stream counts "busy periods").
 */
struct sse_progress {
	uint64_t done, total;
	uint64_t started_ns;
	double duration_s;	/* of the last complete batch, ms rounded */
};

void sse_progress_add(struct sse_progress *p, uint64_t n);

/* Count r as done and build its event:
 *   {"completedTasks","totalTasks","progressPercentage",
 *    "status": "processing" | "error" (this image failed) | "complete"
 *              (the batch's last image),
 *    "metadata": {"fileName","originalSize","optimizedSize","savedBytes",
 *                 "compressionRatio","formattedMessage","error"
 *                 [, "totalDuration" (seconds) on the last]}}
 * error: the text to show for a failed image (NULL: r->error).
 */
json_t *sse_progress_event(struct sse_progress *p, const char *file_name,
			   const struct imgopt_result *r, const char *error);

/* "1.2 MB" style sizes, shared with the page's wording. */
void sse_format_bytes(char *buf, size_t n, uint64_t bytes);

#endif
