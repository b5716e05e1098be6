/* sweep.c: rate experiments over sample sizes and replicates, threads,
 * shards, summaries, rate lines and sweep files. */
#include <config.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>
#include <gsl/gsl_cdf.h>
#include "csv.h"
#include "error.h"
#include "sim.h"
#include "sweep.h"

#define GMOE_SWEEP_MAGIC "gmoe sweep 1"
#define GMOE_SWEEP_MAX_PAIRS ((size_t)100000000)

static const char *const gmoe_sweep_columns[GMOE_ERR_COUNT] = {
  "weight", "beta1", "tau", "beta1_tau", "a", "b", "nu", "voronoi", "hellinger"
};

static const char *const gmoe_sweep_status_names[] = {
  "missing", "converged", "maxiter", "failed"
};

/* Column name of an error measure in sweep files and tables. */
const char *
gmoe_sweep_column_name(int which)
{
  if (which < 0 || which >= GMOE_ERR_COUNT)
    return "?";
  return gmoe_sweep_columns[which];
}

/* Name of a pair status. */
const char *
gmoe_sweep_status_name(gmoe_sweep_status st)
{
  if ((int)st < 0 || (int)st > (int)GMOE_SWEEP_FAILED)
    return "?";
  return gmoe_sweep_status_names[st];
}

/* Number of online processor cores (at least 1). */
size_t
gmoe_sweep_online_cores(void)
{
  long c = sysconf(_SC_NPROCESSORS_ONLN);
  return c > 0 ? (size_t)c : 1;
}

/* Fill settings with the defaults. */
void
gmoe_sweep_settings_default(gmoe_sweep_settings *set)
{
  memset(set, 0, sizeof *set);
  set->reps = 10;
  set->seed = 1;
  set->shard_index = 1;
  set->shard_count = 1;
  set->threads = 0;
  set->voronoi_r = 2.0;
  set->hellinger_nx = 200;
}

/* Fill sizes with count sizes from a to b, linear or log spaced. */
int
gmoe_sweep_sizes_range(size_t a, size_t b, size_t count, int logscale, size_t *sizes)
{
  size_t i;
  if (a < 1)
    GMOE_ERROR(GMOE_EINVAL, "the smallest sample size must be at least 1, got %zu", a);
  if (count < 1)
    GMOE_ERROR(GMOE_EINVAL, "the number of sizes must be at least 1");
  if (count == 1) {
    if (a != b)
      GMOE_ERROR(GMOE_EINVAL, "one size cannot span %zu to %zu: give count 2 or more", a, b);
    sizes[0] = a;
    return GMOE_OK;
  }
  if (b <= a)
    GMOE_ERROR(GMOE_EINVAL, "the range %zu to %zu is empty: the end must exceed the start", a, b);
  for (i = 0; i < count; i++) {
    double f = (double)i / (double)(count - 1), v;
    if (logscale)
      v = exp(log((double)a) + f * (log((double)b) - log((double)a)));
    else
      v = (double)a + f * ((double)b - (double)a);
    sizes[i] = (i == 0) ? a : (i + 1 == count) ? b : (size_t)llround(v);
    if (i > 0 && sizes[i] <= sizes[i - 1])
      GMOE_ERROR(GMOE_EINVAL,
                 "%zu sizes from %zu to %zu repeat after rounding to integers: "
                 "use fewer sizes or a wider range", count, a, b);
  }
  return GMOE_OK;
}

/* Append printf-style text to a growing string; returns -1 when memory runs out. */
static int
gmoe_sweep_strcat(char **s, size_t *len, const char *fmt, ...)
{
  va_list ap;
  char *p;
  int m;
  va_start(ap, fmt);
  m = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (m < 0)
    return -1;
  p = realloc(*s, *len + (size_t)m + 1);
  if (p == NULL)
    return -1;
  *s = p;
  va_start(ap, fmt);
  vsnprintf(p + *len, (size_t)m + 1, fmt, ap);
  va_end(ap);
  *len += (size_t)m;
  return 0;
}

/* Name of a temperature mode as the command language spells it. */
static const char *
gmoe_sweep_temp_name(gmoe_temp_mode t)
{
  switch (t) {
  case GMOE_TEMP_LEARN: return "learn";
  case GMOE_TEMP_ANNEAL: return "anneal";
  default: return "fixed";
  }
}

/* Name of an initialisation method as the command language spells it. */
static const char *
gmoe_sweep_init_name(gmoe_init_method m)
{
  switch (m) {
  case GMOE_INIT_KMEANS: return "kmeans";
  case GMOE_INIT_RANDOM: return "random";
  default: return "truth";
  }
}

/* Append a comma-separated vector of %.17g numbers. */
static int
gmoe_sweep_strcat_vec(char **s, size_t *len, const double *v, size_t m)
{
  size_t j;
  for (j = 0; j < m; j++)
    if (gmoe_sweep_strcat(s, len, "%s%.17g", j ? "," : "", v[j]) < 0)
      return -1;
  return 0;
}

/* Build the settings text (truth, fit and loss lines) that decides whether
 * two sweep files can be merged; the caller owns the string. */
