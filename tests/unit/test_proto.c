/* test_proto.c: frames round trip, arrive byte by byte through the
 * incremental reader, and broken streams (too long, cut short) are errors.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "pool/proto.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static void
test_round_trip(void **state)
{
	int sv[2];
	struct proto_header h;
	void *p;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(proto_write_frame(sv[0], PROTO_TASK, 42, "hello", 5),
			 0);
	assert_int_equal(proto_write_frame(sv[0], PROTO_READY, 7, NULL, 0), 0);
	assert_int_equal(proto_write_frame(sv[0], PROTO_RESULT,
					   UINT64_C(0xffffffffffff), "x", 1),
			 0);
	close(sv[0]);

	assert_int_equal(proto_read_frame(sv[1], &h, &p), 1);
	assert_int_equal(h.type, PROTO_TASK);
	assert_int_equal(h.id, 42);
	assert_int_equal(h.len, 5);
	assert_string_equal(p, "hello"); /* NUL-terminated beyond len */
	free(p);
	assert_int_equal(proto_read_frame(sv[1], &h, &p), 1);
	assert_int_equal(h.type, PROTO_READY);
	assert_int_equal(h.id, 7);
	assert_int_equal(h.len, 0);
	assert_string_equal(p, "");
	free(p);
	assert_int_equal(proto_read_frame(sv[1], &h, &p), 1);
	assert_true(h.id == UINT64_C(0xffffffffffff));
	free(p);
	/* Clean EOF between frames. */
	assert_int_equal(proto_read_frame(sv[1], &h, &p), 0);
	assert_null(p);
	close(sv[1]);
}

static void
test_write_rejects_oversized(void **state)
{
	int p[2];
	static char big[1];

	(void)state;
	assert_int_equal(pipe(p), 0);
	errno = 0;
	assert_int_equal(proto_write_frame(p[1], PROTO_TASK, 1, big,
					   (size_t)PROTO_MAX_FRAME + 1),
			 -1);
	assert_int_equal(errno, EMSGSIZE);
	close(p[0]);
	close(p[1]);
}

static void
test_read_rejects_oversized(void **state)
{
	int p[2];
	struct proto_header h = { PROTO_RESULT, PROTO_MAX_FRAME + 1, 9 };
	struct proto_header got;
	struct proto_reader *r = proto_reader_new();
	const void *payload;
	void *p2;

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], &h, sizeof(h)), (ssize_t)sizeof(h));
	/* The reader refuses it before waiting for a megabyte. */
	assert_true(proto_reader_fill(r, p[0]) > 0);
	assert_int_equal(proto_reader_next(r, &got, &payload), -1);
	proto_reader_free(r);
	assert_int_equal(write(p[1], &h, sizeof(h)), (ssize_t)sizeof(h));
	/* So does the blocking reader, without allocating. */
	assert_int_equal(proto_read_frame(p[0], &got, &p2), -1);
	assert_null(p2);
	close(p[0]);
	close(p[1]);
}

static void
test_eof_mid_frame(void **state)
{
	int p[2];
	struct proto_header h = { PROTO_RESULT, 10, 1 };
	struct proto_header got;
	void *payload;

	(void)state;
	/* Cut in the payload. */
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], &h, sizeof(h)), (ssize_t)sizeof(h));
	assert_int_equal(write(p[1], "abc", 3), 3);
	close(p[1]);
	assert_int_equal(proto_read_frame(p[0], &got, &payload), -1);
	assert_null(payload);
	close(p[0]);
	/* Cut in the header. */
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], &h, 5), 5);
	close(p[1]);
	assert_int_equal(proto_read_frame(p[0], &got, &payload), -1);
	close(p[0]);

	/* The reader: a partial frame, then EOF: no frame, fill says 0. */
	{
		struct proto_reader *r = proto_reader_new();
		const void *pl;

		assert_int_equal(pipe2(p, O_NONBLOCK), 0);
		assert_int_equal(write(p[1], &h, sizeof(h)),
				 (ssize_t)sizeof(h));
		assert_int_equal(write(p[1], "abc", 3), 3);
		close(p[1]);
		assert_int_equal(proto_reader_fill(r, p[0]), sizeof(h) + 3);
		assert_int_equal(proto_reader_next(r, &got, &pl), 0);
		assert_int_equal(proto_reader_fill(r, p[0]), 0);
		assert_int_equal(proto_reader_next(r, &got, &pl), 0);
		proto_reader_free(r);
		close(p[0]);
	}
}

