/* svgcurve.c: arc and curve geometry for svgpath.c (see svgcurve.h). */
#include "svgcurve.h"

#include <math.h>

#include <glib.h>

#include "svgvalue.h"

/* An arc's centre and the radii renderers draw it with (SVG 1.1 F.6.5:
 * radii scaled up when too small).  False when the arc is a line or
 * nothing.
 */
bool
svgcurve_arc_geometry(double x1, double y1, double rx, double ry, double deg,
		      bool large, bool sweep, double x2, double y2, double *cx,
		      double *cy, double *radii)
{
	double phi = deg * G_PI / 180, co = cos(phi), si = sin(phi);
	double dx = (x1 - x2) / 2, dy = (y1 - y2) / 2;
	double xp = co * dx + si * dy, yp = -si * dx + co * dy;
	double lambda, num, den, coef;

	rx = fabs(rx);
	ry = fabs(ry);
	if (rx == 0 || ry == 0 || (x1 == x2 && y1 == y2))
		return false;
	lambda = xp * xp / (rx * rx) + yp * yp / (ry * ry);
	if (lambda > 1) {
		rx *= sqrt(lambda);
		ry *= sqrt(lambda);
	}
	num = rx * rx * ry * ry - rx * rx * yp * yp - ry * ry * xp * xp;
	den = rx * rx * yp * yp + ry * ry * xp * xp;
	coef = den > 0 && num > 0 ? sqrt(num / den) : 0;
	if (large == sweep)
		coef = -coef;
	*cx = co * coef * rx * yp / ry - si * coef * -ry * xp / rx +
	      (x1 + x2) / 2;
	*cy = si * coef * rx * yp / ry + co * coef * -ry * xp / rx +
	      (y1 + y2) / 2;
	radii[0] = rx;
	radii[1] = ry;
	return true;
}

/* Just the centre. */
static bool
svgcurve_arc_centre(double x1, double y1, double rx, double ry, double deg,
		    bool large, bool sweep, double x2, double y2, double *cx,
		    double *cy)
{
	double r[2];

	return svgcurve_arc_geometry(x1, y1, rx, ry, deg, large, sweep, x2, y2,
				     cx, cy, r);
}

/* How far p lies from the centre (cx, cy) of an ellipse with radii rx, ry
 * turned by deg, in radii: 1 on the ellipse.
 */
static double
svgcurve_ellipse_dist(double px, double py, double cx, double cy, double rx,
		      double ry, double deg)
{
	double phi = deg * G_PI / 180, co = cos(phi), si = sin(phi);
	double x = (co * (px - cx) + si * (py - cy)) / rx;
	double y = (-si * (px - cx) + co * (py - cy)) / ry;

	return sqrt(x * x + y * y);
}

/* An arc's radii, rounded.  An arc whose radius is close to half its
 * chord (a semicircle) moves its centre by sqrt(2 r e) when the radius or
 * the chord changes by e: rounding like the coordinates could shift a
 * 300-unit circle by half a unit.  So the radii are chosen, with as few
 * decimals as will do, among the rounded, the truncated and the rescaled
 * (to pass through the rounded endpoints) radii, for the one whose
 * centre, computed from the rounded endpoints as renderers do, stays
 * where it was.  The decimals used are returned; r[0..1] the ticks.
 */
int
svgcurve_arc_radii(const double *arc, double ox, double oy,
		   int64_t X, int64_t Y, int64_t ex, int64_t ey, int dd,
		   int64_t *r)
{
	double p = svgvalue_pow10(dd), rot, cx, cy, rcx, rcy, m = 1;
	double rx = fabs(arc[0]), ry = fabs(arc[1]);
	bool large = arc[3] != 0, sweep = arc[4] != 0;
	int k, c, top;

	rot = (double)svgvalue_round(arc[2], dd) / p;
	top = svgvalue_fit(rx + ry, SVGVALUE_MAX_DECIMALS);
	if (top < dd || !svgcurve_arc_centre(ox, oy, rx, ry, arc[2], large,
					    sweep, arc[5], arc[6], &cx,
					    &cy)) {
		r[0] = svgvalue_round(rx, dd);
		r[1] = svgvalue_round(ry, dd);
		return dd;
	}
	m = (svgcurve_ellipse_dist(X / p, Y / p, cx, cy, rx, ry, rot) +
	     svgcurve_ellipse_dist(ex / p, ey / p, cx, cy, rx, ry, rot)) / 2;
	for (k = dd; k <= top; k++) {
		double q = svgvalue_pow10(k);

		for (c = 0; c < 3; c++) {
			double ax = c == 2 ? rx * m : rx;
			double ay = c == 2 ? ry * m : ry;

			r[0] = c == 1 ? (int64_t)(ax * q) :
					svgvalue_round(ax, k);
			r[1] = c == 1 ? (int64_t)(ay * q) :
					svgvalue_round(ay, k);
			if (r[0] > 0 && r[1] > 0 &&
			    svgcurve_arc_centre(X / p, Y / p, r[0] / q,
						r[1] / q, rot, large, sweep,
						ex / p, ey / p, &rcx, &rcy) &&
			    fabs(rcx - cx) <= 1 / p && fabs(rcy - cy) <= 1 / p)
				return k;
		}
	}
	r[0] = svgvalue_round(rx, top);
	r[1] = svgvalue_round(ry, top);
	return top;
}

