/* replay.c: run a fuzzing harness (fuzz-cmd.c or fuzz-csv.c, linked in)
 * on every file of its seed corpus and of its crash reproducers, without
 * libFuzzer, so that make check replays them with the normal build: a
 * reproducer that crashes again fails the test.
 *
 * Usage: replay [DIR...]; with no DIR, the directories corpus-NAME and
 * crashes-NAME under $top_srcdir/tests/fuzz, NAME being FUZZ_NAME (cmd or
 * csv, set when compiling).  Exits 0 after replaying at least one input,
 * 1 when it found none, and dies with the harness on a crash. */
#include <config.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef FUZZ_NAME
#error "compile with -DFUZZ_NAME='\"cmd\"' or '\"csv\"'"
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Compare two directory entry names for qsort. */
static int
replay_cmp(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Feed one file to the harness; returns 1 when it was replayed. */
static int
replay_file(const char *path)
{
  struct stat st;
  FILE *f;
  uint8_t *buf;
  size_t got;
  if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || (f = fopen(path, "rb")) == NULL)
    return 0;
  buf = malloc((size_t)st.st_size + 1);
  if (buf == NULL) {
    fclose(f);
    return 0;
  }
  got = fread(buf, 1, (size_t)st.st_size, f);
  fclose(f);
  LLVMFuzzerTestOneInput(buf, got);
  free(buf);
  return 1;
}

/* Feed every file of directory dir to the harness, in name order; returns
 * how many were replayed (0 when dir does not exist). */
static size_t
replay_dir(const char *dir)
{
  DIR *dp = opendir(dir);
  struct dirent *e;
  char **names = NULL, path[4096];
  size_t n = 0, cap = 0, i, done = 0;
  if (dp == NULL)
    return 0;
  while ((e = readdir(dp)) != NULL) {
    if (e->d_name[0] == '.' || strcmp(e->d_name, "README") == 0)
      continue;
    if (n == cap) {
      char **p = realloc(names, (cap = cap ? 2 * cap : 64) * sizeof *names);
      if (p == NULL)
        break;
      names = p;
    }
    names[n++] = strdup(e->d_name);
  }
  closedir(dp);
  if (n > 0)
    qsort(names, n, sizeof *names, replay_cmp);
  for (i = 0; i < n; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    done += (size_t)replay_file(path);
    free(names[i]);
  }
  free(names);
  return done;
}

int
main(int argc, char **argv)
{
  const char *top = getenv("top_srcdir");
  char dir[4096];
  size_t done = 0;
  int i;
  LLVMFuzzerInitialize(&argc, &argv);
  if (argc > 1) {
    for (i = 1; i < argc; i++)
      done += replay_dir(argv[i]);
  } else {
    snprintf(dir, sizeof dir, "%s/tests/fuzz/corpus-%s", top ? top : ".", FUZZ_NAME);
    done += replay_dir(dir);
    snprintf(dir, sizeof dir, "%s/tests/fuzz/crashes-%s", top ? top : ".", FUZZ_NAME);
    done += replay_dir(dir);
  }
  printf("replay-%s: %zu inputs replayed without a crash\n", FUZZ_NAME, done);
  return done > 0 ? 0 : 1;
}
