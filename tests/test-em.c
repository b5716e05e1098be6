/* test-em.c: unit tests of the EM engine (gradients, monotonicity,
 * recovery of simulated truths, initialisation, interrupts, schedules). */
#include <config.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_rng.h>
#include "em.h"
#include "error.h"
#include "loss.h"
#include "model.h"
#include "sim.h"
#include "check.h"

/* Options, validation messages and the annealing schedule. */
static void
test_opts(void)
{
  gmoe_fit_opts o;
  gmoe_fit_opts_default(&o);
  CHECK(gmoe_fit_opts_validate(&o) == GMOE_OK, "defaults do not validate: %s",
        gmoe_error_message());
  CHECK(o.k == 2 && o.maxiter == 500 && o.tol == 1e-8 && o.restarts == 1 && o.seed == 1
        && o.var_floor == 1e-6 && o.gate_steps == 5 && o.init_noise == 0.1 && o.record_trace
        && o.accel
        && o.tau == 1.0 && o.temp == GMOE_TEMP_FIXED && o.init == GMOE_INIT_TRUTH,
        "unexpected default options");
  CHECK(gmoe_fit_opts_tau_at(&o, 7) == 1.0, "fixed mode schedule should return tau");
  o.k = 0;
  CHECK(gmoe_fit_opts_validate(&o) == GMOE_EINVAL
        && strstr(gmoe_error_message(), "k (number of experts)") != NULL,
        "k = 0 accepted or badly reported: '%s'", gmoe_error_message());
  o.k = 2;
  o.restarts = 0;
  CHECK(gmoe_fit_opts_validate(&o) == GMOE_EINVAL && strstr(gmoe_error_message(), "restarts"),
        "restarts = 0 accepted");
  o.restarts = 1;
  o.temp = GMOE_TEMP_ANNEAL;
  o.tau_start = 2.0;
  o.tau_end = 0.5;
  o.anneal_iters = 5;
  CHECK(gmoe_fit_opts_validate(&o) == GMOE_OK, "anneal options rejected");
  /* Geometric from 2 (iteration 1) to 0.5 (iteration 5): ratio 0.25^(1/4). */
  CHECK(gmoe_fit_opts_tau_at(&o, 0) == 2.0, "tau_at(0) = %g", gmoe_fit_opts_tau_at(&o, 0));
  CHECK(gmoe_fit_opts_tau_at(&o, 1) == 2.0, "tau_at(1) = %g", gmoe_fit_opts_tau_at(&o, 1));
  CHECK(fabs(gmoe_fit_opts_tau_at(&o, 2) - 2.0 * pow(0.25, 0.25)) < 1e-14, "tau_at(2) = %.17g",
        gmoe_fit_opts_tau_at(&o, 2));
  CHECK(fabs(gmoe_fit_opts_tau_at(&o, 3) - 1.0) < 1e-14, "tau_at(3) = %.17g",
        gmoe_fit_opts_tau_at(&o, 3));
  CHECK(gmoe_fit_opts_tau_at(&o, 5) == 0.5, "tau_at(5) = %g", gmoe_fit_opts_tau_at(&o, 5));
  CHECK(gmoe_fit_opts_tau_at(&o, 50) == 0.5, "tau_at(50) = %g", gmoe_fit_opts_tau_at(&o, 50));
  o.tau_end = -1.0;
  CHECK(gmoe_fit_opts_validate(&o) == GMOE_EINVAL && strstr(gmoe_error_message(), "end"),
        "negative end temperature accepted");
}

/* The trace grows and stores rows as documented. */
static void
test_trace(void)
{
  gmoe_model *m = gmoe_model_alloc(2, 1);
  gmoe_trace *tr = gmoe_trace_alloc(2, 1);
  double flat[32];
  size_t it, j;
  CHECK(tr->cols == 2 + gmoe_model_flat_size(2, 1), "trace has %zu columns", tr->cols);
  for (it = 0; it < 200; it++) {
    m->b[0] = (double)it;
    CHECK(gmoe_trace_append(tr, it, -(double)it, m) == GMOE_OK, "append failed");
  }
  CHECK(tr->rows == 200 && tr->cap >= 200, "rows %zu cap %zu", tr->rows, tr->cap);
  gmoe_model_flatten(m, flat);
  for (j = 0; j < gmoe_model_flat_size(2, 1); j++)
    CHECK(tr->v[199 * tr->cols + 2 + j] == flat[j], "trace column %zu", j);
  CHECK(tr->v[57 * tr->cols] == 57.0 && tr->v[57 * tr->cols + 1] == -57.0
        && tr->v[57 * tr->cols + 2 + 1 + 3] == 57.0, "row 57 wrong");
  gmoe_trace_free(tr);
  gmoe_trace_free(NULL);
  gmoe_model_free(m);
}

/* Analytic gradient and Hessian of the gate objective against central
 * finite differences, for every activation, with and without log tau. */
