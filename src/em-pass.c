/* em-pass.c: blocked, vectorisable passes over the data for EM.
 *
 * Every loop over observations runs over a block of GMOE_EM_PASS_B of them
 * with restrict-qualified pointers (helper functions: gcc honours restrict
 * on parameters, not on block-scope pointers), so gcc -O2, whose cheap cost
 * model refuses run-time alias checks and loop epilogues, vectorises it;
 * the last, partial block is copied into zero-padded buffers and its
 * padding is masked out of every sum.  Conditional expressions are only
 * used as min/max clamps against run-time bounds, the one form gcc's
 * if-conversion accepts under the default -ftrapping-math.  For d <= 4
 * the sums that need many accumulators (least-squares statistics, gate
 * Hessians) are fused into single loops over four-lane vectors (GCC vector
 * extensions), with the number of inputs a compile-time constant.
 */
#include <config.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "em-pass.h"

#define GMOE_EM_PASS_B 128 /* observations per block */
#define GMOE_EM_PASS_L 8   /* interleaved lanes of every sum */

/* On x86-64 with GNU C and glibc, the two passes are also compiled for AVX2
 * and chosen at run time.  No FMA is enabled, so both versions round every
 * operation identically and give bit-identical results. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 6 \
  && defined(__GLIBC__)
#define GMOE_EM_PASS_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define GMOE_EM_PASS_CLONES
#endif

struct gmoe_em_pass {
  size_t k, d;
  double lo, hi;      /* clamp of exp arguments (kept in memory, see above) */
  double one;         /* 1.0, likewise */
  double *mem;        /* everything below points into it */
  double *xpad, *ypad, *lpad, *rpad, *mask;
  double *lp;         /* k blocks: log terms, scores, then exps */
  double *ml, *zz, *iz, *ll, *t1, *t2, *t3, *v, *w2;
  double *xc, *yc, *wx, *mono;
  double *act, *d1, *d2, *u;
  double *acc;
};

/* ------------------------------------------------------------------ */
/* exp, log and activations, written to vectorise.                     */

/* Reinterpret the bits of a 64-bit unsigned integer as a double. */
static inline __attribute__((always_inline)) double
gmoe_em_pass_d(uint64_t u)
{
  double v;
  memcpy(&v, &u, sizeof v);
  return v;
}

/* Reinterpret the bits of a double as a 64-bit unsigned integer. */
static inline __attribute__((always_inline)) uint64_t
gmoe_em_pass_u(double v)
{
  uint64_t u;
  memcpy(&u, &v, sizeof u);
  return u;
}

/* exp(x) for x clamped to [lo, hi] = [-708, 709]: Cody-Waite reduction by
 * ln 2 and a degree-12 Taylor polynomial (relative error below 5e-16). */
static inline __attribute__((always_inline)) double
gmoe_em_pass_exp(double x, double lo, double hi)
{
  const double shift = 0x1.8p52;
  double xc = x < lo ? lo : x, kd, r, r2, r4, r8, p;
  uint64_t ki;
  xc = xc > hi ? hi : xc;
  kd = xc * 0x1.71547652b82fep0 + shift;
  ki = gmoe_em_pass_u(kd);
  kd -= shift;
  r = xc - kd * 0x1.62e42fefa3800p-1;
  r = r - kd * 0x1.ef35793c7673p-45;
  r2 = r * r;
  r4 = r2 * r2;
  r8 = r4 * r4;
  p = (1.0 + r) + r2 * (1.0 / 2 + r * (1.0 / 6))
      + r4 * ((1.0 / 24 + r * (1.0 / 120)) + r2 * (1.0 / 720 + r * (1.0 / 5040)))
      + r8 * ((1.0 / 40320 + r * (1.0 / 362880)) + r2 * (1.0 / 3628800 + r * (1.0 / 39916800))
              + r4 * (1.0 / 479001600));
  return p * gmoe_em_pass_d((ki << 52) + 0x3ff0000000000000ULL);
}

/* log(x) for a positive normal x: exponent and mantissa in [sqrt(1/2),
 * sqrt(2)) by integer arithmetic, then 2 atanh(s) with s = (m-1)/(m+1)
 * (relative error below 5e-16). */
static inline __attribute__((always_inline)) double
gmoe_em_pass_log(double x)
{
  uint64_t ix = gmoe_em_pass_u(x), tmp = ix - 0x3fe6a09e667f3bcdULL;
  uint64_t kb = (tmp + 0x8000000000000000ULL) >> 52;
  double e = gmoe_em_pass_d(kb | 0x4330000000000000ULL) - (0x1p52 + 2048.0);
  double m = gmoe_em_pass_d(ix - (tmp & 0xfff0000000000000ULL));
  double s = (m - 1.0) / (m + 1.0), z = s * s, z2 = z * z, z4 = z2 * z2;
  double poly = ((1.0 / 3 + z * (1.0 / 5)) + z2 * (1.0 / 7 + z * (1.0 / 9)))
                + z4 * ((1.0 / 11 + z * (1.0 / 13)) + z2 * (1.0 / 15 + z * (1.0 / 17)))
                + z4 * z4 * (1.0 / 19 + z * (1.0 / 21));
  double ls = 2.0 * s + 2.0 * s * z * poly;
  return e * 0x1.62e42fefa3800p-1 + (ls + e * 0x1.ef35793c7673p-45);
}

/* sigma, sigma' and sigma'' of a block of z for activation act. */
static inline __attribute__((always_inline)) void
gmoe_em_pass_activation(const gmoe_em_pass *p, gmoe_activation act, const double *restrict z,
                        double *restrict f, double *restrict f1, double *restrict f2)
{
  double lo = p->lo, hi = p->hi, one = p->one;
  size_t t;
  switch (act) {
  case GMOE_ACT_IDENTITY:
    for (t = 0; t < GMOE_EM_PASS_B; t++) {
      f[t] = z[t];
      f1[t] = one;
      f2[t] = 0.0;
    }
    break;
  case GMOE_ACT_TANH:
    for (t = 0; t < GMOE_EM_PASS_B; t++) {
      double e = gmoe_em_pass_exp(2.0 * z[t], lo, hi), a = one - 2.0 / (e + one), a1 = one - a * a;
      f[t] = a;
      f1[t] = a1;
      f2[t] = -2.0 * a * a1;
    }
    break;
  case GMOE_ACT_SIGMOID:
    for (t = 0; t < GMOE_EM_PASS_B; t++) {
      double e = gmoe_em_pass_exp(-z[t], lo, hi), a = one / (one + e), a1 = a * (one - a);
      f[t] = a;
      f1[t] = a1;
      f2[t] = a1 * (one - 2.0 * a);
    }
    break;
  default:
    for (t = 0; t < GMOE_EM_PASS_B; t++)
      f[t] = gmoe_activation_eval(act, z[t], &f1[t], &f2[t]);
    break;
  }
}

/* sigma' and sigma'' of a block from sigma itself, for the activations
 * where that is possible (tanh and sigmoid); the same formulas as
 * gmoe_em_pass_activation, so the same values. */
static inline __attribute__((always_inline)) void
gmoe_em_pass_derive(const gmoe_em_pass *p, gmoe_activation act, const double *restrict src,
                    double *restrict f, double *restrict f1, double *restrict f2)
{
  double one = p->one;
  size_t t;
  if (act == GMOE_ACT_TANH)
    for (t = 0; t < GMOE_EM_PASS_B; t++) {
      double a = src[t], a1 = one - a * a;
      f[t] = a;
      f1[t] = a1;
      f2[t] = -2.0 * a * a1;
    }
  else
    for (t = 0; t < GMOE_EM_PASS_B; t++) {
      double a = src[t], a1 = a * (one - a);
      f[t] = a;
      f1[t] = a1;
      f2[t] = a1 * (one - 2.0 * a);
    }
}

/* ------------------------------------------------------------------ */
/* Element-wise block helpers.                                          */

/* y = c. */
static inline __attribute__((always_inline)) void
gmoe_em_pass_fill(double *restrict y, double c)
{
  size_t t;
  for (t = 0; t < GMOE_EM_PASS_B; t++)
    y[t] = c;
}

/* y += a x. */
static inline __attribute__((always_inline)) void
gmoe_em_pass_axpy(double *restrict y, double a, const double *restrict x)
{
  size_t t;
  for (t = 0; t < GMOE_EM_PASS_B; t++)
    y[t] += a * x[t];
}

/* y = a * b. */
static inline __attribute__((always_inline)) void
gmoe_em_pass_mul(double *restrict y, const double *restrict a, const double *restrict b)
{
  size_t t;
  for (t = 0; t < GMOE_EM_PASS_B; t++)
    y[t] = a[t] * b[t];
}

