/* model.h: the Gaussian mixture of experts with a temperature/activation gate.
 *
 *   p(y | x) = sum_i g_i(x) N(y; a_i'x + b_i, nu_i)
 *   g_i(x)   = softmax_i(s(x)),  s_i(x) = sigma(beta1_i'x) / tau + beta0_i
 *
 * Units and conventions: nu_i are variances, not standard deviations;
 * tau > 0 is shared by all experts; the last expert is the gate's
 * reference (beta0[k-1] = 0 and beta1 row k-1 = 0).  Arrays are owned by
 * the model: beta0, b, nu have k entries; beta1 and a have k*d entries,
 * row i (expert i) at offset i*d.
 */
#ifndef GMOE_MODEL_H
#define GMOE_MODEL_H

#include <stddef.h>

#define GMOE_MAX_K 64   /* most experts a model may have */
#define GMOE_MAX_D 64   /* most inputs a model may have */

typedef enum {
  GMOE_ACT_IDENTITY,
  GMOE_ACT_TANH,
  GMOE_ACT_SIGMOID,
  GMOE_ACT_RELU,
  GMOE_ACT_GELU,
  GMOE_ACT_SOFTPLUS,
  GMOE_ACT_COUNT
} gmoe_activation;

typedef struct gmoe_model {
  size_t k, d;
  gmoe_activation act;
  double tau;
  double *beta0; /* k */
  double *beta1; /* k*d */
  double *a;     /* k*d */
  double *b;     /* k */
  double *nu;    /* k, variances */
} gmoe_model;

/* Allocate a model with k experts and d inputs, set to the default truth. */
gmoe_model *gmoe_model_alloc(size_t k, size_t d);

/* Free a model; NULL is a no-op. */
void gmoe_model_free(gmoe_model *m);

/* Return a newly allocated copy of m, or NULL when memory runs out. */
gmoe_model *gmoe_model_clone(const gmoe_model *m);

/* Copy src into dst, which must have the same k and d. */
void gmoe_model_copy(gmoe_model *dst, const gmoe_model *src);

/* Set m to gmoe's built-in default truth for its k and d (identity gate,
 * tau = 1, well separated experts). */
void gmoe_model_set_default(gmoe_model *m);

/* Check that every parameter is finite, tau > 0, nu > 0 and the reference
 * expert is zero; on failure record a message naming the parameter. */
int gmoe_model_validate(const gmoe_model *m);

/* Log of the conditional density log p(y | x) for one input x whose j-th
 * coordinate is x[j*stride]. */
double gmoe_model_logpdf(const gmoe_model *m, const double *x, size_t stride, double y);

/* Log gate probabilities log g_i(x) for one input (x[j*stride]) into logg[k]. */
void gmoe_model_log_gate(const gmoe_model *m, const double *x, size_t stride, double *logg);

/* Mean a_i'x + b_i of expert i at one input (x[j*stride]). */
double gmoe_model_expert_mean(const gmoe_model *m, size_t i, const double *x, size_t stride);

/* Number of free parameters: gate (k-1)(d+1), experts k(d+2), plus one
 * when the temperature is learned. */
size_t gmoe_model_nparams(size_t k, size_t d, int tau_learned);

/* Length of the flat parameter vector used by traces: 1 (tau) + k*(2d+3),
 * ordered tau, then per expert beta0, beta1[d], a[d], b, nu. */
size_t gmoe_model_flat_size(size_t k, size_t d);

/* Write the flat parameter vector of m into v (gmoe_model_flat_size entries). */
void gmoe_model_flatten(const gmoe_model *m, double *v);

/* Name of flat parameter number j ("tau", "beta0_1", "beta1_2_1", ...) into buf. */
void gmoe_model_flat_name(size_t k, size_t d, size_t j, char *buf, size_t len);

/* Name of an activation ("identity", "tanh", ...). */
const char *gmoe_activation_name(gmoe_activation act);

/* Parse an activation name; returns GMOE_OK or GMOE_EINVAL with a message. */
int gmoe_activation_parse(const char *name, gmoe_activation *act);

/* sigma(z) for an activation; when non-NULL, d1 and d2 receive sigma'(z)
 * and sigma''(z). */
double gmoe_activation_eval(gmoe_activation act, double z, double *d1, double *d2);

#endif
