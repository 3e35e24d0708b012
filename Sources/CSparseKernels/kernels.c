// SparseSim: the vectorized inner loops of the sparse training kernels, compiled for AVX-512,
// AVX2+FMA and baseline x86-64, chosen at load time (ifunc). Other targets get one portable
// version.
#include "CSparseKernels.h"

#include <stdlib.h>

#if defined(__x86_64__) && defined(__clang__) && defined(__linux__)
#define SS_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define SS_CLONES
#endif

// Rows are processed in blocks of SS_BLOCK elements, all groups per block, so that the
// block's source and destination rows stay in L1 instead of streaming each row from L2 once
// per entry.
#ifndef SS_BLOCK
#define SS_BLOCK 128
#endif

SS_CLONES
void ss_add_rows(const ptrdiff_t *dst_off, const ptrdiff_t *group_start, ptrdiff_t g0, ptrdiff_t g1,
                 const ptrdiff_t *src_off, const float *value, const float *restrict source,
                 float *restrict destination, ptrdiff_t length) {
    for (ptrdiff_t j0 = 0; j0 < length; j0 += SS_BLOCK) {
        const ptrdiff_t n = length - j0 < SS_BLOCK ? length - j0 : SS_BLOCK;
        const float *restrict src = source + j0;
        for (ptrdiff_t g = g0; g < g1; g++) {
            float *restrict d = destination + dst_off[g] + j0;
            ptrdiff_t e = group_start[g];
            const ptrdiff_t end = group_start[g + 1];
            for (; e + 4 <= end; e += 4) {
                const float *s0 = src + src_off[e], *s1 = src + src_off[e + 1];
                const float *s2 = src + src_off[e + 2], *s3 = src + src_off[e + 3];
                const float v0 = value[e], v1 = value[e + 1], v2 = value[e + 2], v3 = value[e + 3];
                for (ptrdiff_t j = 0; j < n; j++) d[j] += (v0 * s0[j] + v1 * s1[j]) + (v2 * s2[j] + v3 * s3[j]);
            }
            if (e + 2 <= end) {
                const float *s0 = src + src_off[e], *s1 = src + src_off[e + 1];
                const float v0 = value[e], v1 = value[e + 1];
                for (ptrdiff_t j = 0; j < n; j++) d[j] += v0 * s0[j] + v1 * s1[j];
                e += 2;
            }
            if (e < end) {
                const float *s0 = src + src_off[e];
                const float v0 = value[e];
                for (ptrdiff_t j = 0; j < n; j++) d[j] += v0 * s0[j];
            }
        }
    }
}

// The dot product's partial sums: 16 lanes, combined in a fixed order.
static inline __attribute__((always_inline)) float dot16(const float *a, const float *b, ptrdiff_t n) {
    float s[16] = {0};
    ptrdiff_t j = 0;
    for (; j + 16 <= n; j += 16)
        for (int l = 0; l < 16; l++) s[l] += a[j + l] * b[j + l];
    float tail = 0;
    for (; j < n; j++) tail += a[j] * b[j];
    for (int l = 0; l < 8; l++) s[l] += s[l + 8];
    for (int l = 0; l < 4; l++) s[l] += s[l + 4];
    return ((s[0] + s[2]) + (s[1] + s[3])) + tail;
}

SS_CLONES
float ss_dot(const float *a, const float *b, ptrdiff_t n) { return dot16(a, b, n); }

