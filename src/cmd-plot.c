/* cmd-plot.c: `plot loglik|trace|data|gate|rate` and the plot settings.
 *
 * Each subcommand builds a gmoe_plot from the session (fit trace, data,
 * fitted model or truth), renders it at the plot size and prints it to
 * s->out, coloured by series when the session allows colour.
 */
#include <config.h>
#include <langinfo.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "cmd-plot.h"
#include "cmd-select.h"
#include "cmd.h"
#include "error.h"
#include "session.h"
#include "sweep.h"

#define PLOT_HINT "try 'help plot'"
#define GMOE_PLOT_MAX_SIDE 1000  /* largest plot side `set plotsize` accepts */

const char *const gmoe_plot_charset_words[] = { "ascii", "unicode", NULL };
const char *const gmoe_plot_size_words[] = { "auto", NULL };
static const char *const gmoe_plot_words[] = {
  "loglik", "trace", "data", "gate", "rate", "select", NULL
};

/* ANSI foreground colours of series 0, 1, ... (cyan, yellow, green,
 * magenta, red, blue), the same order as the live view. */
static const int gmoe_plot_ansi[6] = { 36, 33, 32, 35, 31, 34 };

/* Whether the locale's codeset is UTF-8. */
int
gmoe_cmd_plot_default_unicode(void)
{
  const char *cs = nl_langinfo(CODESET);
  return cs != NULL && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
}

/* Whether colour is allowed: a terminal on standard output and no NO_COLOR. */
int
gmoe_cmd_plot_default_color(void)
{
  const char *nc = getenv("NO_COLOR");
  return isatty(STDOUT_FILENO) && (nc == NULL || *nc == '\0');
}

/* Run `set plotsize W H` or `set plotsize auto`. */
int
gmoe_set_plotsize(gmoe_session *s, int argc, char **argv)
{
  unsigned long long w, h;
  if (argc == 2 && strcmp(argv[1], "auto") == 0) {
    s->plot_w = s->plot_h = 0;
    return 0;
  }
  if (argc != 3)
    return gmoe_cmd_error(s, "plotsize expects a width and a height or 'auto', got '%s' "
                          "(usage: set plotsize W H | auto)", argv[1]);
  if (gmoe_cmd_parse_count(s, "plot width", argv[1], GMOE_PLOT_MIN_W, GMOE_PLOT_MAX_SIDE,
                           "try 'help set plotsize'", &w)
      || gmoe_cmd_parse_count(s, "plot height", argv[2], GMOE_PLOT_MIN_H, GMOE_PLOT_MAX_SIDE,
                              "try 'help set plotsize'", &h))
    return -1;
  s->plot_w = (int) w;
  s->plot_h = (int) h;
  return 0;
}

/* Print the plot size setting. */
void
gmoe_show_plotsize(gmoe_session *s, FILE *out)
{
  if (s->plot_w > 0)
    fprintf(out, "%d %d", s->plot_w, s->plot_h);
  else
    fputs("auto", out);
}

/* The plot size: the setting, the terminal less one row, or 80x24. */
void
gmoe_cmd_plot_size(const gmoe_session *s, size_t *w, size_t *h)
{
  struct winsize ws;
  *w = 80;
  *h = 24;
  if (s->plot_w > 0) {
    *w = (size_t) s->plot_w;
    *h = (size_t) s->plot_h;
    return;
  }
  if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0
      && ws.ws_row > 0) {
    *w = ws.ws_col;
    *h = ws.ws_row > 1 ? ws.ws_row - 1u : ws.ws_row;
    if (*w < GMOE_PLOT_MIN_W)
      *w = GMOE_PLOT_MIN_W;
    if (*h < GMOE_PLOT_MIN_H)
      *h = GMOE_PLOT_MIN_H;
  }
}

