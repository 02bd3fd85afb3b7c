/* test_gate.c: the Host, Origin and token checks of `imgopt serve`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "server/gate.h"

static void
test_host(void **state)
{
	(void)state;
	/* Our port, named by IP literal, localhost or the --host name. */
	assert_int_equal(gate_host_ok("127.0.0.1:8080", "127.0.0.1", 8080), 0);
	assert_int_equal(gate_host_ok("localhost:8080", "127.0.0.1", 8080), 0);
	assert_int_equal(gate_host_ok("LOCALHOST:8080", "127.0.0.1", 8080), 0);
	assert_int_equal(gate_host_ok("[::1]:8080", "::1", 8080), 0);
	assert_int_equal(gate_host_ok("10.1.2.3:8080", "0.0.0.0", 8080), 0);
	assert_int_equal(gate_host_ok("box.lan:8080", "box.lan", 8080), 0);
	assert_int_equal(gate_host_ok("127.0.0.1", "127.0.0.1", 80), 0);
	/* DNS rebinding: somebody else's name. */
	assert_int_equal(gate_host_ok("evil.example:8080", "127.0.0.1", 8080),
			 -1);
	assert_int_equal(gate_host_ok("localhost.evil.example:8080",
				      "127.0.0.1", 8080), -1);
	assert_int_equal(gate_host_ok("127.0.0.1.nip.io:8080", "127.0.0.1",
				      8080), -1);
	/* Wrong or odd ports, malformed values. */
	assert_int_equal(gate_host_ok("127.0.0.1:8081", "127.0.0.1", 8080), -1);
	assert_int_equal(gate_host_ok("127.0.0.1", "127.0.0.1", 8080), -1);
	assert_int_equal(gate_host_ok("127.0.0.1:", "127.0.0.1", 8080), -1);
	assert_int_equal(gate_host_ok("127.0.0.1:08080x", "127.0.0.1", 8080),
			 -1);
	assert_int_equal(gate_host_ok("127.0.0.1:0000000008080", "127.0.0.1",
				      8080), -1);
	assert_int_equal(gate_host_ok("::1:8080", "::1", 8080), -1);
	assert_int_equal(gate_host_ok("[::1", "::1", 8080), -1);
	assert_int_equal(gate_host_ok("[::1]x", "::1", 8080), -1);
	assert_int_equal(gate_host_ok(":8080", "127.0.0.1", 8080), -1);
	assert_int_equal(gate_host_ok("", "127.0.0.1", 8080), -1);
	assert_int_equal(gate_host_ok(NULL, "127.0.0.1", 8080), -1);
}

static void
test_origin(void **state)
{
	(void)state;
	assert_null(gate_check("127.0.0.1:8080", NULL, "127.0.0.1", 8080));
	assert_null(gate_check("127.0.0.1:8080", "http://127.0.0.1:8080",
			       "127.0.0.1", 8080));
	assert_non_null(gate_check("127.0.0.1:8080", "http://evil.example",
				   "127.0.0.1", 8080));
	assert_non_null(gate_check("127.0.0.1:8080", "null", "127.0.0.1",
				   8080));
	/* Another local origin is another site too. */
	assert_non_null(gate_check("127.0.0.1:8080", "http://localhost:8080",
				   "127.0.0.1", 8080));
	assert_non_null(gate_check("127.0.0.1:8080", "https://127.0.0.1:8080",
				   "127.0.0.1", 8080));
	assert_non_null(gate_check("evil.example:8080",
				   "http://evil.example:8080", "127.0.0.1",
				   8080));
}

static void
test_token(void **state)
{
	(void)state;
	assert_true(gate_token_ok("Bearer abc123", "abc123"));
	assert_true(gate_token_ok("bearer abc123", "abc123"));
	assert_false(gate_token_ok(NULL, "abc123"));
	assert_false(gate_token_ok("abc123", "abc123"));
	assert_false(gate_token_ok("Bearer abc12", "abc123"));
	assert_false(gate_token_ok("Bearer abc1234", "abc123"));
	assert_false(gate_token_ok("Bearer abc124", "abc123"));
	assert_false(gate_token_ok("Basic abc123", "abc123"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host),
		cmocka_unit_test(test_origin),
		cmocka_unit_test(test_token),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
