/* scale.h: standardised inputs for fitting, results on the original scale.
 *
 * A fit with standardised inputs works on z_j = (x_j - c_j) / s_j, where
 * s_j is the standard deviation of input j over the data and c_j its
 * mean, then maps the fitted model back to the original inputs.  The map
 * back is exact, so the reported model is a model of the original data
 * with the same log-likelihood:
 *
 *   experts   a_ij = a~_ij / s_j,   b_i = b~_i - sum_j a~_ij c_j / s_j
 *   gate      beta1_ij = beta1~_ij / s_j
 *             beta0_i = beta0~_i - sum_j beta1~_ij c_j / (s_j tau)   (identity gate)
 *   tau and nu unchanged (y is not transformed).
 *
 * With a nonlinear activation sigma, sigma(beta1'(x - c)/s) is not of
 * the model's form sigma(beta1'x) on the original scale, so inputs are
 * only scaled (c_j = 0), never centred: scaling alone maps back exactly.
 */
#ifndef GMOE_SCALE_H
#define GMOE_SCALE_H

#include <stddef.h>
#include "data.h"
#include "em.h"
#include "model.h"

typedef struct gmoe_scale {
  size_t d;
  int centred;                  /* c holds the means (identity gate), else zeros */
  double c[GMOE_MAX_D];         /* centres */
  double s[GMOE_MAX_D];         /* scales (standard deviations, 1 for a constant input) */
} gmoe_scale;

/* Compute the scaling of data's inputs for a gate with activation act:
 * centres (the means, only for the identity gate) and scales (the
 * standard deviations with divisor n; 1 for a constant input). */
void gmoe_scale_compute(const gmoe_data *data, gmoe_activation act, gmoe_scale *sc);

/* Return a new data set whose inputs are standardised by sc (y and the
 * names copied); NULL with a message when memory runs out. */
gmoe_data *gmoe_scale_data(const gmoe_data *data, const gmoe_scale *sc);

/* Map model m in place from the original inputs to standardised ones
 * (the inverse of gmoe_scale_model_back). */
void gmoe_scale_model_forward(gmoe_model *m, const gmoe_scale *sc);

/* Map model m in place from standardised inputs back to the original ones. */
void gmoe_scale_model_back(gmoe_model *m, const gmoe_scale *sc);

/* Map every row of a trace back to the original inputs. */
void gmoe_scale_trace_back(gmoe_trace *tr, const gmoe_scale *sc);

/* gmoe_fit on standardised inputs when standardize is set (the truth,
 * used to start, is mapped forward; the result, its trace included, is
 * mapped back), plain gmoe_fit otherwise.  When sc is not NULL it
 * receives the scaling used (scales 1 and centres 0 when off). */
int gmoe_scale_fit(const gmoe_data *data, const gmoe_fit_opts *opts, const gmoe_model *truth,
                   int standardize, gmoe_fit_progress progress, void *user,
                   gmoe_fit_result *res, gmoe_scale *sc);

#endif
