/* test_ssim.c: the score against values known without imgopt's code.
 *
 * Identical images score exactly 1; constant images have no structure, so
 * their SSIM is the luminance term alone, (2 x y + C1) / (x^2 + y^2 + C1),
 * computed here from the sRGB formula in double precision; two noisy pairs
 * are checked against an independent implementation (the Python below).
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
#include "quality/ssim.h"

#include "testutil.h"

/* ---- helpers ---------------------------------------------------------- */

static double
score(VipsImage *a, VipsImage *b)
{
	double s = -2;

	if (ssim_score(a, b, &s))
		fail_msg("ssim_score: %s", vips_error_buffer());
	return s;
}

/* The sRGB transfer function in double precision, written out again. */
static double
srgb_linear(int v)
{
	double c = v / 255.0;

	return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4);
}

/* The noisy pairs of the Python reference below: a pattern a, and b = a
 * plus noise in -20..20 from the same linear congruential generator.
 */
static void
noisy_pair(int bands, uint32_t seed, unsigned char *a, unsigned char *b)
{
	int x, y, c, i = 0;

	for (y = 0; y < 32; y++)
		for (x = 0; x < 32; x++)
			for (c = 0; c < bands; c++, i++) {
				int v = (x * 8 + y * 3 + c * 40 +
					 (x * y) % 7 * 5) % 256;
				int n;

				seed = (seed * 1103515245u + 12345u) %
				       2147483648u;
				n = v + (int)((seed >> 16) & 0xFF) % 41 - 20;
				a[i] = (unsigned char)v;
				if (n < 0)
					n = 0;
				if (n > 255)
					n = 255;
				b[i] = (unsigned char)n;
			}
}

static int
group_setup(void **state)
{
	(void)state;
	return testutil_setup("ssim");
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
test_identical(void **state)
{
	unsigned char a[32 * 32 * 3], b[32 * 32 * 3];
	VipsImage *x, *y;

	(void)state;
	noisy_pair(3, 7, a, b);
	x = testutil_from_pixels(b, 32, 32, 3);
	y = testutil_from_pixels(b, 32, 32, 3);
	/* Same pixels, different objects: exactly 1, not nearly. */
	assert_true(score(x, y) == 1.0);
	assert_true(score(x, x) == 1.0);
	g_object_unref(x);
	g_object_unref(y);
}

/* Constant images: no variance, no covariance, so SSIM is the luminance
 * term alone, at every position.
 */
static void
test_constant_shift(void **state)
{
	static const int cases[][2] = {
		{ 100, 120 }, { 0, 1 }, { 10, 30 }, { 200, 255 }, { 128, 64 },
	};
	const double c1 = 0.0001;
	size_t i;

	(void)state;
	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		double x = srgb_linear(cases[i][0]);
		double y = srgb_linear(cases[i][1]);
		double want = (2 * x * y + c1) / (x * x + y * y + c1);
		int bands;

		for (bands = 1; bands <= 3; bands += 2) {
			VipsImage *a = testutil_constant(40, 24, bands,
							 cases[i][0]);
			VipsImage *b = testutil_constant(40, 24, bands,
							 cases[i][1]);
			double got = score(a, b);

			if (fabs(got - want) > 1e-5)
				fail_msg("%d vs %d (%d bands): %.9f, want %.9f",
					 cases[i][0], cases[i][1], bands, got,
					 want);
			g_object_unref(a);
			g_object_unref(b);
		}
	}
	/* The sRGB function itself. */
	assert_true(fabs(ssim_linear8(128) - 0.2158605) < 1e-6);
	assert_true(ssim_linear8(0) == 0.0f && ssim_linear8(255) == 1.0f);
}

