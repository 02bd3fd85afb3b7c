/* test_target.c: the quality search on images made here.
 *
 * Every chosen file is decoded again and scored again: the reported score
 * must be what the file really scores, and at least the target.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vips/vips.h>

#include "codec/codec.h"
#include "codec/save.h"
#include "quality/ssim.h"
#include "codec/compare.h"
#include "codec/target.h"

#include "testutil.h"

/* ---- helpers ---------------------------------------------------------- */

/* Run the search into memory; *len and the bytes (g_free) back. */
static unsigned char *
search(VipsImage *in, enum imgopt_format fmt, double value,
       struct target_result *res, size_t *len)
{
	VipsTarget *target = vips_target_new_to_memory();
	VipsBlob *blob = NULL;
	const void *data;
	unsigned char *copy;

	if (target_save(in, target, fmt, true, value, res))
		fail_msg("target_save: %s", vips_error_buffer());
	g_object_get(target, "blob", &blob, NULL);
	assert_non_null(blob);
	data = vips_blob_get(blob, len);
	copy = g_memdup2(data, *len);
	vips_area_unref(VIPS_AREA(blob));
	g_object_unref(target);
	return copy;
}

/* Decode bytes with the loader for fmt and score them against in. */
static double
rescore(VipsImage *in, enum imgopt_format fmt, const unsigned char *data,
	size_t len)
{
	VipsImage *out = NULL;
	double s = -2;
	int r;

	if (fmt == IMGOPT_FORMAT_JPEG)
		r = vips_jpegload_buffer((void *)data, len, &out, NULL);
	else if (fmt == IMGOPT_FORMAT_WEBP)
		r = vips_webpload_buffer((void *)data, len, &out, NULL);
	else
		r = vips_heifload_buffer((void *)data, len, &out, NULL);
	assert_int_equal(r, 0);
	if (ssim_score(in, out, &s))
		fail_msg("ssim_score: %s", vips_error_buffer());
	g_object_unref(out);
	return s;
}

/* The search met value and its file scores what it says. */
static void
check_met(VipsImage *in, enum imgopt_format fmt, double value,
	  size_t *len_out, int *quality_out)
{
	struct target_result res;
	size_t len;
	unsigned char *data = search(in, fmt, value, &res, &len);
	double again = rescore(in, fmt, data, len);

	if (!res.met || res.score < value || again < value ||
	    fabs(again - res.score) > 1e-9)
		fail_msg("format %d, target %.4f: met %d, quality %d, "
			 "reported %.6f, file scores %.6f",
			 fmt, value, res.met, res.quality, res.score, again);
	assert_true(res.quality >= TARGET_Q_MIN);
	assert_true(res.quality <= TARGET_Q_MAX);
	assert_true(res.encodes >= 1);
	if (len_out)
		*len_out = len;
	if (quality_out)
		*quality_out = res.quality;
	g_free(data);
}

static int
group_setup(void **state)
{
	(void)state;
	return testutil_setup("target");
}

static int
group_teardown(void **state)
{
	(void)state;
	testutil_teardown();
	return 0;
}

/* ---- tests ------------------------------------------------------------ */

static void
test_applies(void **state)
{
	struct imgopt_settings s;

	(void)state;
	imgopt_settings_init(&s);
	assert_false(target_applies(&s, IMGOPT_FORMAT_JPEG, 80));
	s.target_metric = IMGOPT_TARGET_SSIM;
	s.target_value = 0.99;
	assert_true(target_applies(&s, IMGOPT_FORMAT_JPEG, 80));
	assert_true(target_applies(&s, IMGOPT_FORMAT_WEBP, 90));
	assert_true(target_applies(&s, IMGOPT_FORMAT_AVIF, 1));
	/* PNG has no quality to search; 100 means lossless. */
	assert_false(target_applies(&s, IMGOPT_FORMAT_PNG, 80));
	assert_false(target_applies(&s, IMGOPT_FORMAT_JPEG, 100));
	assert_false(target_applies(&s, IMGOPT_FORMAT_WEBP, 100));
}

/* JPEG probes skip progressive scans and Huffman optimisation: the final
 * file must decode to the very same pixels.
 */
