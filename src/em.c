/* em.c: maximum likelihood by EM for the Gaussian mixture of experts.
 *
 * One iteration is an M-step followed by an E-step: the M-step uses the
 * responsibilities and sufficient statistics of the last E-step, and the
 * E-step at the new parameters gives their log-likelihood, the new
 * responsibilities and the statistics of the next M-step.  gmoe_em_init
 * runs the first E-step.
 *
 * The expert M-step is a weighted least-squares fit per expert from
 * statistics accumulated on centred data (x - mean x, y - mean y), so
 * large offsets in the data cost no precision.  The gate M-step is a
 * damped Newton method on Q with the exact gradient and Hessian; a step
 * is kept only when Q increases, which makes the algorithm a generalised
 * EM whose log-likelihood never decreases.
 *
 * The passes over the data come in two implementations.  The blocked,
 * vectorised passes of em-pass.c (the default) keep the gate's
 * log-normaliser of every observation from the last gate pass, so that the
 * E-step needs one exp per observation and expert, and split Q with its
 * gradient and Hessian into a part from the gate probabilities (computed
 * by the gate pass, independent of the responsibilities) and a part from
 * the responsibilities (from the E-step, or for the identity gate from the
 * expert statistics).  The plain per-observation loops are the reference
 * the tests compare them with (gmoe_em_set_plain).
 */
#include <config.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <gsl/gsl_rng.h>
#include "em.h"
#include "sim.h"
#include "em-pass.h"
#include "error.h"

/* An expert whose total responsibility is below this fraction of n is empty. */
#define GMOE_EM_EMPTY 1e-8

/* Most threads one fit runs its restarts on. */
#define GMOE_FIT_MAX_THREADS 64

/* Gate parameters from which the Hessian may be reused (see mstep_gate). */
#define GMOE_EM_REUSE_NP 12

struct gmoe_em {
  const gmoe_data *data;
  gmoe_fit_opts opts;
  size_t n, d, k;
  size_t dd;              /* d + 1: size of an expert's least-squares system */
  size_t np;              /* number of gate parameters (with log tau when learned) */
  gmoe_model *m;          /* current model */
  gmoe_model *trial;      /* gate trial point */
  double loglik, prev_loglik;
  size_t iter;
  size_t floor_count, empty_count, ridge_count;
  gmoe_trace *trace;
  double *r;              /* k*n responsibilities, r[i*n + t] */
  int r_valid;            /* r holds those of the last E-step (see gmoe_em_resp) */
  double *xbar;           /* d means of the inputs */
  double ybar, vary;      /* mean and variance of y */
  double nu_floor;        /* var_floor * var(y) */
  double *st;             /* k blocks of expert statistics (see gmoe_em_stat) */
  double *st_scratch;     /* the same size, for gmoe_em_resp */
  double *gam, *gam_t;    /* gate parameter vectors: current, trial */
  double *grad, *grad_t;  /* gradients of Q at gam, gam_t */
  double *hess, *hess_t;  /* Hessians of Q at gam, gam_t (np*np) */
  double *sys, *step;     /* Newton system and step */
  double *lsq;            /* scratch of the least-squares solves */
  /* The blocked path (see em-pass.h); unused when plain is set. */
  int plain;              /* use the plain per-observation computations */
  gmoe_em_pass *pass;     /* block scratch */
  double *lse, *lse_t;    /* gate log-normaliser per observation at gam, gam_t */
  double qg, qg_t;        /* sum of lse at gam, gam_t */
  double *gg, *gg_t;      /* its gradient at gam, gam_t */
  double *hg, *hg_t;      /* its Hessian at gam, gam_t */
  double *ra, *rd1, *rd2; /* raw responsibility sums at gam (nonlinear gates) */
  double *ra_t, *rd1_t, *rd2_t; /* the same at gam_t */
  double *act, *act_t;    /* tanh or sigmoid gates: sigma(z_ti) at gam, gam_t, or NULL */
  size_t n_estep, n_gate; /* passes over the data since gmoe_em_init */
  size_t hess_age;        /* gate steps since the Hessian in use was computed */
  int hess_off;           /* the last step's gain was badly predicted */
  /* SQUAREM (opts.accel): parameters in the unconstrained coordinates of
   * gmoe_em_acc_get at the start of a cycle and after its two EM steps. */
  size_t nacc;            /* length of those vectors */
  double *acc0, *acc1, *acc2, *accx;
  gmoe_model *acc_keep;   /* the model after the cycle's second EM step */
  int acc_phase;          /* 0: a cycle starts at the next iteration; 1: its second step */
  double acc_max;         /* longest extrapolation (|alpha|) allowed now */
  size_t acc_tries, acc_taken; /* extrapolations tried and kept since init */
};

/* ------------------------------------------------------------------ */
/* Options and the annealing schedule.                                  */

/* Fill opts with the documented defaults. */
void
gmoe_fit_opts_default(gmoe_fit_opts *opts)
{
  memset(opts, 0, sizeof *opts);
  opts->k = 2;
  opts->act = GMOE_ACT_IDENTITY;
  opts->temp = GMOE_TEMP_FIXED;
  opts->tau = 1.0;
  opts->tau_start = 1.0;
  opts->tau_end = 0.1;
  opts->anneal_iters = 100;
  opts->maxiter = 500;
  opts->tol = 1e-8;
  opts->init = GMOE_INIT_TRUTH;
  opts->restarts = 1;
  opts->seed = 1;
  opts->var_floor = 1e-6;
  opts->gate_steps = 5;
  opts->init_noise = 0.1;
  opts->record_trace = 1;
  opts->accel = 1;
  opts->threads = 1;
}

/* Check options for consistency; records a message naming the bad one. */
int
gmoe_fit_opts_validate(const gmoe_fit_opts *opts)
{
  if (opts->k < 1 || opts->k > GMOE_MAX_K)
    GMOE_ERROR(GMOE_EINVAL, "k (number of experts) must be between 1 and %d, got %zu",
               GMOE_MAX_K, opts->k);
  if ((unsigned)opts->act >= GMOE_ACT_COUNT)
    GMOE_ERROR(GMOE_EINVAL, "unknown gate activation (code %d)", (int)opts->act);
  if (opts->temp != GMOE_TEMP_FIXED && opts->temp != GMOE_TEMP_LEARN
      && opts->temp != GMOE_TEMP_ANNEAL)
    GMOE_ERROR(GMOE_EINVAL, "unknown temperature mode (code %d)", (int)opts->temp);
  if (!(opts->tau > 0.0) || !isfinite(opts->tau))
    GMOE_ERROR(GMOE_EINVAL, "temperature must be a positive finite number, got %g", opts->tau);
  if (opts->temp == GMOE_TEMP_ANNEAL) {
    if (!(opts->tau_start > 0.0) || !isfinite(opts->tau_start))
      GMOE_ERROR(GMOE_EINVAL, "annealing start temperature must be positive and finite, got %g",
                 opts->tau_start);
    if (!(opts->tau_end > 0.0) || !isfinite(opts->tau_end))
      GMOE_ERROR(GMOE_EINVAL, "annealing end temperature must be positive and finite, got %g",
                 opts->tau_end);
  }
  if (!(opts->tol >= 0.0) || !isfinite(opts->tol))
    GMOE_ERROR(GMOE_EINVAL, "tol must be a non-negative number, got %g", opts->tol);
  if (opts->init != GMOE_INIT_TRUTH && opts->init != GMOE_INIT_KMEANS
      && opts->init != GMOE_INIT_RANDOM)
    GMOE_ERROR(GMOE_EINVAL, "unknown initialisation method (code %d)", (int)opts->init);
  if (opts->restarts < 1)
    GMOE_ERROR(GMOE_EINVAL, "restarts must be at least 1, got %zu", opts->restarts);
  if (!(opts->var_floor > 0.0) || !(opts->var_floor < 1.0))
    GMOE_ERROR(GMOE_EINVAL, "variance floor must be in (0, 1) (relative to var(y)), got %g",
               opts->var_floor);
  if (!(opts->init_noise >= 0.0) || !isfinite(opts->init_noise))
    GMOE_ERROR(GMOE_EINVAL, "initialisation noise must be a non-negative number, got %g",
               opts->init_noise);
  return GMOE_OK;
}

/* Temperature at iteration it: geometric from tau_start (iteration 1, and
 * the start, iteration 0) to tau_end (iteration anneal_iters and after)
 * in the annealed mode, opts->tau otherwise. */
double
gmoe_fit_opts_tau_at(const gmoe_fit_opts *opts, size_t it)
{
  size_t a = opts->anneal_iters;
  if (opts->temp != GMOE_TEMP_ANNEAL)
    return opts->tau;
  if (it <= 1)
    return a <= 1 ? (it == 0 ? opts->tau_start : opts->tau_end) : opts->tau_start;
  if (it >= a)
    return opts->tau_end;
  return opts->tau_start
         * exp(log(opts->tau_end / opts->tau_start) * (double)(it - 1) / (double)(a - 1));
}

/* ------------------------------------------------------------------ */
/* Traces.                                                              */

/* Allocate an empty trace for models with k experts and d inputs. */
gmoe_trace *
gmoe_trace_alloc(size_t k, size_t d)
{
  gmoe_trace *tr = calloc(1, sizeof *tr);
  if (tr == NULL)
    return NULL;
  tr->k = k;
  tr->d = d;
  tr->cols = 2 + gmoe_model_flat_size(k, d);
  return tr;
}

/* Free a trace; NULL is a no-op. */
void
gmoe_trace_free(gmoe_trace *tr)
{
  if (tr == NULL)
    return;
  free(tr->v);
  free(tr);
}

/* Append a row for iteration it, doubling the storage when it is full. */
int
gmoe_trace_append(gmoe_trace *tr, size_t it, double loglik, const gmoe_model *m)
{
  double *row;
  if (tr->rows == tr->cap) {
    size_t cap = tr->cap ? 2 * tr->cap : 64;
    double *v;
    if (cap > SIZE_MAX / sizeof(double) / tr->cols)
      GMOE_ERROR(GMOE_ENOMEM, "the trace is too long");
    v = realloc(tr->v, cap * tr->cols * sizeof(double));
    if (v == NULL)
      GMOE_ERROR(GMOE_ENOMEM, "out of memory growing the trace to %zu rows", cap);
    tr->v = v;
    tr->cap = cap;
  }
  row = tr->v + tr->rows * tr->cols;
  row[0] = (double)it;
  row[1] = loglik;
  gmoe_model_flatten(m, row + 2);
  tr->rows++;
  return GMOE_OK;
}

/* Return a copy of a trace sized to its rows, or NULL when memory runs out. */
static gmoe_trace *
gmoe_trace_clone(const gmoe_trace *tr)
{
  gmoe_trace *c = gmoe_trace_alloc(tr->k, tr->d);
  if (c == NULL)
    return NULL;
  if (tr->rows > 0) {
    c->v = malloc(tr->rows * tr->cols * sizeof(double));
    if (c->v == NULL) {
      gmoe_trace_free(c);
      return NULL;
    }
    memcpy(c->v, tr->v, tr->rows * tr->cols * sizeof(double));
  }
  c->rows = c->cap = tr->rows;
  return c;
}

/* ------------------------------------------------------------------ */
/* Small dense linear algebra (row-major, p at most a few hundred).     */

/* Cholesky factorisation in place (lower triangle) of the p x p matrix a;
 * returns 0 on success, -1 when a pivot is not positive. */
static int
gmoe_em_cholesky(double *a, size_t p)
{
  size_t i, j, l;
  for (j = 0; j < p; j++) {
    double s = a[j * p + j];
    for (l = 0; l < j; l++)
      s -= a[j * p + l] * a[j * p + l];
    if (!(s > 0.0) || !isfinite(s))
      return -1;
    s = sqrt(s);
    a[j * p + j] = s;
    for (i = j + 1; i < p; i++) {
      double v = a[i * p + j];
      for (l = 0; l < j; l++)
        v -= a[i * p + l] * a[j * p + l];
      a[i * p + j] = v / s;
    }
  }
  return 0;
}

/* Solve L L' x = b in place in b for a factor from gmoe_em_cholesky. */
static void
gmoe_em_chol_solve(const double *a, size_t p, double *b)
{
  size_t i, l;
  for (i = 0; i < p; i++) {
    double v = b[i];
    for (l = 0; l < i; l++)
      v -= a[i * p + l] * b[l];
    b[i] = v / a[i * p + i];
  }
  for (i = p; i-- > 0;) {
    double v = b[i];
    for (l = i + 1; l < p; l++)
      v -= a[l * p + i] * b[l];
    b[i] = v / a[i * p + i];
  }
}

