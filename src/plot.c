/* plot.c: the plot renderer (data to character cells, no I/O). */
#include <config.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "error.h"
#include "plot.h"

#define GMOE_PLOT_MAX_TICKS 64

typedef struct gmoe_plot_series {
  char *name;
  gmoe_plot_style style;
  int look;          /* glyph and colour: those of series number look */
  size_t n;
  double *x, *y;
} gmoe_plot_series;

typedef struct gmoe_plot_ref {
  char *name;
  double y;
  int series;
} gmoe_plot_ref;

struct gmoe_plot {
  char *title, *xlabel;
  int logx, logy;
  int xinteger;
  double xlo, xhi, ylo, yhi;
  gmoe_plot_series *s;
  size_t ns, scap;
  gmoe_plot_ref *r;
  size_t nr, rcap;
};

/* One axis while rendering: its range in transformed units (log10 when
 * logarithmic), its length in cells and sub-cells per cell. */
typedef struct gmoe_plot_axis {
  double lo, hi;
  int log;
  int integer;      /* ticks only at whole numbers */
  size_t cells, sub;
} gmoe_plot_axis;

/* Tick positions (values, not transformed) and their labels. */
typedef struct gmoe_plot_ticks {
  size_t n;
  double v[GMOE_PLOT_MAX_TICKS];
  char label[GMOE_PLOT_MAX_TICKS][24];
  size_t len[GMOE_PLOT_MAX_TICKS];
} gmoe_plot_ticks;

static const char gmoe_plot_glyphs[] = "*+ox#@%&=$";

enum {
  GMOE_U_HLINE = 0x2500,   /* ─ */
  GMOE_U_VLINE = 0x2502,   /* │ */
  GMOE_U_CORNER = 0x2514,  /* └ */
  GMOE_U_YTICK = 0x2524,   /* ┤ */
  GMOE_U_XTICK = 0x252C,   /* ┬ */
  GMOE_U_DASH = 0x254C,    /* ╌ */
  GMOE_U_BRAILLE = 0x2800
};

/* Return the glyph of series i (cycling through a fixed list). */
uint32_t
gmoe_plot_glyph(int i)
{
  size_t n = sizeof gmoe_plot_glyphs - 1;
  if (i < 0)
    return '?';
  return (uint32_t) gmoe_plot_glyphs[(size_t) i % n];
}

/* Allocate a blank canvas of w x h cells. */
gmoe_canvas *
gmoe_canvas_alloc(size_t w, size_t h)
{
  gmoe_canvas *c;
  size_t i;
  if (w == 0 || h == 0 || w > 10000 || h > 10000)
    return NULL;
  c = calloc(1, sizeof *c);
  if (c == NULL)
    return NULL;
  c->w = w;
  c->h = h;
  c->ch = malloc(w * h * sizeof *c->ch);
  c->series = malloc(w * h * sizeof *c->series);
  c->kind = calloc(w * h, 1);
  if (!c->ch || !c->series || !c->kind) {
    gmoe_canvas_free(c);
    return NULL;
  }
  for (i = 0; i < w * h; i++) {
    c->ch[i] = ' ';
    c->series[i] = -1;
  }
  return c;
}

/* Free a canvas; NULL is a no-op. */
void
gmoe_canvas_free(gmoe_canvas *c)
{
  if (c == NULL)
    return;
  free(c->ch);
  free(c->series);
  free(c->kind);
  free(c);
}

/* Encode code point u as UTF-8 into out (at least 4 bytes); returns the length. */
static size_t
gmoe_plot_utf8_put(uint32_t u, char *out)
{
  if (u < 0x80) {
    out[0] = (char) u;
    return 1;
  }
  if (u < 0x800) {
    out[0] = (char) (0xC0 | (u >> 6));
    out[1] = (char) (0x80 | (u & 0x3F));
    return 2;
  }
  if (u < 0x10000) {
    out[0] = (char) (0xE0 | (u >> 12));
    out[1] = (char) (0x80 | ((u >> 6) & 0x3F));
    out[2] = (char) (0x80 | (u & 0x3F));
    return 3;
  }
  out[0] = (char) (0xF0 | (u >> 18));
  out[1] = (char) (0x80 | ((u >> 12) & 0x3F));
  out[2] = (char) (0x80 | ((u >> 6) & 0x3F));
  out[3] = (char) (0x80 | (u & 0x3F));
  return 4;
}

/* Decode one UTF-8 character at *s, advancing *s; invalid bytes give '?'. */
static uint32_t
gmoe_plot_utf8_get(const char **s)
{
  const unsigned char *p = (const unsigned char *) *s;
  uint32_t u;
  size_t n, i;
  if (p[0] < 0x80) {
    *s += 1;
    return p[0];
  }
  if ((p[0] & 0xE0) == 0xC0) {
    u = p[0] & 0x1F;
    n = 1;
  } else if ((p[0] & 0xF0) == 0xE0) {
    u = p[0] & 0x0F;
    n = 2;
  } else if ((p[0] & 0xF8) == 0xF0) {
    u = p[0] & 0x07;
    n = 3;
  } else {
    *s += 1;
    return '?';
  }
  for (i = 1; i <= n; i++) {
    if ((p[i] & 0xC0) != 0x80) {
      *s += i;
      return '?';
    }
    u = (u << 6) | (p[i] & 0x3F);
  }
  *s += n + 1;
  return u;
}