static char *
gmoe_sweep_settings_text(const gmoe_model *t, const gmoe_fit_opts *o, double r, size_t nx)
{
  char *s = NULL;
  size_t len = 0, i, d = t->d;
  int bad = 0;
  bad |= gmoe_sweep_strcat(&s, &len, "truth k %zu d %zu activation %s tau %.17g\n", t->k, d,
                           gmoe_activation_name(t->act), t->tau);
  for (i = 0; i < t->k && !bad; i++) {
    bad |= gmoe_sweep_strcat(&s, &len, "truth expert %zu beta0 %.17g beta1 ", i + 1, t->beta0[i]);
    bad |= gmoe_sweep_strcat_vec(&s, &len, t->beta1 + i * d, d);
    bad |= gmoe_sweep_strcat(&s, &len, " a ");
    bad |= gmoe_sweep_strcat_vec(&s, &len, t->a + i * d, d);
    bad |= gmoe_sweep_strcat(&s, &len, " b %.17g nu %.17g\n", t->b[i], t->nu[i]);
  }
  bad |= gmoe_sweep_strcat(&s, &len,
                           "fit k %zu activation %s temperature %s tau %.17g tau_start %.17g "
                           "tau_end %.17g anneal_iters %zu\n",
                           o->k, gmoe_activation_name(o->act), gmoe_sweep_temp_name(o->temp),
                           o->tau, o->tau_start, o->tau_end, o->anneal_iters);
  bad |= gmoe_sweep_strcat(&s, &len,
                           "fit maxiter %zu tol %.17g init %s restarts %zu var_floor %.17g "
                           "gate_steps %zu init_noise %.17g accel %s\n",
                           o->maxiter, o->tol, gmoe_sweep_init_name(o->init), o->restarts,
                           o->var_floor, o->gate_steps, o->init_noise, o->accel ? "on" : "off");
  bad |= gmoe_sweep_strcat(&s, &len, "loss r %.17g hellinger_nx %zu\n", r, nx);
  if (bad) {
    free(s);
    return NULL;
  }
  return s;
}

/* Set a row to the missing state for pair idx. */
static void
gmoe_sweep_row_reset(const gmoe_sweep *sw, size_t idx, gmoe_sweep_row *row)
{
  size_t e;
  memset(row, 0, sizeof *row);
  row->n = sw->sizes[idx / sw->reps];
  row->replicate = (unsigned long)(idx % sw->reps);
  row->status = GMOE_SWEEP_MISSING;
  row->loglik = NAN;
  row->seconds = NAN;
  for (e = 0; e < GMOE_ERR_COUNT; e++)
    row->err[e] = NAN;
}

/* Allocate the parts common to a run and a merge: sizes, rows, settings. */
static gmoe_sweep *
gmoe_sweep_alloc_common(const size_t *sizes, size_t nsizes, size_t reps)
{
  gmoe_sweep *sw;
  size_t i, j, idx;
  if (nsizes < 1) {
    gmoe_error_set("a sweep needs at least one sample size");
    return NULL;
  }
  if (reps < 1) {
    gmoe_error_set("a sweep needs at least one replicate per size");
    return NULL;
  }
  if (nsizes > GMOE_SWEEP_MAX_PAIRS / reps) {
    gmoe_error_set("%zu sizes times %zu replicates is more than %zu pairs", nsizes, reps,
                   GMOE_SWEEP_MAX_PAIRS);
    return NULL;
  }
  for (i = 0; i < nsizes; i++) {
    if (sizes[i] < 1) {
      gmoe_error_set("sample sizes must be at least 1, got %zu", sizes[i]);
      return NULL;
    }
    for (j = 0; j < i; j++)
      if (sizes[j] == sizes[i]) {
        gmoe_error_set("sample size %zu appears twice in the list", sizes[i]);
        return NULL;
      }
  }
  sw = calloc(1, sizeof *sw);
  if (sw == NULL)
    goto nomem;
  sw->sizes = malloc(nsizes * sizeof *sw->sizes);
  sw->rows = malloc(nsizes * reps * sizeof *sw->rows);
  if (sw->sizes == NULL || sw->rows == NULL) {
    gmoe_sweep_free(sw);
    goto nomem;
  }
  memcpy(sw->sizes, sizes, nsizes * sizeof *sizes);
  sw->nsizes = nsizes;
  sw->reps = reps;
  sw->shard_index = 1;
  sw->shard_count = 1;
  for (idx = 0; idx < nsizes * reps; idx++)
    gmoe_sweep_row_reset(sw, idx, &sw->rows[idx]);
  return sw;
nomem:
  gmoe_error_set("out of memory for a sweep of %zu sizes and %zu replicates", nsizes, reps);
  return NULL;
}

/* Allocate a sweep for a truth and fit options. */
gmoe_sweep *
gmoe_sweep_alloc(const gmoe_model *truth, const gmoe_fit_opts *opts,
                 const gmoe_sweep_settings *set)
{
  gmoe_sweep *sw;
  if (gmoe_model_validate(truth) != GMOE_OK || gmoe_fit_opts_validate(opts) != GMOE_OK)
    return NULL;
  if (set->shard_count < 1 || set->shard_index < 1 || set->shard_index > set->shard_count) {
    gmoe_error_set("shard %zu/%zu does not exist: give I/N with 1 <= I <= N", set->shard_index,
                   set->shard_count);
    return NULL;
  }
  if (!(set->voronoi_r > 0.0) || !isfinite(set->voronoi_r)) {
    gmoe_error_set("the Voronoi exponent r must be positive, got %g", set->voronoi_r);
    return NULL;
  }
  if (set->hellinger_nx < 1) {
    gmoe_error_set("the Hellinger error needs at least one x point");
    return NULL;
  }
  sw = gmoe_sweep_alloc_common(set->sizes, set->nsizes, set->reps);
  if (sw == NULL)
    return NULL;
  sw->truth = gmoe_model_clone(truth);
  sw->opts = *opts;
  sw->opts.record_trace = 0;
  sw->seed = set->seed;
  sw->shard_index = set->shard_index;
  sw->shard_count = set->shard_count;
  sw->threads = set->threads;
  sw->voronoi_r = set->voronoi_r;
  sw->hellinger_nx = set->hellinger_nx;
  sw->settings = sw->truth ? gmoe_sweep_settings_text(truth, opts, set->voronoi_r,
                                                      set->hellinger_nx) : NULL;
  if (sw->truth == NULL || sw->settings == NULL) {
    gmoe_sweep_free(sw);
    gmoe_error_set("out of memory");
    return NULL;
  }
  return sw;
}

/* Free a sweep; NULL is a no-op. */
void
gmoe_sweep_free(gmoe_sweep *sw)
{
  if (sw == NULL)
    return;
  gmoe_model_free(sw->truth);
  free(sw->sizes);
  free(sw->rows);
  free(sw->settings);
  free(sw);
}

/* Number of pairs of the full sweep. */
size_t
gmoe_sweep_pairs(const gmoe_sweep *sw)
{
  return sw->nsizes * sw->reps;
}

