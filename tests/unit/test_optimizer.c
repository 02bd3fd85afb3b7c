/* test_optimizer.c: the library API (include/imgopt/optimizer.h) on real
 * files with real workers: options and tasks checked before any work, the
 * dry run, outputs written through temp files and renamed into place,
 * largest file first, every input exactly one result, interrupting a run,
 * persistent (serve) mode, the benchmark object, and
 * imgopt_optimizer_cancel_tagged(): the queued tasks of the matching tag
 * each get exactly one CANCELLED result, the task a worker already has
 * finishes, the others run.
 *
 * Workers: the pool spawns opts.worker_exe, here the built imgopt that
 * meson passes in $IMGOPT, never this test binary.  Without $IMGOPT the
 * tests that need workers are skipped rather than fall back to
 * /proc/self/exe; and main() refuses to act as a worker, so that even an
 * optimizer that ignored worker_exe could only make workers that exit at
 * once (as "cannot start", PROTO_EXIT_FATAL), never more test runs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "base/fsutil.h"
#include "imgopt/optimizer.h"
#include "pool/proto.h"
#include "testutil.h"

#define MAX_REC 4200
#define TAG_A (1ull << 32)
#define TAG_B (2ull << 32)
#define TAG_C (3ull << 32)
#define KIND_MASK 0xffffffff00000000ull

static const char *worker_exe;

/* ---- recording what the optimizer reports ----------------------------- */

/* One input: how many results and starts it got, and the last result. */
struct rec {
	char *path;
	uint64_t tag;
	int results, starts;
	int start_order; /* 1 = first started */
	enum imgopt_status status;
	char *error;
	char *optimized;
	uint64_t optimized_size;
};

struct run;
typedef void hook_fn(struct run *run, struct rec *rec);

struct run {
	struct imgopt_optimizer *o;
	struct rec *rec;
	int nrec;
	int results, starts;
	int unknown;	     /* results or starts for no known task */
	int bad_done;	     /* progress.done not 1, 2, 3, ... */
	bool total_final;    /* the last progress said so */
	hook_fn *on_start;   /* test hooks, after recording */
	hook_fn *on_result;
	size_t dropped;	     /* what a hook's cancel_tagged() returned */
	int hook_calls;
	int stop_after_ok;   /* persistent: cancel after this many OKs */
	int oks;
};

static void
run_init(struct run *run)
{
	memset(run, 0, sizeof(*run));
	run->rec = calloc(MAX_REC, sizeof(*run->rec));
	assert_non_null(run->rec);
}

static void
run_free(struct run *run)
{
	for (int i = 0; i < run->nrec; i++) {
		free(run->rec[i].path);
		free(run->rec[i].error);
		free(run->rec[i].optimized);
	}
	free(run->rec);
	imgopt_optimizer_free(run->o);
}

/* A task the test expects a result for. */
static struct rec *
expect(struct run *run, const char *path, uint64_t tag)
{
	struct rec *r;

	assert_true(run->nrec < MAX_REC);
	r = &run->rec[run->nrec++];
	r->path = strdup(path);
	r->tag = tag;
	return r;
}

/* Tasks with a tag are found by it (the low half is index + 1), the
 * others by path; inputs found by a folder walk are added as they come.
 */
static struct rec *
find(struct run *run, const char *path, uint64_t tag, bool add)
{
	if (tag) {
		uint64_t i = (tag & ~KIND_MASK) - 1;

		if (i < (uint64_t)run->nrec && run->rec[i].tag == tag &&
		    !strcmp(run->rec[i].path, path))
			return &run->rec[i];
		return NULL;
	}
	for (int i = 0; i < run->nrec; i++)
		if (!run->rec[i].tag && !strcmp(run->rec[i].path, path))
			return &run->rec[i];
	return add ? expect(run, path, 0) : NULL;
}

static void
on_result(void *ctx, const struct imgopt_result *res,
	  const struct imgopt_progress *p)
{
	struct run *run = ctx;
	struct rec *r = find(run, res->original_path, res->tag, true);

	run->results++;
	if (p->done != (uint64_t)run->results)
		run->bad_done++;
	run->total_final = p->total_final;
	if (!r) {
		run->unknown++;
		return;
	}
	r->results++;
	r->status = res->status;
	free(r->error);
	free(r->optimized);
	r->error = res->error ? strdup(res->error) : NULL;
	r->optimized = res->optimized_path ? strdup(res->optimized_path) :
					     NULL;
	r->optimized_size = res->optimized_size;
	if (res->status == IMGOPT_STATUS_OK)
		run->oks++;
	if (run->on_result)
		run->on_result(run, r);
	if (run->stop_after_ok && run->oks == run->stop_after_ok)
		imgopt_optimizer_cancel(run->o);
}

static void
on_start(void *ctx, const char *path, uint64_t tag)
{
	struct run *run = ctx;
	struct rec *r = find(run, path, tag, true);

	run->starts++;
	if (!r) {
		run->unknown++;
		return;
	}
	r->starts++;
	r->start_order = run->starts;
	if (run->on_start)
		run->on_start(run, r);
}

/* Options for a real run: one worker (a fixed dispatch order), the built
 * imgopt as the worker.
 */