/* Number of characters (code points) in a UTF-8 string. */
static size_t
gmoe_plot_strwidth(const char *s)
{
  size_t n = 0;
  while (*s) {
    gmoe_plot_utf8_get(&s);
    n++;
  }
  return n;
}

/* Write row r of the canvas as UTF-8 into buf. */
size_t
gmoe_canvas_row(const gmoe_canvas *c, size_t r, char *buf, size_t len)
{
  size_t i, n = 0, k;
  char tmp[4];
  if (len == 0)
    return 0;
  for (i = 0; r < c->h && i < c->w; i++) {
    k = gmoe_plot_utf8_put(c->ch[r * c->w + i], tmp);
    if (n + k + 1 > len)
      break;
    memcpy(buf + n, tmp, k);
    n += k;
  }
  buf[n] = '\0';
  return n;
}

/* Return the canvas as UTF-8 text with trailing spaces removed. */
char *
gmoe_canvas_string(const gmoe_canvas *c)
{
  size_t r, i, n = 0, end;
  char *s = malloc(c->h * (c->w * 4 + 1) + 1);
  if (s == NULL)
    return NULL;
  for (r = 0; r < c->h; r++) {
    const uint32_t *row = c->ch + r * c->w;
    for (end = c->w; end > 0 && row[end - 1] == ' '; end--)
      ;
    for (i = 0; i < end; i++)
      n += gmoe_plot_utf8_put(row[i], s + n);
    s[n++] = '\n';
  }
  s[n] = '\0';
  return s;
}

/* Copy a string or NULL into *dst, freeing the old one. */
static int
gmoe_plot_strset(char **dst, const char *src)
{
  char *c = NULL;
  if (src != NULL && (c = strdup(src)) == NULL)
    GMOE_ERROR(GMOE_ENOMEM, "out of memory for a plot label");
  free(*dst);
  *dst = c;
  return GMOE_OK;
}

/* Allocate an empty plot with a title. */
gmoe_plot *
gmoe_plot_alloc(const char *title)
{
  gmoe_plot *p = calloc(1, sizeof *p);
  if (p == NULL)
    return NULL;
  p->xlo = p->xhi = p->ylo = p->yhi = NAN;
  if (gmoe_plot_strset(&p->title, title) != GMOE_OK) {
    free(p);
    return NULL;
  }
  return p;
}

/* Free a plot with its series and reference lines. */
void
gmoe_plot_free(gmoe_plot *p)
{
  size_t i;
  if (p == NULL)
    return;
  for (i = 0; i < p->ns; i++) {
    free(p->s[i].name);
    free(p->s[i].x);
    free(p->s[i].y);
  }
  for (i = 0; i < p->nr; i++)
    free(p->r[i].name);
  free(p->s);
  free(p->r);
  free(p->title);
  free(p->xlabel);
  free(p);
}

/* Replace the title. */
int
gmoe_plot_set_title(gmoe_plot *p, const char *title)
{
  return gmoe_plot_strset(&p->title, title);
}

/* Set the x axis label. */
int
gmoe_plot_set_xlabel(gmoe_plot *p, const char *label)
{
  return gmoe_plot_strset(&p->xlabel, label);
}

/* Choose linear or logarithmic axes. */
void
gmoe_plot_set_log(gmoe_plot *p, int logx, int logy)
{
  p->logx = logx != 0;
  p->logy = logy != 0;
}

/* Put x ticks at whole numbers only (iterations, counts). */
void
gmoe_plot_set_xinteger(gmoe_plot *p, int on)
{
  p->xinteger = on != 0;
}

/* Fix the x range (NaN bounds are automatic). */
void
gmoe_plot_set_xrange(gmoe_plot *p, double lo, double hi)
{
  p->xlo = lo;
  p->xhi = hi;
}

/* Fix the y range (NaN bounds are automatic). */
void
gmoe_plot_set_yrange(gmoe_plot *p, double lo, double hi)
{
  p->ylo = lo;
  p->yhi = hi;
}

/* Number of series in the plot. */
size_t
gmoe_plot_nseries(const gmoe_plot *p)
{
  return p->ns;
}