/* Solve the symmetric positive semi-definite system a theta = c (p x p,
 * a preserved) using scratch w (p*p); a system that is singular to working
 * precision gets a ridge of 1e-10 times its mean diagonal, growing until it
 * factorises.  Returns 1 when a ridge was needed, 0 when not, -1 on failure. */
static int
gmoe_em_spd_solve(const double *a, const double *c, size_t p, double *w, double *theta)
{
  double tr = 0.0, ridge = 0.0;
  size_t i, tries;
  for (i = 0; i < p; i++)
    tr += fabs(a[i * p + i]);
  tr /= (double)p;
  if (!(tr > 0.0) || !isfinite(tr))
    return -1;
  for (tries = 0; tries < 12; tries++) {
    int ok;
    memcpy(w, a, p * p * sizeof(double));
    for (i = 0; i < p; i++)
      w[i * p + i] += ridge;
    ok = gmoe_em_cholesky(w, p) == 0;
    /* A tiny pivot relative to the diagonal means an ill-posed system. */
    if (ok && ridge == 0.0)
      for (i = 0; i < p; i++)
        if (w[i * p + i] * w[i * p + i] < 1e-13 * fabs(a[i * p + i]) + 1e-300)
          ok = 0;
    if (ok) {
      memcpy(theta, c, p * sizeof(double));
      gmoe_em_chol_solve(w, p, theta);
      return ridge > 0.0;
    }
    ridge = ridge == 0.0 ? 1e-10 * tr : ridge * 100.0;
  }
  return -1;
}

/* ------------------------------------------------------------------ */
/* Gate objective, gradient and Hessian.                                */

/* Number of gate parameters of a model with k experts and d inputs. */
static size_t
gmoe_em_gate_size(size_t k, size_t d, int with_tau)
{
  return (k - 1) * (d + 1) + (with_tau ? 1 : 0);
}

/* Copy the gate parameters of m into the vector v (beta0_i, beta1_i per
 * non-reference expert, then log tau when with_tau). */
static void
gmoe_em_gate_get(const gmoe_model *m, int with_tau, double *v)
{
  size_t i, j, d = m->d;
  for (i = 0; i + 1 < m->k; i++) {
    *v++ = m->beta0[i];
    for (j = 0; j < d; j++)
      *v++ = m->beta1[i * d + j];
  }
  if (with_tau)
    *v = log(m->tau);
}

/* Set the gate parameters of m from the vector v (see gmoe_em_gate_get). */
static void
gmoe_em_gate_set(gmoe_model *m, int with_tau, const double *v)
{
  size_t i, j, d = m->d;
  for (i = 0; i + 1 < m->k; i++) {
    m->beta0[i] = *v++;
    for (j = 0; j < d; j++)
      m->beta1[i * d + j] = *v++;
  }
  if (with_tau)
    m->tau = exp(*v);
}

/* Gate objective Q for model m and responsibilities r, with its gradient
 * (when grad is not NULL) and Hessian (np x np, when hess is not NULL)
 * with respect to the gate parameters (see gmoe_em_gate_get).  This is the
 * plain per-observation computation. */
static double
gmoe_em_gate_eval(const gmoe_model *m, const gmoe_data *data, const double *r, int with_tau,
                  double *grad, double *hess)
{
  size_t n = data->n, d = m->d, k = m->k, dd = d + 1, t, i, j, l, p, q;
  size_t np = gmoe_em_gate_size(k, d, with_tau), pt = (k - 1) * dd;
  double inv_tau = 1.0 / m->tau, qsum = 0.0;
  double f[GMOE_MAX_K], f1[GMOE_MAX_K], f2[GMOE_MAX_K], s[GMOE_MAX_K], g[GMOE_MAX_K];
  double u[GMOE_MAX_K * (GMOE_MAX_D + 1) + 1];
  const double *x = data->x;
  if (grad)
    memset(grad, 0, np * sizeof(double));
  if (hess)
    memset(hess, 0, np * np * sizeof(double));
  for (t = 0; t < n; t++) {
    double mx = -INFINITY, z, sum = 0.0, lse, qt = 0.0;
    for (i = 0; i < k; i++) {
      z = 0.0;
      for (j = 0; j < d; j++)
        z += m->beta1[i * d + j] * x[j * n + t];
      f[i] = gmoe_activation_eval(m->act, z, &f1[i], &f2[i]);
      s[i] = f[i] * inv_tau + m->beta0[i];
      if (s[i] > mx)
        mx = s[i];
    }
    for (i = 0; i < k; i++) {
      g[i] = exp(s[i] - mx);
      sum += g[i];
    }
    lse = mx + log(sum);
    for (i = 0; i < k; i++) {
      g[i] /= sum;
      qt += r[i * n + t] * s[i];
    }
    qsum += qt - lse;
    if (grad == NULL && hess == NULL)
      continue;
    /* u = sum_i g_i ds_i, the gradient of lse. */
    memset(u, 0, np * sizeof(double));
    for (i = 0; i < k; i++) {
      double w = r[i * n + t] - g[i];
      if (i + 1 < k) {
        u[i * dd] = g[i];
        for (j = 0; j < d; j++)
          u[i * dd + 1 + j] = g[i] * f1[i] * x[j * n + t] * inv_tau;
        if (grad) {
          grad[i * dd] += w;
          for (j = 0; j < d; j++)
            grad[i * dd + 1 + j] += w * f1[i] * x[j * n + t] * inv_tau;
        }
      }
      if (with_tau) {
        u[pt] -= g[i] * f[i] * inv_tau;
        if (grad)
          grad[pt] -= w * f[i] * inv_tau;
      }
    }
    if (hess == NULL)
      continue;
    /* Hessian of Q: sum_i (r_i - g_i) d2s_i - sum_i g_i ds_i ds_i' + u u'. */
    for (p = 0; p < np; p++)
      for (q = 0; q < np; q++)
        hess[p * np + q] += u[p] * u[q];
    for (i = 0; i < k; i++) {
      double w = r[i * n + t] - g[i];
      double ds[GMOE_MAX_D + 1], dtau = -f[i] * inv_tau;
      if (i + 1 < k) {
        size_t o = i * dd;
        ds[0] = 1.0;
        for (j = 0; j < d; j++)
          ds[1 + j] = f1[i] * x[j * n + t] * inv_tau;
        for (p = 0; p < dd; p++)
          for (q = 0; q < dd; q++)
            hess[(o + p) * np + o + q] -= g[i] * ds[p] * ds[q];
        for (j = 0; j < d; j++)
          for (l = 0; l < d; l++)
            hess[(o + 1 + j) * np + o + 1 + l] += w * f2[i] * x[j * n + t] * x[l * n + t] * inv_tau;
        if (with_tau) {
          for (p = 0; p < dd; p++) {
            double v = -g[i] * ds[p] * dtau;
            if (p > 0)
              v -= w * ds[p];  /* d2 s_i / dbeta1 dlog tau = -ds_i/dbeta1 */
            hess[(o + p) * np + pt] += v;
            hess[pt * np + o + p] += v;
          }
        }
      }
      if (with_tau)
        hess[pt * np + pt] += -g[i] * dtau * dtau + w * f[i] * inv_tau;
    }
  }
  return qsum;
}

/* Gate objective Q with its gradient (exposed for tests). */
double
gmoe_em_gate_q(const gmoe_model *m, const gmoe_data *data, const double *r, int with_tau,
               double *grad)
{
  return gmoe_em_gate_eval(m, data, r, with_tau, grad, NULL);
}

/* Gate objective Q with its gradient and Hessian (exposed for tests). */
double
gmoe_em_gate_hessian(const gmoe_model *m, const gmoe_data *data, const double *r, int with_tau,
                     double *grad, double *hess)
{
  return gmoe_em_gate_eval(m, data, r, with_tau, grad, hess);
}

/* ------------------------------------------------------------------ */
/* The workspace.                                                       */

/* Free a workspace; NULL is a no-op. */
void
gmoe_em_free(gmoe_em *em)
{
  if (em == NULL)
    return;
  gmoe_model_free(em->m);
  gmoe_model_free(em->trial);
  gmoe_trace_free(em->trace);
  free(em->r);
  free(em->xbar);
  free(em->st);
  free(em->st_scratch);
  free(em->gam);
  free(em->gam_t);
  free(em->grad);
  free(em->grad_t);
  free(em->hess);
  free(em->hess_t);
  free(em->sys);
  free(em->step);
  free(em->lsq);
  gmoe_em_pass_free(em->pass);
  free(em->lse);
  free(em->lse_t);
  free(em->gg);
  free(em->gg_t);
  free(em->hg);
  free(em->hg_t);
  free(em->ra);
  free(em->rd1);
  free(em->rd2);
  free(em->ra_t);
  free(em->rd1_t);
  free(em->rd2_t);
  free(em->act);
  free(em->act_t);
  free(em->acc0);
  free(em->acc1);
  free(em->acc2);
  free(em->accx);
  gmoe_model_free(em->acc_keep);
  free(em);
}

/* Check the data: finite values, enough observations, y not constant;
 * computes the means and the variance of y. */
static int
gmoe_em_check_data(gmoe_em *em)
{
  const gmoe_data *data = em->data;
  size_t n = data->n, d = data->d, t, j;
  double s = 0.0, ss = 0.0;
  for (j = 0; j < d; j++) {
    double sx = 0.0;
    for (t = 0; t < n; t++) {
      double v = data->x[j * n + t];
      if (!isfinite(v))
        GMOE_ERROR(GMOE_EDATA, "input %zu of observation %zu is not a finite number", j + 1,
                   t + 1);
      sx += v;
    }
    em->xbar[j] = sx / (double)n;
  }
  for (t = 0; t < n; t++) {
    if (!isfinite(data->y[t]))
      GMOE_ERROR(GMOE_EDATA, "output y of observation %zu is not a finite number", t + 1);
    s += data->y[t];
  }
  em->ybar = s / (double)n;
  for (t = 0; t < n; t++) {
    double e = data->y[t] - em->ybar;
    ss += e * e;
  }
  em->vary = ss / (double)n;
  if (!(em->vary > 0.0))
    GMOE_ERROR(GMOE_EDATA, "y is constant: there is nothing to fit");
  return GMOE_OK;
}

/* Allocate an EM workspace for data and options (both borrowed), setting
 * *status to GMOE_OK or to the reason it failed (with a message). */
