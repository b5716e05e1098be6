/* predict.h: using a fitted model at new inputs and on its data.
 *
 * At an input x the model gives gate weights g_i(x), expert means
 * mu_i(x) = a_i'x + b_i, the mixture mean sum_i g_i mu_i and the mixture
 * variance sum_i g_i (nu_i + mu_i^2) - mean^2 (variances, not standard
 * deviations), and the most likely expert argmax_i g_i(x).  At an
 * observation (x, y) the responsibilities r_i = g_i N(y; mu_i, nu_i) /
 * p(y | x) give the posterior probability that expert i produced y; the
 * hard assignment is argmax_i r_i.
 */
#ifndef GMOE_PREDICT_H
#define GMOE_PREDICT_H

#include <stddef.h>
#include "model.h"

typedef struct gmoe_prediction {
  size_t k;
  double gate[GMOE_MAX_K];   /* g_i(x) */
  double mean[GMOE_MAX_K];   /* mu_i(x) */
  double mix_mean;           /* sum_i g_i mu_i */
  double mix_var;            /* sum_i g_i (nu_i + mu_i^2) - mix_mean^2 */
  size_t expert;             /* argmax_i g_i (0-based; the first on ties) */
} gmoe_prediction;

/* Predict at one input x (coordinate j at x[j*stride]) into p. */
void gmoe_predict_at(const gmoe_model *m, const double *x, size_t stride, gmoe_prediction *p);

/* Responsibilities r[k] of observation (x, y) under m; returns the hard
 * assignment argmax_i r_i (0-based; the first on ties), and stores
 * log p(y | x) in *logpdf when logpdf is not NULL. */
size_t gmoe_predict_resp(const gmoe_model *m, const double *x, size_t stride, double y,
                         double *r, double *logpdf);

#endif