static void
options(struct imgopt_options *opts)
{
	imgopt_options_init(opts);
	opts->worker_exe = worker_exe;
	opts->jobs = 1;
	opts->timeout_s = 60;
}

static void
start(struct run *run, const struct imgopt_options *opts)
{
	struct imgopt_callbacks cb = {
		.ctx = run, .on_result = on_result, .on_start = on_start,
	};
	char err[512] = "";

	run->o = imgopt_optimizer_new(opts, &cb, err, sizeof(err));
	if (!run->o)
		fail_msg("imgopt_optimizer_new: %s", err);
}

static void
add(struct run *run, const char *input, const char *output, uint64_t tag)
{
	char err[512] = "";

	if (imgopt_optimizer_add_task(run->o, input, output, NULL, tag, err,
				      sizeof(err)))
		fail_msg("add_task %s: %s", input, err);
}

/* Every expected task got exactly one result, nothing else came. */
static void
assert_one_result_each(const struct run *run)
{
	assert_int_equal(run->unknown, 0);
	assert_int_equal(run->bad_done, 0);
	for (int i = 0; i < run->nrec; i++)
		if (run->rec[i].results != 1)
			fail_msg("%s (tag %llx): %d results",
				 run->rec[i].path,
				 (unsigned long long)run->rec[i].tag,
				 run->rec[i].results);
}

static void
need_workers(void)
{
	if (!worker_exe)
		skip();
}

/* ---- files ------------------------------------------------------------------ */

/* A fresh folder for one test, under the scratch folder (g_free). */
static char *
folder(const char *name)
{
	char *dir = testutil_path(name);

	assert_int_equal(mkdir(dir, 0755), 0);
	return dir;
}

/* Noise does not compress, so a bigger image is a bigger file. */
static char *
png(const char *dir, const char *name, int size)
{
	char *path = g_build_filename(dir, name, NULL);
	VipsImage *img = testutil_noise(size, size, 3);

	assert_int_equal(vips_image_write_to_file(img, path, NULL), 0);
	g_object_unref(img);
	return path;
}

static uint64_t
file_size(const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return UINT64_MAX;
	return (uint64_t)st.st_size;
}

/* Entries in dir that are temp files (".imgopt-tmp-..."). */
static int
temp_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, FSUTIL_TMP_PREFIX,
			     strlen(FSUTIL_TMP_PREFIX)))
			n++;
	closedir(d);
	return n;
}

static void
assert_error(const struct rec *r, const char *want)
{
	if (!r->error || strcmp(r->error, want))
		fail_msg("error '%s', want '%s'", r->error ? r->error : "(null)",
			 want);
}

/* ---- options and tasks, checked before any work -------------------------- */

static void
test_options_init(void **state)
{
	struct imgopt_options o;

	(void)state;
	memset(&o, 0x55, sizeof(o));
	imgopt_options_init(&o);
	assert_int_equal(o.settings.quality_global, IMGOPT_DEFAULT_QUALITY);
	assert_int_equal(o.settings.output_format, IMGOPT_FORMAT_ORIGINAL);
	assert_int_equal(o.output_mode, IMGOPT_OUTPUT_BESIDE);
	assert_null(o.output_dir);
	assert_false(o.allow_larger);
	assert_false(o.dry_run);
	assert_true(o.max_pixels == IMGOPT_DEFAULT_MAX_PIXELS);
	assert_true(o.max_file_size == IMGOPT_DEFAULT_MAX_FILE_SIZE);
	assert_int_equal(o.memory_mb, IMGOPT_DEFAULT_MEMORY_MB);
	assert_int_equal(o.timeout_s, IMGOPT_DEFAULT_TIMEOUT_S);
	assert_int_equal(o.jobs, 0);
	assert_int_equal(o.inflight, 0);
	assert_false(o.benchmark);
	assert_false(o.persistent);
	assert_null(o.worker_exe);
}

static void
assert_refused(const struct imgopt_options *opts, const char *want)
{
	char err[512] = "";
	struct imgopt_optimizer *o = imgopt_optimizer_new(opts, NULL, err,
							  sizeof(err));

	if (o) {
		imgopt_optimizer_free(o);
		fail_msg("accepted, want '%s'", want);
	}
	if (!strstr(err, want))
		fail_msg("error '%s', want '%s'", err, want);
}

/* Bad options are refused by new(), naming the problem. */
static void
test_new_refuses(void **state)
{
	struct imgopt_options opts;
	char *dir = folder("refuses"), *file;

	(void)state;
	options(&opts);
	opts.settings.quality_global = 101;
	assert_refused(&opts, "quality.global must be 1-100, got 101");
	options(&opts);
	opts.output_mode = IMGOPT_OUTPUT_DIR;
	assert_refused(&opts, "output folder missing");
	opts.output_dir = "";
	assert_refused(&opts, "output folder missing");
	file = png(dir, "a.png", 8);
	opts.output_dir = file;
	assert_refused(&opts, "exists and is not a folder");
	options(&opts);
	opts.output_mode = IMGOPT_OUTPUT_IN_PLACE;
	opts.settings.output_format = IMGOPT_FORMAT_WEBP;
	assert_refused(&opts, "--in-place cannot change the format");
	g_free(file);
	g_free(dir);
}