static void
test_gradient(void)
{
  size_t k = 3, d = 2, n = 300, t, i, p, q, np;
  gmoe_model *truth = gmoe_model_alloc(k, d), *m = gmoe_model_alloc(k, d);
  gmoe_data *data = check_draw(truth, n, 11, 0);
  double *r = malloc(k * n * sizeof(double));
  double grad[16], gp[16], gm[16], hess[256];
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  int act, with_tau;
  gsl_rng_set(rng, 5);
  for (t = 0; t < n; t++) {
    double s = 0.0;
    for (i = 0; i < k; i++)
      s += (r[i * n + t] = 0.05 + gsl_rng_uniform(rng));
    for (i = 0; i < k; i++)
      r[i * n + t] /= s;
  }
  m->beta0[0] = 0.3;
  m->beta0[1] = -0.7;
  m->beta1[0] = 1.3;
  m->beta1[1] = -0.8;
  m->beta1[2] = -1.1;
  m->beta1[3] = 2.2;
  m->tau = 0.7;
  for (act = 0; act < GMOE_ACT_COUNT; act++)
    for (with_tau = 0; with_tau <= 1; with_tau++) {
      double q0;
      m->act = (gmoe_activation)act;
      np = (k - 1) * (d + 1) + (size_t)with_tau;
      q0 = gmoe_em_gate_hessian(m, data, r, with_tau, grad, hess);
      CHECK(fabs(q0 - gmoe_em_gate_q(m, data, r, with_tau, NULL)) <= 1e-12 * fabs(q0),
            "Q differs between the two entry points");
      for (p = 0; p < np; p++) {
        /* Perturb parameter p (the gate vector order: beta0_i, beta1_i, log tau). */
        double h = 1e-5, save, fd, qp, qm;
        double *slot = p == (k - 1) * (d + 1) ? NULL
                       : (p % (d + 1) == 0 ? &m->beta0[p / (d + 1)]
                                           : &m->beta1[(p / (d + 1)) * d + p % (d + 1) - 1]);
        if (slot != NULL) {
          save = *slot;
          *slot = save + h;
          qp = gmoe_em_gate_q(m, data, r, with_tau, gp);
          *slot = save - h;
          qm = gmoe_em_gate_q(m, data, r, with_tau, gm);
          *slot = save;
        } else {
          save = m->tau;
          m->tau = save * exp(h);
          qp = gmoe_em_gate_q(m, data, r, with_tau, gp);
          m->tau = save * exp(-h);
          qm = gmoe_em_gate_q(m, data, r, with_tau, gm);
          m->tau = save;
        }
        fd = (qp - qm) / (2.0 * h);
        /* Relative tolerance 1e-6 (absolute below 1). */
        CHECK(fabs(fd - grad[p]) <= 1e-6 * fmax(1.0, fabs(grad[p])),
              "%s tau=%d: dQ/dtheta_%zu analytic %.10g finite difference %.10g",
              gmoe_activation_name(m->act), with_tau, p, grad[p], fd);
        for (q = 0; q < np; q++) {
          double hfd = (gp[q] - gm[q]) / (2.0 * h);
          /* Relative tolerance 1e-5 (absolute below 1). */
          CHECK(fabs(hfd - hess[q * np + p]) <= 1e-5 * fmax(1.0, fabs(hfd)),
                "%s tau=%d: d2Q/dtheta_%zu dtheta_%zu analytic %.10g finite difference %.10g",
                gmoe_activation_name(m->act), with_tau, q, p, hess[q * np + p], hfd);
        }
      }
    }
  gsl_rng_free(rng);
  free(r);
  gmoe_data_free(data);
  gmoe_model_free(m);
  gmoe_model_free(truth);
}

/* The log-likelihood never decreases across iterations and agrees with a
 * direct evaluation of the model. */
static void
test_monotone(void)
{
  int act, temp, accel;
  size_t k;
  for (accel = 0; accel < 2; accel++)
  for (act = 0; act < 2; act++)
    for (temp = 0; temp < 2; temp++)
      for (k = 2; k <= 3; k++) {
        gmoe_model *truth = gmoe_model_alloc(k, 1), *start = gmoe_model_alloc(k, 1);
        gmoe_data *data;
        gmoe_fit_opts o;
        gmoe_em *em;
        size_t it;
        double prev;
        const char *an = act ? "tanh" : "identity";
        truth->act = act ? GMOE_ACT_TANH : GMOE_ACT_IDENTITY;
        data = check_draw(truth, 3000, 21 + k, 0);
        gmoe_fit_opts_default(&o);
        o.k = k;
        o.act = truth->act;
        o.temp = temp ? GMOE_TEMP_LEARN : GMOE_TEMP_FIXED;
        o.init = GMOE_INIT_KMEANS;
        o.seed = 3;
        o.accel = accel;
        em = gmoe_em_alloc(data, &o);
        CHECK(em != NULL, "alloc: %s", gmoe_error_message());
        CHECK(gmoe_em_start(data, &o, NULL, 0, start) == GMOE_OK, "start: %s",
              gmoe_error_message());
        CHECK(gmoe_em_init(em, start) == GMOE_OK, "init: %s", gmoe_error_message());
        prev = gmoe_em_loglik(em);
        for (it = 1; it <= 80; it++) {
          double ll, direct;
          if (gmoe_em_iterate(em) != GMOE_OK) {
            CHECK(0, "%s temp=%d k=%zu: iteration %zu failed: %s", an, temp, k, it,
                  gmoe_error_message());
            break;
          }
          ll = gmoe_em_loglik(em);
          CHECK(ll >= prev - 1e-9 * fabs(prev),
                "%s temp=%d k=%zu accel=%d: log-likelihood fell at iteration %zu: %.15g -> %.15g",
                an, temp, k, accel, it, prev, ll);
          CHECK(gmoe_em_prev_loglik(em) == prev, "prev_loglik wrong");
          direct = check_loglik(gmoe_em_model(em), data);
          CHECK(fabs(direct - ll) <= 1e-10 * fabs(ll),
                "%s temp=%d k=%zu: E-step log-likelihood %.15g, direct %.15g", an, temp, k, ll,
                direct);
          prev = ll;
        }
        CHECK(gmoe_em_iteration(em) == 80, "iteration count %zu", gmoe_em_iteration(em));
        CHECK(gmoe_em_trace(em)->rows == 81, "trace rows %zu", gmoe_em_trace(em)->rows);
        gmoe_em_free(em);
        gmoe_data_free(data);
        gmoe_model_free(start);
        gmoe_model_free(truth);
      }
}

/* Match fitted atoms to true atoms: the Voronoi cells of loss.c. */
static void
test_match(const gmoe_model *fit, const gmoe_model *truth, size_t *cell)
{
  gmoe_loss_cells(fit, truth, cell);
}

/* Recovery of the default truth (identity and tanh gates, k = 2, 3,
 * d = 1, 2, fixed temperature) from n = 20000 simulated observations. */