/* y *= x. */
static inline __attribute__((always_inline)) void
gmoe_em_pass_scale(double *restrict y, const double *restrict x)
{
  size_t t;
  for (t = 0; t < GMOE_EM_PASS_B; t++)
    y[t] *= x[t];
}

/* y = x - c. */
static inline __attribute__((always_inline)) void
gmoe_em_pass_subc(double *restrict y, const double *restrict x, double c)
{
  size_t t;
  for (t = 0; t < GMOE_EM_PASS_B; t++)
    y[t] = x[t] - c;
}

/* y = b + a x. */
static inline __attribute__((always_inline)) void
gmoe_em_pass_affine(double *restrict y, const double *restrict x, double a, double b)
{
  size_t t;
  for (t = 0; t < GMOE_EM_PASS_B; t++)
    y[t] = b + a * x[t];
}

/* m = max(m, y). */
static inline __attribute__((always_inline)) void
gmoe_em_pass_max(double *restrict m, const double *restrict y)
{
  size_t t;
  for (t = 0; t < GMOE_EM_PASS_B; t++)
    m[t] = y[t] > m[t] ? y[t] : m[t];
}

/* y = exp(y - m) in place, z += y. */
static inline __attribute__((always_inline)) void
gmoe_em_pass_expsum(const gmoe_em_pass *p, double *restrict y, const double *restrict m,
                    double *restrict z)
{
  double lo = p->lo, hi = p->hi;
  size_t t;
  for (t = 0; t < GMOE_EM_PASS_B; t++) {
    double e = gmoe_em_pass_exp(y[t] - m[t], lo, hi);
    y[t] = e;
    z[t] += e;
  }
}

/* l = (l - lse) + (c - h (y - mu)^2): log gate times density. */
static inline __attribute__((always_inline)) void
gmoe_em_pass_logterm(double *restrict l, const double *restrict lse, const double *restrict y,
                     const double *restrict mu, double c, double h)
{
  size_t t;
  for (t = 0; t < GMOE_EM_PASS_B; t++) {
    double e = y[t] - mu[t];
    l[t] = (l[t] - lse[t]) + (c - h * e * e);
  }
}

/* ll = m + log(z) and iz = 1/z. */
static inline __attribute__((always_inline)) void
gmoe_em_pass_lognorm(double *restrict ll, double *restrict iz, const double *restrict m,
                     const double *restrict z, double one)
{
  size_t t;
  for (t = 0; t < GMOE_EM_PASS_B; t++) {
    ll[t] = m[t] + gmoe_em_pass_log(z[t]);
    iz[t] = one / z[t];
  }
}

/* e = exp(c - m) and z = e. */
static inline __attribute__((always_inline)) void
gmoe_em_pass_expref(const gmoe_em_pass *p, double *restrict e, double *restrict z,
                    const double *restrict m, double c)
{
  double lo = p->lo, hi = p->hi;
  size_t t;
  for (t = 0; t < GMOE_EM_PASS_B; t++) {
    e[t] = gmoe_em_pass_exp(c - m[t], lo, hi);
    z[t] = e[t];
  }
}

/* c = g - g^2. */
static inline __attribute__((always_inline)) void
gmoe_em_pass_var(double *restrict c, const double *restrict g)
{
  size_t t;
  for (t = 0; t < GMOE_EM_PASS_B; t++)
    c[t] = g[t] - g[t] * g[t];
}

/* c = -a b. */
static inline __attribute__((always_inline)) void
gmoe_em_pass_negmul(double *restrict c, const double *restrict a, const double *restrict b)
{
  size_t t;
  for (t = 0; t < GMOE_EM_PASS_B; t++)
    c[t] = -a[t] * b[t];
}

/* v = c e and w = c^2 e. */
static inline __attribute__((always_inline)) void
gmoe_em_pass_vw_init(double *restrict v, double *restrict w, const double *restrict e, double c)
{
  size_t t;
  for (t = 0; t < GMOE_EM_PASS_B; t++) {
    v[t] = c * e[t];
    w[t] = c * c * e[t];
  }
}

/* v += (a f) g and w += (a f)^2 g. */
static inline __attribute__((always_inline)) void
gmoe_em_pass_vw_add(double *restrict v, double *restrict w, const double *restrict f,
                    const double *restrict g, double a)
{
  size_t t;
  for (t = 0; t < GMOE_EM_PASS_B; t++) {
    double sf = a * f[t];
    v[t] += sf * g[t];
    w[t] += sf * sf * g[t];
  }
}

/* h = v + w - v^2. */
static inline __attribute__((always_inline)) void
gmoe_em_pass_vw_h(double *restrict h, const double *restrict v, const double *restrict w)
{
  size_t t;
  for (t = 0; t < GMOE_EM_PASS_B; t++)
    h[t] = v[t] + w[t] - v[t] * v[t];
}

/* av = g (v - a f) and am = av - g. */
static inline __attribute__((always_inline)) void
gmoe_em_pass_tau_col(double *restrict av, double *restrict am, const double *restrict g,
                     const double *restrict v, const double *restrict f, double a)
{
  size_t t;
  for (t = 0; t < GMOE_EM_PASS_B; t++) {
    av[t] = g[t] * (v[t] - a * f[t]);
    am[t] = av[t] - g[t];
  }
}

/* Add sum_t a_t into the eight lanes acc[0..7]. */
static inline __attribute__((always_inline)) void
gmoe_em_pass_acc1(double *restrict acc, const double *restrict a)
{
  double s0 = acc[0], s1 = acc[1], s2 = acc[2], s3 = acc[3];
  double s4 = acc[4], s5 = acc[5], s6 = acc[6], s7 = acc[7];
  size_t t;
  for (t = 0; t < GMOE_EM_PASS_B; t += 8) {
    s0 += a[t];
    s1 += a[t + 1];
    s2 += a[t + 2];
    s3 += a[t + 3];
    s4 += a[t + 4];
    s5 += a[t + 5];
    s6 += a[t + 6];
    s7 += a[t + 7];
  }
  acc[0] = s0;
  acc[1] = s1;
  acc[2] = s2;
  acc[3] = s3;
  acc[4] = s4;
  acc[5] = s5;
  acc[6] = s6;
  acc[7] = s7;
}

/* Add sum_t a_t b_t into the eight lanes acc[0..7]. */
static inline __attribute__((always_inline)) void
gmoe_em_pass_acc2(double *restrict acc, const double *restrict a, const double *restrict b)
{
  double s0 = acc[0], s1 = acc[1], s2 = acc[2], s3 = acc[3];
  double s4 = acc[4], s5 = acc[5], s6 = acc[6], s7 = acc[7];
  size_t t;
  for (t = 0; t < GMOE_EM_PASS_B; t += 8) {
    s0 += a[t] * b[t];
    s1 += a[t + 1] * b[t + 1];
    s2 += a[t + 2] * b[t + 2];
    s3 += a[t + 3] * b[t + 3];
    s4 += a[t + 4] * b[t + 4];
    s5 += a[t + 5] * b[t + 5];
    s6 += a[t + 6] * b[t + 6];
    s7 += a[t + 7] * b[t + 7];
  }
  acc[0] = s0;
  acc[1] = s1;
  acc[2] = s2;
  acc[3] = s3;
  acc[4] = s4;
  acc[5] = s5;
  acc[6] = s6;
  acc[7] = s7;
}

/* ------------------------------------------------------------------ */
/* Fused kernels for d <= 4 on four-lane vectors.                        */

/* Four doubles, one lane per observation: GCC lowers arithmetic on them to
 * whatever vector unit the target has (two SSE2 operations, or one AVX2
 * operation), lane by lane, so the results are the same everywhere.  They
 * keep many sums in registers in one pass over a block, which the
 * auto-vectoriser does not do.  Sums use lanes 0-3 of the 8-lane slots. */
typedef double gmoe_v4 __attribute__((vector_size(4 * sizeof(double))));

#define GMOE_V4_LD(ptr) __extension__({ gmoe_v4 v_; memcpy(&v_, (ptr), sizeof v_); v_; })
#define GMOE_V4_ST(ptr, val) \
  do { gmoe_v4 w_ = (val); memcpy((ptr), &w_, sizeof w_); } while (0)
#define GMOE_V4_SET(c) ((gmoe_v4){(c), (c), (c), (c)})
#define GMOE_V4_ADD(slot, val) GMOE_V4_ST((slot), GMOE_V4_LD(slot) + (val))