/* Whether pair idx belongs to shard I of N. */
static int
gmoe_sweep_in_shard(size_t idx, size_t shard_index, size_t shard_count)
{
  return idx % shard_count == shard_index - 1;
}

/* Number of pairs this sweep's shard owns. */
size_t
gmoe_sweep_shard_pairs(const gmoe_sweep *sw)
{
  size_t total = gmoe_sweep_pairs(sw);
  size_t full = total / sw->shard_count, rest = total % sw->shard_count;
  return full + (sw->shard_index - 1 < rest ? 1 : 0);
}

/* Seconds on the monotonic clock. */
static double
gmoe_sweep_now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Fit progress callback that stops the fit once the sweep's stop flag is set. */
static int
gmoe_sweep_fit_stop(const gmoe_em *em, size_t restart, void *user)
{
  const int *stop = user;
  return __atomic_load_n(stop, __ATOMIC_RELAXED);
}

/* Seed of the initialisation stream of pair (seed, n, replicate): a second
 * hash of the data stream's seed, so the two streams never coincide. */
static unsigned long
gmoe_sweep_fit_seed(unsigned long seed, size_t n, unsigned long replicate)
{
  return gmoe_sim_stream_seed(gmoe_sim_stream_seed(seed, n, replicate), 0x666974, 1);
}

/* Compute one row alone: data set, fit and errors of pair idx. */
int
gmoe_sweep_run_pair(const gmoe_sweep *sw, size_t idx, const int *stop, gmoe_sweep_row *row)
{
  gmoe_fit_opts opts;
  gmoe_fit_result res;
  gmoe_data *data;
  double t0 = gmoe_sweep_now();
  size_t e;
  int status;

  if (sw->truth == NULL)
    GMOE_ERROR(GMOE_EINVAL, "a merged sweep has no truth to draw data from");
  if (idx >= gmoe_sweep_pairs(sw))
    GMOE_ERROR(GMOE_EINVAL, "pair %zu is outside the sweep (%zu pairs)", idx,
               gmoe_sweep_pairs(sw));
  gmoe_sweep_row_reset(sw, idx, row);
  gmoe_error_clear();
  memset(&res, 0, sizeof res);
  data = gmoe_data_alloc(row->n, sw->truth->d);
  if (data == NULL) {
    row->status = GMOE_SWEEP_FAILED;
    goto done;
  }
  status = gmoe_sim_draw(sw->truth, sw->seed, row->replicate, data);
  if (status != GMOE_OK) {
    row->status = GMOE_SWEEP_FAILED;
    goto done;
  }
  opts = sw->opts;
  opts.seed = gmoe_sweep_fit_seed(sw->seed, row->n, row->replicate);
  opts.record_trace = 0;
  status = gmoe_fit(data, &opts, sw->truth, stop ? gmoe_sweep_fit_stop : NULL, (void *)stop,
                    &res);
  if (status != GMOE_OK || res.model == NULL) {
    row->status = GMOE_SWEEP_FAILED;
    goto done;
  }
  if (res.status == GMOE_EINTR) {
    row->status = GMOE_SWEEP_MISSING;
    goto done;
  }
  row->status = res.status == GMOE_OK ? GMOE_SWEEP_CONVERGED : GMOE_SWEEP_MAXITER;
  row->iterations = res.iterations;
  row->loglik = res.loglik;
  status = gmoe_loss_voronoi(res.model, sw->truth, sw->voronoi_r, row->err);
  if (status != GMOE_OK) {
    row->status = GMOE_SWEEP_FAILED;
    goto done;
  }
  row->err[GMOE_ERR_HELLINGER] = gmoe_loss_hellinger(res.model, sw->truth, sw->hellinger_nx);
done:
  /* One spelling of NaN, so files round-trip byte for byte. */
  for (e = 0; e < GMOE_ERR_COUNT; e++)
    if (isnan(row->err[e]) || row->status == GMOE_SWEEP_FAILED)
      row->err[e] = NAN;
  if (isnan(row->loglik))
    row->loglik = NAN;
  row->seconds = row->status == GMOE_SWEEP_MISSING ? NAN : gmoe_sweep_now() - t0;
  gmoe_fit_result_clear(&res);
  gmoe_data_free(data);
  return GMOE_OK;
}

/* Shared state of the worker threads of one run. */
struct gmoe_sweep_pool {
  gmoe_sweep *sw;
  const size_t *order;     /* pair indices in scheduling order */
  size_t norder;
  size_t next;             /* next entry of order to hand out */
  size_t done;             /* pairs finished (not missing) */
  double work_done;        /* sum of n over finished pairs */
  size_t live;             /* workers still running */
  int stop;                /* set atomically: start no new pair */
  pthread_mutex_t mu;
  pthread_cond_t cv;
};

/* Worker thread: take pairs from the pool until none is left or stop is set. */
static void *
gmoe_sweep_worker(void *arg)
{
  struct gmoe_sweep_pool *pool = arg;
  gmoe_sweep *sw = pool->sw;
  for (;;) {
    gmoe_sweep_row row;
    size_t idx;
    pthread_mutex_lock(&pool->mu);
    if (__atomic_load_n(&pool->stop, __ATOMIC_RELAXED) || pool->next == pool->norder) {
      pool->live--;
      pthread_cond_signal(&pool->cv);
      pthread_mutex_unlock(&pool->mu);
      return NULL;
    }
    idx = pool->order[pool->next++];
    pthread_mutex_unlock(&pool->mu);

    gmoe_sweep_run_pair(sw, idx, &pool->stop, &row);

    pthread_mutex_lock(&pool->mu);
    sw->rows[idx] = row;
    if (row.status != GMOE_SWEEP_MISSING) {
      pool->done++;
      pool->work_done += (double)row.n;
    }
    if (row.status == GMOE_SWEEP_FAILED && sw->first_failure[0] == '\0')
      snprintf(sw->first_failure, sizeof sw->first_failure, "n = %zu, replicate %lu: %s",
               row.n, row.replicate,
               gmoe_error_message()[0] ? gmoe_error_message() : "the fit failed");
    pthread_cond_signal(&pool->cv);
    pthread_mutex_unlock(&pool->mu);
  }
}

