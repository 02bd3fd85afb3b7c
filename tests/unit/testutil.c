/* testutil.c: scratch folder and image generators for the codec-layer
 * unit tests (see testutil.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "base/fsutil.h"
#include "codec/codec.h"

/* Noise and blur of testutil_photo(); -D overrides them when tuning the
 * target tests.
 */
#ifndef NOISE
#define NOISE 12.0
#define BLUR 1.5
#endif

static char dir[64];
static char argv0[64];

int
testutil_setup(const char *name)
{
	char err[512];

	snprintf(dir, sizeof(dir), "/tmp/test-%s-XXXXXX", name);
	if (!mkdtemp(dir))
		return -1;
	/* libvips may keep argv0: static, not on the caller's stack. */
	snprintf(argv0, sizeof(argv0), "test_%s", name);
	if (codec_init(argv0, 1, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

void
testutil_teardown(void)
{
	if (dir[0])
		fsutil_remove_tree(dir);
}

const char *
testutil_dir(void)
{
	return dir;
}

char *
testutil_path(const char *name)
{
	return g_build_filename(dir, name, NULL);
}

/* in as uchar, tagged sRGB (3 bands or more) or grey; in is unreffed, so
 * generators can end with `return finish(x)`.
 */
static VipsImage *
finish(VipsImage *in)
{
	VipsImage *cast, *out;

	assert_int_equal(vips_cast(in, &cast, VIPS_FORMAT_UCHAR, NULL), 0);
	assert_int_equal(vips_copy(cast, &out, "interpretation",
				   in->Bands >= 3 ? VIPS_INTERPRETATION_sRGB :
						    VIPS_INTERPRETATION_B_W,
				   NULL),
			 0);
	g_object_unref(cast);
	g_object_unref(in);
	return out;
}

/* The bands joined into one image; the bands are unreffed. */
static VipsImage *
join(VipsImage **b, int bands)
{
	VipsImage *joined;
	int i;

	assert_int_equal(vips_bandjoin(b, &joined, bands, NULL), 0);
	for (i = 0; i < bands; i++)
		g_object_unref(b[i]);
	return joined;
}

/* x, y and x + y of a w x h coordinate image. */
static void
gradients(int w, int h, VipsImage **x, VipsImage **y, VipsImage **sum)
{
	VipsImage *xyz;

	assert_int_equal(vips_xyz(&xyz, w, h, NULL), 0);
	assert_int_equal(vips_extract_band(xyz, x, 0, NULL), 0);
	assert_int_equal(vips_extract_band(xyz, y, 1, NULL), 0);
	assert_int_equal(vips_add(*x, *y, sum, NULL), 0);
	g_object_unref(xyz);
}

VipsImage *
testutil_from_pixels(const unsigned char *px, int w, int h, int bands)
{
	VipsImage *im = vips_image_new_from_memory_copy(px,
		(size_t)w * h * bands, w, h, bands, VIPS_FORMAT_UCHAR);

	assert_non_null(im);
	return finish(im);
}

VipsImage *
testutil_constant(int w, int h, int bands, int v)
{
	unsigned char *px = g_malloc((size_t)w * h * bands);
	VipsImage *im;

	memset(px, v, (size_t)w * h * bands);
	im = testutil_from_pixels(px, w, h, bands);
	g_free(px);
	return im;
}

VipsImage *
testutil_smooth(int w, int h, int bands)
{
	VipsImage *x, *y, *sum, *b[4];
	int i;

	assert_true(bands >= 1 && bands <= 4);
	gradients(w, h, &x, &y, &sum);
	for (i = 0; i < bands; i++) {
		double a = 200.0 / (w + h) * (i + 1) / bands;

		assert_int_equal(vips_linear1(i % 2 ? x : sum, &b[i], a,
					      20.0 * i + 10, NULL),
				 0);
	}
	g_object_unref(sum);
	g_object_unref(x);
	g_object_unref(y);
	return finish(join(b, bands));
}

VipsImage *
testutil_noise(int w, int h, int bands)
{
	VipsImage *b[4];
	int i;

	assert_true(bands >= 1 && bands <= 4);
	for (i = 0; i < bands; i++)
		assert_int_equal(vips_gaussnoise(&b[i], w, h, "mean", 128.0,
						 "sigma", 50.0, NULL),
				 0);
	return finish(join(b, bands));
}

VipsImage *
testutil_photo(int w, int h, int bands)
{
	VipsImage *x, *y, *grad, *noise, *soft, *sum, *b[4], *out, *mem;
	int i;

	assert_true(bands >= 1 && bands <= 4);
	gradients(w, h, &x, &y, &grad);
	assert_int_equal(vips_gaussnoise(&noise, w, h, "sigma", NOISE, "seed",
					 7, NULL),
			 0);
	assert_int_equal(vips_gaussblur(noise, &soft, BLUR, NULL), 0);
	assert_int_equal(vips_add(grad, soft, &sum, NULL), 0);
	for (i = 0; i < bands; i++) {
		double scale = 180.0 / (w + h), offset = 30.0 + 25 * i;

		if (bands == 4 && i == 3)
			/* Alpha: a ramp from 60 to 255. */
			assert_int_equal(vips_linear1(x, &b[i],
						      195.0 / w, 60.0, NULL),
					 0);
		else
			assert_int_equal(vips_linear1(sum, &b[i], scale,
						      offset, NULL),
					 0);
	}
	out = finish(join(b, bands));
	/* Searches encode it many times: decode the noise and blur once. */
	mem = vips_image_copy_memory(out);
	assert_non_null(mem);
	g_object_unref(out);
	g_object_unref(sum);
	g_object_unref(soft);
	g_object_unref(noise);
	g_object_unref(grad);
	g_object_unref(x);
	g_object_unref(y);
	return mem;
}

double
testutil_max_diff(VipsImage *a, VipsImage *b)
{
	VipsImage *d, *abs;
	double m;

	assert_int_equal(vips_subtract(a, b, &d, NULL), 0);
	assert_int_equal(vips_abs(d, &abs, NULL), 0);
	assert_int_equal(vips_max(abs, &m, NULL), 0);
	g_object_unref(abs);
	g_object_unref(d);
	return m;
}
