/* sweep.h: rate experiments, the paper's simulation study.
 *
 * A sweep fits R replicate data sets at each of several sample sizes n,
 * all drawn from one true model, and records every replicate's errors
 * (loss.h).  Pair number idx = size_index * reps + replicate in the full
 * ordered list of (n, replicate) pairs; rows[idx] holds its result.
 *
 * Reproducibility: data set (n, replicate) is gmoe_sim_draw(truth, seed,
 * replicate) with n rows, and its fit starts from a stream derived from
 * (seed, n, replicate) as well, so each pair can be recomputed alone, in
 * any order, on any thread, process or machine.  Every column of a row
 * except `seconds` is therefore identical bit for bit whatever the thread
 * count or the way the sweep was split into shards.
 *
 * Shards: shard I of N (1-based) runs only the pairs with idx % N == I-1.
 * Shard files written by gmoe_sweep_save are combined by gmoe_sweep_merge
 * into the sweep a single run would have produced.
 *
 * Ownership: a sweep owns its copies of the truth, the fit options, the
 * size list and the rows.  The engine never prints; progress reaches the
 * caller through a callback run in the calling thread.
 */
#ifndef GMOE_SWEEP_H
#define GMOE_SWEEP_H

#include <stddef.h>
#include "em.h"
#include "loss.h"
#include "model.h"

/* How one (n, replicate) pair ended. */
typedef enum {
  GMOE_SWEEP_MISSING = 0,  /* not run: other shard, or interrupted */
  GMOE_SWEEP_CONVERGED,    /* fit converged within tol */
  GMOE_SWEEP_MAXITER,      /* fit stopped at maxiter (errors still measured) */
  GMOE_SWEEP_FAILED        /* fit failed (numerical error); errors are NaN */
} gmoe_sweep_status;

typedef struct gmoe_sweep_row {
  size_t n;
  unsigned long replicate;
  gmoe_sweep_status status;
  size_t iterations;
  double loglik;
  double err[GMOE_ERR_COUNT];  /* loss.h order; NaN when failed or missing */
  double seconds;              /* wall time of draw, fit and errors */
} gmoe_sweep_row;

/* What to run.  sizes are borrowed by gmoe_sweep_alloc (copied). */
typedef struct gmoe_sweep_settings {
  const size_t *sizes;     /* sample sizes, distinct, each >= 1 */
  size_t nsizes;
  size_t reps;             /* replicates per size */
  unsigned long seed;      /* data seed (sim.h) */
  size_t shard_index;      /* I of N, 1-based; 1 of 1 runs every pair */
  size_t shard_count;
  size_t threads;          /* worker threads; 0: number of online cores */
  double voronoi_r;        /* exponent for cells with several atoms (2) */
  size_t hellinger_nx;     /* x points of the Hellinger error */
} gmoe_sweep_settings;

typedef struct gmoe_sweep {
  gmoe_model *truth;       /* owned copy; NULL for a merged sweep */
  gmoe_fit_opts opts;      /* fit options (seed replaced per pair) */
  size_t *sizes;           /* owned, nsizes entries */
  size_t nsizes, reps;
  unsigned long seed;
  size_t shard_index, shard_count;
  size_t threads;
  double voronoi_r;
  size_t hellinger_nx;
  char *settings;          /* the truth/fit/loss header lines, owned */
  gmoe_sweep_row *rows;    /* nsizes * reps, by pair index */
  size_t finished;         /* rows that are not missing */
  size_t failed;           /* rows with status FAILED */
  int interrupted;         /* the last run was stopped early */
  char first_failure[256]; /* message of the first failed fit, or "" */
} gmoe_sweep;

/* Fill settings with defaults: no sizes, 10 replicates, seed 1, shard 1/1,
 * all cores, r = 2, 200 Hellinger points. */
void gmoe_sweep_settings_default(gmoe_sweep_settings *set);

/* Fill sizes[0..count-1] with count sample sizes from a to b, evenly spaced
 * (or evenly spaced in log n when logscale is set), rounded to integers.
 * Fails with a message when the range is empty or rounding repeats a size. */
int gmoe_sweep_sizes_range(size_t a, size_t b, size_t count, int logscale, size_t *sizes);

/* Allocate a sweep for a truth and fit options (both copied).  Every row
 * starts missing.  Returns NULL with a message on invalid settings. */
