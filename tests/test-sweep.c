/* test-sweep.c: the sweep engine: size grids, reproducibility (threads,
 * single pairs, interruption), shards and merge, summaries and the rate
 * line with its confidence interval, file errors. */
#include <config.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "error.h"
#include "sweep.h"
#include "check.h"

static char tmpdir[256];

/* Whether two rows agree in every field but the wall time, bit for bit. */
static int
same_row(const gmoe_sweep_row *a, const gmoe_sweep_row *b)
{
  return a->n == b->n && a->replicate == b->replicate && a->status == b->status
         && a->iterations == b->iterations
         && memcmp(&a->loglik, &b->loglik, sizeof a->loglik) == 0
         && memcmp(a->err, b->err, sizeof a->err) == 0;
}

/* Whether two sweeps hold the same rows (wall times aside). */
static int
same_rows(const gmoe_sweep *a, const gmoe_sweep *b)
{
  size_t idx;
  if (gmoe_sweep_pairs(a) != gmoe_sweep_pairs(b))
    return 0;
  for (idx = 0; idx < gmoe_sweep_pairs(a); idx++)
    if (!same_row(&a->rows[idx], &b->rows[idx]))
      return 0;
  return 1;
}

/* A small sweep of the default truth (k = 2, d = 1) for shard I/N. */
static gmoe_sweep *
small_sweep(const gmoe_model *truth, size_t threads, size_t shard_i, size_t shard_n)
{
  static const size_t sizes[] = { 60, 150, 400 };
  gmoe_fit_opts opts;
  gmoe_sweep_settings set;
  gmoe_fit_opts_default(&opts);
  opts.maxiter = 200;
  gmoe_sweep_settings_default(&set);
  set.sizes = sizes;
  set.nsizes = 3;
  set.reps = 5;
  set.seed = 7;
  set.threads = threads;
  set.shard_index = shard_i;
  set.shard_count = shard_n;
  set.hellinger_nx = 50;
  return gmoe_sweep_alloc(truth, &opts, &set);
}

/* Progress callback that asks to stop once `*calls` reaches zero. */
static int
stop_after(size_t done, size_t total, double wd, double wt, void *user)
{
  int *calls = user;
  return done > 0 && (*calls)-- <= 0;
}

/* Path of a file in the test's temporary directory. */
static const char *
tmp_path(const char *name)
{
  static char buf[32][320];
  static int k;
  k = (k + 1) % 32;
  snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
  return buf[k];
}

/* Write text to a file. */
static void
spit(const char *path, const char *text)
{
  FILE *f = fopen(path, "w");
  if (f != NULL) {
    fputs(text, f);
    fclose(f);
  }
}

/* Replace the first occurrence of old by new in a file's text. */
static void
edit_file(const char *src, const char *dst, const char *old, const char *new)
{
  char *s = check_slurp(src), *p, *out;
  if (s == NULL)
    return;
  p = strstr(s, old);
  out = malloc(strlen(s) + strlen(new) + 1);
  if (p != NULL && out != NULL) {
    memcpy(out, s, (size_t)(p - s));
    strcpy(out + (p - s), new);
    strcat(out, p + strlen(old));
    spit(dst, out);
  }
  free(out);
  free(s);
}

/* The size grids: endpoints exact, log and linear spacing, refusals. */
static void
test_sizes(void)
{
  size_t v[8];
  check(gmoe_sweep_sizes_range(100, 10000, 3, 1, v) == GMOE_OK && v[0] == 100 && v[1] == 1000
        && v[2] == 10000, "log grid 100..10000 count 3 is 100, 1000, 10000");
  check(gmoe_sweep_sizes_range(10, 20, 3, 0, v) == GMOE_OK && v[0] == 10 && v[1] == 15
        && v[2] == 20, "linear grid 10..20 count 3 is 10, 15, 20");
  check(gmoe_sweep_sizes_range(100, 10000, 8, 1, v) == GMOE_OK && v[1] == 193 && v[6] == 5179,
        "log grid of 8 sizes rounds 10^(2+2/7) to 193 and 10^(2+12/7) to 5179");
  check(gmoe_sweep_sizes_range(10, 12, 5, 0, v) == GMOE_EINVAL
        && strcmp(gmoe_error_message(), "5 sizes from 10 to 12 repeat after rounding to "
                  "integers: use fewer sizes or a wider range") == 0,
        "a grid that repeats sizes is refused with its message");
  check(gmoe_sweep_sizes_range(50, 10, 3, 1, v) == GMOE_EINVAL
        && strcmp(gmoe_error_message(), "the range 50 to 10 is empty: the end must exceed the "
                  "start") == 0, "an empty range is refused with its message");
}

