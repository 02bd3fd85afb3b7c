/* xalloc.h: allocation that never returns NULL.
 *
 * The parent cannot do anything useful once malloc fails (it would only
 * fail the next image, and the next), so out of memory is fatal: these
 * call abort(), like git's xmalloc().  Workers never get here on image
 * data: their allocations go through libvips and GLib, and the memory
 * limit turns a failure there into that image's error.
 */
#ifndef IMGOPT_XALLOC_H
#define IMGOPT_XALLOC_H

#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
/* realloc of n elements of size bytes; the product never overflows. */
void *xreallocarray(void *p, size_t n, size_t size);
/* NULL in, NULL out. */
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap)
	__attribute__((format(printf, 1, 0)));

/* Grow the array p (of *alloc elements) to hold at least need elements,
 * doubling (git's ALLOC_GROW).  Evaluates to the new pointer.
 */
#define XGROW(p, need, alloc)                                                \
	((need) > (alloc) ?                                                  \
		 ((alloc) = (need) > 2 * (alloc) ?                           \
			    ((need) > 16 ? (need) : 16) :                    \
			    2 * (alloc),                                     \
		  (p) = xreallocarray((p), (alloc), sizeof(*(p)))) :         \
		 (p))

#endif
