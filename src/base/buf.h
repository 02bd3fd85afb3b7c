/* buf.h: a growable byte buffer with a size cap (curl's dynbuf, git's
 * strbuf).
 *
 * The one way to build text or collect bytes of unknown length: request
 * bodies, file contents, output queues, messages.  The contents are always
 * followed by a NUL (not counted in len), so text can be used as a C
 * string.  Every buffer filled from a file, pipe or request has a cap
 * (STYLE.md): an append that would pass it fails and leaves the buffer as
 * it was, so the caller can answer "too large" instead of growing without
 * bound.  Out of memory aborts (xalloc.h).
 *
 *   struct buf b;
 *   buf_init(&b, 1 << 20);
 *   if (buf_add(&b, data, n) != 0) ... over the cap ...
 *   use(b.data, b.len);
 *   buf_release(&b);
 */
#ifndef IMGOPT_BUF_H
#define IMGOPT_BUF_H

#include <stdarg.h>
#include <stddef.h>

/* A zeroed struct buf is an empty buffer without a cap. */
struct buf {
	char *data;   /* NULL until the first append; then NUL-terminated */
	size_t len;   /* bytes in use */
	size_t alloc; /* bytes allocated */
	size_t max;   /* cap on len; 0 = none */
};

/* Empty buffer that may hold at most max bytes (0: no cap). */
void buf_init(struct buf *b, size_t max);

/* Append; 0, or -1 when len would pass the cap (nothing appended). */
int buf_add(struct buf *b, const void *p, size_t n);
int buf_addstr(struct buf *b, const char *s);
int buf_addch(struct buf *b, char c);
int buf_addf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int buf_vaddf(struct buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* Drop the first n bytes (a queue written out from the front). */
void buf_consume(struct buf *b, size_t n);

/* Empty it, keeping the memory. */
void buf_reset(struct buf *b);

/* Hand the contents to the caller (free() them; never NULL, "" when
 * empty), length in *len when len is not NULL; the buffer is empty again.
 */
char *buf_detach(struct buf *b, size_t *len);

/* Free the memory; the buffer is empty again, the cap kept.  Accepts
 * NULL.
 */
void buf_release(struct buf *b);

#endif
