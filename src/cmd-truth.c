/* cmd-truth.c: `truth ...`, which edits the true model that simulate draws
 * from and that init truth, `loglik truth` and the error measures use.
 *
 * Each subcommand works on a copy and swaps it in only when every value
 * was valid, so a failing command leaves the truth as it was.
 */
#include <config.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include "cmd.h"
#include "session.h"

#define TRUTH_HINT "try 'help truth'"

static const char *const gmoe_truth_words[] = {
  "default", "k", "activation", "temperature", "expert", NULL
};
static const char *const gmoe_truth_act_words[] = {
  "identity", "tanh", "sigmoid", "relu", "gelu", "softplus", NULL
};

/* Replace the session's truth by m (taken over). */
static void
gmoe_truth_swap(gmoe_session *s, gmoe_model *m)
{
  gmoe_model_free(s->truth);
  s->truth = m;
}

/* Resize the truth to k experts: the first experts are kept, new ones come
 * from the default truth of the new size, and when experts are dropped the
 * gate is re-referenced to the new last expert by subtracting its gate
 * parameters (exact for the identity activation). */
static int
gmoe_truth_k(gmoe_session *s, const char *arg)
{
  unsigned long long v;
  const gmoe_model *old = s->truth;
  gmoe_model *m;
  size_t k, d = old->d, i, j, keep;
  if (gmoe_cmd_parse_count(s, "k", arg, 1, GMOE_MAX_K, TRUTH_HINT, &v))
    return -1;
  k = (size_t)v;
  m = gmoe_model_alloc(k, d);
  if (m == NULL)
    return gmoe_cmd_error(s, "out of memory");
  m->act = old->act;
  m->tau = old->tau;
  keep = k < old->k ? k : old->k;
  for (i = 0; i < keep; i++) {
    m->beta0[i] = old->beta0[i];
    m->b[i] = old->b[i];
    m->nu[i] = old->nu[i];
    for (j = 0; j < d; j++) {
      m->beta1[i * d + j] = old->beta1[i * d + j];
      m->a[i * d + j] = old->a[i * d + j];
    }
  }
  if (k < old->k) {
    double b0 = m->beta0[k - 1];
    for (i = 0; i < k; i++) {
      m->beta0[i] -= b0;
      for (j = 0; j < d; j++)
        if (i + 1 < k)
          m->beta1[i * d + j] -= m->beta1[(k - 1) * d + j];
    }
    for (j = 0; j < d; j++)
      m->beta1[(k - 1) * d + j] = 0.0;
    m->beta0[k - 1] = 0.0;
  }
  gmoe_truth_swap(s, m);
  return 0;
}

/* Set the parameters of one expert of the truth from KEY VALUE pairs. */
static int
gmoe_truth_expert(gmoe_session *s, int argc, char **argv)
{
  const char *usage = "usage: truth expert I beta0 V beta1 V[,V...] a V[,V...] b V nu V";
  unsigned long long v;
  gmoe_model *m;
  size_t i, d = s->truth->d, k = s->truth->k;
  double vals[GMOE_MAX_D];
  int a;
  if (argc < 2)
    return gmoe_cmd_error(s, "expert needs an index and KEY VALUE pairs (%s)", usage);
  if (gmoe_cmd_parse_count(s, "expert index", argv[1], 1, ULLONG_MAX, TRUTH_HINT, &v))
    return -1;
  if (v > k)
    return gmoe_cmd_error(s, "expert index %s is out of range: the truth has k = %zu expert%s (%s)",
                          argv[1], k, k == 1 ? "" : "s", TRUTH_HINT);
  i = (size_t)v - 1;
  if (argc == 2)
    return gmoe_cmd_error(s, "expert %zu: no KEY VALUE pairs given (%s)", i + 1, usage);
  m = gmoe_model_clone(s->truth);
  if (m == NULL)
    return gmoe_cmd_error(s, "out of memory");
  for (a = 2; a < argc; a += 2) {
    const char *key = argv[a];
    int ok = strcmp(key, "beta0") == 0 || strcmp(key, "beta1") == 0 || strcmp(key, "a") == 0
             || strcmp(key, "b") == 0 || strcmp(key, "nu") == 0;
    if (!ok) {
      gmoe_model_free(m);
      return gmoe_cmd_error(s, "unknown key '%s' (expected beta0, beta1, a, b or nu; %s)", key,
                            TRUTH_HINT);
    }
    if (a + 1 >= argc) {
      gmoe_model_free(m);
      return gmoe_cmd_error(s, "key '%s' has no value (%s)", key, usage);
    }
    if (strcmp(key, "beta0") == 0 || strcmp(key, "b") == 0 || strcmp(key, "nu") == 0) {
      double x;
      if (gmoe_cmd_parse_double(s, key, argv[a + 1], strcmp(key, "nu") == 0, TRUTH_HINT, &x)) {
        gmoe_model_free(m);
        return -1;
      }
      if (strcmp(key, "beta0") == 0)
        m->beta0[i] = x;
      else if (strcmp(key, "b") == 0)
        m->b[i] = x;
      else
        m->nu[i] = x;
    } else {
      size_t j;
      if (gmoe_cmd_parse_list(s, key, argv[a + 1], d, TRUTH_HINT, vals)) {
        gmoe_model_free(m);
        return -1;
      }
      for (j = 0; j < d; j++)
        (strcmp(key, "a") == 0 ? m->a : m->beta1)[i * d + j] = vals[j];
    }
  }
  if (i + 1 == k) {
    size_t j;
    int nonzero = m->beta0[i] != 0.0;
    for (j = 0; j < d; j++)
      nonzero |= m->beta1[i * d + j] != 0.0;
    if (nonzero) {
      gmoe_model_free(m);
      return gmoe_cmd_error(s, "expert %zu is the gate's reference: its beta0 and beta1 must stay 0 "
                            "(%s)", i + 1, TRUTH_HINT);
    }
  }
  gmoe_truth_swap(s, m);
  return 0;
}

