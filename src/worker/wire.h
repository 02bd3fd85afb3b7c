/* wire.h: codec requests and replies as pool payloads.
 *
 * Both ends are the same executable (the pool spawns /proc/self/exe), so
 * numbers travel in native byte order.  A request is its fields one by one
 * (no struct padding), then the lengths of the two paths and the paths; a
 * reply is the struct itself.  Decoding checks every length, every bool
 * byte (0 or 1) and every enum's range: a malformed payload is an error,
 * never an out-of-bounds read or an invalid value in the struct.
 */
#ifndef IMGOPT_WIRE_H
#define IMGOPT_WIRE_H

#include <stddef.h>

#include "codec/codec.h"

/* Encode req; returns a malloc'd buffer and its length in *len. */
void *wire_encode_request(const struct codec_request *req, size_t *len);

/* Decode into *req, whose path pointers point into buf (keep buf alive).
 * Returns 0, or -1 with *req untouched.
 */
int wire_decode_request(const void *buf, size_t len, struct codec_request *req);

/* A reply is sent as the struct itself (worker.c); the error is always
 * terminated here.  Returns 0, or -1 (any other length, a bool byte other
 * than 0 or 1, a format out of range).
 */
int wire_decode_reply(const void *buf, size_t len, struct codec_reply *reply);

#endif
