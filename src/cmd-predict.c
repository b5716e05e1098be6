/* cmd-predict.c: using the fitted model: `predict X1[,X2...]` and
 * `predict FILE.csv [x=COLUMN,...]`, `show assign`, `save assign`,
 * `save predictions` and `show params se`.
 *
 * Tables written as CSV go through gmoe_csv_write (exact %.17g numbers,
 * atomic replacement): the columns are packed into a data set whose last
 * column plays the part of y.
 */
#include <config.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cmd-predict.h"
#include "cmd.h"
#include "csv.h"
#include "error.h"
#include "predict.h"
#include "se.h"
#include "session.h"
#include "table.h"

#define PREDICT_HINT "try 'help predict'"

/* Name of input j of the fitted model: the data's column name when the
 * data match the fit, else x1, x2, ... */
static const char *
gmoe_predict_input_name(const gmoe_session *s, size_t j, char *buf, size_t len)
{
  if (s->data != NULL && s->data->names != NULL && s->data->d == s->fit.model->d)
    return s->data->names[j];
  snprintf(buf, len, "x%zu", j + 1);
  return buf;
}

/* The fitted model, or NULL after an error saying that there is none. */
static const gmoe_model *
gmoe_predict_model(gmoe_session *s)
{
  if (!s->have_fit || s->fit.model == NULL) {
    gmoe_cmd_error(s, "no fitted model: run 'fit' or 'select', or 'load model FILE', first");
    return NULL;
  }
  return s->fit.model;
}

/* The session's data when they match the fitted model, or NULL after an error. */
static const gmoe_data *
gmoe_predict_data(gmoe_session *s, const gmoe_model *m)
{
  if (s->data == NULL)
    return gmoe_cmd_error(s, "no data: use 'simulate' or 'load FILE.csv' first"), NULL;
  if (s->data->d != m->d)
    return gmoe_cmd_error(s, "the fitted model has d = %zu inputs but the data have d = %zu",
                          m->d, s->data->d), NULL;
  return s->data;
}

/* A table of n rows and ncol columns packed as a data set (the last
 * column as y) with the given names (copied); NULL after an error. */
static gmoe_data *
gmoe_predict_sheet(gmoe_session *s, size_t n, size_t ncol, char **names)
{
  gmoe_data *sh = gmoe_data_alloc(n, ncol - 1);
  size_t j;
  if (sh == NULL || (sh->names = calloc(ncol, sizeof *sh->names)) == NULL) {
    gmoe_data_free(sh);
    gmoe_cmd_error(s, "out of memory");
    return NULL;
  }
  for (j = 0; j < ncol; j++)
    if ((sh->names[j] = strdup(names[j])) == NULL) {
      gmoe_data_free(sh);
      gmoe_cmd_error(s, "out of memory");
      return NULL;
    }
  return sh;
}

/* Set cell (t, j) of a sheet. */
static void
gmoe_predict_put(gmoe_data *sh, size_t t, size_t j, double v)
{
  if (j < sh->d)
    sh->x[j * sh->n + t] = v;
  else
    sh->y[t] = v;
}

/* Free a list of count column names. */
static void
gmoe_predict_free_names(char **names, size_t count)
{
  size_t j;
  if (names == NULL)
    return;
  for (j = 0; j < count; j++)
    free(names[j]);
  free(names);
}

/* Column names of a prediction sheet: the inputs, y when with_y, then
 * gate_1..gate_k, mean_1..mean_k, mean, var, expert.  NULL after an error. */
