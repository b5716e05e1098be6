/* data.h: a data set of n observations (x in R^d, y in R).
 *
 * Inputs are stored column by column (structure of arrays): coordinate j
 * of observation t is x[j*n + t].  names, when not NULL, holds d+1
 * column names (the inputs, then y), owned by the data set.
 */
#ifndef GMOE_DATA_H
#define GMOE_DATA_H

#include <stddef.h>

typedef struct gmoe_data {
  size_t n, d;
  double *x;    /* d*n, column-major */
  double *y;    /* n */
  char **names; /* d+1 or NULL */
} gmoe_data;

/* Allocate a data set of n observations with d inputs (values zero, no
 * names); returns NULL and records a message (with the size it would
 * need) when memory runs out or the size is unreasonable. */
gmoe_data *gmoe_data_alloc(size_t n, size_t d);

/* Free a data set; NULL is a no-op. */
void gmoe_data_free(gmoe_data *data);

/* Bytes a data set of n observations and d inputs needs, or 0 on overflow. */
size_t gmoe_data_bytes(size_t n, size_t d);

/* Give the data set default column names x1..xd, y (replacing any). */
int gmoe_data_default_names(gmoe_data *data);

#endif
