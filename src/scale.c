/* scale.c: standardised inputs for fitting, results on the original scale. */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "error.h"
#include "scale.h"

/* Compute the centres and scales of data's inputs for activation act. */
void
gmoe_scale_compute(const gmoe_data *data, gmoe_activation act, gmoe_scale *sc)
{
  size_t j, t, n = data->n;
  memset(sc, 0, sizeof *sc);
  sc->d = data->d;
  sc->centred = act == GMOE_ACT_IDENTITY;
  for (j = 0; j < data->d; j++) {
    const double *col = data->x + j * n;
    double mean = 0.0, ss = 0.0;
    for (t = 0; t < n; t++) {
      double delta = col[t] - mean;
      mean += delta / (double)(t + 1);
      ss += delta * (col[t] - mean);
    }
    sc->c[j] = sc->centred ? mean : 0.0;
    sc->s[j] = n > 0 && ss > 0.0 ? sqrt(ss / (double)n) : 1.0;
    if (!(sc->s[j] > 0.0) || !isfinite(sc->s[j]))
      sc->s[j] = 1.0;
  }
}

/* Return a copy of data with standardised inputs. */
gmoe_data *
gmoe_scale_data(const gmoe_data *data, const gmoe_scale *sc)
{
  size_t j, t, n = data->n, d = data->d;
  gmoe_data *z = gmoe_data_alloc(n, d);
  if (z == NULL)
    return NULL;
  for (j = 0; j < d; j++)
    for (t = 0; t < n; t++)
      z->x[j * n + t] = (data->x[j * n + t] - sc->c[j]) / sc->s[j];
  memcpy(z->y, data->y, n * sizeof(double));
  if (data->names != NULL) {
    z->names = calloc(d + 1, sizeof *z->names);
    if (z->names == NULL) {
      gmoe_data_free(z);
      GMOE_ERROR(NULL, "out of memory copying the data");
    }
    for (j = 0; j <= d; j++)
      if (data->names[j] != NULL && (z->names[j] = strdup(data->names[j])) == NULL) {
        gmoe_data_free(z);
        GMOE_ERROR(NULL, "out of memory copying the data");
      }
  }
  return z;
}

/* Map model m between scales: dir = +1 forward (original to
 * standardised), -1 back. */
static void
gmoe_scale_model_map(gmoe_model *m, const gmoe_scale *sc, int dir)
{
  size_t i, j, d = m->d;
  for (i = 0; i < m->k; i++) {
    double gshift = 0.0, eshift = 0.0;
    for (j = 0; j < d; j++) {
      double *g = &m->beta1[i * d + j], *a = &m->a[i * d + j];
      if (dir > 0) {
        /* beta1 and a on the original scale: the standardised ones are s times them. */
        gshift += *g * sc->c[j];
        eshift += *a * sc->c[j];
        *g *= sc->s[j];
        *a *= sc->s[j];
      } else {
        *g /= sc->s[j];
        *a /= sc->s[j];
        gshift -= *g * sc->c[j];
        eshift -= *a * sc->c[j];
      }
    }
    m->b[i] += eshift;
    if (sc->centred)
      m->beta0[i] += gshift / m->tau;
  }
}

/* Map model m from the original inputs to standardised ones. */
void
gmoe_scale_model_forward(gmoe_model *m, const gmoe_scale *sc)
{
  gmoe_scale_model_map(m, sc, 1);
}

/* Map model m from standardised inputs back to the original ones. */
void
gmoe_scale_model_back(gmoe_model *m, const gmoe_scale *sc)
{
  gmoe_scale_model_map(m, sc, -1);
}

/* Map every trace row back: each row is iteration, log-likelihood and a
 * flat model (tau, then per expert beta0, beta1[d], a[d], b, nu). */
void
gmoe_scale_trace_back(gmoe_trace *tr, const gmoe_scale *sc)
{
  size_t r, i, j, d = tr->d;
  for (r = 0; r < tr->rows; r++) {
    double *v = tr->v + r * tr->cols + 2, tau = v[0];
    for (i = 0; i < tr->k; i++) {
      double *e = v + 1 + i * (2 * d + 3), *beta1 = e + 1, *a = e + 1 + d;
      double gshift = 0.0, eshift = 0.0;
      for (j = 0; j < d; j++) {
        beta1[j] /= sc->s[j];
        a[j] /= sc->s[j];
        gshift -= beta1[j] * sc->c[j];
        eshift -= a[j] * sc->c[j];
      }
      e[2 * d + 1] += eshift;
      if (sc->centred)
        e[0] += gshift / tau;
    }
  }
}

/* Fit with or without standardised inputs (see scale.h). */
int
gmoe_scale_fit(const gmoe_data *data, const gmoe_fit_opts *opts, const gmoe_model *truth,
               int standardize, gmoe_fit_progress progress, void *user,
               gmoe_fit_result *res, gmoe_scale *sc)
{
  gmoe_scale local;
  gmoe_data *z;
  gmoe_model *start = NULL;
  size_t j;
  int status;
  if (sc == NULL)
    sc = &local;
  if (!standardize) {
    memset(sc, 0, sizeof *sc);
    sc->d = data->d;
    for (j = 0; j < data->d; j++)
      sc->s[j] = 1.0;
    return gmoe_fit(data, opts, truth, progress, user, res);
  }
  gmoe_scale_compute(data, opts->act, sc);
  z = gmoe_scale_data(data, sc);
  if (z == NULL)
    return GMOE_ENOMEM;
  if (truth != NULL && truth->d == data->d) {
    start = gmoe_model_clone(truth);
    if (start == NULL) {
      gmoe_data_free(z);
      GMOE_ERROR(GMOE_ENOMEM, "out of memory");
    }
    gmoe_scale_model_forward(start, sc);
  }
  status = gmoe_fit(z, opts, start != NULL ? start : truth, progress, user, res);
  gmoe_model_free(start);
  gmoe_data_free(z);
  if (status != GMOE_OK)
    return status;
  gmoe_scale_model_back(res->model, sc);
  if (res->trace != NULL)
    gmoe_scale_trace_back(res->trace, sc);
  return GMOE_OK;
}
