/* svgpath.h: SVG path data in its shortest form.
 *
 * Each segment is written in whichever of its equivalent forms is
 * shortest once rounded: absolute or relative, H/V for lines, S/T when the
 * control point is the reflection, a cubic as a line, a quadratic or an
 * arc when it stays within half a tick (a tick for arcs) of it, with
 * implicit repeated commands and no redundant separators.  Every point is
 * rounded in absolute coordinates, so errors never accumulate along the
 * path and points that coincide in the input still coincide.
 *
 * Strings returned are allocated with GLib: free them with g_free().
 */
#ifndef IMGOPT_SVGPATH_H
#define IMGOPT_SVGPATH_H

#include <stdbool.h>

/* What a path is drawn with, for svgpath_rewrite(). */
#define SVGPATH_MARKERS 1   /* markers may sit on any vertex: keep them all */
#define SVGPATH_FILL_ONLY 2 /* never stroked: closepaths add nothing */
/* Lossless: every segment stays the segment it was (no curve written as
 * a line, quadratic or arc, no lineto or closepath dropped), only its
 * spelling changes.  Cairo antialiases such equivalents a level or two
 * apart.
 */
#define SVGPATH_EXACT 4

/* Path data rewritten at `decimals` decimals.  Without SVGPATH_MARKERS, a
 * final lone moveto and a lineto back to the start before a closepath go
 * (they draw nothing); with SVGPATH_FILL_ONLY, closepaths before a moveto
 * or the end go too.  NULL when d does not parse: the caller keeps the
 * original, which renderers draw up to the error.
 */
char *svgpath_rewrite(const char *d, int decimals, unsigned flags);

/* Two rewritten paths as one (b's subpaths after a's), or NULL when
 * either does not parse.
 */
char *svgpath_join(const char *a, const char *b);

/* A box that contains everything the path draws without its stroke:
 * box[0..3] = x0, y0, x1, y1.  False when d does not parse or is empty.
 */
bool svgpath_bbox(const char *d, double box[4]);

#endif
