/* test_message.c: the worker messages and their one encoder (message.h).
 *
 * Driven by the field tables the encoder itself walks, so a field added to
 * a list is tested without touching this file:
 *   - every field of the task, the reply and the settings, set to a value
 *     of its own, comes back equal, and changing it alone changes the
 *     encoding (the encoder reads it);
 *   - every prefix of an encoding, and one byte more, is refused;
 *   - per field: a bool byte other than 0 or 1, an int or enum one past
 *     either end of its range, a NaN or infinite double, a string longer
 *     than the payload, over MSG_STR_MAX or holding a NUL: refused;
 *   - random corruption decodes to valid values or is refused, never a
 *     crash or a leak (ASan, in the sanitizer build).
 * Payloads are copied into buffers of exactly their length, so ASan
 * reports any read past the end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "message/message.h"

static const struct msg_schema *const schemas[] = {
	&msg_task_schema, &msg_reply_schema, &msg_settings_schema,
};
#define N_SCHEMAS (sizeof(schemas) / sizeof(schemas[0]))

/* len bytes of p in a buffer of exactly len bytes (free()). */
static unsigned char *
exact_copy(const void *p, size_t len)
{
	unsigned char *c = malloc(len ? len : 1);

	assert_non_null(c);
	memcpy(c, p, len);
	return c;
}

/* Strings the filler hands out, freed at the end of each test. */
static char *strings[256];
static size_t n_strings;

static char *
keep_string(char *s)
{
	assert_true(n_strings < sizeof(strings) / sizeof(strings[0]));
	strings[n_strings++] = s;
	return s;
}

static void
drop_strings(void)
{
	while (n_strings)
		free(strings[--n_strings]);
}

static void fill(const struct msg_schema *schema, unsigned char *msg,
		 unsigned salt);

/* Element k of field f at p: a valid value that depends on salt, the
 * field and k, so two fields never hold the same bytes by accident.
 */
static void
fill_value(const struct msg_field *f, unsigned char *p, size_t k,
	   unsigned salt)
{
	switch (f->kind) {
	case MSG_BOOL: {
		bool b = (salt + k) % 2 == 0;

		memcpy(p, &b, 1);
		return;
	}
	case MSG_INT:
	case MSG_ENUM: {
		double span = f->hi - f->lo + 1;
		int v = (int)(f->lo + fmod(salt * 7.0 + (double)k * 3, span));

		memcpy(p, &v, sizeof(v));
		return;
	}
	case MSG_U64: {
		uint64_t v = 0x0102030405060708ull * (salt + 1) + k;

		memcpy(p, &v, sizeof(v));
		return;
	}
	case MSG_F64: {
		double v = f->lo + (f->hi - f->lo) *
					   (0.1 + fmod(0.037 * salt, 0.8));

		memcpy(p, &v, sizeof(v));
		return;
	}
	case MSG_STR: {
		char *s = malloc(64);

		assert_non_null(s);
		snprintf(s, 64, "%s \xc3\xa9/%u\n%zu", f->name, salt, k);
		keep_string(s);
		memcpy(p, &s, sizeof(s));
		return;
	}
	case MSG_SETTINGS:
		fill(&msg_settings_schema, p, salt);
		return;
	}
}

/* Every field of msg, element by element. */
static void
fill(const struct msg_schema *schema, unsigned char *msg, unsigned salt)
{
	for (size_t i = 0; i < schema->n_fields; i++) {
		const struct msg_field *f = &schema->fields[i];

		for (size_t k = 0; k < f->count; k++)
			fill_value(f, msg + f->offset + k * (f->size / f->count),
				   k, salt + (unsigned)i * 13);
	}
}

static void check_equal(const struct msg_schema *schema,
			const unsigned char *a, const unsigned char *b);

static void
check_field_equal(const struct msg_field *f, const unsigned char *a,
		  const unsigned char *b)
{
	if (f->kind == MSG_STR) {
		const char *sa, *sb;

		memcpy(&sa, a + f->offset, sizeof(sa));
		memcpy(&sb, b + f->offset, sizeof(sb));
		assert_non_null(sb);
		assert_string_equal(sa ? sa : "", sb);
	} else if (f->kind == MSG_SETTINGS) {
		check_equal(&msg_settings_schema, a + f->offset,
			    b + f->offset);
	} else if (memcmp(a + f->offset, b + f->offset, f->size) != 0) {
		fail_msg("field %s differs after the round trip", f->name);
	}
}

static void
check_equal(const struct msg_schema *schema, const unsigned char *a,
	    const unsigned char *b)
{
	for (size_t i = 0; i < schema->n_fields; i++)
		check_field_equal(&schema->fields[i], a, b);
}

