/* test-plot.c: the plot renderer against golden outputs, byte for byte.
 *
 * Each case builds a plot from fixed inputs, renders it and compares the
 * text with tests/golden/NAME.txt.  Run with --write to (re)create the
 * golden files after checking the output by eye.
 */
#include <config.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "error.h"
#include "plot.h"
#include "check.h"

static int write_mode;
static const char *golden_dir;

/* Report a failed check. */
static void
fail(const char *what, const char *detail)
{
  printf("FAIL: %s: %s\n", what, detail);
  failures++;
}

/* Render p at w x h in charset cs and compare with golden file name. */
static void
check_golden(const char *name, const gmoe_plot *p, size_t w, size_t h, gmoe_plot_charset cs)
{
  char path[1024], msg[256];
  gmoe_canvas *c = NULL;
  char *text, *want;
  size_t i;
  if (gmoe_plot_render(p, w, h, cs, &c) != GMOE_OK) {
    fail(name, gmoe_error_message());
    return;
  }
  if (c->w != w || c->h != h) {
    fail(name, "canvas has the wrong size");
  }
  text = gmoe_canvas_string(c);
  snprintf(path, sizeof path, "%s/%s.txt", golden_dir, name);
  if (write_mode) {
    FILE *f = fopen(path, "wb");
    if (f == NULL || fputs(text, f) == EOF || fclose(f) != 0)
      fail(name, "cannot write the golden file");
    else
      printf("wrote %s\n", path);
  } else {
    want = check_slurp(path);
    if (want == NULL) {
      fail(name, "cannot read the golden file");
    } else if (strcmp(want, text) != 0) {
      fail(name, "output differs from the golden file; got:");
      fputs(text, stdout);
    }
    free(want);
  }
  /* Every DATA or REF cell names a series (or -1 for an uncoloured
   * reference line), every other cell none. */
  for (i = 0; i < w * h; i++) {
    int k = c->kind[i], s = c->series[i];
    if ((k != GMOE_CELL_DATA && k != GMOE_CELL_REF && s != -1)
        || (k == GMOE_CELL_DATA && (s < 0 || (size_t) s >= gmoe_plot_nseries(p)))) {
      snprintf(msg, sizeof msg, "cell %zu has kind %d and series %d", i, k, s);
      fail(name, msg);
      break;
    }
  }
  free(text);
  gmoe_canvas_free(c);
}

/* Two curves over [0, 10] with a reference line, title, x label and legend. */
static gmoe_plot *
make_curves(void)
{
  double x[41], y1[41], y2[41];
  size_t t;
  gmoe_plot *p = gmoe_plot_alloc("two curves");
  for (t = 0; t < 41; t++) {
    x[t] = 0.25 * (double) t;
    y1[t] = sin(x[t]);
    y2[t] = 0.5 * cos(x[t]) - 0.2;
  }
  gmoe_plot_set_xlabel(p, "x");
  gmoe_plot_add_hline(p, "true", 0.5, 0);
  gmoe_plot_add_series(p, "sin", GMOE_PLOT_LINE, x, 1, y1, 1, 41);
  gmoe_plot_add_series(p, "cos/2-0.2", GMOE_PLOT_LINE, x, 1, y2, 1, 41);
  return p;
}

/* Three clusters of scatter points with fixed coordinates. */
static gmoe_plot *
make_scatter(gmoe_plot_style style)
{
  double x[3][12], y[3][12];
  size_t i, t;
  char name[32];
  gmoe_plot *p = gmoe_plot_alloc("scatter");
  for (i = 0; i < 3; i++)
    for (t = 0; t < 12; t++) {
      x[i][t] = (double) i / 3 + (double) t / 36;
      y[i][t] = 4.0 * (double) i - 4 + 0.37 * (double) ((t * 7 + i * 3) % 11) - 1.8;
    }
  for (i = 0; i < 3; i++) {
    snprintf(name, sizeof name, "expert %zu", i + 1);
    gmoe_plot_add_series(p, name, style, x[i], 1, y[i], 1, 12);
  }
  return p;
}

