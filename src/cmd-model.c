/* cmd-model.c: model files (`save model`, `load model`) and EM traces
 * (`save trace`).
 *
 * A model file is plain text, one "key value..." line each, numbers in
 * %.17g so that they read back exactly:
 *
 *   gmoe-model 1                       first line: format and version
 *   # comment lines and blank lines are ignored
 *   k 2                                the settings, as `set` takes them:
 *   d 1                                k d n seed replicate maxiter tol
 *   ...                                activation temperature init restarts
 *                                      accel standardize
 *   truth k 2 d 1 activation identity tau 1
 *   expert 1 beta0 -1 beta1 4 a 1 b -2 nu 0.1     k lines, beta1 and a
 *   expert 2 beta0 0 beta1 0 a -1 b 2 nu 0.1      comma-separated (d values)
 *   params k 2 d 1 activation identity tau 1      the fit, when there is one
 *   expert 1 ...
 *   fit loglik L iterations I status converged|maxiter|interrupted n N
 *       seconds S restart R floor F empty E temperature fixed|learn|anneal
 *       [inputs scaled|centred]        (a fit on standardised inputs: scaled, or
 *                                      centred and scaled)
 *   end                                last line: the file is complete
 *
 * Files are written to a temporary file that is renamed over the target.
 */
#include <config.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "csv.h"
#include "em.h"
#include "error.h"
#include "session.h"

#define GMOE_MODEL_MAGIC "gmoe-model"
#define GMOE_MODEL_VERSION 1

static const char *const gmoe_model_init_words[] = { "truth", "kmeans", "random", NULL };
static const char *const gmoe_model_temp_words[] = { "fixed", "learn", "anneal", NULL };
static const char *const gmoe_model_status_words[] = {
  "converged", "maxiter", "interrupted", NULL
};

/* Write a list of d numbers separated by commas. */
static void
gmoe_model_write_list(FILE *f, const double *v, size_t d)
{
  size_t j;
  for (j = 0; j < d; j++)
    fprintf(f, "%s%.17g", j ? "," : "", v[j]);
}

/* Write a model section: its header line and one line per expert. */
static void
gmoe_model_write_section(FILE *f, const char *name, const gmoe_model *m)
{
  size_t i, d = m->d;
  fprintf(f, "%s k %zu d %zu activation %s tau %.17g\n", name, m->k, d,
          gmoe_activation_name(m->act), m->tau);
  for (i = 0; i < m->k; i++) {
    fprintf(f, "expert %zu beta0 %.17g beta1 ", i + 1, m->beta0[i]);
    gmoe_model_write_list(f, m->beta1 + i * d, d);
    fputs(" a ", f);
    gmoe_model_write_list(f, m->a + i * d, d);
    fprintf(f, " b %.17g nu %.17g\n", m->b[i], m->nu[i]);
  }
}