/* Add a series, copying its points. */
int
gmoe_plot_add_series(gmoe_plot *p, const char *name, gmoe_plot_style style,
                     const double *x, size_t xstride, const double *y, size_t ystride,
                     size_t n)
{
  gmoe_plot_series *s;
  size_t t;
  if (p->ns == p->scap) {
    size_t cap = p->scap ? 2 * p->scap : 8;
    gmoe_plot_series *ns = realloc(p->s, cap * sizeof *ns);
    if (ns == NULL) {
      gmoe_error_set("out of memory for a plot series");
      return -1;
    }
    p->s = ns;
    p->scap = cap;
  }
  s = &p->s[p->ns];
  memset(s, 0, sizeof *s);
  s->style = style;
  s->look = (int) p->ns;
  s->n = n;
  s->x = malloc((n ? n : 1) * sizeof(double));
  s->y = malloc((n ? n : 1) * sizeof(double));
  if (!s->x || !s->y || gmoe_plot_strset(&s->name, name) != GMOE_OK) {
    free(s->x);
    free(s->y);
    gmoe_error_set("out of memory for a plot series of %zu points", n);
    return -1;
  }
  for (t = 0; t < n; t++) {
    s->x[t] = x ? x[t * xstride] : (double) (t + 1);
    s->y[t] = y[t * ystride];
  }
  return (int) p->ns++;
}

/* Draw series `series` with the glyph and colour of series `look`. */
int
gmoe_plot_set_look(gmoe_plot *p, int series, int look)
{
  if (series < 0 || (size_t) series >= p->ns || look < 0 || (size_t) look >= p->ns)
    GMOE_ERROR(GMOE_EINVAL, "plot series %d or %d does not exist", series, look);
  p->s[series].look = p->s[look].look;
  return GMOE_OK;
}

/* Add a horizontal reference line. */
int
gmoe_plot_add_hline(gmoe_plot *p, const char *name, double y, int series)
{
  gmoe_plot_ref *r;
  if (p->nr == p->rcap) {
    size_t cap = p->rcap ? 2 * p->rcap : 8;
    gmoe_plot_ref *nr = realloc(p->r, cap * sizeof *nr);
    if (nr == NULL)
      GMOE_ERROR(GMOE_ENOMEM, "out of memory for a reference line");
    p->r = nr;
    p->rcap = cap;
  }
  r = &p->r[p->nr];
  r->name = NULL;
  r->y = y;
  r->series = series;
  if (gmoe_plot_strset(&r->name, name) != GMOE_OK)
    return GMOE_ENOMEM;
  p->nr++;
  return GMOE_OK;
}

/* Map a value to axis units: log10 on a log axis; NaN when it cannot be shown. */
static double
gmoe_plot_tr(double v, int log)
{
  if (!isfinite(v))
    return NAN;
  if (log)
    return v > 0 ? log10(v) : NAN;
  return v;
}

/* Widen an empty or one-point range so that it can be drawn. */
static void
gmoe_plot_widen(double *lo, double *hi, int log)
{
  double d;
  if (!(*lo <= *hi)) {
    *lo = 0;
    *hi = 1;
    return;
  }
  if (*hi > *lo)
    return;
  if (log)
    d = 0.5;
  else
    d = *lo != 0 ? fabs(*lo) * 0.1 : 1;
  *lo -= d;
  *hi += d;
}

/* Set the axis range from fixed bounds or from the data (xs: x or y). */
static void
gmoe_plot_range(const gmoe_plot *p, int xs, gmoe_plot_axis *ax)
{
  int log = xs ? p->logx : p->logy;
  double flo = gmoe_plot_tr(xs ? p->xlo : p->ylo, log);
  double fhi = gmoe_plot_tr(xs ? p->xhi : p->yhi, log);
  double lo = INFINITY, hi = -INFINITY, v, w;
  size_t i, t;
  for (i = 0; i < p->ns; i++)
    for (t = 0; t < p->s[i].n; t++) {
      v = gmoe_plot_tr(xs ? p->s[i].x[t] : p->s[i].y[t], log);
      w = gmoe_plot_tr(xs ? p->s[i].y[t] : p->s[i].x[t], xs ? p->logy : p->logx);
      if (isnan(v) || isnan(w))
        continue;
      if (v < lo)
        lo = v;
      if (v > hi)
        hi = v;
    }
  if (!xs)
    for (i = 0; i < p->nr; i++) {
      v = gmoe_plot_tr(p->r[i].y, log);
      if (isnan(v))
        continue;
      if (v < lo)
        lo = v;
      if (v > hi)
        hi = v;
    }
  if (!isnan(flo))
    lo = flo;
  if (!isnan(fhi))
    hi = fhi;
  if (lo > hi && !isnan(flo) && !isnan(fhi)) {
    v = lo;
    lo = hi;
    hi = v;
  }
  if (!(lo <= hi)) {
    lo = 0;
    hi = 1;
  }
  gmoe_plot_widen(&lo, &hi, log);
  ax->lo = lo;
  ax->hi = hi;
  ax->log = log;
}

/* Map an axis value (transformed units) to a sub-cell position, counted
 * from the low end; may fall outside [0, cells*sub). */