/* A bad task is refused with nothing queued: the run has no result. */
static void
test_add_task_refuses(void **state)
{
	struct imgopt_settings bad;
	struct imgopt_options opts;
	struct run run;
	char err[512];

	(void)state;
	run_init(&run);
	options(&opts);
	opts.dry_run = true;
	start(&run, &opts);
	assert_int_equal(imgopt_optimizer_add_task(run.o, "", NULL, NULL, 1,
						   err, sizeof(err)), -1);
	assert_string_equal(err, "input_path missing");
	assert_int_equal(imgopt_optimizer_add_task(run.o, NULL, NULL, NULL, 1,
						   err, sizeof(err)), -1);
	imgopt_settings_init(&bad);
	bad.resize_mode = IMGOPT_RESIZE_WIDTH;
	bad.resize_size = 0;
	err[0] = '\0';
	assert_int_equal(imgopt_optimizer_add_task(run.o, "x.png", NULL, &bad,
						   1, err, sizeof(err)), -1);
	assert_true(err[0] != '\0');
	assert_int_equal(imgopt_optimizer_run(run.o), 0);
	assert_int_equal(run.results, 0);
	run_free(&run);
}

/* ---- the dry run ------------------------------------------------------------ */

/* Walk and resolve, write nothing, start no worker: the worker given
 * cannot even run, and the run still succeeds.
 */
static void
test_dry_run(void **state)
{
	struct imgopt_options opts;
	struct imgopt_summary s;
	struct run run;
	char *dir = folder("dry"), *a, *b, *txt, *out;
	struct rec *r;
	FILE *f;

	(void)state;
	a = png(dir, "a.png", 16);
	b = png(dir, "b.png", 8);
	txt = g_build_filename(dir, "notes.txt", NULL);
	f = fopen(txt, "w");
	assert_non_null(f);
	fputs("not an image\n", f);
	fclose(f);
	run_init(&run);
	options(&opts);
	opts.dry_run = true;
	opts.worker_exe = "/nonexistent/imgopt";
	start(&run, &opts);
	imgopt_optimizer_add_path(run.o, dir);
	assert_int_equal(imgopt_optimizer_run(run.o), 0);
	assert_one_result_each(&run);
	assert_int_equal(run.nrec, 3);
	assert_int_equal(run.starts, 0);
	out = g_build_filename(dir, "optimized", "a.png", NULL);
	r = find(&run, a, 0, false);
	assert_non_null(r);
	assert_int_equal(r->status, IMGOPT_STATUS_OK);
	assert_string_equal(r->optimized, out);
	g_free(out);
	r = find(&run, txt, 0, false);
	assert_non_null(r);
	assert_int_equal(r->status, IMGOPT_STATUS_SKIPPED);
	out = g_build_filename(dir, "optimized", NULL);
	assert_int_equal(access(out, F_OK), -1);
	g_free(out);
	imgopt_optimizer_get_summary(run.o, &s);
	assert_int_equal(s.succeeded, 2);
	assert_int_equal(s.skipped, 1);
	assert_int_equal(s.failed, 0);
	assert_int_equal(s.total, 2);
	assert_false(s.interrupted);
	/* Benchmark figures only when asked for. */
	assert_null(imgopt_optimizer_benchmark_json(run.o));
	run_free(&run);
	g_free(a);
	g_free(b);
	g_free(txt);
	g_free(dir);
}

/* ---- real runs ---------------------------------------------------------------- */

/* A folder and a missing file: outputs beside the inputs under their
 * names, sizes as reported; the worker's failure (junk named .png) and the
 * missing file failures naming them; no temp file left; largest first;
 * progress counts each result once.
 */
