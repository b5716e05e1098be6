/* em.h: maximum likelihood by EM for the Gaussian mixture of experts.
 *
 * The caller owns the loop, GSL style:
 *
 *   gmoe_em *em = gmoe_em_alloc(data, &opts);        workspace, sized once
 *   gmoe_em_init(em, start);                         start model (copied)
 *   while ((status = gmoe_em_iterate(em)) == GMOE_OK
 *          && (status = gmoe_em_test(em)) == GMOE_CONTINUE)
 *     draw(em);                                      live view, interrupts
 *   gmoe_em_free(em);
 *
 * gmoe_fit() wraps initialisation, restarts and the loop, and calls a
 * progress callback between iterations.  No memory is allocated inside
 * an iteration (the trace grows geometrically, outside the numerics).
 * The data set is borrowed, never copied; it must outlive the workspace.
 */
#ifndef GMOE_EM_H
#define GMOE_EM_H

#include <stddef.h>
#include "data.h"
#include "model.h"

typedef enum { GMOE_TEMP_FIXED, GMOE_TEMP_LEARN, GMOE_TEMP_ANNEAL } gmoe_temp_mode;
typedef enum { GMOE_INIT_TRUTH, GMOE_INIT_KMEANS, GMOE_INIT_RANDOM } gmoe_init_method;

typedef struct gmoe_fit_opts {
  size_t k;                 /* experts in the fitted model */
  gmoe_activation act;      /* gate activation of the fitted model */
  gmoe_temp_mode temp;      /* fixed, learned or annealed temperature */
  double tau;               /* fixed value, or starting value when learned */
  double tau_start, tau_end;/* annealing schedule (geometric) ... */
  size_t anneal_iters;      /* ... over this many iterations, then tau_end */
  size_t maxiter;           /* iteration limit (0: evaluate the start only) */
  double tol;               /* stop when |dL| <= tol * |L| */
  gmoe_init_method init;    /* how each restart starts */
  size_t restarts;          /* number of starts, best log-likelihood kept (>= 1) */
  unsigned long seed;       /* seed of the initialisation stream */
  double var_floor;         /* variance floor, relative to var(y) */
  size_t gate_steps;        /* most Newton steps of the gate per iteration */
  double init_noise;        /* relative perturbation of the truth initialisation */
  int record_trace;         /* record every iteration's parameters */
  int accel;                /* SQUAREM acceleration (see gmoe_em_iterate) */
  size_t threads;           /* threads gmoe_fit runs restarts on (0: every online core) */
} gmoe_fit_opts;

/* Fill opts with the defaults: k = 2, identity, fixed tau = 1 (annealing
 * from 1 to 0.1 over 100 iterations when chosen), maxiter 500, tol 1e-8,
 * init truth, 1 restart, seed 1, floor 1e-6, 5 gate steps, noise 0.1,
 * trace on, acceleration on, 1 thread. */
void gmoe_fit_opts_default(gmoe_fit_opts *opts);

/* Check options for consistency; records a message naming the bad one. */
int gmoe_fit_opts_validate(const gmoe_fit_opts *opts);

/* Temperature the schedule gives at iteration it (1-based) for the
 * annealed mode: tau_start at the start (0) and iteration 1, geometric in
 * between, tau_end from iteration anneal_iters on; opts->tau otherwise. */
double gmoe_fit_opts_tau_at(const gmoe_fit_opts *opts, size_t it);

/* The trace: row r holds iteration, log-likelihood, then the flat model
 * vector (see gmoe_model_flatten), so cols = 2 + gmoe_model_flat_size. */
typedef struct gmoe_trace {
  size_t rows, cols, cap;
  size_t k, d;
  double *v; /* rows*cols, row-major */
} gmoe_trace;

gmoe_trace *gmoe_trace_alloc(size_t k, size_t d);
void gmoe_trace_free(gmoe_trace *tr);
/* Append a row for iteration it; returns GMOE_ENOMEM when growth fails. */
int gmoe_trace_append(gmoe_trace *tr, size_t it, double loglik, const gmoe_model *m);

typedef struct gmoe_em gmoe_em;

/* Allocate an EM workspace for data and options (borrowed).  Returns NULL
 * and records a message on failure (invalid options, too little data,
 * out of memory). */