/* Run `save model FILE`: settings, truth and fit, written atomically. */
int
gmoe_cmd_save_model(gmoe_session *s, const char *path)
{
  char tmp[4096];
  const gmoe_fit_opts *o = &s->opts;
  FILE *f = gmoe_cmd_open_atomic(s, path, tmp, sizeof tmp);
  if (f == NULL)
    return -1;
  fprintf(f, "%s %d\n", GMOE_MODEL_MAGIC, GMOE_MODEL_VERSION);
  fprintf(f, "# gmoe %s model file: settings, truth and fitted parameters (see gmoe(1))\n",
          PACKAGE_VERSION);
  fprintf(f, "k %zu\nd %zu\nn %zu\nseed %lu\nreplicate %lu\nmaxiter %zu\ntol %.17g\n", o->k, s->d,
          s->n, s->seed, s->replicate, o->maxiter, o->tol);
  fprintf(f, "activation %s\n", gmoe_activation_name(o->act));
  if (o->temp == GMOE_TEMP_LEARN)
    fprintf(f, "temperature learn %.17g\n", o->tau);
  else if (o->temp == GMOE_TEMP_ANNEAL)
    fprintf(f, "temperature anneal %.17g %.17g %zu\n", o->tau_start, o->tau_end, o->anneal_iters);
  else
    fprintf(f, "temperature %.17g\n", o->tau);
  fprintf(f, "init %s\nrestarts %zu\naccel %s\n", gmoe_model_init_words[o->init], o->restarts,
          o->accel ? "on" : "off");
  fprintf(f, "standardize %s\n", s->standardize ? "on" : "off");
  gmoe_model_write_section(f, "truth", s->truth);
  if (s->have_fit) {
    const gmoe_fit_result *r = &s->fit;
    gmoe_model_write_section(f, "params", r->model);
    fprintf(f, "fit loglik %.17g iterations %zu status %s n %zu seconds %.17g restart %zu "
            "floor %zu empty %zu temperature %s", r->loglik, r->iterations,
            gmoe_model_status_words[r->status == GMOE_OK ? 0 : r->status == GMOE_EINTR ? 2 : 1],
            s->fit_n, r->seconds, r->best_restart + 1, r->floor_count, r->empty_count,
            gmoe_model_temp_words[s->fit_opts.temp]);
    if (s->fit_standardized)
      fprintf(f, " inputs %s", s->fit_scale.centred ? "centred" : "scaled");
    fputc('\n', f);
  }
  fputs("end\n", f);
  return gmoe_cmd_commit_atomic(s, f, tmp, path);
}

/* What a model file being read holds so far. */
struct gmoe_model_reader {
  gmoe_session *s;        /* the session (for messages) */
  gmoe_session *tmp;      /* scratch session receiving the settings */
  const char *path;
  long line;
  gmoe_model *truth, *params;
  gmoe_model *cur;        /* section the expert lines belong to */
  unsigned char seen[GMOE_MAX_K];
  int have_fit_line;
  gmoe_fit_result fit;
  gmoe_temp_mode fit_temp;
  size_t fit_n;
  int fit_standardized;   /* 0, or 1 scaled, 2 centred and scaled */
};

/* Record "load model: FILE:LINE: message" style errors (the command name
 * is added by the runner). */
static int
gmoe_model_bad(struct gmoe_model_reader *r, const char *msg, const char *word)
{
  if (word != NULL)
    return gmoe_cmd_error(r->s, "%s:%ld: %s '%s'", r->path, r->line, msg, word);
  return gmoe_cmd_error(r->s, "%s:%ld: %s", r->path, r->line, msg);
}

/* Parse a number for a model file line. */
static int
gmoe_model_num(struct gmoe_model_reader *r, const char *key, const char *str, double *out)
{
  if (gmoe_cmd_parse_double(r->tmp, key, str, 0, NULL, out))
    return gmoe_cmd_error(r->s, "%s:%ld: %s", r->path, r->line, r->tmp->errbuf);
  return 0;
}

/* Parse a count for a model file line. */
static int
gmoe_model_count(struct gmoe_model_reader *r, const char *key, const char *str,
                 unsigned long long min, unsigned long long max, size_t *out)
{
  unsigned long long v;
  if (gmoe_cmd_parse_count(r->tmp, key, str, min, max, NULL, &v))
    return gmoe_cmd_error(r->s, "%s:%ld: %s", r->path, r->line, r->tmp->errbuf);
  *out = (size_t)v;
  return 0;
}

