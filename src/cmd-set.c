/* cmd-set.c: `set NAME VALUE...` and the table of its parameters.
 *
 * Every setter validates all of its values before it changes anything,
 * so a failing `set` leaves the session as it was.
 */
#include <config.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cmd-plot.h"
#include "cmd-select.h"
#include "cmd.h"
#include "cmd-sweep.h"
#include "session.h"

#define SET_HINT "try 'help set'"

static const char *const gmoe_set_act_words[] = {
  "identity", "tanh", "sigmoid", "relu", "gelu", "softplus", NULL
};
static const char *const gmoe_set_temp_words[] = { "learn", "anneal", NULL };
static const char *const gmoe_set_init_words[] = { "truth", "kmeans", "random", NULL };
static const char *const gmoe_set_onoff_words[] = { "off", "on", NULL };

/* Set the number of experts of the fitted model. */
static int
gmoe_set_k(gmoe_session *s, int argc, char **argv)
{
  unsigned long long v;
  if (gmoe_cmd_parse_count(s, "k", argv[1], 1, GMOE_MAX_K, SET_HINT, &v))
    return -1;
  s->opts.k = (size_t)v;
  return 0;
}

/* Print the number of experts of the fitted model. */
static void
gmoe_show_k(gmoe_session *s, FILE *out)
{
  fprintf(out, "%zu", s->opts.k);
}

/* Set the input dimension for simulate; the truth is reset to the default
 * for the new dimension when its own dimension differs. */
static int
gmoe_set_d(gmoe_session *s, int argc, char **argv)
{
  unsigned long long v;
  gmoe_model *m;
  if (gmoe_cmd_parse_count(s, "d", argv[1], 1, GMOE_MAX_D, SET_HINT, &v))
    return -1;
  if (s->truth->d != (size_t)v) {
    m = gmoe_model_alloc(s->truth->k, (size_t)v);
    if (m == NULL)
      return gmoe_cmd_error(s, "out of memory");
    gmoe_model_free(s->truth);
    s->truth = m;
    if (s->interactive && !s->quiet)
      fprintf(s->out, "the truth was reset to the default for d = %zu\n", (size_t)v);
  }
  s->d = (size_t)v;
  return 0;
}

/* Print the input dimension. */
static void
gmoe_show_d(gmoe_session *s, FILE *out)
{
  fprintf(out, "%zu", s->d);
}

/* Set the sample size of simulate, refusing sizes whose data alone would
 * not fit in this machine's memory. */
static int
gmoe_set_n(gmoe_session *s, int argc, char **argv)
{
  unsigned long long v;
  if (gmoe_cmd_parse_count(s, "n", argv[1], 1, ULLONG_MAX, SET_HINT, &v))
    return -1;
  if (gmoe_cmd_check_memory(s, (size_t)v, s->d))
    return -1;
  s->n = (size_t)v;
  return 0;
}

/* Print the sample size. */
static void
gmoe_show_n(gmoe_session *s, FILE *out)
{
  fprintf(out, "%zu", s->n);
}

/* Set the seed of the data and initialisation streams. */
static int
gmoe_set_seed(gmoe_session *s, int argc, char **argv)
{
  unsigned long long v;
  if (gmoe_cmd_parse_count(s, "seed", argv[1], 0, ULONG_MAX, SET_HINT, &v))
    return -1;
  s->seed = (unsigned long)v;
  s->opts.seed = (unsigned long)v;
  return 0;
}

/* Print the seed. */
static void
gmoe_show_seed(gmoe_session *s, FILE *out)
{
  fprintf(out, "%lu", s->seed);
}

/* Set the replicate number that simulate draws. */
static int
gmoe_set_replicate(gmoe_session *s, int argc, char **argv)
{
  unsigned long long v;
  if (gmoe_cmd_parse_count(s, "replicate", argv[1], 0, ULONG_MAX, SET_HINT, &v))
    return -1;
  s->replicate = (unsigned long)v;
  return 0;
}

/* Print the replicate number. */
static void
gmoe_show_replicate(gmoe_session *s, FILE *out)
{
  fprintf(out, "%lu", s->replicate);
}

/* Set the EM iteration limit. */
static int
gmoe_set_maxiter(gmoe_session *s, int argc, char **argv)
{
  unsigned long long v;
  if (gmoe_cmd_parse_count(s, "maxiter", argv[1], 0, 1000000000ULL, SET_HINT, &v))
    return -1;
  s->opts.maxiter = (size_t)v;
  return 0;
}

/* Print the EM iteration limit. */
static void
gmoe_show_maxiter(gmoe_session *s, FILE *out)
{
  fprintf(out, "%zu", s->opts.maxiter);
}

/* Set the relative convergence tolerance. */
static int
gmoe_set_tol(gmoe_session *s, int argc, char **argv)
{
  double v;
  if (gmoe_cmd_parse_double(s, "tol", argv[1], 1, SET_HINT, &v))
    return -1;
  s->opts.tol = v;
  return 0;
}

