/* csv.c: reading and writing data sets as CSV files.
 *
 * Reading takes a header row of names and numeric rows of the same width,
 * keeps the columns chosen as inputs and output, and reports any problem
 * with the file, line and column.  Numbers are parsed and written in the C
 * locale whatever the user's locale, so a file means the same everywhere.
 * Writing goes to a temporary file beside the target, flushed to disk and
 * renamed over it, so the target is always either the old or the new file.
 */
#include <config.h>
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* getline, newlocale, uselocale */
#endif
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#include "csv.h"
#include "error.h"
#include "model.h"

/* Longest piece of a cell or a name quoted in a message, in bytes. */
#define GMOE_CSV_QUOTE_MAX 40
/* Most column names listed when a requested column is missing. */
#define GMOE_CSV_LIST_MAX 8
/* Rows of room before the first growth. */
#define GMOE_CSV_INITIAL_ROWS 4096

/* State of one read: the file, the current line and its fields, the
 * header and the chosen columns, and the growing output arrays. */
typedef struct {
  const char *path;
  FILE *f;
  char *line;        /* current line (getline buffer) */
  size_t line_cap;
  size_t len;        /* length of the current line, without its end */
  size_t lineno;     /* 1-based number of the current line */
  char **field;      /* fields of the current line, pointing into line */
  size_t nfield, field_cap;
  size_t ncol;       /* columns in the header */
  char **names;      /* header names (ncol, owned) */
  size_t *order;     /* column indices sorted by name, for look-ups */
  size_t *role;      /* for each column: input number, d for y, SIZE_MAX unused */
  size_t *pick;      /* d+1 chosen columns: the inputs in order, then y */
  size_t d;
  int no_y;          /* inputs only: no y column, y set to 0 (gmoe_csv_read_inputs) */
  double *x, *y;     /* x column-major with stride cap */
  size_t n, cap;
} gmoe_csv_reader;

/* Copy at most GMOE_CSV_QUOTE_MAX bytes of s into buf for a message,
 * replacing control characters and cutting on a UTF-8 boundary. */