static gmoe_em *
gmoe_em_create(const gmoe_data *data, const gmoe_fit_opts *opts, int *status)
{
  gmoe_em *em;
  size_t k, d, n, np;
  *status = GMOE_EINVAL;
  if (data == NULL || opts == NULL) {
    gmoe_error_set("no data to fit");
    return NULL;
  }
  if (gmoe_fit_opts_validate(opts) != GMOE_OK)
    return NULL;
  k = opts->k;
  d = data->d;
  n = data->n;
  *status = GMOE_EDATA;
  if (d < 1 || d > GMOE_MAX_D) {
    gmoe_error_set("the data have %zu inputs; gmoe handles 1 to %d", d, GMOE_MAX_D);
    return NULL;
  }
  if (n < d + 2) {
    gmoe_error_set("too little data: %zu observations for %zu inputs (need at least %zu)", n, d,
                   d + 2);
    return NULL;
  }
  *status = GMOE_ENOMEM;
  if (n > SIZE_MAX / sizeof(double) / k) {
    gmoe_error_set("%zu observations with k = %zu are too many to address", n, k);
    return NULL;
  }
  em = calloc(1, sizeof *em);
  if (em == NULL)
    goto nomem;
  em->data = data;
  em->opts = *opts;
  em->n = n;
  em->d = d;
  em->k = k;
  em->dd = d + 1;
  em->np = np = gmoe_em_gate_size(k, d, opts->temp == GMOE_TEMP_LEARN);
  em->loglik = em->prev_loglik = NAN;
  em->m = gmoe_model_alloc(k, d);
  em->trial = gmoe_model_alloc(k, d);
  em->r = malloc(k * n * sizeof(double));
  em->xbar = calloc(d, sizeof(double));
  em->st = calloc(k * (em->dd * em->dd + em->dd + 1), sizeof(double));
  em->st_scratch = calloc(k * (em->dd * em->dd + em->dd + 1), sizeof(double));
  em->gam = calloc(np + 1, sizeof(double));
  em->gam_t = calloc(np + 1, sizeof(double));
  em->grad = calloc(np + 1, sizeof(double));
  em->grad_t = calloc(np + 1, sizeof(double));
  em->hess = calloc(np * np + 1, sizeof(double));
  em->hess_t = calloc(np * np + 1, sizeof(double));
  em->sys = calloc(np * np + 1, sizeof(double));
  em->step = calloc(np + 1, sizeof(double));
  em->lsq = calloc(em->dd * em->dd + 2 * em->dd, sizeof(double));
  em->pass = gmoe_em_pass_alloc(k, d);
  em->lse = malloc(n * sizeof(double));
  em->lse_t = malloc(n * sizeof(double));
  em->gg = calloc(np + 1, sizeof(double));
  em->gg_t = calloc(np + 1, sizeof(double));
  em->hg = calloc(np * np + 1, sizeof(double));
  em->hg_t = calloc(np * np + 1, sizeof(double));
  em->ra = calloc(k, sizeof(double));
  em->ra_t = calloc(k, sizeof(double));
  em->rd1 = calloc(k * d, sizeof(double));
  em->rd1_t = calloc(k * d, sizeof(double));
  em->rd2 = calloc(k * d * d, sizeof(double));
  em->rd2_t = calloc(k * d * d, sizeof(double));
  em->nacc = gmoe_model_flat_size(k, d);
  em->acc0 = malloc(em->nacc * sizeof(double));
  em->acc1 = malloc(em->nacc * sizeof(double));
  em->acc2 = malloc(em->nacc * sizeof(double));
  em->accx = malloc(em->nacc * sizeof(double));
  em->acc_keep = gmoe_model_alloc(k, d);
  if (k > 1 && (opts->act == GMOE_ACT_TANH || opts->act == GMOE_ACT_SIGMOID)) {
    /* Kept from the gate pass so that the E-step need not evaluate them. */
    em->act = malloc((k - 1) * n * sizeof(double));
    em->act_t = malloc((k - 1) * n * sizeof(double));
    if (em->act == NULL || em->act_t == NULL)
      goto nomem;
  }
  if (!em->m || !em->trial || !em->r || !em->xbar || !em->st || !em->st_scratch || !em->gam
      || !em->gam_t
      || !em->grad || !em->grad_t || !em->hess || !em->hess_t || !em->sys || !em->step
      || !em->lsq || !em->pass || !em->lse || !em->lse_t || !em->gg || !em->gg_t || !em->hg
      || !em->hg_t || !em->ra || !em->ra_t || !em->rd1 || !em->rd1_t || !em->rd2 || !em->rd2_t
      || !em->acc0 || !em->acc1 || !em->acc2 || !em->accx || !em->acc_keep)
    goto nomem;
  if (opts->record_trace) {
    em->trace = gmoe_trace_alloc(k, d);
    if (em->trace == NULL)
      goto nomem;
  }
  if ((*status = gmoe_em_check_data(em)) != GMOE_OK) {
    gmoe_em_free(em);
    return NULL;
  }
  em->nu_floor = opts->var_floor * em->vary;
  return em;
nomem:
  gmoe_em_free(em);
  gmoe_error_set("not enough memory for EM on %zu observations with k = %zu experts", n, k);
  return NULL;
}

/* Allocate an EM workspace for data and options (both borrowed). */
gmoe_em *
gmoe_em_alloc(const gmoe_data *data, const gmoe_fit_opts *opts)
{
  int status;
  return gmoe_em_create(data, opts, &status);
}

/* ------------------------------------------------------------------ */
/* E-step.                                                              */

/* Statistics block of expert i: the (d+1) x (d+1) matrix sum r xt xt' with
 * xt = (x - xbar, 1), then sum r xt (y - ybar), then sum r (y - ybar)^2. */
static double *
gmoe_em_stat(const gmoe_em *em, size_t i)
{
  return em->st + i * (em->dd * em->dd + em->dd + 1);
}

/* E-step at the current model, plain per-observation version:
 * responsibilities, log-likelihood and the statistics of the expert
 * M-step.  Returns GMOE_ENUMERIC when the log-likelihood is not finite. */
static int
gmoe_em_estep_plain(gmoe_em *em)
{
  const gmoe_model *m = em->m;
  const double *x = em->data->x, *y = em->data->y;
  size_t n = em->n, d = em->d, k = em->k, dd = em->dd, t, i, j, p, q;
  double cst[GMOE_MAX_K], h[GMOE_MAX_K], inv_tau = 1.0 / m->tau, ll = 0.0;
  for (i = 0; i < k; i++) {
    cst[i] = -0.5 * log(2.0 * M_PI * m->nu[i]);
    h[i] = 0.5 / m->nu[i];
  }
  memset(em->st, 0, k * (dd * dd + dd + 1) * sizeof(double));
  for (t = 0; t < n; t++) {
    double s[GMOE_MAX_K], lp[GMOE_MAX_K], xt[GMOE_MAX_D + 1];
    double ms = -INFINITY, ml = -INFINITY, zs = 0.0, zl = 0.0, lse, yc;
    for (i = 0; i < k; i++) {
      double z = 0.0;
      for (j = 0; j < d; j++)
        z += m->beta1[i * d + j] * x[j * n + t];
      s[i] = gmoe_activation_eval(m->act, z, NULL, NULL) * inv_tau + m->beta0[i];
      if (s[i] > ms)
        ms = s[i];
    }
    for (i = 0; i < k; i++)
      zs += exp(s[i] - ms);
    lse = ms + log(zs);
    for (i = 0; i < k; i++) {
      double e = y[t] - gmoe_model_expert_mean(m, i, x + t, n);
      lp[i] = s[i] - lse + cst[i] - h[i] * e * e;
      if (lp[i] > ml)
        ml = lp[i];
    }
    for (i = 0; i < k; i++) {
      lp[i] = exp(lp[i] - ml);
      zl += lp[i];
    }
    ll += ml + log(zl);
    for (j = 0; j < d; j++)
      xt[j] = x[j * n + t] - em->xbar[j];
    xt[d] = 1.0;
    yc = y[t] - em->ybar;
    for (i = 0; i < k; i++) {
      double w = lp[i] / zl, *a = gmoe_em_stat(em, i), *c = a + dd * dd;
      em->r[i * n + t] = w;
      for (p = 0; p < dd; p++) {
        double wp = w * xt[p];
        for (q = p; q < dd; q++)
          a[p * dd + q] += wp * xt[q];
        c[p] += wp * yc;
      }
      c[dd] += w * yc * yc;
    }
  }
  for (i = 0; i < k; i++) {
    double *a = gmoe_em_stat(em, i);
    for (p = 0; p < dd; p++)
      for (q = 0; q < p; q++)
        a[p * dd + q] = a[q * dd + p];
  }
  if (!isfinite(ll))
    GMOE_ERROR(GMOE_ENUMERIC, "the log-likelihood is not finite (%g)", ll);
  em->loglik = ll;
  return GMOE_OK;
}

/* E-step at the current model by the blocked pass (or the plain loop).
 * The identity gate's M-step needs no responsibilities, only the
 * statistics, so the blocked pass does not store them for it: writing k*n
 * values costs up to a fifth of the pass; gmoe_em_resp computes them
 * when asked. */
static int
gmoe_em_estep(gmoe_em *em)
{
  double ll;
  int store = em->m->act != GMOE_ACT_IDENTITY;
  em->n_estep++;
  em->r_valid = 1;
  if (em->plain)
    return gmoe_em_estep_plain(em);
  em->r_valid = store;
  ll = gmoe_em_pass_estep(em->pass, em->data, em->m, em->lse, em->act, em->xbar, em->ybar,
                          store ? em->r : NULL, em->st, em->ra, em->rd1, em->rd2);
  if (!isfinite(ll))
    GMOE_ERROR(GMOE_ENUMERIC, "the log-likelihood is not finite (%g)", ll);
  em->loglik = ll;
  return GMOE_OK;
}

/* ------------------------------------------------------------------ */
/* M-step.                                                              */

/* Expected complete-data log-likelihood of one expert, from its statistics
 * (a, c, syy, weight w) at centred coefficients theta and variance nu. */
static double
gmoe_em_expert_q(const double *a, const double *c, double syy, double w, size_t dd,
                 const double *theta, double nu)
{
  double ssr = syy;
  size_t p, q;
  for (p = 0; p < dd; p++) {
    double v = 0.0;
    for (q = 0; q < dd; q++)
      v += a[p * dd + q] * theta[q];
    ssr += theta[p] * (v - 2.0 * c[p]);
  }
  if (ssr < 0.0)
    ssr = 0.0;
  return -0.5 * w * log(2.0 * M_PI * nu) - 0.5 * ssr / nu;
}

/* Expert M-step: weighted least squares and variances, floored. */
static void
gmoe_em_mstep_experts(gmoe_em *em)
{
  gmoe_model *m = em->m;
  size_t k = em->k, d = em->d, dd = em->dd, i, j, p, q;
  double *theta = em->lsq + dd * dd, *old = theta + dd;
  em->floor_count = em->empty_count = em->ridge_count = 0;
  for (i = 0; i < k; i++) {
    const double *a = gmoe_em_stat(em, i), *c = a + dd * dd;
    double w = a[dd * dd - 1], syy = c[dd], ssr, nu;
    int rc;
    if (!(w > GMOE_EM_EMPTY * (double)em->n)) {
      em->empty_count++;
      continue;
    }
    rc = gmoe_em_spd_solve(a, c, dd, em->lsq, theta);
    if (rc < 0) {
      em->empty_count++;
      continue;
    }
    if (rc > 0)
      em->ridge_count++;
    ssr = syy;
    for (p = 0; p < dd; p++) {
      double v = 0.0;
      for (q = 0; q < dd; q++)
        v += a[p * dd + q] * theta[q];
      ssr += theta[p] * (v - 2.0 * c[p]);
    }
    nu = ssr / w;
    if (!(nu > em->nu_floor))
      nu = em->nu_floor;
    /* Keep the old expert when rounding would make the new one worse. */
    old[d] = m->b[i] - em->ybar;
    for (j = 0; j < d; j++) {
      old[j] = m->a[i * d + j];
      old[d] += m->a[i * d + j] * em->xbar[j];
    }
    if (gmoe_em_expert_q(a, c, syy, w, dd, theta, nu)
        < gmoe_em_expert_q(a, c, syy, w, dd, old, m->nu[i])) {
      if (m->nu[i] <= em->nu_floor)
        em->floor_count++;
      continue;
    }
    m->b[i] = theta[d] + em->ybar;
    for (j = 0; j < d; j++) {
      m->a[i * d + j] = theta[j];
      m->b[i] -= theta[j] * em->xbar[j];
    }
    m->nu[i] = nu;
    if (nu <= em->nu_floor)
      em->floor_count++;
  }
}

/* Solve the damped Newton system (-H + lambda D) step = grad, raising
 * lambda until the matrix factorises; D is the diagonal of -H, bounded
 * below.  Returns the lambda used, or -1 when no damping works. */
static double
gmoe_em_newton_solve(gmoe_em *em, double lambda)
{
  size_t np = em->np, p, tries;
  double dmax = 0.0;
  for (p = 0; p < np; p++)
    if (-em->hess[p * np + p] > dmax)
      dmax = -em->hess[p * np + p];
  if (!(dmax > 0.0) || !isfinite(dmax))
    return -1.0;
  for (tries = 0; tries < 40; tries++) {
    for (p = 0; p < np * np; p++)
      em->sys[p] = -em->hess[p];
    for (p = 0; p < np; p++) {
      double dg = -em->hess[p * np + p];
      if (dg < 1e-9 * dmax)
        dg = 1e-9 * dmax;
      em->sys[p * np + p] += lambda * dg;
    }
    if (gmoe_em_cholesky(em->sys, np) == 0) {
      memcpy(em->step, em->grad, np * sizeof(double));
      gmoe_em_chol_solve(em->sys, np, em->step);
      return lambda;
    }
    lambda = lambda > 0.0 ? lambda * 10.0 : 1e-6;
  }
  return -1.0;
}

/* Swap two double pointers. */
static void
gmoe_em_swap(double **a, double **b)
{
  double *t = *a;
  *a = *b;
  *b = t;
}

/* Q, its gradient and its Hessian (into grad and hess) at gate model m
 * from the parts of a gate pass there (qg, gg, hg: sum of lse with its
 * derivatives) and the responsibility sums at the same gate: totals R (k)
 * and the raw sums ra, rd1, rd2 (see em-pass.h; rd2 NULL for the
 * identity, whose sigma'' is zero). */