/* Largest d served by the fused kernels. */
#define GMOE_EM_PASS_DV 4

/* Call KERNEL(args..., DCONST) with the number of inputs d as a constant,
 * so that the kernel's loops over inputs unroll. */
#define GMOE_EM_PASS_BY_D(d, KERNEL, ...) \
  do { \
    switch (d) { \
    case 1: KERNEL(__VA_ARGS__, 1); break; \
    case 2: KERNEL(__VA_ARGS__, 2); break; \
    case 3: KERNEL(__VA_ARGS__, 3); break; \
    default: KERNEL(__VA_ARGS__, 4); break; \
    } \
  } while (0)

/* E-step log term of one expert for d <= 4 inputs x0..x3:
 * l = (s - lse) + (cst - h (y - b - a'x)^2), where the gate score s is the
 * constant c0 (mode 0), c0 + it (c'x) (mode 1) or already in l (mode 2).
 * Mode 1 computes the score exactly as gmoe_em_pass_gscore_v does, so that
 * s - lse is exact when one expert takes the whole gate even for huge
 * scores (a tiny temperature). */
static inline __attribute__((always_inline)) void
gmoe_em_pass_eterm_v(double *restrict l, const double *restrict y, const double *restrict lse,
                     const double *restrict x0, const double *restrict x1,
                     const double *restrict x2, const double *restrict x3, const double *a,
                     double b, const int mode, const double *c, double c0, double it,
                     double cst, double h, const size_t d)
{
  double a0 = a[0], a1 = d > 1 ? a[1] : 0.0, a2 = d > 2 ? a[2] : 0.0, a3 = d > 3 ? a[3] : 0.0;
  double g0 = mode == 1 ? c[0] : 0.0, g1 = mode == 1 && d > 1 ? c[1] : 0.0;
  double g2 = mode == 1 && d > 2 ? c[2] : 0.0, g3 = mode == 1 && d > 3 ? c[3] : 0.0;
  gmoe_v4 va0 = GMOE_V4_SET(a0), va1 = GMOE_V4_SET(a1), va2 = GMOE_V4_SET(a2);
  gmoe_v4 va3 = GMOE_V4_SET(a3), vb = GMOE_V4_SET(b), vg0 = GMOE_V4_SET(g0);
  gmoe_v4 vg1 = GMOE_V4_SET(g1), vg2 = GMOE_V4_SET(g2), vg3 = GMOE_V4_SET(g3);
  gmoe_v4 vc0 = GMOE_V4_SET(c0), vit = GMOE_V4_SET(it), vcst = GMOE_V4_SET(cst);
  gmoe_v4 vh = GMOE_V4_SET(h);
  size_t t;
  for (t = 0; t < GMOE_EM_PASS_B; t += 4) {
    gmoe_v4 x = GMOE_V4_LD(x0 + t), mu = vb + va0 * x, sc = vc0, z = vg0 * x, e;
    if (d > 1) {
      x = GMOE_V4_LD(x1 + t);
      mu = mu + va1 * x;
      if (mode == 1)
        z = z + vg1 * x;
    }
    if (d > 2) {
      x = GMOE_V4_LD(x2 + t);
      mu = mu + va2 * x;
      if (mode == 1)
        z = z + vg2 * x;
    }
    if (d > 3) {
      x = GMOE_V4_LD(x3 + t);
      mu = mu + va3 * x;
      if (mode == 1)
        z = z + vg3 * x;
    }
    if (mode == 1)
      sc = vc0 + vit * z;
    if (mode == 2)
      sc = GMOE_V4_LD(l + t);
    e = GMOE_V4_LD(y + t) - mu;
    GMOE_V4_ST(l + t, (sc - GMOE_V4_LD(lse + t)) + (vcst - vh * e * e));
  }
}

/* E-step statistics of one expert for d <= 4: r = el * iz (written to
 * rout), then with xc = x - xbar and yc = y - ybar the sums, in this order:
 * for p < d: (r xc_p xc_q for q = p..d-1, r xc_p); r; r xc_p yc for p < d;
 * r yc; r yc^2. */
static inline __attribute__((always_inline)) void
gmoe_em_pass_estats_v(double *restrict acc, double *restrict rout, const double *restrict el,
                      const double *restrict iz, const double *restrict y,
                      const double *restrict x0, const double *restrict x1,
                      const double *restrict x2, const double *restrict x3, const double *xbar,
                      double ybar, const size_t d)
{
  enum { NS = (GMOE_EM_PASS_DV + 1) * (GMOE_EM_PASS_DV + 2) / 2 + GMOE_EM_PASS_DV + 2 };
  const double *xs[GMOE_EM_PASS_DV] = {x0, x1, x2, x3};
  double xm0 = xbar[0], xm1 = d > 1 ? xbar[1] : 0.0, xm2 = d > 2 ? xbar[2] : 0.0;
  double xm3 = d > 3 ? xbar[3] : 0.0;
  gmoe_v4 s[NS], my = GMOE_V4_SET(ybar), mx0 = GMOE_V4_SET(xm0), mx1 = GMOE_V4_SET(xm1);
  gmoe_v4 mx2 = GMOE_V4_SET(xm2), mx3 = GMOE_V4_SET(xm3);
  size_t t, j, q, o, ns = (d + 1) * (d + 2) / 2 + d + 2;
#pragma GCC unroll 16
  for (o = 0; o < ns; o++)
    s[o] = GMOE_V4_LD(acc + o * GMOE_EM_PASS_L);
  for (t = 0; t < GMOE_EM_PASS_B; t += 4) {
    gmoe_v4 r = GMOE_V4_LD(el + t) * GMOE_V4_LD(iz + t), yc = GMOE_V4_LD(y + t) - my;
    gmoe_v4 ry = r * yc, x[GMOE_EM_PASS_DV], w[GMOE_EM_PASS_DV];
    GMOE_V4_ST(rout + t, r);
#pragma GCC unroll 4
    for (j = 0; j < d; j++) {
      x[j] = GMOE_V4_LD(xs[j] + t) - (j == 0 ? mx0 : j == 1 ? mx1 : j == 2 ? mx2 : mx3);
      w[j] = r * x[j];
    }
    o = 0;
#pragma GCC unroll 4
    for (j = 0; j < d; j++) {
#pragma GCC unroll 4
      for (q = j; q < d; q++)
        s[o++] += w[j] * x[q];
      s[o++] += w[j];
    }
    s[o++] += r;
#pragma GCC unroll 4
    for (j = 0; j < d; j++)
      s[o++] += w[j] * yc;
    s[o++] += ry;
    s[o++] += ry * yc;
  }
#pragma GCC unroll 16
  for (o = 0; o < ns; o++)
    GMOE_V4_ST(acc + o * GMOE_EM_PASS_L, s[o]);
}

/* Identity gate score for d <= 4: f = beta1'x, s = beta0 + it f. */
static inline __attribute__((always_inline)) void
gmoe_em_pass_gscore_v(double *restrict f, double *restrict s, const double *restrict x0,
                      const double *restrict x1, const double *restrict x2,
                      const double *restrict x3, const double *beta1, double beta0, double it,
                      const size_t d)
{
  double b0 = beta1[0], b1 = d > 1 ? beta1[1] : 0.0, b2 = d > 2 ? beta1[2] : 0.0;
  double b3 = d > 3 ? beta1[3] : 0.0;
  gmoe_v4 v0 = GMOE_V4_SET(b0), v1 = GMOE_V4_SET(b1), v2 = GMOE_V4_SET(b2), v3 = GMOE_V4_SET(b3);
  gmoe_v4 vbeta0 = GMOE_V4_SET(beta0), vit = GMOE_V4_SET(it);
  size_t t;
  for (t = 0; t < GMOE_EM_PASS_B; t += 4) {
    gmoe_v4 z = v0 * GMOE_V4_LD(x0 + t);
    if (d > 1)
      z = z + v1 * GMOE_V4_LD(x1 + t);
    if (d > 2)
      z = z + v2 * GMOE_V4_LD(x2 + t);
    if (d > 3)
      z = z + v3 * GMOE_V4_LD(x3 + t);
    GMOE_V4_ST(f + t, z);
    GMOE_V4_ST(s + t, vbeta0 + vit * z);
  }
}

/* Nonlinear gate, d <= 4: the sums of one pair (i, j) of gate
 * probabilities with u_ip = sigma'(z_i) x_p: for the diagonal, with
 * c = g_i - g_i^2, the sums c, c u_iq (q < d), c u_ip u_iq (p <= q), and
 * the gradient sums g_i, g_i u_ip into agg; otherwise, with c = -g_i g_j,
 * the sums c, c u_jq (q < d), c u_ip (p < d), c u_ip u_jq (p, q < d). */