/* Order this shard's pairs for scheduling: replicate by replicate, the
 * largest sizes first within each, so an interrupted sweep holds whole
 * replicates and the threads finish on short pairs.  Returns the count. */
static size_t
gmoe_sweep_schedule(const gmoe_sweep *sw, size_t *order)
{
  size_t *by_size = malloc(sw->nsizes * sizeof *by_size);
  size_t m = 0, i, j, r;
  if (by_size == NULL)
    return 0;
  for (i = 0; i < sw->nsizes; i++)
    by_size[i] = i;
  for (i = 1; i < sw->nsizes; i++)  /* insertion sort by decreasing n */
    for (j = i; j > 0 && sw->sizes[by_size[j]] > sw->sizes[by_size[j - 1]]; j--) {
      size_t t = by_size[j];
      by_size[j] = by_size[j - 1];
      by_size[j - 1] = t;
    }
  for (r = 0; r < sw->reps; r++)
    for (i = 0; i < sw->nsizes; i++) {
      size_t idx = by_size[i] * sw->reps + r;
      if (gmoe_sweep_in_shard(idx, sw->shard_index, sw->shard_count))
        order[m++] = idx;
    }
  free(by_size);
  return m;
}

/* Recount finished and failed rows. */
static void
gmoe_sweep_recount(gmoe_sweep *sw)
{
  size_t idx;
  sw->finished = sw->failed = 0;
  for (idx = 0; idx < gmoe_sweep_pairs(sw); idx++) {
    if (sw->rows[idx].status != GMOE_SWEEP_MISSING)
      sw->finished++;
    if (sw->rows[idx].status == GMOE_SWEEP_FAILED)
      sw->failed++;
  }
}

/* Run this shard's pairs with worker threads. */
int
gmoe_sweep_run(gmoe_sweep *sw, gmoe_sweep_progress progress, void *user)
{
  struct gmoe_sweep_pool pool;
  pthread_t *tid;
  size_t total = gmoe_sweep_pairs(sw), nthreads, started = 0, i, idx;
  double work_total = 0.0;
  size_t *order;
  int stopped = 0;

  if (sw->truth == NULL)
    GMOE_ERROR(GMOE_EINVAL, "a merged sweep cannot be run again: it has no truth to draw from");
  if (gmoe_fit_opts_validate(&sw->opts) != GMOE_OK)
    return GMOE_EINVAL;
  order = malloc(total * sizeof *order);
  if (order == NULL)
    GMOE_ERROR(GMOE_ENOMEM, "out of memory for %zu pairs", total);
  memset(&pool, 0, sizeof pool);
  pool.sw = sw;
  pool.order = order;
  pool.norder = gmoe_sweep_schedule(sw, order);
  for (idx = 0; idx < total; idx++)
    gmoe_sweep_row_reset(sw, idx, &sw->rows[idx]);
  for (i = 0; i < pool.norder; i++)
    work_total += (double)sw->rows[order[i]].n;
  sw->first_failure[0] = '\0';
  sw->interrupted = 0;

  nthreads = sw->threads ? sw->threads : gmoe_sweep_online_cores();
  if (nthreads > pool.norder)
    nthreads = pool.norder;
  if (nthreads < 1)
    nthreads = 1;
  tid = malloc(nthreads * sizeof *tid);
  if (tid == NULL) {
    free(order);
    GMOE_ERROR(GMOE_ENOMEM, "out of memory for %zu threads", nthreads);
  }
  pthread_mutex_init(&pool.mu, NULL);
  pthread_cond_init(&pool.cv, NULL);

  pthread_mutex_lock(&pool.mu);
  for (i = 0; i < nthreads; i++) {
    if (pthread_create(&tid[i], NULL, gmoe_sweep_worker, &pool) != 0)
      break;
    started++;
    pool.live++;
  }
  while (pool.live > 0) {
    struct timespec ts;
    size_t done;
    double work;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 100000000L;
    if (ts.tv_nsec >= 1000000000L) {
      ts.tv_sec++;
      ts.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&pool.cv, &pool.mu, &ts);
    done = pool.done;
    work = pool.work_done;
    pthread_mutex_unlock(&pool.mu);
    if (progress != NULL && !stopped && progress(done, pool.norder, work, work_total, user)) {
      stopped = 1;
      __atomic_store_n(&pool.stop, 1, __ATOMIC_RELAXED);
    }
    pthread_mutex_lock(&pool.mu);
  }
  pthread_mutex_unlock(&pool.mu);
  for (i = 0; i < started; i++)
    pthread_join(tid[i], NULL);
  if (progress != NULL && started > 0)
    progress(pool.done, pool.norder, pool.work_done, work_total, user);
  pthread_cond_destroy(&pool.cv);
  pthread_mutex_destroy(&pool.mu);
  free(tid);
  free(order);
  gmoe_sweep_recount(sw);
  if (started == 0)
    GMOE_ERROR(GMOE_ENOMEM, "could not start a worker thread: %s", strerror(errno));
  sw->interrupted = stopped && sw->finished < pool.norder;
  return GMOE_OK;
}

