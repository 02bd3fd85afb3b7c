/* convert.c: messages to and from the codec's structs (convert.h). */
#include "convert.h"

#include <string.h>

#include "base/xalloc.h"

void
convert_task_to_request(const struct msg_task *task,
			struct codec_request *req)
{
	memset(req, 0, sizeof(*req));
	req->input_path = task->input_path;
	req->output_path = task->output_path;
	req->settings = task->settings;
	req->keep_metadata = task->keep_metadata;
	req->allow_larger = task->allow_larger;
	req->min_savings_pct = task->min_savings_pct;
	req->max_pixels = task->max_pixels;
	req->max_file_size = task->max_file_size;
	req->fail_on = task->fail_on;
}

void
convert_reply_to_message(const struct codec_reply *reply,
			 struct msg_reply *msg)
{
	memset(msg, 0, sizeof(*msg));
	msg->ok = reply->ok;
	msg->input_format = reply->input_format;
	msg->output_format = reply->output_format;
	msg->original_size = reply->original_size;
	msg->optimized_size = reply->optimized_size;
	msg->kept_original = reply->kept_original;
	msg->lossless_copy = reply->lossless_copy;
	msg->in_width = reply->in_width;
	msg->in_height = reply->in_height;
	msg->out_width = reply->out_width;
	msg->out_height = reply->out_height;
	msg->quality = reply->quality;
	msg->score = reply->score;
	msg->target_met = reply->target_met;
	msg->encodes = reply->encodes;
	msg->header_ns = reply->header_ns;
	msg->pipeline_ns = reply->pipeline_ns;
	msg->error = xstrndup(reply->error, sizeof(reply->error));
}
