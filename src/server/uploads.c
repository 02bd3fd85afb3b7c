/* uploads.c: upload jobs for the page.
 *
 * A job is a private folder <root>/<id>/ with in/ (the uploaded bytes,
 * stored as 0001.<ext>, 0002.<ext>, ...) and out/ (the optimizer writes
 * there, into the folder under the input's name).  The names the browser
 * sent are only ever data: cleaned for display, used for download names
 * and zip entries, never joined to a path.  The multipart body is parsed
 * by libmicrohttpd's post processor and streamed to disk as it arrives;
 * the tasks are queued once the whole upload is in and the settings are
 * known to be good, so a refused upload leaves nothing behind.
 *
 * Jobs end after their zip was sent in full, on DELETE, or job_ttl_s after
 * they were created (a running job waits until it is done).
 */
#include "uploads.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <limits.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/loop.h"
#include "batch.h"
#include "download.h"
#include "sse.h"

#define UPLOAD_PP_BUFFER (64u << 10)
#define UPLOAD_MAX_SETTINGS (64u << 10)
#define UPLOAD_MAX_NAME 180
#define UPLOAD_ID_BYTES 16
/* A job still running when its time is up is looked at again later. */
#define UPLOAD_RECHECK_MS 10000

struct ufile {
	char *raw;	  /* name as sent (to tell parts apart) */
	char *name;	  /* cleaned, for display */
	char *download;	  /* display stem + the output's extension */
	char *in_path;
	char *out_path;	  /* the optimized file; NULL unless it succeeded */
	uint64_t size;
	json_t *result;	  /* the result JSON with display names */
	bool done;
};

struct job {
	struct uploads *u;
	struct job *next;
	char id[UPLOAD_ID_BYTES * 2 + 1];
	char *dir;
	struct ufile *files;
	size_t n, cap, done, ok, failed;
	struct sse_stream *stream;
	struct sse_progress progress;
	uint32_t batch;
	uint64_t timer;
	uint64_t created_ns;
	uint64_t original_bytes, optimized_bytes;
	char *zip_path;
};

struct uploads {
	struct server *srv;
	struct sse *hub;
	char *root;
	struct job *jobs;
};

/* One POST /api/jobs in progress. */
struct upload {
	struct uploads *u;
	struct MHD_PostProcessor *pp;
	struct job *job;	/* until handed to u->jobs */
	int fd;
	char *settings;
	size_t settings_len;
	uint64_t bytes;
	unsigned status;	/* first error, 0 = none */
	char err[400];
};

/* ----------------------------------------------------------- helpers */

