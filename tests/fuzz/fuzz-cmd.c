/* fuzz-cmd.c: libFuzzer harness of the command language.
 *
 * Each input is a script: its lines are split into words, each command is
 * looked up, and the commands that are safe to run are run in a fresh
 * session, as in the REPL (errors do not stop the rest).  Safe means: no
 * file is read or written (save, load, source, sweep, compare, select and
 * predict from a file are skipped), and the work stays small (sessions
 * start with n = 100 instead of 1000, simulate runs only up to 4000
 * numbers, fit only when n k (d+1)^2 (maxiter+1) restarts stays under
 * 2e6), so that a fuzzing run spends its time on the parser, the checks
 * and the engine rather than on long fits.  Every skipped command is still
 * split and looked up.
 *
 * Built with clang -fsanitize=fuzzer by tests/fuzz/run.sh; built with the
 * normal compiler and tests/fuzz/replay.c, it replays the corpus and the
 * crash reproducers in make check. */
#include <config.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "error.h"
#include "session.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Results of the commands go here. */
static FILE *fuzz_null;

/* Commands that read or write files, or whose work has no small bound. */
static const char *const fuzz_skipped[] = {
  "save", "load", "source", "sweep", "compare", "select", NULL
};

/* Open the sink of results once. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
  (void)argc;
  (void)argv;
  gmoe_error_init();
  fuzz_null = fopen("/dev/null", "w");
  return 0;
}

/* Append word w to buf (of size cap, with len used) quoted so that the
 * splitter gives w back; returns the new length. */
static size_t
fuzz_quote(char *buf, size_t cap, size_t len, const char *w)
{
  int dq = strchr(w, '\'') != NULL;
  if (len + 3 >= cap)
    return len;
  buf[len++] = ' ';
  buf[len++] = dq ? '"' : '\'';
  for (; *w && len + 3 < cap; w++) {
    if (dq && (*w == '"' || *w == '\\'))
      buf[len++] = '\\';
    buf[len++] = *w;
  }
  buf[len++] = dq ? '"' : '\'';
  buf[len] = '\0';
  return len;
}

/* Whether command words w[0..n) may run in session s now. */
static int
fuzz_safe(gmoe_session *s, char **w, int n)
{
  const struct gmoe_cmd *c = gmoe_cmd_find(s, w[0]);
  size_t i;
  s->errbuf[0] = '\0';
  if (c == NULL)
    return 1; /* runs into the unknown-command error */
  for (i = 0; fuzz_skipped[i] != NULL; i++)
    if (strcmp(c->name, fuzz_skipped[i]) == 0)
      return 0;
  if (strcmp(c->name, "predict") == 0)
    return n < 2 || strchr("0123456789.", w[1][0]) != NULL
           || (w[1][0] == '-' && strchr("0123456789.", w[1][1]) != NULL);
  if (strcmp(c->name, "simulate") == 0)
    return (double)s->n * (double)(s->d + 1) <= 4e3;
  if (strcmp(c->name, "fit") == 0) {
    double nd, k = (double)s->opts.k;
    if (s->data == NULL)
      return 1;
    nd = (double)(s->data->d + 1);
    return (double)s->data->n * k * nd * nd * ((double)s->opts.maxiter + 1.0)
             * (double)s->opts.restarts <= 2e6;
  }
  return 1;
}

/* Run the input as a script in a fresh session. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  gmoe_session *s = gmoe_session_alloc();
  char *text = malloc(size + 1), *line, *next, *cmd;
  size_t cap = 4 * size + 64;
  if (s == NULL || text == NULL || (cmd = malloc(cap)) == NULL) {
    gmoe_session_free(s);
    free(text);
    return 0;
  }
  memcpy(text, data, size);
  text[size] = '\0';
  s->out = fuzz_null;
  s->bail = 0;
  s->quiet = 1;
  s->progress = 0;
  s->n = 100;
  for (line = text; line != NULL; line = next) {
    char **w = NULL;
    int n, i, start, stop = 0;
    next = strchr(line, '\n');
    if (next != NULL)
      *next++ = '\0';
    s->line++;
    n = gmoe_cmd_split(s, line, &w);
    if (n < 0) {
      s->errbuf[0] = '\0';
      continue;
    }
    for (start = 0, i = 0; i <= n && !stop; i++) {
      size_t len = 0;
      int j;
      if (i < n && strcmp(w[i], ";") != 0)
        continue;
      if (i > start && fuzz_safe(s, w + start, i - start)) {
        cmd[0] = '\0';
        for (j = start; j < i; j++)
          len = fuzz_quote(cmd, cap, len, w[j]);
        stop = gmoe_cmd_run_line(s, cmd) > 0;
      }
      start = i + 1;
    }
    gmoe_cmd_free_words(n, w);
    if (stop)
      break;
  }
  free(cmd);
  free(text);
  gmoe_session_free(s);
  return 0;
}