static const char *
gmoe_csv_quote(const char *s, char *buf, size_t size)
{
  size_t i, len = strlen(s), keep = len;
  if (keep > GMOE_CSV_QUOTE_MAX) {
    keep = GMOE_CSV_QUOTE_MAX;
    while (keep > 0 && ((unsigned char)s[keep] & 0xC0) == 0x80)
      keep--;
  }
  if (keep + 4 > size)
    keep = size - 4;
  for (i = 0; i < keep; i++) {
    unsigned char c = (unsigned char)s[i];
    buf[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
  }
  if (keep < len) {
    memcpy(buf + keep, "...", 3);
    keep += 3;
  }
  buf[keep] = '\0';
  return buf;
}

/* Whether c is a space or a tab. */
static int
gmoe_csv_blank(char c)
{
  return c == ' ' || c == '\t';
}

/* Whether the current line holds nothing but spaces and tabs. */
static int
gmoe_csv_line_blank(const gmoe_csv_reader *r)
{
  size_t i;
  for (i = 0; i < r->len; i++)
    if (!gmoe_csv_blank(r->line[i]))
      return 0;
  return 1;
}

/* Read one line, stopping after a LF or a NUL byte (see csv.h). */
ssize_t
gmoe_csv_getline(char **line, size_t *cap, FILE *f)
{
  size_t len = 0;
  int c = EOF;
  flockfile(f);
  for (;;) {
    if (len + 2 > *cap) {
      size_t want = *cap < 128 ? 128 : *cap * 2;
      char *p = want > *cap ? realloc(*line, want) : NULL;
      if (p == NULL) {
        funlockfile(f);
        errno = ENOMEM;
        return -1;
      }
      *line = p;
      *cap = want;
    }
    c = getc_unlocked(f);
    if (c == EOF)
      break;
    (*line)[len++] = (char)c;
    if (c == '\n' || c == '\0')
      break;
  }
  funlockfile(f);
  (*line)[len] = '\0';
  return len == 0 && c == EOF ? -1 : (ssize_t)len;
}

/* Read the next line into r->line, without its LF or CRLF end.  Returns 1
 * for a line, 0 at the end of the file, or -1 with a message. */
static int
gmoe_csv_next_line(gmoe_csv_reader *r)
{
  ssize_t got;
  errno = 0;
  got = gmoe_csv_getline(&r->line, &r->line_cap, r->f);
  if (got < 0) {
    if (errno == ENOMEM) {
      gmoe_error_set("%s:%zu: out of memory reading the line", r->path, r->lineno + 1);
      return -1;
    }
    if (ferror(r->f)) {
      gmoe_error_set("%s:%zu: read error: %s", r->path, r->lineno + 1,
                     strerror(errno ? errno : EIO));
      return -1;
    }
    return 0;
  }
  r->lineno++;
  r->len = (size_t)got;
  if (r->len > 0 && r->line[r->len - 1] == '\n')
    r->len--;
  if (r->len > 0 && r->line[r->len - 1] == '\r')
    r->len--;
  r->line[r->len] = '\0';
  if (memchr(r->line, '\0', r->len) != NULL) {
    gmoe_error_set("%s:%zu: contains a NUL byte (not a text file?)", r->path, r->lineno);
    return -1;
  }
  if (memchr(r->line, '\r', r->len) != NULL) {
    gmoe_error_set("%s:%zu: carriage return inside a line (only LF and CRLF line ends are "
                   "supported)", r->path, r->lineno);
    return -1;
  }
  return 1;
}

/* Append a field pointer, growing the field array geometrically. */
static int
gmoe_csv_push_field(gmoe_csv_reader *r, char *p)
{
  if (r->nfield == r->field_cap) {
    size_t cap = r->field_cap ? 2 * r->field_cap : 16;
    char **f = realloc(r->field, cap * sizeof *f);
    if (f == NULL) {
      gmoe_error_set("%s:%zu: out of memory splitting the line", r->path, r->lineno);
      return -1;
    }
    r->field = f;
    r->field_cap = cap;
  }
  r->field[r->nfield++] = p;
  return 0;
}

/* Split the current line in place into comma-separated fields, trimming
 * spaces and tabs and undoing double quotes ("" inside quotes is one ").
 * Returns 0, or -1 with a message. */
static int
gmoe_csv_split(gmoe_csv_reader *r)
{
  char *p = r->line, *end = r->line + r->len;
  r->nfield = 0;
  for (;;) {
    char *start, *out;
    while (p < end && gmoe_csv_blank(*p))
      p++;
    start = p;
    if (p < end && *p == '"') {
      out = start;
      p++;
      for (;;) {
        if (p >= end) {
          gmoe_error_set("%s:%zu: column %zu: quoted field is not closed", r->path, r->lineno,
                         r->nfield + 1);
          return -1;
        }
        if (*p == '"') {
          if (p + 1 < end && p[1] == '"') {
            *out++ = '"';
            p += 2;
            continue;
          }
          p++;
          break;
        }
        *out++ = *p++;
      }
      while (p < end && gmoe_csv_blank(*p))
        p++;
      if (p < end && *p != ',') {
        gmoe_error_set("%s:%zu: column %zu: text after the closing quote", r->path, r->lineno,
                       r->nfield + 1);
        return -1;
      }
    } else {
      char *comma = p < end ? memchr(p, ',', (size_t)(end - p)) : NULL;
      p = comma ? comma : end;
      out = p;
      while (out > start && gmoe_csv_blank(out[-1]))
        out--;
    }
    if (gmoe_csv_push_field(r, start) != 0)
      return -1;
    if (p >= end) {
      *out = '\0';
      return 0;
    }
    *out = '\0'; /* out <= p, and p points at the comma */
    p++;
  }
}

/* Parse a cell (blanks around it allowed) as a finite number: 0 on
 * success, 1 when empty, 2 when not a number, 3 when not finite (NaN,
 * infinite or out of range). */
static int
gmoe_csv_number(const char *s, double *v)
{
  char *end;
  while (gmoe_csv_blank(*s))
    s++;
  if (*s == '\0')
    return 1;
  errno = 0;
  *v = strtod(s, &end);
  if (end == s)
    return 2;
  while (gmoe_csv_blank(*end))
    end++;
  if (*end != '\0')
    return 2;
  if (!isfinite(*v))
    return 3;
  if (errno == ERANGE && fabs(*v) > 1.0)
    return 3;
  return 0;
}

/* Compare two column indices by their names (then by index), for qsort. */
static int
gmoe_csv_cmp_order(const void *a, const void *b, void *names)
{
  size_t i = *(const size_t *)a, j = *(const size_t *)b;
  int c = strcmp(((char **)names)[i], ((char **)names)[j]);
  return c ? c : (i > j) - (i < j);
}

/* Find the column named name through the sorted order; SIZE_MAX when none. */
static size_t
gmoe_csv_find(const gmoe_csv_reader *r, const char *name)
{
  size_t lo = 0, hi = r->ncol;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = strcmp(r->names[r->order[mid]], name);
    if (c == 0)
      return r->order[mid];
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return SIZE_MAX;
}

/* Record the message for a requested column that the header lacks. */
static void
gmoe_csv_no_column(const gmoe_csv_reader *r, const char *name)
{
  char list[GMOE_CSV_LIST_MAX * (GMOE_CSV_QUOTE_MAX + 8)], q[GMOE_CSV_QUOTE_MAX + 8];
  size_t j, used = 0;
  list[0] = '\0';
  for (j = 0; j < r->ncol && j < GMOE_CSV_LIST_MAX; j++)
    used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", j ? ", " : "",
                             gmoe_csv_quote(r->names[j], q, sizeof q));
  if (r->ncol > GMOE_CSV_LIST_MAX)
    snprintf(list + used, sizeof list - used, ", ... (%zu in all)", r->ncol);
  gmoe_error_set("%s:1: no column named '%s' (the columns are %s)", r->path,
                 gmoe_csv_quote(name, q, sizeof q), list);
}

