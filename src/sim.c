/* sim.c: reproducible simulation from a true model (GSL random numbers). */
#include <config.h>
#include <math.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include "error.h"
#include "sim.h"

/* Mix a 64-bit value (splitmix64 finaliser). */
unsigned long long
gmoe_sim_mix(unsigned long long z)
{
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* Derive the stream seed of data set (seed, n, replicate). */
unsigned long
gmoe_sim_stream_seed(unsigned long seed, size_t n, unsigned long replicate)
{
  unsigned long long h = gmoe_sim_mix((unsigned long long)seed);
  h = gmoe_sim_mix(h ^ (unsigned long long)n);
  h = gmoe_sim_mix(h ^ (unsigned long long)replicate);
  return (unsigned long)h;
}

/* Fill data with x uniform on [0,1]^d and y drawn from the truth. */
int
gmoe_sim_draw(const gmoe_model *truth, unsigned long seed, unsigned long replicate,
              gmoe_data *data)
{
  size_t n = data->n, d = data->d, t, j, i;
  double logg[GMOE_MAX_K];
  gsl_rng *rng;
  int status = gmoe_model_validate(truth);
  if (status != GMOE_OK)
    return status;
  if (d != truth->d)
    GMOE_ERROR(GMOE_EINVAL, "the data have %zu inputs but the truth has d = %zu", d, truth->d);
  rng = gsl_rng_alloc(gsl_rng_mt19937);
  if (rng == NULL)
    GMOE_ERROR(GMOE_ENOMEM, "out of memory");
  gsl_rng_set(rng, gmoe_sim_stream_seed(seed, n, replicate) & 0xffffffffUL);
  for (t = 0; t < n; t++) {
    double u, c = 0.0;
    for (j = 0; j < d; j++)
      data->x[j * n + t] = gsl_rng_uniform(rng);
    gmoe_model_log_gate(truth, data->x + t, n, logg);
    u = gsl_rng_uniform(rng);
    for (i = 0; i + 1 < truth->k; i++) {
      c += exp(logg[i]);
      if (u < c)
        break;
    }
    data->y[t] = gmoe_model_expert_mean(truth, i, data->x + t, n)
                 + gsl_ran_gaussian_ziggurat(rng, sqrt(truth->nu[i]));
  }
  gsl_rng_free(rng);
  return GMOE_OK;
}