/* A log-log plot of errors against n with a fitted line. */
static gmoe_plot *
make_loglog(void)
{
  double n[6] = { 100, 250, 1000, 2500, 10000, 100000 };
  double e[6], f[6];
  size_t t;
  gmoe_plot *p = gmoe_plot_alloc("error against n");
  for (t = 0; t < 6; t++) {
    e[t] = 2.0 / sqrt(n[t]) * (1 + 0.1 * (double) (t % 2));
    f[t] = 2.0 / sqrt(n[t]);
  }
  gmoe_plot_set_log(p, 1, 1);
  gmoe_plot_set_xlabel(p, "n");
  gmoe_plot_add_series(p, "density", GMOE_PLOT_POINTS, n, 1, e, 1, 6);
  gmoe_plot_add_series(p, "slope -0.5", GMOE_PLOT_LINE, n, 1, f, 1, 6);
  return p;
}

/* Degenerate inputs: constant values, NaN, infinities, an empty series,
 * and x omitted (1-based index). */
static gmoe_plot *
make_degenerate(void)
{
  double y[7] = { 3, 3, NAN, 3, INFINITY, 3, -INFINITY };
  gmoe_plot *p = gmoe_plot_alloc("constant");
  gmoe_plot_add_series(p, "flat", GMOE_PLOT_LINE, NULL, 0, y, 1, 7);
  gmoe_plot_add_series(p, "empty", GMOE_PLOT_POINTS, NULL, 0, y, 1, 0);
  return p;
}

/* A plot whose data are all unusable. */
static gmoe_plot *
make_nodata(void)
{
  double y[3] = { NAN, NAN, NAN }, x[3] = { -1, 0, 2 }, y2[3] = { 1, 2, 3 };
  gmoe_plot *p = gmoe_plot_alloc("nothing to show");
  gmoe_plot_set_log(p, 1, 0);
  gmoe_plot_add_series(p, "nan", GMOE_PLOT_LINE, NULL, 0, y, 1, 3);
  /* x <= 0 cannot be shown on a log axis; x = 2 can, but alone it is a point */
  gmoe_plot_add_series(p, NULL, GMOE_PLOT_POINTS, x, 1, y2, 1, 2);
  return p;
}

/* Large magnitudes on a fixed range: labels switch to exponent form. */
static gmoe_plot *
make_large(void)
{
  double x[5] = { 0, 50000, 100000, 150000, 200000 };
  double y[5] = { -283901.5, -283799.25, -283760.125, -283751, -283750.5 };
  gmoe_plot *p = gmoe_plot_alloc("log-likelihood");
  gmoe_plot_add_series(p, NULL, GMOE_PLOT_LINE, x, 1, y, 1, 5);
  gmoe_plot_set_yrange(p, NAN, -283700);
  return p;
}

/* Points with fitted lines drawn in the same glyph and colour (set_look). */
static gmoe_plot *
make_look(void)
{
  double n[5] = { 100, 300, 1000, 3000, 10000 }, e1[5], e2[5], ends[2] = { 100, 10000 };
  double l1[2], l2[2];
  size_t t;
  int a, b, la, lb;
  gmoe_plot *p = gmoe_plot_alloc("rates");
  for (t = 0; t < 5; t++) {
    e1[t] = 3 * pow(n[t], -0.5) * (t % 2 ? 1.15 : 0.9);
    e2[t] = 0.5 * pow(n[t], -0.25) * (t % 2 ? 0.9 : 1.1);
  }
  for (t = 0; t < 2; t++) {
    l1[t] = 3 * pow(ends[t], -0.5);
    l2[t] = 0.5 * pow(ends[t], -0.25);
  }
  gmoe_plot_set_log(p, 1, 1);
  la = gmoe_plot_add_series(p, NULL, GMOE_PLOT_THIN, ends, 1, l1, 1, 2);
  lb = gmoe_plot_add_series(p, "fits", GMOE_PLOT_THIN, ends, 1, l2, 1, 2);
  a = gmoe_plot_add_series(p, "fast -0.5", GMOE_PLOT_POINTS, n, 1, e1, 1, 5);
  b = gmoe_plot_add_series(p, "slow -0.25", GMOE_PLOT_POINTS, n, 1, e2, 1, 5);
  gmoe_plot_set_look(p, la, a);
  gmoe_plot_set_look(p, lb, b);
  if (gmoe_plot_set_look(p, a, 7) != GMOE_EINVAL)
    fail("look", "a missing series was accepted");
  return p;
}