static void
test_jpeg_probe_pixels(void **state)
{
	VipsImage *in = testutil_photo(160, 120, 3);
	VipsBlob *probe, *final;
	VipsImage *a, *b;
	const void *pa, *pb;
	size_t la, lb;
	int ib = 0;

	(void)state;
	assert_int_equal(save_image_buffer(in, IMGOPT_FORMAT_JPEG, 73, true,
					   true, &probe),
			 0);
	assert_int_equal(save_image_buffer(in, IMGOPT_FORMAT_JPEG, 73, true,
					   false, &final),
			 0);
	pa = vips_blob_get(probe, &la);
	pb = vips_blob_get(final, &lb);
	assert_true(la != lb || memcmp(pa, pb, la) != 0);
	assert_int_equal(vips_jpegload_buffer((void *)pa, la, &a, NULL), 0);
	assert_int_equal(vips_jpegload_buffer((void *)pb, lb, &b, NULL), 0);
	/* Really a baseline probe and a progressive final file. */
	assert_false(vips_image_get_typeof(a, "interlaced"));
	assert_int_equal(vips_image_get_int(b, "interlaced", &ib), 0);
	assert_true(ib);
	assert_true(testutil_max_diff(a, b) == 0);
	g_object_unref(a);
	g_object_unref(b);
	vips_area_unref(VIPS_AREA(probe));
	vips_area_unref(VIPS_AREA(final));
	g_object_unref(in);
}

/* Small images are searched on their own pixels. */
static void
test_met_small(void **state)
{
	VipsImage *in = testutil_photo(240, 180, 3);
	VipsImage *grey = testutil_photo(200, 150, 1);

	(void)state;
	check_met(in, IMGOPT_FORMAT_JPEG, 0.98, NULL, NULL);
	check_met(in, IMGOPT_FORMAT_WEBP, 0.97, NULL, NULL);
	check_met(grey, IMGOPT_FORMAT_JPEG, 0.97, NULL, NULL);
	g_object_unref(in);
	g_object_unref(grey);
}

/* Over TARGET_EXACT_PIXELS the search runs on a sample: the file written
 * must still meet the target on the whole image.
 */
static void
test_met_large(void **state)
{
	VipsImage *in = testutil_photo(1000, 720, 3);
	struct target_result res;
	size_t len;
	unsigned char *data;

	(void)state;
	assert_true((uint64_t)in->Xsize * in->Ysize > TARGET_EXACT_PIXELS);
	check_met(in, IMGOPT_FORMAT_JPEG, 0.99, NULL, NULL);
	data = search(in, IMGOPT_FORMAT_JPEG, 0.995, &res, &len);
	assert_true(res.met);
	assert_true(rescore(in, IMGOPT_FORMAT_JPEG, data, len) >= 0.995);
	/* Sample encodes are cheap; whole-image ones are capped. */
	assert_true(res.full_encodes <= TARGET_MAX_FULL + 1);
	g_free(data);
	g_object_unref(in);
}

/* A looser target never needs more bytes. */
static void
test_looser_is_smaller(void **state)
{
	VipsImage *in = testutil_photo(240, 180, 3);
	size_t tight, loose;
	int qt, ql;

	(void)state;
	check_met(in, IMGOPT_FORMAT_JPEG, 0.99, &tight, &qt);
	check_met(in, IMGOPT_FORMAT_JPEG, 0.96, &loose, &ql);
	if (!(loose < tight && ql < qt))
		fail_msg("0.96: q%d %zu bytes, 0.99: q%d %zu bytes", ql, loose,
			 qt, tight);
	check_met(in, IMGOPT_FORMAT_WEBP, 0.975, &tight, &qt);
	check_met(in, IMGOPT_FORMAT_WEBP, 0.958, &loose, &ql);
	assert_true(loose < tight && ql < qt);
	g_object_unref(in);
}

/* No quality reaches 0.99999: the highest is kept and says so. */
static void
test_unreachable(void **state)
{
	VipsImage *in = testutil_photo(200, 150, 3);
	struct target_result res;
	size_t len;
	unsigned char *data;

	(void)state;
	data = search(in, IMGOPT_FORMAT_JPEG, 0.99999, &res, &len);
	assert_false(res.met);
	assert_int_equal(res.quality, TARGET_Q_MAX);
	assert_true(res.score < 0.99999);
	assert_true(fabs(rescore(in, IMGOPT_FORMAT_JPEG, data, len) -
			 res.score) < 1e-9);
	/* Bisection over 63 qualities: 6 probes, then the final encode. */
	assert_true(res.encodes <= 7);
	g_free(data);
	g_object_unref(in);
}