/* Read and check the header: names present, not numbers, distinct, at
 * least two.  Returns 0 or -1 with a message. */
static int
gmoe_csv_header(gmoe_csv_reader *r)
{
  char q[GMOE_CSV_QUOTE_MAX + 8];
  size_t j, numeric = 0, dup = SIZE_MAX, first = 0;
  int got = gmoe_csv_next_line(r);
  if (got < 0)
    return -1;
  if (got == 0) {
    gmoe_error_set("%s: empty file (expected a header row of column names)", r->path);
    return -1;
  }
  if (r->len >= 2 && (((unsigned char)r->line[0] == 0xFF && (unsigned char)r->line[1] == 0xFE)
                      || ((unsigned char)r->line[0] == 0xFE
                          && (unsigned char)r->line[1] == 0xFF))) {
    gmoe_error_set("%s: UTF-16 text is not supported (save the file as UTF-8)", r->path);
    return -1;
  }
  if (r->len >= 3 && memcmp(r->line, "\xEF\xBB\xBF", 3) == 0) {
    memmove(r->line, r->line + 3, r->len - 2);
    r->len -= 3;
  }
  if (gmoe_csv_line_blank(r)) {
    while ((got = gmoe_csv_next_line(r)) == 1)
      if (!gmoe_csv_line_blank(r))
        break;
    if (got < 0)
      return -1;
    if (got == 0)
      gmoe_error_set("%s: empty file (expected a header row of column names)", r->path);
    else
      gmoe_error_set("%s:1: empty first line (expected a header row of column names)", r->path);
    return -1;
  }
  if (gmoe_csv_split(r) != 0)
    return -1;
  r->ncol = r->nfield;
  r->names = calloc(r->ncol, sizeof *r->names);
  r->order = malloc(r->ncol * sizeof *r->order);
  r->role = malloc(r->ncol * sizeof *r->role);
  if (r->names == NULL || r->order == NULL || r->role == NULL)
    goto nomem;
  for (j = 0; j < r->ncol; j++) {
    double v;
    if (r->field[j][0] == '\0') {
      gmoe_error_set("%s:1: column %zu has no name", r->path, j + 1);
      return -1;
    }
    if (gmoe_csv_number(r->field[j], &v) == 0)
      numeric++;
    r->names[j] = strdup(r->field[j]);
    if (r->names[j] == NULL)
      goto nomem;
    r->order[j] = j;
    r->role[j] = SIZE_MAX;
  }
  if (numeric == r->ncol) {
    gmoe_error_set("%s:1: the first line holds numbers, not column names (add a header row)",
                   r->path);
    return -1;
  }
  qsort_r(r->order, r->ncol, sizeof *r->order, gmoe_csv_cmp_order, r->names);
  for (j = 1; j < r->ncol; j++)
    if (strcmp(r->names[r->order[j]], r->names[r->order[j - 1]]) == 0
        && (dup == SIZE_MAX || r->order[j] < dup)) {
      dup = r->order[j];
      first = r->order[j - 1];
    }
  if (dup != SIZE_MAX) {
    gmoe_error_set("%s:1: columns %zu and %zu are both named '%s'", r->path, first + 1, dup + 1,
                   gmoe_csv_quote(r->names[dup], q, sizeof q));
    return -1;
  }
  if (r->ncol < 2 && !r->no_y) {
    gmoe_error_set("%s:1: only one column ('%s'); need at least one input column and a y column",
                   r->path, gmoe_csv_quote(r->names[0], q, sizeof q));
    return -1;
  }
  return 0;
nomem:
  gmoe_error_set("%s:1: out of memory reading %zu column names", r->path, r->ncol);
  return -1;
}

