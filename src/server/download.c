/* download.c: files to the browser (see download.h).  Files are sent
 * from an open descriptor, so a job removed meanwhile (its folder
 * unlinked) still finishes the download in progress.
 */
#include "download.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zip.h>

#include "server.h"

const char *
download_type(const char *path)
{
	const char *dot = strrchr(path, '.');

	if (!dot)
		return "application/octet-stream";
	if (!strcasecmp(dot, ".jpg") || !strcasecmp(dot, ".jpeg"))
		return "image/jpeg";
	if (!strcasecmp(dot, ".png"))
		return "image/png";
	if (!strcasecmp(dot, ".webp"))
		return "image/webp";
	if (!strcasecmp(dot, ".avif"))
		return "image/avif";
	return "application/octet-stream";
}

char *
download_disposition(const char *name)
{
	static const char keep[] = "!#$&+.^_`|~-";
	size_t n = strlen(name);
	char *ascii = malloc(n + 1), *pct = malloc(3 * n + 1), *out;
	size_t a = 0, p = 0;

	if (!ascii || !pct)
		abort();
	for (const unsigned char *s = (const unsigned char *)name; *s; s++) {
		bool plain = (*s >= 'a' && *s <= 'z') ||
			     (*s >= 'A' && *s <= 'Z') ||
			     (*s >= '0' && *s <= '9') || strchr(keep, *s);

		ascii[a++] = *s >= 0x20 && *s < 0x7f && *s != '"' &&
					     *s != '\\' ? (char)*s : '_';
		if (plain)
			pct[p++] = (char)*s;
		else
			p += (size_t)sprintf(pct + p, "%%%02X", *s);
	}
	ascii[a] = pct[p] = '\0';
	out = server_asprintf("attachment; filename=\"%s\"; "
			      "filename*=UTF-8''%s", ascii, pct);
	free(ascii);
	free(pct);
	return out;
}

enum MHD_Result
download_send_file(struct MHD_Connection *c, const char *path,
		  const char *type, const char *name)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	struct stat st;
	char *disp;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		return server_reply_error(c, MHD_HTTP_NOT_FOUND,
					  "the file is gone");
	}
	r = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
	if (!r) {
		close(fd);
		return MHD_NO;
	}
	server_add_common_headers(r);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	disp = download_disposition(name);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_DISPOSITION, disp);
	free(disp);
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/* A zip entry name not used yet: "a.jpg", then "a (2).jpg", ... */
static char *
download_unique(char **used, size_t nused, const char *name)
{
	const char *dot = strrchr(name, '.');
	int stem = dot && dot != name ? (int)(dot - name) : (int)strlen(name);
	char *cand = server_asprintf("%s", name);

	for (unsigned k = 2;; k++) {
		bool taken = false;

		for (size_t i = 0; i < nused && !taken; i++)
			taken = !strcmp(used[i], cand);
		if (!taken)
			return cand;
		free(cand);
		cand = server_asprintf("%.*s (%u)%s", stem, name, k,
				       stem < (int)strlen(name) ?
				       name + stem : "");
	}
}

int
download_zip(const char *zip_path, const struct download_entry *e,
	     size_t n, char *err, size_t err_size)
{
	char **used;
	size_t nused = 0;
	int zerr, rc = -1;
	zip_t *z;

	z = zip_open(zip_path, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
	if (!z) {
		snprintf(err, err_size, "cannot create the zip (libzip error "
			 "%d)", zerr);
		return -1;
	}
	used = calloc(n ? n : 1, sizeof(*used));
	if (!used)
		abort();
	for (size_t i = 0; i < n; i++) {
		zip_source_t *src;
		zip_int64_t idx;

		used[nused] = download_unique(used, nused, e[i].name);
		src = zip_source_file(z, e[i].path, 0, 0);
		idx = src ? zip_file_add(z, used[nused], src,
					 ZIP_FL_ENC_UTF_8) : -1;
		nused++;
		if (idx < 0) {
			zip_source_free(src);
			snprintf(err, err_size, "cannot add %s to the zip: %s",
				 e[i].name, zip_strerror(z));
			zip_discard(z);
			goto out;
		}
		zip_set_file_compression(z, (zip_uint64_t)idx, ZIP_CM_STORE,
					 0);
	}
	if (zip_close(z)) {
		snprintf(err, err_size, "cannot write the zip: %s",
			 zip_strerror(z));
		zip_discard(z);
		goto out;
	}
	rc = 0;
out:
	for (size_t i = 0; i < nused; i++)
		free(used[i]);
	free(used);
	if (rc)
		unlink(zip_path);
	return rc;
}