/* Alpha is kept in WebP and scored flattened on white. */
static void
test_alpha(void **state)
{
	VipsImage *in = testutil_photo(200, 150, 4);
	struct target_result res;
	size_t len;
	unsigned char *data;
	VipsImage *out;

	(void)state;
	check_met(in, IMGOPT_FORMAT_WEBP, 0.97, NULL, NULL);
	data = search(in, IMGOPT_FORMAT_WEBP, 0.97, &res, &len);
	assert_int_equal(vips_webpload_buffer(data, len, &out, NULL), 0);
	assert_int_equal(out->Bands, 4);
	g_object_unref(out);
	g_free(data);
	g_object_unref(in);
}

static void
test_avif(void **state)
{
	VipsImage *in = testutil_photo(96, 64, 3);

	(void)state;
	check_met(in, IMGOPT_FORMAT_AVIF, 0.97, NULL, NULL);
	g_object_unref(in);
}

/* Through codec_run(): the reply carries the choice; PNG and quality 100
 * ignore the target.
 */
static char *
write_input(const char *name, VipsImage *im)
{
	char *path = testutil_path(name);

	assert_int_equal(vips_image_write_to_file(im, path, NULL), 0);
	return path;
}

static int
run(struct codec_request *req, const char *in, struct codec_reply *reply)
{
	char *out = testutil_path("out");
	int fd = open(out, O_CREAT | O_WRONLY | O_TRUNC, 0644), r;

	assert_true(fd >= 0);
	close(fd);
	req->input_path = in;
	req->output_path = out;
	r = codec_run(req, reply);
	g_free(out);
	return r;
}

static void
test_codec_run(void **state)
{
	VipsImage *in = testutil_photo(240, 180, 3);
	char *png = write_input("in.png", in);
	char *out = testutil_path("out");
	struct codec_request req;
	struct codec_reply reply;
	struct compare_files files;
	char err[512];

	(void)state;
	memset(&req, 0, sizeof(req));
	imgopt_settings_init(&req.settings);
	req.settings.target_metric = IMGOPT_TARGET_SSIM;
	req.settings.target_value = 0.98;
	req.settings.output_format = IMGOPT_FORMAT_JPEG;
	req.max_pixels = 1 << 24;
	req.fail_on = IMGOPT_FAIL_ON_WARNING;

	assert_int_equal(run(&req, png, &reply), 0);
	assert_true(reply.quality >= TARGET_Q_MIN &&
		    reply.quality <= TARGET_Q_MAX);
	assert_true(reply.target_met && reply.score >= 0.98);
	assert_true(reply.encodes >= 2);
	/* imgopt compare says the same of the file written. */
	assert_int_equal(codec_compare_files(png, out, false, &files, err,
					    sizeof(err)),
			 0);
	assert_true(fabs(files.score - reply.score) < 1e-9);

	/* Resized: scored against the resized pixels. */
	req.settings.resize_mode = IMGOPT_RESIZE_WIDTH;
	req.settings.resize_size = 120;
	assert_int_equal(run(&req, png, &reply), 0);
	assert_int_equal(reply.out_width, 120);
	assert_true(reply.target_met && reply.score >= 0.98);
	req.settings.resize_mode = IMGOPT_RESIZE_NONE;

	/* PNG output: no quality to search. */
	req.settings.output_format = IMGOPT_FORMAT_PNG;
	assert_int_equal(run(&req, png, &reply), 0);
	assert_int_equal(reply.quality, 0);
	assert_int_equal(reply.encodes, 0);

	/* Quality 100 is lossless, whatever the target. */
	req.settings.output_format = IMGOPT_FORMAT_WEBP;
	req.settings.quality_global = 100;
	assert_int_equal(run(&req, png, &reply), 0);
	assert_int_equal(reply.quality, 0);
	assert_int_equal(codec_compare_files(png, out, false, &files, err,
					    sizeof(err)),
			 0);
	assert_true(files.score == 1.0);

	/* No target: the fixed quality, nothing reported. */
	req.settings.quality_global = 80;
	req.settings.target_metric = IMGOPT_TARGET_NONE;
	assert_int_equal(run(&req, png, &reply), 0);
	assert_int_equal(reply.quality, 0);

	g_free(out);
	g_free(png);
	g_object_unref(in);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_applies),
		cmocka_unit_test(test_jpeg_probe_pixels),
		cmocka_unit_test(test_met_small),
		cmocka_unit_test(test_met_large),
		cmocka_unit_test(test_looser_is_smaller),
		cmocka_unit_test(test_unreachable),
		cmocka_unit_test(test_alpha),
		cmocka_unit_test(test_avif),
		cmocka_unit_test(test_codec_run),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
