/* svgpath.h: SVG attribute values in their shortest form.
 *
 * The value-level half of the SVG minifier (svg.c walks the tree): numbers
 * rounded to a number of decimals, path data rewritten with the shorter of
 * the absolute and relative form for each segment, transform lists,
 * number lists and colours.  Every function is pure and works on one value;
 * a value that does not parse is left to the caller unchanged (NULL), so a
 * value this code does not understand is never altered.
 *
 * Strings returned are allocated with GLib: free them with g_free().
 */
#ifndef IMGOPT_SVGPATH_H
#define IMGOPT_SVGPATH_H

#include <stdbool.h>

#include <glib.h>

/* Decimals are capped here: doubles hold about 16 significant digits. */
#define SVGPATH_MAX_DECIMALS 12

/* Append v rounded to `decimals` decimals, shortest: "0.50" -> ".5",
 * "-0.0" -> "0", "12.000" -> "12".
 */
void svgpath_number(GString *out, double v, int decimals);

/* Parse one SVG number (sign, digits, fraction, exponent) at *p and move
 * *p past it.  No leading whitespace is skipped.  Returns false, *p
 * unchanged, when there is no number there.
 */
bool svgpath_parse_number(const char **p, double *v);

/* Path data rewritten: absolute or relative per segment (whichever is
 * shorter once rounded), H/V/S/T where they apply, implicit repeated
 * commands, no redundant separators, ".5" for "0.5".  Every point is
 * rounded in absolute coordinates, so errors never accumulate along the
 * path.  drop_trailing_move removes a final lone moveto (it draws nothing,
 * but markers would be placed on it).  NULL when d does not parse: the
 * caller keeps the original, which renderers draw up to the error.
 */
char *svgpath_rewrite(const char *d, int decimals, bool drop_trailing_move);

/* A transform list rewritten: numbers rounded (translations to `decimals`,
 * scales, angles and matrix coefficients to at least 8), identity items
 * dropped, short forms (translate(x), scale(s), rotate(a)), and the list
 * multiplied out when one item is shorter.  "" when the list is the
 * identity.  *stretch (may be NULL) is set to how much the transform can
 * enlarge a distance (the largest singular value).  NULL when it does not
 * parse.
 */
char *svgpath_transform(const char *t, int decimals, double *stretch);

/* A list of numbers, each with an optional unit ("10", "1.5e2px 20%",
 * "0,0 10,10"), rewritten with single spaces and each number rounded;
 * strip_px drops "px" (only valid in attributes, not in CSS).  NULL when the
 * value holds anything else ("auto", "inherit", "calc(...)").
 */
char *svgpath_numbers(const char *v, int decimals, bool strip_px);

/* A colour in its shortest equivalent spelling: "#FF0000" -> "red",
 * "white" -> "#fff", "rgb(255, 0, 0)" -> "red", "#aabbcc" -> "#abc".  NULL
 * when v is not a plain colour (currentColor, url(...), none, ...).
 */
char *svgpath_colour(const char *v);

#endif
