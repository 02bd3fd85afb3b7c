/* test_wire.c: codec requests and replies as pool payloads.
 *
 * A request comes back field for field with both paths, whatever bytes
 * the paths hold; every payload cut short, grown, or with a byte changed
 * is refused or decodes to paths inside the payload.  Payloads are copied
 * into buffers of exactly their length, so ASan reports any read past
 * the end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec.h"
#include "worker/wire.h"

/* len bytes of p in a buffer of exactly len bytes (free()). */
static unsigned char *
exact_copy(const void *p, size_t len)
{
	unsigned char *c = malloc(len ? len : 1);

	assert_non_null(c);
	memcpy(c, p, len);
	return c;
}

/* A request with every field away from its default, so a field that is
 * lost or swapped on the way shows.
 */
static struct codec_request
full_request(const char *in, const char *out)
{
	struct codec_request r;

	memset(&r, 0, sizeof(r));
	r.input_path = in;
	r.output_path = out;
	imgopt_settings_init(&r.settings);
	r.settings.quality_global = 37;
	r.settings.quality[IMGOPT_FORMAT_JPEG] = 55;
	r.settings.quality[IMGOPT_FORMAT_AVIF] = 100;
	r.settings.resize_mode = IMGOPT_RESIZE_LONGEST;
	r.settings.resize_size = 2048;
	r.settings.resize_width = 640;
	r.settings.resize_height = 480;
	r.settings.maintain_aspect = false;
	r.settings.output_format = IMGOPT_FORMAT_WEBP;
	r.settings.target_metric = IMGOPT_TARGET_SSIM;
	r.settings.target_value = 0.985;
	r.keep_metadata = true;
	r.allow_larger = true;
	r.min_savings_pct = 12.5;
	r.max_pixels = 268402689;
	r.max_file_size = (UINT64_C(1) << 40) + 7;
	r.fail_on = CODEC_FAIL_ON_TRUNCATED;
	return r;
}

static void
assert_same_request(const struct codec_request *a,
		    const struct codec_request *b)
{
	int f;

	assert_string_equal(a->input_path, b->input_path);
	assert_string_equal(a->output_path, b->output_path);
	assert_int_equal(a->settings.quality_global,
			 b->settings.quality_global);
	for (f = 0; f < IMGOPT_FORMAT_COUNT; f++)
		assert_int_equal(a->settings.quality[f],
				 b->settings.quality[f]);
	assert_int_equal(a->settings.resize_mode, b->settings.resize_mode);
	assert_int_equal(a->settings.resize_size, b->settings.resize_size);
	assert_int_equal(a->settings.resize_width, b->settings.resize_width);
	assert_int_equal(a->settings.resize_height, b->settings.resize_height);
	assert_int_equal(a->settings.maintain_aspect,
			 b->settings.maintain_aspect);
	assert_int_equal(a->settings.output_format, b->settings.output_format);
	assert_int_equal(a->settings.target_metric, b->settings.target_metric);
	assert_true(a->settings.target_value == b->settings.target_value);
	assert_int_equal(a->keep_metadata, b->keep_metadata);
	assert_int_equal(a->allow_larger, b->allow_larger);
	assert_true(a->min_savings_pct == b->min_savings_pct);
	assert_true(a->max_pixels == b->max_pixels);
	assert_true(a->max_file_size == b->max_file_size);
	assert_int_equal(a->fail_on, b->fail_on);
}

/* A decoded path lies wholly inside the payload, NUL included. */
static void
assert_inside(const char *path, const unsigned char *buf, size_t len)
{
	const char *end = (const char *)buf + len;

	assert_true(path >= (const char *)buf && path < end);
	assert_non_null(memchr(path, '\0', (size_t)(end - path)));
}

/* Encode, decode from an exact copy; the paths must point into the copy
 * (the caller's strings may be gone by then).
 */
