/* test_buf.c: the growable buffer (base/buf.h): appends, the cap (an
 * append over it fails and changes nothing), consume, detach, and the
 * NUL that always follows the contents.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

static void
test_append(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 0);
	assert_null(b.data);
	assert_int_equal(buf_addstr(&b, "abc"), 0);
	assert_int_equal(buf_addch(&b, '-'), 0);
	assert_int_equal(buf_addf(&b, "%d:%s", 42, "x"), 0);
	assert_int_equal(b.len, 8);
	assert_string_equal(b.data, "abc-42:x");
	assert_int_equal(buf_add(&b, "\0z", 2), 0);
	assert_int_equal(b.len, 10);
	assert_int_equal(b.data[10], '\0');
	/* Grow well past the first allocation. */
	for (int i = 0; i < 10000; i++)
		assert_int_equal(buf_addch(&b, (char)('a' + i % 26)), 0);
	assert_int_equal(b.len, 10010);
	assert_int_equal(b.data[10010], '\0');
	assert_int_equal(b.data[10009], 'a' + 9999 % 26);
	buf_release(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	buf_release(NULL);
}

static void
test_cap(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 8);
	assert_int_equal(buf_addstr(&b, "12345"), 0);
	assert_int_equal(buf_addstr(&b, "6789"), -1);
	assert_string_equal(b.data, "12345");
	assert_int_equal(buf_addf(&b, "%s", "abcd"), -1);
	assert_int_equal(b.len, 5);
	assert_int_equal(buf_addstr(&b, "678"), 0);
	assert_int_equal(b.len, 8);
	assert_int_equal(buf_addch(&b, 'x'), -1);
	assert_int_equal(buf_add(&b, "", 0), 0);
	/* A huge length does not wrap round the check. */
	assert_int_equal(buf_add(&b, "x", SIZE_MAX), -1);
	buf_release(&b);
}

static void
test_consume_detach(void **state)
{
	struct buf b;
	size_t len;
	char *s;

	(void)state;
	buf_init(&b, 0);
	buf_addstr(&b, "hello world");
	buf_consume(&b, 6);
	assert_string_equal(b.data, "world");
	assert_int_equal(b.len, 5);
	buf_consume(&b, 100);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	buf_addstr(&b, "kept");
	s = buf_detach(&b, &len);
	assert_string_equal(s, "kept");
	assert_int_equal(len, 4);
	assert_null(b.data);
	free(s);
	/* Detaching an empty buffer gives "", never NULL. */
	s = buf_detach(&b, NULL);
	assert_string_equal(s, "");
	free(s);
	buf_addstr(&b, "again");
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	buf_release(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_append),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_consume_detach),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
