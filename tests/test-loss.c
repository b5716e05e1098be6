/* test-loss.c: Voronoi cells, Voronoi loss and its groups on hand-computed
 * cases, Hellinger distance against closed forms and adaptive quadrature,
 * BIC and AIC. */
#include <config.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <gsl/gsl_integration.h>
#include "error.h"
#include "loss.h"
#include "model.h"
#include "check.h"

/* Set expert i of m (d inputs) from arrays of length d. */
static void
set_expert(gmoe_model *m, size_t i, double beta0, const double *beta1, const double *a,
           double b, double nu)
{
  size_t j;
  m->beta0[i] = beta0;
  for (j = 0; j < m->d; j++) {
    m->beta1[i * m->d + j] = beta1[j];
    m->a[i * m->d + j] = a[j];
  }
  m->b[i] = b;
  m->nu[i] = nu;
}

/* Check every group of err against the expected values in want. */
static void
check_groups(const double *err, const double *want, const char *label)
{
  int g;
  for (g = 0; g <= GMOE_ERR_VORONOI; g++) {
    char what[80];
    snprintf(what, sizeof what, "%s: %s error", label, gmoe_loss_name(g));
    CHECK_CLOSE(err[g], want[g], 0, 1e-13 * (1.0 + fabs(want[g])), what);
  }
}

/* Exact-specified k = 2, d = 1: every cell holds one atom, exponent 1. */
static void
test_exact_specified(void)
{
  gmoe_model *t = gmoe_model_alloc(2, 1), *f = gmoe_model_alloc(2, 1);
  double err[GMOE_ERR_COUNT], want[GMOE_ERR_COUNT];
  size_t cell[2];
  set_expert(t, 0, 0.5, (double[]){ 2.0 }, (double[]){ 1.0 }, -2.0, 0.1);
  set_expert(t, 1, 0.0, (double[]){ 0.0 }, (double[]){ -1.0 }, 2.0, 0.2);
  set_expert(f, 0, 0.6, (double[]){ 2.2 }, (double[]){ 1.1 }, -2.0, 0.1);
  set_expert(f, 1, 0.0, (double[]){ 0.0 }, (double[]){ -1.0 }, 2.3, 0.25);
  gmoe_loss_cells(f, t, cell);
  CHECK(cell[0] == 0 && cell[1] == 1, "exact: cells %zu %zu, expected 0 1", cell[0], cell[1]);
  CHECK(gmoe_loss_voronoi(f, t, 2.0, err) == GMOE_OK, "exact: %s", gmoe_error_message());
  want[GMOE_ERR_WEIGHT] = exp(0.6) - exp(0.5);
  want[GMOE_ERR_BETA1] = exp(0.6) * 0.2;
  want[GMOE_ERR_TAU] = 0.0;
  want[GMOE_ERR_RATIO] = exp(0.6) * 0.2;
  want[GMOE_ERR_A] = exp(0.6) * 0.1;
  want[GMOE_ERR_B] = 1.0 * 0.3;
  want[GMOE_ERR_NU] = 1.0 * 0.05;
  want[GMOE_ERR_VORONOI] = (exp(0.6) - exp(0.5)) + exp(0.6) * 0.2 + exp(0.6) * 0.1 + 0.3 + 0.05;
  check_groups(err, want, "exact");
  gmoe_model_free(t);
  gmoe_model_free(f);
}

/* Over-specified: three fitted atoms for two true ones with r = 2; the
 * cell holding two atoms uses squared distances, the other exponent 1. */
