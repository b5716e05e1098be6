/* loss.c: Voronoi loss, per-group errors, Hellinger distance, BIC and AIC. */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include "error.h"
#include "loss.h"

static const char *const gmoe_loss_names[GMOE_ERR_COUNT] = {
  "weight", "beta1", "tau", "beta1/tau", "a", "b", "nu", "voronoi", "hellinger"
};

/* Half-width of the y range around each expert, in standard deviations. */
#define GMOE_LOSS_SDS 10.0
/* Simpson step relative to the smallest standard deviation in a cluster of y: an
 * eighth resolves the narrow features of sqrt(p) between separated experts
 * (relative error about 1e-10 on the default truth; a quarter gives 1e-7). */
#define GMOE_LOSS_STEP 0.125
/* Experts whose gate weight at x is below this are left out of the y quadrature:
 * leaving out weight w moves H at that x by at most sqrt(w / 2), below 1e-7. */
#define GMOE_LOSS_MIN_WEIGHT 1e-14
/* Most Simpson intervals on one cluster of y (bounds the cost for a collapsed expert). */
#define GMOE_LOSS_MAX_INTERVALS 32768

/* The first 64 primes, the bases of the Halton sequence in up to 64 dimensions. */
static const unsigned gmoe_loss_primes[GMOE_MAX_D] = {
  2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53,
  59, 61, 67, 71, 73, 79, 83, 89, 97, 101, 103, 107, 109, 113, 127, 131,
  137, 139, 149, 151, 157, 163, 167, 173, 179, 181, 191, 193, 197, 199, 211, 223,
  227, 229, 233, 239, 241, 251, 257, 263, 269, 271, 277, 281, 283, 293, 307, 311
};

/* Name of an error measure. */
const char *
gmoe_loss_name(int which)
{
  return which >= 0 && which < GMOE_ERR_COUNT ? gmoe_loss_names[which] : "unknown";
}

/* Squared Euclidean distance between fitted atom i and true atom j in the
 * identified coordinates (beta1/tau, a, b, nu). */
static double
gmoe_loss_atom_dist2(const gmoe_model *fit, size_t i, const gmoe_model *truth, size_t j)
{
  size_t l, d = fit->d;
  double s = 0.0, t;
  for (l = 0; l < d; l++) {
    t = fit->beta1[i * d + l] / fit->tau - truth->beta1[j * d + l] / truth->tau;
    s += t * t;
    t = fit->a[i * d + l] - truth->a[j * d + l];
    s += t * t;
  }
  t = fit->b[i] - truth->b[j];
  s += t * t;
  t = fit->nu[i] - truth->nu[j];
  return s + t * t;
}

/* Voronoi cells of fit against truth: cell[i] is the true atom nearest to
 * fitted atom i (the lowest index on ties). */
void
gmoe_loss_cells(const gmoe_model *fit, const gmoe_model *truth, size_t *cell)
{
  size_t i, j;
  for (i = 0; i < fit->k; i++) {
    double best = INFINITY;
    cell[i] = 0;
    for (j = 0; j < truth->k; j++) {
      double dist = gmoe_loss_atom_dist2(fit, i, truth, j);
      if (dist < best) {
        best = dist;
        cell[i] = j;
      }
    }
  }
}

/* Euclidean norm of the difference of two d-vectors, each scaled. */
static double
gmoe_loss_norm_diff(const double *u, double su, const double *v, double sv, size_t d)
{
  size_t l;
  double s = 0.0;
  for (l = 0; l < d; l++) {
    double t = u[l] * su - v[l] * sv;
    s += t * t;
  }
  return sqrt(s);
}

/* Voronoi loss and its groups into err[0..GMOE_ERR_VORONOI], with exponent
 * 1 for cells of one fitted atom and r for cells of several. */