static void
test_run_writes_outputs(void **state)
{
	struct imgopt_options opts;
	struct imgopt_summary s;
	struct run run;
	char *dir = folder("outputs"), *big, *small, *missing, *want;
	char *optdir, *junk;
	struct rec *r;
	FILE *f;

	(void)state;
	need_workers();
	big = png(dir, "big.png", 48);
	small = png(dir, "small.png", 16);
	missing = g_build_filename(dir, "missing.png", NULL);
	junk = g_build_filename(dir, "junk.png", NULL);
	f = fopen(junk, "w");
	assert_non_null(f);
	fputs("not a PNG\n", f);
	fclose(f);
	run_init(&run);
	options(&opts);
	start(&run, &opts);
	imgopt_optimizer_add_path(run.o, dir);
	imgopt_optimizer_add_path(run.o, missing);
	assert_int_equal(imgopt_optimizer_run(run.o), 0);
	assert_string_equal(imgopt_optimizer_error(run.o), "");
	assert_one_result_each(&run);
	assert_int_equal(run.nrec, 4);
	assert_true(run.total_final);

	optdir = g_build_filename(dir, "optimized", NULL);
	r = find(&run, big, 0, false);
	assert_int_equal(r->status, IMGOPT_STATUS_OK);
	want = g_build_filename(optdir, "big.png", NULL);
	assert_string_equal(r->optimized, want);
	assert_true(file_size(want) == r->optimized_size);
	assert_int_equal(r->start_order, 1); /* largest first */
	g_free(want);
	r = find(&run, small, 0, false);
	assert_int_equal(r->status, IMGOPT_STATUS_OK);
	want = g_build_filename(optdir, "small.png", NULL);
	assert_string_equal(r->optimized, want);
	assert_true(file_size(want) == r->optimized_size);
	assert_int_equal(r->start_order, 2);
	g_free(want);
	r = find(&run, junk, 0, false);
	assert_int_equal(r->status, IMGOPT_STATUS_FAILED);
	assert_int_equal(r->start_order, 3);
	assert_null(r->optimized);
	assert_non_null(r->error);
	assert_true(!strncmp(r->error, junk, strlen(junk)));
	want = g_build_filename(optdir, "junk.png", NULL);
	assert_int_equal(access(want, F_OK), -1);
	g_free(want);
	assert_int_equal(temp_files(optdir), 0);

	/* Never reached a worker. */
	r = find(&run, missing, 0, false);
	assert_int_equal(r->status, IMGOPT_STATUS_FAILED);
	assert_int_equal(r->starts, 0);
	assert_non_null(r->error);
	assert_true(!strncmp(r->error, missing, strlen(missing)));

	imgopt_optimizer_get_summary(run.o, &s);
	assert_int_equal(s.total, 4);
	assert_int_equal(s.succeeded, 2);
	assert_int_equal(s.failed, 2);
	assert_int_equal(s.cancelled, 0);
	assert_false(s.interrupted);
	assert_true(s.original_bytes == file_size(big) + file_size(small));
	run_free(&run);
	g_free(optdir);
	g_free(big);
	g_free(small);
	g_free(missing);
	g_free(junk);
	g_free(dir);
}

/* add_task()'s outputs: an exact path is used as it is (its folder
 * made), a path ending in '/' is a folder that gets the input's name with
 * the output format's extension, NULL resolves as for add_path(); the tag
 * comes back.  --order given dispatches in the order added.
 */
static void
test_add_task_outputs(void **state)
{
	struct imgopt_options opts;
	struct run run;
	char *dir = folder("tasks"), *in, *exact, *into, *want;
	struct rec *r;

	(void)state;
	need_workers();
	in = png(dir, "in.png", 16);
	exact = g_build_filename(dir, "deep", "er", "exact.bin", NULL);
	into = g_strdup_printf("%s/webp/", dir);
	run_init(&run);
	options(&opts);
	opts.order_given = true;
	opts.settings.output_format = IMGOPT_FORMAT_WEBP;
	opts.allow_larger = true; /* always a WebP file, never the PNG */
	start(&run, &opts);
	expect(&run, in, TAG_A | 1);
	expect(&run, in, TAG_A | 2);
	expect(&run, in, TAG_A | 3);
	add(&run, in, exact, TAG_A | 1);
	add(&run, in, into, TAG_A | 2);
	add(&run, in, NULL, TAG_A | 3);
	assert_int_equal(imgopt_optimizer_run(run.o), 0);
	assert_one_result_each(&run);

	r = &run.rec[0];
	assert_int_equal(r->status, IMGOPT_STATUS_OK);
	assert_string_equal(r->optimized, exact);
	assert_true(file_size(exact) == r->optimized_size);
	assert_int_equal(r->start_order, 1);
	r = &run.rec[1];
	assert_int_equal(r->status, IMGOPT_STATUS_OK);
	want = g_build_filename(dir, "webp", "in.webp", NULL);
	assert_string_equal(r->optimized, want);
	assert_true(file_size(want) == r->optimized_size);
	assert_int_equal(r->start_order, 2);
	g_free(want);
	r = &run.rec[2];
	assert_int_equal(r->status, IMGOPT_STATUS_OK);
	want = g_build_filename(dir, "optimized", "in.webp", NULL);
	assert_string_equal(r->optimized, want);
	assert_true(file_size(want) == r->optimized_size);
	assert_int_equal(r->start_order, 3);
	g_free(want);
	run_free(&run);
	g_free(in);
	g_free(exact);
	g_free(into);
	g_free(dir);
}

/* Two inputs whose derived outputs have the same name (x.png and x.jpg
 * both to x.webp): the first written stays, the second fails saying so.
 */
static void
test_name_clash(void **state)
{
	struct imgopt_options opts;
	struct run run;
	char *dir = folder("clash"), *p, *j, *want, *msg;
	struct rec *first, *second;

	(void)state;
	need_workers();
	p = png(dir, "x.png", 32);
	j = png(dir, "x.jpg", 16);
	run_init(&run);
	options(&opts);
	opts.settings.output_format = IMGOPT_FORMAT_WEBP;
	opts.allow_larger = true;
	start(&run, &opts);
	imgopt_optimizer_add_path(run.o, dir);
	assert_int_equal(imgopt_optimizer_run(run.o), 0);
	assert_one_result_each(&run);
	assert_int_equal(run.nrec, 2);
	/* The larger, x.png, went first. */
	first = find(&run, p, 0, false);
	second = find(&run, j, 0, false);
	want = g_build_filename(dir, "optimized", "x.webp", NULL);
	assert_int_equal(first->status, IMGOPT_STATUS_OK);
	assert_string_equal(first->optimized, want);
	assert_true(file_size(want) == first->optimized_size);
	assert_int_equal(second->status, IMGOPT_STATUS_FAILED);
	msg = g_strdup_printf("%s: output %s was already written by another "
			      "input in this run", j, want);
	assert_error(second, msg);
	g_free(msg);
	g_free(want);
	run_free(&run);
	g_free(p);
	g_free(j);
	g_free(dir);
}

