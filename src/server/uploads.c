/* uploads.c: POST /api/jobs, the page's uploads (uploads.h).
 *
 * The multipart body is parsed by libmicrohttpd's post processor and each
 * file is streamed into a new job's folder as it arrives (jobs.h); the
 * tasks are queued once the whole upload is in and the settings are
 * known to be good, so a refused upload leaves nothing behind.
 */
#include "uploads.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "conn.h"
#include "jobs.h"

#define UPLOAD_PP_BUFFER (64u << 10)
#define UPLOAD_MAX_SETTINGS (64u << 10)

struct uploads {
	struct server *srv;
	struct jobs *jobs;
};

/* One POST /api/jobs in progress. */
struct upload {
	struct uploads *u;
	struct MHD_PostProcessor *pp;
	struct job *job;	/* until job_start() */
	char *started;		/* then the id of the job */
	int fd;			/* the file being received, or -1 */
	char *settings;
	size_t settings_len;
	uint64_t bytes;
	unsigned status;	/* first error, 0 = none */
	char err[400];
};

struct uploads *
uploads_new(struct server *srv, struct jobs *jobs)
{
	struct uploads *u = calloc(1, sizeof(*u));

	if (!u)
		abort();
	u->srv = srv;
	u->jobs = jobs;
	return u;
}

void
uploads_free(struct uploads *u)
{
	free(u);
}

