/*
 * cgx's row kernels in C: the loops of kernels/fused.ts and the softmax of kernels/attention.ts,
 * compiled at set-up for this machine (scripts/build-native.sh) and called through koffi on the
 * wasm heap, as OpenBLAS is. Each function is the same arithmetic as its JavaScript twin, in the
 * same order, with double intermediates where JavaScript computes in double, so the two paths
 * agree to the last bit or two of float32; they are still separate kernel paths ("native" and
 * "openblas"), and a run directory resumes only on the path it started with.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#define EPS 1e-5
#define GELU_A 1.5957691216057308
#define GELU_B 0.044715

/* x [N,C], gamma [C], beta [C] -> y [N,C], xhat [N,C], rstd [N]. */
void cgx_layer_norm(const float *x, const float *g, const float *b, float *y, float *xh, float *rs, int N, int C) {
  for (int i = 0; i < N; i++) {
    const float *xr = x + (int64_t)i * C;
    double mean = 0;
    for (int j = 0; j < C; j++) mean += xr[j];
    mean /= C;
    double v = 0;
    for (int j = 0; j < C; j++) {
      double c = xr[j] - mean;
      v += c * c;
    }
    double r = 1 / sqrt(v / C + EPS);
    rs[i] = (float)r;
    float *yr = y + (int64_t)i * C, *hr = xh + (int64_t)i * C;
    for (int j = 0; j < C; j++) {
      double h = (xr[j] - mean) * r;
      hr[j] = (float)h;
      yr[j] = (float)(h * g[j] + b[j]);
    }
  }
}

/* dy [N,C], xhat [N,C], rstd [N], gamma [C] -> dx [N,C], dgamma [C], dbeta [C]; sg, sb: C doubles of scratch. */
void cgx_layer_norm_grad(const float *dy, const float *xh, const float *rs, const float *g, float *dx, float *dg, float *db, double *sg, double *sb, int N, int C) {
  memset(sg, 0, sizeof(double) * C);
  memset(sb, 0, sizeof(double) * C);
  for (int i = 0; i < N; i++) {
    const float *d = dy + (int64_t)i * C, *h = xh + (int64_t)i * C;
    double m1 = 0, m2 = 0;
    for (int j = 0; j < C; j++) {
      double dh = (double)d[j] * g[j];
      m1 += dh;
      m2 += dh * h[j];
      sg[j] += (double)d[j] * h[j];
      sb[j] += d[j];
    }
    m1 /= C;
    m2 /= C;
    double r = rs[i];
    float *o = dx + (int64_t)i * C;
    for (int j = 0; j < C; j++) o[j] = (float)(((double)d[j] * g[j] - m1 - h[j] * m2) * r);
  }
  for (int j = 0; j < C; j++) {
    dg[j] = (float)sg[j];
    db[j] = (float)sb[j];
  }
}

/* x -> A(x + B x^3), the argument of GELU's sigmoid. */
void cgx_gelu_arg(const float *x, float *u, int64_t n) {
  for (int64_t i = 0; i < n; i++) {
    double v = x[i];
    u[i] = (float)(GELU_A * (v + GELU_B * v * v * v));
  }
}

/* dy, x, s = sigmoid(A(x + B x^3)) -> dx = dy (s + x s (1 - s) A (1 + 3B x^2)). */
void cgx_gelu_grad(const float *dy, const float *x, const float *s, float *dx, int64_t n) {
  for (int64_t i = 0; i < n; i++) {
    double v = x[i], si = s[i];
    dx[i] = (float)(dy[i] * (si + v * si * (1 - si) * GELU_A * (1 + 3 * GELU_B * v * v)));
  }
}

/* logits [N,V], targets [N] -> grad [N,V]; returns the mean loss. */
double cgx_cross_entropy(const float *l, const int32_t *t, float *gr, int N, int V) {
  double total = 0;
  for (int i = 0; i < N; i++) {
    const float *row = l + (int64_t)i * V;
    float *gro = gr + (int64_t)i * V;
    double max = -INFINITY;
    for (int j = 0; j < V; j++) if (row[j] > max) max = row[j];
    double sum = 0;
    for (int j = 0; j < V; j++) {
      double e = exp(row[j] - max);
      gro[j] = (float)e;
      sum += e;
    }
    int target = t[i];
    total += max + log(sum) - row[target];
    double scale = 1 / (sum * N);
    for (int j = 0; j < V; j++) gro[j] = (float)(gro[j] * scale);
    gro[target] = (float)(gro[target] - 1.0 / N);
  }
  return total / N;
}

/* One AdamW step: w, g, m, v, mask (or null) -> w', m', v'. */
void cgx_adamw(const float *w, const float *g, const float *m, const float *v, const float *mask, float *ow, float *om, float *ov, int64_t n,
               double lr, double b1, double b2, double eps, double wd, double bc1, double bc2, double scale) {
  for (int64_t i = 0; i < n; i++) {
    double gi = g[i] * scale;
    double mi = b1 * m[i] + (1 - b1) * gi;
    double vi = b2 * v[i] + (1 - b2) * gi * gi;
    om[i] = (float)mi;
    ov[i] = (float)vi;
    double wi = w[i];
    double next = wi - lr * ((mi / bc1) / (sqrt(vi / bc2) + eps) + wd * wi);
    ow[i] = (float)(mask ? next * mask[i] : next);
  }
}

/* Adds the sum of squares of x to acc (double). */
double cgx_sum_squares(const float *x, int64_t n, double acc) {
  for (int64_t i = 0; i < n; i++) acc += (double)x[i] * x[i];
  return acc;
}

/* Causal softmax of the rows of a T x T score block, in place; the upper triangle becomes 0. */
void cgx_causal_softmax(float *P, int T) {
  for (int i = 0; i < T; i++) {
    float *row = P + (int64_t)i * T;
    double max = -INFINITY;
    for (int j = 0; j <= i; j++) if (row[j] > max) max = row[j];
    double sum = 0;
    for (int j = 0; j <= i; j++) {
      double e = exp(row[j] - max);
      row[j] = (float)e;
      sum += e;
    }
    double inv = 1 / sum;
    for (int j = 0; j <= i; j++) row[j] = (float)(row[j] * inv);
    for (int j = i + 1; j < T; j++) row[j] = 0;
  }
}

/* dS = P (dP - rowsum(P dP)) on the lower triangle, in place in dS (which holds dP); upper triangle 0. */
void cgx_causal_softmax_grad(const float *P, float *dS, int T) {
  for (int i = 0; i < T; i++) {
    const float *p = P + (int64_t)i * T;
    float *d = dS + (int64_t)i * T;
    double dot = 0;
    for (int j = 0; j <= i; j++) dot += (double)p[j] * d[j];
    for (int j = 0; j <= i; j++) d[j] = (float)(p[j] * (d[j] - dot));
    for (int j = i + 1; j < T; j++) d[j] = 0;
  }
}

/* Bumped whenever a signature above changes: the loader refuses a library built from older source. */
int cgx_kernels_abi(void) { return 1; }
