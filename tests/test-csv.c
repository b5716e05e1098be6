/* test-csv.c: CSV round trips, every malformed-input message word for
 * word, CRLF and byte order marks, column selection, long lines and many
 * rows, and the safety of writing through a temporary file. */
#include <config.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "csv.h"
#include "data.h"
#include "error.h"
#include "check.h"

static char dir[256];

/* Path of a file named name in the test directory (static buffer, two in turn). */
static const char *
path_of(const char *name)
{
  static char buf[2][512];
  static int which;
  which = !which;
  snprintf(buf[which], sizeof buf[which], "%s/%s", dir, name);
  return buf[which];
}

/* Write len bytes of content to the test file name and return its path. */
static const char *
put_file(const char *name, const char *content, size_t len)
{
  const char *p = path_of(name);
  FILE *f = fopen(p, "wb");
  if (f == NULL || fwrite(content, 1, len, f) != len || fclose(f) != 0) {
    fprintf(stderr, "test-csv: cannot write %s: %s\n", p, strerror(errno));
    exit(99);
  }
  return p;
}

/* Write a string to the test file name and return its path. */
static const char *
put_str(const char *name, const char *content)
{
  return put_file(name, content, strlen(content));
}

/* Read a file that must fail and compare the message with the expected
 * text, in which every "P" stands for the file's path. */
static void
expect_error(const char *path, const char *ycol, const char *xcols, const char *want_fmt)
{
  char want[2048];
  size_t i, o = 0;
  gmoe_data *data;
  for (i = 0; want_fmt[i] && o + strlen(path) + 1 < sizeof want; i++) {
    if (want_fmt[i] == 'P') {
      strcpy(want + o, path);
      o += strlen(path);
    } else {
      want[o++] = want_fmt[i];
    }
  }
  want[o] = '\0';
  gmoe_error_clear();
  data = gmoe_csv_read(path, ycol, xcols);
  CHECK(data == NULL, "%s: read succeeded, expected the error \"%s\"", path, want);
  CHECK(strcmp(gmoe_error_message(), want) == 0, "message \"%s\"\n  expected \"%s\"",
        gmoe_error_message(), want);
  gmoe_data_free(data);
}

/* Write a string file named name, then expect want_fmt when reading it. */
static void
bad(const char *name, const char *content, const char *ycol, const char *xcols,
    const char *want_fmt)
{
  expect_error(put_file(name, content, strlen(content)), ycol, xcols, want_fmt);
}