/* Reference values from an independent implementation: this Python
 * (double precision, no numpy), run once with Python 3.11:
 *
 *   import math
 *   W = H = 32
 *   def lcg(seed):
 *       while True:
 *           seed = (seed * 1103515245 + 12345) % 2**31
 *           yield (seed >> 16) & 0xFF
 *   def pair(bands, seed):
 *       r = lcg(seed)
 *       a = [[[(x * 8 + y * 3 + c * 40 + (x * y) % 7 * 5) % 256
 *              for c in range(bands)] for x in range(W)] for y in range(H)]
 *       b = [[[min(255, max(0, v + next(r) % 41 - 20)) for v in px]
 *             for px in row] for row in a]
 *       return a, b
 *   def lin(v):
 *       v /= 255
 *       return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4
 *   def luma(img):
 *       return [[lin(p[0]) if len(p) == 1 else 0.2126 * lin(p[0]) +
 *                0.7152 * lin(p[1]) + 0.0722 * lin(p[2]) for p in row]
 *               for row in img]
 *   def ssim(a, b):
 *       g = [math.exp(-(i - 5) ** 2 / (2 * 1.5 ** 2)) for i in range(11)]
 *       s = sum(g); g = [v / s for v in g]
 *       c1, c2 = 0.01 ** 2, 0.03 ** 2
 *       total = n = 0
 *       for y in range(H - 10):
 *           for x in range(W - 10):
 *               ma = mb = saa = sbb = sab = 0.0
 *               for j in range(11):
 *                   for i in range(11):
 *                       w = g[j] * g[i]; p = a[y + j][x + i]
 *                       q = b[y + j][x + i]
 *                       ma += w * p; mb += w * q; saa += w * p * p
 *                       sbb += w * q * q; sab += w * p * q
 *               va, vb, cov = saa - ma * ma, sbb - mb * mb, sab - ma * mb
 *               total += (2 * ma * mb + c1) * (2 * cov + c2) / (
 *                   (ma * ma + mb * mb + c1) * (va + vb + c2))
 *               n += 1
 *       return total / n
 *   for bands, seed in ((1, 1), (3, 2)):
 *       a, b = pair(bands, seed)
 *       print(bands, "%.9f" % ssim(luma(a), luma(b)))
 *
 * which printed "1 0.865277643" and "3 0.912252320".  imgopt works in
 * single precision (E[x^2] - E[x]^2 loses about 1e-8 against C2 = 9e-4),
 * hence the tolerance of 1e-5 here and for the constant images.
 */
static void
test_reference_values(void **state)
{
	static const struct {
		int bands;
		uint32_t seed;
		double want;
	} cases[] = {
		{ 1, 1, 0.865277643 },
		{ 3, 2, 0.912252320 },
	};
	unsigned char a[32 * 32 * 3], b[32 * 32 * 3];
	size_t i;

	(void)state;
	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		VipsImage *x, *y;
		double got;

		noisy_pair(cases[i].bands, cases[i].seed, a, b);
		x = testutil_from_pixels(a, 32, 32, cases[i].bands);
		y = testutil_from_pixels(b, 32, 32, cases[i].bands);
		got = score(x, y);
		if (fabs(got - cases[i].want) > 1e-5)
			fail_msg("%d bands: %.9f, want %.9f", cases[i].bands,
				 got, cases[i].want);
		/* Symmetric. */
		assert_true(fabs(score(y, x) - got) < 1e-6);
		g_object_unref(x);
		g_object_unref(y);
	}
}

/* The plane API gives the same numbers as the image API. */
static void
test_planes(void **state)
{
	unsigned char a[32 * 32], b[32 * 32];
	float fa[32 * 40], fb[32 * 40];
	int i, x, y;

	(void)state;
	noisy_pair(1, 1, a, b);
	/* Rows 40 floats apart, to check the stride. */
	for (y = 0; y < 32; y++)
		for (x = 0; x < 32; x++) {
			i = y * 32 + x;
			fa[y * 40 + x] = ssim_linear8(a[i]);
			fb[y * 40 + x] = ssim_linear8(b[i]);
		}
	assert_true(fabs(ssim_planes(fa, fb, 32, 32, 40) - 0.865277643) <
		    1e-5);
	assert_true(ssim_planes(fa, fa, 32, 32, 40) == 1.0);
}

/* Under 11 pixels a side the window shrinks; constant images still give
 * the luminance term, identical ones 1.
 */
static void
test_small_images(void **state)
{
	static const int sizes[][2] = { { 1, 1 }, { 5, 7 }, { 10, 200 },
					{ 12, 11 } };
	double x = srgb_linear(50), y = srgb_linear(90);
	double want = (2 * x * y + 0.0001) / (x * x + y * y + 0.0001);
	size_t i;

	(void)state;
	for (i = 0; i < G_N_ELEMENTS(sizes); i++) {
		int w = sizes[i][0], h = sizes[i][1];
		VipsImage *a = testutil_constant(w, h, 3, 50);
		VipsImage *b = testutil_constant(w, h, 3, 90);

		assert_true(fabs(score(a, b) - want) < 1e-5);
		assert_true(score(a, a) == 1.0);
		g_object_unref(a);
		g_object_unref(b);
	}
}

