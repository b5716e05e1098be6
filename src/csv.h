/* csv.h: reading and writing data sets as CSV.
 *
 * Read: a header row of column names, then numeric rows; by default the
 * last column is y and the others are x.  Accepts LF and CRLF line ends and
 * a UTF-8 byte order mark.  Any problem (missing file, ragged row,
 * non-numeric or non-finite cell) is reported with the file, line and
 * column in the error message.
 */
#ifndef GMOE_CSV_H
#define GMOE_CSV_H

#include <stdio.h>
#include <sys/types.h>
#include "data.h"

/* Read path into a new data set.  ycol and xcols choose columns by header
 * name (ycol NULL: last column; xcols NULL: every other column, else a
 * comma-separated list).  On failure returns NULL with a message. */
gmoe_data *gmoe_csv_read(const char *path, const char *ycol, const char *xcols);

/* Read only input columns of path (xcols NULL: every column, else a
 * comma-separated list of header names); y is set to 0 and named "y".  A
 * file may then have a single column.  On failure returns NULL with a
 * message. */
gmoe_data *gmoe_csv_read_inputs(const char *path, const char *xcols);

/* Write data to path (header then rows, %.17g) via a temporary file and a
 * rename, so a failure never leaves a half-written file. */
int gmoe_csv_write(const char *path, const gmoe_data *data);

/* Read one line of f (through its LF, if any) into *line, grown as needed
 * and NUL-terminated, like getline(), except that reading stops right
 * after a NUL byte, so that a binary file or an endless stream of zeros is
 * refused at once instead of read whole.  Returns the number of bytes
 * stored (a NUL among them means the line was cut there), or -1 at the end
 * of the file, on a read error or when memory runs out (errno ENOMEM). */
ssize_t gmoe_csv_getline(char **line, size_t *cap, FILE *f);

#endif
