import Testing

@testable import Training

@Suite struct InstructionSetTests {
    @Test func cpuFlagsGiveTheStrongestLevel() {
        #expect(InstructionSet(cpuFlags: ["sse2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512dq", "avx512vl"]) == .avx512)
        #expect(InstructionSet(cpuFlags: ["sse2", "avx", "avx2", "fma", "avx512f"]) == .avx2, "SkylakeX kernels need BW/DQ/VL too")
        #expect(InstructionSet(cpuFlags: ["sse2", "avx", "avx2"]) == .avx, "AVX2 kernels need FMA")
        #expect(InstructionSet(cpuFlags: ["sse2"]) == .sse)
        #expect(InstructionSet(cpuFlags: []) == .baseline)
    }

    @Test func openBLASCoreNames() {
        #expect(InstructionSet(openBLASCore: "SkylakeX") == .avx512)
        #expect(InstructionSet(openBLASCore: "COOPERLAKE") == .avx512)
        #expect(InstructionSet(openBLASCore: "Haswell") == .avx2)
        #expect(InstructionSet(openBLASCore: "Zen") == .avx2)
        #expect(InstructionSet(openBLASCore: "Sandybridge") == .avx)
        #expect(InstructionSet(openBLASCore: "Nehalem") == .sse)
        #expect(InstructionSet(openBLASCore: "Armv8") == nil)
        #expect(InstructionSet.avx2 < .avx512 && InstructionSet.sse < .avx)
    }

    @Test func procCPUInfoParsing() {
        let text = """
            processor\t: 0
            vendor_id\t: AuthenticAMD
            model name\t: AMD EPYC 9R45 96-Core Processor
            flags\t\t: fpu sse2 avx avx2 fma avx512f avx512bw avx512dq avx512vl avx512_bf16

            processor\t: 1
            model name\t: ignored
            flags\t\t: sse2
            """
        let cpu = CPUInfo(procCPUInfo: text, logicalProcessors: 2)
        #expect(cpu.modelName == "AMD EPYC 9R45 96-Core Processor")
        #expect(cpu.instructionSet == .avx512)
        #expect(cpu.vectorFeatures == ["sse2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512_bf16"])
    }
}

@Suite struct BLASEnvironmentTests {
    static func environment(core: String, pinned: String?, cpu: InstructionSet) -> BLASEnvironment {
        BLASEnvironment(
            core: core, coreInstructionSet: InstructionSet(openBLASCore: core), openBLASVersion: "0.3.21",
            configuration: "OpenBLAS 0.3.21", threads: 2, pinnedCoreType: pinned, cpuModel: "test", logicalProcessors: 2,
            cpuInstructionSet: cpu, cpuFeatures: [], zlibVersion: "1.2.13")
    }

    @Test func warnsWhenAPinnedCoreIsWeakerThanTheCPU() throws {
        let warning = try #require(Self.environment(core: "Haswell", pinned: "Haswell", cpu: .avx512).weakerCoreWarning)
        #expect(warning.contains("OPENBLAS_CORETYPE=Haswell"))
        #expect(warning.contains("env -u OPENBLAS_CORETYPE"))
        #expect(warning.contains("AVX-512"))
        #expect(!warning.contains("\n"))
    }

    @Test func noWarningWhenTheBestKernelsRun() {
        #expect(Self.environment(core: "SkylakeX", pinned: nil, cpu: .avx512).weakerCoreWarning == nil)
        #expect(Self.environment(core: "Haswell", pinned: "Haswell", cpu: .avx2).weakerCoreWarning == nil)
        #expect(Self.environment(core: "Armv8", pinned: nil, cpu: .baseline).weakerCoreWarning == nil)
    }

    @Test func unpinnedWeakCoreStillWarns() throws {
        let warning = try #require(Self.environment(core: "Haswell", pinned: nil, cpu: .avx512).weakerCoreWarning)
        #expect(warning.contains("selected its Haswell"))
    }

    @Test func currentMatchesTheLibrary() {
        let env = BLASEnvironment.current(environment: ["OPENBLAS_CORETYPE": "Haswell"])
        #expect(env.core == BLAS.coreName)
        #expect(env.pinnedCoreType == "Haswell")
        #expect(env.zlibVersion.split(separator: ".").count >= 2)
        #expect(BLASEnvironment.current(environment: [:]).pinnedCoreType == nil)
    }
}
