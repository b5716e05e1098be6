/* indep.h: the independence condition on a gate activation, numerically.
 *
 * The paper's condition for the activation dense-to-sparse gate asks that
 * functions built from sigma and its first two derivatives be linearly
 * independent.  gmoe samples the six functions
 *
 *   sigma(z), z sigma'(z), sigma'(z), z^2 sigma''(z), z sigma''(z), sigma''(z)
 *
 * that is, z^j sigma^(m)(z) for 0 <= j <= m <= 2, on a grid of z, scales
 * each column to unit length and takes the singular values of the matrix.
 * These are the functions the gate score sigma(beta1 x)/tau + beta0 and its
 * derivatives up to order two bring into the expansion of the density
 * (with z = beta1 x, each derivative in beta1 contributes sigma^(m+1) and a
 * factor x = z/beta1, the one in tau gives sigma itself).  With sigma =
 * identity or relu the set is dependent, since z sigma'(z) = sigma(z) and
 * sigma'' = 0: the smallest singular value is zero up to rounding.  For
 * tanh and sigmoid it stays many orders of magnitude above rounding (about
 * 1e-3 of the largest on [-3, 3]), so the threshold 1e-8 sits far from
 * both: rounding in the SVD of a unit-column matrix is about 1e-15.
 */
#ifndef GMOE_INDEP_H
#define GMOE_INDEP_H

#include <stddef.h>
#include "model.h"

#define GMOE_INDEP_NFUNC 6         /* functions in the set */
#define GMOE_INDEP_THRESHOLD 1e-8  /* smallest relative singular value of an independent set */

typedef struct gmoe_indep_result {
  gmoe_activation act;
  size_t points;                   /* grid points */
  double zmax;                     /* grid on [-zmax, zmax] */
  double sv[GMOE_INDEP_NFUNC];     /* singular values relative to the largest, decreasing */
  double min_rel;                  /* the smallest of them (0 when a function vanishes) */
  double min_rel_first;            /* the same for the first-order functions alone */
  int independent;                 /* min_rel > GMOE_INDEP_THRESHOLD */
  char dependency[256];            /* the relations found, "sigma - z*sigma' = 0", or "" */
} gmoe_indep_result;

/* Name of function j of the set ("sigma", "z*sigma'", ...). */
const char *gmoe_indep_function_name(size_t j);

/* Evaluate the condition for act on `points` (>= 6) grid points spanning
 * [-zmax, zmax].  Returns GMOE_OK or an error with a message. */
int gmoe_indep_check(gmoe_activation act, size_t points, double zmax, gmoe_indep_result *res);

#endif
