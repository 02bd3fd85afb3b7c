/* jobs.c: upload jobs for the page (jobs.h).
 *
 * A job is a private folder <root>/<id>/ with in/ (the uploaded bytes,
 * stored as 0001.<ext>, 0002.<ext>, ...) and out/ (the optimizer writes
 * there, into the folder under the input's name).  The names the browser
 * sent are only ever data: cleaned for display, used for download names
 * and zip entries, never joined to a path.
 *
 * Jobs end after their zip was sent in full, on DELETE, or job_ttl_s after
 * they were created (a running job waits until it is done).
 */
#include "jobs.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <math.h>
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

#define JOB_MAX_NAME 180
#define JOB_ID_BYTES 16
/* A job still running when its time is up is looked at again later. */
#define JOB_RECHECK_MS 10000

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
	struct jobs *js;
	struct job *next;
	char id[JOB_ID_BYTES * 2 + 1];
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
	bool abandoned;	  /* deleted, or nobody knows its id: removed once
			   * its images in flight are done */
};

struct jobs {
	struct server *srv;
	struct sse *hub;
	char *root;
	struct job *list;
};

/* ----------------------------------------------------------- helpers */

static int
jobs_rm_one(const char *path, const struct stat *st, int flag,
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
jobs_rmtree(const char *dir)
{
	nftw(dir, jobs_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* The name a browser sent, made safe to show and to use as a download or
 * zip entry name: last path component, no control characters or quotes,
 * valid UTF-8, at most JOB_MAX_NAME bytes; never "", "." or "..".
 */
static char *
job_clean_name(const char *raw)
{
	const char *base = raw ? raw : "";
	char buf[JOB_MAX_NAME + 1];
	size_t n = 0;
	char *esc;

	for (const char *p = base; *p; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	for (const unsigned char *p = (const unsigned char *)base;
	     *p && n < JOB_MAX_NAME; p++) {
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
	if (n == JOB_MAX_NAME)
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
job_ext(const char *name)
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
job_download_name(const char *name, const char *out_path)
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
		loop_timer_cancel(server_loop(j->js->srv), j->timer);
	if (j->batch)
		batch_close(server_batches(j->js->srv), j->batch);
	sse_stream_free(j->stream);
	if (j->dir)
		jobs_rmtree(j->dir);
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
	for (struct job **pp = &j->js->list; *pp; pp = &(*pp)->next) {
		if (*pp == j) {
			*pp = j->next;
			break;
		}
	}
	job_free(j);
}

/* The job with this id (len bytes), or NULL.  An abandoned job is only
 * waiting for its last images before it goes.
 */
static struct job *
job_find(struct jobs *js, const char *id, size_t len)
{
	if (len != JOB_ID_BYTES * 2)
		return NULL;
	for (struct job *j = js->list; j; j = j->next)
		if (!j->abandoned && !strncmp(j->id, id, len))
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
		j->timer = loop_timer(loop, JOB_RECHECK_MS, job_expire, j);
	else
		job_remove(j);
}

/* The job as GET /api/jobs/ID returns it. */
static json_t *
job_json(struct job *j)
{
	const struct server_config *cfg = server_get_config(j->js->srv);
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
		f->download = job_download_name(f->name, f->out_path);
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
		batch_close(server_batches(j->js->srv), j->batch);
		j->batch = 0;
		if (j->abandoned)
			job_remove(j);
	}
}

static const struct batch_ops job_ops = {
	.name = job_task_name,
	.start = job_task_start,
	.result = job_task_result,
};

struct jobs *
jobs_new(struct server *srv, struct sse *hub, char *err, size_t err_size)
{
	const char *tmp = getenv("TMPDIR");
	struct jobs *js = calloc(1, sizeof(*js));

	if (!js)
		abort();
	js->srv = srv;
	js->hub = hub;
	js->root = server_asprintf("%s/imgopt-serve-XXXXXX",
				   tmp && *tmp ? tmp : "/tmp");
	/* mkdtemp: a fresh folder only we can enter (0700). */
	if (!mkdtemp(js->root)) {
		snprintf(err, err_size, "cannot create the upload folder %s: "
			 "%s", js->root, strerror(errno));
		free(js->root);
		free(js);
		return NULL;
	}
	return js;
}

void
jobs_free(struct jobs *js)
{
	if (!js)
		return;
	while (js->list)
		job_remove(js->list);
	jobs_rmtree(js->root);
	free(js->root);
	free(js);
}

/* ------------------------------------------------------- building one */

struct job *
job_new(struct jobs *js, char *err, size_t err_size)
{
	struct job *j = calloc(1, sizeof(*j));
	char in[PATH_MAX], out[PATH_MAX];

	if (!j)
		abort();
	j->js = js;
	server_random_hex(j->id, JOB_ID_BYTES);
	j->dir = server_asprintf("%s/%s", js->root, j->id);
	snprintf(in, sizeof(in), "%s/in", j->dir);
	snprintf(out, sizeof(out), "%s/out", j->dir);
	if (mkdir(j->dir, 0700) || mkdir(in, 0700) || mkdir(out, 0700)) {
		snprintf(err, err_size, "cannot create the job folder: %s",
			 strerror(errno));
		job_free(j);
		return NULL;
	}
	return j;
}

void
job_discard(struct job *j)
{
	job_free(j);
}

size_t
job_file_count(const struct job *j)
{
	return j->n;
}

/* in/000N.<ext>, created here, never opened by name again. */
int
job_add_file(struct job *j, const char *raw)
{
	struct ufile *f;

	if (j->n == j->cap) {
		j->cap = j->cap ? 2 * j->cap : 16;
		j->files = realloc(j->files, j->cap * sizeof(*j->files));
		if (!j->files)
			abort();
	}
	f = &j->files[j->n++];
	memset(f, 0, sizeof(*f));
	f->raw = server_asprintf("%s", raw ? raw : "");
	f->name = job_clean_name(raw);
	f->in_path = server_asprintf("%s/in/%04zu.%s", j->dir, j->n,
				     job_ext(f->name));
	return open(f->in_path,
		    O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
}

void
job_file_grew(struct job *j, uint64_t n)
{
	if (j->n)
		j->files[j->n - 1].size += n;
}

bool
job_last_file_is(const struct job *j, const char *raw)
{
	const struct ufile *f = j->n ? &j->files[j->n - 1] : NULL;

	return f && f->size == 0 && !strcmp(f->raw, raw ? raw : "");
}

const char *
job_id(const struct job *j)
{
	return j->id;
}

json_t *
job_start(struct job *j, const struct imgopt_settings *settings)
{
	struct jobs *js = j->js;
	struct batches *b = server_batches(js->srv);
	char why[512], *out_dir;

	j->next = js->list;
	js->list = j;
	j->created_ns = clock_now_ns();
	j->stream = sse_stream_new(js->hub, true);
	j->timer = loop_timer(server_loop(js->srv),
			      (uint64_t)server_get_config(js->srv)->job_ttl_s *
				      1000,
			      job_expire, j);
	j->batch = batch_open(b, &job_ops, j);
	sse_progress_add(&j->progress, j->n);
	out_dir = server_asprintf("%s/out/", j->dir);
	for (size_t i = 0; i < j->n; i++) {
		if (batch_add_task(b, j->batch, (uint32_t)i,
				   j->files[i].in_path, out_dir, settings, why,
				   sizeof(why))) {
			struct imgopt_result r = {0};

			r.status = IMGOPT_STATUS_FAILED;
			r.original_path = j->files[i].in_path;
			r.original_size = j->files[i].size;
			r.error = why;
			job_task_result(j, (uint32_t)i, &r);
		}
	}
	free(out_dir);
	return job_json(j);
}

void
jobs_abandon(struct jobs *js, const char *id)
{
	struct job *j = job_find(js, id, strlen(id));

	if (!j)
		return;
	if (j->done == j->n) {
		job_remove(j);
		return;
	}
	/* The cancelled results come back through job_task_result(), and
	 * the last result of the job, now or when the images in flight are
	 * done, removes it: j must not be used after this call.
	 */
	j->abandoned = true;
	batch_cancel(server_batches(js->srv), j->batch,
		     "cancelled (the upload's answer never reached the "
		     "client)");
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
	struct jobs *js;
	char id[JOB_ID_BYTES * 2 + 1];
};

/* The zip went out in full: the job has served its purpose. */
static void
zip_sent(void *ptr, bool completed_ok)
{
	struct zip_send *zs = ptr;
	struct job *j = job_find(zs->js, zs->id, strlen(zs->id));

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
		zs->js = j->js;
		memcpy(zs->id, j->id, sizeof(zs->id));
		st->ptr = zs;
		st->free = zip_sent;
	}
	return ret;
}

enum MHD_Result
jobs_request(struct jobs *js, struct MHD_Connection *c,
		const char *method, const char *rest,
		struct server_req_state *st)
{
	const char *slash = strchr(rest, '/');
	size_t idlen = slash ? (size_t)(slash - rest) : strlen(rest);
	const char *sub = slash ? slash + 1 : "";
	struct job *j = job_find(js, rest, idlen);
	char *end;
	unsigned long n;

	if (!j)
		return server_reply_error(
			c, MHD_HTTP_NOT_FOUND,
			"no such job (jobs are removed after their zip was "
			"downloaded, or %u s after the upload)",
			server_get_config(js->srv)->job_ttl_s);
	if (!strcmp(method, "DELETE")) {
		if (*sub)
			return server_reply_error(c, MHD_HTTP_NOT_FOUND,
						  "not found");
		if (j->done < j->n) {
			/* A running job goes too: the images no worker has
			 * taken are cancelled (their events say so), and the
			 * job is gone for every request from now on; its
			 * folder goes when the images in flight are done.
			 */
			size_t n;

			j->abandoned = true;
			n = batch_cancel(server_batches(js->srv), j->batch,
					 "cancelled (the job was deleted)");
			/* j may be freed by now. */
			return server_reply_json(
				c, MHD_HTTP_OK,
				json_pack("{s:b, s:I}", "removed", 1,
					  "cancelled", (json_int_t)n));
		}
		job_remove(j);
		return server_reply_json(c, MHD_HTTP_OK,
					 json_pack("{s:b, s:I}", "removed", 1,
						   "cancelled", (json_int_t)0));
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