static inline __attribute__((always_inline)) void
gmoe_em_pass_npair_v(double *restrict acc, double *restrict agg, const double *restrict gi,
                     const double *restrict gj, const double *restrict ui0,
                     const double *restrict ui1, const double *restrict ui2,
                     const double *restrict ui3, const double *restrict uj0,
                     const double *restrict uj1, const double *restrict uj2,
                     const double *restrict uj3, const int diag, const size_t d)
{
  enum { NS = 1 + 2 * GMOE_EM_PASS_DV + GMOE_EM_PASS_DV * GMOE_EM_PASS_DV };
  const double *us[GMOE_EM_PASS_DV] = {ui0, ui1, ui2, ui3};
  const double *vs[GMOE_EM_PASS_DV] = {uj0, uj1, uj2, uj3};
  gmoe_v4 s[NS], sg[1 + GMOE_EM_PASS_DV];
  size_t t, p, q, o, ns = diag ? 1 + d + d * (d + 1) / 2 : 1 + 2 * d + d * d;
#pragma GCC unroll 25
  for (o = 0; o < ns; o++)
    s[o] = GMOE_V4_LD(acc + o * GMOE_EM_PASS_L);
  if (diag) {
#pragma GCC unroll 5
    for (o = 0; o <= d; o++)
      sg[o] = GMOE_V4_LD(agg + o * GMOE_EM_PASS_L);
  }
  for (t = 0; t < GMOE_EM_PASS_B; t += 4) {
    gmoe_v4 g = GMOE_V4_LD(gi + t), c, u[GMOE_EM_PASS_DV], v[GMOE_EM_PASS_DV], w;
    if (diag)
      c = g - g * g;
    else
      c = -(g * GMOE_V4_LD(gj + t));
#pragma GCC unroll 4
    for (p = 0; p < d; p++) {
      u[p] = GMOE_V4_LD(us[p] + t);
      v[p] = diag ? u[p] : GMOE_V4_LD(vs[p] + t);
    }
    s[0] += c;
    o = 1;
#pragma GCC unroll 4
    for (q = 0; q < d; q++)
      s[o++] += c * v[q];
    if (!diag) {
#pragma GCC unroll 4
      for (p = 0; p < d; p++)
        s[o++] += c * u[p];
    }
#pragma GCC unroll 4
    for (p = 0; p < d; p++) {
      w = c * u[p];
#pragma GCC unroll 4
      for (q = diag ? p : 0; q < d; q++)
        s[o++] += w * v[q];
    }
    if (diag) {
      sg[0] += g;
#pragma GCC unroll 4
      for (p = 0; p < d; p++)
        sg[1 + p] += g * u[p];
    }
  }
#pragma GCC unroll 25
  for (o = 0; o < ns; o++)
    GMOE_V4_ST(acc + o * GMOE_EM_PASS_L, s[o]);
  if (diag) {
#pragma GCC unroll 5
    for (o = 0; o <= d; o++)
      GMOE_V4_ST(agg + o * GMOE_EM_PASS_L, sg[o]);
  }
}

/* Nonlinear gate, d <= 4, one expert: the sums g sigma'' x_p x_q (p <= q)
 * into asd and, with_r, the raw responsibility sums r sigma, r u_p
 * (p < d) and r sigma'' x_p x_q (p <= q) into ar. */
static inline __attribute__((always_inline)) void
gmoe_em_pass_nsd2_v(double *restrict asd, double *restrict ar, const double *restrict g,
                    const double *restrict r, const double *restrict f,
                    const double *restrict f2, const double *restrict u0,
                    const double *restrict u1, const double *restrict u2,
                    const double *restrict u3, const double *restrict x0,
                    const double *restrict x1, const double *restrict x2,
                    const double *restrict x3, const int with_r, const size_t d)
{
  enum { NM = GMOE_EM_PASS_DV * (GMOE_EM_PASS_DV + 1) / 2, NR = 1 + GMOE_EM_PASS_DV + NM };
  const double *us[GMOE_EM_PASS_DV] = {u0, u1, u2, u3}, *xs[GMOE_EM_PASS_DV] = {x0, x1, x2, x3};
  gmoe_v4 sd[NM], sr[NR];
  size_t t, p, q, o, nm = d * (d + 1) / 2, nr = 1 + d + nm;
#pragma GCC unroll 10
  for (o = 0; o < nm; o++)
    sd[o] = GMOE_V4_LD(asd + o * GMOE_EM_PASS_L);
  if (with_r) {
#pragma GCC unroll 15
    for (o = 0; o < nr; o++)
      sr[o] = GMOE_V4_LD(ar + o * GMOE_EM_PASS_L);
  }
  for (t = 0; t < GMOE_EM_PASS_B; t += 4) {
    gmoe_v4 d2 = GMOE_V4_LD(f2 + t), w = GMOE_V4_LD(g + t) * d2, x[GMOE_EM_PASS_DV], wx;
#pragma GCC unroll 4
    for (p = 0; p < d; p++)
      x[p] = GMOE_V4_LD(xs[p] + t);
    o = 0;
#pragma GCC unroll 4
    for (p = 0; p < d; p++) {
      wx = w * x[p];
#pragma GCC unroll 4
      for (q = p; q < d; q++)
        sd[o++] += wx * x[q];
    }
    if (with_r) {
      gmoe_v4 rv = GMOE_V4_LD(r + t), w2 = rv * d2;
      sr[0] += rv * GMOE_V4_LD(f + t);
      o = 1;
#pragma GCC unroll 4
      for (p = 0; p < d; p++)
        sr[o++] += rv * GMOE_V4_LD(us[p] + t);
#pragma GCC unroll 4
      for (p = 0; p < d; p++) {
        wx = w2 * x[p];
#pragma GCC unroll 4
        for (q = p; q < d; q++)
          sr[o++] += wx * x[q];
      }
    }
  }
#pragma GCC unroll 10
  for (o = 0; o < nm; o++)
    GMOE_V4_ST(asd + o * GMOE_EM_PASS_L, sd[o]);
  if (with_r) {
#pragma GCC unroll 15
    for (o = 0; o < nr; o++)
      GMOE_V4_ST(ar + o * GMOE_EM_PASS_L, sr[o]);
  }
}

/* Identity gate, d <= 4: the gradient sums g, g x_p (p < d) of one expert. */
static inline __attribute__((always_inline)) void
gmoe_em_pass_ggrad_v(double *restrict agg, const double *restrict g, const double *restrict x0,
                     const double *restrict x1, const double *restrict x2,
                     const double *restrict x3, const size_t d)
{
  gmoe_v4 s0 = GMOE_V4_LD(agg), s1 = GMOE_V4_LD(agg + GMOE_EM_PASS_L);
  gmoe_v4 s2 = GMOE_V4_LD(agg + 2 * GMOE_EM_PASS_L), s3 = s2, s4 = s2;
  size_t t;
  if (d > 2)
    s3 = GMOE_V4_LD(agg + 3 * GMOE_EM_PASS_L);
  if (d > 3)
    s4 = GMOE_V4_LD(agg + 4 * GMOE_EM_PASS_L);
  for (t = 0; t < GMOE_EM_PASS_B; t += 4) {
    gmoe_v4 gv = GMOE_V4_LD(g + t);
    s0 += gv;
    s1 += gv * GMOE_V4_LD(x0 + t);
    if (d > 1)
      s2 += gv * GMOE_V4_LD(x1 + t);
    if (d > 2)
      s3 += gv * GMOE_V4_LD(x2 + t);
    if (d > 3)
      s4 += gv * GMOE_V4_LD(x3 + t);
  }
  GMOE_V4_ST(agg, s0);
  GMOE_V4_ST(agg + GMOE_EM_PASS_L, s1);
  if (d > 1)
    GMOE_V4_ST(agg + 2 * GMOE_EM_PASS_L, s2);
  if (d > 2)
    GMOE_V4_ST(agg + 3 * GMOE_EM_PASS_L, s3);
  if (d > 3)
    GMOE_V4_ST(agg + 4 * GMOE_EM_PASS_L, s4);
}

/* Identity gate, d <= 4: the sums of one pair (i, j) of gate
 * probabilities, c = g_i - g_i^2 (diag) or -g_i g_j, in the order c, c x_p
 * (p < d), c x_p x_q (p <= q); for the diagonal also the gradient sums g_i,
 * g_i x_p into agg. */