/* Read a section header "truth|params k K d D activation NAME tau T". */
static int
gmoe_model_read_section(struct gmoe_model_reader *r, int argc, char **argv, gmoe_model **slot)
{
  size_t k = 0, d = 0;
  double tau = 0.0;
  gmoe_activation act;
  if (argc != 9 || strcmp(argv[1], "k") || strcmp(argv[3], "d") || strcmp(argv[5], "activation")
      || strcmp(argv[7], "tau"))
    return gmoe_model_bad(r, "malformed section line, expected", "NAME k K d D activation A tau T");
  if (*slot != NULL)
    return gmoe_model_bad(r, "repeated section", argv[0]);
  if (gmoe_model_count(r, "k", argv[2], 1, GMOE_MAX_K, &k)
      || gmoe_model_count(r, "d", argv[4], 1, GMOE_MAX_D, &d)
      || gmoe_model_num(r, "tau", argv[8], &tau))
    return -1;
  if (gmoe_activation_parse(argv[6], &act) != GMOE_OK)
    return gmoe_model_bad(r, "unknown activation", argv[6]);
  *slot = gmoe_model_alloc(k, d);
  if (*slot == NULL)
    return gmoe_cmd_error(r->s, "out of memory");
  (*slot)->act = act;
  (*slot)->tau = tau;
  r->cur = *slot;
  memset(r->seen, 0, sizeof r->seen);
  return 0;
}

/* Read "expert I beta0 V beta1 V,... a V,... b V nu V" into the current
 * section. */
static int
gmoe_model_read_expert(struct gmoe_model_reader *r, int argc, char **argv)
{
  gmoe_model *m = r->cur;
  size_t i = 0, d;
  if (m == NULL)
    return gmoe_model_bad(r, "expert line outside a truth or params section", NULL);
  d = m->d;
  if (argc != 12 || strcmp(argv[2], "beta0") || strcmp(argv[4], "beta1") || strcmp(argv[6], "a")
      || strcmp(argv[8], "b") || strcmp(argv[10], "nu"))
    return gmoe_model_bad(r, "malformed expert line, expected",
                          "expert I beta0 V beta1 V,... a V,... b V nu V");
  if (gmoe_model_count(r, "expert index", argv[1], 1, m->k, &i))
    return -1;
  i--;
  if (r->seen[i])
    return gmoe_model_bad(r, "repeated expert", argv[1]);
  if (gmoe_model_num(r, "beta0", argv[3], &m->beta0[i])
      || gmoe_model_num(r, "b", argv[9], &m->b[i])
      || gmoe_model_num(r, "nu", argv[11], &m->nu[i]))
    return -1;
  if (!(m->nu[i] > 0.0))
    return gmoe_cmd_error(r->s, "%s:%ld: nu (a variance) must be positive, got '%s'", r->path,
                          r->line, argv[11]);
  if (gmoe_cmd_parse_list(r->tmp, "beta1", argv[5], d, NULL, m->beta1 + i * d)
      || gmoe_cmd_parse_list(r->tmp, "a", argv[7], d, NULL, m->a + i * d))
    return gmoe_cmd_error(r->s, "%s:%ld: %s", r->path, r->line, r->tmp->errbuf);
  r->seen[i] = 1;
  return 0;
}

