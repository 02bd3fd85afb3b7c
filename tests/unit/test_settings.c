/* test_settings.c: the settings JSON: shapes users send, and every bad
 * value refused with the setting named.  Cases are a table (jq-style).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "imgopt/settings.h"

static void
test_defaults(void **state)
{
	struct imgopt_settings s;
	char *json;

	(void)state;
	imgopt_settings_init(&s);
	assert_int_equal(s.quality_global, 90);
	assert_int_equal(s.resize_mode, IMGOPT_RESIZE_NONE);
	assert_int_equal(s.output_format, IMGOPT_FORMAT_ORIGINAL);
	json = imgopt_settings_to_json(&s);
	assert_string_equal(json,
		"{\"quality\":{\"global\":90,\"jpeg\":null,\"png\":null,"
		"\"webp\":null,\"avif\":null},\"resize\":{\"width\":null,"
		"\"height\":null,\"maintainAspect\":true,\"mode\":\"none\","
		"\"size\":null},\"outputFormat\":\"original\"}");
	free(json);
}

static void
test_full_shape(void **state)
{
	struct imgopt_settings s;
	char err[256];

	(void)state;
	imgopt_settings_init(&s);
	assert_int_equal(imgopt_settings_parse(&s,
		"{\"quality\": {\"global\": 80, \"jpeg\": 70, \"png\": null,"
		" \"webp\": 100, \"avif\": null},"
		" \"resize\": {\"width\": null, \"height\": null,"
		" \"maintainAspect\": true, \"mode\": \"longest\", \"size\": 2048},"
		" \"outputFormat\": \"jpg\"}", err, sizeof(err)), 0);
	assert_int_equal(s.quality_global, 80);
	assert_int_equal(imgopt_settings_quality_for(&s, IMGOPT_FORMAT_JPEG), 70);
	assert_int_equal(imgopt_settings_quality_for(&s, IMGOPT_FORMAT_PNG), 80);
	assert_int_equal(imgopt_settings_quality_for(&s, IMGOPT_FORMAT_WEBP), 100);
	assert_int_equal(s.resize_mode, IMGOPT_RESIZE_LONGEST);
	assert_int_equal(s.resize_size, 2048);
	assert_int_equal(s.output_format, IMGOPT_FORMAT_JPEG);
}

/* settings JSON in -> the words the error must contain. */
static const struct {
	const char *json;
	const char *error;
} bad[] = {
	{"{\"quality\": {\"global\": 0}}", "quality.global must be 1-100, got 0"},
	{"{\"quality\": {\"global\": 101}}", "quality.global must be 1-100, got 101"},
	{"{\"quality\": {\"global\": \"high\"}}", "quality.global must be an integer"},
	{"{\"quality\": {\"global\": 85.5}}", "quality.global must be an integer"},
	{"{\"quality\": {\"jpeg\": 0}}", "quality.jpeg must be 1-100"},
	{"{\"quality\": {\"webp\": 200}}", "quality.webp must be 1-100"},
	{"{\"quality\": {\"gif\": 50}}", "unknown setting quality.gif"},
	{"{\"outputFormat\": \"gif\"}", "outputFormat must be original, jpeg, png, webp or avif, got \"gif\""},
	{"{\"outputFormat\": 3}", "outputFormat must be"},
	{"{\"resize\": {\"mode\": \"diagonal\", \"size\": 5}}", "resize.mode must be none, width, height, longest or shortest, got \"diagonal\""},
	{"{\"resize\": {\"mode\": \"width\", \"size\": 0}}", "resize.size must be 1-100000, got 0"},
	{"{\"resize\": {\"mode\": \"width\"}}", "resize.mode width needs resize.size"},
	{"{\"resize\": {\"mode\": \"width\", \"size\": null}}", "resize.mode width needs resize.size"},
	{"{\"resize\": {\"mode\": \"width\", \"size\": -3}}", "resize.size must be 1-100000, got -3"},
	{"{\"resize\": {\"maintainAspect\": \"yes\"}}", "resize.maintainAspect must be true or false"},
	{"{\"resize\": 5}", "resize must be an object"},
	{"{\"qualty\": 5}", "unknown setting qualty"},
	{"{\"quality\": {\"global\": 90,}", "malformed settings JSON at line 1"},
	{"[1, 2]", "settings must be a JSON object"},
	{"", "malformed settings JSON"},
	{"{\"quality\": {\"global\": 80, \"global\": 90}}", "malformed settings JSON"},
	{"{\"target\": {\"metric\": \"psnr\", \"value\": 40}}", "target metric must be ssim, got \"psnr\""},
	{"{\"target\": {\"metric\": \"ssim\", \"value\": 1.5}}", "target value must be between 0 and 1"},
	{"{\"target\": {\"metric\": \"ssim\"}}", "target.value must be a number"},
	{"{\"target\": \"ultra\"}", "target must be high, medium, low or METRIC:VALUE"},
	{"{\"target\": 5}", "target must be an object"},
};