static inline __attribute__((always_inline)) void
gmoe_em_pass_gpair_v(double *restrict acc, double *restrict agg, const double *restrict gi,
                     const double *restrict gj, const double *restrict x0,
                     const double *restrict x1, const double *restrict x2,
                     const double *restrict x3, const int diag, const size_t d)
{
  enum { NS = 1 + GMOE_EM_PASS_DV + GMOE_EM_PASS_DV * (GMOE_EM_PASS_DV + 1) / 2 };
  const double *xs[GMOE_EM_PASS_DV] = {x0, x1, x2, x3};
  gmoe_v4 s[NS], sg[1 + GMOE_EM_PASS_DV];
  size_t t, j, q, o, ns = 1 + d + d * (d + 1) / 2;
#pragma GCC unroll 16
  for (o = 0; o < ns; o++)
    s[o] = GMOE_V4_LD(acc + o * GMOE_EM_PASS_L);
  if (diag) {
#pragma GCC unroll 5
    for (o = 0; o <= d; o++)
      sg[o] = GMOE_V4_LD(agg + o * GMOE_EM_PASS_L);
  }
  for (t = 0; t < GMOE_EM_PASS_B; t += 4) {
    gmoe_v4 g = GMOE_V4_LD(gi + t), c, x[GMOE_EM_PASS_DV], w[GMOE_EM_PASS_DV];
    if (diag)
      c = g - g * g;
    else
      c = -(g * GMOE_V4_LD(gj + t));
#pragma GCC unroll 4
    for (j = 0; j < d; j++) {
      x[j] = GMOE_V4_LD(xs[j] + t);
      w[j] = c * x[j];
    }
    s[0] += c;
    o = 1;
#pragma GCC unroll 4
    for (j = 0; j < d; j++)
      s[o++] += w[j];
#pragma GCC unroll 4
    for (j = 0; j < d; j++) {
#pragma GCC unroll 4
      for (q = j; q < d; q++)
        s[o++] += w[j] * x[q];
    }
    if (diag) {
      sg[0] += g;
#pragma GCC unroll 4
      for (j = 0; j < d; j++)
        sg[1 + j] += g * x[j];
    }
  }
#pragma GCC unroll 16
  for (o = 0; o < ns; o++)
    GMOE_V4_ST(acc + o * GMOE_EM_PASS_L, s[o]);
  if (diag) {
#pragma GCC unroll 5
    for (o = 0; o <= d; o++)
      GMOE_V4_ST(agg + o * GMOE_EM_PASS_L, sg[o]);
  }
}

