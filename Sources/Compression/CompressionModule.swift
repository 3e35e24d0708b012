// MARK: - Compression

// Sparse formats and their exact bit cost, structured sparsity, kernel decomposition and
// quantization (DESIGN.md §3-§4) arrive with the sparse-accelerator issues. The module exists
// now so that the module graph of Docs/architecture.md is in place and enforced by the build.
