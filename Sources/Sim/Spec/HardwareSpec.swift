import SparseSimCore

// MARK: - HardwareSpec

/// An accelerator as a hardware spec describes it (`HardwareSpecs/*.xml`, schema
/// `accelerator.xsd`), with every default filled in. Units are in the field names.
public struct HardwareSpec: Codable, Equatable, Sendable {
    /// The spec's name.
    public var name: String
    /// Process node and clock.
    public var technology: Technology
    /// The PE array.
    public var peArray: PEArray
    /// Energy of one MAC, effectual or gated.
    public var energy: ComputeEnergy
    /// Memory levels from DRAM inward.
    public var memory: [MemoryLevel]
    /// How the layer is mapped onto the array.
    public var dataflow: Dataflow
    /// The sparse dataflows' parameters (defaults filled in for the spec's dataflow).
    public var dataflowOptions: DataflowOptions = DataflowOptions()
    /// How each operand's zeros are stored and exploited (dense and unexploited when absent).
    public var sparsity: [OperandSparsity]
    /// ESCALATE-style kernel decomposition, when the accelerator has it.
    public var decomposition: Decomposition?
    /// The unit that runs the vector work between GEMMs (softmax, norms, activations, residual
    /// adds: `VectorOp`), defaults filled in.
    public var vectorUnit = VectorUnit(lanes: 1, cyclesPerOp: 1, energyPerOpPJ: 0)

    /// A vector unit: `lanes` element operations every `cyclesPerOp` cycles, each costing
    /// `energyPerOpPJ`. A layer's vector work of `n` operations takes `⌈n / lanes⌉ · cyclesPerOp`
    /// cycles after its array work (not overlapped) and `n · energyPerOpPJ`; its operands stay
    /// on chip (no memory traffic is charged).
    public struct VectorUnit: Codable, Equatable, Sendable {
        /// Operations per issue (default: the PE array's columns, one lane per output column).
        public var lanes: Int
        /// Cycles per issue (default 1).
        public var cyclesPerOp: Int
        /// Energy of one operation, pJ (default: the spec's `macPJ`).
        public var energyPerOpPJ: Double
    }

    /// Process node and clock.
    public struct Technology: Codable, Equatable, Sendable {
        /// Process node in nm, when stated.
        public var nodeNm: Double?
        /// Clock frequency in MHz.
        public var clockMHz: Double
    }

    /// The PE array.
    public struct PEArray: Codable, Equatable, Sendable {
        /// Rows of PEs.
        public var rows: Int
        /// Columns of PEs.
        public var cols: Int
        /// MACs each PE completes per cycle.
        public var macsPerPE: Int
        /// Bits of a weight or activation.
        public var operandBits: Int
        /// Bits of a partial sum.
        public var accumulatorBits: Int
        /// Row stationary: cycles a PE spends adding one partial sum that arrives from its
        /// neighbour or the buffer, on the adder its MACs use (Eyeriss v1: 1); nil: 0, free.
        public var accumulateCycles: Int? = nil

        /// `rows · cols`.
        public var peCount: Int { rows * cols }
    }

    /// Energy per MAC.
    public struct ComputeEnergy: Codable, Equatable, Sendable {
        /// An effectual MAC, pJ.
        public var macPJ: Double
        /// A MAC whose operand is zero and whose datapath is gated, pJ.
        public var gatedMacPJ: Double
    }

    /// One memory level.
    public struct MemoryLevel: Codable, Equatable, Sendable {
        /// The level's name, unique in the spec (used in `--set memory.NAME.ATTR=...`).
        public var name: String
        /// DRAM, on-chip SRAM, per-PE register file, or the array's network.
        public var type: LevelType
        /// Capacity in bytes (for a register file: per PE); nil for DRAM (unbounded).
        public var sizeBytes: Int?
        /// Banks.
        public var banks: Int
        /// Bits of one access.
        public var widthBits: Int
        /// Bandwidth in GB/s (10⁹ bytes per second); nil means as fast as the array needs.
        public var bandwidthGBps: Double?
        /// Energy of one read of `widthBits`, pJ.
        public var readPJ: Double
        /// Energy of one write of `widthBits`, pJ.
        public var writePJ: Double
        /// The operands this level holds.
        public var holds: [Operand]
    }

    /// Kinds of memory level.
    public enum LevelType: String, Codable, Sendable, CaseIterable {
        /// Off-chip DRAM.
        case dram
        /// An on-chip SRAM buffer.
        case sram
        /// A register file in every PE.
        case regfile
        /// The array's interconnect (inter-PE transfers).
        case noc
    }

