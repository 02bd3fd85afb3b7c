/* test_wire.c: codec requests and replies as pool payloads.
 *
 * A request comes back field for field with both paths, whatever bytes
 * the paths hold; every payload cut short, grown, or with a byte changed
 * is refused or decodes to paths inside the payload and valid values.  A
 * bool byte other than 0 or 1, or an enum out of range, is refused in a
 * request and in a reply.  Payloads are copied into buffers of exactly
 * their length, so ASan reports any read past the end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
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

/* Every bool of a decoded request is 0 or 1 and every enum in range,
 * checked by the bytes (loading a bool of any other value is undefined
 * behaviour, which is what the decoder must make impossible).
 */
static void
assert_valid_request(const struct codec_request *r)
{
	const bool *bools[] = { &r->settings.maintain_aspect,
				&r->keep_metadata, &r->allow_larger };
	unsigned char byte;
	size_t i;

	for (i = 0; i < sizeof(bools) / sizeof(bools[0]); i++) {
		memcpy(&byte, bools[i], 1);
		if (byte > 1)
			fail_msg("bool %zu decoded as byte %u", i, byte);
	}
	assert_in_range(r->settings.resize_mode, IMGOPT_RESIZE_NONE,
			IMGOPT_RESIZE_SHORTEST);
	assert_in_range(r->settings.output_format, IMGOPT_FORMAT_ORIGINAL,
			IMGOPT_FORMAT_COUNT - 1);
	assert_in_range(r->settings.target_metric, IMGOPT_TARGET_NONE,
			IMGOPT_TARGET_SSIM);
	assert_in_range(r->fail_on, CODEC_FAIL_ON_NONE,
			CODEC_FAIL_ON_WARNING);
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
				assert_valid_request(&back);
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
				assert_valid_request(&back);
			} else {
				refused++;
			}
			free(buf);
		}
	/* The lengths and terminators were hit: some were refused. */
	assert_true(refused > 0);
	free(enc);
}

/* Where a and b's encodings differ: the one byte that does (the payload's
 * layout is wire.c's business, so it is found, not assumed).
 */
static size_t
differing_byte(const struct codec_request *a, const struct codec_request *b,
	       size_t *len)
{
	size_t la, lb, i, at = SIZE_MAX;
	unsigned char *ea = wire_encode_request(a, &la);
	unsigned char *eb = wire_encode_request(b, &lb);

	assert_int_equal(la, lb);
	for (i = 0; i < la; i++)
		if (ea[i] != eb[i]) {
			assert_true(at == SIZE_MAX);
			at = i;
		}
	assert_true(at != SIZE_MAX);
	free(ea);
	free(eb);
	*len = la;
	return at;
}

/* The payload of req with byte at set to v: refused, and *back left as
 * it was.
 */
static void
assert_byte_refused(const struct codec_request *req, size_t at,
		    unsigned char v)
{
	struct codec_request back, before;
	size_t len;
	unsigned char *enc = wire_encode_request(req, &len), *buf;

	buf = exact_copy(enc, len);
	buf[at] = v;
	memset(&back, 0x5a, sizeof(back));
	before = back;
	if (wire_decode_request(buf, len, &back) != -1)
		fail_msg("byte %zu = 0x%02x accepted", at, v);
	assert_memory_equal(&back, &before, sizeof(back));
	free(buf);
	free(enc);
}

/* The payload of req with the int whose low byte is at set to v. */
static int
decode_with_int(const struct codec_request *req, size_t at, int v)
{
	const int one = 1;
	struct codec_request back;
	size_t len, start;
	unsigned char *enc = wire_encode_request(req, &len), *buf;
	int rc;

	/* The low byte is the first of the int little-endian, the last
	 * big-endian.
	 */
	start = *(const unsigned char *)&one ? at : at - (sizeof(int) - 1);
	assert_true(start + sizeof(int) <= len);
	buf = exact_copy(enc, len);
	memcpy(buf + start, &v, sizeof(v));
	rc = wire_decode_request(buf, len, &back);
	if (rc == 0)
		assert_valid_request(&back);
	free(buf);
	free(enc);
	return rc;
}

/* A bool byte other than 0 or 1 and an enum out of range are refused:
 * the worker would otherwise load an invalid bool (undefined behaviour)
 * or index a table with the enum.
 */
static void
test_request_invalid_values(void **state)
{
	static const unsigned char bad_bools[] = { 2, 3, 0x80, 0xfe, 0xff };
	struct codec_request a, b;
	size_t len, at, i;

	(void)state;
	/* Each bool: false in a, true in b. */
	for (i = 0; i < 3; i++) {
		a = full_request("in.jpg", "out.jpg");
		b = a;
		switch (i) {
		case 0:
			a.settings.maintain_aspect = false;
			b.settings.maintain_aspect = true;
			break;
		case 1:
			a.keep_metadata = false;
			b.keep_metadata = true;
			break;
		case 2:
			a.allow_larger = false;
			b.allow_larger = true;
			break;
		}
		at = differing_byte(&a, &b, &len);
		for (size_t k = 0; k < sizeof(bad_bools); k++) {
			assert_byte_refused(&a, at, bad_bools[k]);
			assert_byte_refused(&b, at, bad_bools[k]);
		}
	}

	/* Each enum: its first value in a, the next in b; every value up
	 * to its last decodes, any other int is refused.
	 */
	for (i = 0; i < 4; i++) {
		static const int last[] = {
			IMGOPT_RESIZE_SHORTEST, IMGOPT_FORMAT_COUNT - 1,
			IMGOPT_TARGET_SSIM, CODEC_FAIL_ON_WARNING,
		};
		static const int bad[] = { -1, -2, 0x100, 0x10000, INT_MAX,
					   INT_MIN };

		a = full_request("in.jpg", "out.jpg");
		b = a;
		switch (i) {
		case 0:
			a.settings.resize_mode = 0;
			b.settings.resize_mode = 1;
			break;
		case 1:
			a.settings.output_format = 0;
			b.settings.output_format = 1;
			break;
		case 2:
			a.settings.target_metric = 0;
			b.settings.target_metric = 1;
			break;
		case 3:
			a.fail_on = 0;
			b.fail_on = 1;
			break;
		}
		at = differing_byte(&a, &b, &len);
		for (int v = 0; v <= last[i]; v++)
			assert_int_equal(decode_with_int(&a, at, v), 0);
		assert_int_equal(decode_with_int(&a, at, last[i] + 1), -1);
		for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
			if (decode_with_int(&a, at, bad[k]) != -1)
				fail_msg("enum %zu = %d accepted", i, bad[k]);
	}
}

