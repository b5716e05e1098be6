/* test-model.c: gate probabilities, activation derivatives, conditional
 * log-density, stability at extreme logits, parameter counts and the
 * messages of model validation. */
#include <config.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "error.h"
#include "model.h"
#include "check.h"

/* The activations written out directly from their definitions. */
static double
direct_activation(gmoe_activation act, double z)
{
  switch (act) {
  case GMOE_ACT_IDENTITY: return z;
  case GMOE_ACT_TANH: return (exp(z) - exp(-z)) / (exp(z) + exp(-z));
  case GMOE_ACT_SIGMOID: return 1.0 / (1.0 + exp(-z));
  case GMOE_ACT_RELU: return z > 0 ? z : 0.0;
  case GMOE_ACT_GELU: return 0.5 * z * (1.0 + erf(z / sqrt(2.0)));
  case GMOE_ACT_SOFTPLUS: return log(1.0 + exp(z));
  default: return NAN;
  }
}

/* A k = 3, d = 2 model with hand-picked parameters. */
static gmoe_model *
hand_model(gmoe_activation act)
{
  gmoe_model *m = gmoe_model_alloc(3, 2);
  static const double beta0[3] = { 0.4, -0.7, 0.0 };
  static const double beta1[6] = { 1.5, -2.0, -0.5, 3.0, 0.0, 0.0 };
  static const double a[6] = { 1.0, 0.5, -2.0, 0.0, 0.3, -0.3 };
  static const double b[3] = { -1.0, 0.5, 2.0 };
  static const double nu[3] = { 0.2, 0.05, 1.3 };
  m->act = act;
  m->tau = 0.8;
  check_model_fill(m, beta0, beta1, a, b, nu);
  return m;
}

/* Direct softmax gate of the hand model at x (contiguous) into g. */
static void
direct_gate(const gmoe_model *m, const double *x, double *g)
{
  double s[GMOE_MAX_K], sum = 0.0;
  size_t i, j;
  for (i = 0; i < m->k; i++) {
    double z = 0.0;
    for (j = 0; j < m->d; j++)
      z += m->beta1[i * m->d + j] * x[j];
    s[i] = exp(direct_activation(m->act, z) / m->tau + m->beta0[i]);
    sum += s[i];
  }
  for (i = 0; i < m->k; i++)
    g[i] = s[i] / sum;
}

static const double points[][2] = { { 0.2, 0.7 }, { 0.9, 0.1 }, { 0.0, 0.0 }, { 1.0, 1.0 },
                                     { 0.5, 0.5 }, { -1.5, 2.0 } };
#define NPOINTS (sizeof points / sizeof points[0])

/* Gate probabilities sum to one and equal a direct softmax, for every
 * activation, with inputs read through a stride. */
static void
test_gate(void)
{
  int act;
  for (act = 0; act < GMOE_ACT_COUNT; act++) {
    gmoe_model *m = hand_model((gmoe_activation)act);
    size_t p, i;
    for (p = 0; p < NPOINTS; p++) {
      double logg[GMOE_MAX_K], g[GMOE_MAX_K], strided[6] = { 0 }, sum = 0.0;
      strided[0] = points[p][0];
      strided[3] = points[p][1];
      gmoe_model_log_gate(m, strided, 3, logg);
      direct_gate(m, points[p], g);
      for (i = 0; i < m->k; i++) {
        sum += exp(logg[i]);
        CHECK(fabs(exp(logg[i]) - g[i]) <= 1e-13, "%s gate %zu at point %zu: %.17g, direct %.17g",
              gmoe_activation_name(m->act), i + 1, p + 1, exp(logg[i]), g[i]);
      }
      CHECK(fabs(sum - 1.0) <= 1e-14, "%s gate at point %zu sums to %.17g",
            gmoe_activation_name(m->act), p + 1, sum);
    }
    gmoe_model_free(m);
  }
}

/* sigma, sigma' and sigma'' agree with the definitions and with central
 * finite differences (relu away from its kink). */