/* Alpha is flattened onto white: fully transparent is white. */
static void
test_alpha(void **state)
{
	unsigned char px[16 * 16 * 4];
	VipsImage *rgba, *white, *grey;
	int i;

	(void)state;
	for (i = 0; i < 16 * 16; i++) {
		px[i * 4] = (unsigned char)(i * 7);
		px[i * 4 + 1] = (unsigned char)(i * 3);
		px[i * 4 + 2] = (unsigned char)i;
		px[i * 4 + 3] = 0;
	}
	rgba = testutil_from_pixels(px, 16, 16, 4);
	white = testutil_constant(16, 16, 3, 255);
	assert_true(score(rgba, white) == 1.0);
	/* Grey and RGB of the same grey give the same luminance. */
	grey = testutil_constant(16, 16, 1, 255);
	assert_true(fabs(score(rgba, grey) - 1.0) < 1e-6);
	g_object_unref(rgba);
	g_object_unref(white);
	g_object_unref(grey);
}

/* 16-bit images use their own table: the same picture at 8 and 16 bits
 * (v * 257) scores 1.
 */
static void
test_16bit(void **state)
{
	unsigned char a[32 * 32 * 3], b[32 * 32 * 3];
	unsigned short wide[32 * 32 * 3];
	VipsImage *x, *raw, *x16, *p;
	int i;

	(void)state;
	noisy_pair(3, 2, a, b);
	for (i = 0; i < 32 * 32 * 3; i++)
		wide[i] = (unsigned short)(a[i] * 257);
	x = testutil_from_pixels(a, 32, 32, 3);
	raw = vips_image_new_from_memory_copy(wide, sizeof(wide), 32, 32, 3,
					      VIPS_FORMAT_USHORT);
	assert_non_null(raw);
	assert_int_equal(vips_copy(raw, &x16, "interpretation",
				   VIPS_INTERPRETATION_RGB16, NULL),
			 0);
	assert_int_equal(ssim_prepare(x16, &p), 0);
	assert_int_equal(p->BandFmt, VIPS_FORMAT_USHORT);
	assert_true(fabs(score(x, p) - 1.0) < 1e-6);
	g_object_unref(p);
	g_object_unref(x);
	g_object_unref(raw);
	g_object_unref(x16);
}

static void
test_prepare(void **state)
{
	VipsImage *a = testutil_constant(20, 20, 3, 9), *p, *q, *mem;

	(void)state;
	/* Already in the form: the same image again. */
	mem = vips_image_copy_memory(a);
	assert_int_equal(ssim_prepare(mem, &p), 0);
	assert_ptr_equal(p, mem);
	g_object_unref(p);
	g_object_unref(mem);
	/* Lazy images are made real. */
	assert_int_equal(vips_invert(a, &q, NULL), 0);
	assert_int_equal(ssim_prepare(q, &p), 0);
	assert_ptr_not_equal(p, q);
	assert_int_equal(p->BandFmt, VIPS_FORMAT_UCHAR);
	g_object_unref(p);
	g_object_unref(q);
	g_object_unref(a);
}

static void
test_size_mismatch(void **state)
{
	VipsImage *a = testutil_constant(20, 10, 3, 9);
	VipsImage *b = testutil_constant(10, 20, 3, 9);
	double s;

	(void)state;
	vips_error_clear();
	assert_int_equal(ssim_score(a, b, &s), -1);
	assert_non_null(strstr(vips_error_buffer(),
			       "images differ in size (20x10 vs 10x20)"));
	vips_error_clear();
	g_object_unref(a);
	g_object_unref(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identical),
		cmocka_unit_test(test_constant_shift),
		cmocka_unit_test(test_reference_values),
		cmocka_unit_test(test_planes),
		cmocka_unit_test(test_small_images),
		cmocka_unit_test(test_alpha),
		cmocka_unit_test(test_16bit),
		cmocka_unit_test(test_prepare),
		cmocka_unit_test(test_size_mismatch),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