static char **
gmoe_predict_names(gmoe_session *s, const gmoe_model *m, int with_y, size_t *ncol)
{
  size_t j, c = 0, k = m->k, d = m->d, total = d + (with_y ? 1 : 0) + 2 * k + 3;
  char buf[64], **names = calloc(total, sizeof *names);
  int bad = names == NULL;
  for (j = 0; j < d && !bad; j++)
    bad = (names[c++] = strdup(gmoe_predict_input_name(s, j, buf, sizeof buf))) == NULL;
  if (with_y && !bad)
    bad = (names[c++] = strdup(s->data->names ? s->data->names[d] : "y")) == NULL;
  for (j = 0; j < 2 * k && !bad; j++) {
    snprintf(buf, sizeof buf, "%s_%zu", j < k ? "gate" : "mean", j % k + 1);
    bad = (names[c++] = strdup(buf)) == NULL;
  }
  if (!bad)
    bad = (names[c++] = strdup("mean")) == NULL || (names[c++] = strdup("var")) == NULL
          || (names[c++] = strdup("expert")) == NULL;
  if (bad) {
    gmoe_predict_free_names(names, total);
    gmoe_cmd_error(s, "out of memory");
    return NULL;
  }
  *ncol = total;
  return names;
}

/* Fill a prediction sheet at the inputs of data (borrowed), copying y
 * when with_y. */
static void
gmoe_predict_fill(const gmoe_model *m, const gmoe_data *data, int with_y, gmoe_data *sh)
{
  size_t t, j, c, k = m->k, d = m->d;
  gmoe_prediction p;
  for (t = 0; t < data->n; t++) {
    gmoe_predict_at(m, data->x + t, data->n, &p);
    c = 0;
    for (j = 0; j < d; j++)
      gmoe_predict_put(sh, t, c++, data->x[j * data->n + t]);
    if (with_y)
      gmoe_predict_put(sh, t, c++, data->y[t]);
    for (j = 0; j < k; j++)
      gmoe_predict_put(sh, t, c++, p.gate[j]);
    for (j = 0; j < k; j++)
      gmoe_predict_put(sh, t, c++, p.mean[j]);
    gmoe_predict_put(sh, t, c++, p.mix_mean);
    gmoe_predict_put(sh, t, c++, p.mix_var);
    gmoe_predict_put(sh, t, c, (double)(p.expert + 1));
  }
}

/* Print a sheet as a table (the last column, a 1-based index, as a whole
 * number; so is the first when first_index is set). */
static int
gmoe_predict_print_sheet(gmoe_session *s, const gmoe_data *sh, const char *title, int first_index)
{
  gmoe_table *t = gmoe_table_alloc(title);
  size_t r, j;
  if (t == NULL)
    return gmoe_cmd_error(s, "out of memory");
  for (j = 0; j <= sh->d; j++)
    gmoe_table_column(t, "%s", sh->names[j]);
  for (r = 0; r < sh->n; r++) {
    gmoe_table_row(t);
    for (j = 0; j < sh->d; j++)
      if (j == 0 && first_index)
        gmoe_table_str(t, "%.0f", sh->x[r]);
      else
        gmoe_table_num(t, sh->x[j * sh->n + r]);
    gmoe_table_str(t, "%.0f", sh->y[r]);
  }
  gmoe_table_print(t, s->out, s->format, 0);
  gmoe_table_free(t);
  return 0;
}

/* Print the prediction at one input: per expert in text, one row in tsv. */
static int
gmoe_predict_point(gmoe_session *s, const gmoe_model *m, const double *x)
{
  gmoe_prediction p;
  char buf[64], head[512];
  size_t i, j, off;
  gmoe_table *t;
  gmoe_predict_at(m, x, 1, &p);
  if (s->format == GMOE_FORMAT_TSV) {
    gmoe_data one = { 1, m->d, (double *)x, NULL, NULL };
    size_t ncol;
    char **names = gmoe_predict_names(s, m, 0, &ncol);
    gmoe_data *sh;
    int rc;
    if (names == NULL)
      return -1;
    sh = gmoe_predict_sheet(s, 1, ncol, names);
    gmoe_predict_free_names(names, ncol);
    if (sh == NULL)
      return -1;
    gmoe_predict_fill(m, &one, 0, sh);
    rc = gmoe_predict_print_sheet(s, sh, NULL, 0);
    gmoe_data_free(sh);
    return rc;
  }
  off = (size_t)snprintf(head, sizeof head, "prediction at ");
  for (j = 0; j < m->d && off < sizeof head; j++)
    off += (size_t)snprintf(head + off, sizeof head - off, "%s%s = %.6g", j ? ", " : "",
                            gmoe_predict_input_name(s, j, buf, sizeof buf), x[j]);
  t = gmoe_table_alloc(head);
  if (t == NULL)
    return gmoe_cmd_error(s, "out of memory");
  gmoe_table_column(t, "expert");
  gmoe_table_column(t, "gate");
  gmoe_table_column(t, "mean");
  gmoe_table_column(t, "nu");
  for (i = 0; i < m->k; i++) {
    gmoe_table_row(t);
    gmoe_table_str(t, "%zu", i + 1);
    gmoe_table_num(t, p.gate[i]);
    gmoe_table_num(t, p.mean[i]);
    gmoe_table_num(t, m->nu[i]);
  }
  gmoe_table_print(t, s->out, s->format, 0);
  gmoe_table_free(t);
  fprintf(s->out, "mixture mean %.6g, variance %.6g (sd %.6g); most likely expert %zu\n",
          p.mix_mean, p.mix_var, sqrt(p.mix_var), p.expert + 1);
  return 0;
}

