/* se.c: standard errors from the observed information (see se.h). */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>
#include "error.h"
#include "predict.h"
#include "se.h"

/* Allocate a result for k experts and d inputs. */
gmoe_se *
gmoe_se_alloc(size_t k, size_t d)
{
  gmoe_se *se = calloc(1, sizeof *se);
  size_t nf = gmoe_model_flat_size(k, d);
  if (se == NULL)
    return NULL;
  se->k = k;
  se->d = d;
  se->se = malloc(nf * sizeof(double));
  se->se_opg = malloc(nf * sizeof(double));
  if (se->se == NULL || se->se_opg == NULL) {
    gmoe_se_free(se);
    return NULL;
  }
  return se;
}

/* Free a result; NULL is a no-op. */
void
gmoe_se_free(gmoe_se *se)
{
  if (se == NULL)
    return;
  free(se->se);
  free(se->se_opg);
  free(se);
}

/* Write the free parameters of m into theta. */
void
gmoe_se_pack(const gmoe_model *m, int tau_learned, double *theta)
{
  size_t i, j, k = m->k, d = m->d, p = 0;
  for (i = 0; i + 1 < k; i++) {
    theta[p++] = m->beta0[i];
    for (j = 0; j < d; j++)
      theta[p++] = m->beta1[i * d + j];
  }
  if (tau_learned)
    theta[p++] = log(m->tau);
  for (i = 0; i < k; i++) {
    for (j = 0; j < d; j++)
      theta[p++] = m->a[i * d + j];
    theta[p++] = m->b[i];
    theta[p++] = log(m->nu[i]);
  }
}

/* Set the free parameters of m from theta. */
void
gmoe_se_unpack(gmoe_model *m, int tau_learned, const double *theta)
{
  size_t i, j, k = m->k, d = m->d, p = 0;
  for (i = 0; i + 1 < k; i++) {
    m->beta0[i] = theta[p++];
    for (j = 0; j < d; j++)
      m->beta1[i * d + j] = theta[p++];
  }
  if (tau_learned)
    m->tau = exp(theta[p++]);
  for (i = 0; i < k; i++) {
    for (j = 0; j < d; j++)
      m->a[i * d + j] = theta[p++];
    m->b[i] = theta[p++];
    m->nu[i] = exp(theta[p++]);
  }
}

/* Flat index of free parameter number p: the flat vector is tau, then per
 * expert beta0, beta1[d], a[d], b, nu. */
size_t
gmoe_se_flat_index(size_t k, size_t d, int tau_learned, size_t p)
{
  size_t gate = (k - 1) * (d + 1), blk = 2 * d + 3, i;
  if (p < gate)
    return 1 + (p / (d + 1)) * blk + p % (d + 1);
  p -= gate;
  if (tau_learned) {
    if (p == 0)
      return 0;
    p--;
  }
  i = p / (d + 2);
  return 1 + i * blk + 1 + d + p % (d + 2);
}

/* Add the gradient of log p(y | x) at one observation to g (np entries,
 * zeroed by the caller): r are the responsibilities, logg the log gate. */
static void
gmoe_se_obs_score(const gmoe_model *m, int tau_learned, const double *x, size_t stride,
                  double y, const double *r, double *g)
{
  size_t i, j, k = m->k, d = m->d, p = 0;
  double logg[GMOE_MAX_K], sig[GMOE_MAX_K], d1[GMOE_MAX_K];
  gmoe_model_log_gate(m, x, stride, logg);
  for (i = 0; i < k; i++) {
    double z = 0.0;
    for (j = 0; j < d; j++)
      z += m->beta1[i * d + j] * x[j * stride];
    sig[i] = gmoe_activation_eval(m->act, z, &d1[i], NULL);
  }
  for (i = 0; i + 1 < k; i++) {
    double w = r[i] - exp(logg[i]);
    g[p++] += w;
    for (j = 0; j < d; j++)
      g[p++] += w * d1[i] * x[j * stride] / m->tau;
  }
  if (tau_learned) {
    double s = 0.0;
    for (i = 0; i < k; i++)
      s += (r[i] - exp(logg[i])) * sig[i];
    g[p++] += -s / m->tau;
  }
  for (i = 0; i < k; i++) {
    double e = y - gmoe_model_expert_mean(m, i, x, stride), w = r[i] * e / m->nu[i];
    for (j = 0; j < d; j++)
      g[p++] += w * x[j * stride];
    g[p++] += w;
    g[p++] += 0.5 * r[i] * (e * e / m->nu[i] - 1.0);
  }
}

