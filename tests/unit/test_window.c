/* test_window.c: the dispatch window hands out the highest priority first
 * (largest file first), and the name set catches repeated output names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

#include "optimizer/nameset.h"
#include "optimizer/window.h"

/* The window stores struct task pointers without looking inside them. */
struct task {
	uint64_t size;
};

static void
test_largest_first(void **state)
{
	enum { N = 1000 };
	struct window *w = window_new(N);
	static struct task tasks[N];
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
		struct task *t = window_pop(w);

		assert_non_null(t);
		assert_true(t->size <= last);
		last = t->size;
	}
	assert_null(window_pop(w));
	window_free(w);
}

static void
test_nameset(void **state)
{
	struct nameset *s = nameset_new();
	char name[64];

	(void)state;
	/* Enough names to make the set grow several times. */
	for (int i = 0; i < 20000; i++) {
		snprintf(name, sizeof(name), "out/%d.webp", i);
		assert_true(nameset_add(s, name));
	}
	for (int i = 0; i < 20000; i += 97) {
		snprintf(name, sizeof(name), "out/%d.webp", i);
		assert_false(nameset_add(s, name));
	}
	assert_true(nameset_add(s, "out/a.webp"));
	assert_false(nameset_add(s, "out/a.webp"));
	nameset_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_largest_first),
		cmocka_unit_test(test_nameset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