// Four dot products sharing `a`: a is loaded once per four products.
static inline __attribute__((always_inline)) void dot16x4(const float *a, const float *b0, const float *b1,
                                                          const float *b2, const float *b3, ptrdiff_t n, float out[4]) {
    float s0[16] = {0}, s1[16] = {0}, s2[16] = {0}, s3[16] = {0};
    ptrdiff_t j = 0;
    for (; j + 16 <= n; j += 16) {
        for (int l = 0; l < 16; l++) {
            const float x = a[j + l];
            s0[l] += x * b0[j + l];
            s1[l] += x * b1[j + l];
            s2[l] += x * b2[j + l];
            s3[l] += x * b3[j + l];
        }
    }
    float t0 = 0, t1 = 0, t2 = 0, t3 = 0;
    for (; j < n; j++) {
        t0 += a[j] * b0[j];
        t1 += a[j] * b1[j];
        t2 += a[j] * b2[j];
        t3 += a[j] * b3[j];
    }
    for (int l = 0; l < 8; l++) {
        s0[l] += s0[l + 8];
        s1[l] += s1[l + 8];
        s2[l] += s2[l + 8];
        s3[l] += s3[l + 8];
    }
    for (int l = 0; l < 4; l++) {
        s0[l] += s0[l + 4];
        s1[l] += s1[l + 4];
        s2[l] += s2[l + 4];
        s3[l] += s3[l + 4];
    }
    out[0] = ((s0[0] + s0[2]) + (s0[1] + s0[3])) + t0;
    out[1] = ((s1[0] + s1[2]) + (s1[1] + s1[3])) + t1;
    out[2] = ((s2[0] + s2[2]) + (s2[1] + s2[3])) + t2;
    out[3] = ((s3[0] + s3[2]) + (s3[1] + s3[3])) + t3;
}

SS_CLONES
void ss_sampled_gradient(const ptrdiff_t *dst_off, const ptrdiff_t *group_start, ptrdiff_t g0, ptrdiff_t g1,
                         const ptrdiff_t *src_off, const int32_t *index, const float *a, const float *b,
                         ptrdiff_t length, float *gradient) {
    // (Blocking over j as in ss_add_rows measured no faster here: each group's `a` row stays
    // in L1 and the four products share its loads.)
    for (ptrdiff_t g = g0; g < g1; g++) {
        const float *ag = a + dst_off[g];
        ptrdiff_t e = group_start[g];
        const ptrdiff_t end = group_start[g + 1];
        for (; e + 4 <= end; e += 4) {
            float d[4];
            dot16x4(ag, b + src_off[e], b + src_off[e + 1], b + src_off[e + 2], b + src_off[e + 3], length, d);
            gradient[index[e]] += d[0];
            gradient[index[e + 1]] += d[1];
            gradient[index[e + 2]] += d[2];
            gradient[index[e + 3]] += d[3];
        }
        for (; e < end; e++) gradient[index[e]] += dot16(ag, b + src_off[e], length);
    }
}