static void
test_recovery(void)
{
  size_t k, d, i, j;
  int act;
  for (act = 0; act < 2; act++)
    for (k = 2; k <= 3; k++)
      for (d = 1; d <= 2; d++) {
        gmoe_model *truth = gmoe_model_alloc(k, d);
        gmoe_data *data;
        gmoe_fit_opts o;
        gmoe_fit_result res;
        size_t cell[GMOE_MAX_K], hit[GMOE_MAX_K] = {0};
        double ltrue, e_b0 = 0, e_b1 = 0, e_a = 0, e_b = 0, e_nu = 0;
        const char *an = act ? "tanh" : "identity";
        int st;
        truth->act = act ? GMOE_ACT_TANH : GMOE_ACT_IDENTITY;
        data = check_draw(truth, 20000, 100 + 10 * k + d, 0);
        gmoe_fit_opts_default(&o);
        o.k = k;
        o.act = truth->act;
        o.seed = 7;
        st = gmoe_fit(data, &o, truth, NULL, NULL, &res);
        CHECK(st == GMOE_OK && res.status == GMOE_OK,
              "%s k=%zu d=%zu: fit status %d/%d: %s", an, k, d, st, res.status,
              gmoe_error_message());
        if (st != GMOE_OK)
          continue;
        ltrue = check_loglik(truth, data);
        CHECK(res.loglik >= ltrue - 1e-6 * fabs(ltrue),
              "%s k=%zu d=%zu: fitted log-likelihood %.10g below the truth's %.10g", an, k, d,
              res.loglik, ltrue);
        test_match(res.model, truth, cell);
        for (i = 0; i < k; i++) {
          const gmoe_model *f = res.model;
          size_t c = cell[i];
          hit[c]++;
          e_b0 = fmax(e_b0, fabs(f->beta0[i] - truth->beta0[c]));
          e_b = fmax(e_b, fabs(f->b[i] - truth->b[c]));
          e_nu = fmax(e_nu, fabs(f->nu[i] / truth->nu[c] - 1.0));
          for (j = 0; j < d; j++) {
            e_b1 = fmax(e_b1, fabs(f->beta1[i * d + j] - truth->beta1[c * d + j]));
            e_a = fmax(e_a, fabs(f->a[i * d + j] - truth->a[c * d + j]));
          }
        }
        for (j = 0; j < k; j++)
          CHECK(hit[j] == 1, "%s k=%zu d=%zu: true atom %zu matched %zu times", an, k, d, j,
                hit[j]);
        /* Tolerances: a few standard errors at n = 20000 (an expert sees a
         * narrow range of x, so a and beta1 are the loosest; tanh(4x)
         * saturates, so its beta1 is weakly identified). */
        CHECK(e_b0 <= 0.5 && e_b1 <= (act ? 2.0 : 1.0) && e_a <= 0.3 && e_b <= 0.1
              && e_nu <= 0.1,
              "%s k=%zu d=%zu: errors beta0 %.3g beta1 %.3g a %.3g b %.3g nu(rel) %.3g", an, k,
              d, e_b0, e_b1, e_a, e_b, e_nu);
        if (getenv("GMOE_TEST_VERBOSE"))
          printf("%s k=%zu d=%zu: %zu its %.3fs errors beta0 %.3g beta1 %.3g a %.3g b %.3g "
                 "nu %.3g dL %.3g\n", an, k, d, res.iterations, res.seconds, e_b0, e_b1, e_a,
                 e_b, e_nu, res.loglik - ltrue);
        gmoe_fit_result_clear(&res);
        gmoe_data_free(data);
        gmoe_model_free(truth);
      }
}

/* Truth initialisation: splitting atoms when k > k*, keeping the
 * heaviest when k < k*, and a density unchanged by the split. */
static void
test_start_truth(void)
{
  size_t ks = 2, k, i, j, t;
  int act;
  for (act = 0; act < 2; act++)
    for (k = 3; k <= 5; k += 2) {
      gmoe_model *truth = gmoe_model_alloc(ks, 1), *start = gmoe_model_alloc(k, 1);
      gmoe_data *data;
      gmoe_fit_opts o;
      size_t copies[2] = {0, 0};
      double w[2] = {0, 0};
      truth->act = act ? GMOE_ACT_TANH : GMOE_ACT_IDENTITY;
      data = check_draw(truth, 200, 3, 0);
      gmoe_fit_opts_default(&o);
      o.k = k;
      o.act = truth->act;
      o.init_noise = 0.0;
      CHECK(gmoe_em_start(data, &o, truth, 0, start) == GMOE_OK, "start: %s",
            gmoe_error_message());
      CHECK(start->beta0[k - 1] == 0.0 && start->beta1[k - 1] == 0.0,
            "the last expert is not the reference");
      for (i = 0; i < k; i++)
        for (j = 0; j < ks; j++)
          if (start->b[i] == truth->b[j] && start->a[i] == truth->a[j]
              && start->nu[i] == truth->nu[j]) {
            copies[j]++;
            w[j] += exp(start->beta0[i]);
          }
      CHECK(copies[0] + copies[1] == k && copies[0] >= 1 && copies[1] >= 1,
            "k=%zu: copies %zu and %zu", k, copies[0], copies[1]);
      CHECK(copies[0] == (k + 1) / 2, "k=%zu: %zu copies of atom 1", k, copies[0]);
      /* Cell weights keep the truth's ratio exp(beta0*_1) / exp(beta0*_2). */
      CHECK(fabs(w[0] / w[1] - exp(truth->beta0[0])) < 1e-12, "k=%zu: cell weight ratio %.15g",
            k, w[0] / w[1]);
      for (t = 0; t < data->n; t++) {
        double a = gmoe_model_logpdf(start, data->x + t, data->n, data->y[t]);
        double b = gmoe_model_logpdf(truth, data->x + t, data->n, data->y[t]);
        if (fabs(a - b) > 1e-12 * (1.0 + fabs(b))) {
          CHECK(0, "%s k=%zu: split start density differs at obs %zu: %.15g vs %.15g",
                gmoe_activation_name(truth->act), k, t, a, b);
          break;
        }
      }
      gmoe_data_free(data);
      gmoe_model_free(start);
      gmoe_model_free(truth);
    }
  {
    /* k < k*: the two heaviest of three atoms. */
    gmoe_model *truth = gmoe_model_alloc(3, 1), *start = gmoe_model_alloc(2, 1);
    gmoe_data *data = check_draw(truth, 2000, 4, 0);
    gmoe_fit_opts o;
    double w[3] = {0, 0, 0}, logg[3];
    size_t lightest = 0;
    for (t = 0; t < data->n; t++) {
      gmoe_model_log_gate(truth, data->x + t, data->n, logg);
      for (j = 0; j < 3; j++)
        w[j] += exp(logg[j]);
    }
    for (j = 1; j < 3; j++)
      if (w[j] < w[lightest])
        lightest = j;
    gmoe_fit_opts_default(&o);
    o.k = 2;
    o.init_noise = 0.0;
    CHECK(gmoe_em_start(data, &o, truth, 0, start) == GMOE_OK, "start: %s",
          gmoe_error_message());
    for (i = 0, j = 0; j < 3; j++)
      if (j != lightest) {
        CHECK(start->b[i] == truth->b[j], "k < k*: expert %zu has b %g, want %g", i,
              start->b[i], truth->b[j]);
        i++;
      }
    gmoe_data_free(data);
    gmoe_model_free(start);
    gmoe_model_free(truth);
  }
  {
    /* An over-specified fit from a split start reaches at least the truth's likelihood. */
    gmoe_model *truth = gmoe_model_alloc(2, 1);
    gmoe_data *data = check_draw(truth, 5000, 9, 0);
    gmoe_fit_opts o;
    gmoe_fit_result res;
    double ltrue = check_loglik(truth, data);
    gmoe_fit_opts_default(&o);
    o.k = 3;
    o.maxiter = 300;
    CHECK(gmoe_fit(data, &o, truth, NULL, NULL, &res) == GMOE_OK, "fit: %s",
          gmoe_error_message());
    CHECK(res.loglik >= ltrue, "over-specified fit %.10g below the truth %.10g", res.loglik,
          ltrue);
    CHECK(res.model->k == 3 && res.trace != NULL && res.trace->rows == res.iterations + 1,
          "trace rows %zu for %zu iterations", res.trace ? res.trace->rows : 0, res.iterations);
    gmoe_fit_result_clear(&res);
    gmoe_data_free(data);
    gmoe_model_free(truth);
  }
}