/* Summarise size number si over its replicates that have errors. */
void
gmoe_sweep_stat_size(const gmoe_sweep *sw, size_t si, gmoe_sweep_stat *st)
{
  size_t r, e, used = 0;
  double sum_it = 0.0, sum_sec = 0.0;
  memset(st, 0, sizeof *st);
  st->n = sw->sizes[si];
  for (e = 0; e < GMOE_ERR_COUNT; e++) {
    double sum = 0.0, ss = 0.0, mean;
    size_t c = 0;
    for (r = 0; r < sw->reps; r++) {
      const gmoe_sweep_row *row = &sw->rows[si * sw->reps + r];
      if (row->status == GMOE_SWEEP_MISSING || row->status == GMOE_SWEEP_FAILED
          || !isfinite(row->err[e]))
        continue;
      sum += row->err[e];
      c++;
    }
    mean = c ? sum / (double)c : NAN;
    for (r = 0; r < sw->reps && c > 1; r++) {
      const gmoe_sweep_row *row = &sw->rows[si * sw->reps + r];
      if (row->status == GMOE_SWEEP_MISSING || row->status == GMOE_SWEEP_FAILED
          || !isfinite(row->err[e]))
        continue;
      ss += (row->err[e] - mean) * (row->err[e] - mean);
    }
    st->count[e] = c;
    st->mean[e] = mean;
    st->sd[e] = c > 1 ? sqrt(ss / (double)(c - 1)) : c == 1 ? 0.0 : NAN;
  }
  for (r = 0; r < sw->reps; r++) {
    const gmoe_sweep_row *row = &sw->rows[si * sw->reps + r];
    if (row->status == GMOE_SWEEP_MISSING)
      continue;
    st->finished++;
    if (row->status == GMOE_SWEEP_CONVERGED)
      st->converged++;
    if (row->status == GMOE_SWEEP_FAILED) {
      st->failed++;
      continue;
    }
    used++;
    sum_it += (double)row->iterations;
    sum_sec += row->seconds;
  }
  st->mean_iterations = used ? sum_it / (double)used : NAN;
  st->mean_seconds = used ? sum_sec / (double)used : NAN;
}

/* The points behind a rate line: log n and log mean error. */
size_t
gmoe_sweep_rate_points(const gmoe_sweep *sw, int which, double *logn, double *logerr)
{
  size_t si, m = 0;
  gmoe_sweep_stat st;
  for (si = 0; si < sw->nsizes; si++) {
    gmoe_sweep_stat_size(sw, si, &st);
    if (!isfinite(st.mean[which]) || !(st.mean[which] > 0.0))
      continue;
    logn[m] = log((double)st.n);
    logerr[m] = log(st.mean[which]);
    m++;
  }
  return m;
}

/* Fit the rate line of one error measure with a 95% confidence interval. */
void
gmoe_sweep_rate_fit(const gmoe_sweep *sw, int which, gmoe_sweep_rate *rate)
{
  double *x = malloc(2 * sw->nsizes * sizeof *x), *y;
  double mx = 0.0, my = 0.0, sxx = 0.0, sxy = 0.0, sse = 0.0;
  size_t m, i;
  rate->sizes = 0;
  rate->slope = rate->ci_low = rate->ci_high = rate->intercept = rate->se = NAN;
  if (x == NULL)
    return;
  y = x + sw->nsizes;
  m = gmoe_sweep_rate_points(sw, which, x, y);
  rate->sizes = m;
  for (i = 0; i < m; i++) {
    mx += x[i];
    my += y[i];
  }
  if (m >= 2) {
    mx /= (double)m;
    my /= (double)m;
    for (i = 0; i < m; i++) {
      sxx += (x[i] - mx) * (x[i] - mx);
      sxy += (x[i] - mx) * (y[i] - my);
    }
    rate->slope = sxy / sxx;
    rate->intercept = my - rate->slope * mx;
  }
  if (m >= 3) {
    double t;
    for (i = 0; i < m; i++) {
      double res = y[i] - rate->intercept - rate->slope * x[i];
      sse += res * res;
    }
    rate->se = sqrt(sse / (double)(m - 2) / sxx);
    t = gsl_cdf_tdist_Pinv(0.975, (double)(m - 2));
    rate->ci_low = rate->slope - t * rate->se;
    rate->ci_high = rate->slope + t * rate->se;
  }
  free(x);
}

/* Print one number for a sweep file: %.17g, with a single spelling of NaN. */
static void
gmoe_sweep_put_num(FILE *f, double v)
{
  if (isnan(v))
    fputs("nan", f);
  else
    fprintf(f, "%.17g", v);
}

/* Write the '#' header and the column header of a sweep file. */
static void
gmoe_sweep_write_header(FILE *f, const gmoe_sweep *sw)
{
  const char *p = sw->settings;
  size_t i;
  fprintf(f, "# %s\n# sizes ", GMOE_SWEEP_MAGIC);
  for (i = 0; i < sw->nsizes; i++)
    fprintf(f, "%s%zu", i ? "," : "", sw->sizes[i]);
  fprintf(f, "\n# reps %zu\n# seed %lu\n# shard %zu/%zu\n", sw->reps, sw->seed, sw->shard_index,
          sw->shard_count);
  while (p != NULL && *p != '\0') {
    const char *nl = strchr(p, '\n');
    size_t len = nl ? (size_t)(nl - p) : strlen(p);
    fprintf(f, "# %.*s\n", (int)len, p);
    p += len + (nl ? 1 : 0);
  }
  fputs("n,replicate,status,iterations,loglik", f);
  for (i = 0; i < GMOE_ERR_COUNT; i++)
    fprintf(f, ",%s", gmoe_sweep_columns[i]);
  fputs(",seconds\n", f);
}

/* Write every finished row to path as CSV via a temporary file. */
int
gmoe_sweep_save(const gmoe_sweep *sw, const char *path)
{
  size_t len = strlen(path), idx, e;
  char *tmp = malloc(len + 16);
  FILE *f;
  int fd, bad;
  if (tmp == NULL)
    GMOE_ERROR(GMOE_ENOMEM, "out of memory");
  snprintf(tmp, len + 16, "%s.tmpXXXXXX", path);
  fd = mkstemp(tmp);
  if (fd < 0) {
    gmoe_error_set("cannot write '%s': %s", path, strerror(errno));
    free(tmp);
    return GMOE_EIO;
  }
  f = fdopen(fd, "w");
  if (f == NULL) {
    gmoe_error_set("cannot write '%s': %s", path, strerror(errno));
    close(fd);
    unlink(tmp);
    free(tmp);
    return GMOE_EIO;
  }
  gmoe_sweep_write_header(f, sw);
  for (idx = 0; idx < gmoe_sweep_pairs(sw); idx++) {
    const gmoe_sweep_row *row = &sw->rows[idx];
    if (row->status == GMOE_SWEEP_MISSING)
      continue;
    fprintf(f, "%zu,%lu,%s,%zu,", row->n, row->replicate, gmoe_sweep_status_name(row->status),
            row->iterations);
    gmoe_sweep_put_num(f, row->loglik);
    for (e = 0; e < GMOE_ERR_COUNT; e++) {
      fputc(',', f);
      gmoe_sweep_put_num(f, row->err[e]);
    }
    fputc(',', f);
    gmoe_sweep_put_num(f, row->seconds);
    fputc('\n', f);
  }
  errno = 0;
  bad = fflush(f) != 0 || ferror(f) || fsync(fd) != 0;
  if (fclose(f) != 0)
    bad = 1;
  if (!bad) {
    /* mkstemp makes the file private; give it the usual permissions. */
    mode_t mask = umask(0);
    umask(mask);
    chmod(tmp, 0666 & ~mask);
  }
  if (bad || rename(tmp, path) != 0) {
    gmoe_error_set("cannot write '%s': %s", path, strerror(errno ? errno : EIO));
    unlink(tmp);
    free(tmp);
    return GMOE_EIO;
  }
  free(tmp);
  return GMOE_OK;
}

