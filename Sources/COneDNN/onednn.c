// SparseSim: oneDNN convolutions loaded with dlopen (see include/COneDNN.h).
#define _GNU_SOURCE
#include "COneDNN.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if __has_include(<oneapi/dnnl/dnnl.h>)
#include <oneapi/dnnl/dnnl.h>

// MARK: - The library's entry points

#define SS_DNNL_FUNCTIONS(X) \
    X(dnnl_version) X(dnnl_engine_create) X(dnnl_stream_create) X(dnnl_stream_destroy) X(dnnl_stream_wait) \
    X(dnnl_memory_desc_init_by_tag) X(dnnl_memory_desc_equal) X(dnnl_memory_create) X(dnnl_memory_destroy) \
    X(dnnl_memory_set_data_handle) X(dnnl_convolution_forward_desc_init) \
    X(dnnl_convolution_backward_data_desc_init) X(dnnl_convolution_backward_weights_desc_init) \
    X(dnnl_primitive_desc_create) X(dnnl_primitive_desc_destroy) \
    X(dnnl_primitive_desc_query_md) X(dnnl_primitive_create) X(dnnl_primitive_destroy) X(dnnl_primitive_execute) \
    X(dnnl_reorder_primitive_desc_create) X(dnnl_get_effective_cpu_isa) X(dnnl_primitive_attr_create) \
    X(dnnl_primitive_attr_destroy) X(dnnl_primitive_attr_set_scratchpad_mode) X(dnnl_memory_desc_get_size)

static struct {
#define SS_FIELD(name) __typeof__(&name) name;
    SS_DNNL_FUNCTIONS(SS_FIELD)
#undef SS_FIELD
    void (*omp_set_num_threads)(int);
    dnnl_engine_t engine;
    int loaded;
    char message[256];
} lib;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;

static const char *isa_name(dnnl_cpu_isa_t isa) {
    switch (isa) {
    case dnnl_cpu_isa_sse41: return "sse4.1";
    case dnnl_cpu_isa_avx: return "avx";
    case dnnl_cpu_isa_avx2: return "avx2";
    case dnnl_cpu_isa_avx512_mic: case dnnl_cpu_isa_avx512_mic_4ops: return "avx512-mic";
    case dnnl_cpu_isa_avx512_core: return "avx512";
    case dnnl_cpu_isa_avx512_core_vnni: return "avx512-vnni";
    case dnnl_cpu_isa_avx512_core_bf16: return "avx512-bf16";
    case dnnl_cpu_isa_avx512_core_amx: return "avx512-amx";
    case dnnl_cpu_isa_avx2_vnni: return "avx2-vnni";
    default: return "baseline";
    }
}

static void load(void) {
    // SPARSESIM_ONEDNN names another copy of the library (or a missing one, to turn it off).
    const char *path = getenv("SPARSESIM_ONEDNN");
    if (!path || !*path) path = "libdnnl.so.2";
    // OpenMP's threads otherwise spin for milliseconds after each convolution, taking a core
    // from the engine's own threads (BatchNorm, pooling) that run next (Docs/performance.md).
    // libgomp reads this when it loads, which is now. A user's own setting wins.
    if (!getenv("OMP_WAIT_POLICY") && !getenv("GOMP_SPINCOUNT")) setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
    void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        snprintf(lib.message, sizeof lib.message, "%s not found (apt-get install libdnnl-dev)", path);
        return;
    }
