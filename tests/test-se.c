/* test-se.c: unit tests of predictions, standardised fits and standard
 * errors (predict.c, scale.c, se.c). */
#include <config.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "em.h"
#include "error.h"
#include "model.h"
#include "predict.h"
#include "scale.h"
#include "se.h"
#include "sim.h"
#include "check.h"

/* Relative difference of a and b, with an absolute floor of 1. */
static double
test_rel(double a, double b)
{
  return fabs(a - b) / fmax(1.0, fmax(fabs(a), fabs(b)));
}

/* A k = 3, d = 2 model with a tanh gate and distinct values everywhere. */
static gmoe_model *
test_model3(void)
{
  gmoe_model *m = gmoe_model_alloc(3, 2);
  const double beta0[3] = { 0.4, -0.3, 0 }, beta1[6] = { 2.0, -1.0, -1.5, 0.7, 0, 0 };
  const double a[6] = { 1.0, 0.5, -0.8, 1.2, 0.3, -0.4 }, b[3] = { -1.0, 0.5, 2.0 };
  const double nu[3] = { 0.2, 0.3, 0.15 };
  m->act = GMOE_ACT_TANH;
  m->tau = 0.8;
  check_model_fill(m, beta0, beta1, a, b, nu);
  return m;
}

/* Predictions against a computation by hand at two inputs. */
static void
test_predict(void)
{
  gmoe_model *m = test_model3();
  const double xs[2][2] = { { 0.3, 0.9 }, { -1.0, 2.0 } };
  size_t c, i;
  for (c = 0; c < 2; c++) {
    const double *x = xs[c];
    double s[3], g[3], mu[3], sum = 0.0, mean = 0.0, second = 0.0, r[3], rs = 0.0, lp;
    gmoe_prediction p;
    size_t best = 0, hard;
    for (i = 0; i < 3; i++) {
      s[i] = tanh(m->beta1[2 * i] * x[0] + m->beta1[2 * i + 1] * x[1]) / m->tau + m->beta0[i];
      sum += exp(s[i]);
      mu[i] = m->a[2 * i] * x[0] + m->a[2 * i + 1] * x[1] + m->b[i];
    }
    for (i = 0; i < 3; i++) {
      g[i] = exp(s[i]) / sum;
      mean += g[i] * mu[i];
      second += g[i] * (m->nu[i] + mu[i] * mu[i]);
      if (g[i] > g[best])
        best = i;
    }
    gmoe_predict_at(m, x, 1, &p);
    for (i = 0; i < 3; i++)
      CHECK(fabs(p.gate[i] - g[i]) < 1e-14 && fabs(p.mean[i] - mu[i]) < 1e-14,
            "input %zu expert %zu: gate %.17g vs %.17g, mean %.17g vs %.17g", c, i, p.gate[i],
            g[i], p.mean[i], mu[i]);
    CHECK(fabs(p.mix_mean - mean) < 1e-13 && fabs(p.mix_var - (second - mean * mean)) < 1e-12,
          "input %zu: mixture mean %.17g vs %.17g, variance %.17g vs %.17g", c, p.mix_mean, mean,
          p.mix_var, second - mean * mean);
    CHECK(p.expert == best, "input %zu: most likely expert %zu, expected %zu", c, p.expert, best);
    /* Responsibilities at y = 0.7 by Bayes' rule. */
    hard = gmoe_predict_resp(m, x, 1, 0.7, r, &lp);
    best = 0;
    {
      double joint[3], tot = 0.0;
      for (i = 0; i < 3; i++) {
        double e = 0.7 - mu[i];
        joint[i] = g[i] * exp(-0.5 * e * e / m->nu[i]) / sqrt(2.0 * M_PI * m->nu[i]);
        tot += joint[i];
        if (joint[i] > joint[best])
          best = i;
      }
      for (i = 0; i < 3; i++) {
        CHECK(fabs(r[i] - joint[i] / tot) < 1e-13, "input %zu: r_%zu %.17g vs %.17g", c, i + 1,
              r[i], joint[i] / tot);
        rs += r[i];
      }
      CHECK(fabs(rs - 1.0) < 1e-14, "responsibilities sum to %.17g", rs);
      CHECK(hard == best, "hard assignment %zu, expected %zu", hard, best);
      CHECK(fabs(lp - log(tot)) < 1e-12, "log density %.17g vs %.17g", lp, log(tot));
    }
  }
  gmoe_model_free(m);
}