/* What a sweep file's header says. */
struct gmoe_sweep_header {
  size_t *sizes, nsizes, reps, shard_index, shard_count;
  unsigned long seed;
  char *settings;
  size_t settings_len;
  int have_sizes, have_reps, have_seed, have_shard;
};

/* Free what a parsed header owns. */
static void
gmoe_sweep_header_clear(struct gmoe_sweep_header *h)
{
  free(h->sizes);
  free(h->settings);
  memset(h, 0, sizeof *h);
}

/* Parse a non-negative decimal integer filling the whole of [s, end). */
static int
gmoe_sweep_parse_size(const char *s, const char *end, size_t *v)
{
  unsigned long long x = 0;
  if (s == end)
    return -1;
  for (; s < end; s++) {
    if (*s < '0' || *s > '9' || x > (ULLONG_MAX - 9) / 10)
      return -1;
    x = x * 10 + (unsigned long long)(*s - '0');
  }
  if (x > SIZE_MAX)
    return -1;
  *v = (size_t)x;
  return 0;
}

/* Parse the comma-separated sizes of a header line. */
static int
gmoe_sweep_parse_sizes(const char *s, struct gmoe_sweep_header *h)
{
  size_t cap = 0;
  while (*s) {
    const char *c = strchr(s, ',');
    const char *end = c ? c : s + strlen(s);
    size_t v;
    if (gmoe_sweep_parse_size(s, end, &v) < 0)
      return -1;
    if (h->nsizes == cap) {
      size_t *p;
      cap = cap ? 2 * cap : 16;
      p = realloc(h->sizes, cap * sizeof *p);
      if (p == NULL)
        return -1;
      h->sizes = p;
    }
    h->sizes[h->nsizes++] = v;
    if (c == NULL)
      break;
    s = c + 1;
  }
  return h->nsizes ? 0 : -1;
}

/* Parse one '#' header line (without "# " and the newline) into h. */
static int
gmoe_sweep_parse_header_line(const char *path, long lineno, const char *s,
                             struct gmoe_sweep_header *h)
{
  const char *v;
  if (strncmp(s, "sizes ", 6) == 0) {
    if (gmoe_sweep_parse_sizes(s + 6, h) < 0)
      GMOE_ERROR(GMOE_EDATA, "%s:%ld: bad size list '%s'", path, lineno, s + 6);
    h->have_sizes = 1;
  } else if (strncmp(s, "reps ", 5) == 0) {
    v = s + 5;
    if (gmoe_sweep_parse_size(v, v + strlen(v), &h->reps) < 0)
      GMOE_ERROR(GMOE_EDATA, "%s:%ld: bad replicate count '%s'", path, lineno, v);
    h->have_reps = 1;
  } else if (strncmp(s, "seed ", 5) == 0) {
    size_t seed;
    v = s + 5;
    if (gmoe_sweep_parse_size(v, v + strlen(v), &seed) < 0)
      GMOE_ERROR(GMOE_EDATA, "%s:%ld: bad seed '%s'", path, lineno, v);
    h->seed = (unsigned long)seed;
    h->have_seed = 1;
  } else if (strncmp(s, "shard ", 6) == 0) {
    const char *slash = strchr(s + 6, '/');
    if (slash == NULL || gmoe_sweep_parse_size(s + 6, slash, &h->shard_index) < 0
        || gmoe_sweep_parse_size(slash + 1, slash + 1 + strlen(slash + 1), &h->shard_count) < 0
        || h->shard_count < 1 || h->shard_index < 1 || h->shard_index > h->shard_count)
      GMOE_ERROR(GMOE_EDATA, "%s:%ld: bad shard '%s' (expected I/N)", path, lineno, s + 6);
    h->have_shard = 1;
  } else {
    if (gmoe_sweep_strcat(&h->settings, &h->settings_len, "%s\n", s) < 0)
      GMOE_ERROR(GMOE_ENOMEM, "out of memory");
  }
  return GMOE_OK;
}

/* Parse one number of a row field; NaN is spelt "nan". */
static int
gmoe_sweep_parse_num(const char *s, double *v)
{
  char *end;
  if (*s == '\0')
    return -1;
  errno = 0;
  *v = strtod(s, &end);
  if (*end != '\0' || (errno == ERANGE && fabs(*v) > 1.0))
    return -1;
  return 0;
}

/* Find the index of size n in a sweep, or return nsizes. */
static size_t
gmoe_sweep_find_size(const gmoe_sweep *sw, size_t n)
{
  size_t i;
  for (i = 0; i < sw->nsizes; i++)
    if (sw->sizes[i] == n)
      break;
  return i;
}

/* Parse one data row of file `path` into the merged sweep.  owner[idx]
 * records which file (plus one) filled each pair. */
