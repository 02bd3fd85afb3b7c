/* test_convert.c: the worker's copies between messages and the codec's
 * structs (worker/convert.h), checked field by field from the message
 * tables: a field added to a message list but not copied here fails.
 *
 *   - task: changing any one field of a msg_task (any settings member
 *     included) changes the codec_request made from it;
 *   - reply: every field of the msg_reply made from a codec_reply whose
 *     bytes are all set differs from the one made from a zeroed reply.
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

#include "worker/convert.h"

/* Flip one element of field f at msg + base (a valid new value). */
static void
change(const struct msg_field *f, unsigned char *p, char *other)
{
	switch (f->kind) {
	case MSG_BOOL:
		*(bool *)p = !*(bool *)p;
		return;
	case MSG_INT:
	case MSG_ENUM: {
		int v;

		memcpy(&v, p, sizeof(v));
		v = v < f->hi ? v + 1 : v - 1;
		memcpy(p, &v, sizeof(v));
		return;
	}
	case MSG_U64:
		*(uint64_t *)p ^= 1;
		return;
	case MSG_F64:
		*(double *)p += 0.5;
		return;
	case MSG_STR:
		memcpy(p, &other, sizeof(other));
		return;
	case MSG_SETTINGS:
		return;
	}
}

/* Every element of every field of schema at base, each changed alone. */
static int
check_task_fields(struct msg_task *task, const struct msg_schema *schema,
		  unsigned char *base)
{
	static char other[] = "another/path";
	struct codec_request r0, r1;
	int n = 0;

	for (size_t i = 0; i < schema->n_fields; i++) {
		const struct msg_field *f = &schema->fields[i];
		size_t elem = f->size / f->count;

		if (f->kind == MSG_SETTINGS) {
			n += check_task_fields(task, &msg_settings_schema,
					       base + f->offset);
			continue;
		}
		for (size_t k = 0; k < f->count; k++) {
			unsigned char *p = base + f->offset + k * elem;
			unsigned char saved[64];

			memcpy(saved, p, elem);
			convert_task_to_request(task, &r0);
			change(f, p, other);
			convert_task_to_request(task, &r1);
			if (memcmp(&r0, &r1, sizeof(r0)) == 0)
				fail_msg("task field %s[%zu] does not reach the "
					 "codec request", f->name, k);
			memcpy(p, saved, elem);
			n++;
		}
	}
	return n;
}

static void
test_task(void **state)
{
	static char in[] = "in.jpg", out[] = "out.tmp";
	struct msg_task task;

	(void)state;
	memset(&task, 0, sizeof(task));
	task.input_path = in;
	task.output_path = out;
	imgopt_settings_init(&task.settings);
	task.fail_on = IMGOPT_FAIL_ON_TRUNCATED;
	task.min_savings_pct = 5;
	assert_true(check_task_fields(&task, &msg_task_schema,
				      (unsigned char *)&task) > 10);
}

static void
test_reply(void **state)
{
	struct codec_reply zero, ones;
	struct msg_reply m0, m1;

	(void)state;
	memset(&zero, 0, sizeof(zero));
	memset(&ones, 1, sizeof(ones));
	ones.error[sizeof(ones.error) - 1] = '\0';
	convert_reply_to_message(&zero, &m0);
	convert_reply_to_message(&ones, &m1);
	for (size_t i = 0; i < msg_reply_schema.n_fields; i++) {
		const struct msg_field *f = &msg_reply_schema.fields[i];
		const unsigned char *a = (unsigned char *)&m0 + f->offset;
		const unsigned char *b = (unsigned char *)&m1 + f->offset;

		if (f->kind == MSG_STR) {
			const char *sa = *(char *const *)a;
			const char *sb = *(char *const *)b;

			assert_non_null(sa);
			assert_non_null(sb);
			if (!strcmp(sa, sb))
				fail_msg("reply field %s is not copied",
					 f->name);
		} else if (memcmp(a, b, f->size) == 0) {
			fail_msg("reply field %s is not copied", f->name);
		}
	}
	msg_release(&msg_reply_schema, &m0);
	msg_release(&msg_reply_schema, &m1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_task),
		cmocka_unit_test(test_reply),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
