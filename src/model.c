/* model.c: parameters, activations, gate and conditional density. */
#include <config.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "error.h"
#include "model.h"

static const char *const gmoe_act_names[GMOE_ACT_COUNT] = {
  "identity", "tanh", "sigmoid", "relu", "gelu", "softplus"
};

/* Allocate a model with k experts and d inputs, set to the default truth. */
gmoe_model *
gmoe_model_alloc(size_t k, size_t d)
{
  gmoe_model *m;
  if (k < 1 || d < 1 || k > GMOE_MAX_K || d > GMOE_MAX_D)
    return NULL;
  m = calloc(1, sizeof *m);
  if (m == NULL)
    return NULL;
  m->k = k;
  m->d = d;
  m->beta0 = calloc(k, sizeof(double));
  m->beta1 = calloc(k * d, sizeof(double));
  m->a = calloc(k * d, sizeof(double));
  m->b = calloc(k, sizeof(double));
  m->nu = calloc(k, sizeof(double));
  if (!m->beta0 || !m->beta1 || !m->a || !m->b || !m->nu) {
    gmoe_model_free(m);
    return NULL;
  }
  gmoe_model_set_default(m);
  return m;
}

/* Free a model; NULL is a no-op. */
void
gmoe_model_free(gmoe_model *m)
{
  if (m == NULL)
    return;
  free(m->beta0);
  free(m->beta1);
  free(m->a);
  free(m->b);
  free(m->nu);
  free(m);
}

/* Copy src into dst, which must have the same k and d. */
void
gmoe_model_copy(gmoe_model *dst, const gmoe_model *src)
{
  size_t k = src->k, d = src->d;
  dst->act = src->act;
  dst->tau = src->tau;
  memcpy(dst->beta0, src->beta0, k * sizeof(double));
  memcpy(dst->beta1, src->beta1, k * d * sizeof(double));
  memcpy(dst->a, src->a, k * d * sizeof(double));
  memcpy(dst->b, src->b, k * sizeof(double));
  memcpy(dst->nu, src->nu, k * sizeof(double));
}

/* Return a newly allocated copy of m, or NULL when memory runs out. */
gmoe_model *
gmoe_model_clone(const gmoe_model *m)
{
  gmoe_model *c = gmoe_model_alloc(m->k, m->d);
  if (c != NULL)
    gmoe_model_copy(c, m);
  return c;
}

/* Set m to the built-in default truth: expert means b_i spaced 4 apart
 * with slopes of alternating sign, variance 0.1, gate slopes of +-4 and
 * intercepts -1 + i/2, identity activation, tau = 1. */
void
gmoe_model_set_default(gmoe_model *m)
{
  size_t i, j, k = m->k, d = m->d;
  m->act = GMOE_ACT_IDENTITY;
  m->tau = 1.0;
  for (i = 0; i < k; i++) {
    int last = (i + 1 == k);
    m->beta0[i] = last ? 0.0 : -1.0 + 0.5 * (double)i;
    m->b[i] = 4.0 * ((double)i - 0.5 * (double)(k - 1));
    m->nu[i] = 0.1;
    for (j = 0; j < d; j++) {
      double sign = ((i + j) % 2 == 0) ? 1.0 : -1.0;
      m->beta1[i * d + j] = last ? 0.0 : 4.0 * sign / (double)(j + 1);
      m->a[i * d + j] = (i % 2 == 0 ? 1.0 : -1.0) / (double)(j + 1);
    }
  }
}

/* Check one value is finite, recording a message naming it when not. */
static int
gmoe_model_check_finite(double v, const char *what, size_t i)
{
  if (!isfinite(v))
    GMOE_ERROR(GMOE_EINVAL, "%s of expert %zu is not finite", what, i + 1);
  return GMOE_OK;
}

/* Check that every parameter is finite, tau > 0, nu > 0 and the reference
 * expert is zero; on failure record a message naming the parameter. */
int
gmoe_model_validate(const gmoe_model *m)
{
  size_t i, j, k = m->k, d = m->d;
  if (!(m->tau > 0.0) || !isfinite(m->tau))
    GMOE_ERROR(GMOE_EINVAL, "temperature must be a positive finite number, got %g", m->tau);
  for (i = 0; i < k; i++) {
    if (gmoe_model_check_finite(m->beta0[i], "beta0", i)
        || gmoe_model_check_finite(m->b[i], "b", i))
      return GMOE_EINVAL;
    if (!(m->nu[i] > 0.0) || !isfinite(m->nu[i]))
      GMOE_ERROR(GMOE_EINVAL, "nu (variance) of expert %zu must be positive and finite, got %g",
                 i + 1, m->nu[i]);
    for (j = 0; j < d; j++)
      if (gmoe_model_check_finite(m->beta1[i * d + j], "beta1", i)
          || gmoe_model_check_finite(m->a[i * d + j], "a", i))
        return GMOE_EINVAL;
  }
  if (m->beta0[k - 1] != 0.0)
    GMOE_ERROR(GMOE_EINVAL, "the last expert is the gate's reference: its beta0 must be 0");
  for (j = 0; j < d; j++)
    if (m->beta1[(k - 1) * d + j] != 0.0)
      GMOE_ERROR(GMOE_EINVAL, "the last expert is the gate's reference: its beta1 must be 0");
  return GMOE_OK;
}