static void
test_over_specified(void)
{
  gmoe_model *t = gmoe_model_alloc(2, 1), *f = gmoe_model_alloc(3, 1);
  double err[GMOE_ERR_COUNT], want[GMOE_ERR_COUNT];
  double w1 = exp(0.1), w2 = exp(-0.2);
  size_t cell[3];
  set_expert(t, 0, 0.5, (double[]){ 2.0 }, (double[]){ 1.0 }, -2.0, 0.1);
  set_expert(t, 1, 0.0, (double[]){ 0.0 }, (double[]){ -1.0 }, 2.0, 0.2);
  set_expert(f, 0, 0.1, (double[]){ 2.1 }, (double[]){ 1.2 }, -2.1, 0.1);
  set_expert(f, 1, -0.2, (double[]){ 1.8 }, (double[]){ 0.9 }, -1.8, 0.12);
  set_expert(f, 2, 0.0, (double[]){ 0.0 }, (double[]){ -0.9 }, 2.0, 0.2);
  gmoe_loss_cells(f, t, cell);
  CHECK(cell[0] == 0 && cell[1] == 0 && cell[2] == 1, "over: cells %zu %zu %zu, expected 0 0 1",
        cell[0], cell[1], cell[2]);
  CHECK(gmoe_loss_voronoi(f, t, 2.0, err) == GMOE_OK, "over: %s", gmoe_error_message());
  want[GMOE_ERR_WEIGHT] = fabs(w1 + w2 - exp(0.5)) + 0.0;
  want[GMOE_ERR_BETA1] = w1 * 0.1 * 0.1 + w2 * 0.2 * 0.2 + 0.0;
  want[GMOE_ERR_TAU] = 0.0;
  want[GMOE_ERR_RATIO] = want[GMOE_ERR_BETA1];
  want[GMOE_ERR_A] = w1 * 0.2 * 0.2 + w2 * 0.1 * 0.1 + 1.0 * 0.1;
  want[GMOE_ERR_B] = w1 * 0.1 * 0.1 + w2 * 0.2 * 0.2 + 0.0;
  want[GMOE_ERR_NU] = 0.0 + w2 * 0.02 * 0.02 + 0.0;
  want[GMOE_ERR_VORONOI] = want[GMOE_ERR_WEIGHT] + want[GMOE_ERR_BETA1] + want[GMOE_ERR_A]
                           + want[GMOE_ERR_B] + want[GMOE_ERR_NU];
  check_groups(err, want, "over r=2");

  /* The same fit with r = 3 changes only the shared cell's terms. */
  CHECK(gmoe_loss_voronoi(f, t, 3.0, err) == GMOE_OK, "over r=3: %s", gmoe_error_message());
  CHECK_CLOSE(err[GMOE_ERR_A], w1 * pow(0.2, 3) + w2 * pow(0.1, 3) + 0.1, 0, 1e-14, "over r=3: a");
  gmoe_model_free(t);
  gmoe_model_free(f);
}

/* d = 2 with a different temperature: Euclidean norms per group, the tau
 * group counts every atom, and beta1/tau compares the identified ratio. */
static void
test_two_inputs_and_tau(void)
{
  gmoe_model *t = gmoe_model_alloc(2, 2), *f = gmoe_model_alloc(2, 2);
  double err[GMOE_ERR_COUNT], want[GMOE_ERR_COUNT];
  size_t cell[2];
  t->tau = 1.0;
  set_expert(t, 0, 0.2, (double[]){ 1.0, 2.0 }, (double[]){ 0.5, -0.5 }, 1.0, 0.3);
  set_expert(t, 1, 0.0, (double[]){ 0.0, 0.0 }, (double[]){ -1.0, 1.0 }, -1.0, 0.5);
  f->tau = 2.0;
  set_expert(f, 0, 0.0, (double[]){ 2.6, 4.0 }, (double[]){ 0.5, -0.1 }, 1.0, 0.3);
  set_expert(f, 1, 0.0, (double[]){ 0.0, 0.0 }, (double[]){ -1.0, 1.0 }, -1.5, 0.5);
  gmoe_loss_cells(f, t, cell);
  CHECK(cell[0] == 0 && cell[1] == 1, "d=2: cells %zu %zu, expected 0 1", cell[0], cell[1]);
  CHECK(gmoe_loss_voronoi(f, t, 2.0, err) == GMOE_OK, "d=2: %s", gmoe_error_message());
  want[GMOE_ERR_WEIGHT] = exp(0.2) - 1.0;
  want[GMOE_ERR_BETA1] = sqrt(1.6 * 1.6 + 2.0 * 2.0);
  want[GMOE_ERR_TAU] = 1.0 + 1.0;
  want[GMOE_ERR_RATIO] = 0.3;
  want[GMOE_ERR_A] = 0.4;
  want[GMOE_ERR_B] = 0.5;
  want[GMOE_ERR_NU] = 0.0;
  want[GMOE_ERR_VORONOI] = exp(0.2) - 1.0 + sqrt(6.56) + 2.0 + 0.4 + 0.5;
  check_groups(err, want, "d=2");
  gmoe_model_free(t);
  gmoe_model_free(f);
}