int
gmoe_loss_voronoi(const gmoe_model *fit, const gmoe_model *truth, double r, double *err)
{
  size_t cell[GMOE_MAX_K], count[GMOE_MAX_K] = { 0 };
  double mass[GMOE_MAX_K] = { 0 };
  size_t i, j, d = truth->d;
  int g;

  if (fit->d != truth->d)
    GMOE_ERROR(GMOE_EINVAL, "the fitted model has d = %zu inputs but the truth has d = %zu",
               fit->d, truth->d);
  if (!(r > 0.0) || !isfinite(r))
    GMOE_ERROR(GMOE_EINVAL, "the Voronoi exponent r must be a positive finite number, got %g", r);
  if (!(fit->tau > 0.0) || !(truth->tau > 0.0))
    GMOE_ERROR(GMOE_EINVAL, "temperatures must be positive to compare models");
  for (g = 0; g <= GMOE_ERR_VORONOI; g++)
    err[g] = 0.0;

  gmoe_loss_cells(fit, truth, cell);
  for (i = 0; i < fit->k; i++) {
    count[cell[i]]++;
    mass[cell[i]] += exp(fit->beta0[i]);
  }
  for (j = 0; j < truth->k; j++)
    err[GMOE_ERR_WEIGHT] += fabs(mass[j] - exp(truth->beta0[j]));

  for (i = 0; i < fit->k; i++) {
    double w = exp(fit->beta0[i]), e;
    j = cell[i];
    e = count[j] > 1 ? r : 1.0;
    err[GMOE_ERR_BETA1] +=
      w * pow(gmoe_loss_norm_diff(fit->beta1 + i * d, 1.0, truth->beta1 + j * d, 1.0, d), e);
    err[GMOE_ERR_TAU] += w * pow(fabs(fit->tau - truth->tau), e);
    err[GMOE_ERR_RATIO] +=
      w * pow(gmoe_loss_norm_diff(fit->beta1 + i * d, 1.0 / fit->tau, truth->beta1 + j * d,
                                  1.0 / truth->tau, d), e);
    err[GMOE_ERR_A] +=
      w * pow(gmoe_loss_norm_diff(fit->a + i * d, 1.0, truth->a + j * d, 1.0, d), e);
    err[GMOE_ERR_B] += w * pow(fabs(fit->b[i] - truth->b[j]), e);
    err[GMOE_ERR_NU] += w * pow(fabs(fit->nu[i] - truth->nu[j]), e);
  }
  err[GMOE_ERR_VORONOI] = err[GMOE_ERR_WEIGHT] + err[GMOE_ERR_BETA1] + err[GMOE_ERR_TAU]
                          + err[GMOE_ERR_A] + err[GMOE_ERR_B] + err[GMOE_ERR_NU];
  for (g = 0; g <= GMOE_ERR_VORONOI; g++)
    if (!isfinite(err[g]))
      GMOE_ERROR(GMOE_ENUMERIC, "the %s error is not finite (a parameter overflowed)",
                 gmoe_loss_names[g]);
  return GMOE_OK;
}

/* The Gaussian components of one conditional density at a fixed x: gate
 * weights, means, variances and normalising constants. */
typedef struct {
  size_t k;
  double w[GMOE_MAX_K], mu[GMOE_MAX_K], inv2nu[GMOE_MAX_K], c[GMOE_MAX_K], sd[GMOE_MAX_K];
} gmoe_loss_mix;

/* Fill mix with the components of model m at input x (contiguous), leaving
 * out those whose weight is negligible. */
static void
gmoe_loss_mix_at(const gmoe_model *m, const double *x, gmoe_loss_mix *mix)
{
  double logg[GMOE_MAX_K];
  size_t i, k = 0;
  gmoe_model_log_gate(m, x, 1, logg);
  for (i = 0; i < m->k; i++) {
    double w = exp(logg[i]);
    if (!(w >= GMOE_LOSS_MIN_WEIGHT))
      continue;
    mix->w[k] = w;
    mix->mu[k] = gmoe_model_expert_mean(m, i, x, 1);
    mix->inv2nu[k] = 0.5 / m->nu[i];
    mix->c[k] = w / sqrt(2.0 * M_PI * m->nu[i]);
    mix->sd[k] = sqrt(m->nu[i]);
    k++;
  }
  mix->k = k;
}

/* Density of a mixture at y. */
static double
gmoe_loss_mix_pdf(const gmoe_loss_mix *mix, double y)
{
  size_t i;
  double p = 0.0;
  for (i = 0; i < mix->k; i++) {
    double t = y - mix->mu[i];
    p += mix->c[i] * exp(-t * t * mix->inv2nu[i]);
  }
  return p;
}

/* Integrand of the squared Hellinger distance, (sqrt p - sqrt q)^2 / 2. */
static double
gmoe_loss_h2_integrand(const gmoe_loss_mix *p, const gmoe_loss_mix *q, double y)
{
  double t = sqrt(gmoe_loss_mix_pdf(p, y)) - sqrt(gmoe_loss_mix_pdf(q, y));
  return 0.5 * t * t;
}

/* The stretch of y where one component's density is above e^-50 of its peak. */
typedef struct {
  double lo, hi, sd;
} gmoe_loss_window;

/* Order windows by their lower end, for qsort. */
static int
gmoe_loss_cmp_window(const void *a, const void *b)
{
  double u = ((const gmoe_loss_window *)a)->lo, v = ((const gmoe_loss_window *)b)->lo;
  return (u > v) - (u < v);
}

/* Composite Simpson rule for the squared Hellinger integrand on [lo, hi]
 * with nint (even) intervals. */
static double
gmoe_loss_simpson(const gmoe_loss_mix *p, const gmoe_loss_mix *q, double lo, double hi,
                  size_t nint)
{
  double h = (hi - lo) / (double)nint, sum;
  size_t t;
  sum = gmoe_loss_h2_integrand(p, q, lo) + gmoe_loss_h2_integrand(p, q, hi);
  for (t = 1; t < nint; t++)
    sum += (t % 2 ? 4.0 : 2.0) * gmoe_loss_h2_integrand(p, q, lo + h * (double)t);
  return sum * h / 3.0;
}

