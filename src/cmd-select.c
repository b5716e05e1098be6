/* cmd-select.c: `select k LIST [restarts R]` (fit each k, compare by BIC
 * and AIC), `show select`, `plot select`, and `set standardize on|off`.
 *
 * After a selection, the fit of the k with the smallest BIC becomes the
 * session's fit, so that `show params`, `predict` and `show params se`
 * use it; the settings (k among them) are left as they were.
 */
#include <config.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd-plot.h"
#include "cmd-select.h"
#include "cmd.h"
#include "error.h"
#include "loss.h"
#include "scale.h"
#include "session.h"
#include "table.h"

#define SELECT_HINT "try 'help select'"

const char *const gmoe_standardize_words[] = { "off", "on", NULL };
static const char *const gmoe_select_words[] = { "k", NULL };

/* One fitted k of a selection. */
struct gmoe_select_row {
  size_t k, nparams;
  double loglik, bic, aic;
  int status;              /* GMOE_OK converged, GMOE_ENOCONV, GMOE_EINTR */
  size_t floor_count;
};

/* The results of the last `select` (one allocation, freed by the session). */
struct gmoe_select {
  size_t n, restarts, count;
  int standardized;
  size_t best, best_aic;   /* row indices */
  struct gmoe_select_row row[];
};

/* Print the fit report's note on standardised inputs. */
void
gmoe_cmd_fit_scale_note(gmoe_session *s)
{
  if (s->fit_standardized)
    fprintf(s->out, "  inputs standardized for fitting (%s); parameters on the original scale\n",
            s->fit_scale.centred ? "centred and scaled" : "scaled, not centred: nonlinear gate");
}

/* Parse the list of k: "A..B", "A,B,C" or "A"; each in 1..GMOE_MAX_K,
 * increasing.  Returns the count, or -1 with a message. */
static int
gmoe_select_parse_ks(gmoe_session *s, const char *str, size_t *ks)
{
  const char *dots = strstr(str, "..");
  unsigned long long a, b, v;
  size_t count = 0;
  char buf[64];
  if (dots != NULL) {
    size_t len = (size_t)(dots - str);
    if (len == 0 || len >= sizeof buf || dots[2] == '\0')
      return gmoe_cmd_error(s, "k range '%s' is not of the form A..B (for example 1..6; %s)", str,
                            SELECT_HINT);
    memcpy(buf, str, len);
    buf[len] = '\0';
    if (gmoe_cmd_parse_count(s, "first k", buf, 1, GMOE_MAX_K, SELECT_HINT, &a)
        || gmoe_cmd_parse_count(s, "last k", dots + 2, 1, GMOE_MAX_K, SELECT_HINT, &b))
      return -1;
    if (b < a)
      return gmoe_cmd_error(s, "k range '%s' runs backwards (expected A..B with A <= B; %s)", str,
                            SELECT_HINT);
    for (v = a; v <= b; v++)
      ks[count++] = (size_t)v;
    return (int)count;
  }
  for (;;) {
    const char *comma = strchr(str, ',');
    size_t len = comma ? (size_t)(comma - str) : strlen(str);
    if (len == 0 || len >= sizeof buf)
      return gmoe_cmd_error(s, "k list has an empty or overlong entry (expected A..B or A,B,...; "
                            "%s)", SELECT_HINT);
    memcpy(buf, str, len);
    buf[len] = '\0';
    if (gmoe_cmd_parse_count(s, "k", buf, 1, GMOE_MAX_K, SELECT_HINT, &v))
      return -1;
    if (count > 0 && v <= ks[count - 1])
      return gmoe_cmd_error(s, "k list must increase, but %llu follows %zu (%s)", v,
                            ks[count - 1], SELECT_HINT);
    ks[count++] = (size_t)v;
    if (comma == NULL)
      break;
    str = comma + 1;
  }
  return (int)count;
}