/* Standardising maps models forward and back exactly, keeps the
 * log-likelihood, and a standardised fit reaches the plain fit's maximum. */
static void
test_scale(void)
{
  gmoe_model *truth = gmoe_model_alloc(2, 2), *m, *c;
  gmoe_data *data, *z;
  gmoe_scale sc;
  gmoe_fit_opts o;
  gmoe_fit_result plain, std;
  size_t j, t, a;
  int act;
  truth->beta1[0] = 3.0;
  truth->beta1[1] = -2.0;
  data = check_draw(truth, 2000, 7, 0);
  /* Shift and stretch the inputs far from [0,1]. */
  for (t = 0; t < data->n; t++) {
    data->x[t] = 40.0 + 25.0 * data->x[t];
    data->x[data->n + t] = -3.0 + 0.01 * data->x[data->n + t];
  }
  for (act = 0; act < 2; act++) {
    gmoe_activation ac = act == 0 ? GMOE_ACT_IDENTITY : GMOE_ACT_TANH;
    gmoe_scale_compute(data, ac, &sc);
    CHECK(sc.centred == (ac == GMOE_ACT_IDENTITY), "%s: centred %d", gmoe_activation_name(ac),
          sc.centred);
    CHECK(fabs(sc.s[0] - 25.0 / sqrt(12.0)) < 0.05 * 25.0 / sqrt(12.0),
          "scale of input 1 %g, expected about %g", sc.s[0], 25.0 / sqrt(12.0));
    z = gmoe_scale_data(data, &sc);
    m = gmoe_model_alloc(2, 2);
    m->act = ac;
    m->tau = 0.7;
    m->beta0[0] = 0.3;
    m->beta1[0] = 1.5;
    m->beta1[1] = -0.5;
    m->a[0] = 0.4;
    m->a[3] = -0.2;
    c = gmoe_model_clone(m);
    gmoe_scale_model_forward(c, &sc);
    /* The standardised model on standardised data is the same density. */
    CHECK(test_rel(check_loglik(c, z), check_loglik(m, data)) < 1e-12,
          "%s: log-likelihood %.17g on standardised inputs vs %.17g", gmoe_activation_name(ac),
          check_loglik(c, z), check_loglik(m, data));
    gmoe_scale_model_back(c, &sc);
    for (j = 0; j < 2; j++)
      CHECK(fabs(c->beta0[j] - m->beta0[j]) < 1e-12 && fabs(c->b[j] - m->b[j]) < 1e-12
            && fabs(c->beta1[j] - m->beta1[j]) < 1e-12 && fabs(c->a[j] - m->a[j]) < 1e-12,
            "%s: forward then back does not give the model back", gmoe_activation_name(ac));
    gmoe_model_free(c);
    gmoe_model_free(m);
    gmoe_data_free(z);
    /* Standardised and plain fits from k-means reach the same maximum,
     * and the reported log-likelihood is that of the mapped-back model. */
    gmoe_fit_opts_default(&o);
    o.k = 2;
    o.act = ac;
    o.init = GMOE_INIT_KMEANS;
    o.restarts = 3;
    o.maxiter = 3000;
    o.tol = 1e-12;
    memset(&plain, 0, sizeof plain);
    memset(&std, 0, sizeof std);
    CHECK(gmoe_scale_fit(data, &o, truth, 0, NULL, NULL, &plain, NULL) == GMOE_OK,
          "plain fit failed: %s", gmoe_error_message());
    CHECK(gmoe_scale_fit(data, &o, truth, 1, NULL, NULL, &std, &sc) == GMOE_OK,
          "standardised fit failed: %s", gmoe_error_message());
    if (plain.model != NULL && std.model != NULL) {
      double lstd = check_loglik(std.model, data);
      CHECK(fabs(lstd - std.loglik) < 1e-8 * fabs(lstd), "%s: reported %.17g, mapped back %.17g",
            gmoe_activation_name(ac), std.loglik, lstd);
      CHECK(fabs(lstd - plain.loglik) < 1e-6 * fabs(lstd),
            "%s: standardised fit %.12g, plain fit %.12g", gmoe_activation_name(ac), lstd,
            plain.loglik);
      /* The last trace row is the reported model, mapped back too. */
      if (std.trace != NULL && std.trace->rows > 0) {
        double flat[64];
        const double *row = std.trace->v + (std.trace->rows - 1) * std.trace->cols;
        gmoe_model_flatten(std.model, flat);
        for (a = 0; a < gmoe_model_flat_size(2, 2); a++)
          CHECK(test_rel(row[2 + a], flat[a]) < 1e-9, "%s: trace value %zu %.17g vs model %.17g",
                gmoe_activation_name(ac), a, row[2 + a], flat[a]);
      }
    }
    gmoe_fit_result_clear(&plain);
    gmoe_fit_result_clear(&std);
  }
  gmoe_data_free(data);
  gmoe_model_free(truth);
}

