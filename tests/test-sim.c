/* test-sim.c: sample moments of simulated data against exact values
 * computed by quadrature, and the reproducibility of (seed, n, replicate). */
#include <config.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <gsl/gsl_integration.h>
#include "data.h"
#include "error.h"
#include "model.h"
#include "sim.h"
#include "check.h"

/* Exact moments of (x_1, y) under the truth with x uniform on [0,1]^d. */
typedef struct {
  double ey, ey2, ey3, ey4; /* raw moments of y */
  double exy, ex2y2;        /* E[x_1 y], E[x_1^2 y^2] */
} moments;

/* Add the contribution of one input x, with quadrature weight w, to the
 * raw moments: y given x is a mixture of N(mu_i, nu_i) with weights g_i. */
static void
add_point(const gmoe_model *m, const double *x, double w, moments *mo)
{
  double logg[GMOE_MAX_K];
  size_t i;
  gmoe_model_log_gate(m, x, 1, logg);
  for (i = 0; i < m->k; i++) {
    double g = exp(logg[i]) * w, mu = gmoe_model_expert_mean(m, i, x, 1), v = m->nu[i];
    double m2 = mu * mu + v, m3 = mu * mu * mu + 3.0 * mu * v,
           m4 = mu * mu * mu * mu + 6.0 * mu * mu * v + 3.0 * v * v;
    mo->ey += g * mu;
    mo->ey2 += g * m2;
    mo->ey3 += g * m3;
    mo->ey4 += g * m4;
    mo->exy += g * x[0] * mu;
    mo->ex2y2 += g * x[0] * x[0] * m2;
  }
}

/* Exact moments by a tensor Gauss-Legendre rule on [0,1]^d (d <= 2). */
static moments
exact_moments(const gmoe_model *m)
{
  gsl_integration_glfixed_table *gl = gsl_integration_glfixed_table_alloc(200);
  moments mo;
  size_t i, j;
  memset(&mo, 0, sizeof mo);
  for (i = 0; i < 200; i++) {
    double x[2], w1, w2;
    gsl_integration_glfixed_point(0.0, 1.0, i, &x[0], &w1, gl);
    if (m->d == 1) {
      add_point(m, x, w1, &mo);
      continue;
    }
    for (j = 0; j < 200; j++) {
      gsl_integration_glfixed_point(0.0, 1.0, j, &x[1], &w2, gl);
      add_point(m, x, w1 * w2, &mo);
    }
  }
  gsl_integration_glfixed_table_free(gl);
  return mo;
}

/* Check one sample statistic against its exact value within 4 standard
 * errors. */
static void
check_stat(const char *label, const char *what, double got, double want, double se)
{
  CHECK(fabs(got - want) <= 4.0 * se, "%s: %s = %.6g, exact %.6g, %.1f standard errors away",
        label, what, got, want, fabs(got - want) / se);
}

/* Sample moments of x and y match the exact ones for one truth. */
static void
check_moments(const gmoe_model *truth, const char *label)
{
  size_t n = 200000, t, j, d = truth->d;
  gmoe_data *data = gmoe_data_alloc(n, d);
  moments mo = exact_moments(truth);
  double my = 0, vy = 0, mxy = 0, var, mu4, exy_var;
  CHECK(gmoe_sim_draw(truth, 20240611UL, 0, data) == GMOE_OK, "%s: %s", label,
        gmoe_error_message());
  for (j = 0; j < d; j++) {
    double mx = 0, vx = 0;
    for (t = 0; t < n; t++)
      mx += data->x[j * n + t];
    mx /= n;
    for (t = 0; t < n; t++)
      vx += (data->x[j * n + t] - mx) * (data->x[j * n + t] - mx);
    vx /= n - 1;
    /* uniform on [0,1]: mean 1/2, variance 1/12, fourth central moment 1/80 */
    check_stat(label, j ? "mean of x2" : "mean of x1", mx, 0.5, sqrt(1.0 / 12.0 / n));
    check_stat(label, j ? "variance of x2" : "variance of x1", vx, 1.0 / 12.0,
               sqrt((1.0 / 80.0 - 1.0 / 144.0) / n));
  }
  for (t = 0; t < n; t++) {
    my += data->y[t];
    mxy += data->x[t] * data->y[t];
  }
  my /= n;
  mxy /= n;
  for (t = 0; t < n; t++)
    vy += (data->y[t] - my) * (data->y[t] - my);
  vy /= n - 1;
  var = mo.ey2 - mo.ey * mo.ey;
  mu4 = mo.ey4 - 4.0 * mo.ey * mo.ey3 + 6.0 * mo.ey * mo.ey * mo.ey2
        - 3.0 * mo.ey * mo.ey * mo.ey * mo.ey;
  exy_var = mo.ex2y2 - mo.exy * mo.exy;
  check_stat(label, "mean of y", my, mo.ey, sqrt(var / n));
  check_stat(label, "variance of y", vy, var, sqrt((mu4 - var * var) / n));
  check_stat(label, "mean of x1*y", mxy, mo.exy, sqrt(exy_var / n));
  gmoe_data_free(data);
}