/* Print canvas c to out with ANSI colours by series. */
static void
gmoe_cmd_plot_color(const gmoe_canvas *c, FILE *out)
{
  char buf[8];
  size_t r, i, end;
  for (r = 0; r < c->h; r++) {
    int cur = -1;  /* ANSI code in effect, -1 none */
    for (end = c->w; end > 0 && c->ch[r * c->w + end - 1] == ' '; end--)
      ;
    for (i = 0; i < end; i++) {
      size_t j = r * c->w + i;
      int code = -1;
      if (c->series[j] >= 0 && (c->kind[j] == GMOE_CELL_DATA || c->kind[j] == GMOE_CELL_REF))
        code = gmoe_plot_ansi[c->series[j] % 6] + (c->kind[j] == GMOE_CELL_REF ? 100 : 0);
      if (code != cur) {
        if (cur != -1)
          fputs("\033[0m", out);
        if (code >= 100)
          fprintf(out, "\033[2;%dm", code - 100);
        else if (code != -1)
          fprintf(out, "\033[%dm", code);
        cur = code;
      }
      /* one cell as UTF-8 */
      {
        uint32_t u = c->ch[j];
        size_t n = 0;
        if (u < 0x80) {
          buf[n++] = (char) u;
        } else if (u < 0x800) {
          buf[n++] = (char) (0xC0 | (u >> 6));
          buf[n++] = (char) (0x80 | (u & 0x3F));
        } else {
          buf[n++] = (char) (0xE0 | (u >> 12));
          buf[n++] = (char) (0x80 | ((u >> 6) & 0x3F));
          buf[n++] = (char) (0x80 | (u & 0x3F));
        }
        fwrite(buf, 1, n, out);
      }
    }
    if (cur != -1)
      fputs("\033[0m", out);
    fputc('\n', out);
  }
}

/* Render and print a plot. */
int
gmoe_cmd_plot_print(gmoe_session *s, const gmoe_plot *p)
{
  gmoe_canvas *c;
  size_t w, h;
  char *text;
  gmoe_cmd_plot_size(s, &w, &h);
  if (gmoe_plot_render(p, w, h, s->charset == GMOE_CHARSET_UNICODE ? GMOE_PLOT_UNICODE
                                                                    : GMOE_PLOT_ASCII, &c)
      != GMOE_OK)
    return gmoe_cmd_error(s, "%s (try 'help set plotsize')", gmoe_error_message());
  if (s->color) {
    gmoe_cmd_plot_color(c, s->out);
  } else {
    text = gmoe_canvas_string(c);
    if (text == NULL) {
      gmoe_canvas_free(c);
      return gmoe_cmd_error(s, "out of memory");
    }
    fputs(text, s->out);
    free(text);
  }
  gmoe_canvas_free(c);
  return 0;
}

/* Print plot p when rc is 0, or report that memory ran out (a part of the
 * plot could not be added) when it is not; p is freed either way.  Returns
 * the command's status. */
static int
gmoe_cmd_plot_finish(gmoe_session *s, gmoe_plot *p, int rc)
{
  if (rc == 0)
    rc = gmoe_cmd_plot_print(s, p);
  else
    rc = gmoe_cmd_error(s, "out of memory");
  gmoe_plot_free(p);
  return rc;
}

/* The trace of the last fit, or NULL after an error naming what is missing. */
static const gmoe_trace *
gmoe_cmd_plot_trace(gmoe_session *s)
{
  if (!s->have_fit || s->fit.model == NULL) {
    gmoe_cmd_error(s, "no fit yet: run 'fit' first");
    return NULL;
  }
  if (s->fit.trace == NULL || s->fit.trace->rows == 0) {
    gmoe_cmd_error(s, "the last fit recorded no trace");
    return NULL;
  }
  return s->fit.trace;
}

/* Run `plot loglik`: the log-likelihood of the kept fit by iteration. */
static int
gmoe_cmd_plot_loglik(gmoe_session *s, int argc, char **argv)
{
  const gmoe_trace *tr;
  gmoe_plot *p;
  char title[128];
  int rc;
  if (argc > 2)
    return gmoe_cmd_error(s, "loglik takes no argument, got '%s' (%s)", argv[2], PLOT_HINT);
  if ((tr = gmoe_cmd_plot_trace(s)) == NULL)
    return -1;
  snprintf(title, sizeof title, "log-likelihood by iteration (final %.10g)",
           tr->v[(tr->rows - 1) * tr->cols + 1]);
  p = gmoe_plot_alloc(title);
  if (p != NULL)
    gmoe_plot_set_xinteger(p, 1);
  rc = p == NULL || gmoe_plot_set_xlabel(p, "iteration") != GMOE_OK
       || gmoe_plot_add_series(p, NULL, GMOE_PLOT_LINE, tr->v, tr->cols, tr->v + 1, tr->cols,
                               tr->rows) < 0 ? -1 : 0;
  return gmoe_cmd_plot_finish(s, p, rc);
}