/* Check one formatted tick label. */
static void
check_format(double v, double step, const char *want)
{
  char buf[64], msg[160];
  gmoe_plot_format(v, step, buf, sizeof buf);
  if (strcmp(buf, want) != 0) {
    snprintf(msg, sizeof msg, "format(%.17g, %g) gave '%s', expected '%s'", v, step, buf, want);
    fail("format", msg);
  }
}

/* Run every case. */
int
main(int argc, char **argv)
{
  const char *srcdir = getenv("top_srcdir");
  static char dir[1024];
  gmoe_plot *p;
  gmoe_canvas *c = NULL;

  if (argc > 1 && strcmp(argv[1], "--write") == 0)
    write_mode = 1;
  snprintf(dir, sizeof dir, "%s/tests/golden", srcdir ? srcdir : ".");
  golden_dir = dir;

  p = make_curves();
  check_golden("plot-curves-ascii", p, 64, 20, GMOE_PLOT_ASCII);
  check_golden("plot-curves-unicode", p, 64, 20, GMOE_PLOT_UNICODE);
  check_golden("plot-curves-small", p, 30, 8, GMOE_PLOT_ASCII);
  gmoe_plot_free(p);

  p = make_scatter(GMOE_PLOT_POINTS);
  check_golden("plot-scatter-ascii", p, 50, 16, GMOE_PLOT_ASCII);
  gmoe_plot_free(p);
  p = make_scatter(GMOE_PLOT_DOTS);
  check_golden("plot-scatter-unicode", p, 50, 16, GMOE_PLOT_UNICODE);
  gmoe_plot_free(p);

  p = make_loglog();
  check_golden("plot-loglog-ascii", p, 60, 18, GMOE_PLOT_ASCII);
  check_golden("plot-loglog-unicode", p, 60, 18, GMOE_PLOT_UNICODE);
  gmoe_plot_free(p);

  p = make_look();
  check_golden("plot-look-ascii", p, 50, 14, GMOE_PLOT_ASCII);
  check_golden("plot-look-unicode", p, 50, 14, GMOE_PLOT_UNICODE);
  gmoe_plot_free(p);

  p = make_degenerate();
  check_golden("plot-degenerate-ascii", p, 40, 10, GMOE_PLOT_ASCII);
  gmoe_plot_free(p);
  p = make_nodata();
  check_golden("plot-nodata-ascii", p, 40, 9, GMOE_PLOT_ASCII);
  gmoe_plot_free(p);
  p = make_large();
  check_golden("plot-large-ascii", p, 56, 12, GMOE_PLOT_ASCII);
  gmoe_plot_free(p);

  /* Too small a canvas is refused with a message naming the size. */
  p = make_curves();
  if (gmoe_plot_render(p, 12, 4, GMOE_PLOT_ASCII, &c) != GMOE_EINVAL || c != NULL)
    fail("small", "a 12x4 canvas was not refused");
  else if (strcmp(gmoe_error_message(),
                  "plot size 12x4 is out of range (20x5 to 10000x10000)") != 0)
    fail("small", gmoe_error_message());
  gmoe_plot_free(p);

  check_format(0, 0.1, "0");
  check_format(-0.0, 0, "0");
  check_format(0.1 + 0.2, 0.1, "0.3");
  check_format(1050, 50, "1050");
  check_format(150000, 50000, "150000");
  check_format(2e6, 5e5, "2e6");
  check_format(-283750, 50, "-283750");
  check_format(2.5e-6, 5e-7, "2.5e-6");
  check_format(0.001, 0, "0.001");
  check_format(0.01, 0, "0.01");
  check_format(1e-5, 0, "1e-5");
  check_format(12.375, 0.125, "12.375");
  check_format(NAN, 0, "nan");

  gmoe_plot_free(NULL);
  gmoe_canvas_free(NULL);
  return check_report("test-plot");
}