    /// Dataflows a spec can name.
    public enum Dataflow: String, Codable, Sendable, CaseIterable {
        /// Weight stationary systolic array.
        case weightStationary = "weight-stationary"
        /// Output stationary systolic array.
        case outputStationary = "output-stationary"
        /// Input stationary systolic array.
        case inputStationary = "input-stationary"
        /// Eyeriss's row stationary.
        case rowStationary = "row-stationary"
        /// SCNN's Cartesian product of non-zeros.
        case cartesianProduct = "cartesian-product"
        /// SparTen's inner join of bitmasks.
        case innerJoin = "inner-join"
        /// ESCALATE's basis-first dataflow.
        case basisFirst = "basis-first"
        /// Cambricon-X's PEs, each owning filters and fetching the inputs its kept weights index.
        case indexing
        /// The Dual-side Sparse Tensor Core's outer product of bitmap-condensed operand vectors.
        case outerProduct = "outer-product"

        /// True for the dataflows whose PEs skip zeros themselves (not a dense array).
        public var isSparse: Bool { self == .cartesianProduct || self == .innerJoin || self == .indexing || self == .outerProduct }

        /// A dataflow from its name or short name (`ws`, `os`, `is`, `rs`).
        public init?(name: String) {
            switch name {
            case "ws": self = .weightStationary
            case "os": self = .outputStationary
            case "is": self = .inputStationary
            case "rs": self = .rowStationary
            default: self.init(rawValue: name)
            }
        }
    }

    /// Parameters of the sparse dataflows (`<dataflow>` attributes).
    public struct DataflowOptions: Codable, Equatable, Sendable {
        /// `cartesian-product`: weights per multiplier-array row vector (SCNN's F).
        public var weightVector: Int?
        /// `cartesian-product`: inputs per column vector (SCNN's I); `F · I = macsPerPE`.
        public var inputVector: Int?
        /// `cartesian-product`: accumulator banks per PE (SCNN's A).
        public var accumulatorBanks: Int?
        /// `cartesian-product`: output channels per group (SCNN's Kc).
        public var channelGroup: Int?
        /// `inner-join`: bits of a bitmask chunk intersected per cycle (SparTen: 128).
        public var chunkSize: Int?
        /// `outer-product`: output pixels of a tile, whose input column chunk is condensed per
        /// reduction index (DSTC: 32); default the array's rows.
        public var inputTile: Int?
        /// `outer-product`: filters of a tile, whose weight row chunk is condensed per reduction
        /// index (DSTC: 32); default the array's columns.
        public var weightTile: Int?

        /// Options, all unset.
        public init(weightVector: Int? = nil, inputVector: Int? = nil, accumulatorBanks: Int? = nil,
                    channelGroup: Int? = nil, chunkSize: Int? = nil) {
            self.weightVector = weightVector
            self.inputVector = inputVector
            self.accumulatorBanks = accumulatorBanks
            self.channelGroup = channelGroup
            self.chunkSize = chunkSize
        }
    }

    /// How one operand's zeros are handled.
    public struct OperandSparsity: Codable, Equatable, Sendable {
        /// The operand.
        public var operand: Operand
        /// `none`, `gate` (saves energy, not cycles) or `skip` (saves both).
        public var exploit: Exploit
        /// Storage format.
        public var format: Format
        /// Work balancing across PEs.
        public var balancing: Balancing
        /// Bits of a run length (`rle`).
        public var runBits: Int?
        /// Bits of an index (`csr`, `csc`).
        public var indexBits: Int?
        /// The N:M pattern (`nm`); in JSON and XML its `n` and `m` are attributes of the operand.
        public var nm: NMPattern?
        /// Block edge (`block`).
        public var blockSize: Int?

        enum CodingKeys: String, CodingKey {
            case operand, exploit, format, balancing
            case runBits = "run_bits"
            case indexBits = "index_bits"
            case n, m
            case blockSize = "block_size"
        }