/* Whether flat parameter j is a gate parameter (tau, beta0, beta1) of a
 * non-reference expert. */
static int
gmoe_cmd_plot_is_gate(size_t k, size_t d, size_t j)
{
  size_t per = 2 * d + 3, i, o;
  if (j == 0)
    return 1;
  i = (j - 1) / per;
  o = (j - 1) % per;
  return o <= d && i + 1 < k;
}

/* Run `plot trace [gate|experts|PARAM]`: parameter trajectories of the
 * kept fit, with the truth's values as reference lines when it has the
 * same k and d. */
static int
gmoe_cmd_plot_trace_exec(gmoe_session *s, int argc, char **argv)
{
  const gmoe_trace *tr;
  const char *what = argc > 2 ? argv[2] : "gate";
  size_t k, d, flat, j, want = (size_t) -1, nshown = 0;
  int group, truth, rc = 0, tau_moves;
  double *tv = NULL;
  char name[64], title[160];
  gmoe_plot *p;
  if (argc > 3)
    return gmoe_cmd_error(s, "trace takes at most one argument, got %d (usage: plot trace "
                          "[gate|experts|PARAM]) (%s)", argc - 2, PLOT_HINT);
  if ((tr = gmoe_cmd_plot_trace(s)) == NULL)
    return -1;
  k = tr->k;
  d = tr->d;
  flat = gmoe_model_flat_size(k, d);
  if (strcmp(what, "gate") == 0)
    group = 0;
  else if (strcmp(what, "experts") == 0)
    group = 1;
  else {
    group = 2;
    for (j = 0; j < flat && want == (size_t) -1; j++) {
      gmoe_model_flat_name(k, d, j, name, sizeof name);
      if (strcmp(name, what) == 0)
        want = j;
    }
    if (want == (size_t) -1) {
      gmoe_model_flat_name(k, d, flat - 1, name, sizeof name);
      return gmoe_cmd_error(s, "unknown parameter '%s' (expected gate, experts, or a parameter "
                            "of the fit from tau, beta0_1 to %s) (%s)", what, name, PLOT_HINT);
    }
  }
  truth = s->truth != NULL && s->truth->k == k && s->truth->d == d;
  if (truth) {
    tv = malloc(flat * sizeof *tv);
    if (tv == NULL)
      return gmoe_cmd_error(s, "out of memory");
    gmoe_model_flatten(s->truth, tv);
  }
  /* tau is shown with the gate when it moved during the fit. */
  tau_moves = tr->v[2] != tr->v[(tr->rows - 1) * tr->cols + 2];
  if (group == 0)
    snprintf(title, sizeof title, "gate parameters by iteration%s",
             truth ? " (- - true values)" : "");
  else if (group == 1)
    snprintf(title, sizeof title, "expert parameters by iteration%s",
             truth ? " (- - true values)" : "");
  else
    snprintf(title, sizeof title, "%s by iteration (final %.6g%s%.6g)", what,
             tr->v[(tr->rows - 1) * tr->cols + 2 + want], truth ? ", true " : "",
             truth ? tv[want] : 0.0);
  p = gmoe_plot_alloc(title);
  if (p == NULL || gmoe_plot_set_xlabel(p, "iteration") != GMOE_OK)
    rc = -1;
  else
    gmoe_plot_set_xinteger(p, 1);
  for (j = 0; j < flat && rc == 0; j++) {
    int si;
    if (group == 0 && !(gmoe_cmd_plot_is_gate(k, d, j) && (j > 0 || tau_moves)))
      continue;
    if (group == 1 && (j == 0 || (j - 1) % (2 * d + 3) <= d))
      continue;
    if (group == 2 && j != want)
      continue;
    gmoe_model_flat_name(k, d, j, name, sizeof name);
    si = gmoe_plot_add_series(p, group == 2 ? NULL : name, GMOE_PLOT_LINE, tr->v, tr->cols,
                              tr->v + 2 + j, tr->cols, tr->rows);
    if (si < 0 || (truth && gmoe_plot_add_hline(p, NULL, tv[j], si) != GMOE_OK))
      rc = -1;
    nshown++;
  }
  free(tv);
  if (rc == 0 && nshown == 0) {
    gmoe_plot_free(p);
    return gmoe_cmd_error(s, "a one-expert fit with a fixed temperature has no gate parameters "
                          "(try 'plot trace experts')");
  }
  return gmoe_cmd_plot_finish(s, p, rc);
}

