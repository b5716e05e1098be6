/* test-cmd.c: the command language itself: the splitter, command lookup,
 * the consistency of the command and parameter tables, `help`, error
 * lines in the REPL (no file or line), and that every failing command of
 * the bad-input catalogue (tests/errors.txt) leaves the session as it was.
 * Exits 0 when every check passes, 1 otherwise, naming what failed. */
#include <config.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include "cmd.h"
#include "session.h"
#include "check.h"

/* Split line and compare with the expected words (NULL-terminated). */
static void
check_split(const char *line, const char *const *want)
{
  gmoe_session *s = gmoe_session_alloc();
  char **w = NULL;
  int n = gmoe_cmd_split(s, line, &w), i, ok = n >= 0;
  for (i = 0; ok && want[i] != NULL; i++)
    ok = i < n && strcmp(w[i], want[i]) == 0;
  ok = ok && i == n;
  if (!ok) {
    printf("FAIL: split [%s] gave %d words:", line, n);
    for (i = 0; i < n; i++)
      printf(" [%s]", w[i]);
    printf("\n");
    failures++;
  }
  gmoe_cmd_free_words(n, w);
  gmoe_session_free(s);
}

/* Test the splitter: quotes, escapes, separators and comments. */
static void
test_split(void)
{
  static const char *const w1[] = { "echo", "a b", "c d", "e", NULL };
  static const char *const w2[] = { "set", "k", "3", ";", "fit", NULL };
  static const char *const w3[] = { "echo", "x;y", "#not", "a\"b\\", NULL };
  static const char *const w4[] = { "echo", "", "x#y", NULL };
  static const char *const w5[] = { NULL };
  static const char *const w6[] = { "a", ";", ";", "b", NULL };
  static const char *const w7[] = { "tab\there", "new\nline", NULL };
  gmoe_session *s = gmoe_session_alloc();
  char **w = NULL;
  check_split("echo \"a b\" 'c d' e   # a comment", w1);
  check_split("set k 3;fit", w2);
  check_split("echo \"x;y\" '#not' \"a\\\"b\\\\\"", w3);
  check_split("echo '' x#y", w4);
  check_split("   # only a comment; set k 0", w5);
  check_split("a;\nb", w6);
  check_split("\"tab\\there\" \"new\\nline\"", w7);
  check(gmoe_cmd_split(s, "echo \"open", &w) == -1, "unterminated quote is an error");
  check(strcmp(s->errbuf, "unterminated double quote") == 0, "unterminated quote message");
  gmoe_session_free(s);
}

/* Test command lookup: exact names, aliases, prefixes and suggestions. */
static void
test_find(void)
{
  gmoe_session *s = gmoe_session_alloc();
  const struct gmoe_cmd *c;
  c = gmoe_cmd_find(s, "fit");
  check(c != NULL && strcmp(c->name, "fit") == 0, "find fit");
  c = gmoe_cmd_find(s, "exit");
  check(c != NULL && strcmp(c->name, "quit") == 0, "exit is an alias of quit");
  c = gmoe_cmd_find(s, "simul");
  check(c != NULL && strcmp(c->name, "simulate") == 0, "unique prefix simul");
  c = gmoe_cmd_find(s, "s");
  check(c == NULL && strncmp(s->errbuf, "ambiguous command 's', could be: save, select, set, show, ", 58) == 0,
        "ambiguous s");
  c = gmoe_cmd_find(s, "fti");
  check(c == NULL && strcmp(s->errbuf, "unknown command 'fti' (did you mean 'fit'?)") == 0,
        "suggestion for fti");
  c = gmoe_cmd_find(s, "");
  check(c == NULL, "the empty name is not a command");
  check(gmoe_param_find(s, "temp") == gmoe_param_find(s, "temperature"), "parameter prefix");
  gmoe_session_free(s);
}

/* Check that the command and parameter tables are complete and
 * consistent: names unique, usages start with the name, examples start
 * with a word that finds the same command, counts sensible. */
