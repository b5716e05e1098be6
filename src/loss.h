/* loss.h: estimation error measures of a fitted model against a truth.
 *
 * Voronoi cells assign each fitted atom to the nearest true atom in the
 * identified coordinates (beta1/tau, a, b, nu).  The loss is
 *
 *   D = sum_j | sum_{i in A_j} exp(beta0_i) - exp(beta0*_j) |
 *     + sum_j sum_{i in A_j} exp(beta0_i) (|dbeta1|^e + |dtau|^e + |da|^e + |db|^e + |dnu|^e)
 *
 * with e = 1 for a cell holding one fitted atom and e = r for a cell with
 * several.  Each parameter group's share is reported on its own.
 */
#ifndef GMOE_LOSS_H
#define GMOE_LOSS_H

#include "model.h"

enum {
  GMOE_ERR_WEIGHT,    /* sum_j |sum_{A_j} exp(beta0_i) - exp(beta0*_j)| */
  GMOE_ERR_BETA1,     /* weighted |dbeta1|^e */
  GMOE_ERR_TAU,       /* weighted |dtau|^e */
  GMOE_ERR_RATIO,     /* weighted |d(beta1/tau)|^e */
  GMOE_ERR_A,
  GMOE_ERR_B,
  GMOE_ERR_NU,
  GMOE_ERR_VORONOI,   /* D: weight + beta1 + tau + a + b + nu */
  GMOE_ERR_HELLINGER, /* expected Hellinger distance of the densities */
  GMOE_ERR_COUNT
};

/* Name of an error measure ("weight", "beta1", "tau", "beta1/tau", "a",
 * "b", "nu", "voronoi", "hellinger"). */
const char *gmoe_loss_name(int which);

/* Voronoi cells of fit against truth: cell[i] is the true atom of fitted
 * atom i (fit->k entries). */
void gmoe_loss_cells(const gmoe_model *fit, const gmoe_model *truth, size_t *cell);

/* Voronoi loss and its groups into err[0..GMOE_ERR_VORONOI] with exponent r
 * for cells holding several atoms (d must match). */
int gmoe_loss_voronoi(const gmoe_model *fit, const gmoe_model *truth, double r, double *err);

/* Expected Hellinger distance E_x H(p_fit(.|x), p_truth(.|x)) with x
 * uniform on [0,1]^d (a midpoint grid of nx points for d = 1, nx
 * quasi-random points otherwise) and Simpson quadrature in y. */
double gmoe_loss_hellinger(const gmoe_model *fit, const gmoe_model *truth, size_t nx);

/* Bayesian information criterion -2 loglik + p log n. */
double gmoe_loss_bic(double loglik, size_t nparams, size_t n);

/* Akaike information criterion -2 loglik + 2 p. */
double gmoe_loss_aic(double loglik, size_t nparams);

#endif