gmoe_em *gmoe_em_alloc(const gmoe_data *data, const gmoe_fit_opts *opts);

/* Free a workspace; NULL is a no-op. */
void gmoe_em_free(gmoe_em *em);

/* Start from a copy of model start (k and d must match; its activation is
 * replaced by opts->act and, unless learned from it, its tau by the
 * schedule); computes the starting log-likelihood and resets the trace. */
int gmoe_em_init(gmoe_em *em, const gmoe_model *start);

/* One EM iteration (E-step, expert M-step, gate M-step).  Returns GMOE_OK,
 * or an error (GMOE_ENUMERIC) with a message.
 *
 * With opts->accel (and not while the temperature is annealed), the
 * iterations go in SQUAREM cycles of two: after the second EM step of a
 * cycle, theta0 -> theta1 -> theta2, the point theta0 - 2 alpha r +
 * alpha^2 v (r = theta1 - theta0, v = theta2 - 2 theta1 + theta0, alpha =
 * -|r|/|v|, at most 4 at first and four times more after each full-length
 * step kept) is evaluated in coordinates without constraints (log tau, log
 * nu) and replaces theta2 when its log-likelihood is at least theta2's
 * (after one shorter try, alpha halfway to -1, theta2 stays).  Every
 * iteration therefore still ends at a model whose log-likelihood is its
 * own and never below the one before; an extrapolated point costs one
 * gate pass and one E-step more (two more when it is refused). */
int gmoe_em_iterate(gmoe_em *em);

/* Convergence test after an iteration: GMOE_CONTINUE, GMOE_OK when the
 * relative change of the log-likelihood is below tol (never during
 * annealing), GMOE_ENOCONV when maxiter is reached. */
int gmoe_em_test(const gmoe_em *em);

/* Accessors for front ends (all borrowed, valid until the next call). */
const gmoe_model *gmoe_em_model(const gmoe_em *em);
double gmoe_em_loglik(const gmoe_em *em);
double gmoe_em_prev_loglik(const gmoe_em *em);
size_t gmoe_em_iteration(const gmoe_em *em);
const gmoe_trace *gmoe_em_trace(const gmoe_em *em);
/* Number of experts whose variance sits at the floor after the last M-step. */
size_t gmoe_em_floor_count(const gmoe_em *em);
/* Number of experts whose total responsibility fell below 1e-8 * n. */
size_t gmoe_em_empty_count(const gmoe_em *em);
/* Number of experts whose least-squares system was singular (constant or
 * collinear inputs under their responsibilities) and was solved with a
 * tiny ridge in the last M-step. */
size_t gmoe_em_ridge_count(const gmoe_em *em);
/* Passes over the data since gmoe_em_init: E-steps and gate evaluations
 * (for benchmarks and live views). */
void gmoe_em_counts(const gmoe_em *em, size_t *esteps, size_t *gate_passes);
/* Responsibilities r_ti of the last E-step, r[i*n + t] (k*n values).  For
 * the identity gate the E-step does not keep them (its M-step does not
 * need them): the first call after an iteration computes them, in one pass
 * over the data. */
const double *gmoe_em_resp(const gmoe_em *em);

/* Build a starting model for restart number `restart` by opts->init, with
 * its own random stream (from opts->seed and restart).  truth may be NULL
 * unless init is GMOE_INIT_TRUTH, which multiplies every parameter of the
 * true atoms by 1 + init_noise U(-1, 1) (nu by exp(init_noise U(-1, 1)));
 * over-specified fits (k > truth->k) split true atoms so every true atom
 * gets one, the copies sharing its weight exp(beta0); k < truth->k keeps
 * the atoms of largest mean gate probability.  kmeans, the start from the
 * data: on the data, or on a stratified subsample of 4000 observations
 * when there are more, 6 candidates: the first clusters by k-means (k-means++
 * seeding and Lloyd on the standardised (x, y)), the others by k-lines
 * seeding (k-means++ over lines: each seed line is the least-squares line
 * of the 10(d+1) observations nearest in the standardised (x, y) to an
 * observation drawn with probability proportional to its squared residual
 * from the nearest line so far); each candidate's clusters are refined by
 * up to 30 rounds of k-regressions (each observation moves to the line
 * under which its residual is likeliest, the lines are refitted), give an
 * expert per cluster, gate intercepts from the cluster sizes and slopes 0,
 * and then up to 20 EM iterations on the (sub)sample (to a relative change
 * of 1e-6); the candidate with the highest log-likelihood after them, among
 * those with no expert at the variance floor when there are any, is the
 * start.  The search stops early when a candidate converges to the best
 * log-likelihood so far (within 1e-6), reached by a converged candidate.  random: k
 * observations' y as flat experts with variance var(y) and a uniform gate.  The last
 * expert is the reference; the temperature is opts->tau (tau_start when
 * annealed; a learned fit from the truth starts at the truth's, perturbed). */
