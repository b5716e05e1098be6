/* cmd-show.c: `show settings|truth|params|fit|data`. */
#include <config.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "cmd-predict.h"
#include "cmd-select.h"
#include "cmd-sweep.h"
#include "session.h"
#include "table.h"

static const char *const gmoe_show_words[] = {
  "settings", "truth", "params", "fit", "data", "sweep", "rate", "assign", "select", NULL
};

/* Print the settings, one per row, in the syntax `set` takes. */
static int
gmoe_show_settings(gmoe_session *s)
{
  gmoe_table *t = gmoe_table_alloc("settings");
  size_t i;
  char *val = NULL;
  size_t len = 0;
  if (t == NULL)
    return gmoe_cmd_error(s, "out of memory");
  gmoe_table_column(t, "setting");
  gmoe_table_column(t, "value");
  for (i = 0; gmoe_param_table[i].name != NULL; i++) {
    FILE *mem = open_memstream(&val, &len);
    if (mem == NULL)
      break;
    gmoe_param_show(s, &gmoe_param_table[i], mem);
    fclose(mem);
    gmoe_table_row(t);
    gmoe_table_str(t, "%s", gmoe_param_table[i].name);
    gmoe_table_str(t, "%s", val);
    free(val);
    val = NULL;
  }
  gmoe_table_row(t);
  gmoe_table_str(t, "format");
  gmoe_table_str(t, "%s", s->format == GMOE_FORMAT_TSV ? "tsv" : "text");
  gmoe_table_print(t, s->out, s->format, 2);
  gmoe_table_free(t);
  return 0;
}

/* Print a model as a per-expert table. */
int
gmoe_cmd_show_model(gmoe_session *s, const gmoe_model *m, const char *title)
{
  char head[256];
  gmoe_table *t;
  size_t i, j, d = m->d;
  int tsv = s->format == GMOE_FORMAT_TSV;
  snprintf(head, sizeof head, "%s: k = %zu, d = %zu, %s gate, temperature %g", title, m->k, d,
           gmoe_activation_name(m->act), m->tau);
  t = gmoe_table_alloc(head);
  if (t == NULL)
    return gmoe_cmd_error(s, "out of memory");
  gmoe_table_column(t, "expert");
  gmoe_table_column(t, "beta0");
  for (j = 0; j < d; j++)
    if (tsv || d > 1)
      gmoe_table_column(t, "beta1_%zu", j + 1);
    else
      gmoe_table_column(t, "beta1");
  if (tsv)
    gmoe_table_column(t, "tau");
  for (j = 0; j < d; j++)
    if (tsv || d > 1)
      gmoe_table_column(t, "a_%zu", j + 1);
    else
      gmoe_table_column(t, "a");
  gmoe_table_column(t, "b");
  gmoe_table_column(t, "nu");
  for (i = 0; i < m->k; i++) {
    gmoe_table_row(t);
    gmoe_table_str(t, "%zu", i + 1);
    gmoe_table_num(t, m->beta0[i]);
    for (j = 0; j < d; j++)
      gmoe_table_num(t, m->beta1[i * d + j]);
    if (tsv)
      gmoe_table_num(t, m->tau);
    for (j = 0; j < d; j++)
      gmoe_table_num(t, m->a[i * d + j]);
    gmoe_table_num(t, m->b[i]);
    gmoe_table_num(t, m->nu[i]);
  }
  gmoe_table_print(t, s->out, s->format, 0);
  gmoe_table_free(t);
  return 0;
}

/* Print a summary of the data: per column min, mean, max and standard
 * deviation. */
static int
gmoe_show_data(gmoe_session *s)
{
  const gmoe_data *data = s->data;
  char head[128];
  gmoe_table *t;
  size_t j, r;
  if (data == NULL)
    return gmoe_cmd_error(s, "no data: use 'simulate' or 'load FILE.csv' first");
  snprintf(head, sizeof head, "data: n = %zu, d = %zu", data->n, data->d);
  t = gmoe_table_alloc(head);
  if (t == NULL)
    return gmoe_cmd_error(s, "out of memory");
  gmoe_table_column(t, "column");
  gmoe_table_column(t, "min");
  gmoe_table_column(t, "mean");
  gmoe_table_column(t, "max");
  gmoe_table_column(t, "sd");
  for (j = 0; j <= data->d; j++) {
    const double *v = j < data->d ? data->x + j * data->n : data->y;
    double mn = INFINITY, mx = -INFINITY, mean = 0.0, ss = 0.0, scale;
    for (r = 0; r < data->n; r++) {
      if (v[r] < mn)
        mn = v[r];
      if (v[r] > mx)
        mx = v[r];
    }
    /* Values are divided by the largest magnitude, so that sums of
     * squares cannot overflow for values near the largest double. */
    scale = fmax(fabs(mn), fabs(mx));
    if (!(scale > 0.0))
      scale = 1.0;
    for (r = 0; r < data->n; r++) {
      double u = v[r] / scale, delta = u - mean;
      mean += delta / (double)(r + 1);
      ss += delta * (u - mean);
    }
    mean *= scale;
    gmoe_table_row(t);
    if (data->names != NULL)
      gmoe_table_str(t, "%s", data->names[j]);
    else if (j < data->d)
      gmoe_table_str(t, "x%zu", j + 1);
    else
      gmoe_table_str(t, "y");
    gmoe_table_num(t, mn);
    gmoe_table_num(t, mean);
    gmoe_table_num(t, mx);
    gmoe_table_num(t, data->n > 1 ? sqrt(ss / (double)(data->n - 1)) * scale : 0.0);
  }
  gmoe_table_print(t, s->out, s->format, 1);
  gmoe_table_free(t);
  return 0;
}

/* Run `show WHAT`. */
static int
gmoe_cmd_show_exec(gmoe_session *s, int argc, char **argv)
{
  int which;
  if (gmoe_cmd_parse_word(s, "item", argv[1], gmoe_show_words, "try 'help show'", &which))
    return -1;
  if (argc > 2 && (which != 2 || strcmp(argv[2], "se") != 0))
    return gmoe_cmd_error(s, "unexpected '%s' after '%s' (only 'show params se' takes a second "
                          "word; try 'help show')", argv[2], argv[1]);
  switch (which) {
  case 0:
    return gmoe_show_settings(s);
  case 1:
    return gmoe_cmd_show_model(s, s->truth, "truth");
  case 2:
    if (!s->have_fit)
      return gmoe_cmd_error(s, "no fitted parameters: run 'fit' first");
    if (argc > 2)
      return gmoe_cmd_show_se(s);
    return gmoe_cmd_show_model(s, s->fit.model, "fitted parameters");
  case 3:
    if (!s->have_fit)
      return gmoe_cmd_error(s, "no fit yet: run 'fit' first");
    return gmoe_cmd_show_fit(s);
  case 4:
    return gmoe_show_data(s);
  case 5:
    return gmoe_cmd_show_sweep(s);
  case 6:
    return gmoe_cmd_show_rate(s);
  case 7:
    return gmoe_cmd_show_assign(s);
  default:
    return gmoe_cmd_show_select(s);
  }
}

const struct gmoe_cmd gmoe_cmd_show_entry = {
  "show", NULL, 1, 2,
  "show settings|truth|params [se]|fit|data|sweep|rate|assign|select",
  "print the settings, the truth, the fitted parameters (with standard errors), the last fit, a data summary, the sweep or its rates, the responsibilities, or the model selection",
  "show params",
  gmoe_show_words, 0, gmoe_cmd_show_exec
};