struct test_stop {
  size_t calls[4];
  double last[4];
};

/* Progress callback: record each restart's log-likelihood and stop in the
 * fourth iteration of the second restart. */
static int
test_stop_cb(const gmoe_em *em, size_t restart, void *user)
{
  struct test_stop *s = user;
  s->calls[restart]++;
  s->last[restart] = gmoe_em_loglik(em);
  return restart == 1 && gmoe_em_iteration(em) == 4;
}

/* A callback interrupt ends the fit with GMOE_EINTR and keeps the best. */
static void
test_interrupt(void)
{
  gmoe_model *truth = gmoe_model_alloc(3, 1);
  gmoe_data *data = check_draw(truth, 2000, 17, 0);
  gmoe_fit_opts o;
  gmoe_fit_result res;
  struct test_stop s;
  double best;
  memset(&s, 0, sizeof s);
  gmoe_fit_opts_default(&o);
  o.k = 3;
  o.init = GMOE_INIT_RANDOM;
  o.restarts = 3;
  o.maxiter = 50;
  CHECK(gmoe_fit(data, &o, NULL, test_stop_cb, &s, &res) == GMOE_OK, "fit: %s",
        gmoe_error_message());
  CHECK(res.status == GMOE_EINTR, "status %d, want GMOE_EINTR", res.status);
  CHECK(s.calls[1] == 4 && s.calls[2] == 0, "callback calls %zu, %zu", s.calls[1], s.calls[2]);
  if (res.best_restart == 0)
    CHECK(s.calls[0] == res.iterations, "first restart: %zu calls for %zu iterations",
          s.calls[0], res.iterations);
  best = fmax(s.last[0], s.last[1]);
  CHECK(res.loglik == best, "kept log-likelihood %.15g, best seen %.15g", res.loglik, best);
  CHECK(res.best_restart == (s.last[1] > s.last[0] ? 1u : 0u), "best restart %zu",
        res.best_restart);
  CHECK(fabs(check_loglik(res.model, data) - res.loglik) <= 1e-10 * fabs(res.loglik),
        "kept model does not have the kept log-likelihood");
  CHECK(res.seconds > 0.0, "no time measured");
  gmoe_fit_result_clear(&res);
  CHECK(res.model == NULL && res.trace == NULL, "clear left pointers");
  gmoe_data_free(data);
  gmoe_model_free(truth);
}

/* An expert with no responsibility keeps its parameters without NaN; a
 * constant input gets a ridge. */
static void
test_degenerate(void)
{
  gmoe_model *truth = gmoe_model_alloc(2, 2), *start = gmoe_model_alloc(3, 2);
  gmoe_data *data = check_draw(truth, 1000, 8, 0);
  gmoe_fit_opts o;
  gmoe_em *em;
  size_t t, i;
  double l0;
  gmoe_fit_opts_default(&o);
  o.k = 3;
  em = gmoe_em_alloc(data, &o);
  CHECK(em != NULL, "alloc: %s", gmoe_error_message());
  for (i = 0; i < 2; i++) {
    start->beta0[i + 1] = truth->beta0[i];
    start->a[(i + 1) * 2] = truth->a[i * 2];
    start->a[(i + 1) * 2 + 1] = truth->a[i * 2 + 1];
    start->b[i + 1] = truth->b[i];
    start->nu[i + 1] = truth->nu[i];
    start->beta1[(i + 1) * 2] = truth->beta1[i * 2];
    start->beta1[(i + 1) * 2 + 1] = truth->beta1[i * 2 + 1];
  }
  start->beta0[0] = -2000.0;
  start->beta1[0] = start->beta1[1] = 0.0;
  start->b[0] = 1e3;
  start->a[0] = start->a[1] = 0.0;
  start->nu[0] = 1.0;
  CHECK(gmoe_em_init(em, start) == GMOE_OK, "init: %s", gmoe_error_message());
  l0 = gmoe_em_loglik(em);
  CHECK(gmoe_em_iterate(em) == GMOE_OK, "iterate: %s", gmoe_error_message());
  CHECK(gmoe_em_empty_count(em) == 1, "empty count %zu", gmoe_em_empty_count(em));
  CHECK(gmoe_em_model(em)->b[0] == 1e3 && gmoe_em_model(em)->nu[0] == 1.0,
        "the empty expert changed");
  CHECK(gmoe_model_validate(gmoe_em_model(em)) == GMOE_OK, "model invalid: %s",
        gmoe_error_message());
  CHECK(gmoe_em_loglik(em) >= l0, "log-likelihood fell with an empty expert");
  gmoe_em_free(em);
  /* Input 2 constant: every expert's system is singular. */
  for (t = 0; t < data->n; t++)
    data->x[data->n + t] = 0.5;
  o.k = 2;
  em = gmoe_em_alloc(data, &o);
  start = (gmoe_model_free(start), gmoe_model_alloc(2, 2));
  CHECK(gmoe_em_init(em, start) == GMOE_OK, "init: %s", gmoe_error_message());
  l0 = gmoe_em_loglik(em);
  CHECK(gmoe_em_iterate(em) == GMOE_OK, "iterate: %s", gmoe_error_message());
  CHECK(gmoe_em_ridge_count(em) == 2, "ridge count %zu", gmoe_em_ridge_count(em));
  CHECK(gmoe_model_validate(gmoe_em_model(em)) == GMOE_OK, "model invalid: %s",
        gmoe_error_message());
  CHECK(gmoe_em_loglik(em) >= l0, "log-likelihood fell with a constant input");
  gmoe_em_free(em);
  /* Constant y is refused. */
  for (t = 0; t < data->n; t++)
    data->y[t] = 2.0;
  CHECK(gmoe_em_alloc(data, &o) == NULL && strstr(gmoe_error_message(), "y is constant"),
        "constant y accepted: '%s'", gmoe_error_message());
  gmoe_data_free(data);
  gmoe_model_free(start);
  gmoe_model_free(truth);
}

