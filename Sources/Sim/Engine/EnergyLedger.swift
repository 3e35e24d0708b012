import Dataflow
import SparseSimCore

// MARK: - EnergyLedger

/// Energy and bits per memory level, accumulated as a model charges traffic (reads and writes
/// in units of each level's width).
struct EnergyLedger {
    /// Energy by level name, plus `mac`, pJ.
    var energy: [String: Double]
    /// Energy by operand (or other traffic's key), pJ.
    var energyByOperand: [String: Double] = [:]
    /// Bits through each level.
    var bitsThrough: [String: Int] = [:]

    /// A ledger holding the energy of `macs` MACs at `macPJ` each.
    init(macs: Int, macPJ: Double) { energy = ["mac": Double(macs) * macPJ] }

    /// Charges `operand`'s reads and writes at `level`.
    mutating func charge(_ level: HardwareSpec.MemoryLevel, _ operand: Operand, readBits: Int, writeBits: Int) {
        let width = max(level.widthBits, 1)
        let reads = (readBits + width - 1) / width
        let writes = (writeBits + width - 1) / width
        let pj = Double(reads) * level.readPJ + Double(writes) * level.writePJ
        energy[level.name, default: 0] += pj
        energyByOperand[operand.rawValue, default: 0] += pj
        bitsThrough[level.name, default: 0] += readBits + writeBits
    }

    /// Charges traffic that is not a GEMM operand (ESCALATE's intermediate values) under `key`.
    mutating func charge(_ level: HardwareSpec.MemoryLevel, key: String, readBits: Int, writeBits: Int) {
        let width = max(level.widthBits, 1)
        let pj = Double((readBits + width - 1) / width) * level.readPJ + Double((writeBits + width - 1) / width) * level.writePJ
        energy[level.name, default: 0] += pj
        energyByOperand[key, default: 0] += pj
        bitsThrough[level.name, default: 0] += readBits + writeBits
    }

    /// Charges each operand's transfers along DRAM and its chain of buffers.
    mutating func chargeChains(_ transfers: [Operand: [SystolicTraffic.Transfer]],
                               chains: [Operand: [HardwareSpec.MemoryLevel]], dram: HardwareSpec.MemoryLevel) {
        for operand in Operand.allCases {
            let transfers = transfers[operand]!
            let levels = [dram] + chains[operand]!
            for (i, level) in levels.enumerated() {
                // Boundary i: level i-1 ↔ level i; boundary i+1: level i ↔ level i+1 (or the array).
                let fromAbove = i == 0 ? nil : transfers[i - 1]
                let toBelow = transfers[i]
                let reads = toBelow.inwardBits + (fromAbove?.outwardBits ?? 0)
                let writes = (fromAbove?.inwardBits ?? 0) + toBelow.outwardBits
                charge(level, operand, readBits: reads, writeBits: writes)
            }
        }
    }
}
