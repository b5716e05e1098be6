/* cmd-sweep.c: rate experiments from the command language: `sweep`,
 * `compare`, `check activation`, the `show sweep|rate` and `save sweep`
 * items, and the progress bar of long sweeps. */
#include <config.h>
#include <glob.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include "cmd.h"
#include "cmd-sweep.h"
#include "error.h"
#include "indep.h"
#include "session.h"
#include "sweep.h"
#include "table.h"

#define SWEEP_HINT "try 'help sweep'"
#define COMPARE_HINT "try 'help compare'"
#define SWEEP_MAX_N 1000000000ULL
#define SWEEP_MAX_REPS 1000000ULL
#define SWEEP_MAX_SIZES 100000ULL
#define COMPARE_MAX 16

static volatile sig_atomic_t gmoe_sweep_sigint;

/* SIGINT handler during a sweep: ask the sweep to stop. */
static void
gmoe_sweep_on_sigint(int sig)
{
  (void)sig;
  gmoe_sweep_sigint = 1;
}

/* A sweep as the command line describes it. */
struct gmoe_sweep_spec {
  size_t *sizes, nsizes;
  size_t reps;
  size_t shard_index, shard_count;
  int have_temp;              /* compare only: temperature given */
  gmoe_temp_mode temp;
  double tau;
};

/* Free what a spec owns. */
static void
gmoe_sweep_spec_clear(struct gmoe_sweep_spec *sp)
{
  free(sp->sizes);
  memset(sp, 0, sizeof *sp);
}

/* Parse a comma-separated list of sample sizes into sp. */
static int
gmoe_sweep_parse_sizes(gmoe_session *s, const char *str, const char *hint,
                       struct gmoe_sweep_spec *sp)
{
  size_t count = 1, i = 0;
  const char *p;
  char *copy, *tok, *save = NULL;
  for (p = str; *p; p++)
    count += *p == ',';
  if (count > SWEEP_MAX_SIZES)
    return gmoe_cmd_error(s, "%zu sample sizes are more than %llu (%s)", count, SWEEP_MAX_SIZES,
                          hint);
  free(sp->sizes);
  sp->sizes = malloc(count * sizeof *sp->sizes);
  copy = strdup(str);
  if (sp->sizes == NULL || copy == NULL) {
    free(copy);
    return gmoe_cmd_error(s, "out of memory");
  }
  if (str[0] == ',' || str[0] == '\0' || str[strlen(str) - 1] == ',' || strstr(str, ",,")) {
    free(copy);
    return gmoe_cmd_error(s, "empty entry in the size list '%s': expected N1,N2,... (%s)", str,
                          hint);
  }
  for (tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
    unsigned long long v;
    if (gmoe_cmd_parse_count(s, "sample size", tok, 1, SWEEP_MAX_N, hint, &v)) {
      free(copy);
      return -1;
    }
    sp->sizes[i++] = (size_t)v;
  }
  free(copy);
  sp->nsizes = i;
  return 0;
}

/* Parse "from A to B count C [log]" starting at argv[*i] (the word after
 * `n`); advances *i past what it used. */
static int
gmoe_sweep_parse_range(gmoe_session *s, int argc, char **argv, int *i, const char *hint,
                       struct gmoe_sweep_spec *sp)
{
  unsigned long long a, b, c;
  int logscale = 0;
  if (*i + 5 >= argc || strcmp(argv[*i + 2], "to") != 0 || strcmp(argv[*i + 4], "count") != 0)
    return gmoe_cmd_error(s, "expected 'n from A to B count C [log]' (%s)", hint);
  if (gmoe_cmd_parse_count(s, "smallest sample size", argv[*i + 1], 1, SWEEP_MAX_N, hint, &a)
      || gmoe_cmd_parse_count(s, "largest sample size", argv[*i + 3], 1, SWEEP_MAX_N, hint, &b)
      || gmoe_cmd_parse_count(s, "size count", argv[*i + 5], 1, SWEEP_MAX_SIZES, hint, &c))
    return -1;
  *i += 6;
  if (*i < argc && (strcmp(argv[*i], "log") == 0 || strcmp(argv[*i], "linear") == 0)) {
    logscale = strcmp(argv[*i], "log") == 0;
    (*i)++;
  }
  free(sp->sizes);
  sp->sizes = malloc((size_t)c * sizeof *sp->sizes);
  if (sp->sizes == NULL)
    return gmoe_cmd_error(s, "out of memory");
  if (gmoe_sweep_sizes_range((size_t)a, (size_t)b, (size_t)c, logscale, sp->sizes) != GMOE_OK)
    return gmoe_cmd_error(s, "%s (%s)", gmoe_error_message(), hint);
  sp->nsizes = (size_t)c;
  return 0;
}