/* Remember the first error of an upload, the one it is answered with. */
static void
upload_fail(struct upload *up, unsigned status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
upload_fail(struct upload *up, unsigned status, const char *fmt, ...)
{
	va_list ap;

	if (up->status)
		return;
	up->status = status;
	va_start(ap, fmt);
	vsnprintf(up->err, sizeof(up->err), fmt, ap);
	va_end(ap);
}

/* Close the uploaded file being written, if any. */
static void
upload_close_file(struct upload *up)
{
	if (up->fd >= 0)
		close(up->fd);
	up->fd = -1;
}

/* The upload is refused: remove everything stored for it now. */
static void
upload_drop(struct upload *up)
{
	if (up->pp)
		MHD_destroy_post_processor(up->pp);
	up->pp = NULL;
	upload_close_file(up);
	job_discard(up->job);
	up->job = NULL;
}

/* The POST ended: drop the job unless it was started.  A started job
 * whose 202 did not go out in full is known to nobody, so its work is
 * dropped too; once it did, the page may come back for it at any time.
 */
static void
upload_free(void *ptr, bool completed_ok)
{
	struct upload *up = ptr;

	upload_drop(up);
	if (up->started && !completed_ok)
		jobs_abandon(up->u->jobs, up->started);
	free(up->started);
	free(up->settings);
	free(up);
}

/* Start the next uploaded file. */
static int
upload_new_file(struct upload *up, const char *raw)
{
	const struct server_config *cfg = server_get_config(up->u->srv);

	upload_close_file(up);
	if (job_file_count(up->job) >= cfg->max_files) {
		upload_fail(up, MHD_HTTP_CONTENT_TOO_LARGE,
			    "too many files: the limit is %u per upload",
			    cfg->max_files);
		return -1;
	}
	up->fd = job_add_file(up->job, raw);
	if (up->fd < 0) {
		upload_fail(up, errno == ENOSPC ?
			    MHD_HTTP_INSUFFICIENT_STORAGE :
			    MHD_HTTP_INTERNAL_SERVER_ERROR,
			    "cannot save the upload: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* The post processor's callback: one piece of one form field. */
static enum MHD_Result
upload_iter(void *cls, enum MHD_ValueKind kind, const char *key,
	    const char *filename, const char *content_type,
	    const char *transfer_encoding, const char *data, uint64_t off,
	    size_t size)
{
	struct upload *up = cls;

	(void)kind;
	(void)content_type;
	(void)transfer_encoding;
	if (up->status)
		return MHD_NO;
	if (!strcmp(key, "settings") && !filename) {
		if (up->settings_len + size > UPLOAD_MAX_SETTINGS) {
			upload_fail(up, MHD_HTTP_CONTENT_TOO_LARGE,
				    "settings too large: the limit is %u "
				    "bytes", UPLOAD_MAX_SETTINGS);
			return MHD_NO;
		}
		up->settings = realloc(up->settings,
				       up->settings_len + size + 1);
		if (!up->settings)
			abort();
		memcpy(up->settings + up->settings_len, data, size);
		up->settings_len += size;
		up->settings[up->settings_len] = '\0';
		return MHD_YES;
	}
	if (strcmp(key, "files") && strcmp(key, "file")) {
		upload_fail(up, MHD_HTTP_BAD_REQUEST,
			    "unexpected form field '%.60s' (send 'settings' "
			    "and 'files')", key);
		return MHD_NO;
	}
	/* A part may start with an empty call at offset 0 before its data
	 * (also at offset 0): only a new name or bytes already written mean
	 * a new part.
	 */
	if (off == 0 && (up->fd < 0 || !job_last_file_is(up->job, filename)))
		if (upload_new_file(up, filename))
			return MHD_NO;
	while (size > 0) {
		ssize_t w = write(up->fd, data, size);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			upload_fail(up, errno == ENOSPC ?
				    MHD_HTTP_INSUFFICIENT_STORAGE :
				    MHD_HTTP_INTERNAL_SERVER_ERROR,
				    "cannot save the upload: %s",
				    strerror(errno));
			return MHD_NO;
		}
		data += w;
		size -= (size_t)w;
		job_file_grew(up->job, (uint64_t)w);
	}
	return MHD_YES;
}

/* The upload is in: check the settings, queue the tasks, answer 202. */
static enum MHD_Result
upload_finish(struct upload *up, struct MHD_Connection *c)
{
	struct imgopt_settings settings;
	char why[512];
	json_error_t jerr;
	json_t *answer;

	imgopt_settings_init(&settings);
	if (up->settings_len) {
		json_t *js = json_loadb(up->settings, up->settings_len,
					JSON_REJECT_DUPLICATES, &jerr);

		if (!js)
			return server_reply_error(
				c, MHD_HTTP_BAD_REQUEST,
				"malformed settings JSON: %s (line %d, "
				"column %d)", jerr.text, jerr.line,
				jerr.column);
		if (!json_is_object(js) ||
		    imgopt_settings_apply_json(&settings, js, why,
					       sizeof(why)) ||
		    imgopt_settings_validate(&settings, why, sizeof(why))) {
			if (!json_is_object(js))
				snprintf(why, sizeof(why),
					 "settings must be a JSON object");
			json_decref(js);
			return server_reply_error(c, MHD_HTTP_BAD_REQUEST,
						  "bad settings: %s", why);
		}
		json_decref(js);
	}
	if (job_file_count(up->job) == 0)
		return server_reply_error(c, MHD_HTTP_BAD_REQUEST,
					  "no files in the upload (send them "
					  "as 'files' parts)");
	/* Hand the job over: from here it lives in the list of jobs. */
	answer = job_start(up->job, &settings);
	up->started = server_asprintf("%s", job_id(up->job));
	up->job = NULL;
	return server_reply_json(c, MHD_HTTP_ACCEPTED, answer);
}

/* The headers of POST /api/jobs: limits, type, job folder. */
static enum MHD_Result
upload_begin(struct uploads *u, struct MHD_Connection *c,
	     struct server_req_state *st)
{
	const struct server_config *cfg = server_get_config(u->srv);
	const char *len = MHD_lookup_connection_value(
		c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	const char *type = MHD_lookup_connection_value(
		c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	struct upload *up;
	char why[512];

	if (len && strtoull(len, NULL, 10) > cfg->max_upload_bytes)
		return server_reply_error(
			c, MHD_HTTP_CONTENT_TOO_LARGE,
			"upload too large: %s bytes, the limit is %llu bytes "
			"(%llu MB)", len,
			(unsigned long long)cfg->max_upload_bytes,
			(unsigned long long)(cfg->max_upload_bytes /
					     SERVER_MB));
	if (!type || strncasecmp(type, "multipart/form-data", 19))
		return server_reply_error(c, MHD_HTTP_BAD_REQUEST,
					  "uploads must be "
					  "multipart/form-data");
	up = calloc(1, sizeof(*up));
	if (!up)
		abort();
	up->u = u;
	up->fd = -1;
	st->ptr = up;
	st->free = upload_free;
	up->pp = MHD_create_post_processor(c, UPLOAD_PP_BUFFER, upload_iter,
					   up);
	if (!up->pp)
		return server_reply_error(c, MHD_HTTP_BAD_REQUEST,
					  "malformed multipart/form-data "
					  "header (no boundary?)");
	up->job = job_new(u->jobs, why, sizeof(why));
	if (!up->job)
		return server_reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
					  "%s", why);
	return MHD_YES;
}

enum MHD_Result
uploads_post(struct uploads *u, struct MHD_Connection *c, const char *data,
	     size_t *size, struct server_req_state *st)
{
	struct upload *up = st->ptr;
	const struct server_config *cfg = server_get_config(u->srv);

	if (!up)
		return upload_begin(u, c, st);
	if (*size) {
		up->bytes += *size;
		if (up->bytes > cfg->max_upload_bytes)
			upload_fail(up, MHD_HTTP_CONTENT_TOO_LARGE,
				    "upload too large: the limit is %llu "
				    "bytes (%llu MB)",
				    (unsigned long long)cfg->max_upload_bytes,
				    (unsigned long long)(cfg->max_upload_bytes /
							 SERVER_MB));
		else if (MHD_post_process(up->pp, data, *size) != MHD_YES)
			upload_fail(up, MHD_HTTP_BAD_REQUEST,
				    "malformed multipart/form-data body");
		*size = 0;
		if (!up->status)
			return MHD_YES;
		/* Whatever the rest says, the upload is refused: say so
		 * now (a chunked body may never end), and keep nothing.
		 */
		upload_drop(up);
		return conn_answer_early(c, st, up->status, "%s", up->err);
	}
	/* Destroying the processor hands over what it still buffers. */
	if (MHD_destroy_post_processor(up->pp) != MHD_YES)
		upload_fail(up, MHD_HTTP_BAD_REQUEST,
			    "malformed multipart/form-data body");
	up->pp = NULL;
	upload_close_file(up);
	if (up->status)
		return server_reply_error(c, up->status, "%s", up->err);
	return upload_finish(up, c);
}