/* Read the inputs of a prediction file: the columns chosen by x=, else
 * the columns named like the fitted inputs, else all columns when there
 * are exactly d of them.  NULL after an error. */
static gmoe_data *
gmoe_predict_read(gmoe_session *s, const gmoe_model *m, const char *path, const char *xcols)
{
  gmoe_data *all, *in;
  size_t j, c, d = m->d, pick[GMOE_MAX_D];
  char buf[64];
  if (xcols != NULL) {
    in = gmoe_csv_read_inputs(path, xcols);
    if (in == NULL)
      return gmoe_cmd_error(s, "%s", gmoe_error_message()), NULL;
    if (in->d != d) {
      size_t got = in->d;
      gmoe_data_free(in);
      return gmoe_cmd_error(s, "x= names %zu column%s but the fitted model has d = %zu inputs",
                            got, got == 1 ? "" : "s", d), NULL;
    }
    return in;
  }
  all = gmoe_csv_read_inputs(path, NULL);
  if (all == NULL)
    return gmoe_cmd_error(s, "%s", gmoe_error_message()), NULL;
  for (j = 0; j < d; j++) {
    const char *name = gmoe_predict_input_name(s, j, buf, sizeof buf);
    for (c = 0; c < all->d && strcmp(all->names[c], name) != 0; c++)
      ;
    if (c == all->d)
      break;
    pick[j] = c;
  }
  if (j < d) {
    if (all->d != d) {
      size_t have = all->d;
      gmoe_data_free(all);
      return gmoe_cmd_error(s, "%s: %zu columns, and not all named like the %zu fitted input%s "
                            "(choose them with x=COLUMN,...; %s)", path, have, d,
                            d == 1 ? "" : "s", PREDICT_HINT), NULL;
    }
    return all;
  }
  in = gmoe_data_alloc(all->n, d);
  if (in == NULL) {
    gmoe_data_free(all);
    return gmoe_cmd_error(s, "out of memory"), NULL;
  }
  for (j = 0; j < d; j++)
    memcpy(in->x + j * in->n, all->x + pick[j] * all->n, all->n * sizeof(double));
  gmoe_data_free(all);
  return in;
}

/* Whether a predict argument names a file rather than a list of numbers:
 * it ends in .csv, holds a '/', or is an existing file. */
static int
gmoe_predict_is_file(const char *arg)
{
  size_t len = strlen(arg);
  return (len > 4 && strcmp(arg + len - 4, ".csv") == 0) || strchr(arg, '/') != NULL
         || access(arg, F_OK) == 0;
}