/* Read the "fit KEY VALUE..." line. */
static int
gmoe_model_read_fit(struct gmoe_model_reader *r, int argc, char **argv)
{
  int a, v;
  unsigned have = 0;
  size_t restart = 1;
  if (r->params == NULL)
    return gmoe_model_bad(r, "fit line before the params section", NULL);
  if (argc % 2 == 0)
    return gmoe_model_bad(r, "malformed fit line: a key without a value", NULL);
  r->fit.status = GMOE_OK;
  r->fit_temp = GMOE_TEMP_FIXED;
  for (a = 1; a + 1 < argc; a += 2) {
    const char *key = argv[a], *val = argv[a + 1];
    int rc = 0;
    if (strcmp(key, "loglik") == 0)
      rc = gmoe_model_num(r, key, val, &r->fit.loglik);
    else if (strcmp(key, "seconds") == 0)
      rc = gmoe_model_num(r, key, val, &r->fit.seconds);
    else if (strcmp(key, "iterations") == 0)
      rc = gmoe_model_count(r, key, val, 0, (unsigned long long)-1, &r->fit.iterations);
    else if (strcmp(key, "n") == 0)
      rc = gmoe_model_count(r, key, val, 1, (unsigned long long)-1, &r->fit_n);
    else if (strcmp(key, "restart") == 0)
      rc = gmoe_model_count(r, key, val, 1, (unsigned long long)-1, &restart);
    else if (strcmp(key, "floor") == 0)
      rc = gmoe_model_count(r, key, val, 0, GMOE_MAX_K, &r->fit.floor_count);
    else if (strcmp(key, "empty") == 0)
      rc = gmoe_model_count(r, key, val, 0, GMOE_MAX_K, &r->fit.empty_count);
    else if (strcmp(key, "status") == 0) {
      if (gmoe_cmd_parse_word(r->tmp, "status", val, gmoe_model_status_words, NULL, &v))
        return gmoe_cmd_error(r->s, "%s:%ld: %s", r->path, r->line, r->tmp->errbuf);
      r->fit.status = v == 0 ? GMOE_OK : v == 1 ? GMOE_ENOCONV : GMOE_EINTR;
    } else if (strcmp(key, "inputs") == 0) {
      static const char *const how[] = { "scaled", "centred", NULL };
      if (gmoe_cmd_parse_word(r->tmp, "inputs", val, how, NULL, &v))
        return gmoe_cmd_error(r->s, "%s:%ld: %s", r->path, r->line, r->tmp->errbuf);
      r->fit_standardized = v + 1;
    } else if (strcmp(key, "temperature") == 0) {
      if (gmoe_cmd_parse_word(r->tmp, "temperature mode", val, gmoe_model_temp_words, NULL, &v))
        return gmoe_cmd_error(r->s, "%s:%ld: %s", r->path, r->line, r->tmp->errbuf);
      r->fit_temp = (gmoe_temp_mode)v;
    } else
      return gmoe_model_bad(r, "unknown fit key", key);
    if (rc)
      return -1;
    have |= strcmp(key, "loglik") == 0 ? 1u : strcmp(key, "iterations") == 0 ? 2u
            : strcmp(key, "status") == 0 ? 4u : strcmp(key, "n") == 0 ? 8u : 0u;
  }
  if (have != 15u)
    return gmoe_model_bad(r, "the fit line needs loglik, iterations, status and n", NULL);
  r->fit.best_restart = restart - 1;
  r->have_fit_line = 1;
  return 0;
}

/* Check that every expert of section m was given. */
static int
gmoe_model_check_section(struct gmoe_model_reader *r, const gmoe_model *m, const char *name)
{
  size_t i;
  if (m == NULL)
    return 0;
  for (i = 0; i < m->k; i++)
    if (!r->seen[i])
      return gmoe_cmd_error(r->s, "%s:%ld: the %s section lacks expert %zu", r->path, r->line,
                            name, i + 1);
  if (gmoe_model_validate(m) != GMOE_OK)
    return gmoe_cmd_error(r->s, "%s:%ld: %s: %s", r->path, r->line, name, gmoe_error_message());
  return 0;
}

/* Read the lines after the first into the reader; returns 0 once "end"
 * was read, -1 with a message otherwise. */
