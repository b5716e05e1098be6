/* em-pass.h: the blocked passes over the data behind EM (internal to em.c).
 *
 * Observations are processed in blocks of a fixed size so that the loops
 * over them have constant trip counts and vectorise; exp and log are
 * evaluated by inline polynomial code that vectorises with them.  Sums are
 * kept in eight interleaved lanes, added in a fixed order, so results do not
 * depend on the vector width the compiler chose.
 *
 * Gate parameters are ordered as in em.c: beta0_i, beta1_i[d] for each
 * non-reference expert i < k-1, then log tau when it is learned (np in all).
 * "Raw" responsibility sums of expert i < k-1 are ra[i] = sum_t r_ti
 * sigma(z_ti), rd1[i*d+p] = sum_t r_ti sigma'(z_ti) x_tp and
 * rd2[(i*d+p)*d+q] = sum_t r_ti sigma''(z_ti) x_tp x_tq, with z_ti =
 * beta1_i'x_t; they are only computed for nonlinear activations.
 */
#ifndef GMOE_EM_PASS_H
#define GMOE_EM_PASS_H

#include <stddef.h>
#include "data.h"
#include "model.h"

typedef struct gmoe_em_pass gmoe_em_pass;

/* Allocate the scratch of the passes for k experts and d inputs; NULL when
 * memory runs out. */
gmoe_em_pass *gmoe_em_pass_alloc(size_t k, size_t d);

/* Free pass scratch; NULL is a no-op. */
void gmoe_em_pass_free(gmoe_em_pass *p);

/* E-step at model m, whose gate log-normaliser lse_t = log sum_j exp(s_j(x_t))
 * is given (n values, from gmoe_em_pass_gate at the same gate), as may be
 * the activations actin[i*n + t] = sigma(z_ti) of a tanh or sigmoid gate
 * (NULL: computed again): writes the responsibilities r[i*n + t] (unless
 * r is NULL), the
 * expert statistics st (k blocks laid out as in em.c, on data centred at
 * xbar and ybar) and, for nonlinear activations, the raw responsibility
 * sums; returns the log-likelihood. */
double gmoe_em_pass_estep(gmoe_em_pass *p, const gmoe_data *data, const gmoe_model *m,
                          const double *lse, const double *actin, const double *xbar,
                          double ybar, double *r, double *st, double *ra, double *rd1,
                          double *rd2);

/* Gate pass at model m: writes lse (n values), for a nonlinear gate the
 * activations into actout[i*n + t] (i < k-1) when it is not NULL, the
 * gradient gg (np) and
 * Hessian hg (np x np) of sum_t lse_t with respect to the gate parameters
 * (with log tau when learn is set) and, when r is not NULL and the
 * activation is nonlinear, the raw responsibility sums of r at this gate;
 * returns sum_t lse_t.  For the identity gate with a fixed temperature,
 * want_hess = 0 skips the Hessian (hg is left alone); otherwise it is
 * always computed. */
double gmoe_em_pass_gate(gmoe_em_pass *p, const gmoe_data *data, const gmoe_model *m,
                         const double *r, int learn, int want_hess, double *lse,
                         double *actout, double *gg, double *hg, double *ra, double *rd1,
                         double *rd2);

#endif
