import Foundation

// MARK: - Writing a spec as XML

extension HardwareSpec {
    /// The effective spec (every default filled in) as a version-1 XML document that
    /// `SpecLoader` reads back to an equal spec.
    public func xmlText() -> String {
        func num(_ v: Double) -> String {
            v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(v)
        }
        func attrs(_ pairs: [(String, String?)]) -> String {
            pairs.compactMap { key, value in value.map { " \(key)=\"\(escape($0))\"" } }.joined()
        }
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<accelerator\(attrs([("name", name), ("version", "1")]))>\n"
        out += "  <technology\(attrs([("nodeNm", technology.nodeNm.map(num)), ("clockMHz", num(technology.clockMHz))]))/>\n"
        out += "  <pe-array\(attrs([("rows", "\(peArray.rows)"), ("cols", "\(peArray.cols)"), ("macsPerPE", "\(peArray.macsPerPE)"), ("operandBits", "\(peArray.operandBits)"), ("accumulatorBits", "\(peArray.accumulatorBits)")] + (peArray.accumulateCycles.map { [("accumulateCycles", "\($0)")] } ?? [])))/>\n"
        out += "  <energy\(attrs([("macPJ", num(energy.macPJ)), ("gatedMacPJ", num(energy.gatedMacPJ))]))/>\n"
        out += "  <memory>\n"
        for l in memory {
            out += "    <level\(attrs([("name", l.name), ("type", l.type.rawValue), ("sizeBytes", l.sizeBytes.map(String.init)), ("banks", "\(l.banks)"), ("widthBits", "\(l.widthBits)"), ("bandwidthGBps", l.bandwidthGBps.map(num)), ("readPJ", num(l.readPJ)), ("writePJ", num(l.writePJ)), ("holds", l.holds.map(\.rawValue).joined(separator: " "))]))/>\n"
        }
        out += "  </memory>\n"
        out += "  <dataflow type=\"\(dataflow.rawValue)\"/>\n"
        if !sparsity.isEmpty {
            out += "  <sparsity>\n"
            for s in sparsity {
                out += "    <operand\(attrs([("name", s.operand.rawValue), ("exploit", s.exploit.rawValue), ("format", s.format.rawValue), ("balancing", s.balancing.rawValue), ("runBits", s.runBits.map(String.init)), ("indexBits", s.indexBits.map(String.init)), ("n", s.nm.map { String($0.n) }), ("m", s.nm.map { String($0.m) }), ("blockSize", s.blockSize.map(String.init))]))/>\n"
            }
            out += "  </sparsity>\n"
        }
        if let d = decomposition {
            out += "  <decomposition\(attrs([("bases", "\(d.bases)"), ("sharing", d.sharing.rawValue), ("basisBits", "\(d.basisBits)"), ("coefficientBits", "\(d.coefficientBits)"), ("intermediateBits", "\(d.intermediateBits)"), ("basisMacs", d.basisMacs.map { "\($0)" }), ("intermediateKiB", d.intermediateBytes.map { num(Double($0) / 1024) })]))/>\n"
        }
        out += "  <vector-unit\(attrs([("lanes", "\(vectorUnit.lanes)"), ("cyclesPerOp", "\(vectorUnit.cyclesPerOp)"), ("energyPerOpPJ", num(vectorUnit.energyPerOpPJ))]))/>\n"
        return out + "</accelerator>\n"
    }

    private func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "\"", with: "&quot;")
            .replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