static void
test_round_trip(void **state)
{
	(void)state;
	for (size_t s = 0; s < N_SCHEMAS; s++) {
		const struct msg_schema *schema = schemas[s];
		unsigned char *a = calloc(1, schema->struct_size);
		unsigned char *b = calloc(1, schema->struct_size);

		for (unsigned salt = 0; salt < 5; salt++) {
			size_t len;
			void *enc;
			unsigned char *exact;

			fill(schema, a, salt);
			enc = msg_encode(schema, a, &len);
			exact = exact_copy(enc, len);
			assert_int_equal(msg_decode(schema, exact, len, b), 0);
			check_equal(schema, a, b);
			msg_release(schema, b);
			free(exact);
			free(enc);
			drop_strings();
		}
		free(a);
		free(b);
	}
}

/* Changing one element of one field, and nothing else, changes the
 * encoding from its first byte on: the encoder reads every field.
 * Returns that byte's offset (the field's place on the wire).
 */
static size_t
field_offset(const struct msg_schema *schema, unsigned char *msg, size_t i,
	     size_t k)
{
	const struct msg_field *f = &schema->fields[i];
	unsigned char *p = msg + f->offset + k * (f->size / f->count);
	unsigned char *saved = malloc(f->size / f->count);
	size_t la, lb, at;
	unsigned char *ea, *eb;

	memcpy(saved, p, f->size / f->count);
	ea = msg_encode(schema, msg, &la);
	switch (f->kind) {
	case MSG_BOOL: {
		bool v;

		memcpy(&v, p, 1);
		v = !v;
		memcpy(p, &v, 1);
		break;
	}
	case MSG_INT:
	case MSG_ENUM: {
		int v;

		memcpy(&v, p, sizeof(v));
		v = v < f->hi ? v + 1 : v - 1;
		memcpy(p, &v, sizeof(v));
		break;
	}
	case MSG_U64: {
		uint64_t v;

		memcpy(&v, p, sizeof(v));
		v ^= 1;
		memcpy(p, &v, sizeof(v));
		break;
	}
	case MSG_F64: {
		double v;

		memcpy(&v, p, sizeof(v));
		v = nextafter(v, f->hi);
		memcpy(p, &v, sizeof(v));
		break;
	}
	case MSG_STR: {
		/* A different length, so the length prefix (the field's
		 * first byte on the wire) is what changes first.
		 */
		const char *old;
		char *s;

		memcpy(&old, p, sizeof(old));
		s = malloc(strlen(old ? old : "") + 8);
		sprintf(s, "%s-longer", old ? old : "");
		keep_string(s);
		memcpy(p, &s, sizeof(s));
		break;
	}
	case MSG_SETTINGS:
		fail_msg("settings are walked by their own schema");
	}
	eb = msg_encode(schema, msg, &lb);
	for (at = 0; at < la && at < lb && ea[at] == eb[at]; at++)
		;
	if (at == la && at == lb)
		fail_msg("field %s[%zu] does not change the encoding",
			 f->name, k);
	memcpy(p, saved, f->size / f->count);
	free(saved);
	free(ea);
	free(eb);
	return at;
}

static void
test_every_field_travels(void **state)
{
	(void)state;
	for (size_t s = 0; s < N_SCHEMAS; s++) {
		const struct msg_schema *schema = schemas[s];
		unsigned char *m = calloc(1, schema->struct_size);

		fill(schema, m, 3);
		for (size_t i = 0; i < schema->n_fields; i++)
			if (schema->fields[i].kind != MSG_SETTINGS)
				for (size_t k = 0; k < schema->fields[i].count;
				     k++)
					(void)field_offset(schema, m, i, k);
		drop_strings();
		free(m);
	}
}

static void
test_wrong_length(void **state)
{
	(void)state;
	for (size_t s = 0; s < N_SCHEMAS; s++) {
		const struct msg_schema *schema = schemas[s];
		unsigned char *m = calloc(1, schema->struct_size);
		unsigned char *out = calloc(1, schema->struct_size);
		size_t len;
		unsigned char *enc, *longer;

		fill(schema, m, 1);
		enc = msg_encode(schema, m, &len);
		for (size_t n = 0; n < len; n++) {
			unsigned char *c = exact_copy(enc, n);

			assert_int_equal(msg_decode(schema, c, n, out), -1);
			free(c);
		}
		longer = malloc(len + 1);
		memcpy(longer, enc, len);
		longer[len] = 0;
		assert_int_equal(msg_decode(schema, longer, len + 1, out), -1);
		free(longer);
		free(enc);
		drop_strings();
		free(m);
		free(out);
	}
}

/* Decode enc with the bytes at `at` replaced by v (n bytes): -1. */
static void
expect_refused(const struct msg_schema *schema, const unsigned char *enc,
	       size_t len, size_t at, const void *v, size_t n,
	       const char *what)
{
	unsigned char *c = exact_copy(enc, len);
	unsigned char *out = calloc(1, schema->struct_size);

	memcpy(c + at, v, n);
	if (msg_decode(schema, c, len, out) != -1)
		fail_msg("%s: %s accepted", schema->name, what);
	free(c);
	free(out);
}