static int
gmoe_model_read_lines(struct gmoe_model_reader *r, FILE *f)
{
  char *line = NULL, **argv = NULL;
  size_t cap = 0;
  ssize_t got;
  int argc = 0, rc = -1, ended = 0;
  while ((got = gmoe_csv_getline(&line, &cap, f)) >= 0) {
    r->line++;
    if (got == 0 || line[got - 1] != '\n') {
      gmoe_cmd_error(r->s, "%s: truncated at line %ld", r->path, r->line);
      goto out;
    }
    if (ended) {
      gmoe_model_bad(r, "text after 'end'", NULL);
      goto out;
    }
    line[--got] = '\0';
    if (got > 0 && line[got - 1] == '\r')
      line[--got] = '\0';
    gmoe_cmd_free_words(argc, argv);
    argv = NULL;
    argc = gmoe_cmd_split(r->tmp, line, &argv);
    if (argc < 0) {
      gmoe_cmd_error(r->s, "%s:%ld: %s", r->path, r->line, r->tmp->errbuf);
      goto out;
    }
    if (argc == 0)
      continue;
    if (strcmp(argv[0], "end") == 0 && argc == 1) {
      if (r->truth == NULL) {
        gmoe_model_bad(r, "the file has no truth section", NULL);
        goto out;
      }
      if (r->params != NULL && !r->have_fit_line) {
        gmoe_model_bad(r, "the params section has no fit line", NULL);
        goto out;
      }
      if (gmoe_model_check_section(r, r->cur, r->cur == r->truth ? "truth" : "params"))
        goto out;
      ended = 1;
    } else if (strcmp(argv[0], "truth") == 0 || strcmp(argv[0], "params") == 0) {
      if (r->cur != NULL
          && gmoe_model_check_section(r, r->cur, r->cur == r->truth ? "truth" : "params"))
        goto out;
      if (gmoe_model_read_section(r, argc, argv, argv[0][0] == 't' ? &r->truth : &r->params))
        goto out;
    } else if (strcmp(argv[0], "expert") == 0) {
      if (gmoe_model_read_expert(r, argc, argv))
        goto out;
    } else if (strcmp(argv[0], "fit") == 0) {
      if (gmoe_model_read_fit(r, argc, argv))
        goto out;
    } else {
      const struct gmoe_param *p = NULL;
      size_t i;
      for (i = 0; gmoe_param_table[i].name != NULL; i++)
        if (strcmp(gmoe_param_table[i].name, argv[0]) == 0)
          p = &gmoe_param_table[i];
      if (p == NULL) {
        gmoe_model_bad(r, "unknown key", argv[0]);
        goto out;
      }
      if (argc - 1 < p->min_args || argc - 1 > p->max_args) {
        gmoe_cmd_error(r->s, "%s:%ld: %s: wrong number of values (usage: %s)", r->path, r->line,
                       argv[0], p->usage);
        goto out;
      }
      if (gmoe_param_set(r->tmp, p, argc, argv)) {
        gmoe_cmd_error(r->s, "%s:%ld: %s", r->path, r->line, r->tmp->errbuf);
        goto out;
      }
    }
  }
  if (!ended) {
    gmoe_cmd_error(r->s, "%s: truncated at line %ld", r->path, r->line + 1);
    goto out;
  }
  rc = 0;
out:
  gmoe_cmd_free_words(argc, argv);
  free(line);
  return rc;
}

/* Run `load model FILE`: replace the settings, the truth and the fit by
 * those of the file, or change nothing when the file is not valid. */