/* Print a selection table (text or tsv) with its notes. */
static int
gmoe_select_print(gmoe_session *s, const struct gmoe_select *sel)
{
  char head[256];
  gmoe_table *t;
  size_t i;
  snprintf(head, sizeof head, "model selection over k: n = %zu, %zu restart%s each%s", sel->n,
           sel->restarts, sel->restarts == 1 ? "" : "s",
           sel->standardized ? ", inputs standardized" : "");
  t = gmoe_table_alloc(head);
  if (t == NULL)
    return gmoe_cmd_error(s, "out of memory");
  gmoe_table_column(t, "k");
  gmoe_table_column(t, "loglik");
  gmoe_table_column(t, "nparams");
  gmoe_table_column(t, "bic");
  gmoe_table_column(t, "aic");
  gmoe_table_column(t, "best");
  for (i = 0; i < sel->count; i++) {
    const struct gmoe_select_row *r = &sel->row[i];
    gmoe_table_row(t);
    gmoe_table_str(t, "%zu", r->k);
    gmoe_table_num(t, r->loglik);
    gmoe_table_str(t, "%zu", r->nparams);
    gmoe_table_num(t, r->bic);
    gmoe_table_num(t, r->aic);
    gmoe_table_str(t, "%s", i == sel->best ? "yes" : "no");
  }
  gmoe_table_print(t, s->out, s->format, 0);
  gmoe_table_free(t);
  if (s->format != GMOE_FORMAT_TEXT)
    return 0;
  fprintf(s->out, "best by BIC: k = %zu", sel->row[sel->best].k);
  if (sel->best_aic != sel->best)
    fprintf(s->out, " (AIC prefers k = %zu)", sel->row[sel->best_aic].k);
  fputc('\n', s->out);
  for (i = 0; i < sel->count; i++) {
    const struct gmoe_select_row *r = &sel->row[i];
    if (r->status == GMOE_ENOCONV)
      fprintf(s->out, "  note: the fit with k = %zu stopped at the iteration limit\n", r->k);
    if (r->floor_count > 0)
      fprintf(s->out, "  note: the variance floor binds for %zu expert%s with k = %zu\n",
              r->floor_count, r->floor_count == 1 ? "" : "s", r->k);
  }
  return 0;
}

/* Run `select k LIST [restarts R]`. */
static int
gmoe_cmd_select_exec(gmoe_session *s, int argc, char **argv)
{
  size_t ks[GMOE_MAX_K], count, i, restarts = s->opts.restarts;
  struct gmoe_select *sel;
  gmoe_fit_result best;
  gmoe_scale best_scale;
  int which, nk, status = GMOE_OK;
  if (gmoe_cmd_parse_word(s, "thing to select", argv[1], gmoe_select_words, SELECT_HINT, &which))
    return -1;
  if ((nk = gmoe_select_parse_ks(s, argv[2], ks)) < 0)
    return -1;
  count = (size_t)nk;
  if (argc == 4 && strcmp(argv[3], "restarts") == 0)
    return gmoe_cmd_error(s, "restarts needs a value (usage: select k A..B [restarts R])");
  if (argc == 4 || argc > 5 || (argc == 5 && strcmp(argv[3], "restarts") != 0))
    return gmoe_cmd_error(s, "expected 'restarts R' after the k list, got '%s' (usage: select k "
                          "A..B [restarts R])", argv[3]);
  if (argc == 5) {
    unsigned long long v;
    if (gmoe_cmd_parse_count(s, "restarts", argv[4], 1, 1000000, SELECT_HINT, &v))
      return -1;
    restarts = (size_t)v;
  }
  if (s->data == NULL)
    return gmoe_cmd_error(s, "no data: use 'simulate' or 'load FILE.csv' first");
  if (s->opts.init == GMOE_INIT_TRUTH && s->truth->d != s->data->d)
    return gmoe_cmd_error(s, "init truth needs a truth with d = %zu like the data, but the truth "
                          "has d = %zu (use 'set init kmeans')", s->data->d, s->truth->d);
  for (i = 0; i < count; i++) {
    size_t np = gmoe_model_nparams(ks[i], s->data->d, s->opts.temp == GMOE_TEMP_LEARN);
    if (s->data->n < np)
      return gmoe_cmd_error(s, "%zu observations are too few for the %zu parameters of k = %zu "
                            "experts with d = %zu (choose smaller k)", s->data->n, np, ks[i],
                            s->data->d);
  }
  sel = calloc(1, sizeof *sel + count * sizeof sel->row[0]);
  if (sel == NULL)
    return gmoe_cmd_error(s, "out of memory");
  sel->n = s->data->n;
  sel->restarts = restarts;
  sel->standardized = s->standardize;
  memset(&best, 0, sizeof best);
  for (i = 0; i < count && status == GMOE_OK; i++) {
    gmoe_fit_opts opts = s->opts;
    gmoe_fit_result res;
    gmoe_scale scale;
    struct gmoe_select_row *r = &sel->row[i];
    opts.k = ks[i];
    opts.restarts = restarts;
    if (gmoe_fit_opts_validate(&opts) != GMOE_OK) {
      gmoe_cmd_error(s, "%s", gmoe_error_message());
      status = GMOE_EINVAL;
      break;
    }
    if (s->fit_begin != NULL && s->fit_begin(s) != 0) {
      gmoe_cmd_error(s, "the live view could not start");
      status = GMOE_EINVAL;
      break;
    }
    status = gmoe_cmd_fit_run(s, &opts, &res, &scale);
    if (s->fit_end != NULL)
      s->fit_end(s);
    if (status != GMOE_OK) {
      gmoe_cmd_error(s, "k = %zu: %s", ks[i], gmoe_error_message());
      gmoe_fit_result_clear(&res);
      break;
    }
    if (res.status == GMOE_EINTR) {
      gmoe_fit_result_clear(&res);
      status = GMOE_EINTR;
      break;
    }
    r->k = ks[i];
    r->nparams = gmoe_model_nparams(ks[i], s->data->d, opts.temp == GMOE_TEMP_LEARN);
    r->loglik = res.loglik;
    r->bic = gmoe_loss_bic(res.loglik, r->nparams, s->data->n);
    r->aic = gmoe_loss_aic(res.loglik, r->nparams);
    r->status = res.status;
    r->floor_count = res.floor_count;
    sel->count = i + 1;
    if (i == 0 || r->aic < sel->row[sel->best_aic].aic)
      sel->best_aic = i;
    if (i == 0 || r->bic < sel->row[sel->best].bic) {
      sel->best = i;
      gmoe_fit_result_clear(&best);
      best = res;
      best_scale = scale;
    } else
      gmoe_fit_result_clear(&res);
  }
  if (sel->count == 0) {
    free(sel);
    if (status == GMOE_EINTR)
      return gmoe_cmd_error(s, "interrupted before the first k was fitted");
    return -1;
  }
  if (s->have_fit)
    gmoe_fit_result_clear(&s->fit);
  s->fit = best;
  s->have_fit = 1;
  s->fit_opts = s->opts;
  s->fit_opts.k = sel->row[sel->best].k;
  s->fit_opts.restarts = restarts;
  s->fit_n = s->data->n;
  s->fit_standardized = s->standardize;
  s->fit_scale = best_scale;
  free(s->select);
  s->select = sel;
  gmoe_select_print(s, sel);
  if (status == GMOE_EINTR)
    return gmoe_cmd_error(s, "interrupted after k = %zu (the finished ones are kept)",
                          sel->row[sel->count - 1].k);
  if (status != GMOE_OK)
    return -1;
  return 0;
}