/* Parse the words of a sweep description from argv[i]: `n LIST`, `n from
 * A to B count C [log]`, `reps R`, and (when allowed) `shard I/N` or
 * `temperature learn|T`.  Unset parts stay zero. */
static int
gmoe_sweep_parse_spec(gmoe_session *s, int argc, char **argv, int i, int allow_shard,
                      int allow_temp, const char *hint, struct gmoe_sweep_spec *sp)
{
  while (i < argc) {
    const char *w = argv[i];
    if (strcmp(w, "n") == 0) {
      if (i + 1 >= argc)
        return gmoe_cmd_error(s, "'n' needs a size list N1,N2,... or 'from A to B count C [log]' "
                              "(%s)", hint);
      if (strcmp(argv[i + 1], "from") == 0) {
        i++;
        if (gmoe_sweep_parse_range(s, argc, argv, &i, hint, sp))
          return -1;
        continue;
      }
      if (gmoe_sweep_parse_sizes(s, argv[i + 1], hint, sp))
        return -1;
      i += 2;
    } else if (strcmp(w, "reps") == 0) {
      unsigned long long r;
      if (i + 1 >= argc)
        return gmoe_cmd_error(s, "'reps' needs a replicate count R (%s)", hint);
      if (gmoe_cmd_parse_count(s, "replicate count", argv[i + 1], 1, SWEEP_MAX_REPS, hint, &r))
        return -1;
      sp->reps = (size_t)r;
      i += 2;
    } else if (allow_shard && strcmp(w, "shard") == 0) {
      unsigned long long si, sn;
      char *slash, buf[64];
      if (i + 1 >= argc)
        return gmoe_cmd_error(s, "'shard' needs I/N, for instance 'shard 2/4' (%s)", hint);
      snprintf(buf, sizeof buf, "%s", argv[i + 1]);
      slash = strchr(buf, '/');
      if (slash == NULL || strlen(argv[i + 1]) >= sizeof buf)
        return gmoe_cmd_error(s, "shard must be I/N, for instance 2/4, got '%s' (%s)", argv[i + 1],
                              hint);
      *slash = '\0';
      if (gmoe_cmd_parse_count(s, "shard number I of I/N", buf, 1, 1000000ULL, hint, &si)
          || gmoe_cmd_parse_count(s, "shard count N of I/N", slash + 1, 1, 1000000ULL, hint, &sn))
        return -1;
      if (si > sn)
        return gmoe_cmd_error(s, "shard '%s' does not exist: expected I/N with 1 <= I <= N (%s)",
                              argv[i + 1], hint);
      sp->shard_index = (size_t)si;
      sp->shard_count = (size_t)sn;
      i += 2;
    } else if (allow_temp && strcmp(w, "temperature") == 0) {
      if (i + 1 >= argc)
        return gmoe_cmd_error(s, "'temperature' needs 'learn' or a value T (%s)", hint);
      if (strcmp(argv[i + 1], "learn") == 0)
        sp->temp = GMOE_TEMP_LEARN;
      else {
        if (gmoe_cmd_parse_double(s, "temperature", argv[i + 1], 1, hint, &sp->tau))
          return -1;
        sp->temp = GMOE_TEMP_FIXED;
      }
      sp->have_temp = 1;
      i += 2;
    } else {
      return gmoe_cmd_error(s, "unexpected '%s': expected %s (%s)", w,
                            allow_shard ? "n, reps or shard"
                            : allow_temp ? "temperature, n or reps" : "n or reps", hint);
    }
  }
  return 0;
}

