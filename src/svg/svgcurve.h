/* svgcurve.h: the geometry behind svgpath.c's choices.
 *
 * Arcs as renderers draw them (centre, radii scaled up when too small),
 * arc radii rounded so the centre does not move, and the tests that let a
 * cubic Bezier be written as a line, a quadratic or a circular arc.  All
 * in user units; "ticks" are coordinates in units of 10^-decimals (see
 * svgvalue.h).
 */
#ifndef IMGOPT_SVGCURVE_H
#define IMGOPT_SVGCURVE_H

#include <stdbool.h>
#include <stdint.h>

/* An arc from (x1, y1): its centre and the radii renderers use.  False
 * when it is drawn as a line (a zero radius) or not at all (no length).
 */
bool svgcurve_arc_geometry(double x1, double y1, double rx, double ry,
			   double deg, bool large, bool sweep, double x2,
			   double y2, double *cx, double *cy, double *radii);

/* Radii for an arc (arc: rx, ry, rotation, large, sweep, x, y) from the
 * unrounded point (ox, oy), written from (X, Y) to (ex, ey) in ticks at
 * dd decimals: the fewest decimals for which the centre, computed from
 * the written endpoints, stays within a tick of the original one (a
 * near-semicircle moves its centre by sqrt(2 r e) when its radius or
 * chord changes by e).  r[0..1] are the radii in ticks at the decimals
 * returned.
 */
int svgcurve_arc_radii(const double *arc, double ox, double oy, int64_t X,
		       int64_t Y, int64_t ex, int64_t ey, int dd, int64_t *r);

/* A cubic p (x0 y0 x1 y1 x2 y2 x3 y3) that is a straight segment: both
 * control points on it, between its ends, within tol.
 */
bool svgcurve_cubic_is_line(const double *p, double tol);

/* A cubic that is a raised quadratic within tol: q is the control point. */
bool svgcurve_cubic_as_quad(const double *p, double tol, double *q);

/* A circle a cubic follows, and how far it turns on it (radians, > 0 in
 * SVG's positive-angle direction).
 */
struct svgcurve_circle {
	double cx, cy, r, turn;
};

/* A cubic that follows a circle within tol (16 samples) turning one way,
 * less than a full turn.
 */
bool svgcurve_cubic_as_arc(const double *p, double tol,
			   struct svgcurve_circle *c);

/* Circle b continues a: same centre and radius within tol, same turn. */
bool svgcurve_same_circle(const struct svgcurve_circle *a,
			  const struct svgcurve_circle *b, double tol);

#endif