/* Log-likelihood, score and outer products of the per-observation scores. */
double
gmoe_se_score(const gmoe_model *m, const gmoe_data *data, int tau_learned, double *score,
              double *opg)
{
  size_t np = gmoe_model_nparams(m->k, m->d, tau_learned), t, a, b;
  double r[GMOE_MAX_K], ll = 0.0, lp, *g = NULL;
  if (opg != NULL) {
    g = malloc(np * sizeof(double));
    if (g == NULL)
      return NAN;
    memset(opg, 0, np * np * sizeof(double));
  }
  if (score != NULL)
    memset(score, 0, np * sizeof(double));
  for (t = 0; t < data->n; t++) {
    gmoe_predict_resp(m, data->x + t, data->n, data->y[t], r, &lp);
    ll += lp;
    if (g != NULL) {
      memset(g, 0, np * sizeof(double));
      gmoe_se_obs_score(m, tau_learned, data->x + t, data->n, data->y[t], r, g);
      for (a = 0; a < np; a++) {
        if (score != NULL)
          score[a] += g[a];
        for (b = 0; b < np; b++)
          opg[a * np + b] += g[a] * g[b];
      }
    } else if (score != NULL)
      gmoe_se_obs_score(m, tau_learned, data->x + t, data->n, data->y[t], r, score);
  }
  free(g);
  return ll;
}

/* Natural size of each free parameter, for finite-difference steps. */
static void
gmoe_se_steps(const gmoe_model *m, const gmoe_data *data, int tau_learned, const double *theta,
              double *h)
{
  size_t i, j, k = m->k, d = m->d, p = 0, t;
  double inv_rms[GMOE_MAX_D];
  for (j = 0; j < d; j++) {
    double ss = 0.0;
    for (t = 0; t < data->n; t++)
      ss += data->x[j * data->n + t] * data->x[j * data->n + t];
    inv_rms[j] = ss > 0.0 ? 1.0 / sqrt(ss / (double)data->n) : 1.0;
  }
  for (i = 0; i + 1 < k; i++) {
    h[p++] = 1.0;
    for (j = 0; j < d; j++)
      h[p++] = inv_rms[j] * m->tau;
  }
  if (tau_learned)
    h[p++] = 1.0;
  for (i = 0; i < k; i++) {
    double sd = sqrt(m->nu[i]);
    for (j = 0; j < d; j++)
      h[p++] = sd * inv_rms[j];
    h[p++] = sd;
    h[p++] = 1.0;
  }
  for (p = 0; p < gmoe_model_nparams(k, d, tau_learned); p++)
    h[p] = 6e-6 * fmax(fabs(theta[p]), h[p]);
}

/* Invert C = V diag(lambda) V' into cov = D^-1 C^-1 D^-1 and write the
 * standard errors into out (flat order, delta method for the logs). */
static void
gmoe_se_fill(const gmoe_model *m, int tau_learned, const gsl_matrix *evec,
             const gsl_vector *eval, const double *dscale, double *out)
{
  size_t np = evec->size1, p, q, k = m->k, d = m->d;
  for (p = 0; p < np; p++) {
    double v = 0.0, se;
    size_t f = gmoe_se_flat_index(k, d, tau_learned, p);
    for (q = 0; q < np; q++) {
      double e = gsl_matrix_get(evec, p, q);
      v += e * e / gsl_vector_get(eval, q);
    }
    se = sqrt(v) / dscale[p];
    if (f == 0)
      se *= m->tau;
    else if ((f - 1) % (2 * d + 3) == 2 * d + 2)
      se *= m->nu[(f - 1) / (2 * d + 3)];
    out[f] = se;
  }
}