/* The rate line against hand-computed least squares: three sizes a decade
 * apart with log errors a + b log n + (e, -2e, e); the residuals are
 * orthogonal to log n, so the slope is b exactly, SSE = 6 e^2, Sxx = 2
 * log(10)^2, and the 95% interval is b -+ t(0.975, 1) sqrt(3) e / log 10
 * with t(0.975, 1) = 12.706204736. */
static void
test_rate(void)
{
  static const size_t sizes[] = { 100, 1000, 10000 };
  gmoe_model *truth = gmoe_model_alloc(2, 1);
  gmoe_fit_opts opts;
  gmoe_sweep_settings set;
  gmoe_sweep *sw;
  gmoe_sweep_rate r;
  gmoe_sweep_stat st;
  double b = -0.5, a = 1.0, e = 0.05, res[3] = { 0.05, -0.1, 0.05 }, half;
  size_t si, rep;
  gmoe_fit_opts_default(&opts);
  gmoe_sweep_settings_default(&set);
  set.sizes = sizes;
  set.nsizes = 3;
  set.reps = 2;
  sw = gmoe_sweep_alloc(truth, &opts, &set);
  check(sw != NULL, "allocate a sweep of three sizes");
  if (sw == NULL)
    return;
  for (si = 0; si < 3; si++)
    for (rep = 0; rep < 2; rep++) {
      gmoe_sweep_row *row = &sw->rows[si * 2 + rep];
      double mean = exp(a + b * log((double)sizes[si]) + res[si]);
      int k;
      row->status = GMOE_SWEEP_CONVERGED;
      for (k = 0; k < GMOE_ERR_COUNT; k++)  /* replicates mean*(1 -+ 0.1) */
        row->err[k] = mean * (rep ? 1.1 : 0.9);
      row->err[GMOE_ERR_TAU] = 0.0;        /* a zero mean is dropped */
    }
  sw->rows[5].err[GMOE_ERR_A] = NAN;       /* one replicate without an a error */
  gmoe_sweep_rate_fit(sw, GMOE_ERR_HELLINGER, &r);
  half = 12.706204736174707 * sqrt(3.0) * e / log(10.0);
  check(r.sizes == 3, "the rate uses the three sizes");
  check(fabs(r.slope - b) < 1e-12, "slope is b exactly");
  check(fabs(r.ci_low - (b - half)) < 1e-9 && fabs(r.ci_high - (b + half)) < 1e-9,
        "95% interval is b -+ t sqrt(3) e / log 10");
  gmoe_sweep_rate_fit(sw, GMOE_ERR_TAU, &r);
  check(r.sizes == 0 && isnan(r.slope) && isnan(r.ci_low), "zero means are dropped: no line");
  gmoe_sweep_stat_size(sw, 0, &st);
  check(st.n == 100 && st.finished == 2 && st.converged == 2 && st.count[GMOE_ERR_B] == 2,
        "size 100 has two finished replicates");
  check(fabs(st.mean[GMOE_ERR_B] - exp(a + b * log(100.0) + 0.05)) < 1e-12,
        "the mean of mean*(0.9, 1.1) is mean");
  check(fabs(st.sd[GMOE_ERR_B] - 0.2 * exp(a + b * log(100.0) + 0.05) / sqrt(2.0)) < 1e-12,
        "the sample sd of mean*(0.9, 1.1) is 0.2 mean / sqrt 2");
  gmoe_sweep_stat_size(sw, 2, &st);
  check(st.count[GMOE_ERR_A] == 1 && st.sd[GMOE_ERR_A] == 0.0,
        "a NaN error is left out: one value, sd 0");
  sw->rows[0].status = sw->rows[1].status = GMOE_SWEEP_MISSING;
  gmoe_sweep_rate_fit(sw, GMOE_ERR_HELLINGER, &r);
  check(r.sizes == 2 && fabs(r.slope - (res[2] - res[1]) / log(10.0) - b) < 1e-12
        && isnan(r.ci_low), "a size with no finished replicate is dropped; two sizes: no CI");
  gmoe_sweep_free(sw);
  gmoe_model_free(truth);
}