/* Run `predict X1[,X2...]` or `predict FILE.csv [x=COLUMN,...]`. */
static int
gmoe_cmd_predict_exec(gmoe_session *s, int argc, char **argv)
{
  const gmoe_model *m = gmoe_predict_model(s);
  double x[GMOE_MAX_D];
  gmoe_data *in, *sh;
  char **names, title[512];
  size_t ncol;
  int rc;
  if (m == NULL)
    return -1;
  if (!gmoe_predict_is_file(argv[1])) {
    if (argc > 2)
      return gmoe_cmd_error(s, "x= only goes with a CSV file, got '%s' after '%s' (%s)", argv[2],
                            argv[1], PREDICT_HINT);
    if (gmoe_cmd_parse_list(s, "input", argv[1], m->d,
                            "give one number per input or a CSV file; try 'help predict'", x))
      return -1;
    return gmoe_predict_point(s, m, x);
  }
  if (argc > 2 && (strncmp(argv[2], "x=", 2) != 0 || argv[2][2] == '\0'))
    return gmoe_cmd_error(s, "unknown option '%s' (expected x=COLUMN,COLUMN,...; %s)", argv[2],
                          PREDICT_HINT);
  in = gmoe_predict_read(s, m, argv[1], argc > 2 ? argv[2] + 2 : NULL);
  if (in == NULL)
    return -1;
  names = gmoe_predict_names(s, m, 0, &ncol);
  sh = names != NULL ? gmoe_predict_sheet(s, in->n, ncol, names) : NULL;
  gmoe_predict_free_names(names, ncol);
  if (sh == NULL) {
    gmoe_data_free(in);
    return -1;
  }
  gmoe_predict_fill(m, in, 0, sh);
  snprintf(title, sizeof title, "predictions at the %zu input%s of '%s'", in->n,
           in->n == 1 ? "" : "s", argv[1]);
  rc = gmoe_predict_print_sheet(s, sh, title, 0);
  gmoe_data_free(sh);
  gmoe_data_free(in);
  return rc;
}

const struct gmoe_cmd gmoe_cmd_predict_entry = {
  "predict", NULL, 1, 2,
  "predict X1[,X2...] | predict FILE.csv [x=COLUMN,...]",
  "gate weights, expert means, mixture mean and variance and most likely expert at an input or at every row of a CSV file",
  "predict 0.25",
  NULL, 1, gmoe_cmd_predict_exec
};

/* Run `save predictions FILE.csv`: predictions at every observation. */
int
gmoe_cmd_save_predictions(gmoe_session *s, const char *path)
{
  const gmoe_model *m = gmoe_predict_model(s);
  const gmoe_data *data;
  gmoe_data *sh;
  char **names;
  size_t ncol;
  int rc;
  if (m == NULL || (data = gmoe_predict_data(s, m)) == NULL)
    return -1;
  if ((names = gmoe_predict_names(s, m, 1, &ncol)) == NULL)
    return -1;
  sh = gmoe_predict_sheet(s, data->n, ncol, names);
  gmoe_predict_free_names(names, ncol);
  if (sh == NULL)
    return -1;
  gmoe_predict_fill(m, data, 1, sh);
  rc = gmoe_csv_write(path, sh) == GMOE_OK ? 0 : gmoe_cmd_error(s, "%s", gmoe_error_message());
  gmoe_data_free(sh);
  return rc;
}

/* Build the assignment sheet: obs, inputs, y, r_1..r_k, expert. */
static gmoe_data *
gmoe_assign_sheet(gmoe_session *s)
{
  const gmoe_model *m = gmoe_predict_model(s);
  const gmoe_data *data;
  gmoe_data *sh;
  char **names, buf[64];
  size_t ncol, t, j, k, d, c = 0;
  double r[GMOE_MAX_K];
  int bad;
  if (m == NULL || (data = gmoe_predict_data(s, m)) == NULL)
    return NULL;
  k = m->k;
  d = m->d;
  ncol = d + k + 3;
  names = calloc(ncol, sizeof *names);
  bad = names == NULL || (names[c++] = strdup("obs")) == NULL;
  for (j = 0; j < d && !bad; j++)
    bad = (names[c++] = strdup(gmoe_predict_input_name(s, j, buf, sizeof buf))) == NULL;
  if (!bad)
    bad = (names[c++] = strdup(data->names ? data->names[d] : "y")) == NULL;
  for (j = 0; j < k && !bad; j++) {
    snprintf(buf, sizeof buf, "r_%zu", j + 1);
    bad = (names[c++] = strdup(buf)) == NULL;
  }
  if (!bad)
    bad = (names[c++] = strdup("expert")) == NULL;
  sh = bad ? NULL : gmoe_predict_sheet(s, data->n, ncol, names);
  gmoe_predict_free_names(names, ncol);
  if (bad) {
    gmoe_cmd_error(s, "out of memory");
    return NULL;
  }
  if (sh == NULL)
    return NULL;
  for (t = 0; t < data->n; t++) {
    size_t best = gmoe_predict_resp(m, data->x + t, data->n, data->y[t], r, NULL);
    c = 0;
    gmoe_predict_put(sh, t, c++, (double)(t + 1));
    for (j = 0; j < d; j++)
      gmoe_predict_put(sh, t, c++, data->x[j * data->n + t]);
    gmoe_predict_put(sh, t, c++, data->y[t]);
    for (j = 0; j < k; j++)
      gmoe_predict_put(sh, t, c++, r[j]);
    gmoe_predict_put(sh, t, c, (double)(best + 1));
  }
  return sh;
}