/* Choose the y column and the input columns by name (see csv.h).  Returns
 * 0 or -1 with a message. */
static int
gmoe_csv_choose(gmoe_csv_reader *r, const char *ycol, const char *xcols)
{
  char q[GMOE_CSV_QUOTE_MAX + 8];
  size_t yc, j, d = 0;
  if (r->no_y)
    yc = SIZE_MAX;
  else if (ycol == NULL)
    yc = r->ncol - 1;
  else if ((yc = gmoe_csv_find(r, ycol)) == SIZE_MAX) {
    gmoe_csv_no_column(r, ycol);
    return -1;
  }
  r->pick = malloc((r->ncol + 1) * sizeof *r->pick);
  if (r->pick == NULL) {
    gmoe_error_set("%s: out of memory", r->path);
    return -1;
  }
  if (xcols == NULL) {
    for (j = 0; j < r->ncol; j++)
      if (j != yc) {
        r->role[j] = d;
        r->pick[d++] = j;
      }
  } else {
    const char *p = xcols;
    for (;;) {
      const char *comma = strchr(p, ','), *e = comma ? comma : p + strlen(p);
      char name[4096];
      size_t len, c;
      while (p < e && gmoe_csv_blank(*p))
        p++;
      while (e > p && gmoe_csv_blank(e[-1]))
        e--;
      len = (size_t)(e - p);
      if (len == 0) {
        gmoe_error_set("%s: empty name in the input column list '%s'", r->path,
                       gmoe_csv_quote(xcols, q, sizeof q));
        return -1;
      }
      if (len >= sizeof name)
        len = sizeof name - 1;
      memcpy(name, p, len);
      name[len] = '\0';
      if ((c = gmoe_csv_find(r, name)) == SIZE_MAX) {
        gmoe_csv_no_column(r, name);
        return -1;
      }
      if (c == yc) {
        gmoe_error_set("%s: column '%s' cannot be both y and an input", r->path,
                       gmoe_csv_quote(name, q, sizeof q));
        return -1;
      }
      if (r->role[c] != SIZE_MAX) {
        gmoe_error_set("%s: column '%s' is listed twice among the inputs", r->path,
                       gmoe_csv_quote(name, q, sizeof q));
        return -1;
      }
      r->role[c] = d;
      r->pick[d++] = c;
      if (comma == NULL)
        break;
      p = comma + 1;
    }
  }
  if (d > GMOE_MAX_D) {
    gmoe_error_set("%s: %zu input columns, more than the %d a model can have (choose fewer)",
                   r->path, d, GMOE_MAX_D);
    return -1;
  }
  if (!r->no_y) {
    r->role[yc] = d;
    r->pick[d] = yc;
  }
  r->d = d;
  return 0;
}

/* Make room for one more row, doubling the arrays (x keeps its columns
 * at stride cap, moved apart when cap grows).  Returns 0 or -1. */
