/* test_result.c: the result JSON shape, ratios and name escaping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "imgopt/result.h"

static void
test_shape(void **state)
{
	struct imgopt_result r = {0};
	json_t *j;
	char *text;

	(void)state;
	r.status = IMGOPT_STATUS_OK;
	r.original_path = "a/b.jpg";
	r.optimized_path = "a/optimized/b.jpg";
	r.original_size = 812345;
	r.optimized_size = 301234;
	j = imgopt_result_to_json(&r);
	text = imgopt_json_dumps(j);
	assert_string_equal(text,
		"{\"original_path\":\"a/b.jpg\",\"optimized_path\":"
		"\"a/optimized/b.jpg\",\"original_size\":812345,"
		"\"optimized_size\":301234,\"success\":true,\"error\":null,"
		"\"savedBytes\":511111,\"compressionRatio\":62.92}");
	free(text);
	json_decref(j);
}

static void
test_failure_and_larger(void **state)
{
	struct imgopt_result r = {0};
	json_t *j;

	(void)state;
	r.status = IMGOPT_STATUS_FAILED;
	r.original_path = "x.png";
	r.original_size = 100;
	r.error = "x.png: truncated PNG";
	j = imgopt_result_to_json(&r);
	assert_true(json_is_false(json_object_get(j, "success")));
	assert_true(json_is_null(json_object_get(j, "optimized_path")));
	assert_string_equal(json_string_value(json_object_get(j, "error")),
			    "x.png: truncated PNG");
	assert_int_equal(json_integer_value(json_object_get(j, "savedBytes")), 0);
	json_decref(j);
	/* Larger output (allowed by --allow-larger): nothing saved, not
	 * a negative number.
	 */
	r.status = IMGOPT_STATUS_OK;
	r.optimized_size = 150;
	assert_int_equal(imgopt_result_saved_bytes(&r), 0);
	assert_true(imgopt_result_ratio(&r) == 0.0);
}

static void
test_utf8_escape(void **state)
{
	char *s;

	(void)state;
	s = imgopt_utf8_escape("name-non-utf8-\xff\xfe.jpg");
	assert_string_equal(s, "name-non-utf8-\\xff\\xfe.jpg");
	free(s);
	s = imgopt_utf8_escape("unicode-\xe5\x90\x8d-\xf0\x9f\x98\x80.jpg");
	assert_string_equal(s, "unicode-\xe5\x90\x8d-\xf0\x9f\x98\x80.jpg");
	free(s);
	/* Overlong encoding of '/' and a lone surrogate are not UTF-8. */
	s = imgopt_utf8_escape("\xc0\xaf\xed\xa0\x80");
	assert_string_equal(s, "\\xc0\\xaf\\xed\\xa0\\x80");
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shape),
		cmocka_unit_test(test_failure_and_larger),
		cmocka_unit_test(test_utf8_escape),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
