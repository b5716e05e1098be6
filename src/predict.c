/* predict.c: gate weights, expert and mixture moments, responsibilities. */
#include <config.h>
#include <math.h>
#include "predict.h"

/* Predict at one input: gate weights, expert means, mixture mean and
 * variance (the variance from centred terms, so that it stays accurate
 * when the means are large), most likely expert. */
void
gmoe_predict_at(const gmoe_model *m, const double *x, size_t stride, gmoe_prediction *p)
{
  double logg[GMOE_MAX_K], mean = 0.0, var = 0.0;
  size_t i, k = m->k;
  p->k = k;
  p->expert = 0;
  gmoe_model_log_gate(m, x, stride, logg);
  for (i = 0; i < k; i++) {
    p->gate[i] = exp(logg[i]);
    p->mean[i] = gmoe_model_expert_mean(m, i, x, stride);
    mean += p->gate[i] * p->mean[i];
    if (logg[i] > logg[p->expert])
      p->expert = i;
  }
  for (i = 0; i < k; i++) {
    double dev = p->mean[i] - mean;
    var += p->gate[i] * (m->nu[i] + dev * dev);
  }
  p->mix_mean = mean;
  p->mix_var = var;
}

/* Responsibilities of one observation, its hard assignment and log density. */
size_t
gmoe_predict_resp(const gmoe_model *m, const double *x, size_t stride, double y, double *r,
                  double *logpdf)
{
  double mx = -INFINITY, sum = 0.0, lse;
  size_t i, k = m->k, best = 0;
  gmoe_model_log_gate(m, x, stride, r);
  for (i = 0; i < k; i++) {
    double e = y - gmoe_model_expert_mean(m, i, x, stride);
    r[i] += -0.5 * (log(2.0 * M_PI * m->nu[i]) + e * e / m->nu[i]);
    if (r[i] > mx) {
      mx = r[i];
      best = i;
    }
  }
  for (i = 0; i < k; i++)
    sum += exp(r[i] - mx);
  lse = mx + log(sum);
  for (i = 0; i < k; i++)
    r[i] = exp(r[i] - lse);
  if (logpdf != NULL)
    *logpdf = lse;
  return best;
}
