// MARK: - SystolicDataflow

/// Which operand a systolic array keeps in its PEs while the others stream through.
package enum SystolicDataflow: String, Codable, Sendable, CaseIterable {
    /// Output stationary: each PE accumulates one output; inputs flow right, weights flow down.
    case outputStationary = "os"
    /// Weight stationary: each PE holds one weight; inputs stream in, partial sums flow down.
    case weightStationary = "ws"
    /// Input stationary: each PE holds one input; weights stream in, partial sums flow down.
    case inputStationary = "is"
}
