/* message.h: what the parent and a worker say to each other about one
 * image, as neutral types of their own.
 *
 * The optimizer fills a struct msg_task, the worker answers with a struct
 * msg_reply; neither end's internal structs (the codec's request and reply,
 * the optimizer's task) ever cross the socket.  The pool carries the
 * encoded bytes as opaque payloads (pool.h): this layer sits beside it, and
 * both ends include this header, never each other's.
 *
 * Both structs are generated from the field lists below, and the one
 * encoder and decoder (msg_encode(), msg_decode()) walk a table generated
 * from the same lists, as does the round-trip test.  A field exists in the
 * struct only if it is in its list, and every field in a list travels: a
 * field cannot be half-added.  The settings travel inside the task as the
 * public struct imgopt_settings, walked by its own list
 * (MSG_SETTINGS_FIELDS); message.c checks at compile time that the list
 * covers the struct exactly (its size and every member's offset).
 *
 * On the wire each field is, in list order and native byte order (both ends
 * are the same executable): a bool as one byte 0 or 1, an int or enum as
 * 4 bytes, a u64 or double as 8, a string as a u32 length and that many
 * bytes (no NUL).  Decoding checks every length, every bool byte, every
 * int's and enum's range and that doubles are finite: a malformed payload
 * is refused, never an out-of-bounds read or an invalid value in a struct.
 */
#ifndef IMGOPT_MESSAGE_H
#define IMGOPT_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "imgopt/settings.h"

/* Longest string a message may carry (a path, an error text). */
#define MSG_STR_MAX (64u << 10)

/* Field kinds.  The C type of each field is given in the list; the kind
 * says how it travels and how it is checked.
 */
enum msg_kind {
	MSG_BOOL,     /* bool: one byte, 0 or 1 */
	MSG_INT,      /* int: lo..hi */
	MSG_ENUM,     /* an int-sized enum: lo..hi */
	MSG_U64,      /* uint64_t: any */
	MSG_F64,      /* double: finite, lo..hi */
	MSG_STR,      /* char *: malloc'd, NUL-terminated, never NULL once
			 decoded (msg_release() frees it) */
	MSG_SETTINGS, /* struct imgopt_settings, by MSG_SETTINGS_FIELDS */
};

/* X(kind, C type, name, array dimension or nothing, lo, hi) */

/* struct imgopt_settings (include/imgopt/settings.h), member by member:
 * a member added there must be added here (message.c fails to compile
 * otherwise, when the struct's layout changed).
 */
#define MSG_SETTINGS_FIELDS(X)                                               \
	X(MSG_INT, int, quality_global, , 1, 100)                            \
	X(MSG_INT, int, quality, [IMGOPT_FORMAT_COUNT], 0, 100)              \
	X(MSG_ENUM, enum imgopt_resize_mode, resize_mode, , 0,               \
	  IMGOPT_RESIZE_SHORTEST)                                            \
	X(MSG_INT, int, resize_size, , 0, INT32_MAX)                         \
	X(MSG_INT, int, resize_width, , 0, INT32_MAX)                        \
	X(MSG_INT, int, resize_height, , 0, INT32_MAX)                       \
	X(MSG_BOOL, bool, maintain_aspect, , 0, 1)                           \
	X(MSG_ENUM, enum imgopt_format, output_format, , 0,                  \
	  IMGOPT_FORMAT_COUNT - 1)                                           \
	X(MSG_ENUM, enum imgopt_target_metric, target_metric, , 0,           \
	  IMGOPT_TARGET_SSIM)                                                \
	X(MSG_F64, double, target_value, , -1e9, 1e9)

/* Parent -> worker: one image to optimise. */
#define MSG_TASK_FIELDS(X)                                                   \
	X(MSG_STR, char *, input_path, , 0, 0)                               \
	X(MSG_STR, char *, output_path, , 0, 0)                              \
	X(MSG_SETTINGS, struct imgopt_settings, settings, , 0, 0)            \
	X(MSG_BOOL, bool, keep_metadata, , 0, 1)                             \
	X(MSG_BOOL, bool, allow_larger, , 0, 1)                              \
	X(MSG_F64, double, min_savings_pct, , 0, 100)                        \
	X(MSG_U64, uint64_t, max_pixels, , 0, 0)                             \
	X(MSG_U64, uint64_t, max_file_size, , 0, 0)                          \
	X(MSG_ENUM, enum imgopt_fail_on, fail_on, , 0,                       \
	  IMGOPT_FAIL_ON_WARNING)