gmoe_sweep *gmoe_sweep_alloc(const gmoe_model *truth, const gmoe_fit_opts *opts,
                             const gmoe_sweep_settings *set);

/* Free a sweep; NULL is a no-op. */
void gmoe_sweep_free(gmoe_sweep *sw);

/* Number of pairs of the full sweep (nsizes * reps). */
size_t gmoe_sweep_pairs(const gmoe_sweep *sw);

/* Number of pairs this sweep's shard owns. */
size_t gmoe_sweep_shard_pairs(const gmoe_sweep *sw);

/* Progress callback of gmoe_sweep_run, called in the calling thread after
 * pairs finish and about ten times a second: done and total count this
 * shard's pairs, work_done and work_total weigh each pair by its n (a
 * better base for an ETA).  Return non-zero to stop: no new pair starts,
 * fits in flight are abandoned, finished rows are kept. */
typedef int (*gmoe_sweep_progress)(size_t done, size_t total, double work_done,
                                   double work_total, void *user);

/* Run this shard's pairs with sw->threads worker threads.  Returns GMOE_OK
 * (possibly with sw->interrupted set, or with failed fits counted in
 * sw->failed) or an error with a message (invalid options, threads that
 * cannot start). */
int gmoe_sweep_run(gmoe_sweep *sw, gmoe_sweep_progress progress, void *user);

/* Compute one row alone: the data set, fit and errors of pair idx (the
 * same numbers gmoe_sweep_run stores).  stop, when not NULL, is polled
 * (atomically) during the fit; a stopped pair comes back MISSING.  Fails
 * for a merged sweep, which has no truth to draw from. */
int gmoe_sweep_run_pair(const gmoe_sweep *sw, size_t idx, const int *stop,
                        gmoe_sweep_row *row);

/* Per-size summary over the replicates that have errors (converged or at
 * maxiter): mean and sample standard deviation of each error (sd 0 with
 * one value, NaN with none). */
typedef struct gmoe_sweep_stat {
  size_t n;
  size_t finished, converged, failed;
  size_t count[GMOE_ERR_COUNT];   /* replicates with a finite error */
  double mean[GMOE_ERR_COUNT];
  double sd[GMOE_ERR_COUNT];
  double mean_iterations, mean_seconds;
} gmoe_sweep_stat;

/* Summarise size number si (0-based, in the sweep's size order). */
void gmoe_sweep_stat_size(const gmoe_sweep *sw, size_t si, gmoe_sweep_stat *st);

/* Least-squares line log(mean error) = intercept + slope log(n) over the
 * sizes whose mean error is finite and positive, with a 95% confidence
 * interval for the slope (Student t with sizes-2 degrees of freedom). */
typedef struct gmoe_sweep_rate {
  size_t sizes;            /* sizes used; slope NaN below 2, CI NaN below 3 */
  double slope, ci_low, ci_high;
  double intercept;
  double se;               /* standard error of the slope */
} gmoe_sweep_rate;

/* Fit the rate line of error measure `which` (loss.h). */
void gmoe_sweep_rate_fit(const gmoe_sweep *sw, int which, gmoe_sweep_rate *rate);

/* The points behind a rate line, for plots: log n and log mean error of
 * the sizes the line uses, into logn and logerr (nsizes entries each);
 * returns how many. */
size_t gmoe_sweep_rate_points(const gmoe_sweep *sw, int which, double *logn, double *logerr);

/* Write every finished row to path as CSV (a '#' header with the settings
 * needed to merge, a column header, one row per finished pair in index
 * order, numbers %.17g), via a temporary file and a rename. */
int gmoe_sweep_save(const gmoe_sweep *sw, const char *path);

/* Read shard files written by gmoe_sweep_save and rebuild the full sweep.
 * Fails with a message naming the file when settings differ, when a pair
 * appears twice, when a row does not belong to its file's shard, or when
 * pairs are missing from the union. */
gmoe_sweep *gmoe_sweep_merge(const char *const *paths, size_t npaths);

/* Column name of an error measure in sweep files and tables ("beta1/tau"
 * becomes "beta1_tau" so the name is a valid identifier). */
const char *gmoe_sweep_column_name(int which);

/* Name of a pair status ("converged", "maxiter", "failed", "missing"). */
const char *gmoe_sweep_status_name(gmoe_sweep_status st);

/* Number of online processor cores (at least 1). */
size_t gmoe_sweep_online_cores(void);

#endif