/* Run `show assign`. */
int
gmoe_cmd_show_assign(gmoe_session *s)
{
  gmoe_data *sh = gmoe_assign_sheet(s);
  char title[160];
  size_t i, j, count[GMOE_MAX_K] = { 0 };
  int rc;
  if (sh == NULL)
    return -1;
  snprintf(title, sizeof title, "responsibilities r_i and hard assignment of the %zu observations",
           sh->n);
  rc = gmoe_predict_print_sheet(s, sh, title, 1);
  if (rc == 0 && s->format == GMOE_FORMAT_TEXT) {
    for (i = 0; i < sh->n; i++)
      count[(size_t)sh->y[i] - 1]++;
    fputs("observations per expert:", s->out);
    for (j = 0; j < s->fit.model->k; j++)
      fprintf(s->out, " %zu", count[j]);
    fputc('\n', s->out);
  }
  gmoe_data_free(sh);
  return rc;
}

/* Run `save assign FILE.csv`. */
int
gmoe_cmd_save_assign(gmoe_session *s, const char *path)
{
  gmoe_data *sh = gmoe_assign_sheet(s);
  int rc;
  if (sh == NULL)
    return -1;
  rc = gmoe_csv_write(path, sh) == GMOE_OK ? 0 : gmoe_cmd_error(s, "%s", gmoe_error_message());
  gmoe_data_free(sh);
  return rc;
}

/* Print why standard errors are unavailable and return 1, or return 0
 * when they are. */
static int
gmoe_se_unavailable(gmoe_session *s, const gmoe_model *m, const gmoe_se *se)
{
  char weak[64];
  gmoe_model_flat_name(m->k, m->d, se->weak, weak, sizeof weak);
  switch (se->status) {
  case GMOE_SE_OK:
    return 0;
  case GMOE_SE_SINGULAR:
    fprintf(s->out, "standard errors unavailable: the information matrix is singular (the "
            "likelihood is flat, mostly along %s: a gate that switches almost at once, or a "
            "redundant or empty expert)\n", weak);
    break;
  case GMOE_SE_UNRESOLVED:
    fprintf(s->out, "standard errors unavailable: the fit stopped too far from the maximum to "
            "resolve its least determined direction (mostly %s; smallest eigenvalue %.2g, "
            "remaining score %.2g): fit again with a smaller tolerance, e.g. 'set tol 1e-12'\n",
            weak, se->min_eig, se->grad);
    break;
  default:
    fprintf(s->out, "standard errors unavailable: the log-likelihood is not at a maximum here "
            "(the information matrix has a negative eigenvalue, mostly along %s; fit again "
            "with more iterations or restarts)\n", weak);
    break;
  }
  return 1;
}

/* Run `show params se`.  With an identity or relu gate and a learned
 * temperature the likelihood is exactly flat along (c beta1, c tau)
 * (sigma(c z) = c sigma(z)), so that is said whatever the numerics say,
 * and the standard errors of the identified parameters follow: the same
 * model with beta1/tau in place of beta1 and tau fixed at 1. */
