/* testjson.h: checks on the JSON objects imgopt prints (results, summary,
 * benchmark), shared by the tests of the modules that build them.  Their
 * field names and types are a contract existing scripts depend on, so a
 * missing, extra or retyped field fails the calling test (cmocka).
 */
#ifndef IMGOPT_TESTJSON_H
#define IMGOPT_TESTJSON_H

#include <jansson.h>

/* obj is an object with exactly the keys of the NULL-terminated list. */
void assert_keys(json_t *obj, ...);

/* The value of key, which must have that JSON type: an integer, a real
 * (rates, times and ratios are packed as reals), any number, a string.
 */
json_int_t int_of(json_t *obj, const char *key);
double real_of(json_t *obj, const char *key);
double number_of(json_t *obj, const char *key);
const char *str_of(json_t *obj, const char *key);

#endif