/* The cells use beta1/tau, not beta1: a fitted atom whose beta1 is close
 * to one true atom's but whose ratio matches the other goes to the other. */
static void
test_cells_use_ratio(void)
{
  gmoe_model *t = gmoe_model_alloc(3, 1), *f = gmoe_model_alloc(2, 1);
  size_t cell[2];
  t->tau = 1.0;
  set_expert(t, 0, 0.0, (double[]){ 4.0 }, (double[]){ 0.0 }, 0.0, 1.0);
  set_expert(t, 1, 0.0, (double[]){ 8.0 }, (double[]){ 0.0 }, 0.0, 1.0);
  set_expert(t, 2, 0.0, (double[]){ 0.0 }, (double[]){ 0.0 }, 0.0, 1.0);
  f->tau = 2.0;
  set_expert(f, 0, 0.0, (double[]){ 15.0 }, (double[]){ 0.0 }, 0.0, 1.0); /* ratio 7.5 */
  set_expert(f, 1, 0.0, (double[]){ 0.0 }, (double[]){ 0.0 }, 0.0, 1.0);
  gmoe_loss_cells(f, t, cell);
  CHECK(cell[0] == 1 && cell[1] == 2, "ratio cells: %zu %zu, expected 1 2", cell[0], cell[1]);
  f->tau = 4.0; /* ratio 3.75: now nearest to true atom 0 */
  gmoe_loss_cells(f, t, cell);
  CHECK(cell[0] == 0, "ratio cells at tau 4: %zu, expected 0", cell[0]);
  gmoe_model_free(t);
  gmoe_model_free(f);
}

/* Under-specified: a true atom left without fitted atoms contributes its
 * whole weight exp(beta0*) and nothing else. */
static void
test_empty_cell(void)
{
  gmoe_model *t = gmoe_model_alloc(3, 1), *f = gmoe_model_alloc(2, 1);
  double err[GMOE_ERR_COUNT], want[GMOE_ERR_COUNT] = { 0 };
  size_t cell[2];
  /* default truth: beta0 = -1, -0.5, 0; b = -4, 0, 4; the fit keeps atoms 1 and 3 */
  set_expert(f, 0, t->beta0[0], t->beta1 + 0, t->a + 0, t->b[0], t->nu[0]);
  set_expert(f, 1, t->beta0[2], t->beta1 + 2, t->a + 2, t->b[2], t->nu[2]);
  gmoe_loss_cells(f, t, cell);
  CHECK(cell[0] == 0 && cell[1] == 2, "empty: cells %zu %zu, expected 0 2", cell[0], cell[1]);
  CHECK(gmoe_loss_voronoi(f, t, 2.0, err) == GMOE_OK, "empty: %s", gmoe_error_message());
  want[GMOE_ERR_WEIGHT] = exp(-0.5);
  want[GMOE_ERR_VORONOI] = exp(-0.5);
  check_groups(err, want, "empty cell");
  gmoe_model_free(t);
  gmoe_model_free(f);
}

/* Identical models: every error is exactly zero, for several k and d. */
static void
test_identical(void)
{
  size_t k, d;
  for (k = 1; k <= 4; k++)
    for (d = 1; d <= 3; d++) {
      gmoe_model *t = gmoe_model_alloc(k, d), *f;
      double err[GMOE_ERR_COUNT], h;
      int g;
      t->act = GMOE_ACT_TANH;
      t->tau = 0.7;
      f = gmoe_model_clone(t);
      CHECK(gmoe_loss_voronoi(f, t, 2.0, err) == GMOE_OK, "identical: %s", gmoe_error_message());
      for (g = 0; g <= GMOE_ERR_VORONOI; g++)
        CHECK(err[g] == 0.0, "identical k=%zu d=%zu: %s error %g, expected 0", k, d,
              gmoe_loss_name(g), err[g]);
      h = gmoe_loss_hellinger(f, t, 64);
      CHECK(h == 0.0, "identical k=%zu d=%zu: Hellinger %g, expected 0", k, d, h);
      gmoe_model_free(t);
      gmoe_model_free(f);
    }
}