/* Parse an optional "x=J" argument (1 <= J <= d) into *col (0-based). */
static int
gmoe_cmd_plot_xarg(gmoe_session *s, const char *arg, size_t d, size_t *col)
{
  unsigned long long j;
  if (strncmp(arg, "x=", 2) != 0)
    return gmoe_cmd_error(s, "expected x=J to choose the input, got '%s' (%s)", arg, PLOT_HINT);
  if (gmoe_cmd_parse_count(s, "input J in x=J", arg + 2, 1, d, PLOT_HINT, &j))
    return -1;
  *col = (size_t) j - 1;
  return 0;
}

/* Range of input column col of the data, or [0, 1] without data. */
static void
gmoe_cmd_plot_xrange(const gmoe_session *s, size_t col, double *lo, double *hi)
{
  size_t t;
  *lo = 0;
  *hi = 1;
  if (s->data == NULL || col >= s->data->d || s->data->n == 0)
    return;
  *lo = *hi = s->data->x[col * s->data->n];
  for (t = 1; t < s->data->n; t++) {
    double v = s->data->x[col * s->data->n + t];
    if (v < *lo)
      *lo = v;
    if (v > *hi)
      *hi = v;
  }
}

/* Add each expert's mean a_i'x + b_i along input col (others at 0.5) as
 * thin lines of G points over [lo, hi], in the look of series first + i
 * (that expert's points); the first line is named for the legend. */
static int
gmoe_cmd_plot_means(gmoe_plot *p, const gmoe_model *m, size_t col, double lo, double hi,
                    int first)
{
  enum { G = 200 };
  double xs[G], ys[G], xv[GMOE_MAX_D];
  size_t i, g, j;
  int si;
  for (i = 0; i < m->k; i++) {
    for (g = 0; g < G; g++) {
      for (j = 0; j < m->d; j++)
        xv[j] = 0.5;
      xs[g] = lo + (hi - lo) * (double) g / (G - 1);
      xv[col] = xs[g];
      ys[g] = gmoe_model_expert_mean(m, i, xv, 1);
    }
    si = gmoe_plot_add_series(p, i == 0 ? "expert means" : NULL, GMOE_PLOT_THIN, xs, 1, ys, 1,
                              G);
    if (si < 0 || gmoe_plot_set_look(p, si, first + (int) i) != GMOE_OK)
      return -1;
  }
  return 0;
}

/* Run `plot data [x=J]`: y against input J, points marked by the most
 * likely expert (posterior) under the fit, or the truth when no fit
 * matches the data, with each expert's mean line. */