static int
gmoe_csv_grow(gmoe_csv_reader *r)
{
  size_t cap, j, d = r->d;
  double *x, *y;
  if (r->n < r->cap)
    return 0;
  cap = r->cap ? 2 * r->cap : GMOE_CSV_INITIAL_ROWS;
  if (gmoe_data_bytes(cap, d) == 0)
    goto nomem;
  x = realloc(r->x, cap * d * sizeof(double));
  if (x == NULL)
    goto nomem;
  r->x = x;
  y = realloc(r->y, cap * sizeof(double));
  if (y == NULL)
    goto nomem;
  r->y = y;
  for (j = d; j-- > 1;)
    memmove(r->x + j * cap, r->x + j * r->cap, r->n * sizeof(double));
  r->cap = cap;
  return 0;
nomem:
  gmoe_error_set("%s:%zu: out of memory after %zu rows (%.1f MiB needed)", r->path, r->lineno,
                 r->n, (double)(2 * r->cap) * (double)(d + 1) * sizeof(double) / 1048576.0);
  return -1;
}

/* Parse the chosen cells of the current line into row r->n.  Returns 0 or
 * -1 with a message. */
static int
gmoe_csv_row(gmoe_csv_reader *r)
{
  char q[GMOE_CSV_QUOTE_MAX + 8], qn[GMOE_CSV_QUOTE_MAX + 8];
  size_t j;
  if (gmoe_csv_split(r) != 0)
    return -1;
  if (r->nfield != r->ncol) {
    gmoe_error_set("%s:%zu: expected %zu fields, found %zu", r->path, r->lineno, r->ncol,
                   r->nfield);
    return -1;
  }
  if (gmoe_csv_grow(r) != 0)
    return -1;
  if (r->no_y)
    r->y[r->n] = 0.0;
  for (j = 0; j < r->d + !r->no_y; j++) {
    size_t c = r->pick[j];
    double v;
    int bad = gmoe_csv_number(r->field[c], &v);
    if (bad) {
      const char *cell = gmoe_csv_quote(r->field[c], q, sizeof q);
      const char *name = gmoe_csv_quote(r->names[c], qn, sizeof qn);
      if (bad == 1)
        gmoe_error_set("%s:%zu: column %zu ('%s'): empty cell, expected a number", r->path,
                       r->lineno, c + 1, name);
      else if (bad == 2)
        gmoe_error_set("%s:%zu: column %zu ('%s'): '%s' is not a number", r->path, r->lineno,
                       c + 1, name, cell);
      else
        gmoe_error_set("%s:%zu: column %zu ('%s'): '%s' is not a finite number", r->path,
                       r->lineno, c + 1, name, cell);
      return -1;
    }
    if (j < r->d)
      r->x[j * r->cap + r->n] = v;
    else
      r->y[r->n] = v;
  }
  r->n++;
  return 0;
}

/* Hand the arrays over to a new data set, closing up x's columns and
 * trimming the spare room. */
static gmoe_data *
gmoe_csv_finish(gmoe_csv_reader *r)
{
  gmoe_data *data = calloc(1, sizeof *data);
  size_t j, n = r->n, d = r->d;
  double *p;
  if (data == NULL)
    goto nomem;
  data->names = calloc(d + 1, sizeof *data->names);
  if (data->names == NULL)
    goto nomem;
  data->d = d;
  for (j = 0; j < d + !r->no_y; j++) {
    data->names[j] = r->names[r->pick[j]];
    r->names[r->pick[j]] = NULL;
  }
  if (r->no_y && (data->names[d] = strdup("y")) == NULL) {
    for (j = 0; j < d; j++)
      free(data->names[j]);
    goto nomem;
  }
  for (j = 1; j < d; j++)
    memmove(r->x + j * n, r->x + j * r->cap, n * sizeof(double));
  if ((p = realloc(r->x, n * d * sizeof(double))) != NULL)
    r->x = p;
  if ((p = realloc(r->y, n * sizeof(double))) != NULL)
    r->y = p;
  data->n = n;
  data->x = r->x;
  data->y = r->y;
  r->x = r->y = NULL;
  return data;
nomem:
  if (data != NULL)
    free(data->names);
  free(data);
  gmoe_error_set("%s: out of memory", r->path);
  return NULL;
}

