/* cmd.c: the command table, the line splitter and the command runner.
 *
 * Every command lives in a cmd-*.c file that exports one struct gmoe_cmd;
 * the table below lists them all.  To add a command, define its entry in
 * its own file and add one extern line and one table line here (keep the
 * table in alphabetical order: `help` prints it as it is).
 */
#include <config.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cmd.h"
#include "csv.h"
#include "data.h"
#include "session.h"

extern const struct gmoe_cmd gmoe_cmd_check_entry;
extern const struct gmoe_cmd gmoe_cmd_compare_entry;
extern const struct gmoe_cmd gmoe_cmd_echo_entry;
extern const struct gmoe_cmd gmoe_cmd_fit_entry;
extern const struct gmoe_cmd gmoe_cmd_format_entry;
extern const struct gmoe_cmd gmoe_cmd_help_entry;
extern const struct gmoe_cmd gmoe_cmd_load_entry;
extern const struct gmoe_cmd gmoe_cmd_loglik_entry;
extern const struct gmoe_cmd gmoe_cmd_plot_entry;
extern const struct gmoe_cmd gmoe_cmd_predict_entry;
extern const struct gmoe_cmd gmoe_cmd_quit_entry;
extern const struct gmoe_cmd gmoe_cmd_save_entry;
extern const struct gmoe_cmd gmoe_cmd_select_entry;
extern const struct gmoe_cmd gmoe_cmd_set_entry;
extern const struct gmoe_cmd gmoe_cmd_show_entry;
extern const struct gmoe_cmd gmoe_cmd_simulate_entry;
extern const struct gmoe_cmd gmoe_cmd_source_entry;
extern const struct gmoe_cmd gmoe_cmd_sweep_entry;
extern const struct gmoe_cmd gmoe_cmd_truth_entry;

const struct gmoe_cmd *const gmoe_cmd_table[] = {
  &gmoe_cmd_check_entry,
  &gmoe_cmd_compare_entry,
  &gmoe_cmd_echo_entry,
  &gmoe_cmd_fit_entry,
  &gmoe_cmd_format_entry,
  &gmoe_cmd_help_entry,
  &gmoe_cmd_load_entry,
  &gmoe_cmd_loglik_entry,
  &gmoe_cmd_plot_entry,
  &gmoe_cmd_predict_entry,
  &gmoe_cmd_quit_entry,
  &gmoe_cmd_save_entry,
  &gmoe_cmd_select_entry,
  &gmoe_cmd_set_entry,
  &gmoe_cmd_show_entry,
  &gmoe_cmd_simulate_entry,
  &gmoe_cmd_source_entry,
  &gmoe_cmd_sweep_entry,
  &gmoe_cmd_truth_entry,
  NULL
};

/* Record a printf-style error for the command being run; returns -1. */
int
gmoe_cmd_error(struct gmoe_session *s, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(s->errbuf, sizeof s->errbuf, fmt, ap);
  va_end(ap);
  return -1;
}

/* Print the recorded error as "gmoe: SRC:LINE: COMMAND: message" to
 * stderr (leaving out the parts that are not known) and clear it. */
void
gmoe_cmd_print_error(struct gmoe_session *s)
{
  if (s->errbuf[0] == '\0')
    return;
  if (s->out)
    fflush(s->out);
  fputs("gmoe: ", stderr);
  if (s->src != NULL)
    fprintf(stderr, "%s:%ld: ", s->src, s->line);
  if (s->cmd != NULL)
    fprintf(stderr, "%s: ", s->cmd);
  fprintf(stderr, "%s\n", s->errbuf);
  fflush(stderr);
  s->errbuf[0] = '\0';
}

/* Edit distance between a and b counting a swap of neighbours as one edit
 * (optimal string alignment); strings longer than 63 bytes count as far. */
