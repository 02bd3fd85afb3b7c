/* testjson.c: see testjson.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testjson.h"

void
assert_keys(json_t *obj, ...)
{
	const char *key;
	size_t n = 0;
	va_list ap;

	if (!json_is_object(obj))
		fail_msg("not an object");
	va_start(ap, obj);
	while ((key = va_arg(ap, const char *))) {
		if (!json_object_get(obj, key))
			fail_msg("no \"%s\" in %s", key,
				 json_dumps(obj, JSON_COMPACT));
		n++;
	}
	va_end(ap);
	if (json_object_size(obj) != n)
		fail_msg("%zu keys, want %zu: %s", json_object_size(obj), n,
			 json_dumps(obj, JSON_COMPACT));
}

json_int_t
int_of(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_integer(v))
		fail_msg("\"%s\" is not an integer", key);
	return json_integer_value(v);
}

double
real_of(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_real(v))
		fail_msg("\"%s\" is not a real", key);
	return json_real_value(v);
}

double
number_of(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_number(v))
		fail_msg("\"%s\" is not a number", key);
	return json_number_value(v);
}

const char *
str_of(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_string(v))
		fail_msg("\"%s\" is not a string", key);
	return json_string_value(v);
}
