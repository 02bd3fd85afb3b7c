/* gate.c: Host, Origin and token checks (see gate.h).
 *
 * Binding to 127.0.0.1 keeps other machines out, not other web pages: a
 * page in the user's browser can still send requests to 127.0.0.1, either
 * from its own origin (cross-site: the browser sends Origin) or after
 * re-pointing its own domain name at 127.0.0.1 (DNS rebinding: the Host
 * header then carries that name).  Refusing both closes the two doors;
 * the token keeps the path-based commands to those who saw it printed.
 */
#include "gate.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int
gate_host_ok(const char *host, const char *bound_host, int port)
{
	char name[256], bin[sizeof(struct in6_addr)];
	const char *portstr = NULL, *end;
	size_t n;
	long p = 80;

	if (!host || !*host)
		return -1;
	if (host[0] == '[') {
		end = strchr(host, ']');
		if (!end)
			return -1;
		n = (size_t)(end - host - 1);
		if (n < sizeof(name))
			memcpy(name, host + 1, n);
		if (end[1] == ':')
			portstr = end + 2;
		else if (end[1])
			return -1;
	} else {
		end = strchr(host, ':');
		/* A bare IPv6 address is not a valid Host. */
		if (end && strchr(end + 1, ':'))
			return -1;
		n = end ? (size_t)(end - host) : strlen(host);
		if (n < sizeof(name))
			memcpy(name, host, n);
		if (end)
			portstr = end + 1;
	}
	if (n == 0 || n >= sizeof(name))
		return -1;
	name[n] = '\0';
	if (portstr) {
		if (!*portstr || strlen(portstr) > 5 ||
		    strspn(portstr, "0123456789") != strlen(portstr))
			return -1;
		p = strtol(portstr, NULL, 10);
	}
	if (p != port)
		return -1;
	if (!strcasecmp(name, "localhost") ||
	    (bound_host && !strcasecmp(name, bound_host)) ||
	    inet_pton(AF_INET, name, bin) == 1 ||
	    inet_pton(AF_INET6, name, bin) == 1)
		return 0;
	return -1;
}

const char *
gate_check(const char *host, const char *origin, const char *bound_host,
	   int port)
{
	if (gate_host_ok(host, bound_host, port))
		return "forbidden: the Host header does not name this server";
	if (origin && (strncasecmp(origin, "http://", 7) ||
		       strcasecmp(origin + 7, host)))
		return "forbidden: cross-origin request";
	return NULL;
}

bool
gate_token_ok(const char *authorization, const char *token)
{
	size_t n = strlen(token);
	unsigned char diff = 0;

	if (!authorization || strncasecmp(authorization, "Bearer ", 7))
		return false;
	authorization += 7;
	if (strlen(authorization) != n)
		return false;
	/* Constant time: the answer says nothing about a common prefix. */
	for (size_t i = 0; i < n; i++)
		diff |= (unsigned char)(authorization[i] ^ token[i]);
	return diff == 0;
}