static size_t
gmoe_cmd_distance(const char *a, const char *b)
{
  size_t la = strlen(a), lb = strlen(b), i, j;
  size_t dist[64][64];
  if (la >= 64 || lb >= 64)
    return (size_t)-1;
  for (i = 0; i <= la; i++)
    dist[i][0] = i;
  for (j = 0; j <= lb; j++)
    dist[0][j] = j;
  for (i = 1; i <= la; i++)
    for (j = 1; j <= lb; j++) {
      size_t cost = a[i - 1] != b[j - 1], v = dist[i - 1][j - 1] + cost;
      if (dist[i - 1][j] + 1 < v)
        v = dist[i - 1][j] + 1;
      if (dist[i][j - 1] + 1 < v)
        v = dist[i][j - 1] + 1;
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]
          && dist[i - 2][j - 2] + 1 < v)
        v = dist[i - 2][j - 2] + 1;
      dist[i][j] = v;
    }
  return dist[la][lb];
}

/* Compare two strings through pointers, for qsort. */
static int
gmoe_cmd_strcmp(const void *a, const void *b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Find a name among names[0..count) (exact, then unique prefix) and return
 * its index, or record "unknown KIND 'x' (did you mean 'y'?)" or "ambiguous
 * KIND 'x', could be: ..." in s and return -1.  owner[i] maps names to
 * the object they stand for, so that an alias and its name are one match. */
static int
gmoe_cmd_lookup(struct gmoe_session *s, const char *kind, const char *name,
                const char *const *names, const int *owner, size_t count, const char *hint)
{
  size_t i, best = 0, bestd = (size_t)-1, len = strlen(name), nf = 0, off;
  int match = -1;
  const char *found[GMOE_CMD_MAX_NAMES];
  for (i = 0; i < count; i++)
    if (strcmp(names[i], name) == 0)
      return owner[i];
  for (i = 0; i < count; i++)
    if (len > 0 && strncmp(names[i], name, len) == 0) {
      if (match == -1)
        match = owner[i];
      else if (match != owner[i])
        match = -2;
      found[nf++] = names[i];
    }
  if (match >= 0)
    return match;
  if (match == -2) {
    /* List the matching names alphabetically. */
    qsort(found, nf, sizeof *found, gmoe_cmd_strcmp);
    off = (size_t)snprintf(s->errbuf, sizeof s->errbuf, "ambiguous %s '%s', could be: ", kind, name);
    for (i = 0; i < nf && off < sizeof s->errbuf; i++)
      off += (size_t)snprintf(s->errbuf + off, sizeof s->errbuf - off, "%s%s", i ? ", " : "",
                              found[i]);
    return -1;
  }
  for (i = 0; i < count; i++) {
    size_t dd = gmoe_cmd_distance(name, names[i]);
    if (dd < bestd) {
      bestd = dd;
      best = i;
    }
  }
  if (count > 0 && bestd <= 2 && bestd < len)
    gmoe_cmd_error(s, "unknown %s '%s' (did you mean '%s'?)", kind, name, names[best]);
  else
    gmoe_cmd_error(s, "unknown %s '%s' (%s)", kind, name, hint);
  return -1;
}

/* Find a command by exact name, alias or unique prefix. */
const struct gmoe_cmd *
gmoe_cmd_find(struct gmoe_session *s, const char *name)
{
  const char *names[GMOE_CMD_MAX_NAMES];
  int owner[GMOE_CMD_MAX_NAMES];
  size_t count = 0, i;
  int idx;
  for (i = 0; gmoe_cmd_table[i] != NULL && count + 2 <= GMOE_CMD_MAX_NAMES; i++) {
    names[count] = gmoe_cmd_table[i]->name;
    owner[count++] = (int)i;
    if (gmoe_cmd_table[i]->alias != NULL) {
      names[count] = gmoe_cmd_table[i]->alias;
      owner[count++] = (int)i;
    }
  }
  idx = gmoe_cmd_lookup(s, "command", name, names, owner, count, "try 'help'");
  return idx < 0 ? NULL : gmoe_cmd_table[idx];
}

/* Find a `set` parameter by exact name or unique prefix. */
const struct gmoe_param *
gmoe_param_find(struct gmoe_session *s, const char *name)
{
  const char *names[GMOE_CMD_MAX_NAMES];
  int owner[GMOE_CMD_MAX_NAMES];
  size_t count = 0;
  int idx;
  for (count = 0; gmoe_param_table[count].name != NULL && count < GMOE_CMD_MAX_NAMES; count++) {
    names[count] = gmoe_param_table[count].name;
    owner[count] = (int)count;
  }
  idx = gmoe_cmd_lookup(s, "parameter", name, names, owner, count, "try 'help set'");
  return idx < 0 ? NULL : &gmoe_param_table[idx];
}

/* A growing list of words and, for each, whether it is an unquoted
 * command separator (';' or a line break). */
struct gmoe_cmd_words {
  char **w;
  int *sep;
  int n, cap;
};

/* Append word w (taken over) to list l; returns 0 or -1. */
static int
gmoe_cmd_words_push(struct gmoe_cmd_words *l, char *w, int sep)
{
  if (w == NULL)
    return -1;
  if (l->n + 1 >= l->cap) {
    int ncap = l->cap ? 2 * l->cap : 16;
    char **nw = realloc(l->w, (size_t)ncap * sizeof *nw);
    int *ns;
    if (nw == NULL) {
      free(w);
      return -1;
    }
    l->w = nw;
    ns = realloc(l->sep, (size_t)ncap * sizeof *ns);
    if (ns == NULL) {
      free(w);
      return -1;
    }
    l->sep = ns;
    l->cap = ncap;
  }
  l->w[l->n] = w;
  l->sep[l->n] = sep;
  l->n++;
  l->w[l->n] = NULL;
  return 0;
}

/* Split line into words and separators: whitespace separates words,
 * double quotes group (with \" \\ \n \t escapes), single quotes group
 * literally, an unquoted ';' or line break separates commands and an
 * unquoted '#' at the start of a word starts a comment.  Returns the
 * number of entries or -1 with a message in s. */
static int
gmoe_cmd_lex(struct gmoe_session *s, const char *line, struct gmoe_cmd_words *l)
{
  const char *p = line;
  size_t len = strlen(line);
  char *buf = malloc(len + 1);
  size_t bl = 0;
  int inword = 0;
  if (buf == NULL)
    return gmoe_cmd_error(s, "out of memory");
  memset(l, 0, sizeof *l);
  for (;;) {
    char c = *p;
    if (c == '\0' || c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ';') {
      if (inword) {
        buf[bl] = '\0';
        if (gmoe_cmd_words_push(l, strdup(buf), 0))
          goto nomem;
        inword = 0;
        bl = 0;
      }
      if (c == '\0')
        break;
      if ((c == ';' || c == '\n') && gmoe_cmd_words_push(l, strdup(";"), 1))
        goto nomem;
      p++;
      continue;
    }
    if (c == '#' && !inword)
      break;
    inword = 1;
    if (c == '"' || c == '\'') {
      char q = c;
      p++;
      while (*p != q) {
        if (*p == '\0') {
          free(buf);
          gmoe_cmd_free_words(l->n, l->w);
          free(l->sep);
          memset(l, 0, sizeof *l);
          return gmoe_cmd_error(s, "unterminated %s quote", q == '"' ? "double" : "single");
        }
        if (q == '"' && *p == '\\' && p[1] != '\0') {
          p++;
          buf[bl++] = *p == 'n' ? '\n' : *p == 't' ? '\t' : *p;
          p++;
          continue;
        }
        buf[bl++] = *p++;
      }
      p++;
      continue;
    }
    buf[bl++] = c;
    p++;
  }
  free(buf);
  return l->n;
nomem:
  free(buf);
  gmoe_cmd_free_words(l->n, l->w);
  free(l->sep);
  memset(l, 0, sizeof *l);
  return gmoe_cmd_error(s, "out of memory");
}

/* Split a line into words (a separator ';' appears as its own word). */
int
gmoe_cmd_split(struct gmoe_session *s, const char *line, char ***words)
{
  struct gmoe_cmd_words l;
  int n = gmoe_cmd_lex(s, line, &l);
  *words = NULL;
  if (n < 0)
    return -1;
  free(l.sep);
  if (l.w == NULL) {
    l.w = calloc(1, sizeof(char *));
    if (l.w == NULL)
      return gmoe_cmd_error(s, "out of memory");
  }
  *words = l.w;
  return n;
}

/* Free words made by gmoe_cmd_split. */
void
gmoe_cmd_free_words(int argc, char **argv)
{
  int i;
  if (argv == NULL)
    return;
  for (i = 0; i < argc; i++)
    free(argv[i]);
  free(argv);
}

/* Check the argument count of command c, recording the standard message. */
static int
gmoe_cmd_check_count(struct gmoe_session *s, const struct gmoe_cmd *c, int nargs)
{
  if (nargs >= c->min_args && (c->max_args < 0 || nargs <= c->max_args))
    return 0;
  if (c->max_args == 0)
    return gmoe_cmd_error(s, "expected no arguments, got %d (usage: %s)", nargs, c->usage);
  if (c->min_args == c->max_args)
    return gmoe_cmd_error(s, "expected %d argument%s, got %d (usage: %s)", c->min_args,
                          c->min_args == 1 ? "" : "s", nargs, c->usage);
  if (nargs < c->min_args)
    return gmoe_cmd_error(s, "expected at least %d argument%s, got %d (usage: %s)", c->min_args,
                          c->min_args == 1 ? "" : "s", nargs, c->usage);
  return gmoe_cmd_error(s, "expected at most %d argument%s, got %d (usage: %s)", c->max_args,
                        c->max_args == 1 ? "" : "s", nargs, c->usage);
}

/* Run one command given as words; returns 0, -1 (error printed) or 1. */
static int
gmoe_cmd_run_words(struct gmoe_session *s, int argc, char **argv)
{
  const struct gmoe_cmd *c;
  int rc;
  s->cmd = NULL;
  s->errbuf[0] = '\0';
  c = gmoe_cmd_find(s, argv[0]);
  if (c == NULL) {
    gmoe_cmd_print_error(s);
    return -1;
  }
  s->cmd = c->name;
  if (gmoe_cmd_check_count(s, c, argc - 1) == 0) {
    if (s->depth == 0)
      s->interrupted = 0;  /* inside `source`, a Ctrl-C must reach the runner */
    rc = c->exec(s, argc, argv);
  } else
    rc = -1;
  if (rc < 0)
    gmoe_cmd_print_error(s);
  s->cmd = NULL;
  return rc < 0 ? -1 : rc > 0 ? 1 : 0;
}

/* Run one line (commands separated by ';', an optional '#' comment). */
int
gmoe_cmd_run_line(struct gmoe_session *s, const char *line)
{
  struct gmoe_cmd_words l;
  int i, start = 0, rc = 0;
  s->cmd = NULL;
  if (gmoe_cmd_lex(s, line, &l) < 0) {
    gmoe_cmd_print_error(s);
    return -1;
  }
  for (i = 0; i <= l.n && rc == 0; i++) {
    if (i < l.n && !l.sep[i])
      continue;
    if (i > start) {
      char *save = l.w[i < l.n ? i : l.n];
      l.w[i] = NULL;
      rc = gmoe_cmd_run_words(s, i - start, l.w + start);
      l.w[i] = save;
    }
    start = i + 1;
  }
  gmoe_cmd_free_words(l.n, l.w);
  free(l.sep);
  return rc;
}

/* Run every line of stream f named src, numbering lines from 1. */
int
gmoe_cmd_run_stream(struct gmoe_session *s, FILE *f, const char *src)
{
  const char *old_src = s->src;
  long old_line = s->line;
  char *line = NULL;
  size_t cap = 0;
  ssize_t got;
  int rc = 0, failed = 0;
  s->src = src;
  s->line = 0;
  while ((got = gmoe_csv_getline(&line, &cap, f)) >= 0) {
    s->line++;
    if (memchr(line, '\0', (size_t)got) != NULL) {
      /* A binary file: its lines mean nothing, and it may never end. */
      s->cmd = NULL;
      gmoe_cmd_error(s, "contains a NUL byte (not a text file?)");
      gmoe_cmd_print_error(s);
      failed = 1;
      break;
    }
    if (got > 0 && line[got - 1] == '\n')
      line[--got] = '\0';
    if (got > 0 && line[got - 1] == '\r')
      line[--got] = '\0';
    rc = gmoe_cmd_run_line(s, line);
    if (rc > 0)
      break;
    if (rc == 0 && s->interrupted && s->depth > 0) {
      /* Ctrl-C during a sourced script stops the script, not just a command. */
      s->cmd = NULL;
      gmoe_cmd_error(s, "interrupted");
      gmoe_cmd_print_error(s);
      failed = 1;
      break;
    }
    if (rc < 0) {
      failed = 1;
      if (s->bail)
        break;
      rc = 0;
    }
  }
  free(line);
  s->src = old_src;
  s->line = old_line;
  if (rc > 0)
    return 1;
  return failed ? -1 : 0;
}

/* Append " (HINT)" to the message in s when hint is not NULL. */
static int
gmoe_cmd_hint(struct gmoe_session *s, const char *hint)
{
  size_t off = strlen(s->errbuf);
  if (hint != NULL && off < sizeof s->errbuf)
    snprintf(s->errbuf + off, sizeof s->errbuf - off, " (%s)", hint);
  return -1;
}

/* Parse a whole number in [min, max]. */
int
gmoe_cmd_parse_count(struct gmoe_session *s, const char *what, const char *str,
                     unsigned long long min, unsigned long long max, const char *hint,
                     unsigned long long *out)
{
  char *end;
  unsigned long long v;
  int overflow = 0;
  const char *p = str;
  while (*p == ' ')
    p++;
  if (*p == '-' || *p == '+') {
    double dv;
    errno = 0;
    dv = strtod(p, &end);
    if (*end == '\0' && end != p && isfinite(dv) && dv < 0.0) {
      if (min == 0)
        gmoe_cmd_error(s, "%s must not be negative, got '%s'", what, str);
      else
        gmoe_cmd_error(s, "%s must be at least %llu, got '%s'", what, min, str);
      return gmoe_cmd_hint(s, hint);
    }
  }
  errno = 0;
  v = strtoull(p, &end, 10);
  if (*p >= '0' && *p <= '9' && *end == '\0' && end != p) {
    overflow = errno == ERANGE;
  } else {
    /* Accept an exact whole number written like 1e6 or 100.0. */
    double dv = strtod(p, &end);
    if (end == p || *end != '\0' || !isfinite(dv) || dv != floor(dv) || dv < 0.0) {
      gmoe_cmd_error(s, "%s must be a whole number, got '%s'", what, str);
      return gmoe_cmd_hint(s, hint);
    }
    overflow = dv >= 18446744073709551616.0;
    v = overflow ? 0 : (unsigned long long)dv;
  }
  if (overflow || v > max) {
    gmoe_cmd_error(s, "%s must be at most %llu, got '%s'", what, max, str);
    return gmoe_cmd_hint(s, hint);
  }
  if (v < min) {
    gmoe_cmd_error(s, "%s must be at least %llu, got '%s'", what, min, str);
    return gmoe_cmd_hint(s, hint);
  }
  *out = v;
  return 0;
}

/* Parse a finite number (positive when asked). */
int
gmoe_cmd_parse_double(struct gmoe_session *s, const char *what, const char *str, int positive,
                      const char *hint, double *out)
{
  char *end;
  double v;
  errno = 0;
  v = strtod(str, &end);
  if (end == str || *end != '\0' || *str == ' ' || *str == '\t') {
    gmoe_cmd_error(s, "%s must be a number, got '%s'", what, str);
    return gmoe_cmd_hint(s, hint);
  }
  if (!isfinite(v)) {
    gmoe_cmd_error(s, "%s must be a finite number, got '%s'", what, str);
    return gmoe_cmd_hint(s, hint);
  }
  if (positive && !(v > 0.0)) {
    gmoe_cmd_error(s, "%s must be positive, got '%s'", what, str);
    return gmoe_cmd_hint(s, hint);
  }
  *out = v;
  return 0;
}

/* Parse a comma-separated list of exactly len finite numbers. */
int
gmoe_cmd_parse_list(struct gmoe_session *s, const char *what, const char *str, size_t len,
                    const char *hint, double *out)
{
  size_t count = 1, i = 0;
  const char *p;
  char item[128];
  for (p = str; *p; p++)
    count += (*p == ',');
  if (count != len) {
    gmoe_cmd_error(s, "%s needs %zu comma-separated value%s (one per input, d = %zu), got %zu in '%s'",
                   what, len, len == 1 ? "" : "s", len, count, str);
    return gmoe_cmd_hint(s, hint);
  }
  p = str;
  for (i = 0; i < len; i++) {
    const char *q = strchr(p, ',');
    size_t l = q ? (size_t)(q - p) : strlen(p);
    if (l >= sizeof item)
      l = sizeof item - 1;
    memcpy(item, p, l);
    item[l] = '\0';
    if (gmoe_cmd_parse_double(s, what, item, 0, hint, &out[i]))
      return -1;
    p = q ? q + 1 : p + l;
  }
  return 0;
}

/* Parse a word from a NULL-terminated list. */
int
gmoe_cmd_parse_word(struct gmoe_session *s, const char *what, const char *str,
                    const char *const *words, const char *hint, int *out)
{
  size_t i, n, off;
  for (n = 0; words[n] != NULL; n++)
    if (strcmp(words[n], str) == 0) {
      *out = (int)n;
      return 0;
    }
  off = (size_t)snprintf(s->errbuf, sizeof s->errbuf, "unknown %s '%s' (expected ", what, str);
  for (i = 0; i < n && off < sizeof s->errbuf; i++)
    off += (size_t)snprintf(s->errbuf + off, sizeof s->errbuf - off, "%s%s",
                            i == 0 ? "" : i + 1 == n ? " or " : ", ", words[i]);
  if (off < sizeof s->errbuf)
    snprintf(s->errbuf + off, sizeof s->errbuf - off, ")");
  return gmoe_cmd_hint(s, hint);
}

/* Format a byte count with a binary unit. */
void
gmoe_cmd_format_bytes(double bytes, char *buf, size_t len)
{
  static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
  size_t u = 0;
  while (bytes >= 1024.0 && u + 1 < sizeof units / sizeof *units) {
    bytes /= 1024.0;
    u++;
  }
  if (u == 0)
    snprintf(buf, len, "%.0f B", bytes);
  else
    snprintf(buf, len, "%.1f %s", bytes, units[u]);
}

/* Check that n observations with d inputs fit in physical memory. */
int
gmoe_cmd_check_memory(struct gmoe_session *s, size_t n, size_t d)
{
  size_t bytes = gmoe_data_bytes(n, d);
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  double phys = (pages > 0 && page > 0) ? (double)pages * (double)page : 0.0;
  char need[32];
  if (bytes == 0) {
    gmoe_cmd_format_bytes((double)n * (double)(d + 1) * sizeof(double), need, sizeof need);
    return gmoe_cmd_error(s, "n = %zu with d = %zu would need %s of memory for the data alone, "
                          "too much to address", n, d, need);
  }
  if (phys > 0.0 && (double)bytes > phys) {
    gmoe_cmd_format_bytes((double)bytes, need, sizeof need);
    return gmoe_cmd_error(s, "n = %zu with d = %zu would need %s of memory for the data alone, "
                          "more than this machine has", n, d, need);
  }
  return 0;
}

/* Open a temporary file beside path for writing. */
FILE *
gmoe_cmd_open_atomic(struct gmoe_session *s, const char *path, char *tmp, size_t len)
{
  int fd;
  FILE *f;
  if ((size_t)snprintf(tmp, len, "%s.tmpXXXXXX", path) >= len) {
    gmoe_cmd_error(s, "cannot write '%s': the name is too long", path);
    return NULL;
  }
  fd = mkstemp(tmp);
  if (fd < 0) {
    gmoe_cmd_error(s, "cannot write '%s': %s", path, strerror(errno));
    return NULL;
  }
  f = fdopen(fd, "w");
  if (f == NULL) {
    gmoe_cmd_error(s, "cannot write '%s': %s", path, strerror(errno));
    close(fd);
    unlink(tmp);
  }
  return f;
}

/* Flush, sync and close f, then rename tmp over path. */
int
gmoe_cmd_commit_atomic(struct gmoe_session *s, FILE *f, const char *tmp, const char *path)
{
  int err = 0;
  if (fflush(f) != 0 || ferror(f))
    err = errno ? errno : EIO;
  if (!err && fsync(fileno(f)) != 0 && errno != EINVAL)
    err = errno;
  if (fclose(f) != 0 && !err)
    err = errno;
  if (!err) {
    /* mkstemp makes the file private; give it the usual permissions. */
    mode_t mask = umask(0);
    umask(mask);
    chmod(tmp, 0666 & ~mask);
    if (rename(tmp, path) != 0)
      err = errno;
  }
  if (err) {
    unlink(tmp);
    return gmoe_cmd_error(s, "cannot write '%s': %s", path, strerror(err));
  }
  return 0;
}