static void
round_trip(const struct codec_request *req)
{
	struct codec_request back;
	size_t len;
	void *enc = wire_encode_request(req, &len);
	unsigned char *buf;

	assert_non_null(enc);
	/* Both paths travel after the struct, each with its NUL. */
	assert_true(len > strlen(req->input_path) + strlen(req->output_path) +
			  2);
	buf = exact_copy(enc, len);
	free(enc);
	memset(&back, 0, sizeof(back));
	assert_int_equal(wire_decode_request(buf, len, &back), 0);
	assert_same_request(req, &back);
	assert_inside(back.input_path, buf, len);
	assert_inside(back.output_path, buf, len);
	free(buf);
}

static void
test_request_round_trip(void **state)
{
	char *in = strdup("/photos/summer 2024/IMG_0001.jpg");
	char *out = strdup("/photos/summer 2024/optimized/.imgopt-tmp-Ab12Cd");
	struct codec_request req = full_request(in, out), back;
	size_t len;
	void *enc;

	(void)state;
	round_trip(&req);

	/* The payload owns its paths: the caller's strings can go. */
	enc = wire_encode_request(&req, &len);
	memset(in, 'X', strlen(in));
	free(in);
	free(out);
	assert_int_equal(wire_decode_request(enc, len, &back), 0);
	assert_string_equal(back.input_path,
			    "/photos/summer 2024/IMG_0001.jpg");
	assert_string_equal(back.output_path,
			    "/photos/summer 2024/optimized/.imgopt-tmp-Ab12Cd");
	free(enc);

	/* Defaults too (zeros, false). */
	memset(&req, 0, sizeof(req));
	imgopt_settings_init(&req.settings);
	req.input_path = "a.png";
	req.output_path = "b.png";
	round_trip(&req);
}

/* Paths are bytes: empty, every byte but NUL, and long ones. */
static void
test_request_paths(void **state)
{
	char all[256], *longer = malloc(16385);
	struct codec_request req;
	int i;

	(void)state;
	assert_non_null(longer);
	for (i = 1; i < 256; i++)
		all[i - 1] = (char)i;
	all[255] = '\0';
	memset(longer, 'p', 16384);
	longer[16384] = '\0';

	req = full_request("", "");
	round_trip(&req);
	req = full_request(all, "out\n\"quoted\" \xc3\xa9t\xc3\xa9.webp");
	round_trip(&req);
	req = full_request("x", longer);
	round_trip(&req);
	req = full_request(longer, "");
	round_trip(&req);
	free(longer);
}

/* Cut short by any number of bytes, or with bytes after it: refused. */
static void
test_request_wrong_length(void **state)
{
	struct codec_request req = full_request("in.jpg", "out.jpg"), back;
	size_t len, n;
	unsigned char *enc = wire_encode_request(&req, &len), *buf;

	(void)state;
	for (n = 0; n < len; n++) {
		buf = exact_copy(enc, n);
		if (wire_decode_request(buf, n, &back) != -1)
			fail_msg("%zu of %zu bytes accepted", n, len);
		free(buf);
	}
	for (n = len + 1; n <= len + 16; n++) {
		buf = calloc(n, 1);
		assert_non_null(buf);
		memcpy(buf, enc, len);
		if (wire_decode_request(buf, n, &back) != -1)
			fail_msg("%zu bytes over %zu accepted", n - len, len);
		free(buf);
	}
	free(enc);
}

/* Each path must end with its NUL where its length says. */
static void
test_request_terminators(void **state)
{
	static const char in[] = "in.jpg", out[] = "out.jpg";
	struct codec_request req = full_request(in, out), back;
	size_t len;
	unsigned char *enc = wire_encode_request(&req, &len), *buf;

	(void)state;
	buf = exact_copy(enc, len);
	assert_int_equal(buf[len - 1], '\0');
	buf[len - 1] = 'g';
	assert_int_equal(wire_decode_request(buf, len, &back), -1);
	free(buf);

	buf = exact_copy(enc, len);
	assert_int_equal(buf[len - sizeof(out) - 1], '\0');
	buf[len - sizeof(out) - 1] = '/';
	assert_int_equal(wire_decode_request(buf, len, &back), -1);
	free(buf);

	/* The untouched payload still decodes. */
	buf = exact_copy(enc, len);
	assert_int_equal(wire_decode_request(buf, len, &back), 0);
	assert_string_equal(back.input_path, in);
	assert_string_equal(back.output_path, out);
	free(buf);
	free(enc);
}