/* Read the whole file in the current locale's absence (C numbers). */
static gmoe_data *
gmoe_csv_read_c(gmoe_csv_reader *r, const char *ycol, const char *xcols)
{
  struct stat st;
  size_t blank = 0;
  int got;
  r->f = fopen(r->path, "rb");
  if (r->f == NULL) {
    gmoe_error_set("%s: cannot open: %s", r->path, strerror(errno));
    return NULL;
  }
  if (fstat(fileno(r->f), &st) == 0 && S_ISDIR(st.st_mode)) {
    gmoe_error_set("%s: is a directory, not a CSV file", r->path);
    return NULL;
  }
  if (gmoe_csv_header(r) != 0 || gmoe_csv_choose(r, ycol, xcols) != 0)
    return NULL;
  while ((got = gmoe_csv_next_line(r)) == 1) {
    if (gmoe_csv_line_blank(r)) {
      if (blank == 0)
        blank = r->lineno;
      continue;
    }
    if (blank != 0) {
      gmoe_error_set("%s:%zu: empty line inside the data", r->path, blank);
      return NULL;
    }
    if (gmoe_csv_row(r) != 0)
      return NULL;
  }
  if (got < 0)
    return NULL;
  if (r->n == 0) {
    gmoe_error_set("%s: no data rows after the header", r->path);
    return NULL;
  }
  return gmoe_csv_finish(r);
}

/* Read path with or without a y column. */
static gmoe_data *
gmoe_csv_read_any(const char *path, const char *ycol, const char *xcols, int no_y)
{
  gmoe_csv_reader r;
  gmoe_data *data;
  locale_t c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0), old = (locale_t)0;
  size_t j;
  memset(&r, 0, sizeof r);
  r.path = path;
  r.no_y = no_y;
  if (c_locale != (locale_t)0)
    old = uselocale(c_locale);
  data = gmoe_csv_read_c(&r, ycol, xcols);
  if (c_locale != (locale_t)0) {
    uselocale(old);
    freelocale(c_locale);
  }
  if (r.f != NULL)
    fclose(r.f);
  free(r.line);
  free(r.field);
  if (r.names != NULL)
    for (j = 0; j < r.ncol; j++)
      free(r.names[j]);
  free(r.names);
  free(r.order);
  free(r.role);
  free(r.pick);
  free(r.x);
  free(r.y);
  return data;
}

/* Read path into a new data set (see csv.h). */
gmoe_data *
gmoe_csv_read(const char *path, const char *ycol, const char *xcols)
{
  return gmoe_csv_read_any(path, ycol, xcols, 0);
}

/* Read only input columns of path (see csv.h). */
gmoe_data *
gmoe_csv_read_inputs(const char *path, const char *xcols)
{
  return gmoe_csv_read_any(path, NULL, xcols, 1);
}

/* Write one header name, quoted when it holds a comma, a quote or
 * surrounding blanks, or starts with a byte that could pass for a byte
 * order mark at the start of the file. */
static void
gmoe_csv_put_name(FILE *f, const char *name)
{
  size_t len = strlen(name);
  unsigned char c0 = (unsigned char)name[0];
  if (len > 0 && strpbrk(name, ",\"") == NULL && !gmoe_csv_blank(name[0])
      && !gmoe_csv_blank(name[len - 1]) && c0 != 0xEF && c0 != 0xFE && c0 != 0xFF) {
    fputs(name, f);
    return;
  }
  putc('"', f);
  for (; *name; name++) {
    if (*name == '"')
      putc('"', f);
    putc(*name, f);
  }
  putc('"', f);
}

/* Write header and rows to f; returns 0, or -1 with a message for data
 * that cannot be written faithfully (errno 0), or -1 on a stream error. */
