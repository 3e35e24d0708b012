// OpenBLAS (Debian libopenblas-dev): CBLAS, OpenBLAS's runtime queries, and the LAPACK
// routines SparseSim uses: the SVD of kernel decomposition, and the Cholesky factorization and
// inverse of SparseGPT's Hessians. Debian's OpenBLAS exports LAPACK's
// Fortran entry points from libopenblas itself, so no LAPACKE package is required.
#ifndef SPARSESIM_CBLAS_SHIM_H
#define SPARSESIM_CBLAS_SHIM_H

#include <cblas.h>

// Fortran LAPACK (column-major, every argument by pointer): A = U·Σ·Vᵀ in double precision.
void dgesvd_(const char *jobu, const char *jobvt, const int *m, const int *n,
             double *a, const int *lda, double *s, double *u, const int *ldu,
             double *vt, const int *ldvt, double *work, const int *lwork, int *info);

// Fortran LAPACK: the Cholesky factor of a symmetric positive-definite A (uplo 'L': A = L·Lᵀ in
// the lower triangle, column-major), and A⁻¹ from that factor (in the same triangle).
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info);
void dpotri_(const char *uplo, const int *n, double *a, const int *lda, int *info);

#endif
