/* assets.c: look up the page's files, embedded at build time.
 *
 * The bytes live in assets_data.c, which meson generates from the files
 * in web/ with tools/embed_assets.py (a plain byte-array generator: C11
 * has no #embed, and xxd is not always installed).  Only the names in
 * that table are served, so no URL ever reaches the file system.
 */
#include "assets.h"

#include <string.h>

const struct asset *
assets_find(const char *url)
{
	if (!strcmp(url, "/"))
		url = "/index.html";
	for (size_t i = 0; i < assets_count; i++)
		if (!strcmp(url, assets_table[i].path))
			return &assets_table[i];
	return NULL;
}