static double
gmoe_em_gate_combine(const gmoe_model *m, int learn, const double *R, const double *ra,
                     const double *rd1, const double *rd2, double qg, const double *gg,
                     const double *hg, double *grad, double *hess)
{
  size_t k1 = m->k - 1, d = m->d, dd = d + 1, np = k1 * dd + (learn ? 1 : 0), pt = k1 * dd;
  size_t i, p, q;
  double it = 1.0 / m->tau, sra = gmoe_activation_eval(m->act, 0.0, NULL, NULL) * R[k1], qr = 0.0;
  for (i = 0; i < k1; i++) {
    qr += m->beta0[i] * R[i];
    sra += ra[i];
  }
  qr += it * sra;
  for (p = 0; p < np; p++)
    grad[p] = -gg[p];
  for (p = 0; p < np * np; p++)
    hess[p] = -hg[p];
  for (i = 0; i < k1; i++) {
    grad[i * dd] += R[i];
    for (p = 0; p < d; p++) {
      grad[i * dd + 1 + p] += it * rd1[i * d + p];
      if (rd2 != NULL)
        for (q = 0; q < d; q++)
          hess[(i * dd + 1 + p) * np + i * dd + 1 + q] += it * rd2[(i * d + p) * d + q];
      if (learn) {
        hess[(i * dd + 1 + p) * np + pt] -= it * rd1[i * d + p];
        hess[pt * np + i * dd + 1 + p] -= it * rd1[i * d + p];
      }
    }
  }
  if (learn) {
    grad[pt] -= it * sra;
    hess[pt * np + pt] += it * sra;
  }
  return qr - qg;
}

/* Responsibility totals R_i from the expert statistics and, when ra is not
 * NULL, the identity gate's raw sums rd1_i = sum_t r_ti x_t and
 * ra_i = beta1_i' rd1_i at gate model m. */
static void
gmoe_em_raw_from_stats(const gmoe_em *em, const gmoe_model *m, double *R, double *ra, double *rd1)
{
  size_t k = em->k, d = em->d, dd = em->dd, i, p;
  for (i = 0; i < k; i++) {
    const double *a = gmoe_em_stat(em, i);
    R[i] = a[dd * dd - 1];
    if (ra == NULL || i + 1 == k)
      continue;
    ra[i] = 0.0;
    for (p = 0; p < d; p++) {
      rd1[i * d + p] = a[p * dd + d] + em->xbar[p] * R[i];
      ra[i] += m->beta1[i * d + p] * rd1[i * d + p];
    }
  }
}

/* Gate pass at model mm into the trial buffers (lse_t, gg_t, hg_t and the
 * raw sums); when with_q, also Q there with its gradient and Hessian in
 * grad_t and hess_t, which is returned.  Without want_hess (identity gate,
 * fixed temperature only) the current Hessian is carried over. */
static double
gmoe_em_gate_trial(gmoe_em *em, const gmoe_model *mm, int with_q, int want_hess)
{
  int learn = em->opts.temp == GMOE_TEMP_LEARN, ident = mm->act == GMOE_ACT_IDENTITY;
  double R[GMOE_MAX_K];
  em->n_gate++;
  em->qg_t = gmoe_em_pass_gate(em->pass, em->data, mm, with_q ? em->r : NULL, learn, want_hess,
                               em->lse_t, em->act_t, em->gg_t, em->hg_t, em->ra_t, em->rd1_t,
                               em->rd2_t);
  if (!want_hess)
    memcpy(em->hg_t, em->hg, em->np * em->np * sizeof(double));
  if (!with_q)
    return 0.0;
  gmoe_em_raw_from_stats(em, mm, R, ident ? em->ra_t : NULL, em->rd1_t);
  return gmoe_em_gate_combine(mm, learn, R, em->ra_t, em->rd1_t, ident ? NULL : em->rd2_t,
                              em->qg_t, em->gg_t, em->hg_t, em->grad_t, em->hess_t);
}

/* Make the gate quantities of the last trial pass the current ones. */
static void
gmoe_em_gate_accept(gmoe_em *em)
{
  gmoe_em_swap(&em->lse, &em->lse_t);
  gmoe_em_swap(&em->gg, &em->gg_t);
  gmoe_em_swap(&em->hg, &em->hg_t);
  gmoe_em_swap(&em->ra, &em->ra_t);
  gmoe_em_swap(&em->rd1, &em->rd1_t);
  gmoe_em_swap(&em->rd2, &em->rd2_t);
  gmoe_em_swap(&em->act, &em->act_t);
  em->qg = em->qg_t;
}

/* Q at the gate parameters gam + step (set into the trial model), with
 * its gradient and Hessian in grad_t and hess_t, by the blocked gate pass
 * (fast) or the plain one; without want_hess the current Hessian is
 * carried over (see gmoe_em_gate_trial). */
static double
gmoe_em_gate_try(gmoe_em *em, int with_tau, int fast, int want_hess)
{
  size_t p, np = em->np;
  double qt;
  for (p = 0; p < np; p++)
    em->gam_t[p] = em->gam[p] + em->step[p];
  gmoe_em_gate_set(em->trial, with_tau, em->gam_t);
  if (fast)
    return gmoe_em_gate_trial(em, em->trial, 1, want_hess);
  em->n_gate++;
  qt = gmoe_em_gate_eval(em->trial, em->data, em->r, with_tau, em->grad_t, em->hess_t);
  if (!want_hess)
    memcpy(em->hess_t, em->hess, np * np * sizeof(double));
  return qt;
}

/* Gate M-step: damped Newton steps on Q, each kept only when Q increases.
 * tau_changed says the schedule has just changed the temperature, which
 * makes the blocked path refresh its gate quantities first.
 *
 * For the identity gate with a fixed temperature and many gate parameters,
 * the Hessian (quadratic in their number) is reused for up to two further
 * steps while the quadratic model keeps predicting the gains within 20%;
 * the acceptance test keeps every step an ascent step.  The plain path
 * makes the same choices, so both follow the same iterates. */
static void
gmoe_em_mstep_gate(gmoe_em *em, int tau_changed)
{
  size_t np = em->np, p, q2, steps, shrink;
  int with_tau = em->opts.temp == GMOE_TEMP_LEARN, fast = !em->plain;
  int reuse = !with_tau && em->m->act == GMOE_ACT_IDENTITY && np >= GMOE_EM_REUSE_NP;
  double q = 0.0, lambda = 0.0, eps, first_gain = 0.0;
  if (tau_changed)
    em->hess_age = 0;
  if (fast && tau_changed) {
    q = gmoe_em_gate_trial(em, em->m, 1, 1);
    gmoe_em_gate_accept(em);
    gmoe_em_swap(&em->grad, &em->grad_t);
    gmoe_em_swap(&em->hess, &em->hess_t);
  }
  if (np == 0 || em->opts.gate_steps == 0)
    return;
  gmoe_em_gate_get(em->m, with_tau, em->gam);
  if (!fast) {
    em->n_gate++;
    q = gmoe_em_gate_eval(em->m, em->data, em->r, with_tau, em->grad, em->hess_t);
    if (!(reuse && em->hess_age > 0))
      memcpy(em->hess, em->hess_t, np * np * sizeof(double));
  } else if (!tau_changed) {
    double R[GMOE_MAX_K];
    int ident = em->m->act == GMOE_ACT_IDENTITY;
    gmoe_em_raw_from_stats(em, em->m, R, ident ? em->ra : NULL, em->rd1);
    q = gmoe_em_gate_combine(em->m, with_tau, R, em->ra, em->rd1, ident ? NULL : em->rd2, em->qg,
                             em->gg, em->hg, em->grad, em->hess);
  }
  /* Steps that promise less than this are not worth a pass over the data;
   * after the first gain, neither are those promising under 0.5% of it. */
  eps = 1e-3 * em->opts.tol * fabs(em->loglik) + 1e-14 * fabs(q);
  gmoe_model_copy(em->trial, em->m);
  for (steps = 0; steps < em->opts.gate_steps; steps++) {
    double dec = 0.0, curv = 0.0, qt;
    int want_hess = !reuse || em->hess_age >= 2 || em->hess_off;
    lambda = gmoe_em_newton_solve(em, lambda);
    if (lambda < 0.0)
      break;
    for (p = 0; p < np; p++) {
      dec += em->grad[p] * em->step[p];
      for (q2 = 0; q2 < np; q2++)
        curv += em->step[p] * em->hess[p * np + q2] * em->step[q2];
    }
    if (!(dec > 2.0 * eps))
      break;
    qt = gmoe_em_gate_try(em, with_tau, fast, want_hess);
    /* A saturated gate has a tiny Hessian, so a Newton step can overshoot
     * far past the maximum: shorten it until Q increases, or until it
     * promises too little. */
    for (shrink = 0; !(qt > q && isfinite(qt)) && shrink < 40; shrink++) {
      dec *= 0.25;
      curv *= 0.0625;
      if (!(dec > 2.0 * eps))
        break;
      for (p = 0; p < np; p++)
        em->step[p] *= 0.25;
      qt = gmoe_em_gate_try(em, with_tau, fast, want_hess);
    }
    if (qt > q && isfinite(qt)) {
      /* How well the quadratic model predicted the gain. */
      double ratio = (qt - q) / (dec + 0.5 * curv);
      em->hess_off = !(ratio > 0.8 && ratio < 1.25);
      em->hess_age = want_hess ? 0 : em->hess_age + 1;
      if (first_gain == 0.0)
        eps = fmax(eps, 0.005 * (qt - q));
      first_gain = qt - q;
      q = qt;
      if (fast)
        gmoe_em_gate_accept(em);
      gmoe_em_swap(&em->gam, &em->gam_t);
      gmoe_em_swap(&em->grad, &em->grad_t);
      gmoe_em_swap(&em->hess, &em->hess_t);
      gmoe_em_gate_set(em->m, with_tau, em->gam);
      lambda = lambda > 1e-9 ? lambda * 0.1 : 0.0;
    } else {
      lambda = lambda > 0.0 ? lambda * 10.0 : 1e-3;
    }
  }
}

/* Gate objective Q with its gradient and Hessian computed by the blocked
 * gate pass (exposed for tests against gmoe_em_gate_hessian); NAN when
 * memory runs out. */
double
gmoe_em_gate_blocked(const gmoe_model *m, const gmoe_data *data, const double *r, int with_tau,
                     double *grad, double *hess)
{
  size_t n = data->n, d = m->d, k = m->k, np = gmoe_em_gate_size(k, d, with_tau), i, p, t;
  gmoe_em_pass *pass = gmoe_em_pass_alloc(k, d);
  double *lse = malloc(n * sizeof(double)), *gg = malloc((np + 1) * sizeof(double));
  double *hg = malloc((np * np + 1) * sizeof(double)), *ra = calloc(k, sizeof(double));
  double *rd1 = calloc(k * d, sizeof(double)), *rd2 = calloc(k * d * d, sizeof(double));
  double R[GMOE_MAX_K], q = NAN, qg;
  int ident = m->act == GMOE_ACT_IDENTITY;
  if (pass && lse && gg && hg && ra && rd1 && rd2) {
    qg = gmoe_em_pass_gate(pass, data, m, r, with_tau, 1, lse, NULL, gg, hg, ra, rd1, rd2);
    for (i = 0; i < k; i++) {
      R[i] = 0.0;
      for (t = 0; t < n; t++)
        R[i] += r[i * n + t];
      if (ident && i + 1 < k)
        for (ra[i] = 0.0, p = 0; p < d; p++) {
          rd1[i * d + p] = 0.0;
          for (t = 0; t < n; t++)
            rd1[i * d + p] += r[i * n + t] * data->x[p * n + t];
          ra[i] += m->beta1[i * d + p] * rd1[i * d + p];
        }
    }
    q = gmoe_em_gate_combine(m, with_tau, R, ra, rd1, ident ? NULL : rd2, qg, gg, hg, grad, hess);
  }
  gmoe_em_pass_free(pass);
  free(lse);
  free(gg);
  free(hg);
  free(ra);
  free(rd1);
  free(rd2);
  return q;
}

/* Use the plain per-observation computations (plain != 0) or the blocked
 * passes from the next gmoe_em_init on. */
void
gmoe_em_set_plain(gmoe_em *em, int plain)
{
  em->plain = plain != 0;
}

/* ------------------------------------------------------------------ */
/* SQUAREM acceleration.                                                */

/* Parameters of m in coordinates without constraints: the flat vector of
 * gmoe_model_flatten with log tau and log nu in place of tau and nu. */
static void
gmoe_em_acc_get(const gmoe_model *m, double *v)
{
  size_t i, k = m->k, w = 2 * m->d + 3;
  gmoe_model_flatten(m, v);
  v[0] = log(v[0]);
  for (i = 0; i < k; i++)
    v[1 + i * w + w - 1] = log(v[1 + i * w + w - 1]);
}

/* Set the parameters of m from v (see gmoe_em_acc_get), variances at
 * least nu_floor; the temperature changes only when learned, the
 * reference expert's gate stays 0.  Returns 0, or -1 when a value is
 * not finite. */
