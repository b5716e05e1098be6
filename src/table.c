/* table.c: result tables printed as aligned text or tab-separated values. */
#include <config.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "table.h"

struct gmoe_table_cell {
  int is_num;
  double v;
  char *str;
};

struct gmoe_table {
  char *title;
  size_t ncols, cols_cap;
  char **cols;
  size_t ncells, cells_cap;        /* cells of all rows, row after row */
  struct gmoe_table_cell *cells;
  size_t nrows;
  size_t *row_start, rows_cap;     /* index of each row's first cell */
};

/* Allocate an empty table with an optional title. */
gmoe_table *
gmoe_table_alloc(const char *title)
{
  gmoe_table *t = calloc(1, sizeof *t);
  if (t == NULL)
    return NULL;
  if (title != NULL && (t->title = strdup(title)) == NULL) {
    free(t);
    return NULL;
  }
  return t;
}

/* Free a table and every string it owns; NULL is a no-op. */
void
gmoe_table_free(gmoe_table *t)
{
  size_t i;
  if (t == NULL)
    return;
  for (i = 0; i < t->ncols; i++)
    free(t->cols[i]);
  for (i = 0; i < t->ncells; i++)
    free(t->cells[i].str);
  free(t->cols);
  free(t->cells);
  free(t->row_start);
  free(t->title);
  free(t);
}

/* Grow an array to hold at least one more element; returns 0 or -1. */
static int
gmoe_table_grow(void **p, size_t *cap, size_t used, size_t size)
{
  void *q;
  size_t ncap;
  if (used < *cap)
    return 0;
  ncap = *cap ? 2 * *cap : 8;
  q = realloc(*p, ncap * size);
  if (q == NULL)
    return -1;
  *p = q;
  *cap = ncap;
  return 0;
}

/* Format a printf-style string into a new allocation. */
static char *
gmoe_table_vformat(const char *fmt, va_list ap)
{
  va_list ap2;
  char *s;
  int len;
  va_copy(ap2, ap);
  len = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  if (len < 0 || (s = malloc((size_t)len + 1)) == NULL)
    return NULL;
  vsnprintf(s, (size_t)len + 1, fmt, ap);
  return s;
}

/* Append a column named by a printf-style format. */
int
gmoe_table_column(gmoe_table *t, const char *fmt, ...)
{
  va_list ap;
  char *name;
  if (gmoe_table_grow((void **)&t->cols, &t->cols_cap, t->ncols, sizeof(char *)))
    return -1;
  va_start(ap, fmt);
  name = gmoe_table_vformat(fmt, ap);
  va_end(ap);
  if (name == NULL)
    return -1;
  t->cols[t->ncols++] = name;
  return 0;
}

/* Start a new row. */
int
gmoe_table_row(gmoe_table *t)
{
  if (gmoe_table_grow((void **)&t->row_start, &t->rows_cap, t->nrows, sizeof(size_t)))
    return -1;
  t->row_start[t->nrows++] = t->ncells;
  return 0;
}

/* Append one cell to the current row. */
static int
gmoe_table_push(gmoe_table *t, int is_num, double v, char *str)
{
  if (t->nrows == 0 && gmoe_table_row(t))
    return -1;
  if (gmoe_table_grow((void **)&t->cells, &t->cells_cap, t->ncells,
                      sizeof(struct gmoe_table_cell))) {
    free(str);
    return -1;
  }
  t->cells[t->ncells].is_num = is_num;
  t->cells[t->ncells].v = v;
  t->cells[t->ncells].str = str;
  t->ncells++;
  return 0;
}

/* Append a number to the current row. */
int
gmoe_table_num(gmoe_table *t, double v)
{
  return gmoe_table_push(t, 1, v, NULL);
}

/* Append a printf-style string to the current row. */
int
gmoe_table_str(gmoe_table *t, const char *fmt, ...)
{
  va_list ap;
  char *str;
  va_start(ap, fmt);
  str = gmoe_table_vformat(fmt, ap);
  va_end(ap);
  if (str == NULL)
    return -1;
  return gmoe_table_push(t, 0, 0.0, str);
}

