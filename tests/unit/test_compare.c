/* test_compare.c: scoring two image files (codec/compare.h): the files go
 * through the codec's loaders and limits; sizes must match unless the
 * reference is resized; unreadable files are named in the error.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vips/vips.h>

#include "codec/compare.h"
#include "testutil.h"

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
	return testutil_setup("compare");
}

static int
group_teardown(void **state)
{
	(void)state;
	testutil_teardown();
	return 0;
}

/* Files go through the codec's loaders; sizes must match unless the
 * reference is resized.
 */
static void
test_files(void **state)
{
	char *big = testutil_path("big.png");
	char *small = testutil_path("small.png");
	char *bad = testutil_path("bad.png");
	unsigned char a[32 * 32 * 3], b[32 * 32 * 3];
	struct compare_files res;
	VipsImage *x, *half;
	char err[512];
	int fd;

	(void)state;
	noisy_pair(3, 2, a, b);
	x = testutil_from_pixels(a, 32, 32, 3);
	assert_int_equal(vips_image_write_to_file(x, big, NULL), 0);
	assert_int_equal(vips_resize(x, &half, 0.5, NULL), 0);
	assert_int_equal(vips_image_write_to_file(half, small, NULL), 0);

	assert_int_equal(codec_compare_files(big, big, false, &res, err,
					    sizeof(err)),
			 0);
	assert_true(res.score == 1.0);
	assert_int_equal(res.a_width, 32);

	assert_int_equal(codec_compare_files(big, small, false, &res, err,
					    sizeof(err)),
			 -1);
	assert_string_equal(err, "images differ in size (32x32 vs 16x16)");
	/* Resized the same way the codec resizes: the same pixels. */
	assert_int_equal(codec_compare_files(big, small, true, &res, err,
					    sizeof(err)),
			 0);
	assert_true(res.score > 0.999);
	assert_int_equal(res.b_width, 16);

	fd = open(bad, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "\x89PNG\r\n\x1a\n", 8), 8);
	close(fd);
	assert_int_equal(codec_compare_files(bad, big, false, &res, err,
					    sizeof(err)),
			 -1);
	assert_true(g_str_has_prefix(err, "cannot read '"));
	assert_non_null(strstr(err, "bad.png': "));

	g_object_unref(half);
	g_object_unref(x);
	g_free(big);
	g_free(small);
	g_free(bad);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_files),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