static double
gmoe_plot_pos(const gmoe_plot_axis *ax, double t)
{
  double span = (double) (ax->cells * ax->sub - 1);
  return (t - ax->lo) / (ax->hi - ax->lo) * span;
}

/* Significant digits needed to write v to within tol. */
static int
gmoe_plot_digits(double v, double tol)
{
  char buf[64];
  int p;
  for (p = 1; p < 17; p++) {
    snprintf(buf, sizeof buf, "%.*e", p - 1, v);
    if (fabs(strtod(buf, NULL) - v) <= tol)
      return p;
  }
  return 17;
}

/* Write v in decimal (sci = 0) or scientific (sci = 1) form with p
 * significant digits, dropping "+" and leading zeros of the exponent. */
static size_t
gmoe_plot_write(double v, int p, int sci, char *buf, size_t len)
{
  char tmp[64], *e;
  int ex, dec, n;
  if (v == 0) {
    snprintf(buf, len, "0");
    return strlen(buf);
  }
  snprintf(tmp, sizeof tmp, "%.*e", p - 1, v);
  e = strchr(tmp, 'e');
  ex = atoi(e + 1);
  if (!sci) {
    dec = p - 1 - ex;
    snprintf(buf, len, "%.*f", dec > 0 ? dec : 0, v);
    return strlen(buf);
  }
  *e = '\0';
  n = snprintf(buf, len, "%se%d", tmp, ex);
  return n < 0 ? 0 : (size_t) n < len ? (size_t) n : len - 1;
}

/* Write the labels of ticks t (spacing step, 0 for uneven spacing), all
 * in decimal or all in scientific form: scientific only when it is at
 * least a fifth shorter in total (500 1000 1500 reads better than 5e2 1e3
 * 1.5e3, 1e2 1e3 1e4 1e5 better than 100 ... 100000). */
static void
gmoe_plot_labels(gmoe_plot_ticks *t, double step)
{
  int digits[GMOE_PLOT_MAX_TICKS];
  size_t i, dec = 0, sci = 0;
  char buf[32];
  for (i = 0; i < t->n; i++) {
    double v = t->v[i];
    double tol = step > 0 ? step * 1e-6 : fabs(v) * 1e-9;
    if (step > 0 && fabs(v) < step * 1e-9)
      v = t->v[i] = 0;
    digits[i] = gmoe_plot_digits(v, tol);
    dec += gmoe_plot_write(v, digits[i], 0, buf, sizeof buf);
    sci += gmoe_plot_write(v, digits[i], 1, buf, sizeof buf);
  }
  for (i = 0; i < t->n; i++)
    t->len[i] = gmoe_plot_write(t->v[i], digits[i], 5 * sci < 4 * dec, t->label[i],
                                sizeof t->label[i]);
}

/* Format one value compactly. */
size_t
gmoe_plot_format(double v, double step, char *buf, size_t len)
{
  gmoe_plot_ticks t;
  if (!isfinite(v)) {
    snprintf(buf, len, "%s", isnan(v) ? "nan" : v > 0 ? "inf" : "-inf");
    return strlen(buf);
  }
  t.n = 1;
  t.v[0] = v;
  gmoe_plot_labels(&t, step);
  snprintf(buf, len, "%s", t.label[0]);
  return strlen(buf);
}

/* A 1-2-5 step of about span/target. */
static double
gmoe_plot_nice(double span, double target)
{
  double raw = span / target, mag = pow(10, floor(log10(raw))), f = raw / mag;
  if (f <= 1 + 1e-9)
    return mag;
  if (f <= 2 + 1e-9)
    return 2 * mag;
  if (f <= 5 + 1e-9)
    return 5 * mag;
  return 10 * mag;
}

/* Evenly spaced ticks in [lo, hi] (values) about `target` intervals apart;
 * returns the step. */
static double
gmoe_plot_linear_ticks(double lo, double hi, double target, double min_step,
                       gmoe_plot_ticks *t)
{
  double step = gmoe_plot_nice(hi - lo, target), v;
  if (step < min_step)
    step = min_step;
  double i0 = ceil(lo / step - 1e-9);
  size_t i;
  t->n = 0;
  for (i = 0; t->n < GMOE_PLOT_MAX_TICKS; i++) {
    v = (i0 + (double) i) * step;
    if (v > hi + step * 1e-9)
      break;
    t->v[t->n++] = v;
  }
  return step;
}

/* Ticks for a logarithmic axis [lo, hi] (log10 units): powers of ten
 * when at least three fit, else 1-2-5 multiples when they are not too
 * many, else the powers of ten in range, else linear ticks. */