/* Run `truth SUBCOMMAND ...`. */
static int
gmoe_cmd_truth_exec(gmoe_session *s, int argc, char **argv)
{
  int which;
  if (gmoe_cmd_parse_word(s, "truth subcommand", argv[1], gmoe_truth_words, TRUTH_HINT, &which))
    return -1;
  if (which == 4)
    return gmoe_truth_expert(s, argc - 1, argv + 1);
  if (which == 0) {
    if (argc != 2)
      return gmoe_cmd_error(s, "default takes no values, got %d (usage: truth default)", argc - 2);
    gmoe_model_set_default(s->truth);
    return 0;
  }
  if (argc != 3)
    return gmoe_cmd_error(s, "%s expects 1 value, got %d (usage: truth %s)", argv[1], argc - 2,
                          which == 1 ? "k K" : which == 2 ? "activation NAME" : "temperature T");
  if (which == 1)
    return gmoe_truth_k(s, argv[2]);
  if (which == 2) {
    int act;
    if (gmoe_cmd_parse_word(s, "activation", argv[2], gmoe_truth_act_words, TRUTH_HINT, &act))
      return -1;
    s->truth->act = (gmoe_activation)act;
    return 0;
  }
  {
    double t;
    if (gmoe_cmd_parse_double(s, "temperature", argv[2], 1, TRUTH_HINT, &t))
      return -1;
    s->truth->tau = t;
  }
  return 0;
}

/* The subcommands, for `help truth`. */
const char *const gmoe_cmd_truth_details[] = {
  "truth default            reset the truth to the built-in default for its k and d",
  "truth k K                resize: experts 1..min(k, K) are kept, new ones come from the",
  "                         default; when shrinking, the gate is re-referenced to the new",
  "                         last expert (exact for the identity activation)",
  "truth activation NAME    gate activation: identity tanh sigmoid relu gelu softplus",
  "truth temperature T      gate temperature (T > 0)",
  "truth expert I KEY V...  set expert I (1..k) from any of: beta0 V, beta1 V[,V...] (d values),",
  "                         a V[,V...] (d values), b V, nu V (a variance, > 0); the last expert",
  "                         is the gate's reference, its beta0 and beta1 stay 0",
  "'set d N' resets a truth of another d to the default; 'load FILE.csv' does too.",
  NULL
};

const struct gmoe_cmd gmoe_cmd_truth_entry = {
  "truth", NULL, 1, -1,
  "truth default | k K | activation NAME | temperature T | expert I KEY VALUE...",
  "edit the true model that simulate draws from (keys: beta0 beta1 a b nu)",
  "truth expert 1 beta0 -1 beta1 4 a 1 b -2 nu 0.1",
  gmoe_truth_words, 0, gmoe_cmd_truth_exec
};
