/* proto.c: frames between the parent and its workers (proto.h).
 *
 * Two readers for two kinds of fd: the worker reads its blocking socket
 * one whole frame at a time; the parent reads non-blocking sockets from
 * its poll loop into a proto_reader, which buffers what arrives and hands
 * out whole frames.  Lengths are checked before anything is allocated, so
 * a broken or hostile stream costs at most one PROTO_MAX_FRAME buffer.
 */
#include "proto.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#define PROTO_HEADER_SIZE sizeof(struct proto_header)
/* Most frames are small: start with room for many of them per read(). */
#define PROTO_READER_MIN (64u * 1024u)

struct proto_reader {
	unsigned char *buf;
	size_t cap;
	size_t start;		/* first byte not handed out yet */
	size_t end;		/* one past the last byte read */
};

/* Write one frame to a blocking fd. */
int
proto_write_frame(int fd, uint32_t type, uint64_t id, const void *payload,
		  size_t len)
{
	struct proto_header h;
	struct iovec iov[2];
	int iovcnt = 2;
	struct iovec *v = iov;

	if (len > PROTO_MAX_FRAME) {
		errno = EMSGSIZE;
		return -1;
	}
	h.type = type;
	h.len = (uint32_t)len;
	h.id = id;
	iov[0].iov_base = &h;
	iov[0].iov_len = sizeof(h);
	iov[1].iov_base = (void *)payload;
	iov[1].iov_len = len;
	if (!len)
		iovcnt = 1;
	/* One writev for header and payload keeps small frames in one
	 * segment; loop for short writes and signals.
	 */
	while (iovcnt > 0) {
		ssize_t n = writev(fd, v, iovcnt);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		while (iovcnt > 0 && (size_t)n >= v->iov_len) {
			n -= (ssize_t)v->iov_len;
			v++;
			iovcnt--;
		}
		if (iovcnt > 0) {
			v->iov_base = (char *)v->iov_base + n;
			v->iov_len -= (size_t)n;
		}
	}
	return 0;
}

/* Read exactly len bytes.  Returns 1, 0 on EOF before the first byte,
 * -1 on error or EOF after a partial read (errno EPROTO).
 */
static int
proto_read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, (char *)buf + got, len - got);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0) {
			if (got == 0)
				return 0;
			errno = EPROTO;
			return -1;
		}
		got += (size_t)n;
	}
	return 1;
}

/* Read one frame from a blocking fd into a malloc'd payload. */
int
proto_read_frame(int fd, struct proto_header *h, void **payload)
{
	unsigned char *p;
	int rc;

	*payload = NULL;
	rc = proto_read_full(fd, h, sizeof(*h));
	if (rc <= 0)
		return rc;
	if (h->len > PROTO_MAX_FRAME) {
		errno = EMSGSIZE;
		return -1;
	}
	p = malloc((size_t)h->len + 1);
	if (!p)
		return -1;
	if (h->len) {
		rc = proto_read_full(fd, p, h->len);
		if (rc <= 0) {
			if (rc == 0)
				errno = EPROTO;
			free(p);
			return -1;
		}
	}
	p[h->len] = '\0';
	*payload = p;
	return 1;
}

/* An empty reader; the buffer grows on first fill. */
struct proto_reader *
proto_reader_new(void)
{
	return calloc(1, sizeof(struct proto_reader));
}

/* Free the reader and its buffer. */
void
proto_reader_free(struct proto_reader *r)
{
	if (!r)
		return;
	free(r->buf);
	free(r);
}

/* Bytes the frame at r->start needs in all, or 0 when its header is not
 * complete yet or is invalid (then the caller reads a minimum chunk and
 * proto_reader_next() reports the error).
 */
static size_t
proto_reader_want(const struct proto_reader *r)
{
	struct proto_header h;

	if (r->end - r->start < PROTO_HEADER_SIZE)
		return 0;
	memcpy(&h, r->buf + r->start, sizeof(h));
	if (h.len > PROTO_MAX_FRAME)
		return 0;
	return PROTO_HEADER_SIZE + h.len;
}

/* One read() into the buffer, after room for the current frame. */
ssize_t
proto_reader_fill(struct proto_reader *r, int fd)
{
	size_t need = proto_reader_want(r);
	ssize_t n;

	if (need < PROTO_READER_MIN)
		need = PROTO_READER_MIN;
	/* Frames handed out are no longer referenced (they are valid only
	 * until the next call): move the unread tail to the front.
	 */
	if (r->start == r->end) {
		r->start = r->end = 0;
	} else if (r->start > 0 && r->cap - r->start < need) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
	}
	if (r->cap - r->start < need) {
		unsigned char *b = realloc(r->buf, r->start + need);

		if (!b)
			return -1;
		r->buf = b;
		r->cap = r->start + need;
	}
	if (r->end == r->cap) {
		/* Only when a whole frame is already buffered. */
		errno = ENOBUFS;
		return -1;
	}
	do {
		n = read(fd, r->buf + r->end, r->cap - r->end);
	} while (n < 0 && errno == EINTR);
	if (n > 0)
		r->end += (size_t)n;
	return n;
}

/* Hand out the next whole frame in the buffer. */
int
proto_reader_next(struct proto_reader *r, struct proto_header *h,
		  const void **payload)
{
	size_t avail = r->end - r->start;

	if (avail < PROTO_HEADER_SIZE)
		return 0;
	memcpy(h, r->buf + r->start, sizeof(*h));
	if (h->len > PROTO_MAX_FRAME) {
		errno = EMSGSIZE;
		return -1;
	}
	if (avail < PROTO_HEADER_SIZE + h->len)
		return 0;
	*payload = r->buf + r->start + PROTO_HEADER_SIZE;
	r->start += PROTO_HEADER_SIZE + h->len;
	return 1;
}