/* n tasks over images of growing size (bigger index, bigger file), tag
 * kinds[i] | (i + 1), each with its own exact output.
 */
static void
add_tasks(struct run *run, const char *dir, const uint64_t *kinds, int n)
{
	for (int i = 0; i < n; i++) {
		char name[32], *in, *out;

		snprintf(name, sizeof(name), "in%02d.png", i);
		in = g_build_filename(dir, name, NULL);
		if (access(in, F_OK) != 0) {
			g_free(in);
			in = png(dir, name, 8 + 4 * i);
		}
		snprintf(name, sizeof(name), "out%02d.png", i);
		out = g_build_filename(dir, "out", name, NULL);
		expect(run, in, kinds[i] | (uint64_t)(i + 1));
		add(run, in, out, kinds[i] | (uint64_t)(i + 1));
		g_free(in);
		g_free(out);
	}
}

/* The largest file goes first, whatever the order added (a big image
 * handed out last would leave the other cores idle at the tail).
 */
static void
test_largest_first(void **state)
{
	static const int sizes[] = { 24, 12, 40, 8 };
	static const int want_order[] = { 2, 3, 1, 4 };
	struct imgopt_options opts;
	struct run run;
	char *dir = folder("largest");

	(void)state;
	need_workers();
	run_init(&run);
	options(&opts);
	start(&run, &opts);
	for (int i = 0; i < 4; i++) {
		char name[32], *in, *out;

		snprintf(name, sizeof(name), "in%d.png", i);
		in = png(dir, name, sizes[i]);
		out = g_strdup_printf("%s.out.png", in);
		expect(&run, in, TAG_A | (uint64_t)(i + 1));
		add(&run, in, out, TAG_A | (uint64_t)(i + 1));
		g_free(in);
		g_free(out);
	}
	assert_int_equal(imgopt_optimizer_run(run.o), 0);
	assert_one_result_each(&run);
	for (int i = 0; i < 4; i++)
		if (run.rec[i].start_order != want_order[i])
			fail_msg("%s (%d px) started #%d, want #%d",
				 run.rec[i].path, sizes[i],
				 run.rec[i].start_order, want_order[i]);
	run_free(&run);
	g_free(dir);
}

/* Serve mode: run() waits, with nothing queued, for tasks added from a
 * callback, until cancel().  Two workers, so one asks for a task while
 * the queue is empty.
 */
static void
add_one_more(struct run *run, struct rec *r)
{
	char *in, *out;

	if (run->hook_calls++)
		return;
	in = strdup(r->path);
	out = g_strdup_printf("%s.second.png", r->path);
	expect(run, in, TAG_B | ((uint64_t)run->nrec + 1));
	add(run, in, out, TAG_B | (uint64_t)run->nrec);
	free(in);
	g_free(out);
}

static void
test_persistent(void **state)
{
	static const uint64_t kinds[] = { TAG_A };
	struct imgopt_options opts;
	struct imgopt_summary s;
	struct run run;
	char *dir = folder("persistent");

	(void)state;
	need_workers();
	run_init(&run);
	options(&opts);
	opts.persistent = true;
	opts.jobs = 2;
	start(&run, &opts);
	add_tasks(&run, dir, kinds, 1);
	run.on_result = add_one_more;
	run.stop_after_ok = 2;
	assert_int_equal(imgopt_optimizer_run(run.o), 0);
	assert_one_result_each(&run);
	assert_int_equal(run.nrec, 2);
	assert_int_equal(run.rec[0].status, IMGOPT_STATUS_OK);
	assert_int_equal(run.rec[1].status, IMGOPT_STATUS_OK);
	assert_true(file_size(run.rec[1].optimized) ==
		    run.rec[1].optimized_size);
	/* Stopped by cancel(), as a server is. */
	imgopt_optimizer_get_summary(run.o, &s);
	assert_int_equal(s.succeeded, 2);
	assert_int_equal(s.cancelled, 0);
	run_free(&run);
	g_free(dir);
}

/* ---- cancel_tagged() ----------------------------------------------------------- */

/* Before run(): the matching tasks get their CANCELLED result at once,
 * "<input>: <reason>", and are never started or written; the others run.
 */