static void
gmoe_plot_log_ticks(double lo, double hi, double target, gmoe_plot_ticks *t)
{
  static const double mult[3] = { 1, 2, 5 };
  double first = ceil(lo - 1e-9), last = floor(hi + 1e-9), s, e;
  size_t j;
  t->n = 0;
  if (last - first >= 2) {
    s = 1;
    while ((last - first) / s + 1 > target + 1)
      s = s == 1 ? 2 : s == 2 ? 5 : s * 2;
    for (e = ceil(first / s) * s; e <= last + 1e-9 && t->n < GMOE_PLOT_MAX_TICKS; e += s)
      t->v[t->n++] = pow(10, e);
    gmoe_plot_labels(t, 0);
    return;
  }
  for (e = floor(lo) - 1; e <= ceil(hi) && t->n < GMOE_PLOT_MAX_TICKS; e++)
    for (j = 0; j < 3; j++) {
      double v = mult[j] * pow(10, e), lv = log10(v);
      if (lv >= lo - 1e-9 && lv <= hi + 1e-9 && t->n < GMOE_PLOT_MAX_TICKS)
        t->v[t->n++] = v;
    }
  if (t->n >= 2 && (double) t->n <= target + 1) {
    gmoe_plot_labels(t, 0);
    return;
  }
  if (last - first >= 1) {  /* too many 1-2-5 ticks: the two powers of ten */
    t->n = 0;
    for (e = first; e <= last + 1e-9 && t->n < 2; e += 1)
      t->v[t->n++] = pow(10, e);
    gmoe_plot_labels(t, 0);
    return;
  }
  s = gmoe_plot_linear_ticks(pow(10, lo), pow(10, hi), target < 2 ? 2 : target, 0, t);
  for (j = 0; j < t->n; j++)
    if (t->v[j] <= 0) {
      memmove(t->v + j, t->v + j + 1, (t->n - j - 1) * sizeof t->v[0]);
      t->n--;
      j--;
    }
  gmoe_plot_labels(t, s);
}

/* Ticks of an axis, about `target` intervals. */
static void
gmoe_plot_ticks_for(const gmoe_plot_axis *ax, double target, gmoe_plot_ticks *t)
{
  if (ax->log) {
    gmoe_plot_log_ticks(ax->lo, ax->hi, target, t);
  } else {
    double step = gmoe_plot_linear_ticks(ax->lo, ax->hi, target, ax->integer ? 1 : 0, t);
    gmoe_plot_labels(t, step);
  }
}

/* Cell (from the axis origin) of axis value t (transformed), or -1 when outside. */
static long
gmoe_plot_cell(const gmoe_plot_axis *ax, double t)
{
  double q = floor(gmoe_plot_pos(ax, t) + 0.5);
  if (q < 0 || q >= (double) (ax->cells * ax->sub))
    return -1;
  return (long) q / (long) ax->sub;
}

/* Rendering context: canvas, plot area origin and size, braille masks. */
typedef struct gmoe_plot_ctx {
  gmoe_canvas *c;
  size_t x0, y0;          /* top-left cell of the plot area */
  gmoe_plot_axis ax, ay;
  int unicode;
  unsigned char *dots;    /* braille masks per plot-area cell (Unicode mode) */
} gmoe_plot_ctx;

/* Put code point u at (row, col) with a kind and series, if inside. */
static void
gmoe_plot_put(gmoe_canvas *c, size_t row, size_t col, uint32_t u, int kind, int series)
{
  size_t i;
  if (row >= c->h || col >= c->w)
    return;
  i = row * c->w + col;
  c->ch[i] = u;
  c->kind[i] = (unsigned char) kind;
  c->series[i] = series;
}

/* Write UTF-8 text at (row, col), clipped to the canvas; returns the columns used. */
static size_t
gmoe_plot_text(gmoe_canvas *c, size_t row, size_t col, const char *s)
{
  size_t n = 0;
  while (*s) {
    uint32_t u = gmoe_plot_utf8_get(&s);
    gmoe_plot_put(c, row, col + n, u, GMOE_CELL_TEXT, -1);
    n++;
  }
  return n;
}

/* Light sub-cell (px, py) of the plot area (py from the top) for series s. */
static void
gmoe_plot_pixel(gmoe_plot_ctx *g, long px, long py, int s, uint32_t glyph)
{
  static const unsigned char bits[4][2] = {
    { 0x01, 0x08 }, { 0x02, 0x10 }, { 0x04, 0x20 }, { 0x40, 0x80 }
  };
  size_t cx, cy, i;
  if (px < 0 || py < 0 || (size_t) px >= g->ax.cells * g->ax.sub
      || (size_t) py >= g->ay.cells * g->ay.sub)
    return;
  cx = (size_t) px / g->ax.sub;
  cy = (size_t) py / g->ay.sub;
  if (glyph == 0) {
    i = cy * g->ax.cells + cx;
    g->dots[i] |= bits[py % 4][px % 2];
    gmoe_plot_put(g->c, g->y0 + cy, g->x0 + cx, GMOE_U_BRAILLE + g->dots[i],
                  GMOE_CELL_DATA, s);
  } else {
    gmoe_plot_put(g->c, g->y0 + cy, g->x0 + cx, glyph, GMOE_CELL_DATA, s);
  }
}

