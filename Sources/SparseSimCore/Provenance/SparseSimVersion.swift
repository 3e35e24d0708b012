// MARK: - SparseSimVersion

/// SparseSim's version.
public enum SparseSimVersion {
    /// Semantic version of this build.
    public static let string = "0.1.0"
}