static int
gmoe_cmd_plot_data(gmoe_session *s, int argc, char **argv)
{
  const gmoe_data *data = s->data;
  const gmoe_model *m = NULL;
  const char *under = "";
  size_t col = 0, t, i, n, *count = NULL;
  double *xs = NULL, *ys = NULL, lo, hi, logg[GMOE_MAX_K];
  unsigned char *who = NULL;
  char title[200], name[32];
  gmoe_plot *p = NULL;
  int rc = -1;
  if (argc > 3)
    return gmoe_cmd_error(s, "data takes at most one argument, got %d (usage: plot data "
                          "[x=J]) (%s)", argc - 2, PLOT_HINT);
  if (data == NULL)
    return gmoe_cmd_error(s, "no data: use 'simulate' or 'load FILE.csv' first");
  if (argc == 3 && gmoe_cmd_plot_xarg(s, argv[2], data->d, &col))
    return -1;
  n = data->n;
  if (s->have_fit && s->fit.model != NULL && s->fit.model->d == data->d) {
    m = s->fit.model;
    under = ", by likeliest expert of the fit";
  } else if (s->truth != NULL && s->truth->d == data->d) {
    m = s->truth;
    under = ", by likeliest expert of the truth";
  }
  xs = malloc((n ? n : 1) * sizeof *xs);
  ys = malloc((n ? n : 1) * sizeof *ys);
  who = malloc(n ? n : 1);
  count = calloc(m ? m->k : 1, sizeof *count);
  if (!xs || !ys || !who || !count)
    goto nomem;
  for (t = 0; t < n; t++) {
    size_t best = 0;
    if (m != NULL) {
      double bl = -INFINITY;
      gmoe_model_log_gate(m, data->x + t, n, logg);
      for (i = 0; i < m->k; i++) {
        double mu = gmoe_model_expert_mean(m, i, data->x + t, n), r = data->y[t] - mu;
        double l = logg[i] - 0.5 * log(m->nu[i]) - 0.5 * r * r / m->nu[i];
        if (l > bl) {
          bl = l;
          best = i;
        }
      }
    }
    who[t] = (unsigned char) best;
    count[best]++;
  }
  if (data->d > 1)
    snprintf(title, sizeof title, "data, n = %zu%s (means: other inputs 0.5)", n, under);
  else
    snprintf(title, sizeof title, "data, n = %zu%s", n, under);
  p = gmoe_plot_alloc(title);
  if (p == NULL)
    goto nomem;
  if (data->names != NULL && gmoe_plot_set_xlabel(p, data->names[col]) != GMOE_OK)
    goto nomem;
  for (i = 0; i < (m ? m->k : 1); i++) {
    size_t c = 0;
    for (t = 0; t < n; t++)
      if (who[t] == i) {
        xs[c] = data->x[col * n + t];
        ys[c++] = data->y[t];
      }
    if (m != NULL)
      snprintf(name, sizeof name, "expert %zu (%zu)", i + 1, count[i]);
    else
      snprintf(name, sizeof name, "data");
    if (gmoe_plot_add_series(p, name, GMOE_PLOT_POINTS, xs, 1, ys, 1, c) < 0)
      goto nomem;
  }
  gmoe_cmd_plot_xrange(s, col, &lo, &hi);
  if (m != NULL && gmoe_cmd_plot_means(p, m, col, lo, hi, 0) != 0)
    goto nomem;
  rc = gmoe_cmd_plot_print(s, p);
  goto done;
nomem:
  rc = gmoe_cmd_error(s, "out of memory");
done:
  gmoe_plot_free(p);
  free(xs);
  free(ys);
  free(who);
  free(count);
  return rc;
}

/* Run `plot gate [x=J] [fit|truth]`: the gate weights g_i(x) along input J
 * (others at 0.5) for the fit, or the truth when there is no fit. */