/* Clip the segment (x0,y0)-(x1,y1) to [0,w] x [0,h] (Liang-Barsky);
 * returns 0 when nothing is left. */
static int
gmoe_plot_clip(double *x0, double *y0, double *x1, double *y1, double w, double h)
{
  double t0 = 0, t1 = 1, dx = *x1 - *x0, dy = *y1 - *y0;
  double p[4] = { -dx, dx, -dy, dy };
  double q[4] = { *x0 + 0.5, w - 0.5 - *x0, *y0 + 0.5, h - 0.5 - *y0 };
  int i;
  for (i = 0; i < 4; i++) {
    if (p[i] == 0) {
      if (q[i] < 0)
        return 0;
    } else {
      double r = q[i] / p[i];
      if (p[i] < 0) {
        if (r > t1)
          return 0;
        if (r > t0)
          t0 = r;
      } else {
        if (r < t0)
          return 0;
        if (r < t1)
          t1 = r;
      }
    }
  }
  *x1 = *x0 + t1 * dx;
  *y1 = *y0 + t1 * dy;
  *x0 = *x0 + t0 * dx;
  *y0 = *y0 + t0 * dy;
  return 1;
}

/* Draw a line between two sub-cell positions (Bresenham), clipped. */
static void
gmoe_plot_segment(gmoe_plot_ctx *g, double fx0, double fy0, double fx1, double fy1, int s,
                  uint32_t glyph)
{
  long x0, y0, x1, y1, dx, dy, sx, sy, err, e2;
  double w = (double) (g->ax.cells * g->ax.sub), h = (double) (g->ay.cells * g->ay.sub);
  if (!gmoe_plot_clip(&fx0, &fy0, &fx1, &fy1, w, h))
    return;
  x0 = lround(fx0);
  y0 = lround(fy0);
  x1 = lround(fx1);
  y1 = lround(fy1);
  dx = labs(x1 - x0);
  dy = -labs(y1 - y0);
  sx = x0 < x1 ? 1 : -1;
  sy = y0 < y1 ? 1 : -1;
  err = dx + dy;
  for (;;) {
    gmoe_plot_pixel(g, x0, y0, s, glyph);
    if (x0 == x1 && y0 == y1)
      break;
    e2 = 2 * err;
    if (e2 >= dy) {
      err += dy;
      x0 += sx;
    }
    if (e2 <= dx) {
      err += dx;
      y0 += sy;
    }
  }
}

/* Sub-cell position of a data point, or 0 when it cannot be shown. */
static int
gmoe_plot_point(const gmoe_plot_ctx *g, double x, double y, double *px, double *py)
{
  double tx = gmoe_plot_tr(x, g->ax.log), ty = gmoe_plot_tr(y, g->ay.log);
  if (isnan(tx) || isnan(ty))
    return 0;
  /* Round before flipping y so that points and ticks agree on rows. */
  *px = floor(gmoe_plot_pos(&g->ax, tx) + 0.5);
  *py = (double) (g->ay.cells * g->ay.sub - 1) - floor(gmoe_plot_pos(&g->ay, ty) + 0.5);
  return 1;
}

/* Draw series number si. */
static void
gmoe_plot_draw_series(gmoe_plot_ctx *g, const gmoe_plot_series *s, int si)
{
  uint32_t glyph = gmoe_plot_glyph(si);
  double px, py, lx = 0, ly = 0;
  int have = 0;
  size_t t;
  long cx = -1, cy = -1;
  for (t = 0; t < s->n; t++) {
    if (!gmoe_plot_point(g, s->x[t], s->y[t], &px, &py)) {
      have = 0;
      continue;
    }
    if (s->style == GMOE_PLOT_LINE || s->style == GMOE_PLOT_THIN) {
      uint32_t gl = g->unicode ? 0 : s->style == GMOE_PLOT_THIN ? '.' : glyph;
      if (have)
        gmoe_plot_segment(g, lx, ly, px, py, si, gl);
      else
        gmoe_plot_segment(g, px, py, px, py, si, gl);
      lx = px;
      ly = py;
      have = 1;
      cx = lround(px);
      cy = lround(py);
    } else {
      long qx = lround(px), qy = lround(py);
      if (s->style == GMOE_PLOT_DOTS && g->unicode)
        gmoe_plot_pixel(g, qx, qy, si, 0);
      else
        gmoe_plot_pixel(g, qx, qy, si, glyph);
    }
  }
  /* In Unicode mode a line ends in its glyph, so that series can be told
   * apart without colour. */
  if (s->style == GMOE_PLOT_LINE && g->unicode && cx >= 0)
    gmoe_plot_pixel(g, cx, cy, si, glyph);
}