static void
test_invalid_values(void **state)
{
	(void)state;
	for (size_t s = 0; s < N_SCHEMAS; s++) {
		const struct msg_schema *schema = schemas[s];
		unsigned char *m = calloc(1, schema->struct_size);
		size_t len;
		unsigned char *enc;
		int checked = 0;

		fill(schema, m, 2);
		enc = msg_encode(schema, m, &len);
		for (size_t i = 0; i < schema->n_fields; i++) {
			const struct msg_field *f = &schema->fields[i];

			if (f->kind == MSG_SETTINGS)
				continue;
			for (size_t k = 0; k < f->count; k++) {
				size_t at = field_offset(schema, m, i, k);

				switch (f->kind) {
				case MSG_BOOL:
					for (int b = 2; b < 256; b += 85) {
						unsigned char c = (unsigned char)b;

						expect_refused(schema, enc, len, at,
							       &c, 1, f->name);
					}
					checked++;
					break;
				case MSG_INT:
				case MSG_ENUM: {
					int32_t lo = (int32_t)(f->lo - 1);
					int32_t hi = (int32_t)(f->hi + 1);

					if (f->lo > INT32_MIN)
						expect_refused(schema, enc, len,
							       at, &lo, 4,
							       f->name);
					if (f->hi < INT32_MAX)
						expect_refused(schema, enc, len,
							       at, &hi, 4,
							       f->name);
					checked++;
					break;
				}
				case MSG_F64: {
					double bad[] = { NAN, INFINITY,
							 -INFINITY,
							 f->hi * 2 + 1 };

					for (size_t b = 0; b < 4; b++)
						expect_refused(schema, enc, len,
							       at, &bad[b], 8,
							       f->name);
					checked++;
					break;
				}
				case MSG_STR: {
					uint32_t n = (uint32_t)len;
					uint32_t huge = MSG_STR_MAX + 1;
					char nul = '\0';

					expect_refused(schema, enc, len, at, &n,
						       4, f->name);
					expect_refused(schema, enc, len, at,
						       &huge, 4, f->name);
					/* The first byte of the text. */
					expect_refused(schema, enc, len, at + 4,
						       &nul, 1, f->name);
					checked++;
					break;
				}
				default:
					break;
				}
			}
		}
		assert_true(checked > 0);
		free(enc);
		drop_strings();
		free(m);
	}
}

/* Random bytes changed: refused, or valid values with NUL-terminated
 * strings.  The decoded message is released either way (ASan: no leak).
 */
static void
test_random_corruption(void **state)
{
	(void)state;
	srand(12345);
	for (size_t s = 0; s < N_SCHEMAS; s++) {
		const struct msg_schema *schema = schemas[s];
		unsigned char *m = calloc(1, schema->struct_size);
		unsigned char *out = calloc(1, schema->struct_size);
		size_t len;
		unsigned char *enc;

		fill(schema, m, 4);
		enc = msg_encode(schema, m, &len);
		for (int round = 0; round < 20000; round++) {
			unsigned char *c = exact_copy(enc, len);

			for (int n = 1 + rand() % 3; n > 0; n--)
				c[(size_t)rand() % len] = (unsigned char)rand();
			if (msg_decode(schema, c, len, out) == 0)
				msg_release(schema, out);
			free(c);
		}
		free(enc);
		drop_strings();
		free(m);
		free(out);
	}
}

/* A NULL string travels as "" and comes back as "", never NULL. */
static void
test_null_string(void **state)
{
	struct msg_reply r, back;
	size_t len;
	void *enc;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.ok = true;
	enc = msg_reply_encode(&r, &len);
	assert_int_equal(msg_reply_decode(enc, len, &back), 0);
	assert_non_null(back.error);
	assert_string_equal(back.error, "");
	msg_release(&msg_reply_schema, &back);
	free(enc);
}

/* The settings schema covers the public struct (also checked at compile
 * time): its fields' sizes add up to the struct without its padding.
 */
static void
test_settings_covered(void **state)
{
	struct imgopt_settings a, b;
	size_t len;
	void *enc;

	(void)state;
	imgopt_settings_init(&a);
	a.quality[IMGOPT_FORMAT_WEBP] = 42;
	a.target_metric = IMGOPT_TARGET_SSIM;
	a.target_value = 0.987;
	enc = msg_encode(&msg_settings_schema, &a, &len);
	assert_int_equal(msg_decode(&msg_settings_schema, enc, len, &b), 0);
	assert_int_equal(b.quality[IMGOPT_FORMAT_WEBP], 42);
	assert_int_equal(b.quality_global, a.quality_global);
	assert_true(b.maintain_aspect);
	assert_true(b.target_value == 0.987);
	free(enc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_every_field_travels),
		cmocka_unit_test(test_wrong_length),
		cmocka_unit_test(test_invalid_values),
		cmocka_unit_test(test_random_corruption),
		cmocka_unit_test(test_null_string),
		cmocka_unit_test(test_settings_covered),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
