/* test_jpegtran.c: lossless JPEG transcoding, and its rule for qualities
 * below 100: copy only an input quantised and subsampled at least as
 * coarsely as an encode at that quality would be.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codec/jpegtran.h"
#include "testutil.h"

static int
setup(void **state)
{
	(void)state;
	return testutil_setup("jpegtran");
}

static int
teardown(void **state)
{
	(void)state;
	testutil_teardown();
	return 0;
}

/* NAME in the scratch folder: a photo-like JPEG at quality q, plain
 * Huffman tables, baseline, 4:2:0 or 4:4:4.
 */
static char *
make_jpeg(const char *name, int q, bool subsample)
{
	VipsImage *im = testutil_photo(96, 80, 3);
	char *path = testutil_path(name);

	assert_int_equal(vips_jpegsave(im, path, "Q", q, "optimize_coding",
				       FALSE, "subsample_mode",
				       subsample ? VIPS_FOREIGN_SUBSAMPLE_ON :
						   VIPS_FOREIGN_SUBSAMPLE_OFF,
				       "strip", TRUE, NULL),
			 0);
	g_object_unref(im);
	return path;
}

/* Transcode in to out with the given rule; the status, and out's size. */
static enum jpegtran_status
transcode(const char *in, const char *out, int no_finer_than,
	  bool output_420, off_t *out_size)
{
	struct jpegtran_options opt = {
		.orientation = 1,
		.fail_on = IMGOPT_FAIL_ON_WARNING,
		.no_finer_than = no_finer_than,
		.output_420 = output_420,
	};
	char err[256];
	struct stat st;
	int ifd = open(in, O_RDONLY), ofd;
	enum jpegtran_status s;

	assert_true(ifd >= 0);
	ofd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(ofd >= 0);
	s = jpegtran_run(ifd, ofd, &opt, err, sizeof(err));
	assert_int_equal(fstat(ofd, &st), 0);
	*out_size = st.st_size;
	close(ifd);
	close(ofd);
	return s;
}

static void
assert_same_pixels(const char *a, const char *b)
{
	VipsImage *x = vips_image_new_from_file(a, NULL);
	VipsImage *y = vips_image_new_from_file(b, NULL);

	assert_non_null(x);
	assert_non_null(y);
	assert_true(testutil_max_diff(x, y) == 0);
	g_object_unref(x);
	g_object_unref(y);
}

/* A quality-75 input asked for 90, 80 or 75: copied, every pixel kept,
 * and smaller than the plain-Huffman input.
 */
static void
test_coarser_input_is_copied(void **state)
{
	char *in = make_jpeg("q75.jpg", 75, true);
	char *out = testutil_path("q75-out.jpg");
	struct stat st;
	off_t size;
	int q[] = { 90, 80, 75, 100, 0 };

	(void)state;
	assert_int_equal(stat(in, &st), 0);
	for (size_t i = 0; i < G_N_ELEMENTS(q); i++) {
		assert_int_equal(transcode(in, out, q[i], true, &size),
				 JPEGTRAN_OK);
		assert_true(size > 0 && size < st.st_size);
		assert_same_pixels(in, out);
	}
	g_free(in);
	g_free(out);
}

/* Asked for a lower quality than the input's, a re-encode can save bytes:
 * nothing is written.
 */
static void
test_finer_input_is_left_to_the_encoder(void **state)
{
	char *in = make_jpeg("q90.jpg", 90, true);
	char *out = testutil_path("q90-out.jpg");
	off_t size;

	(void)state;
	assert_int_equal(transcode(in, out, 89, true, &size),
			 JPEGTRAN_UNSUITABLE);
	assert_int_equal(size, 0);
	assert_int_equal(transcode(in, out, 60, true, &size),
			 JPEGTRAN_UNSUITABLE);
	assert_int_equal(transcode(in, out, 90, true, &size), JPEGTRAN_OK);
	g_free(in);
	g_free(out);
}

/* A 4:4:4 input that the encode would subsample is left to the encoder,
 * even when its tables are coarse enough; copied when the encode keeps
 * 4:4:4 too.
 */
static void
test_full_chroma_input_and_420_output(void **state)
{
	char *in = make_jpeg("q70-444.jpg", 70, false);
	char *out = testutil_path("q70-444-out.jpg");
	off_t size;

	(void)state;
	assert_int_equal(transcode(in, out, 85, true, &size),
			 JPEGTRAN_UNSUITABLE);
	assert_int_equal(size, 0);
	assert_int_equal(transcode(in, out, 85, false, &size), JPEGTRAN_OK);
	assert_same_pixels(in, out);
	g_free(in);
	g_free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_coarser_input_is_copied),
		cmocka_unit_test(test_finer_input_is_left_to_the_encoder),
		cmocka_unit_test(test_full_chroma_input_and_420_output),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
