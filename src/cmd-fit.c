/* cmd-fit.c: `fit` (EM with the session's settings), its report, and
 * `loglik truth|params`. */
#include <config.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cmd.h"
#include "em.h"
#include "error.h"
#include "loss.h"
#include "cmd-select.h"
#include "session.h"
#include "table.h"

/* Set by SIGINT while a fit runs; copied into the session between
 * iterations. */
static volatile sig_atomic_t gmoe_fit_sigint;

/* State of the progress callback during one fit. */
struct gmoe_fit_run {
  gmoe_session *s;
  double last;     /* time of the last progress line (or of the start) */
  int printed;     /* a progress line was printed */
  int tty;         /* stderr is a terminal: one line, rewritten in place */
};

/* Record a SIGINT for the running fit. */
static void
gmoe_fit_on_sigint(int sig)
{
  (void)sig;
  gmoe_fit_sigint = 1;
}

/* Seconds on a monotonic clock. */
static double
gmoe_fit_now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Progress callback: pass the iteration to the live view, print a progress
 * line on stderr every half second in scripts (rewritten in place when
 * stderr is a terminal), and ask EM to stop after SIGINT or when the live
 * view says so. */
static int
gmoe_fit_progress_cb(const gmoe_em *em, size_t restart, void *user)
{
  struct gmoe_fit_run *run = user;
  gmoe_session *s = run->s;
  int stop = 0;
  if (gmoe_fit_sigint)
    s->interrupted = 1;
  if (s->fit_hook != NULL && s->fit_hook(em, restart, s->fit_hook_user) != 0)
    s->interrupted = 1;
  stop = s->interrupted != 0;
  if (!s->interactive && s->progress && s->fit_hook == NULL) {
    double now = gmoe_fit_now();
    if (now - run->last >= 0.5) {
      fprintf(stderr, "%sfit: restart %zu of %zu, iteration %zu, log-likelihood %.10g%s",
              run->tty ? "\r" : "", restart + 1, s->fit_opts.restarts, gmoe_em_iteration(em),
              gmoe_em_loglik(em), run->tty ? "\033[K" : "\n");
      fflush(stderr);
      run->last = now;
      run->printed = 1;
    }
  }
  return stop;
}

/* Number of free parameters of the last fit. */
static size_t
gmoe_fit_nparams(const gmoe_session *s)
{
  return gmoe_model_nparams(s->fit.model->k, s->fit.model->d,
                            s->fit_opts.temp == GMOE_TEMP_LEARN);
}

/* Word for how the last fit ended: yes, no (iteration limit) or interrupted. */
static const char *
gmoe_fit_converged_word(const gmoe_session *s)
{
  return s->fit.status == GMOE_OK ? "yes" : s->fit.status == GMOE_EINTR ? "interrupted" : "no";
}

/* Print the report of the last fit (text) or its row (tsv). */
int
gmoe_cmd_show_fit(gmoe_session *s)
{
  const gmoe_fit_result *r = &s->fit;
  double bic = gmoe_loss_bic(r->loglik, gmoe_fit_nparams(s), s->fit_n);
  char ll[64], b[64];
  if (s->format == GMOE_FORMAT_TSV) {
    gmoe_table *t = gmoe_table_alloc(NULL);
    if (t == NULL)
      return gmoe_cmd_error(s, "out of memory");
    gmoe_table_column(t, "loglik");
    gmoe_table_column(t, "iterations");
    gmoe_table_column(t, "converged");
    gmoe_table_column(t, "seconds");
    gmoe_table_column(t, "n");
    gmoe_table_column(t, "k");
    gmoe_table_column(t, "bic");
    gmoe_table_row(t);
    gmoe_table_num(t, r->loglik);
    gmoe_table_str(t, "%zu", r->iterations);
    gmoe_table_str(t, "%s", gmoe_fit_converged_word(s));
    gmoe_table_num(t, r->seconds);
    gmoe_table_str(t, "%zu", s->fit_n);
    gmoe_table_str(t, "%zu", r->model->k);
    gmoe_table_num(t, bic);
    gmoe_table_print(t, s->out, s->format, 0);
    gmoe_table_free(t);
    return 0;
  }
  if (r->status == GMOE_OK)
    fprintf(s->out, "fit: converged after %zu iteration%s in %.3g s\n", r->iterations,
            r->iterations == 1 ? "" : "s", r->seconds);
  else if (r->status == GMOE_EINTR)
    fprintf(s->out, "fit: interrupted after %zu iteration%s in %.3g s (best parameters kept)\n",
            r->iterations, r->iterations == 1 ? "" : "s", r->seconds);
  else if (s->fit_opts.maxiter == 0)
    fprintf(s->out, "fit: the start evaluated without iterating (maxiter 0) in %.3g s\n",
            r->seconds);
  else
    fprintf(s->out, "fit: not converged: stopped at the limit of %zu iteration%s in %.3g s "
            "(raise it with 'set maxiter')\n", r->iterations, r->iterations == 1 ? "" : "s",
            r->seconds);
  gmoe_table_format_num(r->loglik, GMOE_FORMAT_TEXT, ll, sizeof ll);
  gmoe_table_format_num(bic, GMOE_FORMAT_TEXT, b, sizeof b);
  fprintf(s->out, "  log-likelihood  %s\n  BIC             %s\n", ll, b);
  fprintf(s->out, "  n = %zu, k = %zu, %zu parameters", s->fit_n, r->model->k, gmoe_fit_nparams(s));
  if (s->fit_opts.restarts > 1)
    fprintf(s->out, ", best of %zu restarts: number %zu", s->fit_opts.restarts,
            r->best_restart + 1);
  fputc('\n', s->out);
  gmoe_cmd_fit_scale_note(s);
  if (r->floor_count > 0)
    fprintf(s->out, "  note: the variance floor binds for %zu expert%s\n", r->floor_count,
            r->floor_count == 1 ? "" : "s");
  if (r->empty_count > 0)
    fprintf(s->out, "  note: %zu expert%s no responsibility left (%s kept as they were)\n",
            r->empty_count, r->empty_count == 1 ? " has" : "s have",
            r->empty_count == 1 ? "its parameters are" : "their parameters are");
  return 0;
}