// The output gradient is transposed to [position][K] inside a zero margin of R - 1 rows and
// columns, so that every (kept input, r, s) reads a valid row without a bounds test. Per
// channel the kept inputs are listed once; then for every (r, s) and every 16 filters their
// products accumulate in vector registers (four independent chains) before a single add into
// the gradient row.
SS_CLONES
void ss_sparse_input_conv(const float *x, float threshold, ptrdiff_t channels, ptrdiff_t h, ptrdiff_t w,
                          ptrdiff_t kernel, ptrdiff_t padding, ptrdiff_t p, ptrdiff_t q, const float *restrict dy,
                          ptrdiff_t k, float *restrict gradientT) {
    const ptrdiff_t m = kernel - 1, pm = p + 2 * m, qm = q + 2 * m, hw = h * w, pq = p * q;
    float *dyT = calloc((size_t)(pm * qm * k), sizeof(float));
    ptrdiff_t *offsets = malloc((size_t)hw * sizeof(ptrdiff_t));
    ptrdiff_t *position = malloc((size_t)hw * sizeof(ptrdiff_t));
    float *values = malloc((size_t)hw * sizeof(float));
    if (!dyT || !offsets || !position || !values) abort();
    // Transposed row by row: the K strided reads of a position share cache lines with the
    // next 15 positions' reads, and the writes are contiguous.
    for (ptrdiff_t pp = 0; pp < p; pp++)
        for (ptrdiff_t qq = 0; qq < q; qq++) {
            const float *src = dy + pp * q + qq;
            float *restrict row = dyT + ((pp + m) * qm + qq + m) * k;
            for (ptrdiff_t kk = 0; kk < k; kk++) row[kk] = src[kk * pq];
        }
    // Input (hh, ww) meets output position (hh + padding - r, ww + padding - s), shifted by
    // the margin: its row offset for (r, s) = (0, 0).
    for (ptrdiff_t hh = 0; hh < h; hh++)
        for (ptrdiff_t ww = 0; ww < w; ww++) position[hh * w + ww] = ((hh + padding + m) * qm + ww + padding + m) * k;
    for (ptrdiff_t c = 0; c < channels; c++) {
        const float *plane = x + c * hw;
        ptrdiff_t kept = 0;
        // The kept inputs, 16 at a time: a vector compare makes a bit mask, whose set bits
        // are listed (cost per kept input, not per input).
        ptrdiff_t j0 = 0;
        for (; j0 + 16 <= hw; j0 += 16) {
            uint32_t bits = 0;
            for (int l = 0; l < 16; l++) {
                const float v = plane[j0 + l];
                bits |= (uint32_t)((v != 0) & (__builtin_fabsf(v) >= threshold)) << l;
            }
            while (bits) {
                const ptrdiff_t j = j0 + __builtin_ctz(bits);
                bits &= bits - 1;
                offsets[kept] = position[j];
                values[kept] = plane[j];
                kept++;
            }
        }
        for (; j0 < hw; j0++) {
            const float v = plane[j0];
            if ((v != 0) & (__builtin_fabsf(v) >= threshold)) {
                offsets[kept] = position[j0];
                values[kept] = v;
                kept++;
            }
        }
        if (kept == 0) continue;
        for (ptrdiff_t r = 0; r < kernel; r++) {
            for (ptrdiff_t s = 0; s < kernel; s++) {
                float *dst = gradientT + ((c * kernel + r) * kernel + s) * k;
                const ptrdiff_t shift = (r * qm + s) * k;
                ptrdiff_t k0 = 0;
                for (; k0 + 16 <= k; k0 += 16) {
                    // Four independent accumulators: one would wait on the previous
                    // multiply-add's latency (4 cycles) at every kept input.
                    float a0[16] = {0}, a1[16] = {0}, a2[16] = {0}, a3[16] = {0};
                    const float *base = dyT - shift + k0;
                    ptrdiff_t e = 0;
                    for (; e + 4 <= kept; e += 4) {
                        const float v0 = values[e], v1 = values[e + 1], v2 = values[e + 2], v3 = values[e + 3];
                        const float *s0 = base + offsets[e], *s1 = base + offsets[e + 1];
                        const float *s2 = base + offsets[e + 2], *s3 = base + offsets[e + 3];
                        for (int l = 0; l < 16; l++) {
                            a0[l] += v0 * s0[l];
                            a1[l] += v1 * s1[l];
                            a2[l] += v2 * s2[l];
                            a3[l] += v3 * s3[l];
                        }
                    }
                    for (; e < kept; e++) {
                        const float v = values[e];
                        const float *src = base + offsets[e];
                        for (int l = 0; l < 16; l++) a0[l] += v * src[l];
                    }
                    for (int l = 0; l < 16; l++) dst[k0 + l] += (a0[l] + a1[l]) + (a2[l] + a3[l]);
                }
                for (ptrdiff_t e = 0; k0 < k && e < kept; e++) {
                    const float v = values[e];
                    const float *src = dyT + (offsets[e] - shift);
                    for (ptrdiff_t j = k0; j < k; j++) dst[j] += v * src[j];
                }
            }
        }
    }
    free(dyT);
    free(offsets);
    free(position);
    free(values);
}

