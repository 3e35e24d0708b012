import SparseSimCore
import Trace

// MARK: - SweepPoint

/// One evaluated point of a sweep (`DIR/points/NNNNNN.json`): its settings and either the
/// simulation's totals or why the workload does not run on that spec.
public struct SweepPoint: Codable, Equatable, Sendable {
    /// The point's number in the grid.
    public var index: Int
    /// `path=value` per axis.
    public var settings: [String]
    /// The spec's name.
    public var spec: String
    /// The totals; nil when the simulation failed (`error`).
    public var metrics: Metrics?
    /// Why the workload could not be simulated on this point's spec (e.g. an index format
    /// too narrow for a layer).
    public var error: String?
    /// How the point was computed (nil in merged results).
    public var provenance: Provenance?

    /// A point's totals.
    public struct Metrics: Codable, Equatable, Sendable {
        /// Cycles of the whole network.
        public var cycles: Int
        /// Cycles of the spec's dense twin.
        public var denseCycles: Int
        /// `dense_cycles ÷ cycles`.
        public var speedup: Double
        /// Total energy, pJ.
        public var energyPJ: Double
        /// DRAM bytes, all operands.
        public var dramBytes: Double
        /// DRAM bandwidth that avoids stalls, GB/s.
        public var requiredBandwidthGBps: Double
        /// PEs in the array (`rows · cols`).
        public var peCount: Int
        /// On-chip storage: every SRAM level plus every register file times the PE count, bytes.
        public var onChipBytes: Int
        /// The area proxy `PEs × on-chip bytes` (comparable within a sweep, not mm²).
        public var areaProxy: Double

        enum CodingKeys: String, CodingKey {
            case cycles
            case denseCycles = "dense_cycles"
            case speedup
            case energyPJ = "energy_pj"
            case dramBytes = "dram_bytes"
            case requiredBandwidthGBps = "required_bandwidth_gbps"
            case peCount = "pe_count"
            case onChipBytes = "on_chip_bytes"
            case areaProxy = "area_proxy"
        }
    }

    /// A point.
    public init(index: Int, settings: [String], spec: String, metrics: Metrics?, error: String?, provenance: Provenance?) {
        self.index = index
        self.settings = settings
        self.spec = spec
        self.metrics = metrics
        self.error = error
        self.provenance = provenance
    }
}

// MARK: - Metrics of a simulation

extension SweepPoint.Metrics {
    /// The totals of `result`, simulated on `spec`.
    public init(result: SimulationResult, spec: HardwareSpec) {
        cycles = result.total.cycles
        denseCycles = result.total.denseCycles
        speedup = result.total.speedup
        energyPJ = result.total.totalEnergyPJ
        dramBytes = result.total.dramBytes.total
        requiredBandwidthGBps = result.total.requiredBandwidthGBps
        peCount = spec.peArray.peCount
        onChipBytes = spec.onChipBytes
        areaProxy = Double(peCount) * Double(onChipBytes)
    }
}

// MARK: - On-chip storage

extension HardwareSpec {
    /// Bytes of on-chip storage: each SRAM level once, each register file once per PE.
    public var onChipBytes: Int {
        memory.reduce(0) { sum, level in
            switch level.type {
            case .sram: sum + (level.sizeBytes ?? 0)
            case .regfile: sum + (level.sizeBytes ?? 0) * peArray.peCount
            case .dram, .noc: sum
            }
        }
    }
}