/* Standard errors of the fitted parameters of m on data. */
int
gmoe_se_compute(const gmoe_model *m, const gmoe_data *data, int tau_learned, gmoe_se *se)
{
  size_t k = m->k, d = m->d, np = gmoe_model_nparams(k, d, tau_learned), nf, p, q;
  double *theta = NULL, *h = NULL, *sp = NULL, *sm = NULL, *hess = NULL, *opg = NULL,
         *dscale = NULL, *score = NULL, ll, thr;
  gmoe_model *w = NULL;
  gsl_matrix *c = NULL, *evec = NULL;
  gsl_vector *eval = NULL;
  gsl_eigen_symmv_workspace *ws = NULL;
  int status = GMOE_ENOMEM;
  if (se->k != k || se->d != d || data->d != d)
    GMOE_ERROR(GMOE_EINVAL, "the model has k = %zu, d = %zu but the data have d = %zu", k, d,
               data->d);
  if (np > GMOE_SE_MAX_PARAMS)
    GMOE_ERROR(GMOE_EINVAL, "%zu free parameters are too many for the information matrix "
               "(at most %d)", np, GMOE_SE_MAX_PARAMS);
  nf = gmoe_model_flat_size(k, d);
  se->np = np;
  se->tau_learned = tau_learned;
  se->status = GMOE_SE_SINGULAR;
  se->min_eig = se->max_eig = se->asym = se->grad = NAN;
  se->weak = 0;
  for (p = 0; p < nf; p++)
    se->se[p] = se->se_opg[p] = NAN;
  theta = malloc(np * sizeof(double));
  h = malloc(np * sizeof(double));
  sp = malloc(np * sizeof(double));
  sm = malloc(np * sizeof(double));
  score = malloc(np * sizeof(double));
  dscale = malloc(np * sizeof(double));
  hess = malloc(np * np * sizeof(double));
  opg = malloc(np * np * sizeof(double));
  w = gmoe_model_clone(m);
  c = gsl_matrix_alloc(np, np);
  evec = gsl_matrix_alloc(np, np);
  eval = gsl_vector_alloc(np);
  ws = gsl_eigen_symmv_alloc(np);
  if (!theta || !h || !sp || !sm || !score || !dscale || !hess || !opg || !w || !c || !evec || !eval
      || !ws) {
    gmoe_error_set("out of memory for the %zu x %zu information matrix", np, np);
    goto out;
  }
  ll = gmoe_se_score(m, data, tau_learned, score, opg);
  if (!isfinite(ll)) {
    status = GMOE_ENUMERIC;
    gmoe_error_set("the log-likelihood is not finite (%g) at the fitted parameters", ll);
    goto out;
  }
  gmoe_se_pack(m, tau_learned, theta);
  gmoe_se_steps(m, data, tau_learned, theta, h);
  /* Column q of the Hessian: central difference of the score. */
  for (q = 0; q < np; q++) {
    double t0 = theta[q];
    theta[q] = t0 + h[q];
    gmoe_se_unpack(w, tau_learned, theta);
    gmoe_se_score(w, data, tau_learned, sp, NULL);
    theta[q] = t0 - h[q];
    gmoe_se_unpack(w, tau_learned, theta);
    gmoe_se_score(w, data, tau_learned, sm, NULL);
    theta[q] = t0;
    for (p = 0; p < np; p++)
      hess[p * np + q] = (sp[p] - sm[p]) / (2.0 * h[q]);
  }
  /* The OPG cross-check needs only its own inverse. */
  for (p = 0; p < np; p++)
    dscale[p] = sqrt(opg[p * np + p]);
  for (p = 0; p < np && dscale[p] > 0.0; p++)
    ;
  if (p == np) {
    for (p = 0; p < np; p++)
      for (q = 0; q < np; q++)
        gsl_matrix_set(c, p, q, opg[p * np + q] / (dscale[p] * dscale[q]));
    if (gsl_eigen_symmv(c, eval, evec, ws) == 0 && gsl_vector_min(eval) > GMOE_SE_EIG_MIN)
      gmoe_se_fill(m, tau_learned, evec, eval, dscale, se->se_opg);
  }
  /* The observed information J = -H, scaled to unit diagonal. */
  for (p = 0; p < np; p++) {
    if (!(-hess[p * np + p] > 0.0) || !isfinite(hess[p * np + p])) {
      se->status = -hess[p * np + p] < 0.0 ? GMOE_SE_NOTMAX : GMOE_SE_SINGULAR;
      se->weak = gmoe_se_flat_index(k, d, tau_learned, p);
      status = GMOE_OK;
      goto out;
    }
    dscale[p] = sqrt(-hess[p * np + p]);
  }
  se->asym = se->grad = 0.0;
  for (p = 0; p < np; p++)
    se->grad = fmax(se->grad, fabs(score[p]) / dscale[p]);
  for (p = 0; p < np; p++)
    for (q = 0; q < np; q++) {
      double a = -hess[p * np + q] / (dscale[p] * dscale[q]);
      double b = -hess[q * np + p] / (dscale[p] * dscale[q]);
      se->asym = fmax(se->asym, fabs(a - b));
      gsl_matrix_set(c, p, q, 0.5 * (a + b));
    }
  if (gsl_eigen_symmv(c, eval, evec, ws) != 0) {
    status = GMOE_ENUMERIC;
    gmoe_error_set("the eigenvalues of the information matrix could not be computed");
    goto out;
  }
  se->min_eig = gsl_vector_min(eval);
  se->max_eig = gsl_vector_max(eval);
  {
    /* The parameter that weighs most in the direction of least information. */
    size_t qmin = gsl_vector_min_index(eval), pmax = 0;
    for (p = 1; p < np; p++)
      if (fabs(gsl_matrix_get(evec, p, qmin)) > fabs(gsl_matrix_get(evec, pmax, qmin)))
        pmax = p;
    se->weak = gmoe_se_flat_index(k, d, tau_learned, pmax);
  }
  status = GMOE_OK;
  thr = fmax(GMOE_SE_EIG_MIN, 10.0 * (double)np * se->asym);
  if (fabs(se->min_eig) <= thr) {
    se->status = GMOE_SE_SINGULAR;
    goto out;
  }
  if (fabs(se->min_eig) <= se->grad) {
    se->status = GMOE_SE_UNRESOLVED;
    goto out;
  }
  if (se->min_eig < 0.0) {
    se->status = GMOE_SE_NOTMAX;
    goto out;
  }
  gmoe_se_fill(m, tau_learned, evec, eval, dscale, se->se);
  se->status = GMOE_SE_OK;
out:
  free(theta);
  free(h);
  free(sp);
  free(sm);
  free(score);
  free(dscale);
  free(hess);
  free(opg);
  gmoe_model_free(w);
  gsl_matrix_free(c);
  gsl_matrix_free(evec);
  gsl_vector_free(eval);
  gsl_eigen_symmv_free(ws);
  return status;
}
