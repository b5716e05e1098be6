/* fuzz-csv.c: libFuzzer harness of the CSV reader and writer.
 *
 * Each input is a CSV file, read with the default columns; an input that
 * starts with a byte 0x01 first gives a column request, "YCOL\tXCOLS\n"
 * (empty fields mean the default).  Whatever the input, the reader must
 * either fail with a message or return a data set whose values are all
 * finite; a data set read is written back and must read back identical,
 * bit for bit, names included (a failed check aborts, which the fuzzer
 * reports as a crash).
 *
 * Built with clang -fsanitize=fuzzer by tests/fuzz/run.sh; built with the
 * normal compiler and tests/fuzz/replay.c, it replays the corpus and the
 * crash reproducers in make check. */
#include <config.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "csv.h"
#include "data.h"
#include "error.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The scratch files: the input and its rewritten copy. */
static char fuzz_in[512], fuzz_out[512];

/* Remove the scratch files at exit. */
static void
fuzz_cleanup(void)
{
  unlink(fuzz_in);
  unlink(fuzz_out);
}

/* Choose scratch file names in memory-backed /dev/shm when it exists. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
  const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
  (void)argc;
  (void)argv;
  gmoe_error_init();
  if (dir == NULL)
    dir = "/tmp";
  snprintf(fuzz_in, sizeof fuzz_in, "%s/gmoe-fuzz-csv-%ld.csv", dir, (long)getpid());
  snprintf(fuzz_out, sizeof fuzz_out, "%s/gmoe-fuzz-csv-%ld.out.csv", dir, (long)getpid());
  atexit(fuzz_cleanup);
  return 0;
}

/* Abort with a note when a property fails. */
static void
fuzz_require(int ok, const char *what)
{
  if (!ok) {
    fprintf(stderr, "fuzz-csv: %s\n", what);
    abort();
  }
}

/* Whether two doubles have the same bits. */
static int
fuzz_same(double a, double b)
{
  return memcmp(&a, &b, sizeof a) == 0;
}

/* Read the input as CSV, check it, write it back and read it again. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char ycol[256] = "", xcols[256] = "";
  gmoe_data *d, *back;
  size_t t, j;
  FILE *f;
  if (size > 0 && data[0] == 0x01) {
    const uint8_t *nl = memchr(data, '\n', size), *tab;
    size_t len = nl ? (size_t)(nl - data) : size;
    tab = memchr(data + 1, '\t', len - 1);
    if (tab != NULL && (size_t)(tab - data - 1) < sizeof ycol
        && (size_t)(data + len - tab - 1) < sizeof xcols) {
      memcpy(ycol, data + 1, (size_t)(tab - data - 1));
      memcpy(xcols, tab + 1, (size_t)(data + len - tab - 1));
    }
    data += nl ? len + 1 : size;
    size -= nl ? len + 1 : size;
  }
  f = fopen(fuzz_in, "wb");
  if (f == NULL)
    return 0;
  fwrite(data, 1, size, f);
  fclose(f);
  d = gmoe_csv_read(fuzz_in, ycol[0] ? ycol : NULL, xcols[0] ? xcols : NULL);
  if (d == NULL) {
    fuzz_require(gmoe_error_message()[0] != '\0', "a failed read left no message");
    return 0;
  }
  fuzz_require(d->n > 0 && d->d > 0 && d->names != NULL, "a data set without rows or names");
  for (t = 0; t < d->n * d->d; t++)
    fuzz_require(isfinite(d->x[t]), "a non-finite input value was accepted");
  for (t = 0; t < d->n; t++)
    fuzz_require(isfinite(d->y[t]), "a non-finite y value was accepted");
  fuzz_require(gmoe_csv_write(fuzz_out, d) == GMOE_OK, "writing the data back failed");
  back = gmoe_csv_read(fuzz_out, NULL, NULL);
  fuzz_require(back != NULL, "the written file does not read back");
  fuzz_require(back->n == d->n && back->d == d->d, "the written file has another shape");
  for (t = 0; t < d->n * d->d; t++)
    fuzz_require(fuzz_same(back->x[t], d->x[t]), "an input value changed in the round trip");
  for (t = 0; t < d->n; t++)
    fuzz_require(fuzz_same(back->y[t], d->y[t]), "a y value changed in the round trip");
  for (j = 0; j <= d->d; j++)
    fuzz_require(strcmp(back->names[j], d->names[j]) == 0, "a name changed in the round trip");
  gmoe_data_free(back);
  gmoe_data_free(d);
  return 0;
}
