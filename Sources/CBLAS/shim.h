// OpenBLAS (Debian libopenblas-dev): CBLAS, OpenBLAS's runtime queries, and the two
// LAPACK routines later issues need (liblapack.so.3 from OpenBLAS exports them from
// libopenblas itself, so no LAPACKE package is required).
#ifndef SPARSESIM_CBLAS_SHIM_H
#define SPARSESIM_CBLAS_SHIM_H

#include <cblas.h>

// Fortran LAPACK entry points (column-major, all arguments by pointer).
void sgesvd_(const char *jobu, const char *jobvt, const int *m, const int *n,
             float *a, const int *lda, float *s, float *u, const int *ldu,
             float *vt, const int *ldvt, float *work, const int *lwork, int *info);
void sgels_(const char *trans, const int *m, const int *n, const int *nrhs,
            float *a, const int *lda, float *b, const int *ldb,
            float *work, const int *lwork, int *info);

#endif