static void
test_activation_derivatives(void)
{
  static const double zs[] = { -6.0, -2.5, -1.1, -0.3, 0.2, 0.7, 1.9, 3.4, 7.0 };
  const double h = 1e-5;
  int act;
  size_t t;
  for (act = 0; act < GMOE_ACT_COUNT; act++)
    for (t = 0; t < sizeof zs / sizeof zs[0]; t++) {
      gmoe_activation a = (gmoe_activation)act;
      double z = zs[t], d1, d2, p1, m1, f, fd1, fd2;
      const char *name = gmoe_activation_name(a);
      f = gmoe_activation_eval(a, z, &d1, &d2);
      fd1 = (gmoe_activation_eval(a, z + h, &p1, NULL) - gmoe_activation_eval(a, z - h, &m1, NULL))
            / (2.0 * h);
      fd2 = (p1 - m1) / (2.0 * h);
      CHECK(fabs(f - direct_activation(a, z)) <= 1e-13 * (1.0 + fabs(f)),
            "%s(%g) = %.17g, direct %.17g", name, z, f, direct_activation(a, z));
      CHECK(fabs(d1 - fd1) <= 1e-8 * (1.0 + fabs(d1)), "%s'(%g) = %.12g, finite difference %.12g",
            name, z, d1, fd1);
      CHECK(fabs(d2 - fd2) <= 1e-7 * (1.0 + fabs(d2)), "%s''(%g) = %.12g, finite difference %.12g",
            name, z, d2, fd2);
    }
  /* Far tails stay finite and exact enough. */
  for (act = 0; act < GMOE_ACT_COUNT; act++) {
    gmoe_activation a = (gmoe_activation)act;
    double d1, d2, f = gmoe_activation_eval(a, 800.0, &d1, &d2);
    double g = gmoe_activation_eval(a, -800.0, NULL, NULL);
    CHECK(isfinite(f) && isfinite(d1) && isfinite(d2) && isfinite(g), "%s not finite at +-800",
          gmoe_activation_name(a));
  }
  CHECK(gmoe_activation_eval(GMOE_ACT_SOFTPLUS, 800.0, NULL, NULL) == 800.0, "softplus(800)");
  CHECK(gmoe_activation_eval(GMOE_ACT_SIGMOID, -800.0, NULL, NULL) == 0.0
          && gmoe_activation_eval(GMOE_ACT_SIGMOID, 800.0, NULL, NULL) == 1.0,
        "sigmoid at +-800");
}

/* log p(y | x) equals the mixture density written out directly. */
static void
test_logpdf(void)
{
  static const double ys[] = { -3.0, -0.4, 0.0, 1.1, 2.5, 6.0 };
  int act;
  for (act = 0; act < GMOE_ACT_COUNT; act++) {
    gmoe_model *m = hand_model((gmoe_activation)act);
    size_t p, t, i;
    for (p = 0; p < NPOINTS; p++)
      for (t = 0; t < sizeof ys / sizeof ys[0]; t++) {
        double g[GMOE_MAX_K], dens = 0.0, got;
        direct_gate(m, points[p], g);
        for (i = 0; i < m->k; i++) {
          double mu = m->a[i * 2] * points[p][0] + m->a[i * 2 + 1] * points[p][1] + m->b[i];
          dens += g[i] * exp(-(ys[t] - mu) * (ys[t] - mu) / (2.0 * m->nu[i]))
                  / sqrt(2.0 * M_PI * m->nu[i]);
        }
        got = gmoe_model_logpdf(m, points[p], 1, ys[t]);
        CHECK(fabs(got - log(dens)) <= 1e-12 * (1.0 + fabs(log(dens))),
              "%s log p(%g | point %zu) = %.15g, direct %.15g", gmoe_activation_name(m->act),
              ys[t], p + 1, got, log(dens));
      }
    gmoe_model_free(m);
  }
}

/* Huge logits and tau = 1e-8: no overflow, no NaN, probabilities still
 * sum to one, and the density follows the winning expert. */
static void
test_extreme_logits(void)
{
  int act;
  for (act = 0; act < GMOE_ACT_COUNT; act++) {
    gmoe_model *m = hand_model((gmoe_activation)act);
    double x[2] = { 1.0, 0.6 }, logg[GMOE_MAX_K], sum = 0.0, lp, far;
    size_t i;
    m->tau = 1e-8;
    m->beta0[0] = 700.0;
    m->beta0[1] = -700.0;
    gmoe_model_log_gate(m, x, 1, logg);
    for (i = 0; i < m->k; i++) {
      CHECK(!isnan(logg[i]) && logg[i] <= 0.0, "%s: log gate %zu = %g",
            gmoe_activation_name(m->act), i + 1, logg[i]);
      sum += exp(logg[i]);
    }
    CHECK(fabs(sum - 1.0) <= 1e-12, "%s: gates sum to %.17g at tau 1e-8",
          gmoe_activation_name(m->act), sum);
    lp = gmoe_model_logpdf(m, x, 1, 0.3);
    far = gmoe_model_logpdf(m, x, 1, 1e6);
    CHECK(isfinite(lp) && isfinite(far) && far < lp, "%s: log p = %g, far log p = %g",
          gmoe_activation_name(m->act), lp, far);
    gmoe_model_free(m);
  }
}

/* Parameter counts: gate (k-1)(d+1), experts k(d+2), +1 for tau. */
static void
test_nparams(void)
{
  CHECK(gmoe_model_nparams(3, 1, 0) == 13, "k=3 d=1: %zu", gmoe_model_nparams(3, 1, 0));
  CHECK(gmoe_model_nparams(3, 1, 1) == 14, "k=3 d=1 learned tau: %zu", gmoe_model_nparams(3, 1, 1));
  CHECK(gmoe_model_nparams(2, 2, 0) == 11, "k=2 d=2: %zu", gmoe_model_nparams(2, 2, 0));
  CHECK(gmoe_model_nparams(1, 1, 0) == 3, "k=1 d=1: %zu", gmoe_model_nparams(1, 1, 0));
  CHECK(gmoe_model_nparams(4, 3, 1) == 33, "k=4 d=3 learned tau: %zu", gmoe_model_nparams(4, 3, 1));
}