static int
gmoe_csv_put(FILE *f, const char *path, const gmoe_data *data)
{
  size_t t, j, n = data->n, d = data->d;
  char buf[32];
  for (j = 0; j <= d; j++) {
    const char *name = data->names ? data->names[j] : NULL;
    if (name == NULL) {
      if (j < d)
        snprintf(buf, sizeof buf, "x%zu", j + 1);
      else
        snprintf(buf, sizeof buf, "y");
      name = buf;
    } else if (strpbrk(name, "\r\n") != NULL) {
      gmoe_error_set("%s: column name %zu contains a line break", path, j + 1);
      errno = 0;
      return -1;
    }
    if (j)
      putc(',', f);
    gmoe_csv_put_name(f, name);
  }
  putc('\n', f);
  for (t = 0; t < n; t++) {
    for (j = 0; j <= d; j++) {
      double v = j < d ? data->x[j * n + t] : data->y[t];
      if (!isfinite(v)) {
        gmoe_error_set("%s: observation %zu has a non-finite value in column %zu; nothing "
                       "written", path, t + 1, j + 1);
        errno = 0;
        return -1;
      }
      if (j)
        putc(',', f);
      fprintf(f, "%.17g", v);
    }
    if (putc('\n', f) == EOF || ferror(f))
      return -1;
  }
  return 0;
}

/* Flush the directory holding path to disk, so a rename in it survives a
 * crash; failures are ignored (some file systems refuse). */
static void
gmoe_csv_sync_dir(const char *path)
{
  const char *slash = strrchr(path, '/');
  char *dir;
  int fd;
  if (slash == NULL)
    dir = strdup(".");
  else if (slash == path)
    dir = strdup("/");
  else
    dir = strndup(path, (size_t)(slash - path));
  if (dir == NULL)
    return;
  fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
  free(dir);
}

/* Write data to path through a temporary file in the same directory. */
static int
gmoe_csv_write_c(const char *path, const gmoe_data *data)
{
  static atomic_ulong counter;
  struct stat st;
  size_t len = strlen(path);
  char *tmp = malloc(len + 64);
  FILE *f = NULL;
  int fd = -1, attempt, saved;
  if (tmp == NULL)
    GMOE_ERROR(GMOE_ENOMEM, "%s: out of memory", path);
  if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
    free(tmp);
    GMOE_ERROR(GMOE_EIO, "%s: is a directory", path);
  }
  for (attempt = 0; attempt < 100 && fd < 0; attempt++) {
    snprintf(tmp, len + 64, "%s.tmp.%ld.%lu", path, (long)getpid(),
             (unsigned long)atomic_fetch_add(&counter, 1));
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && errno != EEXIST)
      break;
  }
  if (fd < 0) {
    gmoe_error_set("%s: cannot create a temporary file beside it: %s", path, strerror(errno));
    free(tmp);
    return GMOE_EIO;
  }
  if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
    (void)fchmod(fd, st.st_mode & 07777);
  f = fdopen(fd, "w");
  if (f == NULL)
    goto fail;
  fd = -1;
  errno = 0;
  if (gmoe_csv_put(f, path, data) != 0) {
    if (errno == 0) {
      fclose(f);
      unlink(tmp);
      free(tmp);
      return GMOE_EDATA;
    }
    goto fail;
  }
  if (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0)
    goto fail;
  if (fclose(f) != 0) {
    f = NULL;
    goto fail;
  }
  f = NULL;
  if (rename(tmp, path) != 0)
    goto fail;
  gmoe_csv_sync_dir(path);
  free(tmp);
  return GMOE_OK;
fail:
  saved = errno ? errno : EIO;
  if (f != NULL)
    fclose(f);
  if (fd >= 0)
    close(fd);
  unlink(tmp);
  free(tmp);
  GMOE_ERROR(GMOE_EIO, "%s: cannot write: %s", path, strerror(saved));
}

/* Write data to path (header then rows, %.17g) via a temporary file and a
 * rename, numbers in the C locale. */
int
gmoe_csv_write(const char *path, const gmoe_data *data)
{
  locale_t c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0), old = (locale_t)0;
  int status;
  if (c_locale != (locale_t)0)
    old = uselocale(c_locale);
  status = gmoe_csv_write_c(path, data);
  if (c_locale != (locale_t)0) {
    uselocale(old);
    freelocale(c_locale);
  }
  return status;
}