const struct gmoe_cmd gmoe_cmd_select_entry = {
  "select", NULL, 2, 4,
  "select k A..B|A,B,... [restarts R]",
  "fit each number of experts k and compare them by BIC and AIC; the BIC-best fit is kept",
  "set init kmeans; select k 1..6 restarts 5",
  gmoe_select_words, 0, gmoe_cmd_select_exec
};

/* Print the last selection (`show select`). */
int
gmoe_cmd_show_select(gmoe_session *s)
{
  if (s->select == NULL)
    return gmoe_cmd_error(s, "no model selection yet: run 'select k 1..6' first");
  return gmoe_select_print(s, s->select);
}

/* Draw BIC and AIC against k (`plot select`). */
int
gmoe_cmd_plot_select(gmoe_session *s, int argc, char **argv)
{
  const struct gmoe_select *sel = s->select;
  double k[GMOE_MAX_K], bic[GMOE_MAX_K], aic[GMOE_MAX_K];
  gmoe_plot *p;
  char title[160];
  size_t i;
  int rc;
  if (argc > 2)
    return gmoe_cmd_error(s, "select takes no argument, got '%s' (try 'help plot')", argv[2]);
  if (sel == NULL)
    return gmoe_cmd_error(s, "no model selection yet: run 'select k 1..6' first");
  for (i = 0; i < sel->count; i++) {
    k[i] = (double)sel->row[i].k;
    bic[i] = sel->row[i].bic;
    aic[i] = sel->row[i].aic;
  }
  snprintf(title, sizeof title, "BIC and AIC against k (n = %zu): BIC is smallest at k = %zu",
           sel->n, sel->row[sel->best].k);
  p = gmoe_plot_alloc(title);
  if (p != NULL)
    gmoe_plot_set_xinteger(p, 1);
  if (p == NULL || gmoe_plot_set_xlabel(p, "k (experts)") != GMOE_OK
      || gmoe_plot_add_series(p, "BIC", GMOE_PLOT_LINE, k, 1, bic, 1, sel->count) < 0
      || gmoe_plot_add_series(p, "AIC", GMOE_PLOT_LINE, k, 1, aic, 1, sel->count) < 0
      || gmoe_plot_add_series(p, "best", GMOE_PLOT_POINTS, k + sel->best, 1, bic + sel->best, 1,
                              1) < 0) {
    gmoe_plot_free(p);
    return gmoe_cmd_error(s, "out of memory");
  }
  rc = gmoe_cmd_plot_print(s, p);
  gmoe_plot_free(p);
  return rc;
}