/* Every malformed file and request gives its exact message. */
static void
test_errors(void)
{
  static const char nul[] = "a,y\n1,\0002\n";
  char *big;
  size_t i, o;

  expect_error(path_of("missing.csv"), NULL, NULL, "P: cannot open: No such file or directory");
  expect_error(dir, NULL, NULL, "P: is a directory, not a CSV file");
  bad("empty.csv", "", NULL, NULL, "P: empty file (expected a header row of column names)");
  bad("blank.csv", "\n  \n\r\n", NULL, NULL,
      "P: empty file (expected a header row of column names)");
  bad("bomonly.csv", "\xEF\xBB\xBF\r\n", NULL, NULL,
      "P: empty file (expected a header row of column names)");
  bad("blankfirst.csv", "\nx,y\n1,2\n", NULL, NULL,
      "P:1: empty first line (expected a header row of column names)");
  bad("header.csv", "x,y\n", NULL, NULL, "P: no data rows after the header");
  bad("header2.csv", "x,y\r\n\r\n\n", NULL, NULL, "P: no data rows after the header");
  bad("ragged.csv", "a,b,y\n1,2,3\n4,5\n", NULL, NULL, "P:3: expected 3 fields, found 2");
  bad("ragged2.csv", "a,b,y\n1,2,3,4\n", NULL, NULL, "P:2: expected 3 fields, found 4");
  bad("trailing.csv", "a,y\n1,2,\n", NULL, NULL, "P:2: expected 2 fields, found 3");
  bad("text.csv", "a,x,y\n1,2,3\n1,abc,2\n", NULL, NULL,
      "P:3: column 2 ('x'): 'abc' is not a number");
  bad("suffix.csv", "a,y\n1.5kg,2\n", NULL, NULL, "P:2: column 1 ('a'): '1.5kg' is not a number");
  bad("comma.csv", "a,y\n\"1,5\",2\n", NULL, NULL, "P:2: column 1 ('a'): '1,5' is not a number");
  bad("nan.csv", "a,y\n1,2\nnan,3\n", NULL, NULL,
      "P:3: column 1 ('a'): 'nan' is not a finite number");
  bad("inf.csv", "a,y\n1,-Infinity\n", NULL, NULL,
      "P:2: column 2 ('y'): '-Infinity' is not a finite number");
  bad("huge.csv", "a,y\n1e999,1\n", NULL, NULL,
      "P:2: column 1 ('a'): '1e999' is not a finite number");
  bad("hole.csv", "a,x,y\n1, ,3\n", NULL, NULL,
      "P:2: column 2 ('x'): empty cell, expected a number");
  bad("single.csv", "y\n1\n2\n", NULL, NULL,
      "P:1: only one column ('y'); need at least one input column and a y column");
  bad("noheader.csv", "1,2\n3,4\n", NULL, NULL,
      "P:1: the first line holds numbers, not column names (add a header row)");
  bad("dup.csv", "a,b,a,b\n1,2,3,4\n", NULL, NULL, "P:1: columns 1 and 3 are both named 'a'");
  bad("noname.csv", "a,,y\n1,2,3\n", NULL, NULL, "P:1: column 2 has no name");
  bad("gap.csv", "a,y\n1,2\n\n3,4\n", NULL, NULL, "P:3: empty line inside the data");
  bad("quote.csv", "a,\"y\n1,2\n", NULL, NULL, "P:1: column 2: quoted field is not closed");
  bad("afterquote.csv", "\"a\"b,y\n1,2\n", NULL, NULL,
      "P:1: column 1: text after the closing quote");
  bad("oldmac.csv", "a,y\r1,2\r3,4\r", NULL, NULL,
      "P:1: carriage return inside a line (only LF and CRLF line ends are supported)");
  expect_error(put_file("nul.csv", nul, sizeof nul - 1), NULL, NULL,
               "P:2: contains a NUL byte (not a text file?)");
  bad("utf16.csv", "\xFF\xFE" "a\0,\0y\0\n\0", NULL, NULL,
      "P: UTF-16 text is not supported (save the file as UTF-8)");

  /* Column requests. */
  bad("cols.csv", "a,x,y\n1,2,3\n", "z", NULL,
      "P:1: no column named 'z' (the columns are a, x, y)");
  bad("cols.csv", "a,x,y\n1,2,3\n", NULL, "a,w",
      "P:1: no column named 'w' (the columns are a, x, y)");
  bad("cols.csv", "a,x,y\n1,2,3\n", "x", "a,x", "P: column 'x' cannot be both y and an input");
  bad("cols.csv", "a,x,y\n1,2,3\n", NULL, "a, a", "P: column 'a' is listed twice among the inputs");
  bad("cols.csv", "a,x,y\n1,2,3\n", NULL, "a,,x", "P: empty name in the input column list 'a,,x'");
  bad("cols.csv", "c1,c2,c3,c4,c5,c6,c7,c8,c9,c10\n1,2,3,4,5,6,7,8,9,10\n", "nope", NULL,
      "P:1: no column named 'nope' (the columns are c1, c2, c3, c4, c5, c6, c7, c8, ... "
      "(10 in all))");

  /* Too many inputs for a model. */
  big = malloc(100000);
  for (i = 0, o = 0; i < 70; i++)
    o += (size_t)sprintf(big + o, "%sc%zu", i ? "," : "", i + 1);
  o += (size_t)sprintf(big + o, "\n");
  for (i = 0; i < 70; i++)
    o += (size_t)sprintf(big + o, "%s%zu", i ? "," : "", i);
  sprintf(big + o, "\n");
  bad("wide.csv", big, NULL, NULL, "P: 69 input columns, more than the 64 a model can have (choose fewer)");

  /* A huge cell is quoted in part: 40 bytes and an ellipsis. */
  strcpy(big, "a,y\n1,");
  o = strlen(big);
  for (i = 0; i < 50000; i++)
    big[o++] = (char)('0' + i % 10);
  strcpy(big + o, "z\n");
  bad("longcell.csv", big, NULL, NULL,
      "P:2: column 2 ('y'): '0123456789012345678901234567890123456789...' is not a number");
  free(big);
}