/* Total of the eight lanes, added in a fixed order. */
static double
gmoe_em_pass_total(const double *acc)
{
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

/* ------------------------------------------------------------------ */
/* Scratch.                                                             */

/* Allocate the scratch of the passes for k experts and d inputs. */
gmoe_em_pass *
gmoe_em_pass_alloc(size_t k, size_t d)
{
  gmoe_em_pass *p = calloc(1, sizeof *p);
  size_t k1 = k - 1, dd = d + 1, nmono = d * (d + 1) / 2, blocks, nacc, o = 0;
  double *mem;
  if (p == NULL)
    return NULL;
  p->k = k;
  p->d = d;
  p->lo = -708.0;
  p->hi = 709.0;
  p->one = 1.0;
  /* Accumulators: the larger of the two passes, generously. */
  nacc = 1 + k * (dd * (dd + 1) / 2 + dd + 1) + k1 * (1 + d + d * d) + 8
         + k1 * (1 + d) + k1 * k1 * (1 + 2 * d + d * d) + k1 * nmono + 2 + k1 * (1 + d);
  blocks = d + 1 + 1 + k + 2 * k /* xpad ypad lpad rpad mask */
           + k + 9 + d + 1 + d + nmono + 3 * k + k * d;
  mem = malloc((blocks * GMOE_EM_PASS_B + nacc * GMOE_EM_PASS_L) * sizeof(double));
  if (mem == NULL) {
    free(p);
    return NULL;
  }
  p->mem = mem;
#define GMOE_EM_PASS_TAKE(ptr, nb) \
  do { (ptr) = mem + o; o += (nb) * GMOE_EM_PASS_B; } while (0)
  GMOE_EM_PASS_TAKE(p->xpad, d);
  GMOE_EM_PASS_TAKE(p->ypad, 1);
  GMOE_EM_PASS_TAKE(p->lpad, 1);
  GMOE_EM_PASS_TAKE(p->rpad, k);
  GMOE_EM_PASS_TAKE(p->mask, 1);
  GMOE_EM_PASS_TAKE(p->lp, k);
  GMOE_EM_PASS_TAKE(p->ml, 1);
  GMOE_EM_PASS_TAKE(p->zz, 1);
  GMOE_EM_PASS_TAKE(p->iz, 1);
  GMOE_EM_PASS_TAKE(p->ll, 1);
  GMOE_EM_PASS_TAKE(p->t1, 1);
  GMOE_EM_PASS_TAKE(p->t2, 1);
  GMOE_EM_PASS_TAKE(p->t3, 1);
  GMOE_EM_PASS_TAKE(p->v, 1);
  GMOE_EM_PASS_TAKE(p->w2, 1);
  GMOE_EM_PASS_TAKE(p->xc, d);
  GMOE_EM_PASS_TAKE(p->yc, 1);
  GMOE_EM_PASS_TAKE(p->wx, d);
  GMOE_EM_PASS_TAKE(p->mono, nmono);
  GMOE_EM_PASS_TAKE(p->act, k);
  GMOE_EM_PASS_TAKE(p->d1, k);
  GMOE_EM_PASS_TAKE(p->d2, k);
  GMOE_EM_PASS_TAKE(p->u, k * d);
#undef GMOE_EM_PASS_TAKE
  p->acc = mem + o;
  memset(mem, 0, (blocks * GMOE_EM_PASS_B + nacc * GMOE_EM_PASS_L) * sizeof(double));
  (void)k1;
  return p;
}

/* Free pass scratch; NULL is a no-op. */
void
gmoe_em_pass_free(gmoe_em_pass *p)
{
  if (p == NULL)
    return;
  free(p->mem);
  free(p);
}

/* Point xb, yb, lb at the block of observations starting at t0 (cnt of
 * them): straight into the data for a full block, into zero-padded copies
 * with a 0/1 mask for the last, partial one.  y and lse may be NULL. */
static void
gmoe_em_pass_inputs(gmoe_em_pass *p, const gmoe_data *data, const double *lse, size_t t0,
                    size_t cnt, const double **xb, const double **yb, const double **lb)
{
  size_t n = data->n, d = data->d, j, t;
  if (cnt == GMOE_EM_PASS_B) {
    for (j = 0; j < d; j++)
      xb[j] = data->x + j * n + t0;
    *yb = data->y + t0;
    if (lb != NULL)
      *lb = lse + t0;
    return;
  }
  for (t = 0; t < GMOE_EM_PASS_B; t++)
    p->mask[t] = t < cnt ? 1.0 : 0.0;
  for (j = 0; j < d; j++) {
    double *xp = p->xpad + j * GMOE_EM_PASS_B;
    for (t = 0; t < GMOE_EM_PASS_B; t++)
      xp[t] = t < cnt ? data->x[j * n + t0 + t] : 0.0;
    xb[j] = xp;
  }
  for (t = 0; t < GMOE_EM_PASS_B; t++)
    p->ypad[t] = t < cnt ? data->y[t0 + t] : 0.0;
  *yb = p->ypad;
  if (lb != NULL) {
    for (t = 0; t < GMOE_EM_PASS_B; t++)
      p->lpad[t] = t < cnt ? lse[t0 + t] : 0.0;
    *lb = p->lpad;
  }
}

/* ------------------------------------------------------------------ */
/* The E-step pass.                                                     */

/* E-step over the data (see em-pass.h). */
GMOE_EM_PASS_CLONES
double
gmoe_em_pass_estep(gmoe_em_pass *p, const gmoe_data *data, const gmoe_model *m,
                   const double *lse, const double *actin, const double *xbar, double ybar,
                   double *r, double *st, double *ra, double *rd1, double *rd2)
{
  const size_t B = GMOE_EM_PASS_B, L = GMOE_EM_PASS_L;
  size_t n = data->n, d = m->d, k = m->k, k1 = k - 1, dd = d + 1, i, j, q, t0;
  size_t nst = dd * (dd + 1) / 2 + dd + 1, nra = 1 + d + d * (d + 1) / 2, nacc, o;
  int ident = m->act == GMOE_ACT_IDENTITY, fused = d <= GMOE_EM_PASS_DV;
  double it = 1.0 / m->tau, sref = it * gmoe_activation_eval(m->act, 0.0, NULL, NULL);
  double cst[GMOE_MAX_K], h[GMOE_MAX_K], *acc = p->acc, ll;
  const double *xb[GMOE_MAX_D], *yb, *lb, *x1, *x2, *x3;
  for (i = 0; i < k; i++) {
    cst[i] = -0.5 * log(2.0 * M_PI * m->nu[i]);
    h[i] = 0.5 / m->nu[i];
  }
  nacc = 1 + k * nst + (ident ? 0 : k1 * nra);
  memset(acc, 0, nacc * L * sizeof(double));
  for (t0 = 0; t0 < n; t0 += B) {
    size_t cnt = n - t0 < B ? n - t0 : B;
    double *a = acc;
    gmoe_em_pass_inputs(p, data, lse, t0, cnt, xb, &yb, &lb);
    x1 = xb[d > 1 ? 1 : 0];
    x2 = xb[d > 2 ? 2 : 0];
    x3 = xb[d > 3 ? 3 : 0];
    if (!fused) {
      for (j = 0; j < d; j++)
        gmoe_em_pass_subc(p->xc + j * B, xb[j], xbar[j]);
      gmoe_em_pass_subc(p->yc, yb, ybar);
    }
    gmoe_em_pass_fill(p->ml, -HUGE_VAL);
    /* Log of gate times density for every expert. */
    for (i = 0; i < k; i++) {
      double *l = p->lp + i * B, *mu = p->t1;
      if (!ident && i < k1 && actin != NULL) {
        const double *src = actin + i * n + t0;
        if (cnt < B) {
          size_t t;
          for (t = 0; t < B; t++)
            p->t2[t] = t < cnt ? src[t] : 0.0;
          src = p->t2;
        }
        gmoe_em_pass_derive(p, m->act, src, p->act + i * B, p->d1 + i * B, p->d2 + i * B);
        gmoe_em_pass_affine(l, p->act + i * B, it, m->beta0[i]);
      } else if (!ident && i < k1) {
        double *z = p->t2;
        gmoe_em_pass_fill(z, 0.0);
        for (j = 0; j < d; j++)
          gmoe_em_pass_axpy(z, m->beta1[i * d + j], xb[j]);
        gmoe_em_pass_activation(p, m->act, z, p->act + i * B, p->d1 + i * B, p->d2 + i * B);
        gmoe_em_pass_affine(l, p->act + i * B, it, m->beta0[i]);
      }
      if (fused) {
        const double *ai = m->a + i * d;
        if (i == k1)
          GMOE_EM_PASS_BY_D(d, gmoe_em_pass_eterm_v, l, yb, lb, xb[0], x1, x2, x3, ai,
                            m->b[i], 0, NULL, sref, it, cst[i], h[i]);
        else if (ident)
          GMOE_EM_PASS_BY_D(d, gmoe_em_pass_eterm_v, l, yb, lb, xb[0], x1, x2, x3, ai,
                            m->b[i], 1, m->beta1 + i * d, m->beta0[i], it, cst[i], h[i]);
        else
          GMOE_EM_PASS_BY_D(d, gmoe_em_pass_eterm_v, l, yb, lb, xb[0], x1, x2, x3, ai,
                            m->b[i], 2, NULL, 0.0, it, cst[i], h[i]);
      } else {
        gmoe_em_pass_fill(mu, m->b[i]);
        for (j = 0; j < d; j++)
          gmoe_em_pass_axpy(mu, m->a[i * d + j], xb[j]);
        if (i == k1) {
          gmoe_em_pass_fill(l, sref);
        } else if (ident) {
          /* The score as the gate pass computes it (see gmoe_em_pass_eterm_v). */
          double *z = p->t2;
          gmoe_em_pass_fill(z, 0.0);
          for (j = 0; j < d; j++)
            gmoe_em_pass_axpy(z, m->beta1[i * d + j], xb[j]);
          gmoe_em_pass_affine(l, z, it, m->beta0[i]);
        }
        gmoe_em_pass_logterm(l, lb, yb, mu, cst[i], h[i]);
      }
      gmoe_em_pass_max(p->ml, l);
    }
    gmoe_em_pass_fill(p->zz, 0.0);
    for (i = 0; i < k; i++)
      gmoe_em_pass_expsum(p, p->lp + i * B, p->ml, p->zz);
    gmoe_em_pass_lognorm(p->ll, p->iz, p->ml, p->zz, p->one);
    if (cnt < B) {
      gmoe_em_pass_scale(p->ll, p->mask);
      gmoe_em_pass_scale(p->iz, p->mask);
    }
    gmoe_em_pass_acc1(a, p->ll);
    a += L;
    /* Responsibilities and the statistics of every expert. */
    for (i = 0; i < k; i++) {
      double *w = p->lp + i * B, *ry = p->t1;
      size_t pp;
      if (fused) {
        double *rb = cnt == B && r != NULL ? r + i * n + t0 : p->rpad + i * B;
        GMOE_EM_PASS_BY_D(d, gmoe_em_pass_estats_v, a, rb, w, p->iz, yb, xb[0], x1, x2, x3, xbar,
                          ybar);
        a += nst * L;
        if (r != NULL && cnt < B)
          memcpy(r + i * n + t0, rb, cnt * sizeof(double));
        w = rb;
      } else {
        gmoe_em_pass_scale(w, p->iz);
        if (r != NULL)
          memcpy(r + i * n + t0, w, cnt * sizeof(double));
        for (j = 0; j < d; j++)
          gmoe_em_pass_mul(p->wx + j * B, w, p->xc + j * B);
        gmoe_em_pass_mul(ry, w, p->yc);
        for (pp = 0; pp < d; pp++) {
          for (q = pp; q < d; q++, a += L)
            gmoe_em_pass_acc2(a, p->wx + pp * B, p->xc + q * B);
          gmoe_em_pass_acc1(a, p->wx + pp * B);
          a += L;
        }
        gmoe_em_pass_acc1(a, w);
        a += L;
        for (pp = 0; pp < d; pp++, a += L)
          gmoe_em_pass_acc2(a, p->wx + pp * B, p->yc);
        gmoe_em_pass_acc1(a, ry);
        a += L;
        gmoe_em_pass_acc2(a, ry, p->yc);
        a += L;
      }
      if (!ident && i < k1) {
        double *wd = p->t2, *wdx = p->t3;
        gmoe_em_pass_acc2(a, w, p->act + i * B);
        a += L;
        gmoe_em_pass_mul(wd, w, p->d1 + i * B);
        for (pp = 0; pp < d; pp++, a += L)
          gmoe_em_pass_acc2(a, wd, xb[pp]);
        gmoe_em_pass_mul(wd, w, p->d2 + i * B);
        for (pp = 0; pp < d; pp++) {
          gmoe_em_pass_mul(wdx, wd, xb[pp]);
          for (q = pp; q < d; q++, a += L)
            gmoe_em_pass_acc2(a, wdx, xb[q]);
        }
      }
    }
  }
  /* Unpack the sums in the order they were accumulated. */
  ll = gmoe_em_pass_total(acc);
  o = 1;
  for (i = 0; i < k; i++) {
    double *s = st + i * (dd * dd + dd + 1), *c = s + dd * dd;
    size_t pp;
    for (pp = 0; pp < dd; pp++)
      for (q = pp; q < dd; q++, o++)
        s[pp * dd + q] = s[q * dd + pp] = gmoe_em_pass_total(acc + o * L);
    for (pp = 0; pp <= dd; pp++, o++)
      c[pp] = gmoe_em_pass_total(acc + o * L);
    if (!ident && i < k1) {
      ra[i] = gmoe_em_pass_total(acc + o * L);
      o++;
      for (pp = 0; pp < d; pp++, o++)
        rd1[i * d + pp] = gmoe_em_pass_total(acc + o * L);
      for (pp = 0; pp < d; pp++)
        for (q = pp; q < d; q++, o++)
          rd2[(i * d + pp) * d + q] = rd2[(i * d + q) * d + pp] = gmoe_em_pass_total(acc + o * L);
    }
  }
  return ll;
}

/* ------------------------------------------------------------------ */
/* The gate pass.                                                       */

/* Gate pass over the data (see em-pass.h). */
GMOE_EM_PASS_CLONES
double
gmoe_em_pass_gate(gmoe_em_pass *p, const gmoe_data *data, const gmoe_model *m, const double *r,
                  int learn, int want_hess, double *lse, double *actout, double *gg, double *hg,
                  double *ra, double *rd1, double *rd2)
{
  const size_t B = GMOE_EM_PASS_B, L = GMOE_EM_PASS_L;
  size_t n = data->n, d = m->d, k = m->k, k1 = k - 1, dd = d + 1, i, j, pp, q, t0, o;
  size_t np = k1 * dd + (learn ? 1 : 0), pt = k1 * dd, nacc = 0;
  int ident = m->act == GMOE_ACT_IDENTITY, want_r = r != NULL && !ident;
  int fused = ident && d <= GMOE_EM_PASS_DV, nfused = !ident && d <= GMOE_EM_PASS_DV;
  double it = 1.0 / m->tau, s0 = gmoe_activation_eval(m->act, 0.0, NULL, NULL), sref = it * s0;
  double *acc = p->acc, qg;
  const double *xb[GMOE_MAX_D], *yb, *ub[GMOE_MAX_K * GMOE_MAX_D], *x1, *x2, *x3;
  const double *rb[GMOE_MAX_K];
  if (!ident || learn)
    want_hess = 1;
  /* Count the sums, in the order of the block loop below. */
  nacc = 1 + k1 * dd;
  for (i = 0; i < k1 && want_hess; i++)
    for (j = i; j < k1; j++)
      nacc += (ident || i == j) ? 1 + d + d * (d + 1) / 2 : 1 + 2 * d + d * d;
  if (!ident)
    nacc += k1 * d * (d + 1) / 2;
  if (learn)
    nacc += 2 + k1 * dd;
  if (want_r)
    nacc += k1 * (1 + d + d * (d + 1) / 2);
  memset(acc, 0, nacc * L * sizeof(double));
  for (t0 = 0; t0 < n; t0 += B) {
    size_t cnt = n - t0 < B ? n - t0 : B, t;
    double *a = acc, *ms = p->ml, *eref = p->t1;
    gmoe_em_pass_inputs(p, data, NULL, t0, cnt, xb, &yb, NULL);
    x1 = xb[d > 1 ? 1 : 0];
    x2 = xb[d > 2 ? 2 : 0];
    x3 = xb[d > 3 ? 3 : 0];
    gmoe_em_pass_fill(ms, sref);
    /* Scores. */
    for (i = 0; i < k1; i++) {
      double *s = p->lp + i * B, *f = p->act + i * B;
      if (fused) {
        GMOE_EM_PASS_BY_D(d, gmoe_em_pass_gscore_v, f, s, xb[0], x1, x2, x3, m->beta1 + i * d,
                          m->beta0[i], it);
        gmoe_em_pass_max(ms, s);
        continue;
      }
      if (ident) {
        gmoe_em_pass_fill(f, 0.0);
        for (j = 0; j < d; j++)
          gmoe_em_pass_axpy(f, m->beta1[i * d + j], xb[j]);
      } else {
        double *z = p->t2;
        gmoe_em_pass_fill(z, 0.0);
        for (j = 0; j < d; j++)
          gmoe_em_pass_axpy(z, m->beta1[i * d + j], xb[j]);
        gmoe_em_pass_activation(p, m->act, z, f, p->d1 + i * B, p->d2 + i * B);
        if (actout != NULL)
          memcpy(actout + i * n + t0, f, cnt * sizeof(double));
      }
      gmoe_em_pass_affine(s, f, it, m->beta0[i]);
      gmoe_em_pass_max(ms, s);
    }
    /* Normaliser and gate probabilities. */
    gmoe_em_pass_expref(p, eref, p->zz, ms, sref);
    for (i = 0; i < k1; i++)
      gmoe_em_pass_expsum(p, p->lp + i * B, ms, p->zz);
    gmoe_em_pass_lognorm(p->ll, p->iz, ms, p->zz, p->one);
    memcpy(lse + t0, p->ll, cnt * sizeof(double));
    if (cnt < B) {
      gmoe_em_pass_scale(p->ll, p->mask);
      gmoe_em_pass_scale(p->iz, p->mask);
    }
    gmoe_em_pass_scale(eref, p->iz);
    gmoe_em_pass_acc1(a, p->ll);
    a += L;
    for (i = 0; i < k1; i++)
      gmoe_em_pass_scale(p->lp + i * B, p->iz);
    /* u_ip = sigma'(z_i) x_p (x_p itself for the identity). */
    for (i = 0; i < k1; i++)
      for (j = 0; j < d; j++) {
        if (ident) {
          ub[i * d + j] = xb[j];
        } else {
          gmoe_em_pass_mul(p->u + (i * d + j) * B, p->d1 + i * B, xb[j]);
          ub[i * d + j] = p->u + (i * d + j) * B;
        }
      }
    if (ident && !fused && want_hess)
      for (pp = 0, o = 0; pp < d; pp++)
        for (q = pp; q < d; q++, o++)
          gmoe_em_pass_mul(p->mono + o * B, xb[pp], xb[q]);
    /* Gradient and Hessian of sum lse, fused for the identity. */
    if (fused && !want_hess) {
      for (i = 0; i < k1; i++, a += dd * L)
        GMOE_EM_PASS_BY_D(d, gmoe_em_pass_ggrad_v, a, p->lp + i * B, xb[0], x1, x2, x3);
    } else if (fused) {
      double *agg = a;
      a += k1 * dd * L;
      for (i = 0; i < k1; i++)
        for (j = i; j < k1; j++) {
          if (i == j)
            GMOE_EM_PASS_BY_D(d, gmoe_em_pass_gpair_v, a, agg + i * dd * L, p->lp + i * B,
                              p->lp + j * B, xb[0], x1, x2, x3, 1);
          else
            GMOE_EM_PASS_BY_D(d, gmoe_em_pass_gpair_v, a, agg + i * dd * L, p->lp + i * B,
                              p->lp + j * B, xb[0], x1, x2, x3, 0);
          a += (1 + d + d * (d + 1) / 2) * L;
        }
    }
    /* The same for a nonlinear gate. */
    if (nfused) {
      double *agg = a;
      a += k1 * dd * L;
      for (i = 0; i < k1; i++)
        for (j = i; j < k1; j++) {
          const double *const *ui = ub + i * d, *const *uj = ub + j * d;
          if (i == j) {
            GMOE_EM_PASS_BY_D(d, gmoe_em_pass_npair_v, a, agg + i * dd * L, p->lp + i * B,
                              p->lp + j * B, ui[0], ui[d > 1 ? 1 : 0], ui[d > 2 ? 2 : 0],
                              ui[d > 3 ? 3 : 0], ui[0], ui[0], ui[0], ui[0], 1);
            a += (1 + d + d * (d + 1) / 2) * L;
          } else {
            GMOE_EM_PASS_BY_D(d, gmoe_em_pass_npair_v, a, agg + i * dd * L, p->lp + i * B,
                              p->lp + j * B, ui[0], ui[d > 1 ? 1 : 0], ui[d > 2 ? 2 : 0],
                              ui[d > 3 ? 3 : 0], uj[0], uj[d > 1 ? 1 : 0], uj[d > 2 ? 2 : 0],
                              uj[d > 3 ? 3 : 0], 0);
            a += (1 + 2 * d + d * d) * L;
          }
        }
    }
    /* Gradient of sum lse. */
    for (i = 0; i < k1 && !fused && !nfused; i++) {
      const double *g = p->lp + i * B;
      gmoe_em_pass_acc1(a, g);
      a += L;
      for (j = 0; j < d; j++, a += L)
        gmoe_em_pass_acc2(a, g, ub[i * d + j]);
    }
    /* Hessian: sum_t (diag(g) - g g') weighted by u_i u_j'. */
    for (i = 0; i < k1 && !fused && !nfused && want_hess; i++)
      for (j = i; j < k1; j++) {
        double *c = p->t2, *w = p->t3;
        if (i == j)
          gmoe_em_pass_var(c, p->lp + i * B);
        else
          gmoe_em_pass_negmul(c, p->lp + i * B, p->lp + j * B);
        gmoe_em_pass_acc1(a, c);
        a += L;
        if (ident) {
          for (pp = 0; pp < d; pp++, a += L)
            gmoe_em_pass_acc2(a, c, xb[pp]);
          for (o = 0; o < d * (d + 1) / 2; o++, a += L)
            gmoe_em_pass_acc2(a, c, p->mono + o * B);
        } else if (i == j) {
          for (pp = 0; pp < d; pp++, a += L)
            gmoe_em_pass_acc2(a, c, ub[i * d + pp]);
          for (pp = 0; pp < d; pp++) {
            gmoe_em_pass_mul(w, c, ub[i * d + pp]);
            for (q = pp; q < d; q++, a += L)
              gmoe_em_pass_acc2(a, w, ub[i * d + q]);
          }
        } else {
          for (q = 0; q < d; q++, a += L)
            gmoe_em_pass_acc2(a, c, ub[j * d + q]);
          for (pp = 0; pp < d; pp++, a += L)
            gmoe_em_pass_acc2(a, c, ub[i * d + pp]);
          for (pp = 0; pp < d; pp++) {
            gmoe_em_pass_mul(w, c, ub[i * d + pp]);
            for (q = 0; q < d; q++, a += L)
              gmoe_em_pass_acc2(a, w, ub[j * d + q]);
          }
        }
      }
    /* Responsibilities of this block (padded for the last one). */
    if (want_r)
      for (i = 0; i < k1; i++) {
        if (cnt == B) {
          rb[i] = r + i * n + t0;
        } else {
          double *rp = p->rpad + i * B;
          for (t = 0; t < B; t++)
            rp[t] = t < cnt ? r[i * n + t0 + t] : 0.0;
          rb[i] = rp;
        }
      }
    /* sum_i g_i d2 s_i: sigma'' terms, fused with the raw responsibility
     * sums (which come last) for d <= 4. */
    if (nfused) {
      size_t nm = d * (d + 1) / 2, nr = 1 + d + nm;
      double *ar = a + k1 * nm * L + (learn ? (2 + k1 * dd) * L : 0);
      for (i = 0; i < k1; i++) {
        const double *const *ui = ub + i * d;
        if (want_r)
          GMOE_EM_PASS_BY_D(d, gmoe_em_pass_nsd2_v, a + i * nm * L, ar + i * nr * L,
                            p->lp + i * B, rb[i], p->act + i * B, p->d2 + i * B, ui[0],
                            ui[d > 1 ? 1 : 0], ui[d > 2 ? 2 : 0], ui[d > 3 ? 3 : 0], xb[0], x1,
                            x2, x3, 1);
        else
          GMOE_EM_PASS_BY_D(d, gmoe_em_pass_nsd2_v, a + i * nm * L, NULL, p->lp + i * B, NULL,
                            p->act + i * B, p->d2 + i * B, ui[0], ui[d > 1 ? 1 : 0],
                            ui[d > 2 ? 2 : 0], ui[d > 3 ? 3 : 0], xb[0], x1, x2, x3, 0);
      }
      a += k1 * nm * L;
    }
    if (!ident && !nfused)
      for (i = 0; i < k1; i++) {
        double *w = p->t2, *wx = p->t3;
        gmoe_em_pass_mul(w, p->lp + i * B, p->d2 + i * B);
        for (pp = 0; pp < d; pp++) {
          gmoe_em_pass_mul(wx, w, xb[pp]);
          for (q = pp; q < d; q++, a += L)
            gmoe_em_pass_acc2(a, wx, xb[q]);
        }
      }
    /* Temperature row and column. */
    if (learn) {
      double *v = p->v, *w2 = p->w2, *hh = p->t2;
      gmoe_em_pass_vw_init(v, w2, eref, sref);
      for (i = 0; i < k1; i++)
        gmoe_em_pass_vw_add(v, w2, p->act + i * B, p->lp + i * B, it);
      gmoe_em_pass_vw_h(hh, v, w2);
      gmoe_em_pass_acc1(a, v);
      a += L;
      gmoe_em_pass_acc1(a, hh);
      a += L;
      for (i = 0; i < k1; i++) {
        double *av = p->t2, *am = p->t3;
        gmoe_em_pass_tau_col(av, am, p->lp + i * B, v, p->act + i * B, it);
        gmoe_em_pass_acc1(a, av);
        a += L;
        for (pp = 0; pp < d; pp++, a += L)
          gmoe_em_pass_acc2(a, am, ub[i * d + pp]);
      }
    }
    /* Raw responsibility sums at this gate (done above for d <= 4). */
    if (want_r && !nfused) {
      for (i = 0; i < k1; i++) {
        double *w = p->t2, *wx = p->t3;
        gmoe_em_pass_acc2(a, rb[i], p->act + i * B);
        a += L;
        for (pp = 0; pp < d; pp++, a += L)
          gmoe_em_pass_acc2(a, rb[i], ub[i * d + pp]);
        gmoe_em_pass_mul(w, rb[i], p->d2 + i * B);
        for (pp = 0; pp < d; pp++) {
          gmoe_em_pass_mul(wx, w, xb[pp]);
          for (q = pp; q < d; q++, a += L)
            gmoe_em_pass_acc2(a, wx, xb[q]);
        }
      }
    }
  }
  /* Unpack in the same order. */
  memset(gg, 0, np * sizeof(double));
  if (want_hess)
    memset(hg, 0, np * np * sizeof(double));
#define GMOE_EM_PASS_NEXT() gmoe_em_pass_total(acc + (o++) * L)
#define GMOE_EM_PASS_SETH(a_, b_, v_) (hg[(a_) * np + (b_)] = hg[(b_) * np + (a_)] = (v_))
  o = 0;
  qg = GMOE_EM_PASS_NEXT();
  for (i = 0; i < k1; i++) {
    gg[i * dd] = GMOE_EM_PASS_NEXT();
    for (j = 0; j < d; j++)
      gg[i * dd + 1 + j] = it * GMOE_EM_PASS_NEXT();
  }
  for (i = 0; i < k1 && want_hess; i++)
    for (j = i; j < k1; j++) {
      size_t oi = i * dd, oj = j * dd;
      GMOE_EM_PASS_SETH(oi, oj, GMOE_EM_PASS_NEXT());
      if (ident) {
        for (pp = 0; pp < d; pp++) {
          double v = it * GMOE_EM_PASS_NEXT();
          GMOE_EM_PASS_SETH(oi, oj + 1 + pp, v);
          GMOE_EM_PASS_SETH(oi + 1 + pp, oj, v);
        }
        for (pp = 0; pp < d; pp++)
          for (q = pp; q < d; q++) {
            double v = it * it * GMOE_EM_PASS_NEXT();
            GMOE_EM_PASS_SETH(oi + 1 + pp, oj + 1 + q, v);
            GMOE_EM_PASS_SETH(oi + 1 + q, oj + 1 + pp, v);
          }
      } else if (i == j) {
        for (pp = 0; pp < d; pp++)
          GMOE_EM_PASS_SETH(oi, oi + 1 + pp, it * GMOE_EM_PASS_NEXT());
        for (pp = 0; pp < d; pp++)
          for (q = pp; q < d; q++)
            GMOE_EM_PASS_SETH(oi + 1 + pp, oi + 1 + q, it * it * GMOE_EM_PASS_NEXT());
      } else {
        for (q = 0; q < d; q++)
          GMOE_EM_PASS_SETH(oi, oj + 1 + q, it * GMOE_EM_PASS_NEXT());
        for (pp = 0; pp < d; pp++)
          GMOE_EM_PASS_SETH(oi + 1 + pp, oj, it * GMOE_EM_PASS_NEXT());
        for (pp = 0; pp < d; pp++)
          for (q = 0; q < d; q++)
            GMOE_EM_PASS_SETH(oi + 1 + pp, oj + 1 + q, it * it * GMOE_EM_PASS_NEXT());
      }
    }
  if (!ident)
    for (i = 0; i < k1; i++)
      for (pp = 0; pp < d; pp++)
        for (q = pp; q < d; q++) {
          size_t a1 = i * dd + 1 + pp, b1 = i * dd + 1 + q;
          GMOE_EM_PASS_SETH(a1, b1, hg[a1 * np + b1] + it * GMOE_EM_PASS_NEXT());
        }
  if (learn) {
    gg[pt] = -GMOE_EM_PASS_NEXT();
    hg[pt * np + pt] = GMOE_EM_PASS_NEXT();
    for (i = 0; i < k1; i++) {
      GMOE_EM_PASS_SETH(i * dd, pt, GMOE_EM_PASS_NEXT());
      for (pp = 0; pp < d; pp++)
        GMOE_EM_PASS_SETH(i * dd + 1 + pp, pt, it * GMOE_EM_PASS_NEXT());
    }
  }
  if (want_r)
    for (i = 0; i < k1; i++) {
      ra[i] = GMOE_EM_PASS_NEXT();
      for (pp = 0; pp < d; pp++)
        rd1[i * d + pp] = GMOE_EM_PASS_NEXT();
      for (pp = 0; pp < d; pp++)
        for (q = pp; q < d; q++)
          rd2[(i * d + pp) * d + q] = rd2[(i * d + q) * d + pp] = GMOE_EM_PASS_NEXT();
    }
#undef GMOE_EM_PASS_NEXT
#undef GMOE_EM_PASS_SETH
  (void)yb;
  return qg;
}
