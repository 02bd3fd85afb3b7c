/* svgvalue.h: SVG attribute values in their shortest form.
 *
 * Numbers are rounded to a number of decimals through integer "ticks"
 * (the value times 10^decimals): two rounded values are equal when their
 * ticks are, and their difference is exact.  Transform lists, number
 * lists and colours are rewritten here, path data in svgpath.c.  A value
 * that does not parse gives NULL, so the caller keeps it as it was.
 *
 * Strings returned are allocated with GLib: free them with g_free().
 */
#ifndef IMGOPT_SVGVALUE_H
#define IMGOPT_SVGVALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

/* Decimals are capped here: doubles hold about 16 significant digits. */
#define SVGVALUE_MAX_DECIMALS 12

/* 10^decimals, 0 to SVGVALUE_MAX_DECIMALS. */
double svgvalue_pow10(int decimals);

/* Decimals for values up to maxabs that keep ticks exact (below 2^53):
 * at most `decimals`, -1 when even integers are too large.
 */
int svgvalue_fit(double maxabs, int decimals);

/* v in ticks at `decimals`; and ticks written shortest ("0.50" -> ".5",
 * "-0.0" -> "0", "12.000" -> "12") into buf (40 bytes), returning the
 * length.
 */
int64_t svgvalue_round(double v, int decimals);
size_t svgvalue_ticks_str(char *buf, int64_t n, int decimals);

/* Append v rounded to `decimals` decimals, shortest. */
void svgvalue_number(GString *out, double v, int decimals);

/* Parse one SVG number (sign, digits, fraction, exponent) at *p and move
 * *p past it.  No leading whitespace is skipped.  Returns false, *p
 * unchanged, when there is no number there.
 */
bool svgvalue_parse_number(const char **p, double *v);

/* Skip whitespace; skip whitespace, a comma and whitespace, returning
 * false when a comma is not followed by a number ("M1 2,L3" is an error
 * that renderers stop at, so it must not be read as valid).
 */
void svgvalue_skip_wsp(const char **p);
bool svgvalue_skip_comma_wsp(const char **p);

/* A transform list rewritten: numbers rounded (translations to `decimals`,
 * scales, angles and matrix coefficients to at least 8), identity items
 * dropped, short forms (translate(x), scale(s), rotate(a)), and the list
 * multiplied out when one item is shorter.  "" when the list is the
 * identity.  *stretch (may be NULL) is set to how much the transform can
 * enlarge a distance (the largest singular value).
 */
char *svgvalue_transform(const char *t, int decimals, double *stretch);

/* A list of numbers, each with an optional unit ("10", "1.5e2px 20%",
 * "0,0 10,10"), rewritten with single spaces and each number rounded;
 * strip_px drops "px" (only valid in attributes, not in CSS).  NULL when
 * the value holds anything else ("auto", "inherit", "calc(...)").
 */
char *svgvalue_numbers(const char *v, int decimals, bool strip_px);

/* A colour in its shortest equivalent spelling: "#FF0000" -> "red",
 * "white" -> "#fff", "rgb(255, 0, 0)" -> "red", "#aabbcc" -> "#abc".  NULL
 * when v is not a plain colour (currentColor, url(...), none, ...).
 */
char *svgvalue_colour(const char *v);

#endif