static void
test_cancel_tagged_before_run(void **state)
{
	static const uint64_t kinds[] = {
		TAG_A, TAG_B, TAG_A, TAG_C, TAG_B, TAG_A,
	};
	struct imgopt_options opts;
	struct imgopt_summary s;
	struct run run;
	char *dir = folder("before"), *want;

	(void)state;
	need_workers();
	run_init(&run);
	options(&opts);
	start(&run, &opts);
	add_tasks(&run, dir, kinds, 6);
	assert_int_equal(imgopt_optimizer_cancel_tagged(run.o, TAG_A | 77,
							KIND_MASK,
							"client went away"),
			 3);
	/* Reported now, not at the end of the run. */
	assert_int_equal(run.results, 3);
	/* Nothing left of that tag. */
	assert_int_equal(imgopt_optimizer_cancel_tagged(run.o, TAG_A,
							KIND_MASK, "again"),
			 0);
	assert_int_equal(imgopt_optimizer_run(run.o), 0);
	assert_one_result_each(&run);
	for (int i = 0; i < 6; i++) {
		struct rec *r = &run.rec[i];

		if (kinds[i] == TAG_A) {
			assert_int_equal(r->status, IMGOPT_STATUS_CANCELLED);
			assert_int_equal(r->starts, 0);
			assert_null(r->optimized);
			want = g_strdup_printf("%s: client went away", r->path);
			assert_error(r, want);
			g_free(want);
		} else {
			assert_int_equal(r->status, IMGOPT_STATUS_OK);
			assert_int_equal(r->starts, 1);
			assert_true(file_size(r->optimized) ==
				    r->optimized_size);
		}
	}
	imgopt_optimizer_get_summary(run.o, &s);
	assert_int_equal(s.cancelled, 3);
	assert_int_equal(s.succeeded, 3);
	assert_int_equal(s.total, 6);
	assert_false(s.interrupted);
	want = g_build_filename(dir, "out", NULL);
	assert_int_equal(temp_files(want), 0);
	g_free(want);
	run_free(&run);
	g_free(dir);
}

/* The mask chooses which bits must match: one exact tag, or every tag;
 * no reason gives "cancelled".
 */
static void
test_cancel_tagged_mask(void **state)
{
	static const uint64_t kinds[] = { TAG_A, TAG_A, TAG_B, TAG_B };
	struct imgopt_options opts;
	struct run run;
	char *dir = folder("mask"), *want;

	(void)state;
	run_init(&run);
	options(&opts);
	start(&run, &opts);
	add_tasks(&run, dir, kinds, 4);
	/* Exactly tag A|2: task 1 only. */
	assert_int_equal(imgopt_optimizer_cancel_tagged(run.o, TAG_A | 2,
							UINT64_MAX, NULL),
			 1);
	assert_int_equal(run.rec[1].results, 1);
	assert_int_equal(run.rec[1].status, IMGOPT_STATUS_CANCELLED);
	want = g_strdup_printf("%s: cancelled", run.rec[1].path);
	assert_error(&run.rec[1], want);
	g_free(want);
	assert_int_equal(run.results, 1);
	/* No such tag. */
	assert_int_equal(imgopt_optimizer_cancel_tagged(run.o, TAG_C,
							KIND_MASK, NULL),
			 0);
	/* Mask 0: every tag matches. */
	assert_int_equal(imgopt_optimizer_cancel_tagged(run.o, 0, 0, "all"),
			 3);
	assert_one_result_each(&run);
	for (int i = 0; i < 4; i++)
		assert_int_equal(run.rec[i].status, IMGOPT_STATUS_CANCELLED);
	run_free(&run);
	g_free(dir);
}

/* From the first on_start: the task just handed to the worker is tag A
 * and finishes as usual; the other A tasks, queued, are cancelled; the B
 * tasks all run.
 */
static void
cancel_a_on_first_start(struct run *run, struct rec *r)
{
	(void)r;
	if (run->hook_calls++)
		return;
	run->dropped = imgopt_optimizer_cancel_tagged(run->o, TAG_A,
						      KIND_MASK, "gone");
}

static void
test_cancel_tagged_while_running(void **state)
{
	/* The largest (last) is A, so it starts first. */
	static const uint64_t kinds[] = {
		TAG_A, TAG_B, TAG_A, TAG_B, TAG_A, TAG_B, TAG_A,
	};
	struct imgopt_options opts;
	struct imgopt_summary s;
	struct run run;
	char *dir = folder("running");

	(void)state;
	need_workers();
	run_init(&run);
	options(&opts);
	start(&run, &opts);
	add_tasks(&run, dir, kinds, 7);
	run.on_start = cancel_a_on_first_start;
	assert_int_equal(imgopt_optimizer_run(run.o), 0);
	assert_one_result_each(&run);
	assert_int_equal(run.rec[6].start_order, 1);
	assert_int_equal(run.dropped, 3);
	assert_int_equal(run.rec[6].status, IMGOPT_STATUS_OK);
	assert_true(file_size(run.rec[6].optimized) ==
		    run.rec[6].optimized_size);
	for (int i = 0; i < 6; i++) {
		struct rec *r = &run.rec[i];

		if (kinds[i] == TAG_A) {
			char *want = g_strdup_printf("%s: gone", r->path);

			assert_int_equal(r->status, IMGOPT_STATUS_CANCELLED);
			assert_int_equal(r->starts, 0);
			assert_error(r, want);
			g_free(want);
		} else {
			assert_int_equal(r->status, IMGOPT_STATUS_OK);
			assert_int_equal(r->starts, 1);
		}
	}
	imgopt_optimizer_get_summary(run.o, &s);
	assert_int_equal(s.cancelled, 3);
	assert_int_equal(s.succeeded, 4);
	assert_int_equal(s.total, 7);
	run_free(&run);
	g_free(dir);
}

