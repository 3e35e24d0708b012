// MARK: - DatasetInfo

/// The dataset a run used, identified by name and content checksum.
public struct DatasetInfo: Codable, Equatable, Sendable {
    /// e.g. `fashion-mnist`.
    public var name: String
    /// A checksum of the files read, e.g. `sha256:…` or `crc32:…`.
    public var checksum: String

    /// A dataset record.
    public init(name: String, checksum: String) {
        self.name = name
        self.checksum = checksum
    }
}
