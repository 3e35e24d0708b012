// SparseSim: oneDNN's convolutions behind a narrow C interface, loaded at run time.
//
// libdnnl.so.2 (Debian's libdnnl-dev, the library PyTorch calls on CPUs) is opened with dlopen
// on first use, so a machine without it builds and runs: ss_dnnl_load says why it is not there
// and the training engine keeps its own im2col + OpenBLAS convolutions. Wrapped by Training's
// OneDNNConvolution (Swift); nothing here is public API.
#ifndef SPARSESIM_CONEDNN_H
#define SPARSESIM_CONEDNN_H

#include <stddef.h>

/// Opens oneDNN (libdnnl.so.2, or the file the environment variable SPARSESIM_ONEDNN names)
/// and its CPU engine once. Returns 1 when it is usable, writing its version and
/// instruction set into `message`; 0 otherwise, writing why.
int ss_dnnl_load(char *message, size_t length);

/// One convolution's primitives for a fixed batch: NCHW activations, [K][C/groups][R][S]
/// weights; oneDNN picks its own (blocked) layouts inside and reorders at the edges.
typedef struct ss_dnnl_conv ss_dnnl_conv;

/// Creates the forward, backward-data and backward-weights primitives for
/// geometry = {n, c, h, w, k, kernel, stride, padding, groups, has_bias, threads}; they run on
/// that many OpenMP threads. Returns NULL and writes why into `message` when oneDNN cannot.
ss_dnnl_conv *ss_dnnl_conv_create(const int geometry[11], char *message, size_t length);

/// y = conv(x, w) + bias (bias may be NULL without has_bias). Keeps x in oneDNN's layout for
/// ss_dnnl_conv_backward. Returns 0 on success.
int ss_dnnl_conv_forward(ss_dnnl_conv *conv, const float *x, const float *w, const float *bias, float *y);

/// dw = ∂L/∂w from dy and the inputs (x, or the last forward pass's input when x is NULL);
/// db = ∂L/∂bias with has_bias; dx = ∂L/∂x when dx is not NULL. Returns 0 on success.
int ss_dnnl_conv_backward(ss_dnnl_conv *conv, const float *x, const float *dy, const float *w,
                          float *dw, float *db, float *dx);

void ss_dnnl_conv_destroy(ss_dnnl_conv *conv);

#endif
