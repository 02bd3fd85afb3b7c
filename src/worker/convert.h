/* convert.h: the worker's translation between the neutral messages
 * (message/message.h) and the codec's own request and reply (codec.h).
 *
 * The only place both kinds of struct meet.  The copies are written out
 * field by field; test_convert.c walks the message field tables and fails
 * when a field of a message does not reach the codec's struct (or the
 * other way round), so a field added to one side cannot be forgotten here.
 */
#ifndef IMGOPT_CONVERT_H
#define IMGOPT_CONVERT_H

#include "codec/codec.h"
#include "message/message.h"

/* A request that points into *task (its strings): keep task alive. */
void convert_task_to_request(const struct msg_task *task,
			     struct codec_request *req);

/* The reply as a message; reply->error is copied (msg_release() frees
 * it).
 */
void convert_reply_to_message(const struct codec_reply *reply,
			      struct msg_reply *msg);

#endif
