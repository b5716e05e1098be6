/* data.c: allocation of data sets. */
#include <config.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "data.h"
#include "error.h"

/* Bytes a data set of n observations and d inputs needs, or 0 on overflow. */
size_t
gmoe_data_bytes(size_t n, size_t d)
{
  if (d + 1 == 0 || n > SIZE_MAX / sizeof(double) / (d + 1))
    return 0;
  return n * (d + 1) * sizeof(double);
}

/* Allocate a data set of n observations with d inputs. */
gmoe_data *
gmoe_data_alloc(size_t n, size_t d)
{
  gmoe_data *data;
  size_t bytes = gmoe_data_bytes(n, d);
  if (n == 0 || d == 0) {
    gmoe_error_set("a data set needs at least one observation and one input");
    return NULL;
  }
  if (bytes == 0) {
    gmoe_error_set("%zu observations with %zu inputs are too many to address", n, d);
    return NULL;
  }
  data = calloc(1, sizeof *data);
  if (data == NULL)
    goto nomem;
  data->n = n;
  data->d = d;
  data->x = malloc(n * d * sizeof(double));
  data->y = malloc(n * sizeof(double));
  if (data->x == NULL || data->y == NULL) {
    gmoe_data_free(data);
    goto nomem;
  }
  memset(data->x, 0, n * d * sizeof(double));
  memset(data->y, 0, n * sizeof(double));
  return data;
nomem:
  gmoe_error_set("not enough memory for %zu observations with %zu inputs (%.1f MiB)", n, d,
                 (double)bytes / 1048576.0);
  return NULL;
}

/* Free the column names of a data set. */
static void
gmoe_data_free_names(gmoe_data *data)
{
  size_t j;
  if (data->names == NULL)
    return;
  for (j = 0; j <= data->d; j++)
    free(data->names[j]);
  free(data->names);
  data->names = NULL;
}

/* Free a data set; NULL is a no-op. */
void
gmoe_data_free(gmoe_data *data)
{
  if (data == NULL)
    return;
  gmoe_data_free_names(data);
  free(data->x);
  free(data->y);
  free(data);
}

/* Give the data set default column names x1..xd, y (replacing any). */
int
gmoe_data_default_names(gmoe_data *data)
{
  size_t j;
  gmoe_data_free_names(data);
  data->names = calloc(data->d + 1, sizeof(char *));
  if (data->names == NULL)
    GMOE_ERROR(GMOE_ENOMEM, "out of memory");
  for (j = 0; j <= data->d; j++) {
    char buf[32];
    if (j < data->d)
      snprintf(buf, sizeof buf, "x%zu", j + 1);
    else
      snprintf(buf, sizeof buf, "y");
    data->names[j] = strdup(buf);
    if (data->names[j] == NULL) {
      gmoe_data_free_names(data);
      GMOE_ERROR(GMOE_ENOMEM, "out of memory");
    }
  }
  return GMOE_OK;
}
