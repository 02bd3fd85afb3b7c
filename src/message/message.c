/* message.c: the one encoder and decoder of worker messages (message.h).
 *
 * The field tables are generated from the lists in message.h, so the
 * encoder, the decoder and the tests all walk the same fields.  Every value
 * is copied between the wire and the struct with memcpy and checked on the
 * way in: loading a bool byte other than 0 or 1, or an enum past its last
 * value, would be undefined behaviour, so such payloads are refused before
 * the value reaches the struct.
 */
#include "message.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

_Static_assert(sizeof(bool) == 1, "a bool travels as one byte");
_Static_assert(sizeof(int) == 4, "an int travels as 4 bytes");
_Static_assert(sizeof(double) == 8, "a double travels as 8 bytes");

/* Every enum member must be int-sized: it travels as one. */
#define MSG_CHECK_ENUM_MSG_ENUM(type, name)                                  \
	_Static_assert(sizeof(((type *)0)->name) == sizeof(int),             \
		       #name " travels as an int");
#define MSG_CHECK_ENUM_MSG_BOOL(type, name)
#define MSG_CHECK_ENUM_MSG_INT(type, name)
#define MSG_CHECK_ENUM_MSG_U64(type, name)
#define MSG_CHECK_ENUM_MSG_F64(type, name)
#define MSG_CHECK_ENUM_MSG_STR(type, name)
#define MSG_CHECK_ENUM_MSG_SETTINGS(type, name)

#define MSG_FIELD(type, kind_, ctype, name_, dim, lo_, hi_)                  \
	{                                                                    \
		.name = #name_,                                              \
		.kind = kind_,                                               \
		.offset = offsetof(type, name_),                             \
		.size = sizeof(((type *)0)->name_),                          \
		.count = sizeof(((type *)0)->name_) / sizeof(ctype),         \
		.lo = (lo_),                                                 \
		.hi = (hi_),                                                 \
	},

#define MSG_SETTINGS_FIELD(kind, ctype, name, dim, lo, hi)                   \
	MSG_FIELD(struct imgopt_settings, kind, ctype, name, dim, lo, hi)
#define MSG_TASK_FIELD(kind, ctype, name, dim, lo, hi)                       \
	MSG_FIELD(struct msg_task, kind, ctype, name, dim, lo, hi)
#define MSG_REPLY_FIELD(kind, ctype, name, dim, lo, hi)                      \
	MSG_FIELD(struct msg_reply, kind, ctype, name, dim, lo, hi)

static const struct msg_field msg_settings_fields[] = {
	MSG_SETTINGS_FIELDS(MSG_SETTINGS_FIELD)
};
static const struct msg_field msg_task_fields[] = {
	MSG_TASK_FIELDS(MSG_TASK_FIELD)
};
static const struct msg_field msg_reply_fields[] = {
	MSG_REPLY_FIELDS(MSG_REPLY_FIELD)
};

#define MSG_COUNT(a) (sizeof(a) / sizeof((a)[0]))

const struct msg_schema msg_settings_schema = {
	"settings", sizeof(struct imgopt_settings), msg_settings_fields,
	MSG_COUNT(msg_settings_fields)
};
const struct msg_schema msg_task_schema = {
	"task", sizeof(struct msg_task), msg_task_fields,
	MSG_COUNT(msg_task_fields)
};
const struct msg_schema msg_reply_schema = {
	"reply", sizeof(struct msg_reply), msg_reply_fields,
	MSG_COUNT(msg_reply_fields)
};

/* The settings list must cover struct imgopt_settings exactly: a shadow
 * struct built from the list has the same size, and each listed member
 * sits at the same offset with the same size.  A member added to the
 * public struct but not to the list changes its size (or, squeezed into
 * padding, is the one case this cannot see: keep bools together at the
 * end); one listed but missing does not compile.
 */
struct msg_settings_shadow {
	MSG_SETTINGS_FIELDS(MSG_MEMBER)
};
_Static_assert(sizeof(struct msg_settings_shadow) ==
		       sizeof(struct imgopt_settings),
	       "MSG_SETTINGS_FIELDS does not cover struct imgopt_settings");
#define MSG_CHECK_SHADOW(kind, ctype, name, dim, lo, hi)                     \
	_Static_assert(offsetof(struct msg_settings_shadow, name) ==         \
			       offsetof(struct imgopt_settings, name) &&     \
		       sizeof(((struct msg_settings_shadow *)0)->name) ==    \
			       sizeof(((struct imgopt_settings *)0)->name),  \
		       "MSG_SETTINGS_FIELDS: " #name " is out of place");    \
	MSG_CHECK_ENUM_##kind(struct imgopt_settings, name)
MSG_SETTINGS_FIELDS(MSG_CHECK_SHADOW)
#define MSG_CHECK_TASK(kind, ctype, name, dim, lo, hi)                       \
	MSG_CHECK_ENUM_##kind(struct msg_task, name)
MSG_TASK_FIELDS(MSG_CHECK_TASK)
#define MSG_CHECK_REPLY(kind, ctype, name, dim, lo, hi)                      \
	MSG_CHECK_ENUM_##kind(struct msg_reply, name)
MSG_REPLY_FIELDS(MSG_CHECK_REPLY)

/* ---- encoding -------------------------------------------------------- */

/* Bytes so far; buf NULL only counts them. */
struct msg_writer {
	unsigned char *buf;
	size_t len;
};

static void
msg_put(struct msg_writer *w, const void *v, size_t n)
{
	if (w->buf && n)
		memcpy(w->buf + w->len, v, n);
	w->len += n;
}

static void msg_put_fields(struct msg_writer *w,
			   const struct msg_schema *schema,
			   const unsigned char *msg);

/* One element of field f at p. */
static void
msg_put_value(struct msg_writer *w, const struct msg_field *f,
	      const unsigned char *p)
{
	switch (f->kind) {
	case MSG_BOOL: {
		unsigned char c = *(const bool *)p ? 1 : 0;

		msg_put(w, &c, 1);
		return;
	}
	case MSG_INT:
	case MSG_ENUM:
		msg_put(w, p, 4);
		return;
	case MSG_U64:
	case MSG_F64:
		msg_put(w, p, 8);
		return;
	case MSG_STR: {
		const char *s = *(char *const *)p;
		size_t n = s ? strlen(s) : 0;
		uint32_t n32;

		if (n > MSG_STR_MAX)
			n = MSG_STR_MAX;
		n32 = (uint32_t)n;
		msg_put(w, &n32, sizeof(n32));
		msg_put(w, s, n);
		return;
	}
	case MSG_SETTINGS:
		msg_put_fields(w, &msg_settings_schema, p);
		return;
	}
}

static void
msg_put_fields(struct msg_writer *w, const struct msg_schema *schema,
	       const unsigned char *msg)
{
	for (size_t i = 0; i < schema->n_fields; i++) {
		const struct msg_field *f = &schema->fields[i];
		size_t elem = f->size / f->count;

		for (size_t k = 0; k < f->count; k++)
			msg_put_value(w, f, msg + f->offset + k * elem);
	}
}

void *
msg_encode(const struct msg_schema *schema, const void *msg, size_t *len)
{
	struct msg_writer w = { NULL, 0 };

	msg_put_fields(&w, schema, msg);
	w.buf = xmalloc(w.len ? w.len : 1);
	*len = w.len;
	w.len = 0;
	msg_put_fields(&w, schema, msg);
	return w.buf;
}

/* ---- decoding -------------------------------------------------------- */

/* The bytes not read yet; bad once anything was missing or invalid. */
struct msg_reader {
	const unsigned char *p;
	size_t left;
	bool bad;
};

static bool
msg_get(struct msg_reader *r, void *v, size_t n)
{
	if (r->bad || n > r->left) {
		r->bad = true;
		return false;
	}
	memcpy(v, r->p, n);
	r->p += n;
	r->left -= n;
	return true;
}

static void msg_get_fields(struct msg_reader *r,
			   const struct msg_schema *schema,
			   unsigned char *msg);

static void
msg_get_value(struct msg_reader *r, const struct msg_field *f,
	      unsigned char *p)
{
	switch (f->kind) {
	case MSG_BOOL: {
		unsigned char c;
		bool b;

		if (!msg_get(r, &c, 1))
			return;
		if (c > 1) {
			r->bad = true;
			return;
		}
		b = c == 1;
		memcpy(p, &b, 1);
		return;
	}
	case MSG_INT:
	case MSG_ENUM: {
		int32_t v;

		if (!msg_get(r, &v, 4))
			return;
		if (v < f->lo || v > f->hi) {
			r->bad = true;
			return;
		}
		memcpy(p, &v, 4);
		return;
	}
	case MSG_U64:
		msg_get(r, p, 8);
		return;
	case MSG_F64: {
		double v;

		if (!msg_get(r, &v, 8))
			return;
		if (!isfinite(v) || v < f->lo || v > f->hi) {
			r->bad = true;
			return;
		}
		memcpy(p, &v, 8);
		return;
	}
	case MSG_STR: {
		uint32_t n;
		char *s;

		if (!msg_get(r, &n, sizeof(n)))
			return;
		if (n > MSG_STR_MAX || n > r->left ||
		    memchr(r->p, '\0', n)) {
			r->bad = true;
			return;
		}
		s = xmalloc((size_t)n + 1);
		memcpy(s, r->p, n);
		s[n] = '\0';
		r->p += n;
		r->left -= n;
		memcpy(p, &s, sizeof(s));
		return;
	}
	case MSG_SETTINGS:
		msg_get_fields(r, &msg_settings_schema, p);
		return;
	}
}

static void
msg_get_fields(struct msg_reader *r, const struct msg_schema *schema,
	       unsigned char *msg)
{
	for (size_t i = 0; i < schema->n_fields && !r->bad; i++) {
		const struct msg_field *f = &schema->fields[i];
		size_t elem = f->size / f->count;

		for (size_t k = 0; k < f->count && !r->bad; k++)
			msg_get_value(r, f, msg + f->offset + k * elem);
	}
}

int
msg_decode(const struct msg_schema *schema, const void *buf, size_t len,
	   void *msg)
{
	struct msg_reader r = { buf, len, false };

	memset(msg, 0, schema->struct_size);
	msg_get_fields(&r, schema, msg);
	if (r.bad || r.left != 0) {
		msg_release(schema, msg);
		return -1;
	}
	return 0;
}

static void
msg_release_fields(const struct msg_schema *schema, unsigned char *msg)
{
	for (size_t i = 0; i < schema->n_fields; i++) {
		const struct msg_field *f = &schema->fields[i];
		char *s;

		if (f->kind == MSG_SETTINGS) {
			msg_release_fields(&msg_settings_schema,
					   msg + f->offset);
		} else if (f->kind == MSG_STR) {
			memcpy(&s, msg + f->offset, sizeof(s));
			free(s);
		}
	}
}

void
msg_release(const struct msg_schema *schema, void *msg)
{
	if (!msg)
		return;
	msg_release_fields(schema, msg);
	memset(msg, 0, schema->struct_size);
}