/* Worker -> parent: what became of it.  Sizes are pixel sizes as stored
 * in the files (before EXIF orientation), in_* known as soon as the header
 * was read.  With a target: the quality chosen, its score, whether it was
 * met, the encodes needed.  error is "" on success, else the reason
 * without the path, lowercase, no full stop.
 */
#define MSG_REPLY_FIELDS(X)                                                  \
	X(MSG_BOOL, bool, ok, , 0, 1)                                        \
	X(MSG_ENUM, enum imgopt_format, input_format, , 0,                   \
	  IMGOPT_FORMAT_COUNT - 1)                                           \
	X(MSG_ENUM, enum imgopt_format, output_format, , 0,                  \
	  IMGOPT_FORMAT_COUNT - 1)                                           \
	X(MSG_U64, uint64_t, original_size, , 0, 0)                          \
	X(MSG_U64, uint64_t, optimized_size, , 0, 0)                         \
	X(MSG_BOOL, bool, kept_original, , 0, 1)                             \
	X(MSG_BOOL, bool, lossless_copy, , 0, 1)                             \
	X(MSG_INT, int, in_width, , 0, INT32_MAX)                            \
	X(MSG_INT, int, in_height, , 0, INT32_MAX)                           \
	X(MSG_INT, int, out_width, , 0, INT32_MAX)                           \
	X(MSG_INT, int, out_height, , 0, INT32_MAX)                          \
	X(MSG_INT, int, quality, , 0, 100)                                   \
	X(MSG_F64, double, score, , -1e9, 1e9)                               \
	X(MSG_BOOL, bool, target_met, , 0, 1)                                \
	X(MSG_INT, int, encodes, , 0, INT32_MAX)                             \
	X(MSG_U64, uint64_t, header_ns, , 0, 0)                              \
	X(MSG_U64, uint64_t, pipeline_ns, , 0, 0)                            \
	X(MSG_STR, char *, error, , 0, 0)

#define MSG_MEMBER(kind, ctype, name, dim, lo, hi) ctype name dim;

struct msg_task {
	MSG_TASK_FIELDS(MSG_MEMBER)
};

struct msg_reply {
	MSG_REPLY_FIELDS(MSG_MEMBER)
};

/* One field of a message, as the encoder, decoder and tests see it. */
struct msg_field {
	const char *name;
	enum msg_kind kind;
	size_t offset;	/* in the struct */
	size_t size;	/* of the member (all elements of an array) */
	size_t count;	/* array elements, 1 for a plain member */
	double lo, hi;	/* accepted range of MSG_INT, MSG_ENUM, MSG_F64 */
};

/* A message type: its fields in wire order. */
struct msg_schema {
	const char *name;
	size_t struct_size;
	const struct msg_field *fields;
	size_t n_fields;
};

extern const struct msg_schema msg_task_schema;
extern const struct msg_schema msg_reply_schema;
extern const struct msg_schema msg_settings_schema;

/* Encode the message msg of type schema; returns a malloc'd buffer and
 * its length in *len.  A NULL string travels as "".  A string longer than
 * MSG_STR_MAX is cut there (at a character boundary is not promised).
 */
void *msg_encode(const struct msg_schema *schema, const void *msg,
		 size_t *len);

/* Decode len bytes into *msg (a struct of the schema's type), which
 * msg_release() must free after a success.  Returns 0, or -1 with *msg
 * zeroed and nothing to free when the payload is malformed: short, long,
 * a bool byte other than 0 or 1, a number out of its range, a string over
 * MSG_STR_MAX or holding a NUL.
 */
int msg_decode(const struct msg_schema *schema, const void *buf, size_t len,
	       void *msg);

/* Free the strings of a decoded message and zero it.  Accepts a zeroed
 * message.
 */
void msg_release(const struct msg_schema *schema, void *msg);

/* Typed shorthands. */
static inline void *
msg_task_encode(const struct msg_task *t, size_t *len)
{
	return msg_encode(&msg_task_schema, t, len);
}

static inline int
msg_task_decode(const void *buf, size_t len, struct msg_task *t)
{
	return msg_decode(&msg_task_schema, buf, len, t);
}

static inline void *
msg_reply_encode(const struct msg_reply *r, size_t *len)
{
	return msg_encode(&msg_reply_schema, r, len);
}

static inline int
msg_reply_decode(const void *buf, size_t len, struct msg_reply *r)
{
	return msg_decode(&msg_reply_schema, buf, len, r);
}

#endif
