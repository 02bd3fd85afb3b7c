/* proto.h: the frames between the parent and its workers.
 *
 * A frame is a 16-byte header {type u32, len u32, id u64} in host byte
 * order (both ends are the same binary on the same machine) followed by
 * len bytes of payload, len <= PROTO_MAX_FRAME.  A stream that breaks these
 * rules is a dead worker, never a crash of the parent.
 */
#ifndef IMGOPT_PROTO_H
#define IMGOPT_PROTO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PROTO_MAX_FRAME (1u << 20)

enum proto_type {
	PROTO_READY = 1,      /* worker -> parent: initialised, id = pid */
	PROTO_TASK,	      /* parent -> worker: payload is the job */
	PROTO_RESULT,	      /* worker -> parent: payload is the reply */
	PROTO_QUIT,	      /* parent -> worker: exit after this */
	PROTO_LAST_WORDS,     /* worker -> parent: text sent just before an
				 abort (e.g. a GLib allocation failure) */
	PROTO_FATAL,	      /* worker -> parent: why it cannot start; it
				 then exits with PROTO_EXIT_FATAL */
};

/* The exit status of a worker that cannot start at all (bad arguments,
 * libvips or a loader missing), after a PROTO_FATAL frame saying why: the
 * pool gives up at once instead of respawning it (nginx's "fatal" exit
 * code).  Any other exit before READY is retried a few times.
 */
#define PROTO_EXIT_FATAL 2

struct proto_header {
	uint32_t type;
	uint32_t len;
	uint64_t id;
};

/* Write one whole frame to a blocking fd (retries EINTR and short writes).
 * Returns 0 or -1 with errno set.
 */
int proto_write_frame(int fd, uint32_t type, uint64_t id, const void *payload,
		      size_t len);

/* Read one whole frame from a blocking fd.  Returns 1 with *payload a
 * malloc'd buffer of h->len bytes (NUL-terminated beyond len, caller frees),
 * 0 on clean EOF before a header, -1 on error, short frame or a frame over
 * PROTO_MAX_FRAME.
 */
int proto_read_frame(int fd, struct proto_header *h, void **payload);

/* Incremental reader for non-blocking fds in the parent's poll loop. */
struct proto_reader;

struct proto_reader *proto_reader_new(void);
void proto_reader_free(struct proto_reader *r);
/* Read what is available.  Returns >0 bytes read, 0 on EOF, -1 on error
 * (EAGAIN is reported as -1 with errno EAGAIN).
 */
ssize_t proto_reader_fill(struct proto_reader *r, int fd);
/* Take the next complete frame.  Returns 1 with *h and *payload (valid
 * until the next call on r), 0 when more bytes are needed, -1 when the
 * stream is malformed.
 */
int proto_reader_next(struct proto_reader *r, struct proto_header *h,
		      const void **payload);

#endif
