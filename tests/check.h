/* check.h: what the C unit tests share: the failure counter, CHECK and
 * CHECK_CLOSE (which name the file and line of a failed check), the final
 * report, a data set drawn from a model, a model filled from arrays and a
 * file read into a string.  Include it once, from the test's own .c file. */
#ifndef GMOE_TESTS_CHECK_H
#define GMOE_TESTS_CHECK_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "data.h"
#include "error.h"
#include "model.h"
#include "sim.h"

/* Number of failed checks so far. */
static int failures;

/* Count a failure and print FILE:LINE and the printf-style message when
 * cond is false. */
#define CHECK(cond, ...)                                        \
  do {                                                          \
    if (!(cond)) {                                              \
      failures++;                                               \
      printf("FAIL %s:%d: ", __FILE__, __LINE__);               \
      printf(__VA_ARGS__);                                      \
      printf("\n");                                             \
    }                                                           \
  } while (0)

/* Check |got - want| <= atol + rtol |want|, naming the quantity what. */
#define CHECK_CLOSE(got, want, rtol, atol, what)                           \
  do {                                                                     \
    double g_ = (got), w_ = (want);                                        \
    double t_ = (double)(atol) + (double)(rtol) * fabs(w_);                \
    CHECK(fabs(g_ - w_) <= t_, "%s = %.17g, expected %.17g (tol %g)",      \
          (what), g_, w_, t_);                                             \
  } while (0)

/* Count a failure and print "FAIL: what" when ok is false. */
static inline void
check(int ok, const char *what)
{
  if (!ok) {
    printf("FAIL: %s\n", what);
    failures++;
  }
}

/* Print the outcome of test name and return its exit status (0 when every
 * check passed, 1 otherwise). */
static inline int
check_report(const char *name)
{
  if (failures) {
    printf("%s: %d check(s) failed\n", name, failures);
    return 1;
  }
  printf("%s: all checks passed\n", name);
  return 0;
}

/* Allocate a data set of n observations drawn from truth with (seed,
 * replicate); exits with status 1 when that fails. */
static inline gmoe_data *
check_draw(const gmoe_model *truth, size_t n, unsigned long seed, unsigned long rep)
{
  gmoe_data *data = gmoe_data_alloc(n, truth->d);
  if (data == NULL || gmoe_sim_draw(truth, seed, rep, data) != GMOE_OK) {
    printf("FAIL: cannot simulate data: %s\n", gmoe_error_message());
    exit(1);
  }
  return data;
}

/* Copy parameters into m: beta0, b and nu hold k values, beta1 and a hold
 * k d values (expert by expert). */
static inline void
check_model_fill(gmoe_model *m, const double *beta0, const double *beta1, const double *a,
                 const double *b, const double *nu)
{
  memcpy(m->beta0, beta0, m->k * sizeof *beta0);
  memcpy(m->beta1, beta1, m->k * m->d * sizeof *beta1);
  memcpy(m->a, a, m->k * m->d * sizeof *a);
  memcpy(m->b, b, m->k * sizeof *b);
  memcpy(m->nu, nu, m->k * sizeof *nu);
}

/* Read the whole file at path into a new NUL-terminated string, or return
 * NULL when it cannot be opened, allocated or read in full. */
static inline char *
check_slurp(const char *path)
{
  FILE *f = fopen(path, "rb");
  char *s;
  long len;
  if (f == NULL)
    return NULL;
  fseek(f, 0, SEEK_END);
  len = ftell(f);
  fseek(f, 0, SEEK_SET);
  s = len < 0 ? NULL : malloc((size_t)len + 1);
  if (s != NULL && fread(s, 1, (size_t)len, f) != (size_t)len) {
    free(s);
    s = NULL;
  }
  if (s != NULL)
    s[len] = '\0';
  fclose(f);
  return s;
}

/* Log-likelihood of m on data, summed term by term from model.c. */
static inline double
check_loglik(const gmoe_model *m, const gmoe_data *data)
{
  double ll = 0.0;
  size_t t;
  for (t = 0; t < data->n; t++)
    ll += gmoe_model_logpdf(m, data->x + t, data->n, data->y[t]);
  return ll;
}

#endif
