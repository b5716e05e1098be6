/* table.h: result tables of the gmoe front end, printed as text or tsv.
 *
 * A table collects a title, column names and rows of cells (numbers or
 * strings) and prints them in the session's format: in text, a title line
 * and right-aligned columns with numbers in %.6g; in tsv, one header line
 * and tab-separated rows with numbers in %.10g (no title).
 */
#ifndef GMOE_TABLE_H
#define GMOE_TABLE_H

#include <stddef.h>
#include <stdio.h>
#include "session.h"

typedef struct gmoe_table gmoe_table;

/* Allocate an empty table with a title (text only; may be NULL); NULL
 * when memory runs out. */
gmoe_table *gmoe_table_alloc(const char *title);

/* Free a table; NULL is a no-op. */
void gmoe_table_free(gmoe_table *t);

/* Append a column named name (printf-style). */
int gmoe_table_column(gmoe_table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Start a new row. */
int gmoe_table_row(gmoe_table *t);

/* Append a number to the current row. */
int gmoe_table_num(gmoe_table *t, double v);

/* Append a string (printf-style) to the current row. */
int gmoe_table_str(gmoe_table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Print the table to out in format fmt; in text, the first left_cols
 * columns are left-aligned and the others right-aligned. */
void gmoe_table_print(const gmoe_table *t, FILE *out, gmoe_format fmt, int left_cols);

/* Format a number as the format prints it (%.6g text, %.10g tsv). */
void gmoe_table_format_num(double v, gmoe_format fmt, char *buf, size_t len);

#endif