int
gmoe_cmd_load_model(gmoe_session *s, const char *path)
{
  struct gmoe_model_reader r;
  char *line = NULL;
  size_t cap = 0;
  ssize_t got;
  FILE *f;
  int rc = -1;
  memset(&r, 0, sizeof r);
  r.s = s;
  r.path = path;
  f = fopen(path, "r");
  if (f == NULL)
    return gmoe_cmd_error(s, "cannot open '%s': %s", path, strerror(errno));
  r.tmp = gmoe_session_alloc();
  if (r.tmp == NULL) {
    fclose(f);
    return gmoe_cmd_error(s, "out of memory");
  }
  got = gmoe_csv_getline(&line, &cap, f);
  r.line = 1;
  if (got < 0) {
    if (ferror(f))
      gmoe_cmd_error(s, "cannot read '%s': %s", path, strerror(errno));
    else
      gmoe_cmd_error(s, "%s: not a gmoe model file (it is empty)", path);
    goto out;
  }
  if (strncmp(line, GMOE_MODEL_MAGIC " ", sizeof GMOE_MODEL_MAGIC) != 0) {
    gmoe_cmd_error(s, "%s: not a gmoe model file", path);
    goto out;
  }
  if (strcmp(line, GMOE_MODEL_MAGIC " 1\n") != 0 && strcmp(line, GMOE_MODEL_MAGIC " 1\r\n") != 0) {
    if (line[got - 1] != '\n')
      gmoe_cmd_error(s, "%s: truncated at line 1", path);
    else
      gmoe_cmd_error(s, "%s: unsupported model file version (this gmoe reads version %d)", path,
                     GMOE_MODEL_VERSION);
    goto out;
  }
  if (gmoe_model_read_lines(&r, f))
    goto out;
  /* Everything was valid: take the settings, the truth and the fit. */
  s->opts.k = r.tmp->opts.k;
  s->opts.act = r.tmp->opts.act;
  s->opts.temp = r.tmp->opts.temp;
  s->opts.tau = r.tmp->opts.tau;
  s->opts.tau_start = r.tmp->opts.tau_start;
  s->opts.tau_end = r.tmp->opts.tau_end;
  s->opts.anneal_iters = r.tmp->opts.anneal_iters;
  s->opts.maxiter = r.tmp->opts.maxiter;
  s->opts.tol = r.tmp->opts.tol;
  s->opts.init = r.tmp->opts.init;
  s->opts.restarts = r.tmp->opts.restarts;
  s->opts.accel = r.tmp->opts.accel;
  s->opts.seed = r.tmp->opts.seed;
  s->standardize = r.tmp->standardize;
  s->d = r.truth->d;
  s->n = r.tmp->n;
  s->seed = r.tmp->seed;
  s->replicate = r.tmp->replicate;
  gmoe_model_free(s->truth);
  s->truth = r.truth;
  r.truth = NULL;
  if (s->have_fit)
    gmoe_fit_result_clear(&s->fit);
  s->have_fit = 0;
  if (r.params != NULL) {
    s->fit = r.fit;
    s->fit.model = r.params;
    s->fit.trace = NULL;
    r.params = NULL;
    s->have_fit = 1;
    s->fit_opts = s->opts;
    s->fit_opts.temp = r.fit_temp;
    s->fit_n = r.fit_n;
    s->fit_standardized = r.fit_standardized != 0;
    memset(&s->fit_scale, 0, sizeof s->fit_scale);
    s->fit_scale.centred = r.fit_standardized == 2;
  }
  rc = 0;
out:
  free(line);
  fclose(f);
  gmoe_model_free(r.truth);
  gmoe_model_free(r.params);
  gmoe_session_free(r.tmp);
  return rc;
}

/* Run `save trace FILE.csv`: one row per EM iteration of the last fit. */
int
gmoe_cmd_save_trace(gmoe_session *s, const char *path)
{
  const gmoe_trace *tr;
  char tmp[4096], name[64];
  size_t r, c, np;
  FILE *f;
  if (!s->have_fit)
    return gmoe_cmd_error(s, "no fit yet: run 'fit' first");
  tr = s->fit.trace;
  if (tr == NULL || tr->rows == 0)
    return gmoe_cmd_error(s, "the last fit has no trace (a fit loaded from a model file keeps none)");
  np = gmoe_model_flat_size(tr->k, tr->d);
  f = gmoe_cmd_open_atomic(s, path, tmp, sizeof tmp);
  if (f == NULL)
    return -1;
  fputs("iteration,loglik", f);
  for (c = 0; c < np; c++) {
    gmoe_model_flat_name(tr->k, tr->d, c, name, sizeof name);
    fprintf(f, ",%s", name);
  }
  fputc('\n', f);
  for (r = 0; r < tr->rows; r++) {
    const double *row = tr->v + r * tr->cols;
    fprintf(f, "%.0f", row[0]);
    for (c = 1; c < tr->cols; c++)
      fprintf(f, ",%.17g", row[c]);
    fputc('\n', f);
  }
  return gmoe_cmd_commit_atomic(s, f, tmp, path);
}