SS_CLONES
void ss_sparse_input_linear(const float *x, float threshold, ptrdiff_t n, ptrdiff_t inputs, ptrdiff_t i0,
                            ptrdiff_t i1, const float *restrict dy, ptrdiff_t outputs, float *restrict gradientT) {
    for (ptrdiff_t sample = 0; sample < n; sample++) {
        const float *row = x + sample * inputs, *g = dy + sample * outputs;
        for (ptrdiff_t i = i0; i < i1; i++) {
            const float v = row[i];
            if (v == 0 || !(__builtin_fabsf(v) >= threshold)) continue;
            float *dst = gradientT + i * outputs;
            for (ptrdiff_t o = 0; o < outputs; o++) dst[o] += v * g[o];
        }
    }
}

const char *ss_kernel_isa(void) {
#if defined(__x86_64__) && defined(__clang__) && defined(__linux__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("x86-64-v4")) return "avx512";
    if (__builtin_cpu_supports("x86-64-v3")) return "avx2";
#endif
    return "baseline";
}

// MARK: - Radix selection

// The bucket of `hist` (scanned from the top) holding the element of rank `*rank` counted
// from the largest (1-based); `*rank` becomes the rank within that bucket.
static ptrdiff_t top_bucket(const ptrdiff_t *hist, ptrdiff_t buckets, ptrdiff_t *rank) {
    for (ptrdiff_t b = buckets - 1; b > 0; b--) {
        if (*rank <= hist[b]) return b;
        *rank -= hist[b];
    }
    return 0;
}

float ss_kth_largest_magnitude(const float *v, ptrdiff_t n, ptrdiff_t keep, uint32_t *scratch) {
    // Non-negative floats order as their bit patterns: select on the 31-bit keys |v|, 11 bits,
    // then 12, then 8. The first pass reads everything; the others only the first bucket's keys.
    ptrdiff_t hist[4096];
    ptrdiff_t rank = keep;
    for (ptrdiff_t b = 0; b < 2048; b++) hist[b] = 0;
    const uint32_t *bits = (const uint32_t *)v;
    for (ptrdiff_t i = 0; i < n; i++) hist[(bits[i] & 0x7fffffffu) >> 20]++;
    const uint32_t b1 = (uint32_t)top_bucket(hist, 2048, &rank);
    ptrdiff_t m = 0;
    for (ptrdiff_t i = 0; i < n; i++) {
        const uint32_t key = bits[i] & 0x7fffffffu;
        scratch[m] = key;
        m += (key >> 20) == b1;
    }
    for (ptrdiff_t b = 0; b < 4096; b++) hist[b] = 0;
    for (ptrdiff_t i = 0; i < m; i++) hist[(scratch[i] >> 8) & 0xfffu]++;
    const uint32_t b2 = (uint32_t)top_bucket(hist, 4096, &rank);
    for (ptrdiff_t b = 0; b < 256; b++) hist[b] = 0;
    for (ptrdiff_t i = 0; i < m; i++)
        if (((scratch[i] >> 8) & 0xfffu) == b2) hist[scratch[i] & 0xffu]++;
    const uint32_t b3 = (uint32_t)top_bucket(hist, 256, &rank);
    const uint32_t key = (b1 << 20) | (b2 << 8) | b3;
    float out;
    __builtin_memcpy(&out, &key, sizeof out);
    return out;
}

// MARK: - Simulator: the Cartesian product's per-tile sums

SS_CLONES
void ss_cartesian_group(const int32_t *vw, const int32_t *nw, const int32_t *vi, const int32_t *ni,
                        ptrdiff_t channels, ptrdiff_t tiles, int64_t *multiplier, int64_t *products) {
    for (ptrdiff_t t = 0; t < tiles; t++) {
        const int32_t *a = vi + t * channels, *b = ni + t * channels;
        int32_t m = 0, p = 0;
        for (ptrdiff_t c = 0; c < channels; c++) {
            m += vw[c] * a[c];
            p += nw[c] * b[c];
        }
        multiplier[t] = m;
        products[t] = p;
    }
}