static void
test_bad_settings(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct imgopt_settings s, before;
		char err[256] = "";

		imgopt_settings_init(&s);
		before = s;
		if (imgopt_settings_parse(&s, bad[i].json, err, sizeof(err)) != -1)
			fail_msg("accepted: %s", bad[i].json);
		if (!strstr(err, bad[i].error))
			fail_msg("%s: got '%s', want '%s'", bad[i].json, err,
				 bad[i].error);
		/* A refused settings text changes nothing. */
		assert_memory_equal(&s, &before, sizeof(s));
	}
}

static void
test_partial_and_null(void **state)
{
	struct imgopt_settings s;
	char err[256];

	(void)state;
	imgopt_settings_init(&s);
	assert_int_equal(imgopt_settings_parse(&s,
		"{\"quality\": {\"global\": 100.0}, \"resize\": null,"
		" \"outputFormat\": null}", err, sizeof(err)), 0);
	assert_int_equal(s.quality_global, 100);
	assert_int_equal(s.output_format, IMGOPT_FORMAT_ORIGINAL);
	assert_int_equal(imgopt_settings_parse(&s, "{}", err, sizeof(err)), 0);
	assert_int_equal(s.quality_global, 100);
}

static void
test_target(void **state)
{
	struct imgopt_settings s;
	char err[256], *json;

	(void)state;
	imgopt_settings_init(&s);
	assert_int_equal(imgopt_settings_parse(&s,
		"{\"target\": {\"metric\": \"ssim\", \"value\": 0.985}}",
		err, sizeof(err)), 0);
	assert_int_equal(s.target_metric, IMGOPT_TARGET_SSIM);
	assert_true(s.target_value == 0.985);
	json = imgopt_settings_to_json(&s);
	assert_non_null(strstr(json, "\"target\":{\"metric\":\"ssim\",\"value\":0.985"));
	free(json);
	assert_int_equal(imgopt_target_parse(&s, "high", err, sizeof(err)), 0);
	assert_true(s.target_value == IMGOPT_TARGET_HIGH);
	assert_int_equal(imgopt_target_parse(&s, "ssim:0.97", err, sizeof(err)), 0);
	assert_true(s.target_value == 0.97);
	assert_int_equal(imgopt_target_parse(&s, "ssim:abc", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "target value must be a number"));
}

static void
test_names(void **state)
{
	(void)state;
	assert_int_equal(imgopt_format_from_name("JPG"), IMGOPT_FORMAT_JPEG);
	assert_int_equal(imgopt_format_from_name("webp"), IMGOPT_FORMAT_WEBP);
	assert_int_equal(imgopt_format_from_name("bmp"), -1);
	assert_int_equal(imgopt_resize_mode_from_name("shortest"),
			 IMGOPT_RESIZE_SHORTEST);
	assert_int_equal(imgopt_resize_mode_from_name("huge"), -1);
	assert_string_equal(imgopt_format_name(IMGOPT_FORMAT_AVIF), "avif");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full_shape),
		cmocka_unit_test(test_bad_settings),
		cmocka_unit_test(test_partial_and_null),
		cmocka_unit_test(test_target),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
