// SparseSim: the vectorized inner loops of the training kernels (sparse kernels, BatchNorm).
// Wrapped by Training's SparseKernels (Swift); nothing here is public API.
#ifndef SPARSESIM_CSPARSEKERNELS_H
#define SPARSESIM_CSPARSEKERNELS_H

#include <stddef.h>
#include <stdint.h>

/// destination[dst_off[g] + j] += sum_e value[e] * source[src_off[e] + j], j < length, for the
/// groups g in [g0, g1) whose entries are group_start[g] ..< group_start[g + 1].
void ss_add_rows(const ptrdiff_t *dst_off, const ptrdiff_t *group_start, ptrdiff_t g0, ptrdiff_t g1,
                 const ptrdiff_t *src_off, const float *value, const float *source, float *destination,
                 ptrdiff_t length);

/// gradient[index[e]] += dot(a + dst_off[g], b + src_off[e], length) for the entries of groups [g0, g1).
void ss_sampled_gradient(const ptrdiff_t *dst_off, const ptrdiff_t *group_start, ptrdiff_t g0, ptrdiff_t g1,
                         const ptrdiff_t *src_off, const int32_t *index, const float *a, const float *b,
                         ptrdiff_t length, float *gradient);

/// sum_j a[j] * b[j], j < n.
float ss_dot(const float *a, const float *b, ptrdiff_t n);

/// SWAT convolution weight gradient of one image, transposed ([C*R*S][K]), from the inputs
/// with |x| >= threshold (stride 1) and the output gradient dy ([K][P*Q]): see
/// SparseKernels.addSparseInputGradient.
void ss_sparse_input_conv(const float *x, float threshold, ptrdiff_t channels, ptrdiff_t h, ptrdiff_t w,
                          ptrdiff_t kernel, ptrdiff_t padding, ptrdiff_t p, ptrdiff_t q, const float *dy,
                          ptrdiff_t k, float *gradientT);

/// SWAT linear weight gradient, transposed ([inputs][outputs]), for inputs [i0, i1).
void ss_sparse_input_linear(const float *x, float threshold, ptrdiff_t n, ptrdiff_t inputs, ptrdiff_t i0,
                            ptrdiff_t i1, const float *dy, ptrdiff_t outputs, float *gradientT);

// MARK: - BatchNorm (batchnorm.c); x, y, dy, dx are [n][c][hw], one channel ch per call.

/// The channel's batch mean (rounded to float) and Σ (x − mean)², two passes, double accumulation.
void ss_bn_moments(const float *x, ptrdiff_t n, ptrdiff_t c, ptrdiff_t hw, ptrdiff_t ch, float *mean,
                   double *squared_deviation);

/// y = ((x − mean)·inverse_std)·scale + shift, then max(y, 0) when relu is non-zero.
void ss_bn_normalize(const float *x, float *y, ptrdiff_t n, ptrdiff_t c, ptrdiff_t hw, ptrdiff_t ch, float mean,
                     float inverse_std, float scale, float shift, int relu);

/// Σ g and Σ g·x̂ over the channel, x̂ = (x − mean)·inverse_std, g = dy (where y > 0 when y is
/// not NULL: the fused ReLU's gradient).
void ss_bn_backward_sums(const float *dy, const float *y, const float *x, ptrdiff_t n, ptrdiff_t c, ptrdiff_t hw,
                         ptrdiff_t ch, float mean, float inverse_std, double *sum_dy, double *sum_dy_xhat);

/// dx = k·((g − mean_dy) − x̂·mean_dy_xhat), g and x̂ as in ss_bn_backward_sums.
void ss_bn_backward_dx(const float *dy, const float *y, const float *x, float *dx, ptrdiff_t n, ptrdiff_t c,
                       ptrdiff_t hw, ptrdiff_t ch, float mean, float inverse_std, float k, float mean_dy,
                       float mean_dy_xhat);

/// The keep-th largest |v[i]| (1 <= keep <= n), exactly, by radix selection on the bit
/// patterns (NaN ranks above infinity); scratch holds n values.
float ss_kth_largest_magnitude(const float *v, ptrdiff_t n, ptrdiff_t keep, uint32_t *scratch);

/// The instruction set the kernels dispatched to: "avx512", "avx2" or "baseline".
const char *ss_kernel_isa(void);

/// For one output-channel group of the Cartesian product: per input tile t,
/// multiplier[t] = sum_c vw[c] * vi[t*channels + c] and products[t] = sum_c nw[c] * ni[t*channels + c].
/// The caller guarantees neither sum exceeds INT32_MAX.
void ss_cartesian_group(const int32_t *vw, const int32_t *nw, const int32_t *vi, const int32_t *ni,
                        ptrdiff_t channels, ptrdiff_t tiles, int64_t *multiplier, int64_t *products);

#endif