static int
gmoe_em_acc_set(gmoe_model *m, const double *v, int learn, double nu_floor)
{
  size_t i, j, k = m->k, d = m->d, w = 2 * d + 3, l;
  for (l = 0; l < 1 + k * w; l++)
    if (!isfinite(v[l]))
      return -1;
  if (learn)
    m->tau = exp(v[0]);
  for (i = 0; i < k; i++) {
    const double *e = v + 1 + i * w;
    if (i + 1 < k) {
      m->beta0[i] = e[0];
      for (j = 0; j < d; j++)
        m->beta1[i * d + j] = e[1 + j];
    }
    for (j = 0; j < d; j++)
      m->a[i * d + j] = e[1 + d + j];
    m->b[i] = e[1 + 2 * d];
    m->nu[i] = exp(e[2 + 2 * d]);
    if (!(m->nu[i] > nu_floor))
      m->nu[i] = nu_floor;
  }
  return isfinite(m->tau) && m->tau > 0.0 ? 0 : -1;
}

/* Evaluate the current model from scratch: a gate pass (blocked path) and
 * the E-step, as gmoe_em_init does. */
static int
gmoe_em_reevaluate(gmoe_em *em)
{
  em->hess_age = 0;
  em->hess_off = 0;
  if (!em->plain) {
    gmoe_em_gate_trial(em, em->m, 0, 1);
    gmoe_em_gate_accept(em);
  }
  return gmoe_em_estep(em);
}

/* The extrapolation of a SQUAREM cycle (Varadhan and Roland's scheme S3)
 * after its two EM steps theta0 -> theta1 -> theta2 (the current model):
 * r = theta1 - theta0, v = theta2 - 2 theta1 + theta0, alpha =
 * -sqrt(r'r / v'v), and theta' = theta0 - 2 alpha r + alpha^2 v.  theta'
 * replaces theta2 only when its log-likelihood is at least theta2's;
 * otherwise alpha moves halfway to -1 (plain EM) and theta' is tried once
 * more, and then theta2 stays.  The longest step grows fourfold each
 * time a step of that length is kept. */
static int
gmoe_em_accelerate(gmoe_em *em)
{
  size_t l, L = em->nacc, tries;
  double sr = 0.0, sv = 0.0, alpha, l2 = em->loglik;
  int learn = em->opts.temp == GMOE_TEMP_LEARN;
  gmoe_em_acc_get(em->m, em->acc2);
  for (l = 0; l < L; l++) {
    double r = em->acc1[l] - em->acc0[l], v = em->acc2[l] - 2.0 * em->acc1[l] + em->acc0[l];
    sr += r * r;
    sv += v * v;
  }
  if (!(sr > 0.0) || !(sv > 0.0) || !isfinite(sr) || !isfinite(sv))
    return GMOE_OK;
  alpha = -sqrt(sr / sv);
  if (!(alpha < -1.0))
    return GMOE_OK;
  if (alpha < -em->acc_max)
    alpha = -em->acc_max;
  gmoe_model_copy(em->acc_keep, em->m);
  for (tries = 0; tries < 2; tries++) {
    for (l = 0; l < L; l++) {
      double r = em->acc1[l] - em->acc0[l], v = em->acc2[l] - 2.0 * em->acc1[l] + em->acc0[l];
      em->accx[l] = em->acc0[l] - 2.0 * alpha * r + alpha * alpha * v;
    }
    em->acc_tries++;
    if (gmoe_em_acc_set(em->m, em->accx, learn, em->nu_floor) == 0
        && gmoe_model_validate(em->m) == GMOE_OK && gmoe_em_reevaluate(em) == GMOE_OK
        && em->loglik >= l2) {
      size_t i;
      em->acc_taken++;
      if (alpha <= -em->acc_max)
        em->acc_max *= 4.0;
      em->floor_count = 0;
      for (i = 0; i < em->k; i++)
        em->floor_count += em->m->nu[i] <= em->nu_floor;
      return GMOE_OK;
    }
    gmoe_model_copy(em->m, em->acc_keep);
    alpha = 0.5 * (alpha - 1.0);
    if (!(alpha < -1.0))
      break;
  }
  /* Back to theta2, evaluated again (the passes above overwrote it). */
  gmoe_error_clear();
  return gmoe_em_reevaluate(em);
}

/* ------------------------------------------------------------------ */
/* init / iterate / test.                                               */

/* Append the current state to the trace when one is recorded. */
static int
gmoe_em_record(gmoe_em *em)
{
  if (em->trace == NULL)
    return GMOE_OK;
  return gmoe_trace_append(em->trace, em->iter, em->loglik, em->m);
}

/* Start from a copy of model start and evaluate it. */
int
gmoe_em_init(gmoe_em *em, const gmoe_model *start)
{
  int status;
  if (start->k != em->k || start->d != em->d)
    GMOE_ERROR(GMOE_EINVAL,
               "the start model has k = %zu, d = %zu but the fit needs k = %zu, d = %zu",
               start->k, start->d, em->k, em->d);
  status = gmoe_model_validate(start);
  if (status != GMOE_OK)
    return status;
  gmoe_model_copy(em->m, start);
  em->m->act = em->opts.act;
  if (em->opts.temp != GMOE_TEMP_LEARN)
    em->m->tau = gmoe_fit_opts_tau_at(&em->opts, 0);
  em->iter = 0;
  em->n_estep = em->n_gate = 0;
  em->hess_age = 0;
  em->hess_off = 0;
  em->acc_phase = 0;
  em->acc_max = 4.0;
  em->acc_tries = em->acc_taken = 0;
  em->loglik = em->prev_loglik = NAN;
  em->floor_count = em->empty_count = em->ridge_count = 0;
  if (em->trace != NULL)
    em->trace->rows = 0;
  if (!em->plain) {
    gmoe_em_gate_trial(em, em->m, 0, 1);
    gmoe_em_gate_accept(em);
  }
  status = gmoe_em_estep(em);
  if (status != GMOE_OK)
    return status;
  return gmoe_em_record(em);
}

/* One EM iteration: M-step from the last E-step, then the E-step at the
 * new parameters, which gives their log-likelihood. */
int
gmoe_em_iterate(gmoe_em *em)
{
  int status, tau_changed = 0, accel;
  if (isnan(em->loglik))
    GMOE_ERROR(GMOE_EINVAL, "EM was not initialised (call gmoe_em_init first)");
  em->iter++;
  if (em->opts.temp == GMOE_TEMP_ANNEAL) {
    double tau = gmoe_fit_opts_tau_at(&em->opts, em->iter);
    tau_changed = tau != em->m->tau;
    em->m->tau = tau;
  }
  /* SQUAREM cycles of two EM steps and an extrapolation, not while the
   * temperature is annealed (the map changes from one step to the next). */
  accel = em->opts.accel
          && !(em->opts.temp == GMOE_TEMP_ANNEAL && em->iter <= em->opts.anneal_iters);
  if (!accel)
    em->acc_phase = 0;
  else if (em->acc_phase == 0)
    gmoe_em_acc_get(em->m, em->acc0);
  gmoe_em_mstep_experts(em);
  gmoe_em_mstep_gate(em, tau_changed);
  em->prev_loglik = em->loglik;
  status = gmoe_em_estep(em);
  if (status != GMOE_OK)
    return status;
  if (accel && em->acc_phase == 0) {
    gmoe_em_acc_get(em->m, em->acc1);
    em->acc_phase = 1;
  } else if (accel) {
    em->acc_phase = 0;
    status = gmoe_em_accelerate(em);
    if (status != GMOE_OK)
      return status;
  }
  return gmoe_em_record(em);
}

/* Convergence test after an iteration. */
int
gmoe_em_test(const gmoe_em *em)
{
  const gmoe_fit_opts *o = &em->opts;
  int annealing = o->temp == GMOE_TEMP_ANNEAL && em->iter < o->anneal_iters;
  if (em->iter >= 1 && !annealing
      && fabs(em->loglik - em->prev_loglik) <= o->tol * fabs(em->loglik))
    return GMOE_OK;
  if (em->iter >= o->maxiter)
    return GMOE_ENOCONV;
  return GMOE_CONTINUE;
}

/* The current model (borrowed). */
const gmoe_model *
gmoe_em_model(const gmoe_em *em)
{
  return em->m;
}

/* Log-likelihood of the current model. */
double
gmoe_em_loglik(const gmoe_em *em)
{
  return em->loglik;
}

/* Log-likelihood before the last iteration (NaN before the first). */
double
gmoe_em_prev_loglik(const gmoe_em *em)
{
  return em->prev_loglik;
}

/* Number of iterations done since gmoe_em_init. */
size_t
gmoe_em_iteration(const gmoe_em *em)
{
  return em->iter;
}

/* The trace (NULL when not recorded). */
const gmoe_trace *
gmoe_em_trace(const gmoe_em *em)
{
  return em->trace;
}

/* Experts at the variance floor after the last M-step. */
size_t
gmoe_em_floor_count(const gmoe_em *em)
{
  return em->floor_count;
}

/* Experts with no responsibility in the last M-step. */
size_t
gmoe_em_empty_count(const gmoe_em *em)
{
  return em->empty_count;
}

/* Experts whose least-squares system needed a ridge in the last M-step. */
size_t
gmoe_em_ridge_count(const gmoe_em *em)
{
  return em->ridge_count;
}

/* Passes over the data since gmoe_em_init: E-steps and gate evaluations. */
void
gmoe_em_counts(const gmoe_em *em, size_t *esteps, size_t *gate_passes)
{
  *esteps = em->n_estep;
  *gate_passes = em->n_gate;
}

/* Responsibilities of the last E-step, r[i*n + t]; when the E-step did
 * not store them (identity gate), the same pass at the same model computes
 * them now, into scratch statistics (the workspace is logically unchanged). */
const double *
gmoe_em_resp(const gmoe_em *em)
{
  if (!em->r_valid && !isnan(em->loglik)) {
    gmoe_em *w = (gmoe_em *)em;
    gmoe_em_pass_estep(w->pass, w->data, w->m, w->lse, w->act, w->xbar, w->ybar, w->r,
                       w->st_scratch, w->ra_t, w->rd1_t, w->rd2_t);
    w->r_valid = 1;
  }
  return em->r;
}

/* ------------------------------------------------------------------ */
/* Starting models.                                                     */

/* Allocate the random stream of restart number restart for seed. */
static gsl_rng *
gmoe_em_rng(unsigned long seed, size_t restart)
{
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  unsigned long long h;
  if (rng == NULL)
    return NULL;
  h = gmoe_sim_mix(gmoe_sim_mix((unsigned long long)seed ^ 0x656d696e6974ULL)
                  ^ (unsigned long long)restart);
  gsl_rng_set(rng, (unsigned long)(h & 0xffffffffUL) ^ (unsigned long)(h >> 32));
  return rng;
}

/* Re-express the gate of m relative to its last expert, which becomes
 * the reference (beta0 = 0, beta1 = 0). */
static void
gmoe_em_rereference(gmoe_model *m)
{
  size_t i, j, k = m->k, d = m->d;
  for (i = 0; i < k; i++) {
    m->beta0[i] -= m->beta0[k - 1];
    if (i + 1 < k)
      for (j = 0; j < d; j++)
        m->beta1[i * d + j] -= m->beta1[(k - 1) * d + j];
  }
  m->beta0[k - 1] = 0.0;
  for (j = 0; j < d; j++)
    m->beta1[(k - 1) * d + j] = 0.0;
}

/* Multiply v by a relative perturbation 1 + noise * U(-1, 1). */
static double
gmoe_em_perturb(gsl_rng *rng, double noise, double v)
{
  return v * (1.0 + noise * (2.0 * gsl_rng_uniform(rng) - 1.0));
}

/* Start near the truth: copy its atoms (splitting or dropping atoms when
 * k differs from truth->k) and perturb every parameter. */