/* An annealed fit follows the schedule and ends at tau_end. */
static void
test_anneal(void)
{
  gmoe_model *truth = gmoe_model_alloc(2, 1);
  gmoe_data *data = check_draw(truth, 2000, 31, 0);
  gmoe_fit_opts o;
  gmoe_fit_result res;
  size_t r;
  gmoe_fit_opts_default(&o);
  o.temp = GMOE_TEMP_ANNEAL;
  o.tau_start = 4.0;
  o.tau_end = 1.0;
  o.anneal_iters = 30;
  CHECK(gmoe_fit(data, &o, truth, NULL, NULL, &res) == GMOE_OK, "fit: %s",
        gmoe_error_message());
  CHECK(res.iterations >= 30, "annealed fit stopped at %zu < 30 iterations", res.iterations);
  CHECK(res.model->tau == 1.0, "final tau %g", res.model->tau);
  for (r = 0; r < res.trace->rows; r++) {
    const double *row = res.trace->v + r * res.trace->cols;
    double want = gmoe_fit_opts_tau_at(&o, (size_t)row[0]);
    CHECK(row[2] == want, "trace row %zu: tau %.17g, schedule %.17g", r, row[2], want);
  }
  gmoe_fit_result_clear(&res);
  gmoe_data_free(data);
  gmoe_model_free(truth);
}

/* k-means and random starts lead to the truth on well separated data. */
static void
test_other_starts(void)
{
  gmoe_model *truth = gmoe_model_alloc(2, 1);
  gmoe_data *data = check_draw(truth, 5000, 41, 0);
  int init;
  double ltrue = check_loglik(truth, data);
  for (init = GMOE_INIT_KMEANS; init <= GMOE_INIT_RANDOM; init++) {
    gmoe_fit_opts o;
    gmoe_fit_result res;
    size_t cell[2];
    gmoe_fit_opts_default(&o);
    o.init = (gmoe_init_method)init;
    o.restarts = 3;
    CHECK(gmoe_fit(data, &o, NULL, NULL, NULL, &res) == GMOE_OK, "fit: %s",
          gmoe_error_message());
    test_match(res.model, truth, cell);
    CHECK(cell[0] != cell[1], "init %d: both experts on one true atom", init);
    CHECK(fabs(res.model->b[0] - truth->b[cell[0]]) < 0.05
          && fabs(res.model->b[1] - truth->b[cell[1]]) < 0.05,
          "init %d: b %g %g", init, res.model->b[0], res.model->b[1]);
    CHECK(res.loglik >= ltrue - 1e-6 * fabs(ltrue), "init %d: loglik %.10g < truth %.10g",
          init, res.loglik, ltrue);
    gmoe_fit_result_clear(&res);
  }
  gmoe_data_free(data);
  gmoe_model_free(truth);
}

/* The data-driven start (init kmeans, one restart) reaches the
 * log-likelihood of a fit from the truth, to 1e-6 relative, on well
 * separated k = 3 and 4 experts with d = 1 and 2 over several seeds, and
 * on the data of the flexmix benchmark, where a plain k-means start on
 * (x, y) stopped in poorer maxima.  Starts are reproducible per (seed,
 * restart). */
static void
test_data_start(void)
{
  size_t k, d, rep;
  unsigned long seed;
  for (k = 3; k <= 4; k++)
    for (d = 1; d <= 2; d++)
      for (seed = 1; seed <= 5; seed++)
        for (rep = 0; rep < (k == 3 && d == 1 ? 2u : 1u); rep++) {
          gmoe_model *truth = gmoe_model_alloc(k, d);
          gmoe_data *data;
          gmoe_fit_opts o;
          gmoe_fit_result rt, rk;
          /* The benchmark's k = 3 truth: parallel lines 6 apart, the
           * middle one falling, the gate of the upper two alike. */
          if (rep == 1) {
            truth->beta0[1] = truth->beta1[1] = 0.0;
            truth->a[1] = -1.0;
            truth->b[0] = -2.0;
            truth->b[1] = 2.0;
          }
          data = check_draw(truth, 2000, 500 + seed, 0);
          gmoe_fit_opts_default(&o);
          o.k = k;
          o.maxiter = 2000;
          o.record_trace = 0;
          CHECK(gmoe_fit(data, &o, truth, NULL, NULL, &rt) == GMOE_OK, "truth fit: %s",
                gmoe_error_message());
          o.init = GMOE_INIT_KMEANS;
          o.seed = seed;
          CHECK(gmoe_fit(data, &o, NULL, NULL, NULL, &rk) == GMOE_OK, "data start fit: %s",
                gmoe_error_message());
          if (rt.model != NULL && rk.model != NULL)
            CHECK(rk.loglik >= rt.loglik - 1e-6 * fabs(rt.loglik),
                  "k=%zu d=%zu seed %lu%s: from the data %.10g (%zu iterations), from the "
                  "truth %.10g", k, d, seed, rep ? " (benchmark truth)" : "", rk.loglik,
                  rk.iterations, rt.loglik);
          gmoe_fit_result_clear(&rt);
          gmoe_fit_result_clear(&rk);
          if (k == 3 && d == 2 && seed == 1) {
            gmoe_model *s0 = gmoe_model_alloc(k, d), *s1 = gmoe_model_alloc(k, d);
            double f0[64], f1[64];
            size_t nf = gmoe_model_flat_size(k, d);
            CHECK(gmoe_em_start(data, &o, NULL, 1, s0) == GMOE_OK
                  && gmoe_em_start(data, &o, NULL, 1, s1) == GMOE_OK, "start: %s",
                  gmoe_error_message());
            gmoe_model_flatten(s0, f0);
            gmoe_model_flatten(s1, f1);
            CHECK(memcmp(f0, f1, nf * sizeof(double)) == 0, "two starts of restart 1 differ");
            gmoe_model_free(s0);
            gmoe_model_free(s1);
          }
          gmoe_data_free(data);
          gmoe_model_free(truth);
        }
}

/* The model of trace row r (see gmoe_model_flatten) into m. */
static void
test_trace_model(const gmoe_trace *tr, size_t r, gmoe_model *m)
{
  const double *v = tr->v + r * tr->cols + 2;
  size_t i, j, d = m->d;
  m->tau = *v++;
  for (i = 0; i < m->k; i++) {
    m->beta0[i] = *v++;
    for (j = 0; j < d; j++)
      m->beta1[i * d + j] = *v++;
    for (j = 0; j < d; j++)
      m->a[i * d + j] = *v++;
    m->b[i] = *v++;
    m->nu[i] = *v++;
  }
}