/* Whether two doubles have the same bits (so -0 and 0 differ). */
static int
same_bits(double a, double b)
{
  return memcmp(&a, &b, sizeof a) == 0;
}

/* Whether the test directory holds a leftover temporary file. */
static int
leftover_temp(void)
{
  DIR *dp = opendir(dir);
  struct dirent *e;
  int found = 0;
  while (dp && (e = readdir(dp)) != NULL)
    if (strstr(e->d_name, ".tmp.") != NULL)
      found = 1;
  if (dp)
    closedir(dp);
  return found;
}

/* Written data read back is identical bit for bit, names included. */
static void
test_round_trip(void)
{
  static const double special[] = {
    0.1, -0.0, 5e-324, 1.7976931348623157e308, -2.2250738585072014e-308, M_PI, 1e-300,
    123456789012345678.0, 1.0 / 3.0, -7.0, 2.5e-17, 0.0
  };
  size_t n = 1000, d = 2, t, j;
  gmoe_data *data = gmoe_data_alloc(n, d), *back;
  const char *p = path_of("round.csv");
  unsigned long long s = 88172645463325252ULL;
  char *text;
  for (t = 0; t < n; t++)
    for (j = 0; j <= d; j++) {
      double v;
      s ^= s << 13;
      s ^= s >> 7;
      s ^= s << 17;
      if ((t * 3 + j) < sizeof special / sizeof special[0])
        v = special[t * 3 + j];
      else
        v = ldexp((double)(s >> 11) / 9007199254740992.0, (int)(s % 200) - 100)
            * ((s >> 8) & 1 ? -1.0 : 1.0);
      if (j < d)
        data->x[j * n + t] = v;
      else
        data->y[t] = v;
    }
  data->names = calloc(d + 1, sizeof(char *));
  data->names[0] = strdup("dose, mg");
  data->names[1] = strdup("say \"hi\"");
  data->names[2] = strdup("y");
  CHECK(gmoe_csv_write(p, data) == GMOE_OK, "write: %s", gmoe_error_message());
  CHECK(!leftover_temp(), "a temporary file was left behind");
  text = check_slurp(p);
  CHECK(text && strncmp(text, "\"dose, mg\",\"say \"\"hi\"\"\",y\n0.10000000000000001,-0,"
                              "4.9406564584124654e-324\n", 70) == 0,
        "written text starts \"%.80s\"", text ? text : "(none)");
  free(text);
  back = gmoe_csv_read(p, NULL, NULL);
  CHECK(back != NULL, "read back: %s", gmoe_error_message());
  if (back != NULL) {
    CHECK(back->n == n && back->d == d, "read back n = %zu d = %zu", back->n, back->d);
    for (t = 0; t < n && back->n == n && back->d == d; t++) {
      for (j = 0; j < d; j++)
        CHECK(same_bits(back->x[j * n + t], data->x[j * n + t]), "row %zu x%zu: %.17g != %.17g",
              t + 1, j + 1, back->x[j * n + t], data->x[j * n + t]);
      CHECK(same_bits(back->y[t], data->y[t]), "row %zu y: %.17g != %.17g", t + 1, back->y[t],
            data->y[t]);
    }
    for (j = 0; j <= d; j++)
      CHECK(strcmp(back->names[j], data->names[j]) == 0, "name %zu: '%s' != '%s'", j + 1,
            back->names[j], data->names[j]);
  }
  gmoe_data_free(back);

  /* Names that begin like a byte order mark are quoted, so they survive. */
  free(data->names[0]);
  free(data->names[1]);
  data->names[0] = strdup("\xFE\xFF" "a");
  data->names[1] = strdup("\xEF\xBB\xBF" "b");
  CHECK(gmoe_csv_write(p, data) == GMOE_OK, "write odd names: %s", gmoe_error_message());
  back = gmoe_csv_read(p, NULL, NULL);
  CHECK(back && !strcmp(back->names[0], data->names[0]) && !strcmp(back->names[1], data->names[1]),
        "names that look like byte order marks: %s", back ? "changed" : gmoe_error_message());
  gmoe_data_free(back);

  /* Without names the writer uses x1..xd, y. */
  gmoe_data_free(data);
  data = gmoe_data_alloc(2, 2);
  data->x[0] = 1.5;
  data->y[1] = -2.0;
  CHECK(gmoe_csv_write(p, data) == GMOE_OK, "write without names: %s", gmoe_error_message());
  text = check_slurp(p);
  CHECK(text && strcmp(text, "x1,x2,y\n1.5,0,0\n0,0,-2\n") == 0, "written \"%s\"",
        text ? text : "(none)");
  free(text);
  gmoe_data_free(data);
}