/* Print a note for every input column of the data that holds one value
 * only: its slopes a and beta1 cannot be told apart from the intercepts,
 * so the fitted values of those slopes mean nothing. */
static void
gmoe_fit_note_constant(gmoe_session *s)
{
  const gmoe_data *data = s->data;
  size_t j, t;
  for (j = 0; j < data->d; j++) {
    const double *x = data->x + j * data->n;
    for (t = 1; t < data->n && x[t] == x[0]; t++)
      ;
    if (t < data->n)
      continue;
    if (data->names != NULL)
      fprintf(s->out, "  note: input '%s' is constant (%.6g): its slopes a and beta1 are not "
              "identified\n", data->names[j], x[0]);
    else
      fprintf(s->out, "  note: input x%zu is constant (%.6g): its slopes a and beta1 are not "
              "identified\n", j + 1, x[0]);
  }
}

/* Run `fit`: EM on the session's data with its settings, calling the
 * front-end hooks; the previous fit is replaced only by a successful one. */
static int
gmoe_cmd_fit_exec(gmoe_session *s, int argc, char **argv)
{
  gmoe_fit_opts opts = s->opts;
  gmoe_fit_result res;
  gmoe_scale scale;
  int status;
  if (s->data == NULL)
    return gmoe_cmd_error(s, "no data: use 'simulate' or 'load FILE.csv' first");
  if (opts.init == GMOE_INIT_TRUTH && s->truth->d != s->data->d)
    return gmoe_cmd_error(s, "init truth needs a truth with d = %zu like the data, but the truth "
                          "has d = %zu (use 'set d %zu' and edit the truth, or 'set init kmeans')",
                          s->data->d, s->truth->d, s->data->d);
  {
    size_t np = gmoe_model_nparams(opts.k, s->data->d, opts.temp == GMOE_TEMP_LEARN);
    if (s->data->n < np)
      return gmoe_cmd_error(s, "%zu observations are too few for the %zu parameters of k = %zu "
                            "experts with d = %zu (draw more with 'set n', or lower 'set k')",
                            s->data->n, np, opts.k, s->data->d);
  }
  if (gmoe_fit_opts_validate(&opts) != GMOE_OK)
    return gmoe_cmd_error(s, "%s", gmoe_error_message());
  if (s->fit_begin != NULL && s->fit_begin(s) != 0)
    return gmoe_cmd_error(s, "the live view could not start");
  status = gmoe_cmd_fit_run(s, &opts, &res, &scale);
  if (s->fit_end != NULL)
    s->fit_end(s);
  if (status != GMOE_OK) {
    gmoe_fit_result_clear(&res);
    return gmoe_cmd_error(s, "%s", gmoe_error_message());
  }
  if (s->have_fit)
    gmoe_fit_result_clear(&s->fit);
  s->fit = res;
  s->have_fit = 1;
  s->fit_opts = opts;
  s->fit_n = s->data->n;
  s->fit_standardized = s->standardize;
  s->fit_scale = scale;
  if (s->fit.status == GMOE_EINTR && !s->interactive) {
    gmoe_cmd_show_fit(s);
    if (s->format == GMOE_FORMAT_TEXT)
      gmoe_fit_note_constant(s);
    return gmoe_cmd_error(s, "interrupted (best parameters kept)");
  }
  status = gmoe_cmd_show_fit(s);
  if (status == 0 && s->format == GMOE_FORMAT_TEXT)
    gmoe_fit_note_constant(s);
  return status;
}