/* Moments for the default identity-gate truth (k = 3, d = 1) and a tanh
 * truth with a low temperature (k = 2, d = 2). */
static void
test_moments(void)
{
  gmoe_model *m = gmoe_model_alloc(3, 1);
  check_moments(m, "identity k=3 d=1");
  gmoe_model_free(m);
  m = gmoe_model_alloc(2, 2);
  m->act = GMOE_ACT_TANH;
  m->tau = 0.5;
  check_moments(m, "tanh k=2 d=2 tau=0.5");
  gmoe_model_free(m);
}

/* The same (seed, n, replicate) gives the same data; other replicates,
 * seeds and sizes give other data. */
static void
test_reproducible(void)
{
  gmoe_model *m = gmoe_model_alloc(2, 2);
  size_t n = 1000, t, same;
  gmoe_data *a = gmoe_data_alloc(n, 2), *b = gmoe_data_alloc(n, 2), *c = gmoe_data_alloc(n + 1, 2);
  gmoe_sim_draw(m, 5, 3, a);
  gmoe_sim_draw(m, 5, 3, b);
  CHECK(memcmp(a->x, b->x, 2 * n * sizeof(double)) == 0
          && memcmp(a->y, b->y, n * sizeof(double)) == 0,
        "the same (seed, n, replicate) gave different data");
  gmoe_sim_draw(m, 5, 4, b);
  for (t = 0, same = 0; t < n; t++)
    same += a->y[t] == b->y[t] || a->x[t] == b->x[t];
  CHECK(same == 0, "replicates 3 and 4 share %zu values", same);
  gmoe_sim_draw(m, 6, 3, b);
  for (t = 0, same = 0; t < n; t++)
    same += a->y[t] == b->y[t];
  CHECK(same == 0, "seeds 5 and 6 share %zu values", same);
  gmoe_sim_draw(m, 5, 3, c);
  for (t = 0, same = 0; t < n; t++)
    same += a->y[t] == c->y[t];
  CHECK(same == 0, "sizes %zu and %zu share %zu values", n, n + 1, same);
  CHECK(gmoe_sim_stream_seed(5, n, 3) == gmoe_sim_stream_seed(5, n, 3)
          && gmoe_sim_stream_seed(5, n, 3) != gmoe_sim_stream_seed(5, n, 4)
          && gmoe_sim_stream_seed(5, n, 3) != gmoe_sim_stream_seed(3, n, 5),
        "stream seeds do not separate (seed, n, replicate)");
  gmoe_data_free(a);
  gmoe_data_free(b);
  gmoe_data_free(c);
  gmoe_model_free(m);
}

/* Drawing refuses an invalid truth and mismatched dimensions. */
static void
test_refusals(void)
{
  gmoe_model *m = gmoe_model_alloc(2, 2);
  gmoe_data *data = gmoe_data_alloc(10, 1);
  CHECK(gmoe_sim_draw(m, 1, 0, data) == GMOE_EINVAL, "d mismatch accepted");
  CHECK(strcmp(gmoe_error_message(), "the data have 1 inputs but the truth has d = 2") == 0,
        "message \"%s\"", gmoe_error_message());
  gmoe_model_free(m);
  m = gmoe_model_alloc(2, 1);
  m->nu[0] = -1.0;
  CHECK(gmoe_sim_draw(m, 1, 0, data) == GMOE_EINVAL, "negative variance accepted");
  gmoe_data_free(data);
  gmoe_model_free(m);
}

int
main(void)
{
  gmoe_error_init();
  test_moments();
  test_reproducible();
  test_refusals();
  return check_report("test-sim");
}