/* SQUAREM: on overlapping experts (variances 1 and 2, where plain EM
 * crawls), from the same start, the accelerated fit reaches plain EM's
 * log-likelihood (to 1e-7 relative, both at tol 1e-10) in at most half its
 * iterations, for fixed and learned temperatures and the tanh gate; its
 * trace has a row per iteration whose log-likelihood is that of the row's
 * own model and never falls. */
static void
test_accel(void)
{
  int act, temp;
  for (act = 0; act < 2; act++)
    for (temp = 0; temp < 2; temp++) {
      gmoe_model *truth = gmoe_model_alloc(3, 1), *start = gmoe_model_alloc(3, 1);
      gmoe_model *row = gmoe_model_alloc(3, 1);
      gmoe_data *data;
      gmoe_fit_opts o;
      size_t its[2], r, i;
      double ll[2];
      int accel;
      truth->act = act ? GMOE_ACT_TANH : GMOE_ACT_IDENTITY;
      for (i = 0; i < 3; i++)
        truth->nu[i] = i == 1 ? 2.0 : 1.0;
      data = check_draw(truth, 4000, 77, 0);
      gmoe_fit_opts_default(&o);
      o.k = 3;
      o.act = truth->act;
      o.temp = temp ? GMOE_TEMP_LEARN : GMOE_TEMP_FIXED;
      o.tol = 1e-10;
      o.maxiter = 5000;
      o.init = GMOE_INIT_RANDOM;
      CHECK(gmoe_em_start(data, &o, NULL, 0, start) == GMOE_OK, "start: %s",
            gmoe_error_message());
      for (accel = 0; accel < 2; accel++) {
        gmoe_em *em;
        const gmoe_trace *tr;
        int st;
        o.accel = accel;
        em = gmoe_em_alloc(data, &o);
        CHECK(em != NULL && gmoe_em_init(em, start) == GMOE_OK, "init: %s",
              gmoe_error_message());
        if (em == NULL)
          continue;
        while ((st = gmoe_em_iterate(em)) == GMOE_OK && (st = gmoe_em_test(em)) == GMOE_CONTINUE)
          ;
        CHECK(st == GMOE_OK, "%s temp=%d accel=%d: EM ended with %d after %zu iterations",
              gmoe_activation_name(o.act), temp, accel, st, gmoe_em_iteration(em));
        its[accel] = gmoe_em_iteration(em);
        ll[accel] = gmoe_em_loglik(em);
        tr = gmoe_em_trace(em);
        CHECK(tr->rows == its[accel] + 1, "trace rows %zu for %zu iterations", tr->rows,
              its[accel]);
        row->act = o.act;
        for (r = 0; r < tr->rows; r += (r < 40 ? 1 : 7)) {
          double lr = tr->v[r * tr->cols + 1], direct;
          test_trace_model(tr, r, row);
          direct = check_loglik(row, data);
          CHECK(tr->v[r * tr->cols] == (double)r, "trace row %zu has iteration %g", r,
                tr->v[r * tr->cols]);
          CHECK(fabs(direct - lr) <= 1e-10 * fabs(lr),
                "%s temp=%d accel=%d: trace row %zu log-likelihood %.15g, its model's %.15g",
                gmoe_activation_name(o.act), temp, accel, r, lr, direct);
          if (r > 0)
            CHECK(lr >= tr->v[(r - 1) * tr->cols + 1] - 1e-9 * fabs(lr),
                  "%s temp=%d accel=%d: log-likelihood fell at iteration %zu",
                  gmoe_activation_name(o.act), temp, accel, r);
        }
        gmoe_em_free(em);
      }
      CHECK(fabs(ll[1] - ll[0]) <= 1e-7 * fabs(ll[0]),
            "%s temp=%d: accelerated EM at %.12g, plain EM at %.12g",
            gmoe_activation_name(o.act), temp, ll[1], ll[0]);
      CHECK(2 * its[1] <= its[0], "%s temp=%d: accelerated EM took %zu iterations, plain EM %zu",
            gmoe_activation_name(o.act), temp, its[1], its[0]);
      if (getenv("GMOE_TEST_VERBOSE"))
        printf("accel %s temp=%d: %zu vs %zu iterations, loglik %.12g vs %.12g\n",
               gmoe_activation_name(o.act), temp, its[1], its[0], ll[1], ll[0]);
      gmoe_data_free(data);
      gmoe_model_free(truth);
      gmoe_model_free(start);
      gmoe_model_free(row);
    }
}

/* State of the progress callback of test_threads. */
struct test_progress {
  pthread_t caller;       /* the thread that called gmoe_fit */
  size_t calls, foreign;  /* calls, and calls from another thread */
  size_t stop_after;      /* ask to stop at this call (0: never) */
};

/* Progress callback counting its calls and the threads they come from. */
static int
test_progress_cb(const gmoe_em *em, size_t restart, void *user)
{
  struct test_progress *p = user;
  (void)em;
  (void)restart;
  p->calls++;
  if (!pthread_equal(pthread_self(), p->caller))
    p->foreign++;
  return p->stop_after != 0 && p->calls >= p->stop_after;
}

/* Restarts on 2, 3 and 8 threads give the serial result bit for bit
 * (model, log-likelihood, iterations, best restart, trace), for the data
 * start and the truth start; progress is only called on the calling
 * thread; a stop asked by progress ends every thread's restart. */