/* Invalid arguments are refused with a message. */
static void
test_invalid(void)
{
  gmoe_model *t = gmoe_model_alloc(2, 1), *f = gmoe_model_alloc(2, 2);
  double err[GMOE_ERR_COUNT];
  CHECK(gmoe_loss_voronoi(f, t, 2.0, err) == GMOE_EINVAL, "d mismatch accepted");
  CHECK(strcmp(gmoe_error_message(),
               "the fitted model has d = 2 inputs but the truth has d = 1") == 0,
        "d mismatch message: %s", gmoe_error_message());
  CHECK(isnan(gmoe_loss_hellinger(f, t, 10)), "Hellinger with d mismatch not NaN");
  CHECK(gmoe_loss_voronoi(t, t, 0.0, err) == GMOE_EINVAL, "r = 0 accepted");
  CHECK(strcmp(gmoe_error_message(),
               "the Voronoi exponent r must be a positive finite number, got 0") == 0,
        "r = 0 message: %s", gmoe_error_message());
  CHECK(isnan(gmoe_loss_hellinger(t, t, 0)), "Hellinger with nx = 0 not NaN");
  CHECK(strcmp(gmoe_error_message(), "the Hellinger distance needs at least one point in x") == 0,
        "nx = 0 message: %s", gmoe_error_message());
  gmoe_model_free(t);
  gmoe_model_free(f);
}

/* Closed-form Hellinger distance between N(m1, s1^2) and N(m2, s2^2), with
 * H^2 = 1 - BC. */
static double
hellinger_gauss(double m1, double s1, double m2, double s2)
{
  double v = s1 * s1 + s2 * s2;
  /* 1 - sqrt(2 s1 s2 / v) exp(-(m1 - m2)^2 / (4 v)), without cancellation */
  double h2 = -expm1(0.5 * log(2.0 * s1 * s2 / v) - (m1 - m2) * (m1 - m2) / (4.0 * v));
  return sqrt(h2 > 0.0 ? h2 : 0.0);
}

/* k = 1 against the closed form: means linear in x, on the midpoint grid. */
static void
test_hellinger_single_gaussians(void)
{
  static const double cases[][6] = {
    /* a1, b1, nu1, a2, b2, nu2 */
    { 0.7, 0.2, 0.5, -0.3, 0.9, 1.3 },
    { 0.0, 0.0, 1.0, 0.0, 0.001, 1.0 },   /* tiny distance, H ~ 3.5e-4 */
    { 1.0, 0.0, 1e-4, 1.0, 0.0, 4.0 },    /* very different variances */
    { 0.0, 0.0, 1.0, 0.0, 30.0, 1.0 },    /* far apart: H near 1 */
  };
  size_t c, t, nx = 50;
  for (c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    gmoe_model *f = gmoe_model_alloc(1, 1), *g = gmoe_model_alloc(1, 1);
    double want = 0.0, got, back;
    f->a[0] = cases[c][0];
    f->b[0] = cases[c][1];
    f->nu[0] = cases[c][2];
    g->a[0] = cases[c][3];
    g->b[0] = cases[c][4];
    g->nu[0] = cases[c][5];
    for (t = 0; t < nx; t++) {
      double x = (t + 0.5) / nx;
      want += hellinger_gauss(f->a[0] * x + f->b[0], sqrt(f->nu[0]), g->a[0] * x + g->b[0],
                              sqrt(g->nu[0]));
    }
    want /= nx;
    got = gmoe_loss_hellinger(f, g, nx);
    back = gmoe_loss_hellinger(g, f, nx);
    CHECK(fabs(got - want) <= 1e-9 + 1e-7 * want,
          "single Gaussians case %zu: H = %.12g, closed form %.12g", c, got, want);
    CHECK(fabs(got - back) <= 1e-12, "single Gaussians case %zu: not symmetric (%.15g, %.15g)",
          c, got, back);
    gmoe_model_free(f);
    gmoe_model_free(g);
  }
}