/* Path lengths whose sum wraps: on 32-bit, in + out + 2 computed in size_t
 * would come round to the bytes really there.  (On 64-bit the sum cannot
 * wrap; the case stays to show the check never adds.)
 */
static void
test_request_length_wrap(void **state)
{
	static const char in[] = "in.jpg", out[] = "out.jpg";
	struct codec_request req = full_request(in, out), back;
	size_t len, lens;
	unsigned char *enc = wire_encode_request(&req, &len), *buf;
	uint32_t rest, pair[2];

	(void)state;
	/* The two lengths come right before the paths. */
	lens = len - sizeof(in) - sizeof(out) - 2 * sizeof(uint32_t);
	memcpy(pair, enc + lens, sizeof(pair));
	assert_int_equal(pair[0], strlen(in));
	assert_int_equal(pair[1], strlen(out));
	rest = (uint32_t)(sizeof(in) + sizeof(out));
	{
		const uint32_t wraps[][2] = {
			{ UINT32_MAX, rest - 2 + 1 },
			{ rest - 2 + 1, UINT32_MAX },
			{ UINT32_MAX - 1, rest - 2 + 2 },
			{ 0x80000000u, 0x80000000u + rest - 2 },
		};

		for (size_t k = 0; k < sizeof(wraps) / sizeof(wraps[0]); k++) {
			/* They do wrap to the bytes there, in 32 bits. */
			assert_int_equal((uint32_t)(wraps[k][0] + wraps[k][1] +
						    2),
					 rest);
			buf = exact_copy(enc, len);
			memcpy(buf + lens, wraps[k], sizeof(wraps[k]));
			assert_int_equal(wire_decode_request(buf, len, &back),
					 -1);
			free(buf);
		}
	}
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

/* A reply with a bool byte other than 0 or 1, or a format out of range:
 * refused before the parent reads reply.ok (undefined behaviour for a
 * bool byte of 2), and *reply left as it was.
 */
static void
test_reply_invalid_values(void **state)
{
	static const size_t bools[] = {
		offsetof(struct codec_reply, ok),
		offsetof(struct codec_reply, kept_original),
		offsetof(struct codec_reply, target_met),
	};
	static const size_t formats[] = {
		offsetof(struct codec_reply, input_format),
		offsetof(struct codec_reply, output_format),
	};
	static const unsigned char bad_bools[] = { 2, 0x80, 0xff };
	static const int bad_formats[] = { IMGOPT_FORMAT_COUNT, -1, 0x100,
					   INT_MAX, INT_MIN };
	struct codec_reply r, back, before;
	unsigned char *buf;
	size_t i, k;
	int v;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.ok = true;
	r.input_format = IMGOPT_FORMAT_JPEG;
	r.output_format = IMGOPT_FORMAT_WEBP;
	memset(&before, 0x5a, sizeof(before));
	for (i = 0; i < sizeof(bools) / sizeof(bools[0]); i++)
		for (k = 0; k < sizeof(bad_bools); k++) {
			buf = exact_copy(&r, sizeof(r));
			buf[bools[i]] = bad_bools[k];
			back = before;
			if (wire_decode_reply(buf, sizeof(r), &back) != -1)
				fail_msg("bool at %zu = 0x%02x accepted",
					 bools[i], bad_bools[k]);
			assert_memory_equal(&back, &before, sizeof(back));
			free(buf);
		}
	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		for (v = 0; v < IMGOPT_FORMAT_COUNT; v++) {
			buf = exact_copy(&r, sizeof(r));
			memcpy(buf + formats[i], &v, sizeof(v));
			assert_int_equal(wire_decode_reply(buf, sizeof(r),
							   &back),
					 0);
			assert_int_equal(i ? back.output_format :
					     back.input_format,
					 v);
			free(buf);
		}
		for (k = 0; k < sizeof(bad_formats) / sizeof(bad_formats[0]);
		     k++) {
			buf = exact_copy(&r, sizeof(r));
			memcpy(buf + formats[i], &bad_formats[k], sizeof(int));
			back = before;
			if (wire_decode_reply(buf, sizeof(r), &back) != -1)
				fail_msg("format at %zu = %d accepted",
					 formats[i], bad_formats[k]);
			assert_memory_equal(&back, &before, sizeof(back));
			free(buf);
		}
	}
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
		cmocka_unit_test(test_request_invalid_values),
		cmocka_unit_test(test_request_length_wrap),
		cmocka_unit_test(test_reply),
		cmocka_unit_test(test_reply_invalid_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