/* Run one fit of the session's data with opts (standardised when the
 * session says so): progress lines, the live view's hook and Ctrl-C, as
 * `fit` and `select` share them.  The caller starts and ends the live
 * view.  res is filled as by gmoe_fit (its status GMOE_EINTR after
 * Ctrl-C) and sc receives the scaling; returns gmoe_fit's status. */
int
gmoe_cmd_fit_run(gmoe_session *s, const gmoe_fit_opts *opts, gmoe_fit_result *res,
                 gmoe_scale *sc)
{
  struct gmoe_fit_run run;
  struct sigaction sa, old_sa;
  int status;
  memset(res, 0, sizeof *res);
  run.s = s;
  run.last = gmoe_fit_now();
  run.printed = 0;
  run.tty = isatty(STDERR_FILENO);
  s->interrupted = 0;
  gmoe_fit_sigint = 0;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = gmoe_fit_on_sigint;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &old_sa);
  {
    gmoe_fit_opts saved = s->fit_opts, o = *opts;
    o.threads = s->threads;  /* restarts share the cores, as sweeps do */
    s->fit_opts = *opts;     /* the progress line reads the restart count */
    status = gmoe_scale_fit(s->data, &o, s->truth, s->standardize, gmoe_fit_progress_cb, &run,
                            res, sc);
    s->fit_opts = saved;
  }
  sigaction(SIGINT, &old_sa, NULL);
  if (run.printed && run.tty)
    fputs("\r\033[K", stderr);
  if (gmoe_fit_sigint)
    s->interrupted = 1;
  return status;
}

const struct gmoe_cmd gmoe_cmd_fit_entry = {
  "fit", NULL, 0, 0,
  "fit",
  "fit the model to the data by EM with the current settings (Ctrl-C stops, keeping the best)",
  "set k 3; set init kmeans; set restarts 5; fit",
  NULL, 0, gmoe_cmd_fit_exec
};

/* Log-likelihood of model m on the session's data into *ll; -1 with a
 * message when the dimensions differ or the value is not finite. */
static int
gmoe_loglik_of(gmoe_session *s, const gmoe_model *m, const char *what, double *ll)
{
  const gmoe_data *data = s->data;
  double sum = 0.0;
  size_t t;
  if (m->d != data->d)
    return gmoe_cmd_error(s, "the %s has d = %zu but the data have d = %zu", what, m->d, data->d);
  for (t = 0; t < data->n; t++)
    sum += gmoe_model_logpdf(m, data->x + t, data->n, data->y[t]);
  if (!isfinite(sum))
    return gmoe_cmd_error(s, "the log-likelihood of the %s is not finite (%g): some observation "
                          "has zero density under it", what, sum);
  *ll = sum;
  return 0;
}

static const char *const gmoe_loglik_words[] = { "truth", "params", NULL };

/* Run `loglik truth|params`: print one number. */
static int
gmoe_cmd_loglik_exec(gmoe_session *s, int argc, char **argv)
{
  int which;
  double ll = 0.0;
  if (gmoe_cmd_parse_word(s, "model", argv[1], gmoe_loglik_words, "try 'help loglik'", &which))
    return -1;
  if (s->data == NULL)
    return gmoe_cmd_error(s, "no data: use 'simulate' or 'load FILE.csv' first");
  if (which == 1 && !s->have_fit)
    return gmoe_cmd_error(s, "no fitted parameters: run 'fit' first");
  if (gmoe_loglik_of(s, which == 0 ? s->truth : s->fit.model,
                     which == 0 ? "truth" : "fitted model", &ll))
    return -1;
  fprintf(s->out, "%.10g\n", ll);
  return 0;
}

const struct gmoe_cmd gmoe_cmd_loglik_entry = {
  "loglik", NULL, 1, 1,
  "loglik truth|params",
  "print the log-likelihood of the truth or of the fitted model on the data",
  "loglik truth",
  gmoe_loglik_words, 0, gmoe_cmd_loglik_exec
};