int gmoe_em_start(const gmoe_data *data, const gmoe_fit_opts *opts, const gmoe_model *truth,
                  size_t restart, gmoe_model *start);

/* Progress callback of gmoe_fit: called after every iteration (restart is
 * 0-based); return non-zero to stop the fit, keeping the best so far. */
typedef int (*gmoe_fit_progress)(const gmoe_em *em, size_t restart, void *user);

typedef struct gmoe_fit_result {
  gmoe_model *model;      /* best fitted model (owned) */
  gmoe_trace *trace;      /* trace of the best restart (owned, may be NULL) */
  double loglik;          /* its log-likelihood */
  size_t iterations;      /* its iteration count */
  int status;             /* GMOE_OK converged, GMOE_ENOCONV, GMOE_EINTR */
  size_t best_restart;    /* 0-based */
  size_t floor_count;     /* experts at the variance floor at the end */
  size_t empty_count;     /* experts with no responsibility at the end */
  double seconds;         /* wall time of the whole fit */
} gmoe_fit_result;

/* Fit data by EM with restarts, keeping the best log-likelihood.  progress
 * may be NULL.  On success res owns a model and a trace; release them with
 * gmoe_fit_result_clear.  Returns GMOE_OK (see res->status for how it
 * ended) or an error with a message.
 *
 * With opts->threads other than 1 and several restarts, the restarts are
 * shared among threads (the calling one included).  Each restart depends
 * only on its number and the best is chosen as in one thread (the highest
 * log-likelihood, the lowest restart number among equals), so the result
 * is the same bit for bit, except after an interrupt or when memory runs
 * out.  progress is only ever called on the calling thread: after each
 * iteration of the restarts it runs, and every 50 ms with its last one
 * while it waits for the others; when it asks to stop, the other threads
 * stop after their current iteration. */
int gmoe_fit(const gmoe_data *data, const gmoe_fit_opts *opts, const gmoe_model *truth,
             gmoe_fit_progress progress, void *user, gmoe_fit_result *res);

/* Free what a fit result owns and zero it. */
void gmoe_fit_result_clear(gmoe_fit_result *res);

/* Gate objective Q(theta) = sum_t sum_i r_ti s_i(x_t) - lse_j s_j(x_t) for
 * model m and responsibilities r (k*n) and, when grad is not NULL, its
 * gradient with respect to (beta0_i, beta1_i) for i < k-1, ordered per
 * expert, followed by d/dlog(tau) when with_tau is set.  Exposed for
 * tests (finite differences). */
double gmoe_em_gate_q(const gmoe_model *m, const gmoe_data *data, const double *r,
                      int with_tau, double *grad);

/* The same Q with its gradient (np entries, as above) and Hessian (np x np,
 * row-major), np = (k-1)(d+1) plus one with_tau.  Exposed for tests. */
double gmoe_em_gate_hessian(const gmoe_model *m, const gmoe_data *data, const double *r,
                            int with_tau, double *grad, double *hess);

/* The same computed by the blocked passes of the fast path (NAN when
 * memory runs out).  Exposed for tests comparing the two. */
double gmoe_em_gate_blocked(const gmoe_model *m, const gmoe_data *data, const double *r,
                            int with_tau, double *grad, double *hess);

/* Use the plain per-observation computations (plain != 0), the reference
 * the blocked passes are tested against, or the blocked passes (the
 * default), from the next gmoe_em_init on. */
void gmoe_em_set_plain(gmoe_em *em, int plain);

#endif