static void
test_tables(void)
{
  gmoe_session *s = gmoe_session_alloc();
  size_t i, j;
  char msg[256];
  for (i = 0; gmoe_cmd_table[i] != NULL; i++) {
    const struct gmoe_cmd *c = gmoe_cmd_table[i];
    char first[64];
    size_t l = strcspn(c->example ? c->example : "", " ;");
    snprintf(msg, sizeof msg, "command %s: entry incomplete", c->name ? c->name : "(null)");
    check(c->name && c->usage && c->summary && c->example && c->exec && *c->summary, msg);
    if (!c->name || !c->usage || !c->example)
      continue;
    snprintf(msg, sizeof msg, "command %s: usage does not start with the name", c->name);
    check(strncmp(c->usage, c->name, strlen(c->name)) == 0, msg);
    snprintf(msg, sizeof msg, "command %s: argument counts %d..%d", c->name, c->min_args,
             c->max_args);
    check(c->min_args >= 0 && (c->max_args == -1 || c->max_args >= c->min_args), msg);
    if (l >= sizeof first)
      l = sizeof first - 1;
    memcpy(first, c->example, l);
    first[l] = '\0';
    snprintf(msg, sizeof msg, "command %s: example '%s' is not a command", c->name, c->example);
    check(gmoe_cmd_find(s, first) != NULL, msg);
    for (j = 0; j < i; j++) {
      const struct gmoe_cmd *o = gmoe_cmd_table[j];
      snprintf(msg, sizeof msg, "commands %s and %s share a name", c->name, o->name);
      check(strcmp(c->name, o->name) != 0 && (!o->alias || strcmp(c->name, o->alias) != 0)
            && (!c->alias || (strcmp(c->alias, o->name) != 0
                              && (!o->alias || strcmp(c->alias, o->alias) != 0))), msg);
    }
  }
  check(i > 0, "the command table is empty");
  for (i = 0; gmoe_param_table[i].name != NULL; i++) {
    const struct gmoe_param *p = &gmoe_param_table[i];
    char head[64];
    snprintf(head, sizeof head, "set %s ", p->name);
    snprintf(msg, sizeof msg, "parameter %s: entry incomplete or usage not 'set %s ...'", p->name,
             p->name);
    check(p->usage && p->summary && (p->set && p->show) != (p->field != NULL) && strncmp(p->usage, head, strlen(head)) == 0
          && p->min_args >= 1 && p->max_args >= p->min_args, msg);
    for (j = 0; j < i; j++) {
      snprintf(msg, sizeof msg, "parameter %s appears twice", p->name);
      check(strcmp(p->name, gmoe_param_table[j].name) != 0, msg);
    }
  }
  gmoe_session_free(s);
}

/* Run line on s with its output captured into a string (caller frees). */
static char *
capture(gmoe_session *s, const char *line, int *rc)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  FILE *old = s->out;
  s->out = f;
  *rc = gmoe_cmd_run_line(s, line);
  fclose(f);
  s->out = old;
  return buf;
}

/* `help` lists every command with its summary; `help set` every parameter;
 * `help CMD` shows usage and example. */
static void
test_help(void)
{
  gmoe_session *s = gmoe_session_alloc();
  char *out, msg[256], line[512];
  size_t i;
  int rc;
  out = capture(s, "help", &rc);
  check(rc == 0, "help runs");
  for (i = 0; gmoe_cmd_table[i] != NULL; i++) {
    const struct gmoe_cmd *c = gmoe_cmd_table[i];
    snprintf(line, sizeof line, "\n  %s", c->name);
    snprintf(msg, sizeof msg, "help does not list %s with its summary", c->name);
    check(strstr(out, line) != NULL && strstr(out, c->summary) != NULL, msg);
  }
  free(out);
  out = capture(s, "help set", &rc);
  for (i = 0; gmoe_param_table[i].name != NULL; i++) {
    snprintf(line, sizeof line, "  %s", gmoe_param_table[i].usage);
    snprintf(msg, sizeof msg, "help set does not list %s", gmoe_param_table[i].name);
    check(rc == 0 && strstr(out, line) != NULL && strstr(out, gmoe_param_table[i].summary), msg);
  }
  free(out);
  for (i = 0; gmoe_cmd_table[i] != NULL; i++) {
    const struct gmoe_cmd *c = gmoe_cmd_table[i];
    snprintf(line, sizeof line, "help %s", c->name);
    out = capture(s, line, &rc);
    snprintf(msg, sizeof msg, "help %s lacks usage or example", c->name);
    check(rc == 0 && strncmp(out, "usage: ", 7) == 0 && strstr(out, c->usage)
          && strstr(out, c->example), msg);
    free(out);
  }
  gmoe_session_free(s);
}