/* Print the tolerance. */
static void
gmoe_show_tol(gmoe_session *s, FILE *out)
{
  fprintf(out, "%g", s->opts.tol);
}

/* Set the gate activation of the fitted model. */
static int
gmoe_set_activation(gmoe_session *s, int argc, char **argv)
{
  int v;
  if (gmoe_cmd_parse_word(s, "activation", argv[1], gmoe_set_act_words, SET_HINT, &v))
    return -1;
  s->opts.act = (gmoe_activation)v;
  return 0;
}

/* Print the gate activation. */
static void
gmoe_show_activation(gmoe_session *s, FILE *out)
{
  fputs(gmoe_activation_name(s->opts.act), out);
}

/* Set the temperature mode: a fixed value, learned (from the current or a
 * given start), or annealed from T0 to T1 over ITERS iterations. */
static int
gmoe_set_temperature(gmoe_session *s, int argc, char **argv)
{
  double t0, t1;
  unsigned long long iters = 100;
  const char *usage = "usage: set temperature T | learn [T0] | anneal T0 T1 [ITERS]";
  if (strcmp(argv[1], "learn") == 0) {
    t0 = s->opts.tau;
    if (argc > 3)
      return gmoe_cmd_error(s, "temperature learn takes at most a starting value, got %d values (%s)",
                            argc - 2, usage);
    if (argc == 3 && gmoe_cmd_parse_double(s, "starting temperature", argv[2], 1, SET_HINT, &t0))
      return -1;
    s->opts.temp = GMOE_TEMP_LEARN;
    s->opts.tau = t0;
    return 0;
  }
  if (strcmp(argv[1], "anneal") == 0) {
    if (argc < 4 || argc > 5)
      return gmoe_cmd_error(s, "temperature anneal needs T0 T1 [ITERS], got %d value%s (%s)",
                            argc - 2, argc - 2 == 1 ? "" : "s", usage);
    if (gmoe_cmd_parse_double(s, "starting temperature", argv[2], 1, SET_HINT, &t0)
        || gmoe_cmd_parse_double(s, "final temperature", argv[3], 1, SET_HINT, &t1))
      return -1;
    if (argc == 5
        && gmoe_cmd_parse_count(s, "annealing iterations", argv[4], 1, 1000000000ULL, SET_HINT,
                                &iters))
      return -1;
    s->opts.temp = GMOE_TEMP_ANNEAL;
    s->opts.tau_start = t0;
    s->opts.tau_end = t1;
    s->opts.anneal_iters = (size_t)iters;
    return 0;
  }
  if (argc > 2)
    return gmoe_cmd_error(s, "a fixed temperature takes one value, got %d (%s)", argc - 1, usage);
  {
    char *end;
    (void)strtod(argv[1], &end);
    if (end == argv[1])
      return gmoe_cmd_error(s, "temperature must be a positive number, 'learn' or 'anneal', got '%s' (%s)",
                            argv[1], SET_HINT);
  }
  if (gmoe_cmd_parse_double(s, "temperature", argv[1], 1, SET_HINT, &t0))
    return -1;
  s->opts.temp = GMOE_TEMP_FIXED;
  s->opts.tau = t0;
  return 0;
}

/* Print the temperature setting in the syntax `set temperature` takes. */
static void
gmoe_show_temperature(gmoe_session *s, FILE *out)
{
  switch (s->opts.temp) {
  case GMOE_TEMP_LEARN:
    fprintf(out, "learn %g", s->opts.tau);
    break;
  case GMOE_TEMP_ANNEAL:
    fprintf(out, "anneal %g %g %zu", s->opts.tau_start, s->opts.tau_end, s->opts.anneal_iters);
    break;
  default:
    fprintf(out, "%g", s->opts.tau);
    break;
  }
}

/* Set how each EM restart starts. */
static int
gmoe_set_init(gmoe_session *s, int argc, char **argv)
{
  int v;
  if (gmoe_cmd_parse_word(s, "initialisation", argv[1], gmoe_set_init_words, SET_HINT, &v))
    return -1;
  s->opts.init = (gmoe_init_method)v;
  return 0;
}

/* Print the initialisation method. */
static void
gmoe_show_init(gmoe_session *s, FILE *out)
{
  fputs(gmoe_set_init_words[s->opts.init], out);
}

/* Set the number of EM starts. */
static int
gmoe_set_restarts(gmoe_session *s, int argc, char **argv)
{
  unsigned long long v;
  if (gmoe_cmd_parse_count(s, "restarts", argv[1], 1, 100000ULL, SET_HINT, &v))
    return -1;
  s->opts.restarts = (size_t)v;
  return 0;
}

/* Print the number of EM starts. */
static void
gmoe_show_restarts(gmoe_session *s, FILE *out)
{
  fprintf(out, "%zu", s->opts.restarts);
}