/* Density difference integrand for the independent quadrature below. */
struct h2_params {
  const gmoe_model *f, *g;
  double x;
};

/* (sqrt p - sqrt q)^2 / 2 through gmoe_model_logpdf, for GSL. */
static double
h2_integrand(double y, void *vp)
{
  const struct h2_params *p = vp;
  double u = exp(0.5 * gmoe_model_logpdf(p->f, &p->x, 1, y));
  double v = exp(0.5 * gmoe_model_logpdf(p->g, &p->x, 1, y));
  return 0.5 * (u - v) * (u - v);
}

/* Mixtures against GSL's adaptive quadrature (breakpoints between the
 * experts) on a grid of 20 inputs, for identity and tanh gates, at a
 * moderate distance and at a tiny one (H ~ 3e-4, where rate experiments
 * work): the tiny one must keep its relative accuracy. */
static void
test_hellinger_mixtures(void)
{
  gsl_integration_workspace *ws = gsl_integration_workspace_alloc(5000);
  double pts[] = { -40.0, -6.0, -2.0, 2.0, 6.0, 40.0 };
  int c;
  for (c = 0; c < 4; c++) {
    gmoe_model *t = gmoe_model_alloc(3, 1), *f;
    double want = 0.0, got, back, eps = c < 2 ? 1.0 : 1e-3;
    size_t i, nx = 20;
    t->act = c % 2 ? GMOE_ACT_TANH : GMOE_ACT_IDENTITY;
    t->tau = c % 2 ? 0.5 : 1.0;
    f = gmoe_model_clone(t);
    for (i = 0; i < 3; i++) {
      f->b[i] += eps * 0.3 * (i % 2 ? -1.0 : 1.0);
      f->nu[i] *= 1.0 + eps * 0.4 * i;
      f->a[i] -= eps * 0.2;
    }
    f->beta0[0] += eps * 0.5;
    f->beta1[1] += eps * 1.0;
    for (i = 0; i < nx; i++) {
      struct h2_params par = { f, t, (i + 0.5) / nx };
      gsl_function fn = { h2_integrand, &par };
      double val, abserr;
      gsl_integration_qagp(&fn, pts, 6, 0.0, 1e-12, 5000, ws, &val, &abserr);
      want += sqrt(val);
    }
    want /= nx;
    got = gmoe_loss_hellinger(f, t, nx);
    back = gmoe_loss_hellinger(t, f, nx);
    CHECK(fabs(got - want) <= 1e-8 * want, "mixtures (%s, eps %g): H = %.12g, adaptive %.12g",
          gmoe_activation_name(t->act), eps, got, want);
    CHECK(fabs(got - back) <= 1e-12 * want, "mixtures: not symmetric (%.15g, %.15g)", got, back);
    CHECK(eps < 1.0 ? (got > 1e-4 && got < 1e-3) : (got > 0.05 && got < 0.9),
          "mixtures: H = %g is not of the intended size", got);
    gmoe_model_free(t);
    gmoe_model_free(f);
  }
  gsl_integration_workspace_free(ws);
}

/* d = 2 and d = 3: a case independent of x equals the closed form exactly,
 * and a case depending on x matches a tensor Gauss-Legendre rule to the
 * accuracy of the quasi-random points. */