/* A snapshot of what commands may change. */
struct snapshot {
  gmoe_fit_opts opts;
  size_t d, n, tk, td;
  unsigned long seed, replicate;
  gmoe_format format;
  int progress, have_fit, tact;
  void *data, *fitmodel;
  double truth[1 + GMOE_MAX_K * (2 * GMOE_MAX_D + 3)];
};

/* Take a snapshot of s. */
static void
snap(const gmoe_session *s, struct snapshot *p)
{
  memset(p, 0, sizeof *p);
  memcpy(&p->opts, &s->opts, sizeof p->opts);
  p->d = s->d;
  p->n = s->n;
  p->seed = s->seed;
  p->replicate = s->replicate;
  p->format = s->format;
  p->progress = s->progress;
  p->have_fit = s->have_fit;
  p->data = s->data;
  p->fitmodel = s->fit.model;
  p->tk = s->truth->k;
  p->td = s->truth->d;
  p->tact = (int)s->truth->act;
  gmoe_model_flatten(s->truth, p->truth);
}

/* Every single-command case of the catalogue fails in a fresh session and
 * leaves it exactly as it was; in the REPL (no source), the error line is
 * "gmoe: COMMAND: message" and the session goes on. */
static void
test_catalogue(const char *path)
{
  FILE *f = fopen(path, "r");
  char line[1024], msg[1200];
  int cases = 0, saved_err, null_fd;
  if (f == NULL) {
    printf("FAIL: cannot open %s\n", path);
    failures++;
    return;
  }
  /* The cases' own error lines are checked by errors.sh: silence them. */
  fflush(stderr);
  saved_err = dup(2);
  null_fd = open("/dev/null", O_WRONLY);
  dup2(null_fd, 2);
  close(null_fd);
  while (fgets(line, sizeof line, f)) {
    gmoe_session *s;
    struct snapshot a, b;
    char *out;
    int rc;
    line[strcspn(line, "\n")] = '\0';
    if (strncmp(line, "> ", 2) != 0 || strchr(line, ';') != NULL)
      continue;
    s = gmoe_session_alloc();
    s->bail = 0;
    snap(s, &a);
    out = capture(s, line + 2, &rc);
    snap(s, &b);
    snprintf(msg, sizeof msg, "[%s] did not fail (rc %d)", line + 2, rc);
    check(rc == -1, msg);
    snprintf(msg, sizeof msg, "[%s] changed the session", line + 2);
    check(memcmp(&a, &b, sizeof a) == 0, msg);
    free(out);
    gmoe_session_free(s);
    cases++;
  }
  fclose(f);
  fflush(stderr);
  dup2(saved_err, 2);
  close(saved_err);
  check(cases > 50, "fewer than 50 single-command cases in the catalogue");
}

/* Standard error diverted to a temporary file while a test runs. */
struct diverted {
  char path[32];
  int fd, saved;
};

/* Send standard error to a new temporary file. */
static void
divert_stderr(struct diverted *dv)
{
  strcpy(dv->path, "/tmp/gmoe-test-cmd.XXXXXX");
  dv->fd = mkstemp(dv->path);
  dv->saved = dup(2);
  fflush(stderr);
  dup2(dv->fd, 2);
}

/* Restore standard error and read what was written to it into buf. */
static void
restore_stderr(struct diverted *dv, char *buf, size_t len)
{
  FILE *f;
  fflush(stderr);
  dup2(dv->saved, 2);
  close(dv->saved);
  f = fdopen(dv->fd, "r");
  rewind(f);
  buf[fread(buf, 1, len - 1, f)] = '\0';
  fclose(f);
  unlink(dv->path);
}

