/* test_nameset.c: the set of output names written in one run.  A name is
 * new exactly once; names are compared byte for byte (the file system
 * does, so a.webp and A.webp are two files); nothing is lost when the
 * table grows.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "optimizer/nameset.h"

static void
name_of(char *buf, size_t size, int i)
{
	snprintf(buf, size, "photos/optimized/%d.webp", i);
}

static void
test_first_time_only(void **state)
{
	struct nameset *s = nameset_new();

	(void)state;
	assert_non_null(s);
	assert_true(nameset_add(s, "out/a.webp"));
	assert_false(nameset_add(s, "out/a.webp"));
	/* Still there after being refused: a refusal changes nothing. */
	assert_false(nameset_add(s, "out/a.webp"));
	assert_true(nameset_add(s, "out/b.webp"));
	assert_false(nameset_add(s, "out/b.webp"));
	assert_false(nameset_add(s, "out/a.webp"));
	nameset_free(s);
}

/* Different bytes are different names, however alike they look. */
static void
test_byte_exact(void **state)
{
	static const char *const names[] = {
		"", /* the empty name is a name too */
		"a.webp", "A.webp", "a.webp ", " a.webp", "a.web", "a.webpp",
		"out/a.webp", "out//a.webp", "./a.webp", "a.jpg", "a.jpeg",
		"\xc3\xa9.webp",
		"e\xcc\x81.webp", /* é decomposed: another name on Linux */
		"ab", "ba",
	};
	struct nameset *s = nameset_new();
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!nameset_add(s, names[i]))
			fail_msg("'%s' taken for an earlier name", names[i]);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (nameset_add(s, names[i]))
			fail_msg("'%s' added twice", names[i]);
	nameset_free(s);
}

/* The table starts empty and doubles when half full (at 512 names, then
 * 1024, ...): after every add around those points every earlier name
 * must still be found, and no later one.
 */
static void
test_growth_keeps_names(void **state)
{
	struct nameset *s = nameset_new();
	char name[64];
	int n, i;

	(void)state;
	for (n = 0; n < 2100; n++) {
		name_of(name, sizeof(name), n);
		assert_true(nameset_add(s, name));
		if (!(n >= 505 && n <= 520) && !(n >= 1018 && n <= 1030) &&
		    !(n >= 2040 && n <= 2060))
			continue;
		for (i = 0; i <= n; i++) {
			name_of(name, sizeof(name), i);
			if (nameset_add(s, name))
				fail_msg("name %d lost after adding %d", i, n);
		}
	}
	nameset_free(s);
}

/* Many names: every one of them new once, then found. */
static void
test_many(void **state)
{
	enum { N = 100000 };
	struct nameset *s = nameset_new();
	char name[64];
	int i;

	(void)state;
	for (i = 0; i < N; i++) {
		name_of(name, sizeof(name), i);
		if (!nameset_add(s, name))
			fail_msg("new name %d refused", i);
	}
	for (i = 0; i < N; i++) {
		name_of(name, sizeof(name), i);
		if (nameset_add(s, name))
			fail_msg("name %d added twice", i);
	}
	/* Long names are hashed whole, not by a prefix. */
	memset(name, 'x', sizeof(name) - 2);
	name[sizeof(name) - 2] = 'a';
	name[sizeof(name) - 1] = '\0';
	assert_true(nameset_add(s, name));
	name[sizeof(name) - 2] = 'b';
	assert_true(nameset_add(s, name));
	nameset_free(s);
}

/* Two sets share nothing; NULL is freed as nothing. */
static void
test_independent(void **state)
{
	struct nameset *a = nameset_new(), *b = nameset_new();

	(void)state;
	assert_ptr_not_equal(a, b);
	assert_true(nameset_add(a, "x.png"));
	assert_true(nameset_add(b, "x.png"));
	assert_false(nameset_add(a, "x.png"));
	assert_false(nameset_add(b, "x.png"));
	nameset_free(a);
	nameset_free(b);
	nameset_free(NULL);
	/* A set freed without a name in it. */
	nameset_free(nameset_new());
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_time_only),
		cmocka_unit_test(test_byte_exact),
		cmocka_unit_test(test_growth_keeps_names),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_independent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