static int
gmoe_em_start_truth(const gmoe_data *data, const gmoe_fit_opts *opts, const gmoe_model *truth,
                    gsl_rng *rng, gmoe_model *start)
{
  size_t k = start->k, ks = truth->k, d = start->d, i, j, t;
  size_t src[GMOE_MAX_K], copies[GMOE_MAX_K];
  if (truth->d != d)
    GMOE_ERROR(GMOE_EINVAL, "the truth has d = %zu inputs but the fit has d = %zu", truth->d, d);
  if (k >= ks) {
    /* Every true atom gets one fitted atom; the extra ones go round the
     * true atoms in order.  Copies of an atom stay together and the copies
     * of the truth's reference come last. */
    size_t o = 0;
    for (j = 0; j < ks; j++)
      copies[j] = 1 + (k - ks) / ks + (j < (k - ks) % ks ? 1 : 0);
    for (j = 0; j < ks; j++)
      for (i = 0; i < copies[j]; i++)
        src[o++] = j;
  } else {
    /* Keep the k atoms of largest mean gate probability over the data. */
    double w[GMOE_MAX_K] = {0}, logg[GMOE_MAX_K];
    int keep[GMOE_MAX_K] = {0};
    size_t o = 0;
    for (t = 0; t < data->n; t++) {
      gmoe_model_log_gate(truth, data->x + t, data->n, logg);
      for (j = 0; j < ks; j++)
        w[j] += exp(logg[j]);
    }
    for (i = 0; i < k; i++) {
      size_t best = ks;
      for (j = 0; j < ks; j++)
        if (!keep[j] && (best == ks || w[j] > w[best]))
          best = j;
      keep[best] = 1;
    }
    for (j = 0; j < ks; j++) {
      copies[j] = 1;
      if (keep[j])
        src[o++] = j;
    }
  }
  for (i = 0; i < k; i++) {
    size_t s = src[i];
    start->beta0[i] =
      gmoe_em_perturb(rng, opts->init_noise, truth->beta0[s] - log((double)copies[s]));
    for (j = 0; j < d; j++) {
      start->beta1[i * d + j] = gmoe_em_perturb(rng, opts->init_noise, truth->beta1[s * d + j]);
      start->a[i * d + j] = gmoe_em_perturb(rng, opts->init_noise, truth->a[s * d + j]);
    }
    start->b[i] = gmoe_em_perturb(rng, opts->init_noise, truth->b[s]);
    start->nu[i] = truth->nu[s] * exp(opts->init_noise * (2.0 * gsl_rng_uniform(rng) - 1.0));
  }
  start->tau = opts->temp == GMOE_TEMP_LEARN ? gmoe_em_perturb(rng, opts->init_noise, truth->tau)
                                             : truth->tau;
  if (!(start->tau > 0.0))
    start->tau = truth->tau;
  gmoe_em_rereference(start);
  return GMOE_OK;
}

/* The data-driven start: observations it works on (a subsample of larger
 * data sets), candidates per restart, EM iterations given to each
 * candidate, and most rounds of k-regressions. */
#define GMOE_EM_START_SUB 4000
#define GMOE_EM_START_CAND 6
#define GMOE_EM_START_SHORT 20
#define GMOE_EM_START_KREG 30
#define GMOE_EM_START_TOL 1e-6

/* Scratch of the data-driven start for m observations and k experts. */
typedef struct gmoe_em_kwork {
  size_t m, k, d, dd;
  double *z;        /* m*dd standardised (x, y), observation by observation */
  double *cen;      /* k*dd cluster centres */
  double *dist;     /* m squared distances to the nearest centre */
  double *d2;       /* m distances to one observation */
  size_t *cluster;  /* m cluster labels */
  size_t *prev;     /* m labels of the previous round */
  double *mat;      /* k*dd*dd least-squares matrices of the clusters */
  double *rhs;      /* k*dd right-hand sides, then k sums of squares */
  double *th;       /* k*dd centred coefficients of the clusters' lines */
  double *scr;      /* dd*dd solver scratch */
  double mx[GMOE_MAX_D], my, vary; /* means of x and y, variance of y */
  double nu[GMOE_MAX_K];           /* variances of the lines */
  size_t cnt[GMOE_MAX_K];          /* cluster sizes */
} gmoe_em_kwork;

/* Free the scratch of the start; NULL is a no-op. */
static void
gmoe_em_kwork_free(gmoe_em_kwork *w)
{
  if (w == NULL)
    return;
  free(w->z);
  free(w->cen);
  free(w->dist);
  free(w->d2);
  free(w->cluster);
  free(w->prev);
  free(w->mat);
  free(w->rhs);
  free(w->th);
  free(w->scr);
  free(w);
}

/* Allocate the scratch of the start for data and k experts, with the
 * standardised coordinates and the moments of the data filled in; NULL
 * when memory runs out. */
static gmoe_em_kwork *
gmoe_em_kwork_alloc(const gmoe_data *data, size_t k)
{
  size_t n = data->n, d = data->d, dd = d + 1, t, j;
  gmoe_em_kwork *w = calloc(1, sizeof *w);
  if (w == NULL)
    return NULL;
  w->m = n;
  w->k = k;
  w->d = d;
  w->dd = dd;
  w->z = malloc(n * dd * sizeof(double));
  w->cen = malloc(k * dd * sizeof(double));
  w->dist = malloc(n * sizeof(double));
  w->d2 = malloc(n * sizeof(double));
  w->cluster = malloc(n * sizeof(size_t));
  w->prev = malloc(n * sizeof(size_t));
  w->mat = malloc(k * dd * dd * sizeof(double));
  w->rhs = malloc(k * (dd + 1) * sizeof(double));
  w->th = malloc(k * dd * sizeof(double));
  w->scr = malloc(dd * dd * sizeof(double));
  if (w->z == NULL || w->cen == NULL || w->dist == NULL || w->d2 == NULL || w->cluster == NULL
      || w->prev == NULL || w->mat == NULL || w->rhs == NULL || w->th == NULL
      || w->scr == NULL) {
    gmoe_em_kwork_free(w);
    return NULL;
  }
  /* Column j < d is input j, column d is y. */
  for (j = 0; j < dd; j++) {
    const double *col = j < d ? data->x + j * n : data->y;
    double s = 0.0, ss = 0.0, mean, sd;
    for (t = 0; t < n; t++)
      s += col[t];
    mean = s / (double)n;
    for (t = 0; t < n; t++)
      ss += (col[t] - mean) * (col[t] - mean);
    sd = sqrt(ss / (double)n);
    if (j < d)
      w->mx[j] = mean;
    else {
      w->my = mean;
      w->vary = sd * sd;
    }
    if (!(sd > 0.0))
      sd = 1.0;
    for (t = 0; t < n; t++)
      w->z[t * dd + j] = (col[t] - mean) / sd;
  }
  return w;
}

/* k-means on the standardised (x, y) of the scratch: k-means++ seeding
 * and up to 100 Lloyd iterations; labels into w->cluster. */
static void
gmoe_em_kmeans(gmoe_em_kwork *w, gsl_rng *rng)
{
  size_t n = w->m, dd = w->dd, k = w->k, t, i, j, it, *cnt = w->cnt;
  const double *z = w->z;
  double *cen = w->cen, *dist = w->dist;
  size_t *cluster = w->cluster;
  t = gsl_rng_uniform_int(rng, n);
  for (j = 0; j < dd; j++)
    cen[j] = z[t * dd + j];
  for (t = 0; t < n; t++)
    dist[t] = INFINITY;
  for (i = 1; i < k; i++) {
    double total = 0.0, u, c = 0.0;
    for (t = 0; t < n; t++) {
      double s = 0.0;
      for (j = 0; j < dd; j++) {
        double v = z[t * dd + j] - cen[(i - 1) * dd + j];
        s += v * v;
      }
      if (s < dist[t])
        dist[t] = s;
      total += dist[t];
    }
    if (total > 0.0) {
      u = gsl_rng_uniform(rng) * total;
      for (t = 0; t + 1 < n; t++) {
        c += dist[t];
        if (c > u)
          break;
      }
    } else {
      t = gsl_rng_uniform_int(rng, n);
    }
    for (j = 0; j < dd; j++)
      cen[i * dd + j] = z[t * dd + j];
  }
  for (t = 0; t < n; t++)
    cluster[t] = k;
  for (it = 0; it < 100; it++) {
    size_t changed = 0;
    for (t = 0; t < n; t++) {
      size_t best = 0;
      double bd = INFINITY;
      for (i = 0; i < k; i++) {
        double s = 0.0;
        for (j = 0; j < dd; j++) {
          double v = z[t * dd + j] - cen[i * dd + j];
          s += v * v;
        }
        if (s < bd) {
          bd = s;
          best = i;
        }
      }
      if (cluster[t] != best) {
        cluster[t] = best;
        changed++;
      }
    }
    if (changed == 0)
      break;
    memset(cen, 0, k * dd * sizeof(double));
    memset(cnt, 0, k * sizeof(size_t));
    for (t = 0; t < n; t++) {
      cnt[cluster[t]]++;
      for (j = 0; j < dd; j++)
        cen[cluster[t] * dd + j] += z[t * dd + j];
    }
    for (i = 0; i < k; i++)
      if (cnt[i] > 0)
        for (j = 0; j < dd; j++)
          cen[i * dd + j] /= (double)cnt[i];
      else /* An empty cluster restarts at a random observation. */
        for (t = gsl_rng_uniform_int(rng, n), j = 0; j < dd; j++)
          cen[i * dd + j] = z[t * dd + j];
  }
}

/* Least-squares lines of the clusters of w (labels w->cluster): centred
 * coefficients (d slopes on x - mx, then the intercept at y - my) into
 * w->th, mean squared residuals into w->nu, sizes into w->cnt.  Clusters
 * of fewer than d + 2 observations get a flat line at their mean with the
 * variance of y.  Returns the number of such clusters. */
static size_t
gmoe_em_cluster_lines(const gmoe_data *data, gmoe_em_kwork *w)
{
  size_t n = data->n, d = data->d, dd = d + 1, k = w->k, t, i, p, q, small = 0;
  double xt[GMOE_MAX_D + 1], *syy = w->rhs + k * dd;
  memset(w->mat, 0, k * dd * dd * sizeof(double));
  memset(w->rhs, 0, k * (dd + 1) * sizeof(double));
  memset(w->cnt, 0, k * sizeof(size_t));
  for (t = 0; t < n; t++) {
    size_t c = w->cluster[t];
    double yc = data->y[t] - w->my, *a = w->mat + c * dd * dd, *r = w->rhs + c * dd;
    for (p = 0; p < d; p++)
      xt[p] = data->x[p * n + t] - w->mx[p];
    xt[d] = 1.0;
    w->cnt[c]++;
    for (p = 0; p < dd; p++) {
      for (q = p; q < dd; q++)
        a[p * dd + q] += xt[p] * xt[q];
      r[p] += xt[p] * yc;
    }
    syy[c] += yc * yc;
  }
  for (i = 0; i < k; i++) {
    double *a = w->mat + i * dd * dd, *r = w->rhs + i * dd, *theta = w->th + i * dd;
    double ssr = syy[i];
    for (p = 0; p < dd; p++)
      for (q = 0; q < p; q++)
        a[p * dd + q] = a[q * dd + p];
    if (w->cnt[i] < dd + 1 || gmoe_em_spd_solve(a, r, dd, w->scr, theta) < 0) {
      memset(theta, 0, dd * sizeof(double));
      theta[d] = w->cnt[i] > 0 ? r[d] / (double)w->cnt[i] : 0.0;
      w->nu[i] = w->vary;
      small++;
      continue;
    }
    for (p = 0; p < dd; p++)
      ssr -= theta[p] * r[p];
    w->nu[i] = ssr / (double)w->cnt[i];
  }
  return small;
}

/* Reorder idx[0..n) so that its first q entries index the q smallest of
 * key (quickselect with middle pivots). */
static void
gmoe_em_select(size_t *idx, size_t n, size_t q, const double *key)
{
  size_t lo = 0, hi = n;
  while (hi - lo > 1) {
    double pv = key[idx[lo + (hi - lo) / 2]];
    size_t i = lo, j = hi - 1, t;
    while (i <= j) {
      while (key[idx[i]] < pv)
        i++;
      while (key[idx[j]] > pv)
        j--;
      if (i <= j) {
        t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
        i++;
        if (j == 0)
          break;
        j--;
      }
    }
    /* Now [lo, j] <= pv <= [i, hi). */
    if (q <= j)
      hi = j + 1;
    else if (q >= i)
      lo = i;
    else
      return;
  }
}

/* Seed k lines k-means++ style: the first at a random observation, each
 * next one at an observation drawn with probability proportional to its
 * squared residual from the nearest line so far; a seed line is the
 * least-squares line of the q observations nearest to the drawn one in
 * the standardised (x, y).  Every observation then joins the line of
 * smallest squared residual (labels into w->cluster). */