/* Draw reference line number ri. */
static void
gmoe_plot_draw_ref(gmoe_plot_ctx *g, const gmoe_plot_ref *r)
{
  double t = gmoe_plot_tr(r->y, g->ay.log);
  long cy;
  size_t i;
  if (isnan(t))
    return;
  cy = gmoe_plot_cell(&g->ay, t);
  if (cy < 0)
    return;
  cy = (long) g->ay.cells - 1 - cy;
  for (i = 0; i < g->ax.cells; i++)
    gmoe_plot_put(g->c, g->y0 + (size_t) cy, g->x0 + i, g->unicode ? GMOE_U_DASH : '-',
                  GMOE_CELL_REF, r->series);
}

/* Legend entries: put them in rows starting at row0 when c is not NULL;
 * returns the number of rows needed for width w. */
static size_t
gmoe_plot_legend(const gmoe_plot *p, gmoe_canvas *c, size_t row0, size_t w, int unicode)
{
  size_t rows = 0, col = 0, i, len;
  for (i = 0; i < p->ns + p->nr; i++) {
    const char *name = i < p->ns ? p->s[i].name : p->r[i - p->ns].name;
    if (name == NULL)
      continue;
    len = 2 + gmoe_plot_strwidth(name);
    if (rows == 0 || (col > 0 && col + 3 + len > w)) {
      rows++;
      col = 0;
    } else if (col > 0) {
      col += 3;
    }
    if (c != NULL) {
      size_t row = row0 + rows - 1;
      if (i < p->ns) {
        uint32_t u = gmoe_plot_glyph(p->s[i].look);
        if (unicode && p->s[i].style == GMOE_PLOT_DOTS)
          u = GMOE_U_BRAILLE + 0xFF;
        else if (p->s[i].style == GMOE_PLOT_THIN)
          u = unicode ? GMOE_U_BRAILLE + 0x12 : '.';
        gmoe_plot_put(c, row, col, u, GMOE_CELL_DATA, p->s[i].look);
      } else {
        gmoe_plot_put(c, row, col, unicode ? GMOE_U_DASH : '-', GMOE_CELL_REF,
                      p->r[i - p->ns].series);
      }
      gmoe_plot_text(c, row, col + 2, name);
    }
    col += len;
  }
  return rows;
}

/* Choose x ticks whose labels fit side by side in the plot area. */
static void
gmoe_plot_xticks(const gmoe_plot_axis *ax, size_t x0, size_t w, gmoe_plot_ticks *t,
                 size_t *start)
{
  double target;
  for (target = (double) ax->cells / 6; target >= 1; target -= 1) {
    size_t i, prev_end = 0, ok = 1, m = 0;
    gmoe_plot_ticks_for(ax, target, t);
    for (i = 0; i < t->n; i++) {
      long cell = gmoe_plot_cell(ax, gmoe_plot_tr(t->v[i], ax->log));
      long s;
      if (cell < 0)
        continue;
      s = (long) x0 + cell - (long) t->len[i] / 2;
      if (s < 0)
        s = 0;
      if ((size_t) s + t->len[i] > w)
        s = (long) (w - t->len[i]);
      if (m > 0 && (size_t) s < prev_end + 2) {
        ok = 0;
        break;
      }
      start[i] = (size_t) s;
      prev_end = (size_t) s + t->len[i];
      m++;
    }
    if (ok && m >= 2)
      return;
    if (target <= 1)
      break;
  }
  /* Too narrow for two labels: show the ends of the range only. */
  t->n = 2;
  t->v[0] = ax->log ? pow(10, ax->lo) : ax->lo;
  t->v[1] = ax->log ? pow(10, ax->hi) : ax->hi;
  gmoe_plot_labels(t, 0);
  start[0] = x0;
  start[1] = w > t->len[1] ? w - t->len[1] : 0;
}

