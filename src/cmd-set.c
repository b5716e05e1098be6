/* cmd-set.c: `set NAME VALUE...` and the table of its parameters.
 *
 * Every setter validates all of its values before it changes anything,
 * so a failing `set` leaves the session as it was.
 */
#include <config.h>
#include <limits.h>
#include <stddef.h>
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

/* Store the value text of the simple parameter p in the session field
 * that p->field describes, or record a message and change nothing. */
static int
gmoe_param_set_field(gmoe_session *s, const struct gmoe_param *p, const char *text)
{
  const struct gmoe_param_field *f = p->field;
  char *at = (char *)s + f->offset;
  unsigned long long count;
  double x;
  int word;
  switch (f->kind) {
  case GMOE_PARAM_SIZE:
  case GMOE_PARAM_ULONG:
    if (gmoe_cmd_parse_count(s, f->what, text, f->min, f->max, f->hint, &count))
      return -1;
    if (f->kind == GMOE_PARAM_SIZE)
      *(size_t *)at = (size_t)count;
    else
      *(unsigned long *)at = (unsigned long)count;
    return 0;
  case GMOE_PARAM_DOUBLE:
    if (gmoe_cmd_parse_double(s, f->what, text, f->min == 1, f->hint, &x))
      return -1;
    *(double *)at = x;
    return 0;
  case GMOE_PARAM_WORD:
    if (gmoe_cmd_parse_word(s, f->what, text, p->values, f->hint, &word))
      return -1;
    *(int *)at = word;
    return 0;
  }
  return gmoe_cmd_error(s, "%s: bad parameter description", p->name);
}

/* Set parameter p from its values in argv[1..argc-1]. */
int
gmoe_param_set(gmoe_session *s, const struct gmoe_param *p, int argc, char **argv)
{
  if (p->field != NULL)
    return gmoe_param_set_field(s, p, argv[1]);
  return p->set(s, argc, argv);
}

/* Print the current value of parameter p to out. */
void
gmoe_param_show(gmoe_session *s, const struct gmoe_param *p, FILE *out)
{
  const struct gmoe_param_field *f = p->field;
  const char *at;
  if (f == NULL) {
    p->show(s, out);
    return;
  }
  at = (const char *)s + f->offset;
  switch (f->kind) {
  case GMOE_PARAM_SIZE:
    fprintf(out, "%zu", *(const size_t *)at);
    break;
  case GMOE_PARAM_ULONG:
    fprintf(out, "%lu", *(const unsigned long *)at);
    break;
  case GMOE_PARAM_DOUBLE:
    fprintf(out, "%g", *(const double *)at);
    break;
  case GMOE_PARAM_WORD:
    fputs(p->values[*(const int *)at], out);
    break;
  }
}

/* The word parameters are stored as ints. */
_Static_assert(sizeof(gmoe_activation) == sizeof(int) && sizeof(gmoe_init_method) == sizeof(int)
               && sizeof(gmoe_charset) == sizeof(int), "word parameters must be int-sized");

/* Descriptions of a whole number, a number and a word field of the session. */
#define GMOE_SET_SIZE(what, lo, hi, member) \
  (&(const struct gmoe_param_field){ GMOE_PARAM_SIZE, what, lo, hi, offsetof(gmoe_session, member), SET_HINT })
#define GMOE_SET_ULONG(what, lo, hi, member) \
  (&(const struct gmoe_param_field){ GMOE_PARAM_ULONG, what, lo, hi, offsetof(gmoe_session, member), SET_HINT })
#define GMOE_SET_POSITIVE(what, member) \
  (&(const struct gmoe_param_field){ GMOE_PARAM_DOUBLE, what, 1, 0, offsetof(gmoe_session, member), SET_HINT })
#define GMOE_SET_WORD(what, member, hint) \
  (&(const struct gmoe_param_field){ GMOE_PARAM_WORD, what, 0, 0, offsetof(gmoe_session, member), hint })

