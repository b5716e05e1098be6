/* cmd-data.c: simulate, load and save: getting data into the session and
 * writing data, models and traces out. */
#include <config.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "cmd-predict.h"
#include "cmd-sweep.h"
#include "csv.h"
#include "error.h"
#include "session.h"
#include "sim.h"

/* Replace the session's data by data (taken over). */
static void
gmoe_data_swap(gmoe_session *s, gmoe_data *data)
{
  gmoe_data_free(s->data);
  s->data = data;
}

/* Run `simulate`: draw n observations from the truth with the stream of
 * (seed, n, replicate), so that the same settings give the same data. */
static int
gmoe_cmd_simulate_exec(gmoe_session *s, int argc, char **argv)
{
  size_t d = s->truth->d;
  gmoe_data *data;
  if (gmoe_cmd_check_memory(s, s->n, d))
    return -1;
  data = gmoe_data_alloc(s->n, d);
  if (data == NULL)
    return gmoe_cmd_error(s, "%s", gmoe_error_message());
  if (gmoe_sim_draw(s->truth, s->seed, s->replicate, data) != GMOE_OK
      || gmoe_data_default_names(data) != GMOE_OK) {
    gmoe_data_free(data);
    return gmoe_cmd_error(s, "%s", gmoe_error_message());
  }
  gmoe_data_swap(s, data);
  if (s->format == GMOE_FORMAT_TEXT && !s->quiet)
    fprintf(s->out, "simulated %zu observations with d = %zu (seed %lu, replicate %lu)\n", s->n, d,
            s->seed, s->replicate);
  return 0;
}

const struct gmoe_cmd gmoe_cmd_simulate_entry = {
  "simulate", NULL, 0, 0,
  "simulate",
  "draw n observations from the truth (x uniform on [0,1]^d; same seed, same data)",
  "set n 5000; simulate",
  NULL, 0, gmoe_cmd_simulate_exec
};

/* Load a CSV file with optional y=COLUMN and x=COLUMN,... choices; d is
 * set from the file and a truth of another d is reset to the default. */
static int
gmoe_load_csv(gmoe_session *s, int argc, char **argv)
{
  const char *path = argv[0], *ycol = NULL, *xcols = NULL;
  gmoe_data *data;
  int i;
  for (i = 1; i < argc; i++) {
    if (strncmp(argv[i], "y=", 2) == 0 && argv[i][2] != '\0')
      ycol = argv[i] + 2;
    else if (strncmp(argv[i], "x=", 2) == 0 && argv[i][2] != '\0')
      xcols = argv[i] + 2;
    else
      return gmoe_cmd_error(s, "unknown option '%s' (expected y=COLUMN or x=COLUMN,COLUMN,...; "
                            "try 'help load')", argv[i]);
  }
  data = gmoe_csv_read(path, ycol, xcols);
  if (data == NULL)
    return gmoe_cmd_error(s, "%s", gmoe_error_message());
  if (data->d > GMOE_MAX_D) {
    size_t d = data->d;
    gmoe_data_free(data);
    return gmoe_cmd_error(s, "%s: %zu input columns, more than the %d gmoe handles (choose some "
                          "with x=COLUMN,...)", path, d, GMOE_MAX_D);
  }
  if (data->names == NULL && gmoe_data_default_names(data) != GMOE_OK) {
    gmoe_data_free(data);
    return gmoe_cmd_error(s, "%s", gmoe_error_message());
  }
  if (s->truth->d != data->d) {
    gmoe_model *m = gmoe_model_alloc(s->truth->k, data->d);
    if (m == NULL) {
      gmoe_data_free(data);
      return gmoe_cmd_error(s, "out of memory");
    }
    gmoe_model_free(s->truth);
    s->truth = m;
  }
  s->d = data->d;
  gmoe_data_swap(s, data);
  if (s->format == GMOE_FORMAT_TEXT && !s->quiet) {
    size_t j;
    fprintf(s->out, "loaded %zu observations with d = %zu from '%s' (y = %s; x =", s->data->n,
            s->data->d, path, s->data->names[s->data->d]);
    for (j = 0; j < s->data->d; j++)
      fprintf(s->out, "%s %s", j ? "," : "", s->data->names[j]);
    fprintf(s->out, ")\n");
  }
  return 0;
}

static const char *const gmoe_load_words[] = { "model", "data", NULL };

/* Run `load FILE.csv [y=COL] [x=COLS]`, `load data FILE.csv ...` or
 * `load model FILE`. */
static int
gmoe_cmd_load_exec(gmoe_session *s, int argc, char **argv)
{
  if (strcmp(argv[1], "model") == 0) {
    s->cmd = "load model";
    if (argc != 3)
      return gmoe_cmd_error(s, "expected 1 file name, got %d (usage: load model FILE)",
                            argc - 2);
    return gmoe_cmd_load_model(s, argv[2]);
  }
  if (strcmp(argv[1], "data") == 0) {
    s->cmd = "load data";
    if (argc < 3)
      return gmoe_cmd_error(s, "expected a file name (usage: load [data] FILE.csv [y=COLUMN] "
                            "[x=COLUMN,...])");
    return gmoe_load_csv(s, argc - 2, argv + 2);
  }
  return gmoe_load_csv(s, argc - 1, argv + 1);
}

const struct gmoe_cmd gmoe_cmd_load_entry = {
  "load", NULL, 1, 4,
  "load FILE.csv [y=COLUMN] [x=COLUMN,...] | load model FILE",
  "read data from CSV (header row; y is the last column unless chosen) or a saved model",
  "load measurements.csv y=response x=dose,age",
  gmoe_load_words, 1, gmoe_cmd_load_exec
};

static const char *const gmoe_save_words[] = {
  "data", "model", "trace", "sweep", "predictions", "assign", NULL
};

/* Run `save data|model|trace FILE`. */
static int
gmoe_cmd_save_exec(gmoe_session *s, int argc, char **argv)
{
  int which;
  if (gmoe_cmd_parse_word(s, "thing to save", argv[1], gmoe_save_words, "try 'help save'", &which))
    return -1;
  s->cmd = which == 0 ? "save data" : which == 1 ? "save model" : which == 2 ? "save trace"
           : which == 3 ? "save sweep" : which == 4 ? "save predictions" : "save assign";
  if (which == 1)
    return gmoe_cmd_save_model(s, argv[2]);
  if (which == 2)
    return gmoe_cmd_save_trace(s, argv[2]);
  if (which == 3)
    return gmoe_cmd_save_sweep(s, argv[2]);
  if (which == 4)
    return gmoe_cmd_save_predictions(s, argv[2]);
  if (which == 5)
    return gmoe_cmd_save_assign(s, argv[2]);
  if (s->data == NULL)
    return gmoe_cmd_error(s, "no data: use 'simulate' or 'load FILE.csv' first");
  if (gmoe_csv_write(argv[2], s->data) != GMOE_OK)
    return gmoe_cmd_error(s, "%s", gmoe_error_message());
  return 0;
}

const struct gmoe_cmd gmoe_cmd_save_entry = {
  "save", NULL, 2, 2,
  "save data|model|trace|sweep|predictions|assign FILE",
  "write the data (CSV), the settings, truth and fit (model file), the EM trace (CSV), every sweep replicate (CSV), the predictions or the responsibilities at every observation (CSV)",
  "save model run1.gmoe-model",
  gmoe_save_words, 1, gmoe_cmd_save_exec
};