/* Turn progress lines on standard error on or off. */
static int
gmoe_set_progress(gmoe_session *s, int argc, char **argv)
{
  int v;
  if (gmoe_cmd_parse_word(s, "progress value", argv[1], gmoe_set_onoff_words, SET_HINT, &v))
    return -1;
  s->progress = v;
  return 0;
}

/* Print whether progress lines are on. */
static void
gmoe_show_progress(gmoe_session *s, FILE *out)
{
  fputs(s->progress ? "on" : "off", out);
}

const struct gmoe_param gmoe_param_table[] = {
  { "k", "set k N", "experts in the fitted model (1 to 64; default 2)",
    NULL, 1, 1, gmoe_set_k, gmoe_show_k },
  { "d", "set d N", "inputs of simulated data (1 to 64; default 1); resets a truth of another d",
    NULL, 1, 1, gmoe_set_d, gmoe_show_d },
  { "n", "set n N", "sample size of simulate (default 1000)",
    NULL, 1, 1, gmoe_set_n, gmoe_show_n },
  { "seed", "set seed S", "seed of simulation and initialisation (default 1)",
    NULL, 1, 1, gmoe_set_seed, gmoe_show_seed },
  { "replicate", "set replicate R", "data set number that simulate draws for (seed, n) (default 0)",
    NULL, 1, 1, gmoe_set_replicate, gmoe_show_replicate },
  { "maxiter", "set maxiter M", "EM iteration limit (0 evaluates the start; default 500)",
    NULL, 1, 1, gmoe_set_maxiter, gmoe_show_maxiter },
  { "tol", "set tol E", "stop EM when the relative log-likelihood change is below E (default 1e-8)",
    NULL, 1, 1, gmoe_set_tol, gmoe_show_tol },
  { "activation", "set activation identity|tanh|sigmoid|relu|gelu|softplus",
    "gate activation of the fitted model (default identity)",
    gmoe_set_act_words, 1, 1, gmoe_set_activation, gmoe_show_activation },
  { "temperature", "set temperature T | learn [T0] | anneal T0 T1 [ITERS]",
    "fixed, learned or annealed (over ITERS iterations, default 100) gate temperature (default 1)",
    gmoe_set_temp_words, 1, 4, gmoe_set_temperature, gmoe_show_temperature },
  { "init", "set init truth|kmeans|random", "how each EM restart starts (default truth)",
    gmoe_set_init_words, 1, 1, gmoe_set_init, gmoe_show_init },
  { "restarts", "set restarts R", "EM starts, the best log-likelihood is kept (default 1)",
    NULL, 1, 1, gmoe_set_restarts, gmoe_show_restarts },
  { "progress", "set progress on|off", "progress lines on stderr during fits in scripts (default on)",
    gmoe_set_onoff_words, 1, 1, gmoe_set_progress, gmoe_show_progress },
  { "plotsize", "set plotsize W H | auto",
    "plot width and height in characters (default auto: the terminal, or 80 24 without one)",
    gmoe_plot_size_words, 1, 2, gmoe_set_plotsize, gmoe_show_plotsize },
  { "charset", "set charset ascii|unicode",
    "characters of plots: braille and box drawing, or plain ASCII (default unicode in a UTF-8 locale)",
    gmoe_plot_charset_words, 1, 1, gmoe_set_charset, gmoe_show_charset },
  { "threads", "set threads N", "worker threads of sweeps (0: every online core; default 0)",
    NULL, 1, 1, gmoe_set_threads, gmoe_show_threads },
  { "standardize", "set standardize on|off",
    "fit on standardised inputs, report on the original scale (default off)",
    gmoe_standardize_words, 1, 1, gmoe_set_standardize, gmoe_show_standardize },
  { NULL, NULL, NULL, NULL, 0, 0, NULL, NULL }
};

/* Run `set NAME VALUE...`: find the parameter, check its value count and
 * call its setter. */
static int
gmoe_cmd_set_exec(gmoe_session *s, int argc, char **argv)
{
  const struct gmoe_param *p = gmoe_param_find(s, argv[1]);
  int nvals = argc - 2;
  if (p == NULL)
    return -1;
  if (nvals < p->min_args || nvals > p->max_args) {
    if (p->min_args == p->max_args)
      return gmoe_cmd_error(s, "%s expects %d value%s, got %d (usage: %s)", p->name, p->min_args,
                            p->min_args == 1 ? "" : "s", nvals, p->usage);
    return gmoe_cmd_error(s, "%s expects %d to %d values, got %d (usage: %s)", p->name,
                          p->min_args, p->max_args, nvals, p->usage);
  }
  return p->set(s, argc - 1, argv + 1);
}

/* The parameter names for completion come from gmoe_param_table. */
const struct gmoe_cmd gmoe_cmd_set_entry = {
  "set", NULL, 2, -1,
  "set NAME VALUE...",
  "change a setting (type 'help set' for the parameters and their values)",
  "set k 3",
  NULL, 0, gmoe_cmd_set_exec
};