/* Format a number as the format prints it (%.6g text, %.10g tsv); -0 is
 * printed as 0 so that outputs do not depend on the sign of a zero. */
void
gmoe_table_format_num(double v, gmoe_format fmt, char *buf, size_t len)
{
  if (v == 0.0)
    v = 0.0;
  if (isnan(v))
    snprintf(buf, len, "nan");
  else if (isinf(v))
    snprintf(buf, len, v > 0 ? "inf" : "-inf");
  else
    snprintf(buf, len, fmt == GMOE_FORMAT_TSV ? "%.10g" : "%.6g", v);
}

/* Text of cell c of the table into buf (or a pointer to the stored string). */
static const char *
gmoe_table_cell_text(const struct gmoe_table_cell *c, gmoe_format fmt, char *buf, size_t len)
{
  if (!c->is_num)
    return c->str;
  gmoe_table_format_num(c->v, fmt, buf, len);
  return buf;
}

/* Print the table to out in the given format. */
void
gmoe_table_print(const gmoe_table *t, FILE *out, gmoe_format fmt, int left_cols)
{
  size_t ncols = t->ncols, r, c, i;
  size_t *w;
  char buf[64];
  /* Widest row decides how many columns there are. */
  for (r = 0; r < t->nrows; r++) {
    size_t end = r + 1 < t->nrows ? t->row_start[r + 1] : t->ncells;
    if (end - t->row_start[r] > ncols)
      ncols = end - t->row_start[r];
  }
  if (fmt == GMOE_FORMAT_TSV) {
    for (c = 0; c < t->ncols; c++)
      fprintf(out, "%s%s", c ? "\t" : "", t->cols[c]);
    if (t->ncols)
      fputc('\n', out);
    for (r = 0; r < t->nrows; r++) {
      size_t end = r + 1 < t->nrows ? t->row_start[r + 1] : t->ncells;
      for (i = t->row_start[r]; i < end; i++)
        fprintf(out, "%s%s", i > t->row_start[r] ? "\t" : "",
                gmoe_table_cell_text(&t->cells[i], fmt, buf, sizeof buf));
      fputc('\n', out);
    }
    return;
  }
  w = calloc(ncols ? ncols : 1, sizeof *w);
  if (w == NULL)
    return;
  for (c = 0; c < t->ncols; c++)
    w[c] = strlen(t->cols[c]);
  for (r = 0; r < t->nrows; r++) {
    size_t end = r + 1 < t->nrows ? t->row_start[r + 1] : t->ncells;
    for (i = t->row_start[r], c = 0; i < end; i++, c++) {
      size_t l = strlen(gmoe_table_cell_text(&t->cells[i], fmt, buf, sizeof buf));
      if (l > w[c])
        w[c] = l;
    }
  }
  if (t->title)
    fprintf(out, "%s\n", t->title);
  if (t->ncols) {
    for (c = 0; c < t->ncols; c++) {
      int wl = (int)w[c];
      if (c < (size_t)left_cols && c + 1 == t->ncols)
        fprintf(out, "  %s", t->cols[c]);
      else if (c < (size_t)left_cols)
        fprintf(out, "  %-*s", wl, t->cols[c]);
      else
        fprintf(out, "  %*s", wl, t->cols[c]);
    }
    fputc('\n', out);
  }
  for (r = 0; r < t->nrows; r++) {
    size_t end = r + 1 < t->nrows ? t->row_start[r + 1] : t->ncells;
    for (i = t->row_start[r], c = 0; i < end; i++, c++) {
      const char *txt = gmoe_table_cell_text(&t->cells[i], fmt, buf, sizeof buf);
      int wl = (int)w[c];
      if (i + 1 == end && c < (size_t)left_cols)
        fprintf(out, "  %s", txt);
      else if (c < (size_t)left_cols)
        fprintf(out, "  %-*s", wl, txt);
      else
        fprintf(out, "  %*s", wl, txt);
    }
    fputc('\n', out);
  }
  free(w);
}
