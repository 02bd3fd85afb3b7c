/* test_outpath.c: output paths for each output mode and format. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "optimizer/outpath.h"

static void
check_resolve(const char *in, const char *rel, enum imgopt_output_mode m,
	      const char *dir, const char *want)
{
	char err[256];
	char *got = outpath_resolve(in, rel, m, dir, err, sizeof(err));

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void
test_resolve(void **state)
{
	(void)state;
	check_resolve("a/b.jpg", "b.jpg", IMGOPT_OUTPUT_BESIDE, NULL,
		      "a/optimized/b.jpg");
	check_resolve("b.jpg", "b.jpg", IMGOPT_OUTPUT_BESIDE, NULL,
		      "optimized/b.jpg");
	check_resolve("/x/y/b.png", "y/b.png", IMGOPT_OUTPUT_BESIDE, NULL,
		      "/x/y/optimized/b.png");
	check_resolve("photos/sub/c.jpg", "sub/c.jpg", IMGOPT_OUTPUT_DIR,
		      "out", "out/sub/c.jpg");
	check_resolve("photos/sub/c.jpg", "sub/c.jpg", IMGOPT_OUTPUT_DIR,
		      "out/", "out/sub/c.jpg");
	check_resolve("a/b.jpg", "b.jpg", IMGOPT_OUTPUT_IN_PLACE, NULL,
		      "a/b.jpg");
}

static void
check_format(const char *path, enum imgopt_format f, const char *want)
{
	char err[256];
	char *got = outpath_with_format(path, f, err, sizeof(err));

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void
test_with_format(void **state)
{
	char err[1024], name[300];

	(void)state;
	check_format("o/photo.jpg", IMGOPT_FORMAT_WEBP, "o/photo.webp");
	check_format("o/photo.JPG", IMGOPT_FORMAT_JPEG, "o/photo.JPG");
	check_format("o/photo.jpeg", IMGOPT_FORMAT_JPEG, "o/photo.jpeg");
	check_format("o/photo.jpg", IMGOPT_FORMAT_ORIGINAL, "o/photo.jpg");
	check_format("o/png-named.jpg", IMGOPT_FORMAT_PNG, "o/png-named.png");
	check_format("o/noext", IMGOPT_FORMAT_JPEG, "o/noext.jpg");
	check_format("o/v1.2", IMGOPT_FORMAT_AVIF, "o/v1.2.avif");
	check_format("o.d/x", IMGOPT_FORMAT_PNG, "o.d/x.png");
	/* 251 a's + ".jpg" is a legal 255-byte name; as ".webp" it would
	 * pass 255 bytes: refused, never truncated.
	 */
	memset(name, 'a', 251);
	strcpy(name + 251, ".jpg");
	assert_null(outpath_with_format(name, IMGOPT_FORMAT_WEBP, err,
					sizeof(err)));
	assert_non_null(strstr(err, "output name too long"));
	strcpy(name + 251, ".png");
	check_format(name, IMGOPT_FORMAT_PNG, name);
}

static void
test_make_parent(void **state)
{
	char dir[] = "/tmp/imgopt-outpath-XXXXXX", path[256], err[512];
	struct stat st;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/a/b/c/out.jpg", dir);
	assert_int_equal(outpath_make_parent(path, err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/a/b/c", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	/* A file where a folder should be: a clear error. */
	snprintf(path, sizeof(path), "%s/a/b/c/file", dir);
	fclose(fopen(path, "w"));
	snprintf(path, sizeof(path), "%s/a/b/c/file/out.jpg", dir);
	assert_int_equal(outpath_make_parent(path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot create output folder"));
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_with_format),
		cmocka_unit_test(test_make_parent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
