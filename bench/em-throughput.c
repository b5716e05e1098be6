/* em-throughput.c: time EM iterations and single passes over the data, in
 * nanoseconds per observation per expert.
 *
 *   em-throughput [-n N,...] [-k K,...] [-d D,...] [-a identity,tanh,...]
 *                 [-t fixed,learn] [-i ITERS] [-r REPEATS] [-p]
 *
 * For every combination it simulates n observations from gmoe's default
 * truth with the gate activation replaced and variances 2 (experts that
 * overlap, so that EM takes many iterations) and prints one tab-separated
 * row:
 *   estep_ns, gate_ns  one E-step pass and one gate pass (gradient and
 *                      Hessian) over the data at the truth, timed alone;
 *   iter_ns            one plain EM iteration (SQUAREM off: it adds an
 *                      extrapolation every other iteration), from a random
 *                      start (far from the maximum, so that EM keeps
 *                      moving): twenty warm-up iterations, then ITERS timed
 *                      ones with tol = 0;
 *   gate_per_iter      gate passes per iteration in those;
 *   wall_ns            the same iterations in wall-clock time, which other
 *                      processes on a busy machine inflate;
 * all in nanoseconds per observation per expert, processor time of this
 * thread, the fastest of REPEATS (default 5) rounds.  -p runs the
 * iterations with the plain per-observation reference computations
 * instead of the blocked passes.  One core.
 */
#include <config.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "em.h"
#include "em-pass.h"
#include "error.h"
#include "sim.h"

/* Seconds on clock c (CLOCK_MONOTONIC: wall; CLOCK_THREAD_CPUTIME_ID: this
 * thread's processor time, which other processes on a shared machine do
 * not inflate). */