        /// A setting; `nm` only where the format is `nm`.
        public init(operand: Operand, exploit: Exploit, format: Format, balancing: Balancing, runBits: Int? = nil,
                    indexBits: Int? = nil, nm: NMPattern? = nil, blockSize: Int? = nil) {
            self.operand = operand
            self.exploit = exploit
            self.format = format
            self.balancing = balancing
            self.runBits = runBits
            self.indexBits = indexBits
            self.nm = nm
            self.blockSize = blockSize
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let n = try c.decodeIfPresent(Int.self, forKey: .n), m = try c.decodeIfPresent(Int.self, forKey: .m)
            var pattern: NMPattern?
            if n != nil || m != nil {
                guard let n, let m, NMPattern.isValid(n: n, m: m) else {
                    throw DecodingError.dataCorruptedError(forKey: .n, in: c, debugDescription: "N:M needs n and m with 1 <= n <= m")
                }
                pattern = NMPattern(n: n, m: m)
            }
            self.init(operand: try c.decode(Operand.self, forKey: .operand), exploit: try c.decode(Exploit.self, forKey: .exploit),
                      format: try c.decode(Format.self, forKey: .format), balancing: try c.decode(Balancing.self, forKey: .balancing),
                      runBits: try c.decodeIfPresent(Int.self, forKey: .runBits),
                      indexBits: try c.decodeIfPresent(Int.self, forKey: .indexBits), nm: pattern,
                      blockSize: try c.decodeIfPresent(Int.self, forKey: .blockSize))
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(operand, forKey: .operand)
            try c.encode(exploit, forKey: .exploit)
            try c.encode(format, forKey: .format)
            try c.encode(balancing, forKey: .balancing)
            try c.encodeIfPresent(runBits, forKey: .runBits)
            try c.encodeIfPresent(indexBits, forKey: .indexBits)
            try c.encodeIfPresent(nm?.n, forKey: .n)
            try c.encodeIfPresent(nm?.m, forKey: .m)
            try c.encodeIfPresent(blockSize, forKey: .blockSize)
        }
    }

    /// What the hardware does with a zero operand.
    public enum Exploit: String, Codable, Sendable, CaseIterable {
        /// Zeros are computed like any value.
        case none
        /// Zero operands gate the MAC: energy saved, cycles not.
        case gate
        /// Zero operands are skipped: energy and cycles saved.
        case skip
    }

    /// Storage formats.
    public enum Format: String, Codable, Sendable, CaseIterable {
        /// Every value stored.
        case dense
        /// Non-zeros plus one presence bit per value.
        case bitmap
        /// Non-zeros plus run lengths of zeros (`runBits`).
        case rle
        /// Compressed sparse rows (`indexBits`).
        case csr
        /// Compressed sparse columns (`indexBits`).
        case csc
        /// N of every M values kept, with an index per kept value.
        case nm
        /// Whole `blockSize`×`blockSize` blocks kept or dropped.
        case block
    }

    /// Load balancing.
    public enum Balancing: String, Codable, Sendable, CaseIterable {
        /// Work assigned as it falls.
        case none
        /// Work assigned greedily to the least-loaded PE.
        case greedy
    }

    /// ESCALATE-style decomposition of each kernel into shared bases.
    public struct Decomposition: Codable, Equatable, Sendable {
        /// Bases M per layer or per input channel.
        public var bases: Int
        /// One basis set for the layer, or one per input channel.
        public var sharing: BasisSharing
        /// Bits of a basis value.
        public var basisBits: Int
        /// Bits of a coefficient.
        public var coefficientBits: Int
        /// Bits of an intermediate (basis-convolved) value.
        public var intermediateBits: Int
        /// MAC units of a separate basis-convolution engine that runs beside the PE array (the
        /// two stages then overlap, tile by tile); nil: the stages take turns on the PE array.
        public var basisMacs: Int?
        /// Bytes of the on-chip buffer holding intermediate values; nil: an equal share of the
        /// innermost SRAM that holds inputs.
        public var intermediateBytes: Int?

        /// A decomposition.
        public init(bases: Int, sharing: BasisSharing, basisBits: Int, coefficientBits: Int, intermediateBits: Int,
                    basisMacs: Int? = nil, intermediateBytes: Int? = nil) {
            self.bases = bases
            self.sharing = sharing
            self.basisBits = basisBits
            self.coefficientBits = coefficientBits
            self.intermediateBits = intermediateBits
            self.basisMacs = basisMacs
            self.intermediateBytes = intermediateBytes
        }
    }

    /// MAC units in all: the PE array's lanes plus a separate basis engine's.
    public var macLanes: Int { peArray.peCount * peArray.macsPerPE + (decomposition?.basisMacs ?? 0) }

    /// The level named `name`, if any.
    public func level(named name: String) -> MemoryLevel? { memory.first { $0.name == name } }

    /// The sparsity setting of `operand` (dense, not exploited, when the spec names none).
    public func sparsity(of operand: Operand) -> OperandSparsity {
        sparsity.first { $0.operand == operand }
            ?? OperandSparsity(operand: operand, exploit: .none, format: .dense, balancing: .none)
    }
}
