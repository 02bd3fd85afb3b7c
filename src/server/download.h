/* download.h: sending files to the browser: one optimized image, or a
 * zip of several, with a safe Content-Disposition.
 */
#ifndef IMGOPT_DOWNLOAD_H
#define IMGOPT_DOWNLOAD_H

#include <stddef.h>

#include <microhttpd.h>

/* Content-Type from an output's extension (.jpg, .png, .webp, .avif). */
const char *download_type(const char *path);

/* The header value for a download name: an ASCII fallback and the UTF-8
 * name (RFC 6266, RFC 5987).  Caller frees.
 */
char *download_disposition(const char *name);

/* Answer with the file at path (200), or 404 when it is gone. */
enum MHD_Result download_send_file(struct MHD_Connection *c,
				   const char *path, const char *type,
				   const char *name);

struct download_entry {
	const char *path; /* file to add */
	const char *name; /* entry name; duplicates get " (2)", " (3)" */
};

/* Write a zip of the entries to zip_path (stored, not deflated: the
 * images are compressed already, and storing keeps the loop's pause
 * short).  Returns 0, or -1 with a message in err and no file left.
 */
int download_zip(const char *zip_path, const struct download_entry *e,
		 size_t n, char *err, size_t err_size);

#endif