static double
bench_now(clockid_t c)
{
  struct timespec ts;
  clock_gettime(c, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Parse a comma-separated list of sizes into v (at most max); returns the count. */
static size_t
bench_list(const char *s, size_t *v, size_t max)
{
  size_t c = 0;
  while (*s && c < max) {
    char *end;
    v[c++] = (size_t)strtod(s, &end);
    s = *end == ',' ? end + 1 : end;
    if (end == s && *s)
      break;
  }
  return c;
}

/* Fastest of repeats rounds of five E-step passes and five gate passes at
 * the truth, in seconds per pass, into *es and *gs; 0 on success. */
static int
bench_passes(const gmoe_data *data, const gmoe_model *m, int learn, size_t repeats, double *es,
             double *gs)
{
  size_t n = data->n, k = m->k, d = m->d, dd = d + 1, np = (k - 1) * dd + 1, rep, i, j;
  gmoe_em_pass *p = gmoe_em_pass_alloc(k, d);
  double *lse = malloc(n * sizeof(double)), *r = malloc(k * n * sizeof(double));
  double *st = malloc(k * (dd * dd + dd + 1) * sizeof(double)), *gg = malloc(np * sizeof(double));
  double *hg = malloc(np * np * sizeof(double)), *ra = malloc(k * sizeof(double));
  double *rd1 = malloc(k * d * sizeof(double)), *rd2 = malloc(k * d * d * sizeof(double));
  double *act = NULL, xbar[GMOE_MAX_D], t0, t1;
  int status = 1;
  if (m->act == GMOE_ACT_TANH || m->act == GMOE_ACT_SIGMOID)
    act = malloc(k * n * sizeof(double)); /* kept as EM keeps them */
  if (!p || !lse || !r || !st || !gg || !hg || !ra || !rd1 || !rd2
      || ((m->act == GMOE_ACT_TANH || m->act == GMOE_ACT_SIGMOID) && act == NULL))
    goto out;
  for (j = 0; j < d; j++)
    xbar[j] = 0.5;
  gmoe_em_pass_gate(p, data, m, NULL, learn, 1, lse, act, gg, hg, ra, rd1, rd2);
  gmoe_em_pass_estep(p, data, m, lse, act, xbar, 0.0, r, st, ra, rd1, rd2);
  for (rep = 0; rep < repeats; rep++) {
    t0 = bench_now(CLOCK_THREAD_CPUTIME_ID);
    for (i = 0; i < 5; i++) /* EM stores no responsibilities for the identity */
      gmoe_em_pass_estep(p, data, m, lse, act, xbar, 0.0,
                         m->act == GMOE_ACT_IDENTITY ? NULL : r, st, ra, rd1, rd2);
    t1 = bench_now(CLOCK_THREAD_CPUTIME_ID);
    if (rep == 0 || (t1 - t0) / 5.0 < *es)
      *es = (t1 - t0) / 5.0;
    t0 = bench_now(CLOCK_THREAD_CPUTIME_ID);
    for (i = 0; i < 5; i++)
      gmoe_em_pass_gate(p, data, m, r, learn, 1, lse, act, gg, hg, ra, rd1, rd2);
    t1 = bench_now(CLOCK_THREAD_CPUTIME_ID);
    if (rep == 0 || (t1 - t0) / 5.0 < *gs)
      *gs = (t1 - t0) / 5.0;
  }
  status = 0;
out:
  gmoe_em_pass_free(p);
  free(lse);
  free(r);
  free(st);
  free(gg);
  free(hg);
  free(ra);
  free(rd1);
  free(rd2);
  free(act);
  return status;
}

/* Time one configuration and print its row; returns 0 on success. */
static int
bench_one(size_t n, size_t k, size_t d, gmoe_activation act, gmoe_temp_mode temp, size_t iters,
          size_t repeats, int plain)
{
  gmoe_model *truth = gmoe_model_alloc(k, d), *start = gmoe_model_alloc(k, d);
  gmoe_data *data = gmoe_data_alloc(n, d);
  gmoe_fit_opts o;
  gmoe_em *em = NULL;
  size_t it, rep, e0, g0, e1, g1, gates = 0;
  double t0, t1, w0, w1, per_it = 0.0, wall = 0.0, es = 0.0, gs = 0.0, scale;
  int status = 1;
  if (truth == NULL || start == NULL || data == NULL)
    goto out;
  truth->act = act;
  /* Overlapping experts, so that EM needs many iterations with gate steps. */
  for (it = 0; it < k; it++)
    truth->nu[it] = 2.0;
  if (gmoe_sim_draw(truth, 1, 0, data) != GMOE_OK)
    goto out;
  if (bench_passes(data, truth, temp == GMOE_TEMP_LEARN, repeats, &es, &gs) != 0)
    goto out;
  gmoe_fit_opts_default(&o);
  o.k = k;
  o.act = act;
  o.temp = temp;
  o.init = GMOE_INIT_RANDOM;
  o.accel = 0;
  o.tol = 0.0;
  o.maxiter = iters * repeats + 30;
  o.record_trace = 0;
  em = gmoe_em_alloc(data, &o);
  if (em == NULL || gmoe_em_start(data, &o, NULL, 0, start) != GMOE_OK)
    goto out;
  gmoe_em_set_plain(em, plain);
  if (gmoe_em_init(em, start) != GMOE_OK)
    goto out;
  for (it = 0; it < 20; it++)
    if (gmoe_em_iterate(em) != GMOE_OK)
      goto out;
  for (rep = 0; rep < repeats; rep++) {
    gmoe_em_counts(em, &e0, &g0);
    w0 = bench_now(CLOCK_MONOTONIC);
    t0 = bench_now(CLOCK_THREAD_CPUTIME_ID);
    for (it = 0; it < iters; it++)
      if (gmoe_em_iterate(em) != GMOE_OK)
        goto out;
    t1 = bench_now(CLOCK_THREAD_CPUTIME_ID);
    w1 = bench_now(CLOCK_MONOTONIC);
    gmoe_em_counts(em, &e1, &g1);
    if (rep == 0 || (t1 - t0) / (double)iters < per_it) {
      per_it = (t1 - t0) / (double)iters;
      wall = (w1 - w0) / (double)iters;
      gates = g1 - g0;
    }
  }
  scale = 1e9 / (double)n / (double)k;
  printf("%zu\t%zu\t%zu\t%s\t%s\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\n", n, k, d,
         gmoe_activation_name(act), temp == GMOE_TEMP_LEARN ? "learn" : "fixed", es * scale,
         gs * scale, per_it * scale, (double)gates / (double)iters, wall * scale);
  fflush(stdout);
  status = 0;
out:
  if (status != 0)
    fprintf(stderr, "em-throughput: n=%zu k=%zu d=%zu: %s\n", n, k, d, gmoe_error_message());
  gmoe_em_free(em);
  gmoe_data_free(data);
  gmoe_model_free(start);
  gmoe_model_free(truth);
  return status;
}

/* Run the grid given on the command line. */
int
main(int argc, char **argv)
{
  size_t ns[16] = {100000}, ks[16] = {2, 3, 4, 6, 8}, ds[16] = {1, 2, 3, 4};
  size_t nn = 1, nk = 5, nd = 4, iters = 10, repeats = 5, a, b, c, e, f;
  gmoe_activation acts[GMOE_ACT_COUNT] = {GMOE_ACT_IDENTITY, GMOE_ACT_TANH};
  gmoe_temp_mode temps[2] = {GMOE_TEMP_FIXED, GMOE_TEMP_LEARN};
  size_t nacts = 2, ntemps = 2;
  int i, plain = 0, fails = 0;
  gmoe_error_init();
  for (i = 1; i < argc; i++) {
    const char *v = i + 1 < argc ? argv[i + 1] : "";
    if (strcmp(argv[i], "-n") == 0)
      nn = bench_list(v, ns, 16), i++;
    else if (strcmp(argv[i], "-k") == 0)
      nk = bench_list(v, ks, 16), i++;
    else if (strcmp(argv[i], "-d") == 0)
      nd = bench_list(v, ds, 16), i++;
    else if (strcmp(argv[i], "-i") == 0)
      iters = (size_t)strtoul(v, NULL, 10), i++;
    else if (strcmp(argv[i], "-r") == 0)
      repeats = (size_t)strtoul(v, NULL, 10), i++;
    else if (strcmp(argv[i], "-p") == 0)
      plain = 1;
    else if (strcmp(argv[i], "-t") == 0) {
      ntemps = 0;
      if (strstr(v, "fixed"))
        temps[ntemps++] = GMOE_TEMP_FIXED;
      if (strstr(v, "learn"))
        temps[ntemps++] = GMOE_TEMP_LEARN;
      i++;
    } else if (strcmp(argv[i], "-a") == 0) {
      char buf[256], *tok, *save;
      snprintf(buf, sizeof buf, "%s", v);
      nacts = 0;
      for (tok = strtok_r(buf, ",", &save); tok && nacts < GMOE_ACT_COUNT;
           tok = strtok_r(NULL, ",", &save))
        if (gmoe_activation_parse(tok, &acts[nacts]) == GMOE_OK)
          nacts++;
      i++;
    } else {
      fprintf(stderr, "usage: em-throughput [-n N,...] [-k K,...] [-d D,...] "
                      "[-a ACT,...] [-t fixed,learn] [-i ITERS] [-r REPEATS] [-p]\n");
      return 2;
    }
  }
  if (iters == 0)
    iters = 1;
  if (repeats == 0)
    repeats = 1;
  printf("n\tk\td\tgate\ttau\testep_ns\tgate_ns\titer_ns\tgate_per_iter\twall_ns\n");
  for (a = 0; a < nn; a++)
    for (e = 0; e < nacts; e++)
      for (f = 0; f < ntemps; f++)
        for (b = 0; b < nk; b++)
          for (c = 0; c < nd; c++)
            fails += bench_one(ns[a], ks[b], ds[c], acts[e], temps[f], iters, repeats, plain);
  return fails ? 1 : 0;
}