static void
svgcurve_bezier(const double *p, double t, double *x, double *y)
{
	double u = 1 - t, a = u * u * u, b = 3 * u * u * t, c = 3 * u * t * t;
	double d = t * t * t;

	*x = a * p[0] + b * p[2] + c * p[4] + d * p[6];
	*y = a * p[1] + b * p[3] + c * p[5] + d * p[7];
}

/* A cubic (p: start, both controls, end) that is a straight segment:
 * both control points on it, between its ends.
 */
bool
svgcurve_cubic_is_line(const double *p, double tol)
{
	double dx = p[6] - p[0], dy = p[7] - p[1], len2 = dx * dx + dy * dy;
	int k;

	for (k = 2; k <= 4; k += 2) {
		double ex = p[k] - p[0], ey = p[k + 1] - p[1];
		double t = len2 > 0 ? (ex * dx + ey * dy) / len2 : 0;

		if (t < 0 || t > 1 ||
		    fabs(ex * dy - ey * dx) > tol * sqrt(len2) ||
		    (len2 == 0 && hypot(ex, ey) > tol))
			return false;
	}
	return true;
}

/* A cubic that is a raised quadratic: its two estimates of the quadratic
 * control point agree.  It differs from the quadratic by at most
 * 0.0962 |q1 - q2| (at t = 0.21 and 0.79).
 */
bool
svgcurve_cubic_as_quad(const double *p, double tol, double *q)
{
	double q1x = (3 * p[2] - p[0]) / 2, q1y = (3 * p[3] - p[1]) / 2;
	double q2x = (3 * p[4] - p[6]) / 2, q2y = (3 * p[5] - p[7]) / 2;

	if (0.0963 * hypot(q1x - q2x, q1y - q2y) > tol)
		return false;
	q[0] = (q1x + q2x) / 2;
	q[1] = (q1y + q2y) / 2;
	return true;
}

/* A cubic that follows a circle within tol, sampled at 15 points, turning
 * one way by less than a full turn: the circle's radius and the arc's
 * flags.
 */
bool
svgcurve_cubic_as_arc(const double *p, double tol, struct svgcurve_circle *o)
{
	double mx, my, d, cx, cy, s0, s3, sm, turn = 0, px, py;
	double *r = &o->r;
	int k;

	svgcurve_bezier(p, 0.5, &mx, &my);
	d = 2 * (p[0] * (my - p[7]) + mx * (p[7] - p[1]) +
		 p[6] * (p[1] - my));
	if (fabs(d) < 1e-12)
		return false;
	s0 = p[0] * p[0] + p[1] * p[1];
	sm = mx * mx + my * my;
	s3 = p[6] * p[6] + p[7] * p[7];
	cx = (s0 * (my - p[7]) + sm * (p[7] - p[1]) + s3 * (p[1] - my)) / d;
	cy = (s0 * (p[6] - mx) + sm * (p[0] - p[6]) + s3 * (mx - p[0])) / d;
	*r = hypot(p[0] - cx, p[1] - cy);
	if (!isfinite(*r) || *r > 1e6)
		return false;
	px = p[0];
	py = p[1];
	for (k = 1; k <= 16; k++) {
		double x, y, ax, ay, bx, by, step;

		svgcurve_bezier(p, k / 16.0, &x, &y);
		if (fabs(hypot(x - cx, y - cy) - *r) > tol)
			return false;
		ax = px - cx;
		ay = py - cy;
		bx = x - cx;
		by = y - cy;
		step = atan2(ax * by - ay * bx, ax * bx + ay * by);
		if (k > 1 && (step > 0) != (turn > 0))
			return false;
		turn += step;
		px = x;
		py = y;
	}
	if (fabs(turn) >= 2 * G_PI - 0.01 || turn == 0)
		return false;
	o->cx = cx;
	o->cy = cy;
	o->turn = turn;
	return true;
}

/* Whether a cubic that follows circle b continues circle a: same centre
 * and radius within tol, turning the same way.
 */
bool
svgcurve_same_circle(const struct svgcurve_circle *a,
		     const struct svgcurve_circle *b, double tol)
{
	return fabs(a->cx - b->cx) <= tol && fabs(a->cy - b->cy) <= tol &&
	       fabs(a->r - b->r) <= tol && (a->turn > 0) == (b->turn > 0);
}
