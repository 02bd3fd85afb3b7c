/* api.c: POST /api/optimize_image and /api/optimize_images.
 *
 * The same optimizer calls as the CLI: each task becomes one
 * imgopt_optimizer_add_task() with its own settings, and each result is
 * encoded by imgopt_result_to_json(), so the HTTP API and `imgopt --json`
 * can never disagree on the shape.  The whole request is checked before
 * anything is queued, so a bad task in a list leaves nothing half done.
 *
 * The answer is the only place the results go, so a client that hangs up
 * while it waits takes its work with it: the tasks no worker has taken
 * yet are cancelled (the ones in flight finish).  The connection is
 * suspended while it waits, so the hang-up is seen on its socket
 * (conn.h).
 */
#include "api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "batch.h"
#include "conn.h"

struct api_task {
	char *input;
	char *output; /* NULL: optimized/ beside the input */
	struct imgopt_settings settings;
};

struct api_call {
	struct api *api;
	struct api_call *next; /* api->waiting */
	struct MHD_Connection *conn;
	struct conn_watch *watch; /* for a hang-up while waiting */
	uint32_t batch;
	bool many, waiting, aborted;
	bool gone;		/* the client hung up: nothing to answer */
	size_t n, pending;
	struct api_task *tasks;
	json_t **results;
};

struct api {
	struct server *srv;
	struct api_call *waiting;
};

struct api *
api_new(struct server *srv)
{
	struct api *a = calloc(1, sizeof(*a));

	if (!a)
		abort();
	a->srv = srv;
	return a;
}

/* Take a call off the list of calls waiting for results. */
static void
api_unlink(struct api_call *call)
{
	struct api_call **pp = &call->api->waiting;

	while (*pp && *pp != call)
		pp = &(*pp)->next;
	if (*pp)
		*pp = call->next;
	call->next = NULL;
}

/* Stop waiting: unhook from the optimizer's results, resume the
 * connection so api_finish() answers.
 */
static void
api_wake(struct api_call *call)
{
	if (call->batch)
		batch_close(server_batches(call->api->srv), call->batch);
	call->batch = 0;
	api_unlink(call);
	/* Before libmicrohttpd may close the socket. */
	conn_watch_stop(call->watch);
	call->watch = NULL;
	if (call->waiting) {
		call->waiting = false;
		MHD_resume_connection(call->conn);
		server_kick(call->api->srv);
	}
}

/* The client is gone: nobody will see these results, so drop the tasks
 * not started yet and close the connection.
 */
static void
api_client_gone(void *ctx)
{
	struct api_call *call = ctx;
	struct batches *b = server_batches(call->api->srv);
	uint32_t batch = call->batch;

	call->gone = true;
	call->batch = 0;
	batch_close(b, batch);
	api_wake(call);
	batch_cancel(b, batch, "cancelled (the client hung up)");
}

void
api_shutdown(struct api *a)
{
	if (!a)
		return;
	while (a->waiting) {
		a->waiting->aborted = true;
		api_wake(a->waiting);
	}
}

void
api_free(struct api *a)
{
	if (!a)
		return;
	api_shutdown(a);
	free(a);
}

/* The request ended: free the call (its results are in or dropped). */
static void
api_call_free(void *ptr, bool completed_ok)
{
	struct api_call *call = ptr;

	(void)completed_ok;
	if (!call)
		return;
	api_wake(call);
	for (size_t i = 0; i < call->n; i++) {
		free(call->tasks[i].input);
		free(call->tasks[i].output);
		json_decref(call->results[i]);
	}
	free(call->tasks);
	free(call->results);
	free(call);
}

/* ------------------------------------------------------------- parsing */

/* Check one task object into *t.  prefix names it in messages ("" or
 * "tasks[3]: ").
 */
static int
api_parse_task(json_t *obj, const char *prefix, struct api_task *t,
	       char *err, size_t err_size)
{
	json_t *settings = NULL, *v;
	const char *key;
	char why[512];

	memset(t, 0, sizeof(*t));
	imgopt_settings_init(&t->settings);
	if (!json_is_object(obj)) {
		snprintf(err, err_size, "%stask must be a JSON object",
			 prefix);
		return -1;
	}
	json_object_foreach(obj, key, v) {
		if (!strcmp(key, "input_path")) {
			if (!json_is_string(v) || !*json_string_value(v)) {
				snprintf(err, err_size,
					 "%sinput_path must be a non-empty "
					 "string", prefix);
				return -1;
			}
		} else if (!strcmp(key, "output_path")) {
			if (!json_is_string(v) && !json_is_null(v)) {
				snprintf(err, err_size,
					 "%soutput_path must be a string",
					 prefix);
				return -1;
			}
		} else if (!strcmp(key, "settings")) {
			if (!json_is_object(v) && !json_is_null(v)) {
				snprintf(err, err_size,
					 "%ssettings must be a JSON object",
					 prefix);
				return -1;
			}
			settings = json_is_object(v) ? v : NULL;
		} else {
			snprintf(err, err_size, "%sunknown key '%s'", prefix,
				 key);
			return -1;
		}
	}
	v = json_object_get(obj, "input_path");
	if (!v) {
		snprintf(err, err_size, "%sinput_path is missing", prefix);
		return -1;
	}
	if (settings &&
	    (imgopt_settings_apply_json(&t->settings, settings, why,
					sizeof(why)) ||
	     imgopt_settings_validate(&t->settings, why, sizeof(why)))) {
		snprintf(err, err_size, "%sbad settings: %s", prefix, why);
		return -1;
	}
	t->input = strdup(json_string_value(v));
	v = json_object_get(obj, "output_path");
	if (json_is_string(v) && *json_string_value(v))
		t->output = strdup(json_string_value(v));
	return 0;
}