/* Frames written one byte at a time come out whole and in order. */
static void
test_reader_byte_by_byte(void **state)
{
	int sv[2], p[2];
	unsigned char stream[4096];
	size_t len = 0;
	struct proto_reader *r = proto_reader_new();
	int got = 0;

	(void)state;
	/* Build the byte stream with the blocking writer. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	for (int i = 0; i < 5; i++) {
		char text[32];
		int n = snprintf(text, sizeof(text), "payload-%d", i * 111);

		assert_int_equal(proto_write_frame(sv[0], PROTO_RESULT,
						   (uint64_t)i + 100, text,
						   i == 2 ? 0 : (size_t)n),
				 0);
	}
	close(sv[0]);
	for (;;) {
		ssize_t n = read(sv[1], stream + len, sizeof(stream) - len);

		assert_true(n >= 0);
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(sv[1]);

	assert_int_equal(pipe2(p, O_NONBLOCK), 0);
	/* Nothing there yet: EAGAIN. */
	assert_int_equal(proto_reader_fill(r, p[0]), -1);
	assert_int_equal(errno, EAGAIN);
	for (size_t i = 0; i < len; i++) {
		struct proto_header h;
		const void *payload;
		int rc;

		assert_int_equal(write(p[1], stream + i, 1), 1);
		assert_int_equal(proto_reader_fill(r, p[0]), 1);
		while ((rc = proto_reader_next(r, &h, &payload)) == 1) {
			char want[32];
			int n = snprintf(want, sizeof(want), "payload-%d",
					 got * 111);

			assert_int_equal(h.type, PROTO_RESULT);
			assert_int_equal(h.id, (uint64_t)got + 100);
			if (got == 2) {
				assert_int_equal(h.len, 0);
			} else {
				assert_int_equal(h.len, n);
				assert_memory_equal(payload, want, (size_t)n);
			}
			got++;
		}
		assert_int_equal(rc, 0);
	}
	assert_int_equal(got, 5);
	close(p[1]);
	assert_int_equal(proto_reader_fill(r, p[0]), 0);
	close(p[0]);
	proto_reader_free(r);
}

/* The largest frame allowed, written by another process, read without
 * blocking: the reader grows to fit it.
 */
static void
test_reader_max_frame(void **state)
{
	int sv[2];
	pid_t pid;
	struct proto_reader *r = proto_reader_new();
	struct proto_header h;
	const void *payload = NULL;
	int frames = 0;
	int status;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char *big = malloc(PROTO_MAX_FRAME);

		close(sv[1]);
		memset(big, 'q', PROTO_MAX_FRAME);
		big[PROTO_MAX_FRAME - 1] = 'z';
		if (proto_write_frame(sv[0], PROTO_RESULT, 5, big,
				      PROTO_MAX_FRAME) < 0 ||
		    proto_write_frame(sv[0], PROTO_RESULT, 6, "s", 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(sv[0]);
	assert_int_equal(fcntl(sv[1], F_SETFL, O_NONBLOCK), 0);
	for (;;) {
		struct pollfd pfd = { sv[1], POLLIN, 0 };
		ssize_t n;
		int rc;

		assert_int_equal(poll(&pfd, 1, 5000), 1);
		n = proto_reader_fill(r, sv[1]);
		if (n == 0)
			break;
		if (n < 0) {
			assert_int_equal(errno, EAGAIN);
			continue;
		}
		while ((rc = proto_reader_next(r, &h, &payload)) == 1) {
			if (frames == 0) {
				assert_int_equal(h.id, 5);
				assert_int_equal(h.len, PROTO_MAX_FRAME);
				assert_int_equal(((const char *)payload)[0],
						 'q');
				assert_int_equal(((const char *)payload)
							 [PROTO_MAX_FRAME - 1],
						 'z');
			} else {
				assert_int_equal(h.id, 6);
			}
			frames++;
		}
		assert_int_equal(rc, 0);
	}
	assert_int_equal(frames, 2);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(sv[1]);
	proto_reader_free(r);
	proto_reader_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_write_rejects_oversized),
		cmocka_unit_test(test_read_rejects_oversized),
		cmocka_unit_test(test_eof_mid_frame),
		cmocka_unit_test(test_reader_byte_by_byte),
		cmocka_unit_test(test_reader_max_frame),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