/* on_result may cancel more: from the first cancelled A's result, cancel
 * the B tasks.  Each still gets exactly one result; C runs.
 */
static void
cancel_b_from_result(struct run *run, struct rec *r)
{
	if (r->status != IMGOPT_STATUS_CANCELLED || run->hook_calls++)
		return;
	run->dropped = imgopt_optimizer_cancel_tagged(run->o, TAG_B,
						      KIND_MASK, "nested");
}

static void
test_cancel_tagged_reentrant(void **state)
{
	static const uint64_t kinds[] = {
		TAG_A, TAG_B, TAG_C, TAG_A, TAG_B, TAG_C,
	};
	struct imgopt_options opts;
	struct run run;
	char *dir = folder("reentrant");

	(void)state;
	need_workers();
	run_init(&run);
	options(&opts);
	start(&run, &opts);
	add_tasks(&run, dir, kinds, 6);
	run.on_result = cancel_b_from_result;
	assert_int_equal(imgopt_optimizer_cancel_tagged(run.o, TAG_A,
							KIND_MASK, "outer"),
			 2);
	assert_int_equal(run.dropped, 2);
	assert_int_equal(run.results, 4);
	assert_int_equal(imgopt_optimizer_run(run.o), 0);
	assert_one_result_each(&run);
	for (int i = 0; i < 6; i++)
		assert_int_equal(run.rec[i].status, kinds[i] == TAG_C ?
				 IMGOPT_STATUS_OK : IMGOPT_STATUS_CANCELLED);
	run_free(&run);
	g_free(dir);
}

/* Serve mode with more tasks than the window holds (4096), so some wait
 * in add_task()'s queue: cancel_tagged() takes them from both, and a
 * task added right after still runs (the queue's tail is not one of the
 * tasks just freed).
 */
#define MANY 4100

static void
cancel_many_then_add(struct run *run, struct rec *r)
{
	char *in, *out;

	(void)r;
	if (run->hook_calls++)
		return;
	run->dropped = imgopt_optimizer_cancel_tagged(run->o, TAG_A,
						      KIND_MASK, "hung up");
	in = strdup(run->rec[0].path);
	out = g_strdup_printf("%s.late.png", run->rec[0].path);
	expect(run, in, TAG_C | ((uint64_t)run->nrec + 1));
	add(run, in, out, TAG_C | (uint64_t)run->nrec);
	free(in);
	g_free(out);
}

static void
test_cancel_tagged_both_queues(void **state)
{
	struct imgopt_options opts;
	struct run run;
	char *dir = folder("many"), *in;
	int a = 0;

	(void)state;
	need_workers();
	in = png(dir, "in.png", 8);
	run_init(&run);
	options(&opts);
	opts.persistent = true;
	opts.order_given = true;
	start(&run, &opts);
	/* Task 0 (B) goes to the worker first and takes the window's
	 * first 4096 with it; the last four (B A B A) wait in the queue, the
	 * last of them, its tail, an A to be cancelled.
	 */
	for (int i = 0; i < MANY; i++) {
		uint64_t kind = i == 0 || (i >= 4096 && i % 2 == 0) ?
			TAG_B : TAG_A;
		char *out = g_strdup_printf("%s/out%d.png", dir, i);

		expect(&run, in, kind | (uint64_t)(i + 1));
		add(&run, in, out, kind | (uint64_t)(i + 1));
		a += kind == TAG_A;
		g_free(out);
	}
	run.on_start = cancel_many_then_add;
	run.stop_after_ok = 4; /* the three B and the late C */
	assert_int_equal(imgopt_optimizer_run(run.o), 0);
	assert_one_result_each(&run);
	assert_int_equal(run.nrec, MANY + 1);
	assert_int_equal((int)run.dropped, a);
	for (int i = 0; i < run.nrec; i++) {
		struct rec *r = &run.rec[i];
		bool runs = (r->tag & KIND_MASK) != TAG_A;

		if (r->status != (runs ? IMGOPT_STATUS_OK :
				  IMGOPT_STATUS_CANCELLED))
			fail_msg("task %d (tag %llx): status %d", i,
				 (unsigned long long)r->tag, r->status);
	}
	run_free(&run);
	g_free(in);
	g_free(dir);
}

/* ---- interrupting, failing to start, benchmark ---------------------------- */

static void
cancel_on_first_result(struct run *run, struct rec *r)
{
	(void)r;
	if (!run->hook_calls++)
		imgopt_optimizer_cancel(run->o);
}

/* cancel() from a callback: no new task starts, every task still gets
 * one result (the rest CANCELLED), the summary says interrupted, and no
 * temp file is left.
 */