/* Validation refuses each bad parameter with a message naming it. */
static void
test_validate(void)
{
  gmoe_model *m = gmoe_model_alloc(3, 2), *bad;
  CHECK(gmoe_model_validate(m) == GMOE_OK, "default truth refused: %s", gmoe_error_message());

#define BAD(field, value, text)                                                       \
  do {                                                                                \
    bad = gmoe_model_clone(m);                                                        \
    field = (value);                                                                  \
    gmoe_error_clear();                                                               \
    CHECK(gmoe_model_validate(bad) == GMOE_EINVAL, "%s = %g accepted", #field, (double)(value)); \
    CHECK(strcmp(gmoe_error_message(), text) == 0, "%s: message \"%s\", expected \"%s\"", \
          #field, gmoe_error_message(), text);                                        \
    gmoe_model_free(bad);                                                             \
  } while (0)

  BAD(bad->tau, 0.0, "temperature must be a positive finite number, got 0");
  BAD(bad->tau, -2.0, "temperature must be a positive finite number, got -2");
  BAD(bad->tau, NAN, "temperature must be a positive finite number, got nan");
  BAD(bad->tau, INFINITY, "temperature must be a positive finite number, got inf");
  BAD(bad->beta0[0], INFINITY, "beta0 of expert 1 is not finite");
  BAD(bad->b[1], NAN, "b of expert 2 is not finite");
  BAD(bad->nu[1], 0.0, "nu (variance) of expert 2 must be positive and finite, got 0");
  BAD(bad->nu[2], -1.0, "nu (variance) of expert 3 must be positive and finite, got -1");
  BAD(bad->nu[0], INFINITY, "nu (variance) of expert 1 must be positive and finite, got inf");
  BAD(bad->beta1[1], NAN, "beta1 of expert 1 is not finite");
  BAD(bad->a[5], -INFINITY, "a of expert 3 is not finite");
  BAD(bad->beta0[2], 0.5, "the last expert is the gate's reference: its beta0 must be 0");
  BAD(bad->beta1[5], 1.0, "the last expert is the gate's reference: its beta1 must be 0");
#undef BAD
  gmoe_model_free(m);
}

/* Activation names parse back, an unknown one is refused with its message. */
static void
test_activation_names(void)
{
  int act;
  gmoe_activation got;
  for (act = 0; act < GMOE_ACT_COUNT; act++)
    CHECK(gmoe_activation_parse(gmoe_activation_name((gmoe_activation)act), &got) == GMOE_OK
            && got == (gmoe_activation)act,
          "activation %d does not parse back", act);
  CHECK(gmoe_activation_parse("swish", &got) == GMOE_EINVAL, "swish accepted");
  CHECK(strcmp(gmoe_error_message(),
               "unknown activation 'swish' (expected identity, tanh, sigmoid, relu, gelu or "
               "softplus)") == 0,
        "message \"%s\"", gmoe_error_message());
}

/* The flat vector and its names follow the documented order. */
static void
test_flatten(void)
{
  gmoe_model *m = hand_model(GMOE_ACT_TANH);
  double v[64];
  char name[32];
  size_t size = gmoe_model_flat_size(3, 2);
  CHECK(size == 1 + 3 * 7, "flat size %zu", size);
  gmoe_model_flatten(m, v);
  CHECK(v[0] == 0.8 && v[1] == 0.4 && v[2] == 1.5 && v[3] == -2.0 && v[4] == 1.0 && v[5] == 0.5
          && v[6] == -1.0 && v[7] == 0.2 && v[8] == -0.7 && v[21] == 1.3,
        "flat vector out of order");
  gmoe_model_flat_name(3, 2, 0, name, sizeof name);
  CHECK(strcmp(name, "tau") == 0, "name 0: %s", name);
  gmoe_model_flat_name(3, 2, 3, name, sizeof name);
  CHECK(strcmp(name, "beta1_1_2") == 0, "name 3: %s", name);
  gmoe_model_flat_name(3, 2, 12, name, sizeof name);
  CHECK(strcmp(name, "a_2_2") == 0, "name 12: %s", name);
  gmoe_model_flat_name(3, 2, 21, name, sizeof name);
  CHECK(strcmp(name, "nu_3") == 0, "name 21: %s", name);
  gmoe_model_flat_name(2, 1, 2, name, sizeof name);
  CHECK(strcmp(name, "beta1_1") == 0, "name 2 (d=1): %s", name);
  gmoe_model_free(m);
}

int
main(void)
{
  gmoe_error_init();
  test_gate();
  test_activation_derivatives();
  test_logpdf();
  test_extreme_logits();
  test_nparams();
  test_validate();
  test_activation_names();
  test_flatten();
  return check_report("test-model");
}