static void
test_hellinger_several_inputs(void)
{
  gmoe_model *f = gmoe_model_alloc(1, 3), *g = gmoe_model_alloc(1, 3);
  gsl_integration_glfixed_table *gl = gsl_integration_glfixed_table_alloc(30);
  double want, got;
  size_t i, j;
  memset(f->a, 0, 3 * sizeof(double));
  memset(g->a, 0, 3 * sizeof(double));
  f->b[0] = 0.4;
  f->nu[0] = 0.8;
  g->b[0] = -0.1;
  g->nu[0] = 0.5;
  want = hellinger_gauss(0.4, sqrt(0.8), -0.1, sqrt(0.5));
  got = gmoe_loss_hellinger(f, g, 257);
  CHECK(fabs(got - want) <= 1e-9, "d=3 constant: H = %.12g, closed form %.12g", got, want);
  gmoe_model_free(f);
  gmoe_model_free(g);

  f = gmoe_model_alloc(1, 2);
  g = gmoe_model_alloc(1, 2);
  f->a[0] = 1.5;
  f->a[1] = -0.5;
  f->b[0] = 0.0;
  f->nu[0] = 0.3;
  g->a[0] = 0.0;
  g->a[1] = 1.0;
  g->b[0] = 0.2;
  g->nu[0] = 0.4;
  want = 0.0;
  for (i = 0; i < 30; i++)
    for (j = 0; j < 30; j++) {
      double x1, w1, x2, w2, m1, m2;
      gsl_integration_glfixed_point(0.0, 1.0, i, &x1, &w1, gl);
      gsl_integration_glfixed_point(0.0, 1.0, j, &x2, &w2, gl);
      m1 = 1.5 * x1 - 0.5 * x2;
      m2 = x2 + 0.2;
      want += w1 * w2 * hellinger_gauss(m1, sqrt(0.3), m2, sqrt(0.4));
    }
  got = gmoe_loss_hellinger(f, g, 20000);
  CHECK(fabs(got - want) <= 5e-4 * want, "d=2 Halton: H = %.10g, tensor rule %.10g", got, want);
  gmoe_model_free(f);
  gmoe_model_free(g);
  gsl_integration_glfixed_table_free(gl);
}

/* Huge logits and a tiny temperature still give a finite distance. */
static void
test_hellinger_extreme(void)
{
  gmoe_model *t = gmoe_model_alloc(2, 1), *f;
  double h, want = 0.0;
  size_t i;
  t->tau = 1e-8;
  t->beta1[0] = 1.0;
  t->beta0[0] = -0.5e8; /* the gate switches at x = 0.5 */
  f = gmoe_model_clone(t);
  f->beta0[0] = -0.25e8; /* switches at x = 0.25 */
  h = gmoe_loss_hellinger(f, t, 1000);
  /* only on [0.25, 0.5) do the gates differ: there the fit follows expert 1
   * (mean x - 2) and the truth expert 2 (mean 2 - x), variances 0.1 */
  for (i = 0; i < 1000; i++) {
    double x = (i + 0.5) / 1000.0;
    if (x > 0.25 && x < 0.5)
      want += hellinger_gauss(x - 2.0, sqrt(0.1), 2.0 - x, sqrt(0.1));
  }
  want /= 1000.0;
  CHECK(isfinite(h) && fabs(h - want) <= 1e-9, "extreme gate: H = %.12g, expected %.12g", h, want);
  gmoe_model_free(t);
  gmoe_model_free(f);
}

/* BIC, AIC and the measure names. */
static void
test_criteria(void)
{
  CHECK_CLOSE(gmoe_loss_bic(-1234.5, 13, 1000), 2469.0 + 13.0 * log(1000.0), 0, 1e-10, "BIC");
  CHECK_CLOSE(gmoe_loss_aic(-1234.5, 13), 2469.0 + 26.0, 0, 1e-10, "AIC");
  CHECK(strcmp(gmoe_loss_name(GMOE_ERR_RATIO), "beta1/tau") == 0, "name of the ratio group");
  CHECK(strcmp(gmoe_loss_name(GMOE_ERR_HELLINGER), "hellinger") == 0, "name of hellinger");
  CHECK(strcmp(gmoe_loss_name(GMOE_ERR_COUNT), "unknown") == 0, "name out of range");
}

int
main(void)
{
  gmoe_error_init();
  test_exact_specified();
  test_over_specified();
  test_two_inputs_and_tau();
  test_cells_use_ratio();
  test_empty_cell();
  test_identical();
  test_invalid();
  test_hellinger_single_gaussians();
  test_hellinger_mixtures();
  test_hellinger_several_inputs();
  test_hellinger_extreme();
  test_criteria();
  return check_report("test-loss");
}