static void
test_cancel_run(void **state)
{
	static const uint64_t kinds[] = { TAG_A, TAG_A, TAG_A, TAG_A, TAG_A };
	struct imgopt_options opts;
	struct imgopt_summary s;
	struct run run;
	char *dir = folder("interrupt"), *out;
	int cancelled = 0;

	(void)state;
	need_workers();
	run_init(&run);
	options(&opts);
	start(&run, &opts);
	add_tasks(&run, dir, kinds, 5);
	run.on_result = cancel_on_first_result;
	assert_int_equal(imgopt_optimizer_run(run.o), 0);
	assert_one_result_each(&run);
	for (int i = 0; i < 5; i++) {
		struct rec *r = &run.rec[i];

		if (r->status == IMGOPT_STATUS_CANCELLED) {
			char *want = g_strdup_printf(
				"%s: cancelled (the run was interrupted)",
				r->path);

			assert_error(r, want);
			g_free(want);
			assert_null(r->optimized);
			cancelled++;
		}
	}
	/* The first finished before the cancel; the rest never started. */
	assert_int_equal(run.starts, 1);
	assert_int_equal(cancelled, 4);
	imgopt_optimizer_get_summary(run.o, &s);
	assert_true(s.interrupted);
	assert_int_equal(s.cancelled, 4);
	assert_int_equal(s.total, 5);
	out = g_build_filename(dir, "out", NULL);
	assert_int_equal(temp_files(out), 0);
	g_free(out);
	run_free(&run);
	g_free(dir);
}

/* A worker that cannot start: run() fails with the reason, and every task
 * still has its one result.
 */
static void
test_worker_cannot_start(void **state)
{
	static const uint64_t kinds[] = { TAG_A, TAG_B };
	struct imgopt_options opts;
	struct run run;
	char *dir = folder("nostart");

	(void)state;
	run_init(&run);
	options(&opts);
	opts.worker_exe = "/nonexistent/imgopt";
	start(&run, &opts);
	add_tasks(&run, dir, kinds, 2);
	assert_int_equal(imgopt_optimizer_run(run.o), -1);
	if (!strstr(imgopt_optimizer_error(run.o), "/nonexistent/imgopt"))
		fail_msg("error '%s'", imgopt_optimizer_error(run.o));
	assert_one_result_each(&run);
	assert_int_equal(run.rec[0].status, IMGOPT_STATUS_CANCELLED);
	assert_int_equal(run.rec[1].status, IMGOPT_STATUS_CANCELLED);
	run_free(&run);
	g_free(dir);
}

/* --benchmark on a real run: the pool's per-worker figures joined in. */
static void
test_benchmark_json(void **state)
{
	static const uint64_t kinds[] = { TAG_A, TAG_A, TAG_A };
	struct imgopt_options opts;
	struct run run;
	char *dir = folder("bench");
	json_t *b, *w;

	(void)state;
	need_workers();
	run_init(&run);
	options(&opts);
	opts.benchmark = true;
	start(&run, &opts);
	add_tasks(&run, dir, kinds, 3);
	assert_null(imgopt_optimizer_benchmark_json(run.o));
	assert_int_equal(imgopt_optimizer_run(run.o), 0);
	assert_one_result_each(&run);
	b = imgopt_optimizer_benchmark_json(run.o);
	assert_non_null(b);
	assert_string_equal(json_string_value(json_object_get(b, "type")),
			    "benchmark");
	assert_int_equal(json_integer_value(json_object_get(b, "workers")), 1);
	assert_int_equal(json_integer_value(json_object_get(b, "tasks")), 3);
	assert_int_equal(json_integer_value(json_object_get(b, "succeeded")),
			 3);
	w = json_array_get(json_object_get(b, "per_worker"), 0);
	assert_non_null(w);
	assert_int_equal(json_array_size(json_object_get(b, "per_worker")), 1);
	assert_int_equal(json_integer_value(json_object_get(w, "tasks")), 3);
	assert_true(json_real_value(json_object_get(w, "busy_seconds")) > 0);
	assert_true(json_real_value(json_object_get(b, "wall_seconds")) > 0);
	json_decref(b);
	run_free(&run);
	g_free(dir);
}

/* ---- main ------------------------------------------------------------------- */

static int
group_setup(void **state)
{
	(void)state;
	return testutil_setup("optimizer");
}

static int
group_teardown(void **state)
{
	(void)state;
	testutil_teardown();
	return 0;
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_options_init),
		cmocka_unit_test(test_new_refuses),
		cmocka_unit_test(test_add_task_refuses),
		cmocka_unit_test(test_dry_run),
		cmocka_unit_test(test_run_writes_outputs),
		cmocka_unit_test(test_add_task_outputs),
		cmocka_unit_test(test_name_clash),
		cmocka_unit_test(test_largest_first),
		cmocka_unit_test(test_persistent),
		cmocka_unit_test(test_cancel_tagged_before_run),
		cmocka_unit_test(test_cancel_tagged_mask),
		cmocka_unit_test(test_cancel_tagged_while_running),
		cmocka_unit_test(test_cancel_tagged_reentrant),
		cmocka_unit_test(test_cancel_tagged_both_queues),
		cmocka_unit_test(test_cancel_run),
		cmocka_unit_test(test_worker_cannot_start),
		cmocka_unit_test(test_benchmark_json),
	};
	const char *exe = getenv("IMGOPT");

	/* Never a worker: a pool that spawned this binary must not get
	 * another test run (that once made a fork bomb), only a worker
	 * that cannot start.
	 */
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "__worker"))
			_exit(PROTO_EXIT_FATAL);
	if (exe && *exe && access(exe, X_OK) == 0)
		worker_exe = exe;
	else
		fprintf(stderr, "IMGOPT not set or not executable: the tests "
				"that need workers are skipped\n");
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