/* Any byte changed, any 32-bit word overwritten (the lengths among them,
 * wherever they are): refused, or paths inside the payload.
 */
static void
test_request_corrupt(void **state)
{
	static const unsigned char flips[] = { 0x01, 0x02, 0x10, 0x80, 0xff };
	static const uint32_t words[] = { 0, 1, 2, 6, 7, 8, 0x7fffffff,
					  0x80000000, 0xfffffffe,
					  0xffffffff };
	struct codec_request req = full_request("in.jpg", "out.jpg"), back;
	size_t len, i, k;
	unsigned char *enc = wire_encode_request(&req, &len), *buf;
	int refused = 0;

	(void)state;
	for (i = 0; i < len; i++)
		for (k = 0; k < sizeof(flips); k++) {
			buf = exact_copy(enc, len);
			buf[i] ^= flips[k];
			if (wire_decode_request(buf, len, &back) == 0) {
				assert_inside(back.input_path, buf, len);
				assert_inside(back.output_path, buf, len);
			} else {
				refused++;
			}
			free(buf);
		}
	for (i = 0; i + 4 <= len; i += 4)
		for (k = 0; k < sizeof(words) / sizeof(words[0]); k++) {
			buf = exact_copy(enc, len);
			memcpy(buf + i, &words[k], 4);
			if (wire_decode_request(buf, len, &back) == 0) {
				assert_inside(back.input_path, buf, len);
				assert_inside(back.output_path, buf, len);
			} else {
				refused++;
			}
			free(buf);
		}
	/* The lengths and terminators were hit: some were refused. */
	assert_true(refused > 0);
	free(enc);
}

/* A reply is the struct itself: exactly its size, the error always a
 * terminated string.
 */
static void
test_reply(void **state)
{
	struct codec_reply r, back;
	unsigned char *buf;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.ok = true;
	r.input_format = IMGOPT_FORMAT_PNG;
	r.output_format = IMGOPT_FORMAT_AVIF;
	r.original_size = 123456789;
	r.optimized_size = 23456;
	r.kept_original = false;
	r.in_width = 4000;
	r.in_height = 3000;
	r.out_width = 2048;
	r.out_height = 1536;
	r.quality = 61;
	r.score = 0.9871;
	r.target_met = true;
	r.encodes = 7;
	r.header_ns = 1500000;
	r.pipeline_ns = 987654321;
	snprintf(r.error, sizeof(r.error), "%s", "not an error");

	buf = exact_copy(&r, sizeof(r));
	memset(&back, 0xAA, sizeof(back));
	assert_int_equal(wire_decode_reply(buf, sizeof(r), &back), 0);
	assert_memory_equal(&back, &r, sizeof(r));
	free(buf);

	/* Any other size is a malformed reply. */
	buf = exact_copy(&r, sizeof(r));
	assert_int_equal(wire_decode_reply(buf, 0, &back), -1);
	assert_int_equal(wire_decode_reply(buf, sizeof(r) - 1, &back), -1);
	assert_int_equal(wire_decode_reply(buf, sizeof(r) / 2, &back), -1);
	free(buf);
	buf = calloc(sizeof(r) + 1, 1);
	assert_non_null(buf);
	memcpy(buf, &r, sizeof(r));
	assert_int_equal(wire_decode_reply(buf, sizeof(r) + 1, &back), -1);
	free(buf);

	/* An error with no NUL is cut, not read past its end. */
	memset(r.error, 'e', sizeof(r.error));
	r.ok = false;
	buf = exact_copy(&r, sizeof(r));
	assert_int_equal(wire_decode_reply(buf, sizeof(r), &back), 0);
	assert_false(back.ok);
	assert_int_equal(strlen(back.error), CODEC_ERROR_MAX - 1);
	assert_int_equal(back.error[0], 'e');
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_round_trip),
		cmocka_unit_test(test_request_paths),
		cmocka_unit_test(test_request_wrong_length),
		cmocka_unit_test(test_request_terminators),
		cmocka_unit_test(test_request_corrupt),
		cmocka_unit_test(test_reply),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