/* Errors in the REPL have no file and line; the session goes on. */
static void
test_repl_errors(void)
{
  gmoe_session *s = gmoe_session_alloc();
  struct diverted dv;
  char buf[512];
  int rc;
  char *out;
  s->bail = 0;
  s->interactive = 1;
  divert_stderr(&dv);
  out = capture(s, "set k 3; set k 0", &rc);
  free(out);
  check(rc == -1 && s->opts.k == 3, "REPL: first command applied, second failed");
  out = capture(s, "fti", &rc);
  free(out);
  out = capture(s, "set k 4", &rc);
  free(out);
  check(rc == 0 && s->opts.k == 4, "REPL: the session goes on after errors");
  restore_stderr(&dv, buf, sizeof buf);
  check(strcmp(buf, "gmoe: set: k must be at least 1, got '0' (try 'help set')\n"
                    "gmoe: unknown command 'fti' (did you mean 'fit'?)\n") == 0,
        "REPL error lines");
  gmoe_session_free(s);
}

/* In the REPL, failing loads and fits after good ones keep the data and
 * the fit that were there, and print one error line each. */
static void
test_repl_keeps(void)
{
  static const char *const bad[] = {
    "load ragged.csv", "load nosuch.csv", "load empty.csv", "load text-cell.csv",
    "set k 40; fit", "fit now", "simulate now", NULL
  };
  gmoe_session *s = gmoe_session_alloc();
  struct diverted dv;
  char buf[2048], msg[256];
  int rc, i, lines = 0, ok;
  void *data, *model;
  size_t n;
  char *out;
  s->bail = 0;
  s->interactive = 1;
  divert_stderr(&dv);
  out = capture(s, "set n 60; simulate; fit", &rc);
  free(out);
  check(rc == 0 && s->data != NULL && s->have_fit, "REPL: simulate and fit");
  data = s->data;
  model = s->fit.model;
  n = s->data ? s->data->n : 0;
  for (i = 0; bad[i] != NULL; i++) {
    out = capture(s, bad[i], &rc);
    free(out);
    snprintf(msg, sizeof msg, "REPL: [%s] did not fail, or changed the data or fit", bad[i]);
    check(rc == -1 && s->data == data && s->data->n == n && s->have_fit && s->fit.model == model,
          msg);
  }
  out = capture(s, "set k 2; fit", &rc);
  free(out);
  check(rc == 0 && s->have_fit && s->fit_n == n, "REPL: a fit after the errors works");
  restore_stderr(&dv, buf, sizeof buf);
  for (i = 0; buf[i]; i++)
    lines += buf[i] == '\n';
  ok = lines == 7 && strstr(buf, "gmoe: load: ragged.csv:3: expected 2 fields, found 1\n")
       && strstr(buf, "gmoe: fit: 60 observations are too few for the 198 parameters")
       && strstr(buf, "gmoe: fit: expected no arguments, got 1 (usage: fit)\n");
  check(ok, "REPL: one error line per failing command");
  if (!ok)
    fputs(buf, stdout);
  gmoe_session_free(s);
}

/* Run every test. */
int
main(void)
{
  const char *top = getenv("top_srcdir");
  char rel[4096], path[8200], data[4096], cwd[4096];
  snprintf(rel, sizeof rel, "%s/tests/errors.txt", top ? top : ".");
  snprintf(data, sizeof data, "%s/tests/scripts/data", top ? top : ".");
  if (rel[0] != '/' && getcwd(cwd, sizeof cwd) != NULL)
    snprintf(path, sizeof path, "%s/%s", cwd, rel);
  else
    snprintf(path, sizeof path, "%s", rel);
  test_split();
  test_find();
  test_tables();
  test_help();
  /* The catalogue's cases name the files of tests/scripts/data; they all
   * fail, so nothing is written there. */
  if (chdir(data) != 0) {
    printf("FAIL: cannot enter %s\n", data);
    failures++;
  }
  test_catalogue(path);
  test_repl_errors();
  test_repl_keeps();
  return check_report("test-cmd");
}
