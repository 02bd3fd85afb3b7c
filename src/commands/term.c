/* term.c: text about files, made safe to print on a terminal. */
#include "term.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imgopt/result.h"

/* imgopt_utf8_escape() first, so what follows is valid UTF-8 and a C1
 * control is exactly the two bytes 0xc2 0x80-0x9f.
 */
char *
term_escape(const char *s)
{
	char *utf8 = imgopt_utf8_escape(s), *out, *o;
	const unsigned char *p = (const unsigned char *)utf8;

	out = malloc(strlen(utf8) * 4 + 1);
	if (!out)
		abort();
	o = out;
	while (*p) {
		/* utf8 is valid UTF-8: a C1 control is 0xc2 0x80-0x9f. */
		size_t n = *p < 0x20 || *p == 0x7f ? 1 :
			   p[0] == 0xc2 && p[1] <= 0x9f ? 2 : 0;

		if (!n) {
			*o++ = (char)*p++;
			continue;
		}
		while (n--)
			o += sprintf(o, "\\x%02x", *p++);
	}
	*o = '\0';
	free(utf8);
	return out;
}