/* The tasks of a request body; returns the count or -1 (status in
 * *status, message in err).
 */
static long
api_parse(json_t *root, bool many, struct api_task **out, unsigned *status,
	  char *err, size_t err_size)
{
	json_t *tasks, *v;
	const char *key;
	struct api_task *t;
	size_t n;

	*status = MHD_HTTP_BAD_REQUEST;
	if (!many) {
		t = calloc(1, sizeof(*t));
		if (!t)
			abort();
		*out = t;
		return api_parse_task(root, "", t, err, err_size) ? -1 : 1;
	}
	if (!json_is_object(root)) {
		snprintf(err, err_size, "body must be a JSON object "
			 "{\"tasks\": [...]}");
		return -1;
	}
	json_object_foreach(root, key, v) {
		if (strcmp(key, "tasks")) {
			snprintf(err, err_size, "unknown key '%s'", key);
			return -1;
		}
	}
	tasks = json_object_get(root, "tasks");
	if (!json_is_array(tasks)) {
		snprintf(err, err_size, tasks ? "tasks must be an array" :
						"tasks is missing");
		return -1;
	}
	n = json_array_size(tasks);
	if (n > SERVER_MAX_TASKS) {
		*status = MHD_HTTP_CONTENT_TOO_LARGE;
		snprintf(err, err_size, "too many tasks: %zu, the limit is %d",
			 n, SERVER_MAX_TASKS);
		return -1;
	}
	t = calloc(n ? n : 1, sizeof(*t));
	if (!t)
		abort();
	*out = t;
	for (size_t i = 0; i < n; i++) {
		char prefix[40];

		snprintf(prefix, sizeof(prefix), "tasks[%zu]: ", i);
		if (api_parse_task(json_array_get(tasks, i), prefix, &t[i],
				   err, err_size)) {
			for (size_t j = 0; j < i; j++) {
				free(t[j].input);
				free(t[j].output);
			}
			return -1;
		}
	}
	return (long)n;
}

/* ------------------------------------------------------------- results */

static const char *
api_name(void *ctx, uint32_t index)
{
	struct api_call *call = ctx;
	const char *in = call->tasks[index].input;
	const char *slash = strrchr(in, '/');

	return slash && slash[1] ? slash + 1 : in;
}

/* One result in; the last one resumes the request. */
static void
api_result(void *ctx, uint32_t index, const struct imgopt_result *r)
{
	struct api_call *call = ctx;

	if (index >= call->n || call->results[index])
		return;
	call->results[index] = imgopt_result_to_json(r);
	if (--call->pending == 0)
		api_wake(call);
}

static const struct batch_ops api_ops = {
	.name = api_name,
	.result = api_result,
};

enum MHD_Result
api_start(struct api *a, struct MHD_Connection *c, bool many,
	  const char *body, size_t len, struct server_req_state *st)
{
	struct api_call *call;
	struct api_task *tasks = NULL;
	json_error_t jerr;
	json_t *root;
	unsigned status;
	char err[1024];
	long n;

	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return server_reply_error(c, MHD_HTTP_BAD_REQUEST,
					  "malformed JSON: %s (line %d, "
					  "column %d)",
					  jerr.text, jerr.line, jerr.column);
	n = api_parse(root, many, &tasks, &status, err, sizeof(err));
	json_decref(root);
	if (n < 0) {
		free(tasks);
		return server_reply_error(c, status, "%s", err);
	}
	call = calloc(1, sizeof(*call));
	if (!call)
		abort();
	call->api = a;
	call->conn = c;
	call->many = many;
	call->n = (size_t)n;
	call->tasks = tasks;
	call->results = calloc(call->n ? call->n : 1, sizeof(json_t *));
	if (!call->results)
		abort();
	st->ptr = call;
	st->free = api_call_free;
	call->batch = batch_open(server_batches(a->srv), &api_ops, call);
	for (size_t i = 0; i < call->n; i++) {
		struct api_task *t = &tasks[i];

		if (batch_add_task(server_batches(a->srv), call->batch,
				   (uint32_t)i, t->input, t->output,
				   &t->settings, err, sizeof(err))) {
			/* Checked above, so unexpected: still one result
			 * per task, in the one shape.
			 */
			struct imgopt_result r = {0};

			r.status = IMGOPT_STATUS_FAILED;
			r.original_path = t->input;
			r.error = err;
			call->results[i] = imgopt_result_to_json(&r);
		} else {
			call->pending++;
		}
	}
	if (call->pending == 0) {
		api_wake(call);
		return api_finish(c, st);
	}
	call->next = a->waiting;
	a->waiting = call;
	call->waiting = true;
	MHD_suspend_connection(c);
	call->watch = conn_watch_start(server_loop(a->srv), c,
				       api_client_gone, call);
	return MHD_YES;
}

enum MHD_Result
api_finish(struct MHD_Connection *c, struct server_req_state *st)
{
	struct api_call *call = st->ptr;
	json_t *out;

	if (call->gone)
		return MHD_NO; /* close: there is nobody to answer */
	if (call->aborted)
		return server_reply_error(c, MHD_HTTP_SERVICE_UNAVAILABLE,
					  "the server is shutting down");
	if (!call->many) {
		out = json_incref(call->results[0]);
	} else {
		out = json_array();
		for (size_t i = 0; i < call->n; i++)
			json_array_append(out, call->results[i]);
	}
	return server_reply_json(c, MHD_HTTP_OK, out);
}