static int
gmoe_cmd_plot_gate(gmoe_session *s, int argc, char **argv)
{
  enum { G = 400 };
  const gmoe_model *m = NULL;
  const char *which = NULL;
  size_t col = 0, i, g, j;
  double xs[G], *ys = NULL, xv[GMOE_MAX_D], logg[GMOE_MAX_K], lo, hi;
  char title[200], name[32];
  gmoe_plot *p;
  int a, rc, want_col = 0;
  for (a = 2; a < argc; a++) {
    if (strcmp(argv[a], "fit") == 0 || strcmp(argv[a], "truth") == 0) {
      if (which != NULL)
        return gmoe_cmd_error(s, "gate takes fit or truth, not both: got '%s' and '%s' (%s)",
                              which, argv[a], PLOT_HINT);
      which = argv[a];
    } else if (strncmp(argv[a], "x=", 2) == 0 && !want_col) {
      want_col = a;
    } else {
      return gmoe_cmd_error(s, "unexpected argument '%s' (usage: plot gate [x=J] [fit|truth]) "
                            "(%s)", argv[a], PLOT_HINT);
    }
  }
  if (which == NULL)
    which = s->have_fit && s->fit.model != NULL ? "fit" : "truth";
  if (strcmp(which, "fit") == 0) {
    if (!s->have_fit || s->fit.model == NULL)
      return gmoe_cmd_error(s, "no fit yet: run 'fit' first");
    m = s->fit.model;
  } else {
    m = s->truth;
  }
  if (want_col && gmoe_cmd_plot_xarg(s, argv[want_col], m->d, &col))
    return -1;
  if (m->d > 1)
    snprintf(title, sizeof title, "gate of the %s along x%zu, others at 0.5", which, col + 1);
  else
    snprintf(title, sizeof title, "gate of the %s: %s, tau %.4g", which,
             gmoe_activation_name(m->act), m->tau);
  p = gmoe_plot_alloc(title);
  ys = malloc(m->k * G * sizeof *ys);
  snprintf(name, sizeof name, "x%zu", col + 1);
  if (p == NULL || ys == NULL || gmoe_plot_set_xlabel(p, m->d > 1 ? name : "x") != GMOE_OK) {
    gmoe_plot_free(p);
    free(ys);
    return gmoe_cmd_error(s, "out of memory");
  }
  if (s->data != NULL && s->data->d == m->d)
    gmoe_cmd_plot_xrange(s, col, &lo, &hi);
  else
    lo = 0, hi = 1;
  for (g = 0; g < G; g++) {
    for (j = 0; j < m->d; j++)
      xv[j] = 0.5;
    xs[g] = lo + (hi - lo) * (double) g / (G - 1);
    xv[col] = xs[g];
    gmoe_model_log_gate(m, xv, 1, logg);
    for (i = 0; i < m->k; i++)
      ys[i * G + g] = exp(logg[i]);
  }
  gmoe_plot_set_yrange(p, 0, 1);
  rc = 0;
  for (i = 0; i < m->k && rc == 0; i++) {
    snprintf(name, sizeof name, "g_%zu", i + 1);
    if (gmoe_plot_add_series(p, name, GMOE_PLOT_LINE, xs, 1, ys + i * G, 1, G) < 0)
      rc = -1;
  }
  free(ys);
  return gmoe_cmd_plot_finish(s, p, rc);
}

/* Parse a comma-separated list of error measures (loss.h names or sweep
 * column names) into use[GMOE_ERR_COUNT]. */
static int
gmoe_cmd_plot_measures(gmoe_session *s, const char *list, int *use)
{
  const char *p = list;
  int e;
  for (e = 0; e < GMOE_ERR_COUNT; e++)
    use[e] = 0;
  while (*p) {
    size_t len = strcspn(p, ",");
    int found = 0;
    for (e = 0; e < GMOE_ERR_COUNT && !found; e++)
      if ((strlen(gmoe_loss_name(e)) == len && strncmp(gmoe_loss_name(e), p, len) == 0)
          || (strlen(gmoe_sweep_column_name(e)) == len
              && strncmp(gmoe_sweep_column_name(e), p, len) == 0))
        use[e] = found = 1;
    if (!found || len == 0) {
      char names[256] = "";
      for (e = 0; e < GMOE_ERR_COUNT; e++)
        snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s",
                 e ? ", " : "", gmoe_loss_name(e));
      return gmoe_cmd_error(s, "unknown error measure '%.*s' (expected all or a comma-separated "
                            "list of %s) (%s)", (int) len, p, names, PLOT_HINT);
    }
    p += len;
    if (*p == ',')
      p++;
  }
  return 0;
}

/* Run `plot rate [all|Q[,Q...]]`: the mean error of each measure against n
 * on log-log axes, with its fitted rate line. */
