// SparseSim: BatchNorm's per-channel loops (optionally fused with the ReLU that follows), compiled
// for AVX-512, AVX2 and baseline x86-64 like the sparse kernels. Contraction into FMA is off here,
// so every clone rounds alike and BatchNorm's results do not depend on the instruction set.
#include "CSparseKernels.h"

#pragma clang fp contract(off)

#if defined(__x86_64__) && defined(__clang__) && defined(__linux__)
#define SS_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define SS_CLONES
#endif

// MARK: - Helpers (inlined into each clone)

// Lanes of the partial sums; combined in a fixed order, so every clone gives the same bits.
#define SS_LANES 16

static inline __attribute__((always_inline)) float combine(float *s) {
    for (int l = 0; l < 8; l++) s[l] += s[l + 8];
    for (int l = 0; l < 4; l++) s[l] += s[l + 4];
    return (s[0] + s[2]) + (s[1] + s[3]);
}

static inline __attribute__((always_inline)) float sum_row(const float *restrict x, ptrdiff_t n) {
    float s[SS_LANES] = {0};
    ptrdiff_t j = 0;
    for (; j + SS_LANES <= n; j += SS_LANES)
        for (int l = 0; l < SS_LANES; l++) s[l] += x[j + l];
    float tail = 0;
    for (; j < n; j++) tail += x[j];
    return combine(s) + tail;
}

static inline __attribute__((always_inline)) float squared_deviation_row(const float *restrict x, ptrdiff_t n,
                                                                         float mean) {
    float s[SS_LANES] = {0};
    ptrdiff_t j = 0;
    for (; j + SS_LANES <= n; j += SS_LANES)
        for (int l = 0; l < SS_LANES; l++) {
            const float d = x[j + l] - mean;
            s[l] += d * d;
        }
    float tail = 0;
    for (; j < n; j++) {
        const float d = x[j] - mean;
        tail += d * d;
    }
    return combine(s) + tail;
}

// MARK: - Forward

SS_CLONES
void ss_bn_moments(const float *x, ptrdiff_t n, ptrdiff_t c, ptrdiff_t hw, ptrdiff_t ch, float *mean,
                   double *squared_deviation) {
    double sum = 0;
    for (ptrdiff_t i = 0; i < n; i++) sum += (double)sum_row(x + (i * c + ch) * hw, hw);
    const float m = (float)(sum / (double)(n * hw));
    double sq = 0;
    for (ptrdiff_t i = 0; i < n; i++) sq += (double)squared_deviation_row(x + (i * c + ch) * hw, hw, m);
    *mean = m;
    *squared_deviation = sq;
}

SS_CLONES
void ss_bn_normalize(const float *x, float *y, ptrdiff_t n, ptrdiff_t c, ptrdiff_t hw, ptrdiff_t ch, float mean,
                     float inverse_std, float scale, float shift, int relu) {
    for (ptrdiff_t i = 0; i < n; i++) {
        const float *restrict xs = x + (i * c + ch) * hw;
        float *restrict ys = y + (i * c + ch) * hw;
        if (relu) {
            for (ptrdiff_t j = 0; j < hw; j++) {
                const float v = ((xs[j] - mean) * inverse_std) * scale + shift;
                ys[j] = v < 0 ? 0 : v;  // NaN passes through, as in ReLU
            }
        } else {
            for (ptrdiff_t j = 0; j < hw; j++) ys[j] = ((xs[j] - mean) * inverse_std) * scale + shift;
        }
    }
}

// MARK: - Backward

SS_CLONES
void ss_bn_backward_sums(const float *dy, const float *y, const float *x, ptrdiff_t n, ptrdiff_t c, ptrdiff_t hw,
                         ptrdiff_t ch, float mean, float inverse_std, double *sum_dy, double *sum_dy_xhat) {
    double sd = 0, sdx = 0;
    for (ptrdiff_t i = 0; i < n; i++) {
        const ptrdiff_t base = (i * c + ch) * hw;
        const float *restrict g = dy + base, *restrict xs = x + base;
        float s[SS_LANES] = {0}, t[SS_LANES] = {0};
        float tail_s = 0, tail_t = 0;
        ptrdiff_t j = 0;
        if (y) {
            const float *restrict ys = y + base;
            for (; j + SS_LANES <= hw; j += SS_LANES)
                for (int l = 0; l < SS_LANES; l++) {
                    const float gv = ys[j + l] > 0 ? g[j + l] : 0;
                    s[l] += gv;
                    t[l] += gv * ((xs[j + l] - mean) * inverse_std);
                }
            for (; j < hw; j++) {
                const float gv = ys[j] > 0 ? g[j] : 0;
                tail_s += gv;
                tail_t += gv * ((xs[j] - mean) * inverse_std);
            }
        } else {
            for (; j + SS_LANES <= hw; j += SS_LANES)
                for (int l = 0; l < SS_LANES; l++) {
                    s[l] += g[j + l];
                    t[l] += g[j + l] * ((xs[j + l] - mean) * inverse_std);
                }
            for (; j < hw; j++) {
                tail_s += g[j];
                tail_t += g[j] * ((xs[j] - mean) * inverse_std);
            }
        }
        sd += (double)(combine(s) + tail_s);
        sdx += (double)(combine(t) + tail_t);
    }
    *sum_dy = sd;
    *sum_dy_xhat = sdx;
}

SS_CLONES
void ss_bn_backward_dx(const float *dy, const float *y, const float *x, float *dx, ptrdiff_t n, ptrdiff_t c,
                       ptrdiff_t hw, ptrdiff_t ch, float mean, float inverse_std, float k, float mean_dy,
                       float mean_dy_xhat) {
    for (ptrdiff_t i = 0; i < n; i++) {
        const ptrdiff_t base = (i * c + ch) * hw;
        const float *restrict g = dy + base, *restrict xs = x + base;
        float *restrict d = dx + base;
        if (y) {
            const float *restrict ys = y + base;
            for (ptrdiff_t j = 0; j < hw; j++) {
                const float gv = ys[j] > 0 ? g[j] : 0;
                d[j] = k * ((gv - mean_dy) - ((xs[j] - mean) * inverse_std) * mean_dy_xhat);
            }
        } else {
            for (ptrdiff_t j = 0; j < hw; j++)
                d[j] = k * ((g[j] - mean_dy) - ((xs[j] - mean) * inverse_std) * mean_dy_xhat);
        }
    }
}