/* Threads, single pairs, interruption, shards, merge and file errors. */
static void
test_runs(void)
{
  gmoe_model *truth = gmoe_model_alloc(2, 1);
  gmoe_sweep *one = small_sweep(truth, 1, 1, 1), *two = small_sweep(truth, 2, 1, 1);
  gmoe_sweep *shard[3], *merged, *part;
  gmoe_sweep_row row;
  const char *paths[4];
  char *text1, *text2;
  size_t idx, i, conv = 0;
  int calls;

  check(one != NULL && two != NULL, "allocate the small sweeps");
  if (one == NULL || two == NULL)
    return;
  check(gmoe_sweep_run(one, NULL, NULL) == GMOE_OK, "run with one thread");
  check(gmoe_sweep_run(two, NULL, NULL) == GMOE_OK, "run with two threads");
  check(one->finished == 15 && one->failed == 0, "15 pairs finished, none failed");
  for (idx = 0; idx < 15; idx++)
    conv += one->rows[idx].status == GMOE_SWEEP_CONVERGED;
  check(conv >= 12, "at least 12 of the 15 small fits converge");
  check(same_rows(one, two), "one and two threads give identical rows");
  check(one->rows[7].n == 150 && one->rows[7].replicate == 2, "pair 7 is (150, replicate 2)");
  check(one->rows[3].err[GMOE_ERR_HELLINGER] > 0.0 && one->rows[3].err[GMOE_ERR_HELLINGER] < 1.0,
        "a Hellinger distance lies in (0, 1)");
  check(gmoe_sweep_run_pair(one, 11, NULL, &row) == GMOE_OK && same_row(&row, &one->rows[11]),
        "pair 11 recomputed alone equals the sweep's row");

  /* Interruption: stop at the first progress call after a pair finished
   * (a pair of these sizes takes milliseconds, 20 of them far longer than
   * the main thread needs to wake up); the kept rows are whole and equal
   * to the same pairs computed alone, the others are missing. */
  {
    static const size_t big[] = { 3000, 5000 };
    gmoe_fit_opts opts;
    gmoe_sweep_settings set;
    size_t kept = 0, bad = 0;
    gmoe_fit_opts_default(&opts);
    gmoe_sweep_settings_default(&set);
    set.sizes = big;
    set.nsizes = 2;
    set.reps = 10;
    set.threads = 1;
    set.hellinger_nx = 50;
    part = gmoe_sweep_alloc(truth, &opts, &set);
    calls = 0;
    check(part != NULL && gmoe_sweep_run(part, stop_after, &calls) == GMOE_OK,
          "an interrupted run returns OK");
    for (idx = 0; part != NULL && idx < 20; idx++) {
      if (part->rows[idx].status == GMOE_SWEEP_MISSING)
        continue;
      kept++;
      bad += gmoe_sweep_run_pair(part, idx, NULL, &row) != GMOE_OK
             || !same_row(&row, &part->rows[idx]);
    }
    check(part != NULL && part->interrupted && kept == part->finished && kept >= 1 && kept < 20,
          "the interrupted run is marked and keeps some but not all pairs");
    check(bad == 0, "every kept row equals its pair computed alone");
    gmoe_sweep_free(part);
  }

  /* Shards 1/3..3/3 saved and merged give the single run's rows. */
  for (i = 0; i < 3; i++) {
    char name[32];
    shard[i] = small_sweep(truth, 1, i + 1, 3);
    check(shard[i] != NULL && gmoe_sweep_run(shard[i], NULL, NULL) == GMOE_OK, "run a shard");
    check(shard[i] != NULL && shard[i]->finished == 5, "each shard of 15 pairs runs 5");
    snprintf(name, sizeof name, "part%zu.csv", i + 1);
    paths[i] = tmp_path(name);
    check(shard[i] != NULL && gmoe_sweep_save(shard[i], paths[i]) == GMOE_OK, "save a shard");
  }
  merged = gmoe_sweep_merge(paths, 3);
  check(merged != NULL, "merge three shards");
  if (merged != NULL) {
    check(same_rows(merged, one), "merged shards equal the single run");
    for (idx = 0; idx < 15; idx++)
      if (merged->rows[idx].seconds != shard[idx % 3]->rows[idx].seconds)
        break;
    check(idx == 15, "merged rows keep the shard's wall times exactly (%.17g round trip)");
    check(gmoe_sweep_save(merged, tmp_path("merged.csv")) == GMOE_OK
          && gmoe_sweep_save(one, tmp_path("one.csv")) == GMOE_OK, "save merged and single");
    text1 = check_slurp(tmp_path("merged.csv"));
    text2 = check_slurp(tmp_path("one.csv"));
    check(text1 != NULL && text2 != NULL && strncmp(text1, text2, strstr(text1, "\nn,") - text1)
          == 0, "merged and single files have the same header");
    free(text1);
    free(text2);
    gmoe_sweep_free(merged);
  }

  /* Merge errors: missing pairs, overlap, other settings, foreign rows. */
  paths[2] = paths[0];
  check(gmoe_sweep_merge(paths, 2) == NULL
        && strcmp(gmoe_error_message(), "5 of 15 pairs are missing from the merged files (the "
                  "first: n = 60, replicate 2): merge every shard") == 0,
        "merging two of three shards names the first missing pair");
  paths[3] = tmp_path("part3.csv");
  paths[2] = paths[0];
  {
    char want[512];
    snprintf(want, sizeof want, "pair (n = 60, replicate 0) appears twice: in %s and %s:13",
             paths[0], paths[0]);
    check(gmoe_sweep_merge(paths, 3) == NULL && strcmp(gmoe_error_message(), want) == 0,
          "a shard given twice is an overlap");
  }
  edit_file(tmp_path("part2.csv"), tmp_path("other.csv"), "nu 0.10000000000000001\n",
            "nu 0.20000000000000001\n");
  paths[1] = tmp_path("other.csv");
  paths[2] = tmp_path("part3.csv");
  check(gmoe_sweep_merge(paths, 3) == NULL
        && strstr(gmoe_error_message(), "were run with different settings ('truth expert 1 ")
        != NULL, "a shard of another truth is refused");
  edit_file(tmp_path("part2.csv"), tmp_path("other.csv"), "# seed 7\n", "# seed 8\n");
  check(gmoe_sweep_merge(paths, 3) == NULL
        && strstr(gmoe_error_message(), "has seed 7 but ") != NULL, "another seed is refused");
  edit_file(tmp_path("part2.csv"), tmp_path("other.csv"), "# shard 2/3\n", "# shard 1/3\n");
  check(gmoe_sweep_merge(paths, 3) == NULL
        && strstr(gmoe_error_message(), "does not belong to shard 1/3") != NULL,
        "a row outside its file's shard is refused");
  spit(tmp_path("junk.csv"), "n,replicate\n1,2\n");
  paths[0] = tmp_path("junk.csv");
  check(gmoe_sweep_merge(paths, 1) == NULL
        && strstr(gmoe_error_message(), "not a gmoe sweep file") != NULL,
        "a file that is not a sweep is refused");
  for (i = 0; i < 3; i++)
    gmoe_sweep_free(shard[i]);
  gmoe_sweep_free(one);
  gmoe_sweep_free(two);
  gmoe_model_free(truth);
}

int
main(void)
{
  char cmd[300];
  gmoe_error_init();
  snprintf(tmpdir, sizeof tmpdir, "%s/gmoe-test-sweep.XXXXXX",
           getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  if (mkdtemp(tmpdir) == NULL) {
    perror("mkdtemp");
    return 99;
  }
  test_sizes();
  test_rate();
  test_runs();
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  if (system(cmd) != 0)
    printf("note: could not remove %s\n", tmpdir);
  return check_report("test-sweep");
}
