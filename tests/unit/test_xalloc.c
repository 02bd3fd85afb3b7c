/* test_xalloc.c: allocation that never returns NULL (base/xalloc.h), and
 * that overflowing sizes abort instead of allocating too little.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/xalloc.h"

static void
test_basics(void **state)
{
	char *s, *n, *f;
	int *z;

	(void)state;
	s = xstrdup("abc");
	assert_string_equal(s, "abc");
	assert_null(xstrdup(NULL));
	n = xstrndup("abcdef", 3);
	assert_string_equal(n, "abc");
	f = xasprintf("%s-%d", "x", 7);
	assert_string_equal(f, "x-7");
	z = xcalloc(4, sizeof(*z));
	for (int i = 0; i < 4; i++)
		assert_int_equal(z[i], 0);
	z = xreallocarray(z, 1000, sizeof(*z));
	z[999] = 1;
	free(s);
	free(n);
	free(f);
	free(z);
	free(xmalloc(0));
}

static void
test_grow(void **state)
{
	int *a = NULL;
	size_t alloc = 0;

	(void)state;
	for (size_t n = 1; n <= 1000; n++) {
		XGROW(a, n, alloc);
		assert_true(alloc >= n);
		a[n - 1] = (int)n;
	}
	assert_int_equal(a[999], 1000);
	free(a);
}

/* n * size past SIZE_MAX: abort, in a child. */
static void
test_overflow_aborts(void **state)
{
	pid_t pid;
	int st;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		void *p = xreallocarray(NULL, SIZE_MAX / 2, 4);

		(void)p;
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGABRT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basics),
		cmocka_unit_test(test_grow),
		cmocka_unit_test(test_overflow_aborts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