static void
test_threads(void)
{
  gmoe_model *truth = gmoe_model_alloc(3, 2);
  gmoe_data *data = check_draw(truth, 3000, 91, 0);
  size_t threads[3] = {2, 3, 8}, ti, nf = gmoe_model_flat_size(3, 2);
  int init;
  for (init = 0; init < 2; init++) {
    gmoe_fit_opts o;
    gmoe_fit_result ser, par;
    struct test_progress pr = {0};
    gmoe_fit_opts_default(&o);
    o.k = 3;
    o.restarts = 7;
    o.init = init ? GMOE_INIT_KMEANS : GMOE_INIT_TRUTH;
    o.init_noise = 0.5;
    o.seed = 5;
    CHECK(gmoe_fit(data, &o, truth, NULL, NULL, &ser) == GMOE_OK, "serial fit: %s",
          gmoe_error_message());
    for (ti = 0; ti < 3; ti++) {
      double f0[64], f1[64];
      o.threads = threads[ti];
      pr.caller = pthread_self();
      pr.calls = pr.foreign = 0;
      CHECK(gmoe_fit(data, &o, truth, test_progress_cb, &pr, &par) == GMOE_OK,
            "fit on %zu threads: %s", threads[ti], gmoe_error_message());
      if (ser.model == NULL || par.model == NULL)
        continue;
      gmoe_model_flatten(ser.model, f0);
      gmoe_model_flatten(par.model, f1);
      CHECK(memcmp(f0, f1, nf * sizeof(double)) == 0 && ser.loglik == par.loglik
              && ser.iterations == par.iterations && ser.best_restart == par.best_restart
              && ser.status == par.status,
            "init %d, %zu threads: loglik %.17g (restart %zu, %zu iterations), serial %.17g "
            "(restart %zu, %zu iterations)", init, threads[ti], par.loglik, par.best_restart,
            par.iterations, ser.loglik, ser.best_restart, ser.iterations);
      CHECK(par.trace != NULL && ser.trace != NULL && par.trace->rows == ser.trace->rows
              && memcmp(par.trace->v, ser.trace->v,
                        ser.trace->rows * ser.trace->cols * sizeof(double)) == 0,
            "init %d, %zu threads: the trace differs from the serial one", init, threads[ti]);
      CHECK(pr.calls > 0 && pr.foreign == 0,
            "init %d, %zu threads: %zu progress calls, %zu from another thread", init,
            threads[ti], pr.calls, pr.foreign);
      gmoe_fit_result_clear(&par);
    }
    gmoe_fit_result_clear(&ser);
  }
  {
    /* Overlapping experts, so that every restart runs for a while. */
    gmoe_fit_opts o;
    gmoe_fit_result res;
    struct test_progress pr = {0};
    size_t i;
    gmoe_data *slow;
    for (i = 0; i < 3; i++)
      truth->nu[i] = 3.0;
    slow = check_draw(truth, 3000, 92, 0);
    gmoe_fit_opts_default(&o);
    o.k = 3;
    o.restarts = 40;
    o.threads = 2;
    o.init = GMOE_INIT_RANDOM;
    o.tol = 0.0;
    o.maxiter = 200;
    pr.caller = pthread_self();
    pr.stop_after = 3;
    CHECK(gmoe_fit(slow, &o, NULL, test_progress_cb, &pr, &res) == GMOE_OK, "stopped fit: %s",
          gmoe_error_message());
    CHECK(res.status == GMOE_EINTR && res.iterations < o.maxiter && pr.foreign == 0,
          "a stopped fit on 2 threads: status %d, %zu iterations, %zu foreign progress calls",
          res.status, res.iterations, pr.foreign);
    gmoe_fit_result_clear(&res);
    gmoe_data_free(slow);
  }
  gmoe_data_free(data);
  gmoe_model_free(truth);
}

/* Largest |a_i - b_i| relative to the largest |b_i| (or 1). */
static double
test_reldiff(const double *a, const double *b, size_t len)
{
  double mx = 1.0, df = 0.0;
  size_t i;
  for (i = 0; i < len; i++) {
    mx = fmax(mx, fabs(b[i]));
    df = fmax(df, fabs(a[i] - b[i]));
  }
  return df / mx;
}

/* The blocked gate pass agrees with the plain computation of Q, its
 * gradient and Hessian: every activation, with and without log tau,
 * d = 1, 2 (fused kernels) and 5 (general path), n not a multiple of the
 * block size. */
static void
test_blocked_gate(void)
{
  size_t k = 3, n = 1037, ds[3] = {1, 2, 5}, di, t, i;
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(rng, 77);
  for (di = 0; di < 3; di++) {
    size_t d = ds[di], np = (k - 1) * (d + 1) + 1, j;
    gmoe_model *truth = gmoe_model_alloc(k, d), *m = gmoe_model_alloc(k, d);
    gmoe_data *data = check_draw(truth, n, 5 + d, 0);
    double *r = malloc(k * n * sizeof(double)), *g1 = malloc(np * sizeof(double));
    double *g2 = malloc(np * sizeof(double)), *h1 = malloc(np * np * sizeof(double));
    double *h2 = malloc(np * np * sizeof(double));
    int act, with_tau;
    for (t = 0; t < n; t++) {
      double s = 0.0;
      for (i = 0; i < k; i++)
        s += (r[i * n + t] = 0.01 + gsl_rng_uniform(rng));
      for (i = 0; i < k; i++)
        r[i * n + t] /= s;
    }
    for (i = 0; i + 1 < k; i++) {
      m->beta0[i] = gsl_rng_uniform(rng) - 0.5;
      for (j = 0; j < d; j++)
        m->beta1[i * d + j] = 3.0 * (gsl_rng_uniform(rng) - 0.5);
    }
    m->tau = 0.8;
    for (act = 0; act < GMOE_ACT_COUNT; act++)
      for (with_tau = 0; with_tau <= 1; with_tau++) {
        size_t npw = np - (with_tau ? 0 : 1);
        double q1, q2;
        m->act = (gmoe_activation)act;
        q1 = gmoe_em_gate_hessian(m, data, r, with_tau, g1, h1);
        q2 = gmoe_em_gate_blocked(m, data, r, with_tau, g2, h2);
        /* Tolerances: a few hundred roundings of sums of n terms. */
        CHECK(fabs(q2 - q1) <= 1e-12 * fabs(q1), "%s d=%zu tau=%d: blocked Q %.17g plain %.17g",
              gmoe_activation_name(m->act), d, with_tau, q2, q1);
        CHECK(test_reldiff(g2, g1, npw) <= 1e-11, "%s d=%zu tau=%d: gradients differ by %.3g",
              gmoe_activation_name(m->act), d, with_tau, test_reldiff(g2, g1, npw));
        CHECK(test_reldiff(h2, h1, npw * npw) <= 1e-11,
              "%s d=%zu tau=%d: Hessians differ by %.3g", gmoe_activation_name(m->act), d,
              with_tau, test_reldiff(h2, h1, npw * npw));
      }
    free(r);
    free(g1);
    free(g2);
    free(h1);
    free(h2);
    gmoe_data_free(data);
    gmoe_model_free(m);
    gmoe_model_free(truth);
  }
  gsl_rng_free(rng);
}

/* EM by the blocked passes follows the plain per-observation EM: the same
 * log-likelihood at every iteration, the same responsibilities and model. */