/* The analytic score against central differences of the log-likelihood,
 * and the packing of free parameters. */
static void
test_score(void)
{
  gmoe_model *truth = test_model3(), *w;
  gmoe_data *data = check_draw(truth, 300, 3, 0);
  size_t np, p, learned;
  double theta[64], score[64], back[64], h = 1e-5;
  for (learned = 0; learned < 2; learned++) {
    np = gmoe_model_nparams(3, 2, (int)learned);
    w = gmoe_model_clone(truth);
    gmoe_se_pack(truth, (int)learned, theta);
    gmoe_se_unpack(w, (int)learned, theta);
    gmoe_se_pack(w, (int)learned, back);
    for (p = 0; p < np; p++)
      CHECK(fabs(back[p] - theta[p]) < 1e-15 * fmax(1.0, fabs(theta[p])),
            "pack/unpack changes parameter %zu", p);
    /* The flat index of each free parameter is where it sits in the flat vector. */
    {
      double flat[64];
      gmoe_model_flatten(truth, flat);
      for (p = 0; p < np; p++) {
        size_t f = gmoe_se_flat_index(3, 2, (int)learned, p);
        double v = f == 0 ? log(flat[0])
                   : (f - 1) % 7 == 6 ? log(flat[f]) : flat[f];
        CHECK(v == theta[p], "free parameter %zu maps to flat %zu (%g vs %g)", p, f, v,
              theta[p]);
      }
    }
    gmoe_se_score(truth, data, (int)learned, score, NULL);
    for (p = 0; p < np; p++) {
      double t0 = theta[p], lp, lm, fd;
      theta[p] = t0 + h;
      gmoe_se_unpack(w, (int)learned, theta);
      lp = gmoe_se_score(w, data, (int)learned, NULL, NULL);
      theta[p] = t0 - h;
      gmoe_se_unpack(w, (int)learned, theta);
      lm = gmoe_se_score(w, data, (int)learned, NULL, NULL);
      theta[p] = t0;
      fd = (lp - lm) / (2.0 * h);
      CHECK(fabs(fd - score[p]) < 1e-5 * fmax(1.0, fabs(fd)),
            "learned %zu: score %zu analytic %.10g, central difference %.10g", learned, p,
            score[p], fd);
    }
    CHECK(test_rel(gmoe_se_score(truth, data, (int)learned, NULL, NULL), check_loglik(truth, data))
          < 1e-13, "log-likelihood of gmoe_se_score differs from model.c's");
    gmoe_model_free(w);
  }
  gmoe_data_free(data);
  gmoe_model_free(truth);
}

/* Fit truth's data (seed, replicate) from the truth with options o. */
static int
test_fit(const gmoe_model *truth, const gmoe_fit_opts *o, size_t n, unsigned long rep,
         gmoe_data **data, gmoe_fit_result *res)
{
  *data = check_draw(truth, n, 11, rep);
  memset(res, 0, sizeof *res);
  return gmoe_fit(*data, o, truth, NULL, NULL, res);
}

/* A well-specified tanh model with learned temperature: the standard
 * errors match the spread of the estimates over replicates within a
 * factor of 1.5 (the spread of 40 replicates is known to about 11%). */