static void
gmoe_em_klines_seed(const gmoe_data *data, gmoe_em_kwork *w, gsl_rng *rng, size_t q)
{
  size_t n = data->n, d = data->d, dd = d + 1, k = w->k, t, i, j, p, l;
  size_t *idx = w->prev;
  double *res = w->dist, *near = w->d2, xt[GMOE_MAX_D + 1];
  if (q > n)
    q = n;
  for (t = 0; t < n; t++)
    res[t] = INFINITY;
  for (i = 0; i < k; i++) {
    double *theta = w->th + i * dd, *a = w->mat, *r = w->rhs, total = 0.0;
    size_t c;
    if (i == 0) {
      c = gsl_rng_uniform_int(rng, n);
    } else {
      for (t = 0; t < n; t++)
        total += res[t];
      if (!(total > 0.0) || !isfinite(total)) {
        c = gsl_rng_uniform_int(rng, n);
      } else {
        double u = gsl_rng_uniform(rng) * total, acc = 0.0;
        for (c = 0; c + 1 < n; c++) {
          acc += res[c];
          if (acc > u)
            break;
        }
      }
    }
    for (t = 0; t < n; t++) {
      double s = 0.0;
      for (j = 0; j < dd; j++) {
        double v = w->z[t * dd + j] - w->z[c * dd + j];
        s += v * v;
      }
      near[t] = s;
      idx[t] = t;
    }
    gmoe_em_select(idx, n, q, near);
    memset(a, 0, dd * dd * sizeof(double));
    memset(r, 0, dd * sizeof(double));
    for (l = 0; l < q; l++) {
      size_t s = idx[l];
      double yc = data->y[s] - w->my;
      for (p = 0; p < d; p++)
        xt[p] = data->x[p * n + s] - w->mx[p];
      xt[d] = 1.0;
      for (p = 0; p < dd; p++) {
        for (j = 0; j < dd; j++)
          a[p * dd + j] += xt[p] * xt[j];
        r[p] += xt[p] * yc;
      }
    }
    if (gmoe_em_spd_solve(a, r, dd, w->scr, theta) < 0) {
      memset(theta, 0, dd * sizeof(double));
      theta[d] = data->y[c] - w->my;
    }
    for (t = 0; t < n; t++) {
      double e = data->y[t] - w->my - theta[d];
      for (p = 0; p < d; p++)
        e -= theta[p] * (data->x[p * n + t] - w->mx[p]);
      if (e * e < res[t]) {
        res[t] = e * e;
        w->cluster[t] = i;
      }
    }
  }
}

/* k-regressions from the clusters of w: fit a line to each cluster, move
 * every observation to the line under which its residual is most likely
 * (smallest e^2/nu + log nu, nu bounded below by 1e-3 var(y)), and repeat
 * until no observation moves, for at most rounds rounds.  A round that
 * would leave a cluster too small for a line is undone. */
static void
gmoe_em_kregress(const gmoe_data *data, gmoe_em_kwork *w, size_t rounds)
{
  size_t n = data->n, d = data->d, dd = d + 1, k = w->k, t, i, p, r;
  double lo = 1e-3 * w->vary;
  if (gmoe_em_cluster_lines(data, w) > 0)
    return;
  for (r = 0; r < rounds; r++) {
    double inu[GMOE_MAX_K], lnu[GMOE_MAX_K];
    size_t moved = 0, cnt[GMOE_MAX_K] = {0};
    for (i = 0; i < k; i++) {
      double v = w->nu[i] > lo ? w->nu[i] : lo;
      inu[i] = 1.0 / v;
      lnu[i] = log(v);
    }
    memcpy(w->prev, w->cluster, n * sizeof(size_t));
    for (t = 0; t < n; t++) {
      double yc = data->y[t] - w->my, best = INFINITY;
      size_t bi = w->cluster[t];
      for (i = 0; i < k; i++) {
        const double *theta = w->th + i * dd;
        double e = yc - theta[d], c;
        for (p = 0; p < d; p++)
          e -= theta[p] * (data->x[p * n + t] - w->mx[p]);
        c = e * e * inu[i] + lnu[i];
        if (c < best) {
          best = c;
          bi = i;
        }
      }
      moved += bi != w->cluster[t];
      w->cluster[t] = bi;
      cnt[bi]++;
    }
    if (moved == 0)
      break;
    for (i = 0; i < k; i++)
      if (cnt[i] < dd + 1)
        break;
    if (i < k) {
      memcpy(w->cluster, w->prev, n * sizeof(size_t));
      gmoe_em_cluster_lines(data, w);
      break;
    }
    gmoe_em_cluster_lines(data, w);
  }
}

/* One candidate start from the scratch's data: clusters by k-means on the
 * standardised (x, y) (klines == 0) or by k-lines seeding (otherwise),
 * refined by k-regressions; an expert per cluster from its line (variance
 * at least floor), gate intercepts from the cluster sizes, gate slopes 0. */
static void
gmoe_em_candidate(const gmoe_data *data, gmoe_em_kwork *w, gsl_rng *rng, int klines,
                  double floor, gmoe_model *start)
{
  size_t d = w->d, dd = w->dd, k = w->k, i, j;
  if (klines)
    gmoe_em_klines_seed(data, w, rng, 10 * dd);
  else
    gmoe_em_kmeans(w, rng);
  gmoe_em_kregress(data, w, GMOE_EM_START_KREG);
  for (i = 0; i < k; i++) {
    const double *theta = w->th + i * dd;
    start->b[i] = w->my + theta[d];
    for (j = 0; j < d; j++) {
      start->a[i * d + j] = theta[j];
      start->b[i] -= theta[j] * w->mx[j];
      start->beta1[i * d + j] = 0.0;
    }
    start->nu[i] = w->nu[i] > floor ? w->nu[i] : floor;
  }
  for (i = 0; i < k; i++)
    start->beta0[i] = log(((double)w->cnt[i] + 1.0) / ((double)w->cnt[k - 1] + 1.0));
}

/* A subsample of about m of the n observations of data: one at random
 * from each of m equal strata of the observation order; NULL when memory
 * runs out. */
static gmoe_data *
gmoe_em_subsample(const gmoe_data *data, size_t m, gsl_rng *rng)
{
  size_t n = data->n, d = data->d, s, j;
  gmoe_data *sub = gmoe_data_alloc(m, d);
  if (sub == NULL)
    return NULL;
  for (s = 0; s < m; s++) {
    size_t lo = s * n / m, hi = (s + 1) * n / m;
    size_t t = lo + gsl_rng_uniform_int(rng, hi - lo);
    for (j = 0; j < d; j++)
      sub->x[j * m + s] = data->x[j * n + t];
    sub->y[s] = data->y[t];
  }
  return sub;
}

/* Start from the data (`init kmeans`): on the data, or on a stratified
 * subsample of GMOE_EM_START_SUB observations when there are more,
 * GMOE_EM_START_CAND candidates (gmoe_em_candidate: the first from
 * k-means, the others from k-lines seeding), each followed by up to
 * GMOE_EM_START_SHORT EM iterations there (stopping at a relative change
 * of GMOE_EM_START_TOL); the candidate with the best log-likelihood after
 * them is the start.  The search ends early when a candidate converges to
 * the best log-likelihood so far, reached by a converged candidate before
 * it.  Everything is drawn from rng. */
static int
gmoe_em_start_kmeans(const gmoe_data *data, const gmoe_fit_opts *opts, gsl_rng *rng,
                     gmoe_model *start)
{
  const gmoe_data *use = data;
  gmoe_data *sub = NULL;
  gmoe_em_kwork *w = NULL;
  gmoe_em *em = NULL;
  gmoe_model *cand = NULL;
  gmoe_fit_opts o = *opts;
  size_t c, it;
  double best = -INFINITY, floor;
  int status = GMOE_OK, conv = 0;
  if (data->n > GMOE_EM_START_SUB) {
    use = sub = gmoe_em_subsample(data, GMOE_EM_START_SUB, rng);
    if (sub == NULL)
      GMOE_ERROR(GMOE_ENOMEM, "out of memory for the start on %d observations",
                 GMOE_EM_START_SUB);
  }
  w = gmoe_em_kwork_alloc(use, start->k);
  cand = gmoe_model_clone(start);
  if (w == NULL || cand == NULL) {
    status = GMOE_ENOMEM;
    gmoe_error_set("out of memory for the start on %zu observations", use->n);
    goto done;
  }
  floor = opts->var_floor * w->vary;
  /* The candidates' EM: a fixed temperature when annealed (the start's). */
  o.maxiter = GMOE_EM_START_SHORT;
  o.tol = GMOE_EM_START_TOL;
  o.record_trace = 0;
  o.restarts = 1;
  if (o.temp == GMOE_TEMP_ANNEAL) {
    o.temp = GMOE_TEMP_FIXED;
    o.tau = gmoe_fit_opts_tau_at(opts, 0);
  }
  cand->act = opts->act;
  cand->tau = o.tau;
  if (w->vary > 0.0) {
    em = gmoe_em_create(use, &o, &status);
    if (em == NULL)
      goto done;
    for (c = 0; c < GMOE_EM_START_CAND; c++) {
      double ll;
      int st = GMOE_CONTINUE;
      gmoe_em_candidate(use, w, rng, c > 0, floor, cand);
      if (gmoe_em_init(em, cand) != GMOE_OK)
        continue;
      for (it = 0; it < GMOE_EM_START_SHORT; it++)
        if (gmoe_em_iterate(em) != GMOE_OK || (st = gmoe_em_test(em)) != GMOE_CONTINUE)
          break;
      if (!isfinite(em->loglik))
        continue;
      /* A candidate with an expert at the variance floor has collapsed on
       * a few observations (a spurious maximum): the last resort. */
      ll = em->loglik - (em->floor_count > 0 ? 1e300 : 0.0);
      /* Two converged candidates at the same maximum: the search is over. */
      if (st == GMOE_OK && conv && fabs(ll - best) <= GMOE_EM_START_TOL * fabs(best)) {
        break;
      }
      if (ll > best) {
        best = ll;
        conv = st == GMOE_OK;
        gmoe_model_copy(start, em->m);
      }
    }
  }
  /* A subsample with constant y, or no candidate that EM could evaluate:
   * the first candidate as it is. */
  if (best == -INFINITY)
    gmoe_em_candidate(use, w, rng, 0, floor > 0.0 ? floor : opts->var_floor, start);
done:
  gmoe_em_free(em);
  gmoe_model_free(cand);
  gmoe_em_kwork_free(w);
  gmoe_data_free(sub);
  return status;
}

/* Start from k random observations as expert means: flat experts at their
 * y with the overall variance and a uniform gate. */
static int
gmoe_em_start_random(const gmoe_data *data, gsl_rng *rng, gmoe_model *start)
{
  size_t n = data->n, d = start->d, k = start->k, i, j, l, pick[GMOE_MAX_K];
  double s = 0.0, ss = 0.0;
  for (i = 0; i < n; i++)
    s += data->y[i];
  s /= (double)n;
  for (i = 0; i < n; i++)
    ss += (data->y[i] - s) * (data->y[i] - s);
  ss /= (double)n;
  for (i = 0; i < k; i++) {
    int again;
    do {
      pick[i] = gsl_rng_uniform_int(rng, n);
      again = 0;
      if (n >= k)
        for (l = 0; l < i; l++)
          if (pick[l] == pick[i])
            again = 1;
    } while (again);
    start->beta0[i] = 0.0;
    for (j = 0; j < d; j++) {
      start->beta1[i * d + j] = 0.0;
      start->a[i * d + j] = 0.0;
    }
    start->b[i] = data->y[pick[i]];
    start->nu[i] = ss > 0.0 ? ss : 1.0;
  }
  return GMOE_OK;
}

/* Build a starting model for restart number restart by opts->init. */
int
gmoe_em_start(const gmoe_data *data, const gmoe_fit_opts *opts, const gmoe_model *truth,
              size_t restart, gmoe_model *start)
{
  gsl_rng *rng;
  int status;
  if (start->k != opts->k || start->d != data->d)
    GMOE_ERROR(GMOE_EINVAL,
               "the start model has k = %zu, d = %zu but the fit needs k = %zu, d = %zu",
               start->k, start->d, opts->k, data->d);
  if (opts->init == GMOE_INIT_TRUTH && truth == NULL)
    GMOE_ERROR(GMOE_EINVAL, "initialisation 'truth' needs a true model (try 'set init kmeans')");
  rng = gmoe_em_rng(opts->seed, restart);
  if (rng == NULL)
    GMOE_ERROR(GMOE_ENOMEM, "out of memory");
  switch (opts->init) {
  case GMOE_INIT_TRUTH:
    status = gmoe_em_start_truth(data, opts, truth, rng, start);
    break;
  case GMOE_INIT_KMEANS:
    status = gmoe_em_start_kmeans(data, opts, rng, start);
    start->tau = opts->tau;
    break;
  case GMOE_INIT_RANDOM:
  default:
    status = gmoe_em_start_random(data, rng, start);
    start->tau = opts->tau;
    break;
  }
  gsl_rng_free(rng);
  if (status != GMOE_OK)
    return status;
  start->act = opts->act;
  if (opts->temp == GMOE_TEMP_ANNEAL)
    start->tau = gmoe_fit_opts_tau_at(opts, 0);
  else if (opts->temp == GMOE_TEMP_FIXED)
    start->tau = opts->tau;
  return gmoe_model_validate(start);
}

/* ------------------------------------------------------------------ */
/* Fitting with restarts.                                               */

/* Wall-clock time in seconds. */
static double
gmoe_em_now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Free what a fit result owns and zero it. */
void
gmoe_fit_result_clear(gmoe_fit_result *res)
{
  if (res == NULL)
    return;
  gmoe_model_free(res->model);
  gmoe_trace_free(res->trace);
  memset(res, 0, sizeof *res);
}