/* Activation of a gate input z that may lie beyond the range of double
 * (computed in long double): the activation itself inside that range, its
 * limit outside it. */
static long double
gmoe_model_activation_wide(gmoe_activation act, long double z)
{
  if (fabsl(z) <= DBL_MAX)
    return gmoe_activation_eval(act, (double)z, NULL, NULL);
  switch (act) {
  case GMOE_ACT_TANH:
    return z > 0 ? 1.0L : -1.0L;
  case GMOE_ACT_SIGMOID:
    return z > 0 ? 1.0L : 0.0L;
  case GMOE_ACT_RELU:
  case GMOE_ACT_GELU:
  case GMOE_ACT_SOFTPLUS:
    return z > 0 ? z : 0.0L;
  case GMOE_ACT_IDENTITY:
  default:
    return z;
  }
}

/* Log gate probabilities computed in long double, for inputs whose gate
 * scores overflow double (huge coefficients or inputs, a tiny
 * temperature); log probabilities below the range of double become -inf,
 * that is probability zero. */
static void
gmoe_model_log_gate_wide(const gmoe_model *m, const double *x, size_t stride, double *logg)
{
  size_t i, j, k = m->k, d = m->d;
  long double s[GMOE_MAX_K], mx = -INFINITY, sum = 0.0L, lse;
  for (i = 0; i < k; i++) {
    long double z = 0.0L;
    for (j = 0; j < d; j++)
      z += (long double)m->beta1[i * d + j] * x[j * stride];
    /* Where long double has no more range than double (or is emulated
     * with the range of double, as under valgrind, where comparisons with
     * an overflowed value go wrong), values that still overflow are held
     * at the largest double: such gates are saturated either way.  v - v
     * is 0 exactly when v is finite, however it is emulated. */
    if (z != z)
      z = 0.0L;
    else if (!(z - z == 0.0L))
      z = copysignl(DBL_MAX, z);
    s[i] = gmoe_model_activation_wide(m->act, z) / m->tau + m->beta0[i];
    if (!(s[i] - s[i] == 0.0L))
      s[i] = copysignl(DBL_MAX, s[i]);
    if (s[i] > mx)
      mx = s[i];
  }
  for (i = 0; i < k; i++)
    sum += expl(s[i] - mx);
  lse = mx + logl(sum);
  for (i = 0; i < k; i++)
    logg[i] = (double)(s[i] - lse);
}

/* Log gate probabilities log g_i(x) for one input (x[j*stride]) into
 * logg[k], by log-sum-exp; scores that overflow double are recomputed in
 * long double. */
void
gmoe_model_log_gate(const gmoe_model *m, const double *x, size_t stride, double *logg)
{
  size_t i, j, k = m->k, d = m->d;
  double mx = -INFINITY, sum = 0.0, lse;
  for (i = 0; i < k; i++) {
    double z = 0.0;
    for (j = 0; j < d; j++)
      z += m->beta1[i * d + j] * x[j * stride];
    logg[i] = gmoe_activation_eval(m->act, z, NULL, NULL) / m->tau + m->beta0[i];
    if (logg[i] > mx)
      mx = logg[i];
  }
  for (i = 0; i < k; i++)
    sum += exp(logg[i] - mx);
  lse = mx + log(sum);
  if (!isfinite(lse)) {
    gmoe_model_log_gate_wide(m, x, stride, logg);
    return;
  }
  for (i = 0; i < k; i++)
    logg[i] -= lse;
}

/* Mean a_i'x + b_i of expert i at one input (x[j*stride]). */
double
gmoe_model_expert_mean(const gmoe_model *m, size_t i, const double *x, size_t stride)
{
  size_t j;
  double mu = m->b[i];
  for (j = 0; j < m->d; j++)
    mu += m->a[i * m->d + j] * x[j * stride];
  return mu;
}

/* Log of the conditional density log p(y | x) for one input x. */
double
gmoe_model_logpdf(const gmoe_model *m, const double *x, size_t stride, double y)
{
  double logg[GMOE_MAX_K], mx = -INFINITY, sum = 0.0;
  size_t i, k = m->k;
  gmoe_model_log_gate(m, x, stride, logg);
  for (i = 0; i < k; i++) {
    double r = y - gmoe_model_expert_mean(m, i, x, stride);
    logg[i] += -0.5 * (log(2.0 * M_PI * m->nu[i]) + r * r / m->nu[i]);
    if (logg[i] > mx)
      mx = logg[i];
  }
  if (mx == -INFINITY)
    return -INFINITY;
  for (i = 0; i < k; i++)
    sum += exp(logg[i] - mx);
  return mx + log(sum);
}