static int
gmoe_sweep_parse_row(gmoe_sweep *sw, size_t *owner, const char *const *paths, size_t file,
                     long lineno, char *line, const struct gmoe_sweep_header *h)
{
  const char *path = paths[file];
  char *field[5 + GMOE_ERR_COUNT + 1];
  size_t nf = 0, n, rep, it, si, idx, e, want = 5 + GMOE_ERR_COUNT + 1;
  char *p = line;
  gmoe_sweep_row row;
  int st;

  for (;;) {
    char *c = strchr(p, ',');
    if (nf == want)
      GMOE_ERROR(GMOE_EDATA, "%s:%ld: more than %zu fields", path, lineno, want);
    field[nf++] = p;
    if (c == NULL)
      break;
    *c = '\0';
    p = c + 1;
  }
  if (nf != want)
    GMOE_ERROR(GMOE_EDATA, "%s:%ld: %zu fields, expected %zu", path, lineno, nf, want);
  if (gmoe_sweep_parse_size(field[0], field[0] + strlen(field[0]), &n) < 0)
    GMOE_ERROR(GMOE_EDATA, "%s:%ld: bad sample size '%s'", path, lineno, field[0]);
  if (gmoe_sweep_parse_size(field[1], field[1] + strlen(field[1]), &rep) < 0)
    GMOE_ERROR(GMOE_EDATA, "%s:%ld: bad replicate '%s'", path, lineno, field[1]);
  for (st = GMOE_SWEEP_CONVERGED; st <= GMOE_SWEEP_FAILED; st++)
    if (strcmp(field[2], gmoe_sweep_status_names[st]) == 0)
      break;
  if (st > GMOE_SWEEP_FAILED)
    GMOE_ERROR(GMOE_EDATA, "%s:%ld: bad status '%s' (expected converged, maxiter or failed)",
               path, lineno, field[2]);
  if (gmoe_sweep_parse_size(field[3], field[3] + strlen(field[3]), &it) < 0)
    GMOE_ERROR(GMOE_EDATA, "%s:%ld: bad iteration count '%s'", path, lineno, field[3]);
  si = gmoe_sweep_find_size(sw, n);
  if (si == sw->nsizes)
    GMOE_ERROR(GMOE_EDATA, "%s:%ld: sample size %zu is not in the sweep's size list", path,
               lineno, n);
  if (rep >= sw->reps)
    GMOE_ERROR(GMOE_EDATA, "%s:%ld: replicate %zu is outside 0..%zu", path, lineno, rep,
               sw->reps - 1);
  idx = si * sw->reps + rep;
  if (!gmoe_sweep_in_shard(idx, h->shard_index, h->shard_count))
    GMOE_ERROR(GMOE_EDATA, "%s:%ld: pair (n = %zu, replicate %zu) does not belong to shard %zu/%zu",
               path, lineno, n, rep, h->shard_index, h->shard_count);
  if (owner[idx] != 0)
    GMOE_ERROR(GMOE_EDATA, "pair (n = %zu, replicate %zu) appears twice: in %s and %s:%ld", n,
               rep, paths[owner[idx] - 1], path, lineno);
  memset(&row, 0, sizeof row);
  row.n = n;
  row.replicate = (unsigned long)rep;
  row.status = (gmoe_sweep_status)st;
  row.iterations = it;
  if (gmoe_sweep_parse_num(field[4], &row.loglik) < 0)
    GMOE_ERROR(GMOE_EDATA, "%s:%ld: bad log-likelihood '%s'", path, lineno, field[4]);
  for (e = 0; e < GMOE_ERR_COUNT; e++)
    if (gmoe_sweep_parse_num(field[5 + e], &row.err[e]) < 0)
      GMOE_ERROR(GMOE_EDATA, "%s:%ld: bad %s error '%s'", path, lineno, gmoe_sweep_columns[e],
                 field[5 + e]);
  if (gmoe_sweep_parse_num(field[5 + GMOE_ERR_COUNT], &row.seconds) < 0)
    GMOE_ERROR(GMOE_EDATA, "%s:%ld: bad seconds '%s'", path, lineno, field[5 + GMOE_ERR_COUNT]);
  sw->rows[idx] = row;
  owner[idx] = file + 1;
  return GMOE_OK;
}

/* Compare a later file's header with the first one's. */
static int
gmoe_sweep_header_match(const char *p0, const struct gmoe_sweep_header *h0, const char *p,
                        const struct gmoe_sweep_header *h)
{
  if (h->nsizes != h0->nsizes || memcmp(h->sizes, h0->sizes, h->nsizes * sizeof *h->sizes) != 0)
    GMOE_ERROR(GMOE_EDATA, "%s and %s list different sample sizes: not shards of one sweep", p0, p);
  if (h->reps != h0->reps)
    GMOE_ERROR(GMOE_EDATA, "%s has %zu replicates per size but %s has %zu: not shards of one sweep",
               p0, h0->reps, p, h->reps);
  if (h->seed != h0->seed)
    GMOE_ERROR(GMOE_EDATA, "%s has seed %lu but %s has seed %lu: not shards of one sweep", p0,
               h0->seed, p, h->seed);
  if (strcmp(h->settings ? h->settings : "", h0->settings ? h0->settings : "") != 0) {
    const char *a = h0->settings ? h0->settings : "", *b = h->settings ? h->settings : "";
    while (*a && *a == *b) {  /* point at the first line that differs */
      a++;
      b++;
    }
    while (a > h0->settings && a[-1] != '\n') {
      a--;
      b--;
    }
    GMOE_ERROR(GMOE_EDATA, "%s and %s were run with different settings ('%.*s' vs '%.*s')", p0, p,
               (int)strcspn(a, "\n"), a, (int)strcspn(b, "\n"), b);
  }
  return GMOE_OK;
}

/* Read one sweep file: its header into h and, when sw is not NULL, its rows
 * into sw.  With sw NULL only the header is read.  When h0 is not NULL the
 * header must match it (the first file's) before any row is read. */