/* Seconds on the monotonic clock. */
static double
gmoe_sweep_clock(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Format a duration as m:ss or h:mm:ss ("--:--" when unknown). */
static void
gmoe_sweep_format_time(double sec, char *buf, size_t len)
{
  long t;
  if (!isfinite(sec) || sec < 0.0 || sec > 3.6e7) {
    snprintf(buf, len, "--:--");
    return;
  }
  t = (long)(sec + 0.5);
  if (t >= 3600)
    snprintf(buf, len, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
  else
    snprintf(buf, len, "%ld:%02ld", t / 60, t % 60);
}

/* State of the progress display of one sweep. */
struct gmoe_sweep_ui {
  gmoe_session *s;
  const char *label;
  double t0, last;
  int tty;                 /* redraw a bar in place on stderr */
  int lines;               /* plain lines on stderr at every tenth of the work */
  int last_tenth;
  int drawn;
};

/* Progress callback of a sweep: the bar on a terminal, otherwise (with
 * `set progress on`) a plain line at each tenth of the work once the sweep
 * has run for two seconds; stops when Ctrl-C was pressed. */
static int
gmoe_sweep_ui_progress(size_t done, size_t total, double work_done, double work_total,
                       void *user)
{
  struct gmoe_sweep_ui *ui = user;
  double now = gmoe_sweep_clock(), el = now - ui->t0;
  double f = work_total > 0.0 ? work_done / work_total : 1.0;
  double eta = f > 0.0 ? el * (1.0 - f) / f : NAN;
  char els[32], etas[32];
  if (gmoe_sweep_sigint)
    ui->s->interrupted = 1;
  if (ui->s->interrupted)
    return 1;
  gmoe_sweep_format_time(el, els, sizeof els);
  gmoe_sweep_format_time(eta, etas, sizeof etas);
  if (ui->tty) {
    char bar[41], tail[128];
    struct winsize ws;
    int cols = 80, w, full, j, len;
    if (now - ui->last < 0.1 && done < total)
      return 0;
    ui->last = now;
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
      cols = ws.ws_col;
    len = snprintf(tail, sizeof tail, " %zu/%zu pairs %3.0f%%  %s elapsed  %s left", done, total,
                   100.0 * f, els, etas);
    /* The bar takes what the label and the counts leave, up to 40 cells;
     * the line must stay shorter than the terminal or \r cannot redraw it. */
    w = cols - 1 - (int)strlen(ui->label) - 3 - len;
    if (w > 40)
      w = 40;
    if (w < 5)
      w = 0;
    full = (int)(f * w + 1e-9);
    for (j = 0; j < w; j++)
      bar[j] = j < full ? '#' : '.';
    bar[w] = '\0';
    if (w > 0)
      fprintf(stderr, "\r\033[K%s [%s]%s", ui->label, bar, tail);
    else
      fprintf(stderr, "\r\033[K%.*s", cols > 1 ? cols - 1 : 0, tail + 1);
    fflush(stderr);
    ui->drawn = 1;
  } else if (ui->lines && el >= 2.0) {
    int tenth = (int)(10.0 * f + 1e-9);
    if (tenth > ui->last_tenth) {
      ui->last_tenth = tenth;
      fprintf(stderr, "%s: %zu/%zu pairs (%.0f%% of the work), %s elapsed, %s left\n", ui->label,
              done, total, 100.0 * f, els, etas);
      fflush(stderr);
    }
  }
  return 0;
}

/* Run one sweep of truth and opts described by sp, labelling its progress
 * with label; returns the sweep, or NULL after recording an error (with
 * hint when the settings are refused).  An interrupted sweep is returned with
 * sw->interrupted set. */
static gmoe_sweep *
gmoe_sweep_start(gmoe_session *s, const gmoe_model *truth, const gmoe_fit_opts *opts,
                 const struct gmoe_sweep_spec *sp, const char *label, const char *hint)
{
  gmoe_sweep_settings set;
  gmoe_sweep *sw;
  struct gmoe_sweep_ui ui;
  struct sigaction sa, old_sa;
  size_t i, nmax = 0, nthreads;
  int status;

  gmoe_sweep_settings_default(&set);
  set.sizes = sp->sizes;
  set.nsizes = sp->nsizes;
  set.reps = sp->reps;
  set.seed = s->seed;
  set.shard_index = sp->shard_count ? sp->shard_index : 1;
  set.shard_count = sp->shard_count ? sp->shard_count : 1;
  set.threads = s->threads;
  for (i = 0; i < sp->nsizes; i++)
    if (sp->sizes[i] > nmax)
      nmax = sp->sizes[i];
  nthreads = s->threads ? s->threads : gmoe_sweep_online_cores();
  if (gmoe_cmd_check_memory(s, nmax * nthreads, truth->d))
    return NULL;
  sw = gmoe_sweep_alloc(truth, opts, &set);
  if (sw == NULL) {
    gmoe_cmd_error(s, "%s (%s)", gmoe_error_message(), hint);
    return NULL;
  }
  memset(&ui, 0, sizeof ui);
  ui.s = s;
  ui.label = label;
  ui.t0 = gmoe_sweep_clock();
  ui.tty = isatty(STDERR_FILENO);
  ui.lines = !ui.tty && s->progress;
  s->interrupted = 0;
  gmoe_sweep_sigint = 0;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = gmoe_sweep_on_sigint;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &old_sa);
  status = gmoe_sweep_run(sw, gmoe_sweep_ui_progress, &ui);
  sigaction(SIGINT, &old_sa, NULL);
  if (gmoe_sweep_sigint)
    s->interrupted = 1;
  if (ui.drawn) {
    fputs("\r\033[K", stderr);
    fflush(stderr);
  }
  if (status != GMOE_OK) {
    gmoe_cmd_error(s, "%s", gmoe_error_message());
    gmoe_sweep_free(sw);
    return NULL;
  }
  if (sw->failed > 0)
    fprintf(stderr, "gmoe: note: %zu of %zu fits failed (the first: %s); their rows say failed\n",
            sw->failed, sw->finished, sw->first_failure);
  return sw;
}

/* Replace the session's sweep by sw (owned from now on). */
static void
gmoe_sweep_keep(gmoe_session *s, gmoe_sweep *sw)
{
  gmoe_sweep_free(s->sweep);
  s->sweep = sw;
}

/* Print the one-line account of a finished sweep (text format only). */
static void
gmoe_sweep_report(gmoe_session *s, const gmoe_sweep *sw, double seconds)
{
  size_t idx, conv = 0, maxit = 0;
  if (s->format != GMOE_FORMAT_TEXT)
    return;
  for (idx = 0; idx < gmoe_sweep_pairs(sw); idx++) {
    conv += sw->rows[idx].status == GMOE_SWEEP_CONVERGED;
    maxit += sw->rows[idx].status == GMOE_SWEEP_MAXITER;
  }
  fprintf(s->out, "sweep");
  if (sw->shard_count > 1)
    fprintf(s->out, " shard %zu/%zu", sw->shard_index, sw->shard_count);
  fprintf(s->out, ": %s%zu sizes x %zu replicates, %zu pairs finished (%zu converged, %zu at "
          "maxiter, %zu failed)", sw->interrupted ? "interrupted: " : "", sw->nsizes, sw->reps,
          sw->finished, conv, maxit, sw->failed);
  if (isfinite(seconds))
    fprintf(s->out, " in %.1f s", seconds);
  fputc('\n', s->out);
}

/* Run `sweep merge FILE...`; a FILE with *, ? or [ is a pattern that
 * expands to the matching file names in sorted order (`part*.csv`). */
static int
gmoe_sweep_merge_exec(gmoe_session *s, int argc, char **argv)
{
  gmoe_sweep *sw;
  glob_t g;
  int i, rc, flags = 0;
  s->cmd = "sweep merge";
  if (argc < 3)
    return gmoe_cmd_error(s, "expected at least one file (usage: sweep merge FILE...)");
  memset(&g, 0, sizeof g);
  for (i = 2; i < argc; i++) {
    if (strpbrk(argv[i], "*?[") == NULL)
      rc = glob(argv[i], flags | GLOB_NOCHECK | GLOB_NOESCAPE, NULL, &g);
    else {
      size_t before = g.gl_pathc;
      rc = glob(argv[i], flags, NULL, &g);
      if (rc == GLOB_NOMATCH || (rc == 0 && g.gl_pathc == before)) {
        globfree(&g);
        return gmoe_cmd_error(s, "no file matches '%s'", argv[i]);
      }
    }
    if (rc != 0) {
      globfree(&g);
      return gmoe_cmd_error(s, "cannot list the files of '%s'", argv[i]);
    }
    flags = GLOB_APPEND;
  }
  sw = gmoe_sweep_merge((const char *const *)g.gl_pathv, g.gl_pathc);
  globfree(&g);
  if (sw == NULL)
    return gmoe_cmd_error(s, "%s", gmoe_error_message());
  gmoe_sweep_keep(s, sw);
  gmoe_sweep_report(s, sw, NAN);
  return 0;
}

/* Run `sweep n ... reps R [shard I/N]` or `sweep merge FILE...`. */
static int
gmoe_cmd_sweep_exec(gmoe_session *s, int argc, char **argv)
{
  struct gmoe_sweep_spec sp;
  gmoe_sweep *sw;
  double t0;
  if (strcmp(argv[1], "merge") == 0)
    return gmoe_sweep_merge_exec(s, argc, argv);
  memset(&sp, 0, sizeof sp);
  if (gmoe_sweep_parse_spec(s, argc, argv, 1, 1, 0, SWEEP_HINT, &sp))
    goto fail;
  if (sp.nsizes == 0) {
    gmoe_cmd_error(s, "missing sample sizes: give 'n N1,N2,...' or 'n from A to B count C [log]' "
                   "(%s)", SWEEP_HINT);
    goto fail;
  }
  if (sp.reps == 0) {
    gmoe_cmd_error(s, "missing 'reps R', the replicates per size (%s)", SWEEP_HINT);
    goto fail;
  }
  t0 = gmoe_sweep_clock();
  sw = gmoe_sweep_start(s, s->truth, &s->opts, &sp, "sweep", SWEEP_HINT);
  gmoe_sweep_spec_clear(&sp);
  if (sw == NULL)
    return -1;
  gmoe_sweep_keep(s, sw);
  gmoe_sweep_report(s, sw, gmoe_sweep_clock() - t0);
  if (sw->interrupted && !s->interactive)
    return gmoe_cmd_error(s, "interrupted (%zu finished pairs kept, %zu missing)", sw->finished,
                          gmoe_sweep_shard_pairs(sw) - sw->finished);
  return 0;
fail:
  gmoe_sweep_spec_clear(&sp);
  return -1;
}

/* Check that the session has a sweep, recording an error when not. */
static int
gmoe_sweep_need(gmoe_session *s)
{
  if (s->sweep == NULL)
    return gmoe_cmd_error(s, "no sweep yet: run 'sweep n ... reps R' or 'sweep merge FILE...' "
                          "first");
  return 0;
}

/* Print per sample size the mean and standard deviation of each error. */
int
gmoe_cmd_show_sweep(gmoe_session *s)
{
  const gmoe_sweep *sw = s->sweep;
  gmoe_sweep_stat st;
  gmoe_table *t;
  char title[256];
  size_t si;
  int e, part, parts = s->format == GMOE_FORMAT_TSV ? 1 : 2;
  if (gmoe_sweep_need(s))
    return -1;
  for (part = 0; part < parts; part++) {
    if (s->format == GMOE_FORMAT_TSV)
      title[0] = '\0';
    else if (part == 0)
      snprintf(title, sizeof title, "sweep: %zu sizes x %zu replicates, seed %lu: mean error over "
               "the finished replicates", sw->nsizes, sw->reps, sw->seed);
    else
      snprintf(title, sizeof title, "standard deviation of the error over the replicates");
    t = gmoe_table_alloc(title);
    if (t == NULL)
      return gmoe_cmd_error(s, "out of memory");
    gmoe_table_column(t, "n");
    gmoe_table_column(t, "finished");
    gmoe_table_column(t, "converged");
    gmoe_table_column(t, "failed");
    for (e = 0; e < GMOE_ERR_COUNT; e++) {
      if (s->format == GMOE_FORMAT_TSV) {
        gmoe_table_column(t, "%s_mean", gmoe_sweep_column_name(e));
        gmoe_table_column(t, "%s_sd", gmoe_sweep_column_name(e));
      } else
        gmoe_table_column(t, "%s", gmoe_loss_name(e));
    }
    for (si = 0; si < sw->nsizes; si++) {
      gmoe_sweep_stat_size(sw, si, &st);
      gmoe_table_row(t);
      gmoe_table_str(t, "%zu", st.n);
      gmoe_table_str(t, "%zu", st.finished);
      gmoe_table_str(t, "%zu", st.converged);
      gmoe_table_str(t, "%zu", st.failed);
      for (e = 0; e < GMOE_ERR_COUNT; e++) {
        if (s->format == GMOE_FORMAT_TSV || part == 0)
          gmoe_table_num(t, st.mean[e]);
        if (s->format == GMOE_FORMAT_TSV || part == 1)
          gmoe_table_num(t, st.sd[e]);
      }
    }
    if (part > 0)
      fputc('\n', s->out);
    gmoe_table_print(t, s->out, s->format, 0);
    gmoe_table_free(t);
  }
  return 0;
}

/* Print the rate line of each error measure. */
int
gmoe_cmd_show_rate(gmoe_session *s)
{
  const gmoe_sweep *sw = s->sweep;
  gmoe_table *t;
  int e;
  if (gmoe_sweep_need(s))
    return -1;
  t = gmoe_table_alloc("rate: slope of log(mean error) on log(n) with its 95% confidence "
                       "interval (-0.5 is the parametric rate n^-1/2)");
  if (t == NULL)
    return gmoe_cmd_error(s, "out of memory");
  gmoe_table_column(t, "quantity");
  gmoe_table_column(t, "slope");
  gmoe_table_column(t, "ci_low");
  gmoe_table_column(t, "ci_high");
  gmoe_table_column(t, "sizes");
  for (e = 0; e < GMOE_ERR_COUNT; e++) {
    gmoe_sweep_rate r;
    gmoe_sweep_rate_fit(sw, e, &r);
    gmoe_table_row(t);
    gmoe_table_str(t, "%s", gmoe_loss_name(e));
    gmoe_table_num(t, r.slope);
    gmoe_table_num(t, r.ci_low);
    gmoe_table_num(t, r.ci_high);
    gmoe_table_str(t, "%zu", r.sizes);
  }
  gmoe_table_print(t, s->out, s->format, 1);
  gmoe_table_free(t);
  return 0;
}

/* Write every finished row of the session's sweep to path. */
int
gmoe_cmd_save_sweep(gmoe_session *s, const char *path)
{
  if (gmoe_sweep_need(s))
    return -1;
  if (gmoe_sweep_save(s->sweep, path) != GMOE_OK)
    return gmoe_cmd_error(s, "%s", gmoe_error_message());
  return 0;
}

/* Parse a comma-separated list of activations into acts (at most max). */
static int
gmoe_sweep_parse_acts(gmoe_session *s, const char *str, gmoe_activation *acts, size_t max,
                      size_t *count)
{
  char *copy = strdup(str), *tok, *save = NULL;
  size_t m = 0;
  if (copy == NULL)
    return gmoe_cmd_error(s, "out of memory");
  for (tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
    if (m == max) {
      free(copy);
      return gmoe_cmd_error(s, "more than %zu activations to compare (%s)", max, COMPARE_HINT);
    }
    if (gmoe_activation_parse(tok, &acts[m]) != GMOE_OK) {
      gmoe_cmd_error(s, "unknown activation '%s': expected identity, tanh, sigmoid, relu, gelu "
                     "or softplus (%s)", tok, COMPARE_HINT);
      free(copy);
      return -1;
    }
    m++;
  }
  free(copy);
  if (m == 0)
    return gmoe_cmd_error(s, "expected a list of activations such as identity,tanh (%s)",
                          COMPARE_HINT);
  *count = m;
  return 0;
}

/* Format a slope with its interval and size count for a text cell. */
static void
gmoe_sweep_rate_cell(const gmoe_sweep_rate *r, char *buf, size_t len)
{
  if (isnan(r->slope))
    snprintf(buf, len, "nan (%zu sizes)", r->sizes);
  else if (isnan(r->ci_low))
    snprintf(buf, len, "%.3f (%zu sizes)", r->slope, r->sizes);
  else
    snprintf(buf, len, "%.3f [%.3f, %.3f] %zu", r->slope, r->ci_low, r->ci_high, r->sizes);
}

/* Run `compare activation A1,A2,... [temperature learn|T] [n ...] [reps R]`:
 * the same sweep for each activation (of the truth and the fit), slope
 * tables side by side. */
static int
gmoe_cmd_compare_exec(gmoe_session *s, int argc, char **argv)
{
  static const char *const what_words[] = { "activation", NULL };
  gmoe_activation acts[COMPARE_MAX];
  gmoe_sweep_rate rates[COMPARE_MAX][GMOE_ERR_COUNT];
  struct gmoe_sweep_spec sp;
  gmoe_fit_opts opts;
  gmoe_model *truth = NULL;
  gmoe_table *t = NULL;
  size_t nacts = 0, a;
  int what, e, rc = -1;
  char title[512], label[64];

  memset(&sp, 0, sizeof sp);
  if (gmoe_cmd_parse_word(s, "compared setting", argv[1], what_words, COMPARE_HINT, &what))
    return -1;
  if (argc < 3)
    return gmoe_cmd_error(s, "'compare activation' needs a list such as identity,tanh (%s)",
                          COMPARE_HINT);
  if (gmoe_sweep_parse_acts(s, argv[2], acts, COMPARE_MAX, &nacts))
    return -1;
  if (gmoe_sweep_parse_spec(s, argc, argv, 3, 0, 1, COMPARE_HINT, &sp))
    goto out;
  if (sp.nsizes == 0 && s->sweep != NULL) {
    const gmoe_sweep *last = s->sweep;
    sp.sizes = malloc(last->nsizes * sizeof *sp.sizes);
    if (sp.sizes == NULL) {
      gmoe_cmd_error(s, "out of memory");
      goto out;
    }
    memcpy(sp.sizes, last->sizes, last->nsizes * sizeof *sp.sizes);
    sp.nsizes = last->nsizes;
  }
  if (sp.reps == 0 && s->sweep != NULL)
    sp.reps = ((const gmoe_sweep *)s->sweep)->reps;
  if (sp.nsizes == 0 || sp.reps == 0) {
    gmoe_cmd_error(s, "no sweep sizes: give 'n N1,N2,...' (or 'n from A to B count C [log]') and "
                   "'reps R', or run a sweep first (%s)", COMPARE_HINT);
    goto out;
  }
  truth = gmoe_model_clone(s->truth);
  if (truth == NULL) {
    gmoe_cmd_error(s, "out of memory");
    goto out;
  }
  opts = s->opts;
  if (sp.have_temp) {
    opts.temp = sp.temp;
    if (sp.temp == GMOE_TEMP_FIXED)
      opts.tau = sp.tau;
  }
  for (a = 0; a < nacts; a++) {
    gmoe_sweep *sw;
    truth->act = acts[a];
    opts.act = acts[a];
    snprintf(label, sizeof label, "compare %s (%zu/%zu)", gmoe_activation_name(acts[a]), a + 1,
             nacts);
    sw = gmoe_sweep_start(s, truth, &opts, &sp, label, COMPARE_HINT);
    if (sw == NULL)
      goto out;
    if (sw->interrupted) {
      gmoe_cmd_error(s, "interrupted during the %s sweep: nothing compared",
                     gmoe_activation_name(acts[a]));
      gmoe_sweep_free(sw);
      goto out;
    }
    for (e = 0; e < GMOE_ERR_COUNT; e++)
      gmoe_sweep_rate_fit(sw, e, &rates[a][e]);
    gmoe_sweep_free(sw);
  }

  snprintf(title, sizeof title, "compare: slope of log(mean error) on log(n) [95%% CI] sizes; "
           "%zu sizes from %zu to %zu, %zu replicates, temperature %s%s", sp.nsizes, sp.sizes[0],
           sp.sizes[sp.nsizes - 1], sp.reps,
           opts.temp == GMOE_TEMP_LEARN ? "learned" : opts.temp == GMOE_TEMP_ANNEAL ? "annealed"
           : "fixed", "; each activation gates both the truth and the fit");
  t = gmoe_table_alloc(title);
  if (t == NULL) {
    gmoe_cmd_error(s, "out of memory");
    goto out;
  }
  gmoe_table_column(t, "quantity");
  for (a = 0; a < nacts; a++) {
    const char *name = gmoe_activation_name(acts[a]);
    if (s->format == GMOE_FORMAT_TSV) {
      gmoe_table_column(t, "%s_slope", name);
      gmoe_table_column(t, "%s_ci_low", name);
      gmoe_table_column(t, "%s_ci_high", name);
      gmoe_table_column(t, "%s_sizes", name);
    } else
      gmoe_table_column(t, "%s", name);
  }
  for (e = 0; e < GMOE_ERR_COUNT; e++) {
    gmoe_table_row(t);
    gmoe_table_str(t, "%s", gmoe_loss_name(e));
    for (a = 0; a < nacts; a++) {
      const gmoe_sweep_rate *r = &rates[a][e];
      if (s->format == GMOE_FORMAT_TSV) {
        gmoe_table_num(t, r->slope);
        gmoe_table_num(t, r->ci_low);
        gmoe_table_num(t, r->ci_high);
        gmoe_table_str(t, "%zu", r->sizes);
      } else {
        char cell[96];
        gmoe_sweep_rate_cell(r, cell, sizeof cell);
        gmoe_table_str(t, "%s", cell);
      }
    }
  }
  gmoe_table_print(t, s->out, s->format, 1);
  rc = 0;
out:
  gmoe_table_free(t);
  gmoe_model_free(truth);
  gmoe_sweep_spec_clear(&sp);
  return rc;
}

/* Run `check activation NAME|all`: the independence condition, numerically. */
static int
gmoe_cmd_check_exec(gmoe_session *s, int argc, char **argv)
{
  static const char *const what_words[] = { "activation", NULL };
  gmoe_table *t;
  char title[512];
  int what, a, first = 0, last = GMOE_ACT_COUNT - 1;
  if (gmoe_cmd_parse_word(s, "item", argv[1], what_words, "try 'help check'", &what))
    return -1;
  if (strcmp(argv[2], "all") != 0) {
    gmoe_activation act;
    if (gmoe_activation_parse(argv[2], &act) != GMOE_OK)
      return gmoe_cmd_error(s, "unknown activation '%s': expected identity, tanh, sigmoid, relu, "
                            "gelu, softplus or all (try 'help check')", argv[2]);
    first = last = (int)act;
  }
  snprintf(title, sizeof title, "independence of sigma, z*sigma', sigma', z^2*sigma'', z*sigma'', "
           "sigma'' on %d points of [-%g, %g]: smallest singular value relative to the largest "
           "(independent above %g)", 401, 3.0, 3.0, GMOE_INDEP_THRESHOLD);
  t = gmoe_table_alloc(title);
  if (t == NULL)
    return gmoe_cmd_error(s, "out of memory");
  gmoe_table_column(t, "activation");
  gmoe_table_column(t, "smallest");
  gmoe_table_column(t, "first_order");
  gmoe_table_column(t, "verdict");
  gmoe_table_column(t, "relation");
  for (a = first; a <= last; a++) {
    gmoe_indep_result r;
    if (gmoe_indep_check((gmoe_activation)a, 401, 3.0, &r) != GMOE_OK) {
      gmoe_table_free(t);
      return gmoe_cmd_error(s, "%s", gmoe_error_message());
    }
    gmoe_table_row(t);
    gmoe_table_str(t, "%s", gmoe_activation_name(r.act));
    gmoe_table_num(t, r.min_rel);
    gmoe_table_num(t, r.min_rel_first);
    gmoe_table_str(t, "%s", r.independent ? "independent" : "dependent");
    gmoe_table_str(t, "%s", r.dependency[0] ? r.dependency : "-");
  }
  gmoe_table_print(t, s->out, s->format, 1);
  gmoe_table_free(t);
  return 0;
}

static const char *const gmoe_sweep_words[] = { "n", "merge", NULL };
static const char *const gmoe_compare_words[] = { "activation", NULL };
static const char *const gmoe_check_words[] = { "activation", NULL };

const struct gmoe_cmd gmoe_cmd_sweep_entry = {
  "sweep", NULL, 1, -1,
  "sweep n N1,N2,...|n from A to B count C [log] reps R [shard I/N] | sweep merge FILE...",
  "rate experiment: fit R data sets per sample size, or merge shard files",
  "sweep n from 100 to 10000 count 8 log reps 20",
  gmoe_sweep_words, 1, gmoe_cmd_sweep_exec
};

const struct gmoe_cmd gmoe_cmd_compare_entry = {
  "compare", NULL, 2, -1,
  "compare activation A1,A2,... [temperature learn|T] [n N1,N2,...|n from A to B count C [log]] "
  "[reps R]",
  "the same sweep for each gate activation, slope tables side by side",
  "compare activation identity,tanh temperature learn n from 100 to 10000 count 8 log reps 20",
  gmoe_compare_words, 0, gmoe_cmd_compare_exec
};

const struct gmoe_cmd gmoe_cmd_check_entry = {
  "check", NULL, 2, 2,
  "check activation NAME|all",
  "test the independence condition of a gate activation numerically",
  "check activation all",
  gmoe_check_words, 0, gmoe_cmd_check_exec
};
