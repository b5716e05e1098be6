/* indep.c: the independence condition on a gate activation, by SVD. */
#include <config.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>
#include "error.h"
#include "indep.h"

static const char *const gmoe_indep_names[GMOE_INDEP_NFUNC] = {
  "sigma", "z*sigma'", "sigma'", "z^2*sigma''", "z*sigma''", "sigma''"
};

/* Name of function j of the set. */
const char *
gmoe_indep_function_name(size_t j)
{
  return j < GMOE_INDEP_NFUNC ? gmoe_indep_names[j] : "?";
}

/* Value of function j of the set at z. */
static double
gmoe_indep_function(gmoe_activation act, size_t j, double z)
{
  double d1, d2, f = gmoe_activation_eval(act, z, &d1, &d2);
  switch (j) {
  case 0: return f;
  case 1: return z * d1;
  case 2: return d1;
  case 3: return z * z * d2;
  case 4: return z * d2;
  default: return d2;
  }
}

/* Append text to the dependency description, keeping it terminated. */
static void
gmoe_indep_append(gmoe_indep_result *res, const char *text)
{
  size_t len = strlen(res->dependency);
  snprintf(res->dependency + len, sizeof res->dependency - len, "%s", text);
}

/* Singular values (relative, decreasing) of the unit-scaled columns cols[]
 * of the grid matrix; when rel_null is not NULL, also describe each right
 * singular vector whose value is at most the threshold as a relation. */
static int
gmoe_indep_svd(gmoe_activation act, size_t points, double zmax, const size_t *cols, size_t nc,
               double *rel, gmoe_indep_result *res)
{
  gsl_matrix *a = gsl_matrix_alloc(points, nc), *v = gsl_matrix_alloc(nc, nc);
  gsl_vector *s = gsl_vector_alloc(nc), *work = gsl_vector_alloc(nc);
  double norm[GMOE_INDEP_NFUNC];
  size_t t, c, q;
  int status = GMOE_OK;

  if (a == NULL || v == NULL || s == NULL || work == NULL) {
    gmoe_error_set("out of memory for a %zu by %zu matrix", points, nc);
    status = GMOE_ENOMEM;
    goto out;
  }
  for (c = 0; c < nc; c++) {
    double ss = 0.0;
    for (t = 0; t < points; t++) {
      double z = -zmax + 2.0 * zmax * (double)t / (double)(points - 1);
      double f = gmoe_indep_function(act, cols[c], z);
      gsl_matrix_set(a, t, c, f);
      ss += f * f;
    }
    norm[c] = sqrt(ss);
    for (t = 0; t < points; t++)
      gsl_matrix_set(a, t, c, gsl_matrix_get(a, t, c) / norm[c]);
  }
  if (gsl_linalg_SV_decomp(a, v, s, work) != 0) {
    gmoe_error_set("the singular value decomposition failed for %s",
                   gmoe_activation_name(act));
    status = GMOE_ENUMERIC;
    goto out;
  }
  for (c = 0; c < nc; c++)
    rel[c] = gsl_vector_get(s, c) / gsl_vector_get(s, 0);
  for (q = 0; res != NULL && q < nc; q++) {
    double coef[GMOE_INDEP_NFUNC], big = 0.0;
    int first = 1;
    if (rel[q] > GMOE_INDEP_THRESHOLD)
      continue;
    for (c = 0; c < nc; c++) {  /* back to the unscaled functions */
      coef[c] = gsl_matrix_get(v, c, q) / norm[c];
      if (fabs(coef[c]) > big)
        big = fabs(coef[c]);
    }
    if (res->dependency[0])
      gmoe_indep_append(res, "; ");
    for (c = 0; c < nc; c++) {
      double w = coef[c] / big;
      char term[64];
      if (fabs(w) < 1e-6)
        continue;
      if (first && w < 0.0) {  /* lead with a positive coefficient */
        for (t = c; t < nc; t++)
          coef[t] = -coef[t];
        w = -w;
      }
      if (fabs(fabs(w) - 1.0) < 1e-9)
        snprintf(term, sizeof term, "%s%s", first ? "" : (w < 0 ? " - " : " + "),
                 gmoe_indep_names[cols[c]]);
      else
        snprintf(term, sizeof term, "%s%.4g*%s", first ? "" : (w < 0 ? " - " : " + "), fabs(w),
                 gmoe_indep_names[cols[c]]);
      gmoe_indep_append(res, term);
      first = 0;
    }
    gmoe_indep_append(res, " = 0");
  }
out:
  gsl_matrix_free(a);
  gsl_matrix_free(v);
  gsl_vector_free(s);
  gsl_vector_free(work);
  return status;
}

/* Evaluate the independence condition for one activation. */
int
gmoe_indep_check(gmoe_activation act, size_t points, double zmax, gmoe_indep_result *res)
{
  size_t cols[GMOE_INDEP_NFUNC], nc = 0, j, t;
  double rel[GMOE_INDEP_NFUNC];
  size_t first_cols[3] = { 0, 1, 2 };
  double first_rel[3];
  int vanish = 0, status;

  memset(res, 0, sizeof *res);
  if ((int)act < 0 || act >= GMOE_ACT_COUNT)
    GMOE_ERROR(GMOE_EINVAL, "unknown activation number %d", (int)act);
  if (points < GMOE_INDEP_NFUNC)
    GMOE_ERROR(GMOE_EINVAL, "the grid needs at least %d points, got %zu", GMOE_INDEP_NFUNC,
               points);
  if (!(zmax > 0.0) || !isfinite(zmax))
    GMOE_ERROR(GMOE_EINVAL, "the grid half-width must be positive, got %g", zmax);
  res->act = act;
  res->points = points;
  res->zmax = zmax;
  /* A function that vanishes on the whole grid is dependent on its own. */
  for (j = 0; j < GMOE_INDEP_NFUNC; j++) {
    int zero = 1;
    for (t = 0; t < points && zero; t++)
      if (gmoe_indep_function(act, j, -zmax + 2.0 * zmax * (double)t / (double)(points - 1)) != 0.0)
        zero = 0;
    if (zero) {
      if (vanish++ == 0)
        gmoe_indep_append(res, gmoe_indep_names[j]);
      else {
        gmoe_indep_append(res, ", ");
        gmoe_indep_append(res, gmoe_indep_names[j]);
      }
    } else
      cols[nc++] = j;
  }
  if (vanish)
    gmoe_indep_append(res, vanish > 1 ? " vanish" : " vanishes");
  if (nc == 0)
    GMOE_ERROR(GMOE_EINVAL, "every function of %s vanishes on the grid",
               gmoe_activation_name(act));
  status = gmoe_indep_svd(act, points, zmax, cols, nc, rel, res);
  if (status != GMOE_OK)
    return status;
  for (j = 0; j < GMOE_INDEP_NFUNC; j++)
    res->sv[j] = j < nc ? rel[j] : 0.0;
  res->min_rel = vanish ? 0.0 : rel[nc - 1];
  status = gmoe_indep_svd(act, points, zmax, first_cols, 3, first_rel, NULL);
  if (status != GMOE_OK)
    return status;
  res->min_rel_first = first_rel[2];
  res->independent = res->min_rel > GMOE_INDEP_THRESHOLD;
  return GMOE_OK;
}
