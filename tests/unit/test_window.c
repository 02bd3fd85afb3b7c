/* test_window.c: the dispatch window hands out the highest priority first
 * (largest file first).  The output-name set has its own test_nameset.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

#include "optimizer/window.h"

/* The window stores struct optimizer_task pointers without looking inside them. */
struct optimizer_task {
	uint64_t size;
};

static void
test_largest_first(void **state)
{
	enum { N = 1000 };
	struct window *w = window_new(N);
	static struct optimizer_task tasks[N];
	uint64_t last = UINT64_MAX;

	(void)state;
	srand(7);
	for (int i = 0; i < N; i++) {
		tasks[i].size = (uint64_t)rand() % 5000;
		assert_false(window_full(w));
		window_push(w, &tasks[i], tasks[i].size);
	}
	assert_true(window_full(w));
	for (int i = 0; i < N; i++) {
		struct optimizer_task *t = window_pop(w);

		assert_non_null(t);
		assert_true(t->size <= last);
		last = t->size;
	}
	assert_null(window_pop(w));
	window_free(w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_largest_first),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