static int
gmoe_sweep_read_file(const char *const *paths, size_t file, struct gmoe_sweep_header *h,
                     const struct gmoe_sweep_header *h0, gmoe_sweep *sw, size_t *owner)
{
  const char *path = paths[file];
  FILE *f = fopen(path, "r");
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  long lineno = 0;
  int status = GMOE_OK, in_header = 1;
  char colhdr[512];
  size_t e, cl;

  if (f == NULL)
    GMOE_ERROR(GMOE_EIO, "cannot read '%s': %s", path, strerror(errno));
  cl = (size_t)snprintf(colhdr, sizeof colhdr, "n,replicate,status,iterations,loglik");
  for (e = 0; e < GMOE_ERR_COUNT; e++)
    cl += (size_t)snprintf(colhdr + cl, sizeof colhdr - cl, ",%s", gmoe_sweep_columns[e]);
  snprintf(colhdr + cl, sizeof colhdr - cl, ",seconds");
  while ((len = gmoe_csv_getline(&line, &cap, f)) >= 0) {
    lineno++;
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
      line[--len] = '\0';
    if (lineno == 1) {
      if (strcmp(line, "# " GMOE_SWEEP_MAGIC) != 0) {
        gmoe_error_set("%s: not a gmoe sweep file (its first line should be '# %s')", path,
                       GMOE_SWEEP_MAGIC);
        status = GMOE_EDATA;
        break;
      }
      continue;
    }
    if (in_header && line[0] == '#') {
      status = gmoe_sweep_parse_header_line(path, lineno, line + (line[1] == ' ' ? 2 : 1), h);
      if (status != GMOE_OK)
        break;
      continue;
    }
    if (in_header) {
      if (strcmp(line, colhdr) != 0) {
        gmoe_error_set("%s:%ld: unexpected column header (expected '%s')", path, lineno, colhdr);
        status = GMOE_EDATA;
        break;
      }
      if (!h->have_sizes || !h->have_reps || !h->have_seed || !h->have_shard) {
        gmoe_error_set("%s: the header lacks its '# %s' line", path,
                       !h->have_sizes ? "sizes" : !h->have_reps ? "reps"
                       : !h->have_seed ? "seed" : "shard");
        status = GMOE_EDATA;
        break;
      }
      in_header = 0;
      if (h0 != NULL && (status = gmoe_sweep_header_match(paths[0], h0, path, h)) != GMOE_OK)
        break;
      if (sw == NULL)
        break;
      continue;
    }
    if (len == 0)
      continue;
    status = gmoe_sweep_parse_row(sw, owner, paths, file, lineno, line, h);
    if (status != GMOE_OK)
      break;
  }
  if (status == GMOE_OK && in_header) {
    gmoe_error_set("%s: no column header: the file ends inside its '#' header", path);
    status = GMOE_EDATA;
  }
  if (status == GMOE_OK && ferror(f)) {
    gmoe_error_set("cannot read '%s': %s", path, strerror(errno));
    status = GMOE_EIO;
  }
  free(line);
  fclose(f);
  return status;
}

/* Read the value after `key ` in a settings line starting with `prefix`. */
static const char *
gmoe_sweep_setting(const char *settings, const char *prefix, const char *key)
{
  const char *p = settings;
  size_t kl = strlen(key), pl = strlen(prefix);
  while (p != NULL && *p) {
    if (strncmp(p, prefix, pl) == 0) {
      const char *end = strchr(p, '\n'), *q = p;
      if (end == NULL)
        end = p + strlen(p);
      while ((q = strstr(q, key)) != NULL && q < end) {
        if (q[-1] == ' ' && q[kl] == ' ')
          return q + kl + 1;
        q += kl;
      }
    }
    p = strchr(p, '\n');
    if (p != NULL)
      p++;
  }
  return NULL;
}

/* Read shard files and rebuild the full sweep. */
gmoe_sweep *
gmoe_sweep_merge(const char *const *paths, size_t npaths)
{
  struct gmoe_sweep_header h0, h;
  gmoe_sweep *sw = NULL;
  size_t *owner = NULL, i, idx, missing = 0, first = 0;
  const char *v;

  if (npaths < 1) {
    gmoe_error_set("no sweep files to merge");
    return NULL;
  }
  memset(&h0, 0, sizeof h0);
  memset(&h, 0, sizeof h);
  if (gmoe_sweep_read_file(paths, 0, &h0, NULL, NULL, NULL) != GMOE_OK)
    goto fail;
  sw = gmoe_sweep_alloc_common(h0.sizes, h0.nsizes, h0.reps);
  if (sw == NULL) {
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", gmoe_error_message());
    gmoe_error_set("%s: %s", paths[0], msg);
    goto fail;
  }
  owner = calloc(gmoe_sweep_pairs(sw), sizeof *owner);
  if (owner == NULL) {
    gmoe_error_set("out of memory");
    goto fail;
  }
  sw->seed = h0.seed;
  sw->settings = h0.settings ? strdup(h0.settings) : strdup("");
  if (sw->settings == NULL) {
    gmoe_error_set("out of memory");
    goto fail;
  }
  for (i = 0; i < npaths; i++) {
    gmoe_sweep_header_clear(&h);
    if (gmoe_sweep_read_file(paths, i, &h, i > 0 ? &h0 : NULL, sw, owner) != GMOE_OK)
      goto fail;
  }
  for (idx = 0; idx < gmoe_sweep_pairs(sw); idx++)
    if (owner[idx] == 0 && missing++ == 0)
      first = idx;
  if (missing > 0) {
    gmoe_error_set("%zu of %zu pairs are missing from the merged files (the first: n = %zu, "
                   "replicate %zu): merge every shard", missing, gmoe_sweep_pairs(sw),
                   sw->sizes[first / sw->reps], first % sw->reps);
    goto fail;
  }
  gmoe_fit_opts_default(&sw->opts);
  sw->voronoi_r = 2.0;
  sw->hellinger_nx = 0;
  if ((v = gmoe_sweep_setting(sw->settings, "loss ", "r")) != NULL)
    sw->voronoi_r = strtod(v, NULL);
  if ((v = gmoe_sweep_setting(sw->settings, "loss ", "hellinger_nx")) != NULL)
    sw->hellinger_nx = (size_t)strtoul(v, NULL, 10);
  gmoe_sweep_recount(sw);
  gmoe_sweep_header_clear(&h0);
  gmoe_sweep_header_clear(&h);
  free(owner);
  return sw;
fail:
  gmoe_sweep_header_clear(&h0);
  gmoe_sweep_header_clear(&h);
  free(owner);
  gmoe_sweep_free(sw);
  return NULL;
}
