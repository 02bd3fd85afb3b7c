/* assets.h: the page (web/index.html, app.js, style.css), compiled into
 * the binary by tools/embed_assets.py so `imgopt serve` needs no files.
 */
#ifndef IMGOPT_ASSETS_H
#define IMGOPT_ASSETS_H

#include <stddef.h>

struct asset {
	const char *path; /* "/index.html" */
	const char *type; /* Content-Type */
	const unsigned char *data;
	size_t len;
};

/* Generated table (assets_data.c). */
extern const struct asset assets_table[];
extern const size_t assets_count;

/* The asset for a URL path ("/" is /index.html), or NULL. */
const struct asset *assets_find(const char *url);

#endif