const struct gmoe_param gmoe_param_table[] = {
  { "k", "set k N", "experts in the fitted model (1 to 64; default 2)",
    NULL, 1, 1, NULL, NULL, GMOE_SET_SIZE("k", 1, GMOE_MAX_K, opts.k) },
  { "d", "set d N", "inputs of simulated data (1 to 64; default 1); resets a truth of another d",
    NULL, 1, 1, gmoe_set_d, gmoe_show_d, NULL },
  { "n", "set n N", "sample size of simulate (default 1000)",
    NULL, 1, 1, gmoe_set_n, gmoe_show_n, NULL },
  { "seed", "set seed S", "seed of simulation and initialisation (default 1)",
    NULL, 1, 1, gmoe_set_seed, gmoe_show_seed, NULL },
  { "replicate", "set replicate R", "data set number that simulate draws for (seed, n) (default 0)",
    NULL, 1, 1, NULL, NULL, GMOE_SET_ULONG("replicate", 0, ULONG_MAX, replicate) },
  { "maxiter", "set maxiter M", "EM iteration limit (0 evaluates the start; default 500)",
    NULL, 1, 1, NULL, NULL, GMOE_SET_SIZE("maxiter", 0, 1000000000ULL, opts.maxiter) },
  { "tol", "set tol E", "stop EM when the relative log-likelihood change is below E (default 1e-8)",
    NULL, 1, 1, NULL, NULL, GMOE_SET_POSITIVE("tol", opts.tol) },
  { "activation", "set activation identity|tanh|sigmoid|relu|gelu|softplus",
    "gate activation of the fitted model (default identity)",
    gmoe_set_act_words, 1, 1, NULL, NULL, GMOE_SET_WORD("activation", opts.act, SET_HINT) },
  { "temperature", "set temperature T | learn [T0] | anneal T0 T1 [ITERS]",
    "fixed, learned or annealed (over ITERS iterations, default 100) gate temperature (default 1)",
    gmoe_set_temp_words, 1, 4, gmoe_set_temperature, gmoe_show_temperature, NULL },
  { "init", "set init truth|kmeans|random", "how each EM restart starts (default truth)",
    gmoe_set_init_words, 1, 1, NULL, NULL, GMOE_SET_WORD("initialisation", opts.init, SET_HINT) },
  { "restarts", "set restarts R", "EM starts, the best log-likelihood is kept (default 1)",
    NULL, 1, 1, NULL, NULL, GMOE_SET_SIZE("restarts", 1, 100000ULL, opts.restarts) },
  { "accel", "set accel on|off", "SQUAREM acceleration of EM (default on)",
    gmoe_set_onoff_words, 1, 1, NULL, NULL, GMOE_SET_WORD("accel value", opts.accel, SET_HINT) },
  { "progress", "set progress on|off", "progress lines on stderr during fits in scripts (default off)",
    gmoe_set_onoff_words, 1, 1, NULL, NULL, GMOE_SET_WORD("progress value", progress, SET_HINT) },
  { "plotsize", "set plotsize W H | auto",
    "plot width and height in characters (default auto: the terminal, or 80 24 without one)",
    gmoe_plot_size_words, 1, 2, gmoe_set_plotsize, gmoe_show_plotsize, NULL },
  { "charset", "set charset ascii|unicode",
    "characters of plots: braille and box drawing, or plain ASCII (default unicode in a UTF-8 locale)",
    gmoe_plot_charset_words, 1, 1, NULL, NULL, GMOE_SET_WORD("charset", charset, "try 'help set charset'") },
  { "threads", "set threads N", "worker threads of sweeps and of fit restarts (0: every online core; default 0)",
    NULL, 1, 1, NULL, NULL, GMOE_SET_SIZE("threads", 0, 1024ULL, threads) },
  { "standardize", "set standardize on|off",
    "fit on standardised inputs, report on the original scale (default off)",
    gmoe_standardize_words, 1, 1, NULL, NULL, GMOE_SET_WORD("standardize", standardize, SET_HINT) },
  { NULL, NULL, NULL, NULL, 0, 0, NULL, NULL, NULL }
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
  return gmoe_param_set(s, p, argc - 1, argv + 1);
}

/* The parameter names for completion come from gmoe_param_table. */
const struct gmoe_cmd gmoe_cmd_set_entry = {
  "set", NULL, 2, -1,
  "set NAME VALUE...",
  "change a setting (type 'help set' for the parameters and their values)",
  "set k 3",
  NULL, 0, gmoe_cmd_set_exec
};
