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
 * What the smallest eigenvalue lambda of C says:
 *  - |lambda| <= max(GMOE_SE_EIG_MIN, 10 np a), a the largest asymmetry of
 *    the finite-difference Hessian (a measure of its entrywise numerical
 *    error, about 1e-11 for smooth fits; by Weyl's inequality an error E
 *    moves eigenvalues by at most ||E||_2 <= np max|E_ij|, and the factor
 *    10 allows for error in the symmetric part that the asymmetry does
 *    not show): C is singular, some direction is not identified;
 *  - otherwise |lambda| <= g, g = max_p |score_p| / D_p the remaining
 *    scaled score: EM stops at a relative tolerance, not at an exact zero
 *    of the score, and at such a point the Hessian along an exactly flat
 *    direction has an eigenvalue of the order of the score (identity gate
 *    with learned temperature: about 0.02 g, -7e-7 at the default tol
 *    1e-8, -3e-10 at tol 1e-12), so lambda cannot be told from zero
 *    (GMOE_SE_UNRESOLVED: fit again with a smaller tol);
 *  - otherwise lambda < 0: not a maximum;
 *  - otherwise the standard errors are reported.  Identified fits in the
 *    tests have lambda of 1e-2 and more.
 */
#ifndef GMOE_SE_H
#define GMOE_SE_H

#include <stddef.h>
#include "data.h"
#include "model.h"

#define GMOE_SE_EIG_MIN 1e-10  /* smallest eigenvalue of C taken as non-zero */
#define GMOE_SE_MAX_PARAMS 1000 /* most free parameters (the Hessian is np x np) */

typedef enum {
  GMOE_SE_OK,          /* standard errors computed */
  GMOE_SE_SINGULAR,    /* the information matrix is singular */
  GMOE_SE_NOTMAX,      /* the information has a negative eigenvalue: not at a maximum */
  GMOE_SE_UNRESOLVED   /* the smallest eigenvalue is within the remaining score */
} gmoe_se_status;

typedef struct gmoe_se {
  size_t k, d, np;
  int tau_learned;
  int status;          /* gmoe_se_status */
  double min_eig;      /* smallest eigenvalue of C */
  double max_eig;      /* largest eigenvalue of C */
  double asym;         /* largest |C_ij - C_ji| before symmetrising */
  double grad;         /* largest |score_p| / D_p: how far from stationary the fit is */
  size_t weak;         /* flat index of the parameter weighing most in the eigenvector
                          of the smallest eigenvalue (the least determined direction) */
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