/* Render the plot onto a new canvas. */
int
gmoe_plot_render(const gmoe_plot *p, size_t w, size_t h, gmoe_plot_charset cs,
                 gmoe_canvas **out)
{
  gmoe_plot_ctx g;
  gmoe_plot_ticks yt, xt;
  size_t xstart[GMOE_PLOT_MAX_TICKS];
  size_t legend_rows, title_rows, xlabel_rows, ph, pw, lw = 0, i, row;
  int unicode = cs == GMOE_PLOT_UNICODE, any = 0;

  *out = NULL;
  if (w < GMOE_PLOT_MIN_W || h < GMOE_PLOT_MIN_H || w > 10000 || h > 10000)
    GMOE_ERROR(GMOE_EINVAL, "plot size %zux%zu is out of range (%dx%d to 10000x10000)", w, h,
               GMOE_PLOT_MIN_W, GMOE_PLOT_MIN_H);
  title_rows = p->title != NULL;
  legend_rows = gmoe_plot_legend(p, NULL, 0, w, unicode);
  xlabel_rows = p->xlabel != NULL;
  /* Drop the legend, then the x label, then the title when space is short. */
  if (h < title_rows + legend_rows + xlabel_rows + 2 + 3)
    legend_rows = 0;
  if (h < title_rows + xlabel_rows + 2 + 3)
    xlabel_rows = 0;
  if (h < title_rows + 2 + 3)
    title_rows = 0;
  ph = h - title_rows - legend_rows - xlabel_rows - 2;

  memset(&g, 0, sizeof g);
  g.unicode = unicode;
  gmoe_plot_range(p, 1, &g.ax);
  g.ax.integer = p->xinteger;
  gmoe_plot_range(p, 0, &g.ay);
  g.ay.cells = ph;
  g.ay.sub = unicode ? 4 : 1;
  g.ax.sub = unicode ? 2 : 1;

  gmoe_plot_ticks_for(&g.ay, ph >= 6 ? (double) ph / 3 : 2, &yt);
  for (i = 0; i < yt.n; i++)
    if (yt.len[i] > lw)
      lw = yt.len[i];
  if (lw + 2 + 10 > w)
    GMOE_ERROR(GMOE_EINVAL, "plot width %zu is too small for its labels", w);
  pw = w - lw - 2;
  g.ax.cells = pw;
  g.x0 = lw + 2;
  g.y0 = title_rows;

  g.c = gmoe_canvas_alloc(w, h);
  g.dots = calloc(pw * ph, 1);
  if (g.c == NULL || g.dots == NULL) {
    gmoe_canvas_free(g.c);
    free(g.dots);
    GMOE_ERROR(GMOE_ENOMEM, "out of memory for a %zux%zu plot", w, h);
  }

  /* Title, centred over the plot area when it fits. */
  if (title_rows) {
    size_t tw = gmoe_plot_strwidth(p->title);
    size_t col = tw < pw ? g.x0 + (pw - tw) / 2 : 0;
    gmoe_plot_text(g.c, 0, col, p->title);
  }

  /* Y axis with its ticks and labels. */
  for (i = 0; i < ph; i++)
    gmoe_plot_put(g.c, g.y0 + i, lw + 1, unicode ? GMOE_U_VLINE : '|', GMOE_CELL_AXIS, -1);
  for (i = 0; i < yt.n; i++) {
    long cell = gmoe_plot_cell(&g.ay, gmoe_plot_tr(yt.v[i], g.ay.log));
    if (cell < 0)
      continue;
    row = g.y0 + ph - 1 - (size_t) cell;
    if (g.c->ch[row * w + lw + 1] != (unicode ? GMOE_U_VLINE : '|'))
      continue;  /* a tick already sits on this row */
    gmoe_plot_put(g.c, row, lw + 1, unicode ? GMOE_U_YTICK : '+', GMOE_CELL_AXIS, -1);
    gmoe_plot_text(g.c, row, lw - yt.len[i], yt.label[i]);
  }

  /* X axis with its ticks and labels. */
  row = g.y0 + ph;
  gmoe_plot_put(g.c, row, lw + 1, unicode ? GMOE_U_CORNER : '+', GMOE_CELL_AXIS, -1);
  for (i = 0; i < pw; i++)
    gmoe_plot_put(g.c, row, g.x0 + i, unicode ? GMOE_U_HLINE : '-', GMOE_CELL_AXIS, -1);
  gmoe_plot_xticks(&g.ax, g.x0, w, &xt, xstart);
  for (i = 0; i < xt.n; i++) {
    long cell = gmoe_plot_cell(&g.ax, gmoe_plot_tr(xt.v[i], g.ax.log));
    if (cell < 0)
      continue;
    gmoe_plot_put(g.c, row, g.x0 + (size_t) cell, unicode ? GMOE_U_XTICK : '+',
                  GMOE_CELL_AXIS, -1);
    gmoe_plot_text(g.c, row + 1, xstart[i], xt.label[i]);
  }
  if (xlabel_rows) {
    size_t xw = gmoe_plot_strwidth(p->xlabel);
    gmoe_plot_text(g.c, row + 2, xw >= pw ? 0 : g.x0 + (pw - xw) / 2, p->xlabel);
  }

  /* Reference lines under the data, then the series in order. */
  for (i = 0; i < p->nr; i++)
    gmoe_plot_draw_ref(&g, &p->r[i]);
  for (i = 0; i < p->ns; i++)
    gmoe_plot_draw_series(&g, &p->s[i], p->s[i].look);
  for (i = 0; i < pw * ph && !any; i++)
    any = g.c->kind[(g.y0 + i / pw) * w + g.x0 + i % pw] != GMOE_CELL_BLANK;
  if (!any) {
    const char *msg = "(no data)";
    gmoe_plot_text(g.c, g.y0 + (ph - 1) / 2, g.x0 + (pw > 9 ? (pw - 9) / 2 : 0), msg);
  }

  if (legend_rows)
    gmoe_plot_legend(p, g.c, h - legend_rows, w, unicode);
  free(g.dots);
  *out = g.c;
  return GMOE_OK;
}
