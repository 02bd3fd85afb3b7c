/* gate.h: who may ask `imgopt serve` anything: the Host and Origin checks
 * every request passes, and the bearer token of the path-based commands.
 * Pure functions of header values, so they are tested without a server.
 */
#ifndef IMGOPT_GATE_H
#define IMGOPT_GATE_H

#include <stdbool.h>

/* 0 when a Host header value names the server bound to bound_host:port:
 * the port must match, and the name must be an IP literal, "localhost" or
 * bound_host itself.  A DNS-rebinding page reaches us under its own
 * domain name, which fails here.  -1 otherwise (also for NULL or "").
 */
int gate_host_ok(const char *host, const char *bound_host, int port);

/* NULL when a request may go on; else the 403 message.  origin may be
 * NULL (curl, same-origin GETs); when present it must be exactly
 * "http://" + the Host value, so cross-site pages cannot post.
 */
const char *gate_check(const char *host, const char *origin,
		       const char *bound_host, int port);

/* true when authorization is "Bearer <token>" (compared in constant
 * time).
 */
bool gate_token_ok(const char *authorization, const char *token);

#endif
