/* wire.c: codec requests and replies as pool payloads (see wire.h). */
#include "wire.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct wire_head {
	struct codec_request req; /* path pointers zeroed */
	uint32_t input_len;	  /* without NUL */
	uint32_t output_len;
};

void *
wire_encode_request(const struct codec_request *req, size_t *len)
{
	struct wire_head head;
	size_t in = strlen(req->input_path), out = strlen(req->output_path);
	char *buf;

	memset(&head, 0, sizeof(head));
	head.req = *req;
	head.req.input_path = NULL;
	head.req.output_path = NULL;
	head.input_len = (uint32_t)in;
	head.output_len = (uint32_t)out;
	*len = sizeof(head) + in + 1 + out + 1;
	buf = malloc(*len);
	if (!buf)
		abort();
	memcpy(buf, &head, sizeof(head));
	memcpy(buf + sizeof(head), req->input_path, in + 1);
	memcpy(buf + sizeof(head) + in + 1, req->output_path, out + 1);
	return buf;
}

int
wire_decode_request(const void *buf, size_t len, struct codec_request *req)
{
	struct wire_head head;
	const char *p = buf;

	if (len < sizeof(head))
		return -1;
	memcpy(&head, buf, sizeof(head));
	if ((size_t)head.input_len + head.output_len + 2 !=
	    len - sizeof(head))
		return -1;
	p += sizeof(head);
	if (p[head.input_len] != '\0' ||
	    p[head.input_len + 1 + head.output_len] != '\0')
		return -1;
	*req = head.req;
	req->input_path = p;
	req->output_path = p + head.input_len + 1;
	return 0;
}

int
wire_decode_reply(const void *buf, size_t len, struct codec_reply *reply)
{
	if (len != sizeof(*reply))
		return -1;
	memcpy(reply, buf, sizeof(*reply));
	reply->error[sizeof(reply->error) - 1] = '\0';
	return 0;
}