/* Squared Hellinger distance 1 - BC between two mixtures at one x.
 *
 * Every component's window mu +- 10 sd is taken; overlapping windows merge
 * into clusters, and each cluster is integrated by composite Simpson on a
 * uniform grid whose step is GMOE_LOSS_STEP times the smallest standard
 * deviation in the cluster.  Both ends of a cluster lie in the far tails
 * of every density, where the integrand and its derivatives vanish to
 * e^-50, so the rule converges like the trapezoidal rule on the whole line
 * (geometrically in 1/h), which it would not if the step changed in the
 * middle of a density.  Integrating (sqrt p - sqrt q)^2 / 2 rather than
 * 1 - sqrt(p q) gives the same value for normalised densities without
 * cancellation, so small distances keep their relative accuracy and
 * identical models give exactly zero. */
static double
gmoe_loss_h2_at(const gmoe_loss_mix *p, const gmoe_loss_mix *q)
{
  gmoe_loss_window win[2 * GMOE_MAX_K];
  const gmoe_loss_mix *mx[2] = { p, q };
  size_t nwin = 0, i, m;
  double total = 0.0;

  for (m = 0; m < 2; m++)
    for (i = 0; i < mx[m]->k; i++) {
      win[nwin].lo = mx[m]->mu[i] - GMOE_LOSS_SDS * mx[m]->sd[i];
      win[nwin].hi = mx[m]->mu[i] + GMOE_LOSS_SDS * mx[m]->sd[i];
      win[nwin].sd = mx[m]->sd[i];
      nwin++;
    }
  qsort(win, nwin, sizeof win[0], gmoe_loss_cmp_window);
  i = 0;
  while (i < nwin) {
    double lo = win[i].lo, hi = win[i].hi, sd = win[i].sd, n;
    size_t nint;
    for (i++; i < nwin && win[i].lo <= hi; i++) {
      hi = fmax(hi, win[i].hi);
      sd = fmin(sd, win[i].sd);
    }
    n = fmin(ceil((hi - lo) / (GMOE_LOSS_STEP * sd)), (double)GMOE_LOSS_MAX_INTERVALS);
    nint = (size_t)n;
    nint += nint % 2;
    if (nint < 2)
      nint = 2;
    total += gmoe_loss_simpson(p, q, lo, hi, nint);
  }
  return total;
}

/* Point number t (from 0) of the Halton sequence in d dimensions, skipping
 * the origin, into x. */
static void
gmoe_loss_halton(size_t t, size_t d, double *x)
{
  size_t j;
  for (j = 0; j < d; j++) {
    unsigned base = gmoe_loss_primes[j];
    size_t idx = t + 1;
    double f = 1.0, v = 0.0;
    while (idx > 0) {
      f /= base;
      v += f * (double)(idx % base);
      idx /= base;
    }
    x[j] = v;
  }
}

/* Expected Hellinger distance E_x H(p_fit(.|x), p_truth(.|x)) with x
 * uniform on [0,1]^d: a midpoint grid of nx points for d = 1, the first nx
 * Halton points otherwise; H = sqrt(max(0, 1 - BC)).  Returns NaN with a
 * message when the models cannot be compared. */
double
gmoe_loss_hellinger(const gmoe_model *fit, const gmoe_model *truth, size_t nx)
{
  double x[GMOE_MAX_D], sum = 0.0;
  gmoe_loss_mix p, q;
  size_t t, d = truth->d;

  if (fit->d != truth->d) {
    gmoe_error_set("the fitted model has d = %zu inputs but the truth has d = %zu", fit->d,
                   truth->d);
    return NAN;
  }
  if (nx == 0) {
    gmoe_error_set("the Hellinger distance needs at least one point in x");
    return NAN;
  }
  if (gmoe_model_validate(fit) != GMOE_OK || gmoe_model_validate(truth) != GMOE_OK)
    return NAN;
  for (t = 0; t < nx; t++) {
    double h2;
    if (d == 1)
      x[0] = ((double)t + 0.5) / (double)nx;
    else
      gmoe_loss_halton(t, d, x);
    gmoe_loss_mix_at(fit, x, &p);
    gmoe_loss_mix_at(truth, x, &q);
    h2 = gmoe_loss_h2_at(&p, &q);
    sum += sqrt(fmin(1.0, fmax(0.0, h2)));
  }
  return sum / (double)nx;
}

/* Bayesian information criterion -2 loglik + p log n. */
double
gmoe_loss_bic(double loglik, size_t nparams, size_t n)
{
  return -2.0 * loglik + (double)nparams * log((double)n);
}

/* Akaike information criterion -2 loglik + 2 p. */
double
gmoe_loss_aic(double loglik, size_t nparams)
{
  return -2.0 * loglik + 2.0 * (double)nparams;
}