#define SS_RESOLVE(name) \
    lib.name = (__typeof__(&name))dlsym(handle, #name); \
    if (!lib.name) { snprintf(lib.message, sizeof lib.message, "%s lacks %s", path, #name); return; }
    SS_DNNL_FUNCTIONS(SS_RESOLVE)
#undef SS_RESOLVE
    // oneDNN's OpenMP runtime; its thread count is set per call.
    lib.omp_set_num_threads = (void (*)(int))dlsym(handle, "omp_set_num_threads");
    const dnnl_version_t *v = lib.dnnl_version();
    if (v->major != DNNL_VERSION_MAJOR) {
        snprintf(lib.message, sizeof lib.message, "%s is oneDNN %d.%d, built against %d.x", path, v->major, v->minor,
                 DNNL_VERSION_MAJOR);
        return;
    }
    if (lib.dnnl_engine_create(&lib.engine, dnnl_cpu, 0) != dnnl_success) {
        snprintf(lib.message, sizeof lib.message, "oneDNN %d.%d.%d has no CPU engine", v->major, v->minor, v->patch);
        return;
    }
    snprintf(lib.message, sizeof lib.message, "oneDNN %d.%d.%d (%s)", v->major, v->minor, v->patch,
             isa_name(lib.dnnl_get_effective_cpu_isa()));
    lib.loaded = 1;
}

int ss_dnnl_load(char *message, size_t length) {
    pthread_once(&load_once, load);
    if (message && length) snprintf(message, length, "%s", lib.message);
    return lib.loaded;
}

// MARK: - Ports: a user buffer and, when oneDNN wants another layout, its own copy

// Every primitive runs with a user-managed scratchpad (one buffer per convolution, its passes
// run one at a time): oneDNN's own scratchpad belongs to the thread that made the primitive,
// and a primitive run on another thread would share it with that thread's.

/// A primitive's scratchpad memory (NULL when it needs none); its handle is set once the
/// convolution's buffer exists. `largest` grows to the biggest size seen.
static dnnl_status_t scratch_init(dnnl_memory_t *m, const_dnnl_primitive_desc_t pd, size_t *largest) {
    *m = NULL;
    const dnnl_memory_desc_t *md = lib.dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
    size_t size = md ? lib.dnnl_memory_desc_get_size(md) : 0;
    if (size == 0) return dnnl_success;
    if (size > *largest) *largest = size;
    return lib.dnnl_memory_create(m, md, lib.engine, DNNL_MEMORY_NONE);
}

typedef struct {
    dnnl_memory_t user;     // the caller's buffer (handle set per call)
    dnnl_memory_t inner;    // oneDNN's layout, or NULL when it equals the user's
    dnnl_primitive_t reorder;
    dnnl_memory_t scratch;  // the reorder's scratchpad, or NULL
} port;

static dnnl_status_t port_init(port *p, const dnnl_memory_desc_t *user, const dnnl_memory_desc_t *inner, int output,
                               const_dnnl_primitive_attr_t attr, size_t *largest) {
    dnnl_status_t s = lib.dnnl_memory_create(&p->user, user, lib.engine, DNNL_MEMORY_NONE);
    if (s != dnnl_success || lib.dnnl_memory_desc_equal(user, inner)) return s;
    if ((s = lib.dnnl_memory_create(&p->inner, inner, lib.engine, DNNL_MEMORY_ALLOCATE)) != dnnl_success) return s;
    dnnl_primitive_desc_t pd;
    s = output ? lib.dnnl_reorder_primitive_desc_create(&pd, inner, lib.engine, user, lib.engine, attr)
               : lib.dnnl_reorder_primitive_desc_create(&pd, user, lib.engine, inner, lib.engine, attr);
    if (s != dnnl_success) return s;
    if ((s = scratch_init(&p->scratch, pd, largest)) == dnnl_success) s = lib.dnnl_primitive_create(&p->reorder, pd);
    lib.dnnl_primitive_desc_destroy(pd);
    return s;
}

static void port_destroy(port *p) {
    if (p->scratch) lib.dnnl_memory_destroy(p->scratch);
    if (p->reorder) lib.dnnl_primitive_destroy(p->reorder);
    if (p->inner) lib.dnnl_memory_destroy(p->inner);
    if (p->user) lib.dnnl_memory_destroy(p->user);
}

static dnnl_memory_t port_memory(const port *p) { return p->inner ? p->inner : p->user; }

/// Points the port at `data` and, for an input, copies it into oneDNN's layout.
static dnnl_status_t port_in(port *p, dnnl_stream_t stream, const void *data) {
    dnnl_status_t s = lib.dnnl_memory_set_data_handle(p->user, (void *)data);
    if (s != dnnl_success || !p->reorder) return s;
    dnnl_exec_arg_t args[3] = {{DNNL_ARG_FROM, p->user}, {DNNL_ARG_TO, p->inner}, {DNNL_ARG_SCRATCHPAD, p->scratch}};
    return lib.dnnl_primitive_execute(p->reorder, stream, p->scratch ? 3 : 2, args);
}

/// Copies an output from oneDNN's layout into `data`.
static dnnl_status_t port_out(port *p, dnnl_stream_t stream, void *data) {
    dnnl_status_t s = lib.dnnl_memory_set_data_handle(p->user, data);
    if (s != dnnl_success || !p->reorder) return s;
    dnnl_exec_arg_t args[3] = {{DNNL_ARG_FROM, p->inner}, {DNNL_ARG_TO, p->user}, {DNNL_ARG_SCRATCHPAD, p->scratch}};
    return lib.dnnl_primitive_execute(p->reorder, stream, p->scratch ? 3 : 2, args);
}

// MARK: - Convolutions

struct ss_dnnl_conv {
    dnnl_stream_t stream;
    dnnl_primitive_t forward, backward_data, backward_weights;
    dnnl_memory_t forward_scratch, backward_data_scratch, backward_weights_scratch;
    void *scratchpad;                                   // shared by every primitive's scratchpad
    port src, weights, bias, dst;                       // forward
    port diff_dst_d, weights_d, diff_src;               // backward data
    port src_w, diff_dst_w, diff_weights, diff_bias;    // backward weights
    int src_w_shares, diff_dst_shares;                  // reuse of forward's src, of backward data's dy
    const float *last_input;
    int has_bias, threads;
};

/// oneDNN fixes a primitive's thread count when it creates it (from OpenMP's setting of the
/// calling thread) and runs it with that many.
static void set_threads(int threads) {
    if (lib.omp_set_num_threads) lib.omp_set_num_threads(threads < 1 ? 1 : threads);
}

static const dnnl_memory_desc_t *query(const_dnnl_primitive_desc_t pd, dnnl_query_t what) {
    return lib.dnnl_primitive_desc_query_md(pd, what, 0);
}

#define SS_TRY(call, what) \
    if ((status = (call)) != dnnl_success) { step = what; goto fail; }

ss_dnnl_conv *ss_dnnl_conv_create(const int g[11], char *message, size_t length) {
    if (!ss_dnnl_load(message, length)) return NULL;
    const int n = g[0], c = g[1], h = g[2], w = g[3], k = g[4], r = g[5], stride = g[6], pad = g[7], groups = g[8];
    const int p = (h + 2 * pad - r) / stride + 1, q = (w + 2 * pad - r) / stride + 1;
    ss_dnnl_conv *conv = calloc(1, sizeof *conv);
    if (!conv) return NULL;
    conv->has_bias = g[9];
    conv->threads = g[10];
    set_threads(conv->threads);
    dnnl_status_t status = dnnl_success;
    const char *step = "";
    dnnl_primitive_desc_t fpd = NULL, bpd = NULL, wpd = NULL;
    dnnl_primitive_attr_t attr = NULL;
    size_t largest = 0;
    dnnl_memory_desc_t x_user, w_user, b_user, y_user, x_any, w_any, y_any;
    dnnl_dims_t x_dims = {n, c, h, w}, y_dims = {n, k, p, q}, b_dims = {k};
    dnnl_dims_t w_dims = {groups, k / groups, c / groups, r, r};
    dnnl_dims_t strides = {stride, stride}, padding = {pad, pad};
    const int w_rank = groups > 1 ? 5 : 4;
    if (groups == 1) { w_dims[0] = k; w_dims[1] = c; w_dims[2] = r; w_dims[3] = r; }
    SS_TRY(lib.dnnl_memory_desc_init_by_tag(&x_user, 4, x_dims, dnnl_f32, dnnl_nchw), "memory");
    SS_TRY(lib.dnnl_memory_desc_init_by_tag(&y_user, 4, y_dims, dnnl_f32, dnnl_nchw), "memory");
    SS_TRY(lib.dnnl_memory_desc_init_by_tag(&b_user, 1, b_dims, dnnl_f32, dnnl_x), "memory");
    SS_TRY(lib.dnnl_memory_desc_init_by_tag(&w_user, w_rank, w_dims, dnnl_f32, groups > 1 ? dnnl_goihw : dnnl_oihw), "memory");
    SS_TRY(lib.dnnl_memory_desc_init_by_tag(&x_any, 4, x_dims, dnnl_f32, dnnl_format_tag_any), "memory");
    SS_TRY(lib.dnnl_memory_desc_init_by_tag(&y_any, 4, y_dims, dnnl_f32, dnnl_format_tag_any), "memory");
    SS_TRY(lib.dnnl_memory_desc_init_by_tag(&w_any, w_rank, w_dims, dnnl_f32, dnnl_format_tag_any), "memory");
    SS_TRY(lib.dnnl_primitive_attr_create(&attr), "attributes");
    SS_TRY(lib.dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user), "attributes");
    dnnl_convolution_desc_t fd, bd, wd;
    SS_TRY(lib.dnnl_convolution_forward_desc_init(&fd, dnnl_forward_training, dnnl_convolution_direct, &x_any, &w_any,
                                                  conv->has_bias ? &b_user : NULL, &y_any, strides, padding, padding),
           "forward");
    SS_TRY(lib.dnnl_primitive_desc_create(&fpd, &fd, attr, lib.engine, NULL), "forward");
    SS_TRY(lib.dnnl_convolution_backward_data_desc_init(&bd, dnnl_convolution_direct, &x_any, &w_any, &y_any, strides,
                                                        padding, padding), "backward data");
    SS_TRY(lib.dnnl_primitive_desc_create(&bpd, &bd, attr, lib.engine, fpd), "backward data");
    SS_TRY(lib.dnnl_convolution_backward_weights_desc_init(&wd, dnnl_convolution_direct, &x_any, &w_any,
                                                           conv->has_bias ? &b_user : NULL, &y_any, strides, padding,
                                                           padding), "backward weights");
    SS_TRY(lib.dnnl_primitive_desc_create(&wpd, &wd, attr, lib.engine, fpd), "backward weights");

    SS_TRY(port_init(&conv->src, &x_user, query(fpd, dnnl_query_src_md), 0, attr, &largest), "forward input");
    SS_TRY(port_init(&conv->weights, &w_user, query(fpd, dnnl_query_weights_md), 0, attr, &largest), "forward weights");
    SS_TRY(port_init(&conv->bias, &b_user, &b_user, 0, attr, &largest), "bias");
    SS_TRY(port_init(&conv->dst, &y_user, query(fpd, dnnl_query_dst_md), 1, attr, &largest), "forward output");
    SS_TRY(port_init(&conv->diff_dst_d, &y_user, query(bpd, dnnl_query_diff_dst_md), 0, attr, &largest), "output gradient");
    SS_TRY(port_init(&conv->weights_d, &w_user, query(bpd, dnnl_query_weights_md), 0, attr, &largest), "backward weights");
    SS_TRY(port_init(&conv->diff_src, &x_user, query(bpd, dnnl_query_diff_src_md), 1, attr, &largest), "input gradient");
    SS_TRY(port_init(&conv->src_w, &x_user, query(wpd, dnnl_query_src_md), 0, attr, &largest), "weight-gradient input");
    SS_TRY(port_init(&conv->diff_dst_w, &y_user, query(wpd, dnnl_query_diff_dst_md), 0, attr, &largest), "output gradient");
    SS_TRY(port_init(&conv->diff_weights, &w_user, query(wpd, dnnl_query_diff_weights_md), 1, attr, &largest), "weight gradient");
    SS_TRY(port_init(&conv->diff_bias, &b_user, &b_user, 1, attr, &largest), "bias gradient");
    conv->src_w_shares = lib.dnnl_memory_desc_equal(query(fpd, dnnl_query_src_md), query(wpd, dnnl_query_src_md));
    conv->diff_dst_shares = lib.dnnl_memory_desc_equal(query(bpd, dnnl_query_diff_dst_md), query(wpd, dnnl_query_diff_dst_md));

    SS_TRY(scratch_init(&conv->forward_scratch, fpd, &largest), "forward");
    SS_TRY(scratch_init(&conv->backward_data_scratch, bpd, &largest), "backward data");
    SS_TRY(scratch_init(&conv->backward_weights_scratch, wpd, &largest), "backward weights");
    if (largest) {
        status = dnnl_out_of_memory;
        step = "scratchpad";
        if (posix_memalign(&conv->scratchpad, 64, largest) != 0) { conv->scratchpad = NULL; goto fail; }
        dnnl_memory_t scratches[] = {conv->forward_scratch, conv->backward_data_scratch, conv->backward_weights_scratch,
                                     conv->src.scratch, conv->weights.scratch, conv->dst.scratch, conv->diff_dst_d.scratch,
                                     conv->weights_d.scratch, conv->diff_src.scratch, conv->src_w.scratch,
                                     conv->diff_dst_w.scratch, conv->diff_weights.scratch};
        for (size_t i = 0; i < sizeof scratches / sizeof *scratches; i++)
            if (scratches[i]) SS_TRY(lib.dnnl_memory_set_data_handle(scratches[i], conv->scratchpad), "scratchpad");
    }
    SS_TRY(lib.dnnl_primitive_create(&conv->forward, fpd), "forward");
    SS_TRY(lib.dnnl_primitive_create(&conv->backward_data, bpd), "backward data");
    SS_TRY(lib.dnnl_primitive_create(&conv->backward_weights, wpd), "backward weights");
    SS_TRY(lib.dnnl_stream_create(&conv->stream, lib.engine, dnnl_stream_default_flags), "stream");
    lib.dnnl_primitive_desc_destroy(fpd);
    lib.dnnl_primitive_desc_destroy(bpd);
    lib.dnnl_primitive_desc_destroy(wpd);
    lib.dnnl_primitive_attr_destroy(attr);
    return conv;
fail:
    if (message && length) snprintf(message, length, "oneDNN refused the %s of a %dx%d convolution (status %d)", step, r, r, (int)status);
    if (fpd) lib.dnnl_primitive_desc_destroy(fpd);
    if (bpd) lib.dnnl_primitive_desc_destroy(bpd);
    if (wpd) lib.dnnl_primitive_desc_destroy(wpd);
    if (attr) lib.dnnl_primitive_attr_destroy(attr);
    ss_dnnl_conv_destroy(conv);
    return NULL;
}

int ss_dnnl_conv_forward(ss_dnnl_conv *conv, const float *x, const float *w, const float *bias, float *y) {
    set_threads(conv->threads);
    dnnl_status_t s;
    if ((s = port_in(&conv->src, conv->stream, x)) != dnnl_success) return s;
    if ((s = port_in(&conv->weights, conv->stream, w)) != dnnl_success) return s;
    if (conv->has_bias && (s = port_in(&conv->bias, conv->stream, bias)) != dnnl_success) return s;
    if ((s = lib.dnnl_memory_set_data_handle(conv->dst.user, y)) != dnnl_success) return s;
    dnnl_exec_arg_t args[5] = {{DNNL_ARG_SRC, port_memory(&conv->src)}, {DNNL_ARG_WEIGHTS, port_memory(&conv->weights)},
                               {DNNL_ARG_DST, port_memory(&conv->dst)}, {DNNL_ARG_SCRATCHPAD, conv->forward_scratch},
                               {DNNL_ARG_BIAS, port_memory(&conv->bias)}};
    int count = (conv->forward_scratch ? 4 : 3) + conv->has_bias;
    if (!conv->forward_scratch) args[3] = args[4];
    if ((s = lib.dnnl_primitive_execute(conv->forward, conv->stream, count, args)) != dnnl_success) return s;
    if ((s = port_out(&conv->dst, conv->stream, y)) != dnnl_success) return s;
    conv->last_input = x;
    return lib.dnnl_stream_wait(conv->stream);
}

int ss_dnnl_conv_backward(ss_dnnl_conv *conv, const float *x, const float *dy, const float *w, float *dw, float *db,
                          float *dx) {
    set_threads(conv->threads);
    dnnl_status_t s;
    if (dx) {
        if ((s = port_in(&conv->diff_dst_d, conv->stream, dy)) != dnnl_success) return s;
        if ((s = port_in(&conv->weights_d, conv->stream, w)) != dnnl_success) return s;
        if ((s = lib.dnnl_memory_set_data_handle(conv->diff_src.user, dx)) != dnnl_success) return s;
        dnnl_exec_arg_t args[4] = {{DNNL_ARG_DIFF_DST, port_memory(&conv->diff_dst_d)},
                                   {DNNL_ARG_WEIGHTS, port_memory(&conv->weights_d)},
                                   {DNNL_ARG_DIFF_SRC, port_memory(&conv->diff_src)},
                                   {DNNL_ARG_SCRATCHPAD, conv->backward_data_scratch}};
        if ((s = lib.dnnl_primitive_execute(conv->backward_data, conv->stream, conv->backward_data_scratch ? 4 : 3, args))
            != dnnl_success)
            return s;
        if ((s = port_out(&conv->diff_src, conv->stream, dx)) != dnnl_success) return s;
    }
    // The output gradient in the weight pass's layout: backward data's copy when they agree.
    dnnl_memory_t diff_dst;
    if (dx && conv->diff_dst_shares) {
        diff_dst = port_memory(&conv->diff_dst_d);
    } else {
        if ((s = port_in(&conv->diff_dst_w, conv->stream, dy)) != dnnl_success) return s;
        diff_dst = port_memory(&conv->diff_dst_w);
    }
    // The input: forward's copy when it is the same input in the same layout.
    dnnl_memory_t src;
    if (!x && conv->src_w_shares) {
        src = port_memory(&conv->src);
    } else {
        if ((s = port_in(&conv->src_w, conv->stream, x ? x : conv->last_input)) != dnnl_success) return s;
        src = port_memory(&conv->src_w);
    }
    if ((s = lib.dnnl_memory_set_data_handle(conv->diff_weights.user, dw)) != dnnl_success) return s;
    if (conv->has_bias && (s = lib.dnnl_memory_set_data_handle(conv->diff_bias.user, db)) != dnnl_success) return s;
    dnnl_exec_arg_t args[5] = {{DNNL_ARG_SRC, src}, {DNNL_ARG_DIFF_DST, diff_dst},
                               {DNNL_ARG_DIFF_WEIGHTS, port_memory(&conv->diff_weights)},
                               {DNNL_ARG_SCRATCHPAD, conv->backward_weights_scratch},
                               {DNNL_ARG_DIFF_BIAS, port_memory(&conv->diff_bias)}};
    int count = (conv->backward_weights_scratch ? 4 : 3) + conv->has_bias;
    if (!conv->backward_weights_scratch) args[3] = args[4];
    if ((s = lib.dnnl_primitive_execute(conv->backward_weights, conv->stream, count, args)) != dnnl_success) return s;
    if ((s = port_out(&conv->diff_weights, conv->stream, dw)) != dnnl_success) return s;
    return lib.dnnl_stream_wait(conv->stream);
}

void ss_dnnl_conv_destroy(ss_dnnl_conv *conv) {
    if (!conv) return;
    if (conv->forward) lib.dnnl_primitive_destroy(conv->forward);
    if (conv->backward_data) lib.dnnl_primitive_destroy(conv->backward_data);
    if (conv->backward_weights) lib.dnnl_primitive_destroy(conv->backward_weights);
    port *ports[] = {&conv->src, &conv->weights, &conv->bias, &conv->dst, &conv->diff_dst_d, &conv->weights_d,
                     &conv->diff_src, &conv->src_w, &conv->diff_dst_w, &conv->diff_weights, &conv->diff_bias};
    for (size_t i = 0; i < sizeof ports / sizeof *ports; i++) port_destroy(ports[i]);
    dnnl_memory_t scratches[] = {conv->forward_scratch, conv->backward_data_scratch, conv->backward_weights_scratch};
    for (size_t i = 0; i < 3; i++)
        if (scratches[i]) lib.dnnl_memory_destroy(scratches[i]);
    free(conv->scratchpad);
    if (conv->stream) lib.dnnl_stream_destroy(conv->stream);
    free(conv);
}

#else  // Built without oneDNN's headers: everything reports that.

int ss_dnnl_load(char *message, size_t length) {
    if (message && length) snprintf(message, length, "built without oneDNN's headers (apt-get install libdnnl-dev, then rebuild)");
    return 0;
}
ss_dnnl_conv *ss_dnnl_conv_create(const int geometry[11], char *message, size_t length) {
    (void)geometry;
    ss_dnnl_load(message, length);
    return NULL;
}
int ss_dnnl_conv_forward(ss_dnnl_conv *conv, const float *x, const float *w, const float *bias, float *y) {
    (void)conv; (void)x; (void)w; (void)bias; (void)y;
    return -1;
}
int ss_dnnl_conv_backward(ss_dnnl_conv *conv, const float *x, const float *dy, const float *w, float *dw, float *db,
                          float *dx) {
    (void)conv; (void)x; (void)dy; (void)w; (void)dw; (void)db; (void)dx;
    return -1;
}
void ss_dnnl_conv_destroy(ss_dnnl_conv *conv) { (void)conv; }

#endif