/* Number of free parameters of a model. */
size_t
gmoe_model_nparams(size_t k, size_t d, int tau_learned)
{
  return (k - 1) * (d + 1) + k * (d + 2) + (tau_learned ? 1 : 0);
}

/* Length of the flat parameter vector used by traces. */
size_t
gmoe_model_flat_size(size_t k, size_t d)
{
  return 1 + k * (2 * d + 3);
}

/* Write the flat parameter vector of m into v. */
void
gmoe_model_flatten(const gmoe_model *m, double *v)
{
  size_t i, j, d = m->d;
  *v++ = m->tau;
  for (i = 0; i < m->k; i++) {
    *v++ = m->beta0[i];
    for (j = 0; j < d; j++)
      *v++ = m->beta1[i * d + j];
    for (j = 0; j < d; j++)
      *v++ = m->a[i * d + j];
    *v++ = m->b[i];
    *v++ = m->nu[i];
  }
}

/* Name of flat parameter number j into buf: tau, beta0_I, beta1_I_J, a_I_J,
 * b_I, nu_I (experts and inputs counted from 1; the _J suffix only when
 * d > 1). */
void
gmoe_model_flat_name(size_t k, size_t d, size_t j, char *buf, size_t len)
{
  size_t per = 2 * d + 3, i, o;
  (void)k;
  if (j == 0) {
    snprintf(buf, len, "tau");
    return;
  }
  i = (j - 1) / per;
  o = (j - 1) % per;
  if (o == 0)
    snprintf(buf, len, "beta0_%zu", i + 1);
  else if (o <= d && d == 1)
    snprintf(buf, len, "beta1_%zu", i + 1);
  else if (o <= d)
    snprintf(buf, len, "beta1_%zu_%zu", i + 1, o);
  else if (o <= 2 * d && d == 1)
    snprintf(buf, len, "a_%zu", i + 1);
  else if (o <= 2 * d)
    snprintf(buf, len, "a_%zu_%zu", i + 1, o - d);
  else if (o == 2 * d + 1)
    snprintf(buf, len, "b_%zu", i + 1);
  else
    snprintf(buf, len, "nu_%zu", i + 1);
}

/* Name of an activation. */
const char *
gmoe_activation_name(gmoe_activation act)
{
  return (unsigned)act < GMOE_ACT_COUNT ? gmoe_act_names[act] : "unknown";
}

/* Parse an activation name; returns GMOE_OK or GMOE_EINVAL with a message. */
int
gmoe_activation_parse(const char *name, gmoe_activation *act)
{
  int i;
  for (i = 0; i < GMOE_ACT_COUNT; i++)
    if (strcmp(name, gmoe_act_names[i]) == 0) {
      *act = (gmoe_activation)i;
      return GMOE_OK;
    }
  GMOE_ERROR(GMOE_EINVAL,
             "unknown activation '%s' (expected identity, tanh, sigmoid, relu, gelu or softplus)",
             name);
}

/* sigma(z), sigma'(z) and sigma''(z) for an activation. */
double
gmoe_activation_eval(gmoe_activation act, double z, double *d1, double *d2)
{
  double f, f1, f2;
  switch (act) {
  case GMOE_ACT_TANH:
    f = tanh(z);
    f1 = 1.0 - f * f;
    f2 = -2.0 * f * f1;
    break;
  case GMOE_ACT_SIGMOID:
    f = z >= 0 ? 1.0 / (1.0 + exp(-z)) : exp(z) / (1.0 + exp(z));
    f1 = f * (1.0 - f);
    f2 = f1 * (1.0 - 2.0 * f);
    break;
  case GMOE_ACT_RELU:
    f = z > 0 ? z : 0.0;
    f1 = z > 0 ? 1.0 : 0.0;
    f2 = 0.0;
    break;
  case GMOE_ACT_GELU: {
    double phi = exp(-0.5 * z * z) / sqrt(2.0 * M_PI);
    double Phi = 0.5 * erfc(-z / M_SQRT2);
    f = z * Phi;
    f1 = Phi + z * phi;
    f2 = phi * (2.0 - z * z);
    break;
  }
  case GMOE_ACT_SOFTPLUS: {
    double s = z >= 0 ? 1.0 / (1.0 + exp(-z)) : exp(z) / (1.0 + exp(z));
    f = z > 0 ? z + log1p(exp(-z)) : log1p(exp(z));
    f1 = s;
    f2 = s * (1.0 - s);
    break;
  }
  case GMOE_ACT_IDENTITY:
  default:
    f = z;
    f1 = 1.0;
    f2 = 0.0;
    break;
  }
  if (d1)
    *d1 = f1;
  if (d2)
    *d2 = f2;
  return f;
}