/* Failed writes report why and leave the previous file as it was. */
static void
test_write_failures(void)
{
  gmoe_data *data = gmoe_data_alloc(3, 1);
  const char *keep = put_str("keep.csv", "x1,y\n1,2\n");
  char want[600], *text;
  data->y[1] = NAN;
  CHECK(gmoe_csv_write(keep, data) == GMOE_EDATA, "non-finite data written");
  snprintf(want, sizeof want,
           "%s: observation 2 has a non-finite value in column 2; nothing written", keep);
  CHECK(strcmp(gmoe_error_message(), want) == 0, "message \"%s\"", gmoe_error_message());
  text = check_slurp(keep);
  CHECK(text && strcmp(text, "x1,y\n1,2\n") == 0, "the old file changed: \"%s\"", text);
  free(text);
  CHECK(!leftover_temp(), "a temporary file was left behind after a refused write");

  data->y[1] = 0.0;
  CHECK(gmoe_csv_write(path_of("no/such/dir.csv"), data) == GMOE_EIO, "write into nowhere");
  snprintf(want, sizeof want,
           "%s: cannot create a temporary file beside it: No such file or directory",
           path_of("no/such/dir.csv"));
  CHECK(strcmp(gmoe_error_message(), want) == 0, "message \"%s\"", gmoe_error_message());
  CHECK(gmoe_csv_write(dir, data) == GMOE_EIO, "write over a directory");
  snprintf(want, sizeof want, "%s: is a directory", dir);
  CHECK(strcmp(gmoe_error_message(), want) == 0, "message \"%s\"", gmoe_error_message());
  gmoe_data_free(data);
}

/* CRLF line ends, a byte order mark, blanks, quotes and a final line
 * without its end are all read. */