/* Make the current state of em the best result in res. */
static int
gmoe_fit_keep(const gmoe_em *em, size_t restart, int status, gmoe_fit_result *res)
{
  gmoe_trace *tr = NULL;
  if (res->model == NULL) {
    res->model = gmoe_model_clone(em->m);
    if (res->model == NULL)
      GMOE_ERROR(GMOE_ENOMEM, "out of memory");
  } else {
    gmoe_model_copy(res->model, em->m);
  }
  if (em->trace != NULL) {
    tr = gmoe_trace_clone(em->trace);
    if (tr == NULL)
      GMOE_ERROR(GMOE_ENOMEM, "out of memory copying the trace");
  }
  gmoe_trace_free(res->trace);
  res->trace = tr;
  res->loglik = em->loglik;
  res->iterations = em->iter;
  res->status = status;
  res->best_restart = restart;
  res->floor_count = em->floor_count;
  res->empty_count = em->empty_count;
  return GMOE_OK;
}

/* Shared state of the threads that run the restarts of one fit. */
struct gmoe_fit_pool {
  const gmoe_data *data;
  const gmoe_fit_opts *opts;
  const gmoe_model *truth;
  pthread_mutex_t lock;
  pthread_cond_t done;    /* signalled when a worker thread ends */
  size_t next;            /* the next restart to run */
  size_t running;         /* worker threads still running */
  int stop;               /* interrupted, or a start failed for want of memory or by
                           * invalid settings: no restart starts, running ones stop */
};

/* One thread's share of a fit: the best of the restarts it ran (ties go
 * to the lower restart number, as in a serial run) and the error of its
 * highest-numbered failed restart. */
struct gmoe_fit_part {
  struct gmoe_fit_pool *pool;
  pthread_t tid;
  gmoe_em *em;            /* its workspace */
  gmoe_model *start;
  gmoe_fit_result res;    /* its best restart */
  int have;               /* res holds one */
  int status;             /* GMOE_OK, or the error that ended the whole fit */
  int last_error;         /* GMOE_OK, or the error of restart last_restart */
  size_t last_restart;
  int stopped;            /* a restart of it was stopped by the interrupt */
  int ran;                /* it ran a restart to its end (for progress) */
  int first;              /* restart 0 is reserved for it (the calling thread) */
  size_t progress_restart;
  char msg[1024];         /* the message of last_error or status */
};

/* Whether the pool was told to stop. */
static int
gmoe_fit_pool_stopped(struct gmoe_fit_pool *pool)
{
  int stop;
  pthread_mutex_lock(&pool->lock);
  stop = pool->stop;
  pthread_mutex_unlock(&pool->lock);
  return stop;
}

/* Tell the pool to stop. */
static void
gmoe_fit_pool_halt(struct gmoe_fit_pool *pool)
{
  pthread_mutex_lock(&pool->lock);
  pool->stop = 1;
  pthread_mutex_unlock(&pool->lock);
}

/* Record the failure of restart r with status st and this thread's
 * message in the part (the highest-numbered failure wins, as in a serial
 * run). */
static void
gmoe_fit_part_fail(struct gmoe_fit_part *part, size_t r, int st)
{
  if (part->last_error == GMOE_OK || r > part->last_restart) {
    part->last_error = st;
    part->last_restart = r;
    snprintf(part->msg, sizeof part->msg, "%s", gmoe_error_message());
  }
}

/* Run restarts taken from the pool until none is left or the pool stops;
 * progress (the calling thread's part only) is called after every
 * iteration and may stop the pool. */
static void
gmoe_fit_part_run(struct gmoe_fit_part *part, gmoe_fit_progress progress, void *user)
{
  struct gmoe_fit_pool *pool = part->pool;
  const gmoe_fit_opts *opts = pool->opts;
  for (;;) {
    size_t r;
    int st;
    if (part->first) {
      part->first = 0;
      r = 0;
    } else {
      pthread_mutex_lock(&pool->lock);
      if (pool->stop || pool->next >= opts->restarts) {
        pthread_mutex_unlock(&pool->lock);
        return;
      }
      r = pool->next++;
      pthread_mutex_unlock(&pool->lock);
    }
    st = gmoe_em_start(pool->data, opts, pool->truth, r, part->start);
    if (st == GMOE_OK)
      st = gmoe_em_init(part->em, part->start);
    if (st != GMOE_OK) {
      gmoe_fit_part_fail(part, r, st);
      if (st == GMOE_EINVAL || st == GMOE_ENOMEM)
        gmoe_fit_pool_halt(pool);
      continue;
    }
    if (opts->maxiter == 0) {
      st = GMOE_ENOCONV;
    } else {
      while ((st = gmoe_em_iterate(part->em)) == GMOE_OK
             && (st = gmoe_em_test(part->em)) == GMOE_CONTINUE)
        if (progress != NULL ? progress(part->em, r, user) != 0 : gmoe_fit_pool_stopped(pool)) {
          st = GMOE_EINTR;
          part->stopped = 1;
          gmoe_fit_pool_halt(pool);
          break;
        }
      if ((st == GMOE_OK || st == GMOE_ENOCONV) && progress != NULL
          && progress(part->em, r, user) != 0) {
        part->stopped = 1;
        gmoe_fit_pool_halt(pool);
      }
    }
    if (st != GMOE_OK && st != GMOE_ENOCONV && st != GMOE_EINTR) {
      gmoe_fit_part_fail(part, r, st);
      continue;
    }
    part->ran = 1;
    part->progress_restart = r;
    if (!part->have || part->em->loglik > part->res.loglik) {
      int ks = gmoe_fit_keep(part->em, r, st, &part->res);
      if (ks != GMOE_OK) {
        part->status = ks;
        snprintf(part->msg, sizeof part->msg, "%s", gmoe_error_message());
        gmoe_fit_pool_halt(pool);
        return;
      }
      part->have = 1;
    }
  }
}

/* Body of a worker thread: its share of the restarts, without progress. */
static void *
gmoe_fit_worker(void *arg)
{
  struct gmoe_fit_part *part = arg;
  struct gmoe_fit_pool *pool = part->pool;
  gmoe_fit_part_run(part, NULL, NULL);
  pthread_mutex_lock(&pool->lock);
  pool->running--;
  pthread_cond_signal(&pool->done);
  pthread_mutex_unlock(&pool->lock);
  return NULL;
}

/* Threads to run the restarts of opts on: opts->threads (0: every online
 * core), at most one per restart. */
static size_t
gmoe_fit_threads(const gmoe_fit_opts *opts)
{
  size_t t = opts->threads;
  if (t == 0) {
    long c = sysconf(_SC_NPROCESSORS_ONLN);
    t = c > 0 ? (size_t)c : 1;
  }
  if (t > opts->restarts)
    t = opts->restarts;
  return t > GMOE_FIT_MAX_THREADS ? GMOE_FIT_MAX_THREADS : t;
}

/* Fit data by EM with restarts, keeping the best log-likelihood: the
 * restarts are shared among gmoe_fit_threads threads, the calling one
 * included, which alone calls progress (for the restarts it runs, and
 * every 50 ms while it waits for the others).  Each restart depends only
 * on its number, and the best is chosen as a serial run chooses it, so
 * the result does not depend on the number of threads. */
int
gmoe_fit(const gmoe_data *data, const gmoe_fit_opts *opts, const gmoe_model *truth,
         gmoe_fit_progress progress, void *user, gmoe_fit_result *res)
{
  double t0 = gmoe_em_now();
  struct gmoe_fit_pool pool;
  struct gmoe_fit_part parts[GMOE_FIT_MAX_THREADS];
  size_t nthreads, started = 0, i, best = 0;
  int status = GMOE_OK, stopped = 0, have = 0, last_error = GMOE_OK;
  size_t last_restart = 0;
  const char *msg = NULL;
  memset(res, 0, sizeof *res);
  memset(parts, 0, sizeof parts);
  memset(&pool, 0, sizeof pool);
  pool.data = data;
  pool.opts = opts;
  pool.truth = truth;
  pthread_mutex_init(&pool.lock, NULL);
  pthread_cond_init(&pool.done, NULL);
  parts[0].pool = &pool;
  parts[0].em = gmoe_em_create(data, opts, &status);
  if (parts[0].em == NULL)
    goto out;
  nthreads = gmoe_fit_threads(opts);
  /* Workspaces first: a thread that cannot have one is not started. */
  for (i = 0; i < nthreads; i++) {
    parts[i].pool = &pool;
    if (i > 0) {
      int st;
      parts[i].em = gmoe_em_create(data, opts, &st);
      if (parts[i].em == NULL)
        break;
    }
    parts[i].start = gmoe_model_alloc(opts->k, data->d);
    if (parts[i].start == NULL) {
      if (i == 0) {
        status = GMOE_ENOMEM;
        gmoe_error_set("out of memory");
        goto out;
      }
      gmoe_em_free(parts[i].em);
      parts[i].em = NULL;
      break;
    }
  }
  nthreads = i;
  gmoe_error_clear();
  /* The calling thread keeps restart 0 for itself, so that it always has a
   * fit to report progress on, however fast the workers take the rest. */
  parts[0].first = 1;
  pool.next = 1;
  for (i = 1; i < nthreads; i++) {
    pthread_mutex_lock(&pool.lock);
    pool.running++;
    pthread_mutex_unlock(&pool.lock);
    if (pthread_create(&parts[i].tid, NULL, gmoe_fit_worker, &parts[i]) != 0) {
      pthread_mutex_lock(&pool.lock);
      pool.running--;
      pthread_mutex_unlock(&pool.lock);
      break;
    }
    started++;
  }
  gmoe_fit_part_run(&parts[0], progress, user);
  /* Wait for the workers, keeping the progress callback (and with it
   * Ctrl-C and the live view) served. */
  pthread_mutex_lock(&pool.lock);
  while (pool.running > 0) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 50000000L;
    if (ts.tv_nsec >= 1000000000L) {
      ts.tv_sec++;
      ts.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&pool.done, &pool.lock, &ts);
    if (pool.running > 0 && progress != NULL && parts[0].ran && !pool.stop) {
      int halt;
      pthread_mutex_unlock(&pool.lock);
      halt = progress(parts[0].em, parts[0].progress_restart, user) != 0;
      pthread_mutex_lock(&pool.lock);
      if (halt) {
        pool.stop = 1;
        parts[0].stopped = 1;
      }
    }
  }
  pthread_mutex_unlock(&pool.lock);
  for (i = 1; i <= started; i++)
    pthread_join(parts[i].tid, NULL);
  /* Merge as a serial run would: the highest log-likelihood, the lowest
   * restart number among equals; the error of the highest-numbered failed
   * restart. */
  for (i = 0; i < nthreads; i++) {
    struct gmoe_fit_part *p = &parts[i];
    stopped |= p->stopped;
    if (p->status != GMOE_OK && status == GMOE_OK) {
      status = p->status;
      msg = p->msg;
    }
    if (p->last_error != GMOE_OK && (last_error == GMOE_OK || p->last_restart > last_restart)) {
      last_error = p->last_error;
      last_restart = p->last_restart;
      if (status == GMOE_OK)
        msg = p->msg;
    }
    if (p->have && (!have || p->res.loglik > parts[best].res.loglik
                    || (p->res.loglik == parts[best].res.loglik
                        && p->res.best_restart < parts[best].res.best_restart))) {
      best = i;
      have = 1;
    }
  }
  if (status == GMOE_OK && have) {
    *res = parts[best].res;
    memset(&parts[best].res, 0, sizeof parts[best].res);
  }
out:
  for (i = 0; i < GMOE_FIT_MAX_THREADS; i++) {
    gmoe_fit_result_clear(&parts[i].res);
    gmoe_model_free(parts[i].start);
    gmoe_em_free(parts[i].em);
  }
  pthread_mutex_destroy(&pool.lock);
  pthread_cond_destroy(&pool.done);
  if (have && stopped && status == GMOE_OK)
    res->status = GMOE_EINTR;
  res->seconds = gmoe_em_now() - t0;
  if (status != GMOE_OK) {
    double secs = res->seconds;
    if (msg != NULL)
      gmoe_error_set("%s", msg);
    gmoe_fit_result_clear(res);
    res->seconds = secs;
    return status;
  }
  if (!have) {
    double secs = res->seconds;
    gmoe_fit_result_clear(res);
    res->seconds = secs;
    if (stopped)
      GMOE_ERROR(GMOE_EINTR, "the fit was stopped before any restart finished an iteration");
    if (msg != NULL)
      gmoe_error_set("%s", msg);
    return last_error != GMOE_OK ? last_error : GMOE_ENUMERIC;
  }
  return GMOE_OK;
}