static int
gmoe_cmd_plot_rate(gmoe_session *s, int argc, char **argv)
{
  const gmoe_sweep *sw = s->sweep;
  int use[GMOE_ERR_COUNT], line[GMOE_ERR_COUNT], e, rc = 0, shown = 0;
  double *ln = NULL, *le = NULL, xs[2], ys[2];
  char name[64];
  gmoe_plot *p;
  size_t m, i;
  if (argc > 3)
    return gmoe_cmd_error(s, "rate takes at most one argument, got %d (usage: plot rate "
                          "[all|Q[,Q...]]) (%s)", argc - 2, PLOT_HINT);
  if (sw == NULL)
    return gmoe_cmd_error(s, "no sweep yet: run 'sweep n ... reps R' or 'sweep merge FILE...' "
                          "first");
  if (argc == 3 && strcmp(argv[2], "all") != 0) {
    if (gmoe_cmd_plot_measures(s, argv[2], use))
      return -1;
  } else {
    for (e = 0; e < GMOE_ERR_COUNT; e++)
      use[e] = 1;
  }
  p = gmoe_plot_alloc("mean error against n (log-log), with fitted rate lines");
  ln = malloc((sw->nsizes + 1) * sizeof *ln);
  le = malloc((sw->nsizes + 1) * sizeof *le);
  if (p == NULL || ln == NULL || le == NULL || gmoe_plot_set_xlabel(p, "n") != GMOE_OK)
    rc = -1;
  gmoe_plot_set_log(p, 1, 1);
  /* The lines first, so that the points are drawn over them. */
  for (e = 0; e < GMOE_ERR_COUNT && rc == 0; e++) {
    gmoe_sweep_rate r;
    line[e] = -1;
    if (!use[e])
      continue;
    gmoe_sweep_rate_fit(sw, e, &r);
    m = gmoe_sweep_rate_points(sw, e, ln, le);
    if (m < 2 || !isfinite(r.slope) || !isfinite(r.intercept))
      continue;
    xs[0] = xs[1] = ln[0];
    for (i = 1; i < m; i++) {
      if (ln[i] < xs[0])
        xs[0] = ln[i];
      if (ln[i] > xs[1])
        xs[1] = ln[i];
    }
    for (i = 0; i < 2; i++) {
      ys[i] = exp(r.intercept + r.slope * xs[i]);
      xs[i] = exp(xs[i]);
    }
    line[e] = gmoe_plot_add_series(p, NULL, GMOE_PLOT_THIN, xs, 1, ys, 1, 2);
    if (line[e] < 0)
      rc = -1;
  }
  for (e = 0; e < GMOE_ERR_COUNT && rc == 0; e++) {
    gmoe_sweep_rate r;
    int si;
    if (!use[e])
      continue;
    m = gmoe_sweep_rate_points(sw, e, ln, le);
    if (m == 0)
      continue;
    for (i = 0; i < m; i++) {
      ln[i] = exp(ln[i]);
      le[i] = exp(le[i]);
    }
    gmoe_sweep_rate_fit(sw, e, &r);
    if (isfinite(r.slope))
      snprintf(name, sizeof name, "%s %.2f", gmoe_loss_name(e), r.slope);
    else
      snprintf(name, sizeof name, "%s", gmoe_loss_name(e));
    si = gmoe_plot_add_series(p, name, GMOE_PLOT_POINTS, ln, 1, le, 1, m);
    if (si < 0 || (line[e] >= 0 && gmoe_plot_set_look(p, line[e], si) != GMOE_OK))
      rc = -1;
    shown++;
  }
  free(ln);
  free(le);
  if (rc == 0 && shown == 0) {
    gmoe_plot_free(p);
    return gmoe_cmd_error(s, "the sweep has no size with a positive mean error to plot yet");
  }
  return gmoe_cmd_plot_finish(s, p, rc);
}

/* Run `plot WHAT ...`: dispatch on the subcommand. */
static int
gmoe_cmd_plot_exec(gmoe_session *s, int argc, char **argv)
{
  int v;
  if (gmoe_cmd_parse_word(s, "plot", argv[1], gmoe_plot_words, PLOT_HINT, &v))
    return -1;
  switch (v) {
  case 0:
    return gmoe_cmd_plot_loglik(s, argc, argv);
  case 1:
    return gmoe_cmd_plot_trace_exec(s, argc, argv);
  case 2:
    return gmoe_cmd_plot_data(s, argc, argv);
  case 3:
    return gmoe_cmd_plot_gate(s, argc, argv);
  case 4:
    return gmoe_cmd_plot_rate(s, argc, argv);
  default:
    return gmoe_cmd_plot_select(s, argc, argv);
  }
}

const struct gmoe_cmd gmoe_cmd_plot_entry = {
  "plot", NULL, 1, 3,
  "plot loglik | trace [gate|experts|PARAM] | data [x=J] | gate [x=J] [fit|truth] | "
  "rate [all|Q[,Q...]] | select",
  "draw the log-likelihood or parameter traces of the last fit, the data with expert means, "
  "the gate weights, the sweep's errors against n with their rates, or BIC against k",
  "plot trace beta1_1",
  gmoe_plot_words, 0, gmoe_cmd_plot_exec
};
