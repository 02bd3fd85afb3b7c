/* test_fsutil.c: temp files beside their destination, removing a tree
 * without following links out of it, lowercase system messages.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fsutil.h"

static void
test_tmpfile_beside(void **state)
{
	char dir[] = "/tmp/test-fsutil-XXXXXX", dest[128];
	struct stat st;
	char *tmp;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(dest, sizeof(dest), "%s/out.jpg", dir);
	tmp = fsutil_tmpfile_beside(dest, 0640);
	assert_non_null(tmp);
	/* Same folder (so rename is atomic), hidden, recognisable. */
	assert_int_equal(strncmp(tmp, dir, strlen(dir)), 0);
	assert_non_null(strstr(tmp, "/" FSUTIL_TMP_PREFIX));
	assert_int_equal(stat(tmp, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(st.st_size, 0);
	free(tmp);
	snprintf(dest, sizeof(dest), "%s/missing/out.jpg", dir);
	assert_null(fsutil_tmpfile_beside(dest, 0644));
	assert_int_equal(errno, ENOENT);
	assert_int_equal(fsutil_remove_tree(dir), 0);
}

static void
test_remove_tree_keeps_link_targets(void **state)
{
	char dir[] = "/tmp/test-fsutil-XXXXXX", outside[] =
		"/tmp/test-fsutil-out-XXXXXX", p[256], q[256];
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_non_null(mkdtemp(outside));
	snprintf(p, sizeof(p), "%s/keep.txt", outside);
	f = fopen(p, "w");
	assert_non_null(f);
	fclose(f);
	snprintf(q, sizeof(q), "%s/a/b", dir);
	snprintf(p, sizeof(p), "%s/a", dir);
	assert_int_equal(mkdir(p, 0755), 0);
	assert_int_equal(mkdir(q, 0755), 0);
	snprintf(p, sizeof(p), "%s/a/b/link", dir);
	assert_int_equal(symlink(outside, p), 0);
	assert_int_equal(fsutil_remove_tree(dir), 0);
	assert_int_equal(access(dir, F_OK), -1);
	snprintf(p, sizeof(p), "%s/keep.txt", outside);
	assert_int_equal(access(p, F_OK), 0);
	assert_int_equal(fsutil_remove_tree(outside), 0);
}

static void
test_errno_text(void **state)
{
	(void)state;
	assert_string_equal(fsutil_errno_text(ENOENT),
			    "no such file or directory");
	assert_string_equal(fsutil_errno_text(ENOSPC),
			    "no space left on device");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tmpfile_beside),
		cmocka_unit_test(test_remove_tree_keeps_link_targets),
		cmocka_unit_test(test_errno_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
