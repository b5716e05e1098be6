/* se.h: standard errors of fitted parameters from the observed information.
 *
 * The free parameters are, in this order: for each expert i < k the gate
 * intercept beta0_i and slopes beta1_i (expert k is the reference, fixed
 * at zero); log tau when the temperature is learned; for each expert i
 * the slopes a_i, the intercept b_i and log nu_i.  The score (gradient of
 * the log-likelihood) is analytic; the Hessian is its central difference,
 * with a step of 6e-6 times the parameter's size (at least its natural
 * scale: 1 for intercepts and logs, 1/rms(x_j) for slopes, sqrt(nu_i) for
 * expert intercepts).  The observed information J = -H is scaled to unit
 * diagonal, C = D^-1 J D^-1, and decomposed into eigenvalues; the
 * covariance is D^-1 C^-1 D^-1.  Standard errors of tau and nu follow
 * from those of their logs by the delta method (se(nu) = nu se(log nu)).
 *
 * Singularity: C is declared singular when its smallest eigenvalue is at
 * most the largest of GMOE_SE_EIG_MIN, 1000 times the asymmetry of the
 * finite-difference Hessian (a measure of its numerical error, about
 * 1e-11) and 10 times the largest scaled score |score_p| / D_p.  The last
 * term is there because EM stops at a relative tolerance, not at an exact
 * zero of the score: along a direction where the likelihood is exactly
 * flat (identity or relu gate with learned temperature: (beta1, tau) and
 * (c beta1, c tau) give the same density) the Hessian at such a point has
 * an eigenvalue of the order of the remaining score (measured: about 0.02
 * times it, 1e-6 at the default tol 1e-8, 1e-10 at tol 1e-12), while
 * identified fits in the tests have eigenvalues of 1e-2 and more.  An
 * eigenvalue below -threshold means the point is not a maximum.
 * Standard errors from an eigenvalue within 10 times the distance from
 * stationarity would be off by several per cent and are not reported.
 */
#ifndef GMOE_SE_H
#define GMOE_SE_H

#include <stddef.h>
#include "data.h"
#include "model.h"

#define GMOE_SE_EIG_MIN 1e-8   /* smallest eigenvalue of C taken as non-zero */
#define GMOE_SE_MAX_PARAMS 1000 /* most free parameters (the Hessian is np x np) */

typedef enum {
  GMOE_SE_OK,          /* standard errors computed */
  GMOE_SE_SINGULAR,    /* the information matrix is singular */
  GMOE_SE_NOTMAX       /* the information has a negative eigenvalue: not at a maximum */
} gmoe_se_status;

typedef struct gmoe_se {
  size_t k, d, np;
  int tau_learned;
  int status;          /* gmoe_se_status */
  double min_eig;      /* smallest eigenvalue of C */
  double max_eig;      /* largest eigenvalue of C */
  double asym;         /* largest |C_ij - C_ji| before symmetrising */
  double grad;         /* largest |score_p| / D_p: how far from stationary the fit is */
  double *se;          /* gmoe_model_flat_size(k, d) entries in the flat order of
                          gmoe_model_flatten; NaN for fixed parameters and when
                          status is not GMOE_SE_OK */
  double *se_opg;      /* the same from the outer product of the per-observation
                          scores (a cross-check; equal in expectation for a
                          well-specified model) */
} gmoe_se;

/* Allocate a result for k experts and d inputs; NULL when memory runs out. */
gmoe_se *gmoe_se_alloc(size_t k, size_t d);

/* Free a result; NULL is a no-op. */
void gmoe_se_free(gmoe_se *se);

/* Write the free parameters of m into theta (gmoe_model_nparams entries). */
void gmoe_se_pack(const gmoe_model *m, int tau_learned, double *theta);

/* Set the free parameters of m from theta (the reference expert stays zero). */
void gmoe_se_unpack(gmoe_model *m, int tau_learned, const double *theta);

/* Flat index (gmoe_model_flatten order) of free parameter number p. */
size_t gmoe_se_flat_index(size_t k, size_t d, int tau_learned, size_t p);

/* Log-likelihood of m on data; when score is not NULL it receives the
 * gradient with respect to the free parameters, and when opg is not NULL
 * (np x np, row-major) the sum of the outer products of the
 * per-observation gradients. */
double gmoe_se_score(const gmoe_model *m, const gmoe_data *data, int tau_learned,
                     double *score, double *opg);

/* Standard errors of m (fitted to data) into se, which must have m's k
 * and d.  Returns GMOE_OK with se->status telling whether they are
 * available, or an error with a message (dimensions, memory, too many
 * parameters, a non-finite log-likelihood). */
int gmoe_se_compute(const gmoe_model *m, const gmoe_data *data, int tau_learned, gmoe_se *se);

#endif