static void
test_se_replicates(void)
{
  enum { R = 40, N = 3000 };
  gmoe_model *truth = gmoe_model_alloc(2, 1);
  gmoe_fit_opts o;
  size_t nf = gmoe_model_flat_size(2, 1), f, r, ok = 0;
  double est[R][16], sesum[16] = { 0 };
  gmoe_se *se = gmoe_se_alloc(2, 1);
  truth->act = GMOE_ACT_TANH;
  truth->tau = 0.7;
  gmoe_fit_opts_default(&o);
  o.act = GMOE_ACT_TANH;
  o.temp = GMOE_TEMP_LEARN;
  o.tau = 0.7;
  o.tol = 1e-12;
  o.maxiter = 5000;
  o.record_trace = 0;
  for (r = 0; r < R; r++) {
    gmoe_data *data;
    gmoe_fit_result res;
    if (test_fit(truth, &o, N, r, &data, &res) != GMOE_OK) {
      CHECK(0, "replicate %zu: fit failed: %s", r, gmoe_error_message());
      gmoe_data_free(data);
      continue;
    }
    CHECK(gmoe_se_compute(res.model, data, 1, se) == GMOE_OK, "replicate %zu: %s", r,
          gmoe_error_message());
    CHECK(se->status == GMOE_SE_OK, "replicate %zu: status %d (smallest eigenvalue %g)", r,
          se->status, se->min_eig);
    if (se->status == GMOE_SE_OK) {
      gmoe_model_flatten(res.model, est[ok]);
      for (f = 0; f < nf; f++)
        sesum[f] += se->se[f];
      ok++;
    }
    gmoe_fit_result_clear(&res);
    gmoe_data_free(data);
  }
  for (f = 0; f < nf && ok > 2; f++) {
    double mean = 0.0, ss = 0.0, sd, ratio;
    char name[32];
    gmoe_model_flat_name(2, 1, f, name, sizeof name);
    if (isnan(sesum[f]))
      continue;   /* the reference expert's gate */
    for (r = 0; r < ok; r++)
      mean += est[r][f] / (double)ok;
    for (r = 0; r < ok; r++)
      ss += (est[r][f] - mean) * (est[r][f] - mean);
    sd = sqrt(ss / (double)(ok - 1));
    ratio = sesum[f] / (double)ok / sd;
    CHECK(ratio > 1.0 / 1.5 && ratio < 1.5, "%s: mean standard error %g, spread of estimates %g "
          "(ratio %.3f)", name, sesum[f] / (double)ok, sd, ratio);
  }
  CHECK(ok == R, "standard errors for %zu of %d replicates", ok, R);
  gmoe_se_free(se);
  gmoe_model_free(truth);
}

/* Identity gate with learned temperature: the information is singular
 * along (c beta1, c tau) at a tight tolerance, and never reported as
 * fine at the default one; the fixed-temperature fit of the same data is. */
static void
test_se_singular(void)
{
  gmoe_model *truth = gmoe_model_alloc(2, 1);
  gmoe_fit_opts o;
  gmoe_se *se = gmoe_se_alloc(2, 1);
  gmoe_data *data;
  gmoe_fit_result res;
  int pass;
  for (pass = 0; pass < 3; pass++) {
    gmoe_fit_opts_default(&o);
    o.temp = pass < 2 ? GMOE_TEMP_LEARN : GMOE_TEMP_FIXED;
    o.tol = pass == 1 ? 1e-8 : 1e-12;
    o.maxiter = 5000;
    if (test_fit(truth, &o, 2000, 0, &data, &res) != GMOE_OK) {
      CHECK(0, "fit failed: %s", gmoe_error_message());
      gmoe_data_free(data);
      continue;
    }
    CHECK(gmoe_se_compute(res.model, data, o.temp == GMOE_TEMP_LEARN, se) == GMOE_OK, "%s",
          gmoe_error_message());
    if (pass == 0) {
      CHECK(se->status == GMOE_SE_SINGULAR, "tol 1e-12: status %d, smallest eigenvalue %g, "
            "asymmetry %g, score %g", se->status, se->min_eig, se->asym, se->grad);
      CHECK(fabs(se->min_eig) < 1e-8, "tol 1e-12: smallest eigenvalue %g", se->min_eig);
      CHECK(se->weak == 0 || se->weak == 2, "the flat direction weighs most on flat parameter "
            "%zu, expected tau (0) or beta1_1 (2)", se->weak);
    } else if (pass == 1)
      CHECK(se->status == GMOE_SE_SINGULAR || se->status == GMOE_SE_UNRESOLVED,
            "tol 1e-8: status %d, smallest eigenvalue %g", se->status, se->min_eig);
    else
      CHECK(se->status == GMOE_SE_OK && se->min_eig > 1e-2,
            "fixed temperature: status %d, smallest eigenvalue %g", se->status, se->min_eig);
    gmoe_fit_result_clear(&res);
    gmoe_data_free(data);
  }
  gmoe_se_free(se);
  gmoe_model_free(truth);
}

int
main(void)
{
  gmoe_error_init();
  test_predict();
  test_scale();
  test_score();
  test_se_replicates();
  test_se_singular();
  return check_report("test-se");
}