static int
uploads_rm_one(const char *path, const struct stat *st, int flag,
	       struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

/* rm -rf without following symlinks (there are none: we made it all). */
static void
uploads_rmtree(const char *dir)
{
	nftw(dir, uploads_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* The name a browser sent, made safe to show and to use as a download or
 * zip entry name: last path component, no control characters or quotes,
 * valid UTF-8, at most UPLOAD_MAX_NAME bytes; never "", "." or "..".
 */
static char *
uploads_clean_name(const char *raw)
{
	const char *base = raw ? raw : "";
	char buf[UPLOAD_MAX_NAME + 1];
	size_t n = 0;
	char *esc;

	for (const char *p = base; *p; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	for (const unsigned char *p = (const unsigned char *)base;
	     *p && n < UPLOAD_MAX_NAME; p++) {
		/* Browsers (and curl) send '"', CR and LF in a file name as
		 * %22, %0D and %0A; all three are dropped here.
		 */
		if (*p == '%' && (!strncasecmp((const char *)p, "%22", 3) ||
				  !strncasecmp((const char *)p, "%0d", 3) ||
				  !strncasecmp((const char *)p, "%0a", 3))) {
			p += 2;
			continue;
		}
		if (*p >= 0x20 && *p != 0x7f && *p != '"')
			buf[n++] = (char)*p;
	}
	/* Cut on a character boundary. */
	if (n == UPLOAD_MAX_NAME)
		while (n > 0 && ((unsigned char)buf[n] & 0xc0) == 0x80)
			n--;
	buf[n] = '\0';
	while (n > 0 && buf[n - 1] == ' ')
		buf[--n] = '\0';
	if (!n || !strcmp(buf, ".") || !strcmp(buf, ".."))
		return server_asprintf("image");
	esc = imgopt_utf8_escape(buf);
	/* \xHH escapes must not read as path separators anywhere. */
	for (char *p = esc; *p; p++)
		if (*p == '\\')
			*p = '_';
	return esc;
}

/* The stored extension: from a short list, whatever the name says. */
static const char *
uploads_ext(const char *name)
{
	static const char *const ok[][2] = {
		{"jpg", "jpg"}, {"jpeg", "jpg"}, {"jpe", "jpg"},
		{"jfif", "jpg"}, {"png", "png"}, {"webp", "webp"},
		{"avif", "avif"},
	};
	const char *dot = name ? strrchr(name, '.') : NULL;

	if (dot)
		for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
			if (!strcasecmp(dot + 1, ok[i][0]))
				return ok[i][1];
	return "img";
}

/* "photo.PNG" shown, "out/0001.webp" written -> "photo.webp". */
static char *
uploads_download_name(const char *name, const char *out_path)
{
	const char *odot = strrchr(out_path, '.');
	const char *ndot = strrchr(name, '.');
	int stem = ndot && ndot != name ? (int)(ndot - name) :
					  (int)strlen(name);

	return server_asprintf("%.*s%s", stem, name, odot ? odot : "");
}

/* ---------------------------------------------------------------- jobs */

static void
job_free(struct job *j)
{
	if (!j)
		return;
	if (j->timer)
		loop_timer_cancel(server_loop(j->u->srv), j->timer);
	if (j->batch)
		batch_close(server_batches(j->u->srv), j->batch);
	sse_stream_free(j->stream);
	if (j->dir)
		uploads_rmtree(j->dir);
	for (size_t i = 0; i < j->n; i++) {
		struct ufile *f = &j->files[i];

		free(f->raw);
		free(f->name);
		free(f->download);
		free(f->in_path);
		free(f->out_path);
		json_decref(f->result);
	}
	free(j->files);
	free(j->dir);
	free(j->zip_path);
	free(j);
}

/* Take a job off the list and free it. */
static void
job_remove(struct job *j)
{
	for (struct job **pp = &j->u->jobs; *pp; pp = &(*pp)->next) {
		if (*pp == j) {
			*pp = j->next;
			break;
		}
	}
	job_free(j);
}

/* The job with this id (len bytes), or NULL. */
static struct job *
job_find(struct uploads *u, const char *id, size_t len)
{
	if (len != UPLOAD_ID_BYTES * 2)
		return NULL;
	for (struct job *j = u->jobs; j; j = j->next)
		if (!strncmp(j->id, id, len))
			return j;
	return NULL;
}

/* The job's time is up: remove it, unless it is still running. */
static void
job_expire(struct loop *loop, void *ctx)
{
	struct job *j = ctx;

	j->timer = 0;
	if (j->done < j->n)
		j->timer = loop_timer(loop, UPLOAD_RECHECK_MS, job_expire, j);
	else
		job_remove(j);
}

/* The job as GET /api/jobs/ID returns it. */
static json_t *
job_json(struct job *j)
{
	const struct server_config *cfg = server_get_config(j->u->srv);
	uint64_t now = clock_now_ns();
	uint64_t age_s = (now - j->created_ns) / 1000000000u;
	int64_t saved = (int64_t)j->original_bytes -
			(int64_t)j->optimized_bytes;
	bool complete = j->done == j->n;
	json_t *files = json_array(), *out;

	for (size_t i = 0; i < j->n; i++) {
		struct ufile *f = &j->files[i];
		char *url = f->out_path ?
			server_asprintf("/api/jobs/%s/files/%zu", j->id,
					i + 1) : NULL;

		json_array_append_new(files, json_pack(
			"{s:I, s:s, s:I, s:s, s:s?, s:s?, s:O?}",
			"index", (json_int_t)(i + 1), "name", f->name,
			"size", (json_int_t)f->size,
			"status", !f->done ? "queued" :
				  f->out_path ? "done" : "failed",
			"downloadName", f->download, "url", url,
			"result", f->result));
		free(url);
	}
	out = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f,"
			" s:I, s:f}",
			"id", j->id, "status", complete ? "complete" :
							  "processing",
			"totalTasks", (json_int_t)j->n,
			"completedTasks", (json_int_t)j->done,
			"succeeded", (json_int_t)j->ok,
			"failed", (json_int_t)j->failed,
			"originalBytes", (json_int_t)j->original_bytes,
			"optimizedBytes", (json_int_t)j->optimized_bytes,
			"savedBytes", (json_int_t)saved,
			"compressionRatio", j->original_bytes ?
				round((double)saved * 10000.0 /
				      (double)j->original_bytes) / 100.0 : 0.0,
			"expiresInSeconds",
			(json_int_t)(age_s < cfg->job_ttl_s ?
				     cfg->job_ttl_s - age_s : 0),
			"totalDuration", complete ? j->progress.duration_s :
						    0.0);
	json_object_set_new(out, "events",
			    json_sprintf("/api/jobs/%s/events", j->id));
	json_object_set_new(out, "zip", j->ok ?
			    json_sprintf("/api/jobs/%s/zip", j->id) :
			    json_null());
	json_object_set_new(out, "files", files);
	return out;
}

/* batch ops: the uploaded file's cleaned name. */
static const char *
job_task_name(void *ctx, uint32_t index)
{
	struct job *j = ctx;

	return index < j->n ? j->files[index].name : "";
}

/* batch ops: a worker took one of the job's files. */
static void
job_task_start(void *ctx, uint32_t index)
{
	struct job *j = ctx;

	if (index < j->n)
		sse_stream_send(j->stream, SSE_START_EVENT,
				json_pack("{s:s, s:I}", "fileName",
					  j->files[index].name, "index",
					  (json_int_t)(index + 1)));
}

/* batch ops: one of the job's files is done. */
static void
job_task_result(void *ctx, uint32_t index, const struct imgopt_result *r)
{
	struct job *j = ctx;
	struct ufile *f;
	char *error;

	if (index >= j->n || j->files[index].done)
		return;
	f = &j->files[index];
	f->done = true;
	j->done++;
	error = server_display_error(r, f->name);
	if (r->status == IMGOPT_STATUS_OK && r->optimized_path) {
		f->out_path = server_asprintf("%s", r->optimized_path);
		f->download = uploads_download_name(f->name, f->out_path);
		j->ok++;
		j->original_bytes += r->original_size;
		j->optimized_bytes += r->optimized_size;
	} else {
		j->failed++;
	}
	/* The one result shape, with names the user knows instead of the
	 * job folder's paths.
	 */
	f->result = imgopt_result_to_json(r);
	json_object_set_new(f->result, "original_path", json_string(f->name));
	json_object_set_new(f->result, "optimized_path", f->download ?
			    json_string(f->download) : json_null());
	json_object_set_new(f->result, "error",
			    error ? json_string(error) : json_null());
	sse_stream_send(j->stream, SSE_PROGRESS_EVENT,
			sse_progress_event(&j->progress, f->name, r, error));
	free(error);
	if (j->done == j->n) {
		sse_stream_finish(j->stream);
		batch_close(server_batches(j->u->srv), j->batch);
		j->batch = 0;
	}
}

static const struct batch_ops job_ops = {
	.name = job_task_name,
	.start = job_task_start,
	.result = job_task_result,
};

/* ------------------------------------------------------------- uploads */

struct uploads *
uploads_new(struct server *srv, struct sse *hub, char *err, size_t err_size)
{
	const char *tmp = getenv("TMPDIR");
	struct uploads *u = calloc(1, sizeof(*u));

	if (!u)
		abort();
	u->srv = srv;
	u->hub = hub;
	u->root = server_asprintf("%s/imgopt-serve-XXXXXX",
				  tmp && *tmp ? tmp : "/tmp");
	/* mkdtemp: a fresh folder only we can enter (0700). */
	if (!mkdtemp(u->root)) {
		snprintf(err, err_size, "cannot create the upload folder %s: "
			 "%s", u->root, strerror(errno));
		free(u->root);
		free(u);
		return NULL;
	}
	return u;
}

void
uploads_free(struct uploads *u)
{
	if (!u)
		return;
	while (u->jobs)
		job_remove(u->jobs);
	uploads_rmtree(u->root);
	free(u->root);
	free(u);
}

/* Remember the first error of an upload; it is answered at the end. */
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

/* The POST ended: drop whatever was not handed to u->jobs. */
static void
upload_free(void *ptr, bool completed_ok)
{
	struct upload *up = ptr;

	(void)completed_ok;
	if (up->pp)
		MHD_destroy_post_processor(up->pp);
	upload_close_file(up);
	job_free(up->job);
	free(up->settings);
	free(up);
}

/* Start the next uploaded file: in/000N.<ext>, created, never opened. */
static int
upload_new_file(struct upload *up, const char *raw)
{
	struct job *j = up->job;
	const struct server_config *cfg = server_get_config(up->u->srv);
	struct ufile *f;

	upload_close_file(up);
	if (j->n >= cfg->max_files) {
		upload_fail(up, MHD_HTTP_CONTENT_TOO_LARGE,
			    "too many files: the limit is %u per upload",
			    cfg->max_files);
		return -1;
	}
	if (j->n == j->cap) {
		j->cap = j->cap ? 2 * j->cap : 16;
		j->files = realloc(j->files, j->cap * sizeof(*j->files));
		if (!j->files)
			abort();
	}
	f = &j->files[j->n++];
	memset(f, 0, sizeof(*f));
	f->raw = server_asprintf("%s", raw ? raw : "");
	f->name = uploads_clean_name(raw);
	f->in_path = server_asprintf("%s/in/%04zu.%s", j->dir, j->n,
				     uploads_ext(f->name));
	up->fd = open(f->in_path,
		      O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
		      0600);
	if (up->fd < 0) {
		upload_fail(up, MHD_HTTP_INTERNAL_SERVER_ERROR,
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
	struct job *j = up->job;
	struct ufile *cur = j->n ? &j->files[j->n - 1] : NULL;

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
	if (off == 0 && (!cur || cur->size > 0 || up->fd < 0 ||
			 strcmp(cur->raw, filename ? filename : "")))
		if (upload_new_file(up, filename))
			return MHD_NO;
	cur = &j->files[j->n - 1];
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
		cur->size += (uint64_t)w;
	}
	return MHD_YES;
}

/* The upload is in: check the settings, queue the tasks, answer 202. */
static enum MHD_Result
upload_finish(struct upload *up, struct MHD_Connection *c)
{
	struct uploads *u = up->u;
	struct job *j = up->job;
	struct imgopt_settings settings;
	char why[512], *out_dir;
	json_error_t jerr;

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
	if (j->n == 0)
		return server_reply_error(c, MHD_HTTP_BAD_REQUEST,
					  "no files in the upload (send them "
					  "as 'files' parts)");
	/* Hand the job over: from here it lives in u->jobs. */
	up->job = NULL;
	j->next = u->jobs;
	u->jobs = j;
	j->created_ns = clock_now_ns();
	j->stream = sse_stream_new(u->hub, true);
	j->timer = loop_timer(server_loop(u->srv),
			      (uint64_t)server_get_config(u->srv)->job_ttl_s *
				      1000,
			      job_expire, j);
	j->batch = batch_open(server_batches(u->srv), &job_ops, j);
	sse_progress_add(&j->progress, j->n);
	out_dir = server_asprintf("%s/out/", j->dir);
	for (size_t i = 0; i < j->n; i++) {
		if (batch_add_task(server_batches(u->srv), j->batch,
				   (uint32_t)i, j->files[i].in_path, out_dir,
				   &settings, why, sizeof(why))) {
			struct imgopt_result r = {0};

			r.status = IMGOPT_STATUS_FAILED;
			r.original_path = j->files[i].in_path;
			r.original_size = j->files[i].size;
			r.error = why;
			job_task_result(j, (uint32_t)i, &r);
		}
	}
	free(out_dir);
	return server_reply_json(c, MHD_HTTP_ACCEPTED, job_json(j));
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
	struct job *j;
	char in[PATH_MAX], out[PATH_MAX];

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
	j = calloc(1, sizeof(*j));
	if (!up || !j)
		abort();
	up->u = u;
	up->fd = -1;
	up->job = j;
	j->u = u;
	server_random_hex(j->id, UPLOAD_ID_BYTES);
	j->dir = server_asprintf("%s/%s", u->root, j->id);
	st->ptr = up;
	st->free = upload_free;
	up->pp = MHD_create_post_processor(c, UPLOAD_PP_BUFFER, upload_iter,
					   up);
	if (!up->pp)
		return server_reply_error(c, MHD_HTTP_BAD_REQUEST,
					  "malformed multipart/form-data "
					  "header (no boundary?)");
	snprintf(in, sizeof(in), "%s/in", j->dir);
	snprintf(out, sizeof(out), "%s/out", j->dir);
	if (mkdir(j->dir, 0700) || mkdir(in, 0700) || mkdir(out, 0700))
		return server_reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
					  "cannot create the job folder: %s",
					  strerror(errno));
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
		/* After an error the rest is read and dropped: a response
		 * cannot be queued in the middle of a body.
		 */
		if (!up->status &&
		    MHD_post_process(up->pp, data, *size) != MHD_YES)
			upload_fail(up, MHD_HTTP_BAD_REQUEST,
				    "malformed multipart/form-data body");
		*size = 0;
		return MHD_YES;
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

/* Build <job>/results.zip once. */
static int
job_build_zip(struct job *j, char *err, size_t err_size)
{
	struct download_entry *e;
	char *path;
	size_t n = 0;
	int rc;

	if (j->zip_path)
		return 0;
	e = calloc(j->n, sizeof(*e));
	if (!e)
		abort();
	for (size_t i = 0; i < j->n; i++)
		if (j->files[i].out_path)
			e[n++] = (struct download_entry){j->files[i].out_path,
							 j->files[i].download};
	path = server_asprintf("%s/results.zip", j->dir);
	rc = download_zip(path, e, n, err, err_size);
	free(e);
	if (rc)
		free(path);
	else
		j->zip_path = path;
	return rc;
}

struct zip_send {
	struct uploads *u;
	char id[UPLOAD_ID_BYTES * 2 + 1];
};

/* The zip went out in full: the job has served its purpose. */
static void
zip_sent(void *ptr, bool completed_ok)
{
	struct zip_send *zs = ptr;
	struct job *j = job_find(zs->u, zs->id, strlen(zs->id));

	if (completed_ok && j)
		job_remove(j);
	free(zs);
}

/* GET /api/jobs/ID/zip: build once, send, remove the job after. */
static enum MHD_Result
job_send_zip(struct job *j, struct MHD_Connection *c, bool head,
	     struct server_req_state *st)
{
	struct zip_send *zs;
	char err[512], *name;
	enum MHD_Result ret;

	if (j->done < j->n)
		return server_reply_error(c, MHD_HTTP_CONFLICT,
					  "the job is still running");
	if (!j->ok)
		return server_reply_error(c, MHD_HTTP_CONFLICT,
					  "no optimized files to download");
	if (job_build_zip(j, err, sizeof(err)))
		return server_reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
					  "%s", err);
	name = server_asprintf("optimized-%.8s.zip", j->id);
	ret = download_send_file(c, j->zip_path, "application/zip", name);
	free(name);
	if (!head) {
		zs = calloc(1, sizeof(*zs));
		if (!zs)
			abort();
		zs->u = j->u;
		memcpy(zs->id, j->id, sizeof(zs->id));
		st->ptr = zs;
		st->free = zip_sent;
	}
	return ret;
}

enum MHD_Result
uploads_request(struct uploads *u, struct MHD_Connection *c,
		const char *method, const char *rest,
		struct server_req_state *st)
{
	const char *slash = strchr(rest, '/');
	size_t idlen = slash ? (size_t)(slash - rest) : strlen(rest);
	const char *sub = slash ? slash + 1 : "";
	struct job *j = job_find(u, rest, idlen);
	char *end;
	unsigned long n;

	if (!j)
		return server_reply_error(
			c, MHD_HTTP_NOT_FOUND,
			"no such job (jobs are removed after their zip was "
			"downloaded, or %u s after the upload)",
			server_get_config(u->srv)->job_ttl_s);
	if (!strcmp(method, "DELETE")) {
		if (*sub)
			return server_reply_error(c, MHD_HTTP_NOT_FOUND,
						  "not found");
		if (j->done < j->n)
			return server_reply_error(c, MHD_HTTP_CONFLICT,
						  "the job is still running");
		job_remove(j);
		return server_reply_json(c, MHD_HTTP_OK,
					 json_pack("{s:b}", "removed", 1));
	}
	if (!*sub)
		return server_reply_json(c, MHD_HTTP_OK, job_json(j));
	if (!strcmp(sub, "events"))
		return sse_stream_attach(j->stream, c);
	if (!strcmp(sub, "zip"))
		return job_send_zip(j, c, !strcmp(method, "HEAD"), st);
	if (!strncmp(sub, "files/", 6) && sub[6] >= '1' && sub[6] <= '9') {
		n = strtoul(sub + 6, &end, 10);
		if (!*end && n >= 1 && n <= j->n) {
			struct ufile *f = &j->files[n - 1];

			if (!f->out_path)
				return server_reply_error(
					c, MHD_HTTP_NOT_FOUND,
					"%s has no optimized file%s",
					f->name, f->done ? "" : " yet");
			return download_send_file(c, f->out_path,
						 download_type(f->out_path),
						 f->download);
		}
	}
	return server_reply_error(c, MHD_HTTP_NOT_FOUND, "not found");
}