static void
test_dialects(void)
{
  static const char text[] =
    "\xEF\xBB\xBF" " \"in put\" , y \r\n"
    "1.5, -2e-3\r\n"
    "\"0x10\",\" 7 \"\r\n"
    "  .25 ,+4\r\n"
    "\r\n\r\n";
  gmoe_data *data = gmoe_csv_read(put_file("crlf.csv", text, sizeof text - 1), NULL, NULL);
  CHECK(data != NULL, "CRLF + BOM: %s", gmoe_error_message());
  if (data != NULL) {
    CHECK(data->n == 3 && data->d == 1, "CRLF + BOM: n = %zu d = %zu", data->n, data->d);
    CHECK(strcmp(data->names[0], "in put") == 0 && strcmp(data->names[1], "y") == 0,
          "CRLF + BOM: names '%s' '%s'", data->names[0], data->names[1]);
    CHECK(data->n == 3 && data->x[0] == 1.5 && data->x[1] == 16.0 && data->x[2] == 0.25,
          "CRLF + BOM: x = %g %g %g", data->x[0], data->x[1], data->x[2]);
    CHECK(data->n == 3 && data->y[0] == -2e-3 && data->y[1] == 7.0 && data->y[2] == 4.0,
          "CRLF + BOM: y = %g %g %g", data->y[0], data->y[1], data->y[2]);
  }
  gmoe_data_free(data);

  data = gmoe_csv_read(put_str("noend.csv", "a,y\n1,2\n3,4"), NULL, NULL);
  CHECK(data && data->n == 2 && data->y[1] == 4.0, "last line without LF: %s",
        data ? "wrong values" : gmoe_error_message());
  gmoe_data_free(data);

  /* Underflow rounds to zero or a subnormal and is accepted. */
  data = gmoe_csv_read(put_str("tiny.csv", "a,y\n1e-400,1e-310\n"), NULL, NULL);
  CHECK(data && data->x[0] == 0.0 && data->y[0] == 1e-310, "underflow: %s",
        data ? "wrong values" : gmoe_error_message());
  gmoe_data_free(data);
}

/* Columns chosen by name, in the order asked, with names kept. */
static void
test_columns(void)
{
  const char *p = put_str("pick.csv", "a,b,c,d\n1,2,3,4\n5,6,7,8\n");
  gmoe_data *data = gmoe_csv_read(p, "b", "d, a");
  CHECK(data != NULL, "y=b x=d,a: %s", gmoe_error_message());
  if (data != NULL) {
    CHECK(data->d == 2 && data->n == 2, "y=b x=d,a: n = %zu d = %zu", data->n, data->d);
    CHECK(data->x[0] == 4 && data->x[1] == 8 && data->x[2] == 1 && data->x[3] == 5,
          "y=b x=d,a: x = %g %g %g %g", data->x[0], data->x[1], data->x[2], data->x[3]);
    CHECK(data->y[0] == 2 && data->y[1] == 6, "y=b x=d,a: y = %g %g", data->y[0], data->y[1]);
    CHECK(!strcmp(data->names[0], "d") && !strcmp(data->names[1], "a")
            && !strcmp(data->names[2], "b"),
          "y=b x=d,a: names %s %s %s", data->names[0], data->names[1], data->names[2]);
  }
  gmoe_data_free(data);

  data = gmoe_csv_read(p, "a", NULL);
  CHECK(data && data->d == 3 && data->x[0] == 2 && data->x[2] == 3 && data->x[4] == 4
          && data->y[1] == 5,
        "y=a: %s", data ? "wrong layout" : gmoe_error_message());
  gmoe_data_free(data);

  data = gmoe_csv_read(p, NULL, "c");
  CHECK(data && data->d == 1 && data->x[1] == 7 && data->y[1] == 8 && !strcmp(data->names[1], "d"),
        "x=c: %s", data ? "wrong layout" : gmoe_error_message());
  gmoe_data_free(data);

  /* Unused columns may hold anything. */
  data = gmoe_csv_read(put_str("ids.csv", "id,x,y\nA17,1,2\nB2,3,4\n"), NULL, "x");
  CHECK(data && data->n == 2 && data->x[1] == 3 && data->y[1] == 4, "text id column: %s",
        data ? "wrong values" : gmoe_error_message());
  gmoe_data_free(data);
}

