// OpenBLAS (Debian libopenblas-dev): CBLAS, OpenBLAS's runtime queries, and the one LAPACK
// routine SparseSim uses, the SVD of kernel decomposition. Debian's OpenBLAS exports LAPACK's
// Fortran entry points from libopenblas itself, so no LAPACKE package is required.
#ifndef SPARSESIM_CBLAS_SHIM_H
#define SPARSESIM_CBLAS_SHIM_H

#include <cblas.h>

// Fortran LAPACK (column-major, every argument by pointer): A = U·Σ·Vᵀ in double precision.
void dgesvd_(const char *jobu, const char *jobvt, const int *m, const int *n,
             double *a, const int *lda, double *s, double *u, const int *ldu,
             double *vt, const int *ldvt, double *work, const int *lwork, int *info);

#endif