static void
test_blocked_em(void)
{
  size_t ds[3] = {1, 2, 5}, di, k;
  int acts[3] = {GMOE_ACT_IDENTITY, GMOE_ACT_TANH, GMOE_ACT_SOFTPLUS}, ai, temp;
  for (di = 0; di < 3; di++)
    for (k = 2; k <= 3; k++)
      for (ai = 0; ai < 3; ai++)
        for (temp = 0; temp < 3; temp++) {
          size_t d = ds[di], n = 1037, it;
          gmoe_model *truth = gmoe_model_alloc(k, d), *start = gmoe_model_alloc(k, d);
          gmoe_data *data;
          gmoe_fit_opts o;
          gmoe_em *fast, *plain;
          double f1[512], f2[512];
          size_t nf = gmoe_model_flat_size(k, d);
          truth->act = (gmoe_activation)acts[ai];
          data = check_draw(truth, n, 300 + d + k, 0);
          gmoe_fit_opts_default(&o);
          o.k = k;
          o.act = truth->act;
          o.temp = (gmoe_temp_mode)temp;
          o.tau_start = 2.0;
          o.tau_end = 0.5;
          o.anneal_iters = 8;
          o.init = GMOE_INIT_RANDOM;
          o.seed = 4;
          fast = gmoe_em_alloc(data, &o);
          plain = gmoe_em_alloc(data, &o);
          CHECK(gmoe_em_start(data, &o, NULL, 0, start) == GMOE_OK, "start: %s",
                gmoe_error_message());
          gmoe_em_set_plain(plain, 1);
          CHECK(gmoe_em_init(fast, start) == GMOE_OK && gmoe_em_init(plain, start) == GMOE_OK,
                "init: %s", gmoe_error_message());
          /* The first iteration starts from the same state: agreement to
           * rounding.  Later ones may differ in a decision to take a gate
           * step (a threshold on the Newton decrement), so they agree less
           * tightly.  A learned temperature, whose ridge in (beta1, tau)
           * makes the gate's Newton system ill-conditioned, is compared
           * over one iteration only, less tightly. */
          for (it = 0; it <= (temp == GMOE_TEMP_LEARN ? 1u : 12u); it++) {
            double lf = gmoe_em_loglik(fast), lp = gmoe_em_loglik(plain), rm, rr;
            int strict = it <= 1 && temp != GMOE_TEMP_LEARN;
            double tol_l = strict ? 1e-12 : 1e-8, tol_m = strict ? 1e-9 : 1e-6;
            gmoe_model_flatten(gmoe_em_model(fast), f1);
            gmoe_model_flatten(gmoe_em_model(plain), f2);
            rm = test_reldiff(f1, f2, nf);
            rr = test_reldiff(gmoe_em_resp(fast), gmoe_em_resp(plain), k * n);
            if (!(fabs(lf - lp) <= tol_l * fabs(lp)) || !(rm <= tol_m) || !(rr <= tol_m)) {
              CHECK(0, "%s temp=%d k=%zu d=%zu: iteration %zu: log-likelihoods %.15g and "
                    "%.15g, models differ by %.3g, responsibilities by %.3g",
                    gmoe_activation_name(o.act), temp, k, d, it, lf, lp, rm, rr);
              break;
            }
            if (it == (temp == GMOE_TEMP_LEARN ? 1u : 12u))
              break;
            CHECK(gmoe_em_iterate(fast) == GMOE_OK && gmoe_em_iterate(plain) == GMOE_OK,
                  "iterate: %s", gmoe_error_message());
          }
          gmoe_em_free(fast);
          gmoe_em_free(plain);
          gmoe_data_free(data);
          gmoe_model_free(start);
          gmoe_model_free(truth);
        }
}

/* One expert is ordinary least squares: a and b solve the normal
 * equations and nu is the mean squared residual, for every temperature
 * mode and a data set smaller than one block. */
static void
test_one_expert(void)
{
  gmoe_model *truth = gmoe_model_alloc(2, 1);
  gmoe_data *data = check_draw(truth, 50, 2, 0);
  int temp;
  double sx = 0, sy = 0, sxx = 0, sxy = 0, a, b, nu = 0.0;
  size_t t, n = data->n;
  for (t = 0; t < n; t++) {
    sx += data->x[t];
    sy += data->y[t];
  }
  sx /= (double)n;
  sy /= (double)n;
  for (t = 0; t < n; t++) {
    sxx += (data->x[t] - sx) * (data->x[t] - sx);
    sxy += (data->x[t] - sx) * (data->y[t] - sy);
  }
  a = sxy / sxx;
  b = sy - a * sx;
  for (t = 0; t < n; t++)
    nu += (data->y[t] - a * data->x[t] - b) * (data->y[t] - a * data->x[t] - b) / (double)n;
  for (temp = 0; temp < 3; temp++) {
    gmoe_fit_opts o;
    gmoe_fit_result res;
    gmoe_fit_opts_default(&o);
    o.k = 1;
    o.init = GMOE_INIT_KMEANS;
    o.temp = (gmoe_temp_mode)temp;
    o.anneal_iters = 3;
    CHECK(gmoe_fit(data, &o, NULL, NULL, NULL, &res) == GMOE_OK, "k=1 fit: %s",
          gmoe_error_message());
    if (res.model == NULL)
      continue;
    CHECK(fabs(res.model->a[0] - a) <= 1e-10 * fabs(a) && fabs(res.model->b[0] - b) <= 1e-10
          && fabs(res.model->nu[0] / nu - 1.0) <= 1e-10,
          "temp=%d: k=1 fit a %.15g b %.15g nu %.15g, least squares %.15g %.15g %.15g", temp,
          res.model->a[0], res.model->b[0], res.model->nu[0], a, b, nu);
    CHECK(fabs(res.loglik + 0.5 * (double)n * (log(2.0 * M_PI * nu) + 1.0))
            <= 1e-10 * fabs(res.loglik),
          "temp=%d: k=1 log-likelihood %.15g", temp, res.loglik);
    gmoe_fit_result_clear(&res);
  }
  gmoe_data_free(data);
  gmoe_model_free(truth);
}

/* Run every test; exit status 1 when any check failed. */
int
main(void)
{
  gmoe_error_init();
  test_opts();
  test_trace();
  test_gradient();
  test_blocked_gate();
  test_blocked_em();
  test_monotone();
  test_recovery();
  test_start_truth();
  test_interrupt();
  test_degenerate();
  test_one_expert();
  test_anneal();
  test_other_starts();
  test_data_start();
  test_accel();
  test_threads();
  return check_report("test-em");
}
