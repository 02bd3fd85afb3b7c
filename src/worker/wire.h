/* wire.h: codec requests and replies as pool payloads.
 *
 * Both ends are the same executable (the pool spawns /proc/self/exe), so
 * the plain-data structs travel as bytes; only the two path strings are
 * appended after them.  Decoding checks every length: a malformed payload
 * is an error, never an out-of-bounds read.
 */
#ifndef IMGOPT_WIRE_H
#define IMGOPT_WIRE_H

#include <stddef.h>

#include "codec/codec.h"

/* Encode req; returns a malloc'd buffer and its length in *len. */
void *wire_encode_request(const struct codec_request *req, size_t *len);

/* Decode into *req, whose path pointers point into buf (keep buf alive).
 * Returns 0 or -1.
 */
int wire_decode_request(const void *buf, size_t len, struct codec_request *req);

/* A reply is sent as the struct itself. */
int wire_decode_reply(const void *buf, size_t len, struct codec_reply *reply);

#endif