/* A line of 20000 columns and one of a 200000-character number. */
static void
test_long_lines(void)
{
  size_t cols = 20000, i, o = 0, cap = 400000;
  char *big = malloc(cap);
  gmoe_data *data;
  for (i = 0; i < cols; i++)
    o += (size_t)snprintf(big + o, cap - o, "%sc%zu", i ? "," : "", i + 1);
  big[o++] = '\n';
  for (i = 0; i < cols; i++)
    o += (size_t)snprintf(big + o, cap - o, "%s%zu", i ? "," : "", i + 1);
  big[o++] = '\n';
  data = gmoe_csv_read(put_file("wide2.csv", big, o), "c20000", "c7,c19999");
  CHECK(data && data->d == 2 && data->x[0] == 7 && data->x[1] == 19999 && data->y[0] == 20000,
        "20000 columns: %s", data ? "wrong values" : gmoe_error_message());
  gmoe_data_free(data);

  strcpy(big, "a,y\n0.");
  o = strlen(big);
  for (i = 0; i < 200000; i++)
    big[o++] = '0';
  strcpy(big + o, "125,3\n");
  data = gmoe_csv_read(put_file("longnum.csv", big, strlen(big)), NULL, NULL);
  CHECK(data && data->x[0] == 0.0 && data->y[0] == 3.0,
        "0.000...0125 (200000 zeros): %s", data ? "wrong value" : gmoe_error_message());
  gmoe_data_free(data);

  strcpy(big, "a,y\n1.");
  o = strlen(big);
  for (i = 0; i < 200000; i++)
    big[o++] = '0';
  strcpy(big + o, "1,3\n");
  data = gmoe_csv_read(put_file("longnum2.csv", big, strlen(big)), NULL, NULL);
  CHECK(data && data->x[0] == 1.0, "1.000...01: %s", data ? "wrong value" : gmoe_error_message());
  gmoe_data_free(data);
  free(big);
}

/* Many rows with three inputs: the columns survive every growth step. */
static void
test_many_rows(void)
{
  size_t n = 300001, t;
  const char *p = path_of("many.csv");
  FILE *f = fopen(p, "w");
  gmoe_data *data;
  int ok = 1;
  fprintf(f, "u,v,w,y\n");
  for (t = 0; t < n; t++)
    fprintf(f, "%zu,%zu.5,-%zu,%zu\n", t, t, t, 2 * t);
  fclose(f);
  data = gmoe_csv_read(p, NULL, NULL);
  CHECK(data && data->n == n && data->d == 3, "%zu rows: %s", n,
        data ? "wrong size" : gmoe_error_message());
  for (t = 0; data && data->n == n && t < n && ok; t++)
    if (data->x[t] != (double)t || data->x[n + t] != t + 0.5 || data->x[2 * n + t] != -(double)t
        || data->y[t] != 2.0 * t) {
      CHECK(0, "row %zu read as %g %g %g %g", t + 1, data->x[t], data->x[n + t],
            data->x[2 * n + t], data->y[t]);
      ok = 0;
    }
  gmoe_data_free(data);
}

/* Remove the test directory and what it holds. */
static void
cleanup(void)
{
  DIR *dp = opendir(dir);
  struct dirent *e;
  while (dp && (e = readdir(dp)) != NULL)
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
      unlink(path_of(e->d_name));
  if (dp)
    closedir(dp);
  rmdir(dir);
}

int
main(void)
{
  gmoe_error_init();
  snprintf(dir, sizeof dir, "test-csv.tmp.XXXXXX");
  if (mkdtemp(dir) == NULL) {
    fprintf(stderr, "test-csv: cannot create a scratch directory: %s\n", strerror(errno));
    return 99;
  }
  test_errors();
  test_round_trip();
  test_write_failures();
  test_dialects();
  test_columns();
  test_long_lines();
  test_many_rows();
  cleanup();
  return check_report("test-csv");
}