int
gmoe_cmd_show_se(gmoe_session *s)
{
  const gmoe_model *fit = gmoe_predict_model(s);
  const gmoe_data *data;
  gmoe_model *m = NULL;
  int learned, status, ridge, rc = -1;
  gmoe_se *se = NULL;
  gmoe_table *t = NULL;
  double *flat = NULL;
  char name[80], head[256];
  size_t p, j, nf;
  if (fit == NULL || (data = gmoe_predict_data(s, fit)) == NULL)
    return -1;
  if (data->n != s->fit_n)
    return gmoe_cmd_error(s, "the data (n = %zu) are not those of the fit (n = %zu): standard "
                          "errors need the data the model was fitted to", data->n, s->fit_n);
  learned = s->fit_opts.temp == GMOE_TEMP_LEARN;
  ridge = learned && (fit->act == GMOE_ACT_IDENTITY || fit->act == GMOE_ACT_RELU);
  m = gmoe_model_clone(fit);
  se = gmoe_se_alloc(fit->k, fit->d);
  nf = gmoe_model_flat_size(fit->k, fit->d);
  flat = malloc(nf * sizeof(double));
  if (m == NULL || se == NULL || flat == NULL) {
    gmoe_cmd_error(s, "out of memory");
    goto out;
  }
  if (ridge) {
    fprintf(s->out, "standard errors unavailable: the information matrix is singular (%s gate "
            "with learned temperature: only beta1/tau is identified)\n",
            gmoe_activation_name(fit->act));
    for (j = 0; j < fit->k * fit->d; j++)
      m->beta1[j] /= fit->tau;
    m->tau = 1.0;
    learned = 0;
  }
  status = gmoe_se_compute(m, data, learned, se);
  if (status != GMOE_OK) {
    gmoe_cmd_error(s, "%s", gmoe_error_message());
    goto out;
  }
  rc = 0;
  if (gmoe_se_unavailable(s, m, se))
    goto out;
  gmoe_model_flatten(m, flat);
  if (ridge)
    snprintf(head, sizeof head, "identified parameters (beta1/tau for beta1 and tau) with "
             "standard errors from the observed information (n = %zu)", data->n);
  else
    snprintf(head, sizeof head, "fitted parameters with standard errors from the observed "
             "information (n = %zu)", data->n);
  t = gmoe_table_alloc(head);
  if (t == NULL) {
    rc = gmoe_cmd_error(s, "out of memory");
    goto out;
  }
  gmoe_table_column(t, "parameter");
  gmoe_table_column(t, "estimate");
  gmoe_table_column(t, "se");
  gmoe_table_column(t, "se_opg");
  for (p = 0; p < nf; p++) {
    if (isnan(se->se[p]))
      continue;
    gmoe_model_flat_name(m->k, m->d, p, name, 64);
    if (ridge && strncmp(name, "beta1_", 6) == 0)
      strcat(name, "/tau");
    gmoe_table_row(t);
    gmoe_table_str(t, "%s", name);
    gmoe_table_num(t, flat[p]);
    gmoe_table_num(t, se->se[p]);
    gmoe_table_num(t, se->se_opg[p]);
  }
  gmoe_table_print(t, s->out, s->format, 1);
  if (s->format == GMOE_FORMAT_TEXT) {
    fprintf(s->out, "  expert %zu is the gate's reference (beta0 and beta1 fixed at 0)", m->k);
    if (!learned && !ridge)
      fprintf(s->out, "; tau is not estimated (%g)", m->tau);
    fprintf(s->out, "\n  condition number of the scaled information: %.3g\n",
            se->max_eig / se->min_eig);
    if (s->fit.status != GMOE_OK)
      fputs("  note: the fit did not converge, so these are not standard errors at the maximum\n",
            s->out);
    if (s->fit.floor_count > 0)
      fputs("  note: the variance floor binds: nu at the floor is on the boundary and its "
            "standard error means little\n", s->out);
  }
out:
  gmoe_table_free(t);
  gmoe_model_free(m);
  gmoe_se_free(se);
  free(flat);
  return rc;
}
