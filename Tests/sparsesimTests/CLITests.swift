import Foundation
import Testing
import TestSupport
import Training

/// End-to-end tests of the `sparsesim` executable: output, exit status and error lines.
@Suite struct CLITests {
    static let repositoryRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// The built executable: next to the test bundle, which SwiftPM builds into the same folder.
    static let executable: String = {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("sparsesim").path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        return repositoryRoot + "/.build/debug/sparsesim"
    }()

    static let fixture = repositoryRoot + "/Tests/TraceTests/Fixtures/tiny-cnn.sstrace"

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs sparsesim with `arguments`; `environment` entries set (or, when nil, remove) variables;
    /// `directory`, when given, is the working directory.
    static func run(_ arguments: [String], environment: [String: String?] = [:], directory: String? = nil) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        if let directory { p.currentDirectoryURL = URL(fileURLWithPath: directory) }
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    // MARK: help and usage

    @Test func helpListsSubcommands() throws {
        let r = try Self.run(["--help"])
        #expect(r.status == 0)
        for sub in ["env", "trace", "bench"] { #expect(r.stdout.contains("  \(sub) ")) }
        #expect(r.stdout.contains("Examples:"))
    }

    @Test func badUsageExits64() throws {
        #expect(try Self.run(["--no-such-flag"]).status == 64)
        #expect(try Self.run(["trace", "inspect"]).status == 64)
        #expect(try Self.run(["trace", "inspect", Self.fixture, "--snapshot", "abc"]).status == 64)
        #expect(try Self.run(["trace", "inspect", Self.fixture, "--format", "xml"]).status == 64)
        #expect(try Self.run(["bench", "blas", "--sizes", "0"]).status == 64)
        #expect(try Self.run(["env", "--threads", "0"]).status == 64)
    }

    // MARK: env

    /// Without oneDNN (SPARSESIM_ONEDNN naming a missing file) `env` says so and why, `auto`
    /// trains on im2col and records it, and asking for oneDNN is one line and exit 64.
    @Test func withoutOneDNNConvolutionsFallBackToIm2col() throws {
        let missing = ["SPARSESIM_ONEDNN": "/nonexistent/libdnnl.so.2"]
        let env = try Self.run(["env"], environment: missing)
        #expect(env.stdout.contains("convolutions            im2col + OpenBLAS (oneDNN unavailable: /nonexistent/libdnnl.so.2 not found (apt-get install libdnnl-dev))"), "\(env.stdout)")
        let dir = NSTemporaryDirectory() + "sparsesim-noonednn-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let train = ["train", "--model", "lenet5", "--train-samples", "64", "--test-samples", "32", "--epochs", "1",
                     "--batch-size", "32", "--format", "json"]
        let fallback = try Self.run(train, environment: missing)
        #expect(fallback.status == 0, "\(fallback.stderr)")
        #expect(fallback.stdout.contains("\"convolutions\" : \"im2col + OpenBLAS\""), "\(fallback.stdout)")
        let refused = try Self.run(train + ["--checkpoint-dir", dir, "--convolutions", "onednn"], environment: missing)
        #expect(refused.status == 64)
        #expect(refused.stderr == "sparsesim: error: <command line>:--convolutions: oneDNN is not available: /nonexistent/libdnnl.so.2 not found (apt-get install libdnnl-dev)\n",
                "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir))
    }

    @Test func envReportsTheKernelAndWarnsWhenPinnedBelowTheCPU() throws {
        let cpu = CPUInfo.current().instructionSet
        let unpinned = try Self.run(["env", "--format", "json"], environment: ["OPENBLAS_CORETYPE": nil])
        #expect(unpinned.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(unpinned.stdout.utf8)) as? [String: Any])
        let blas = try #require(object["blas"] as? [String: Any])
        #expect(blas["pinned_core_type"] == nil)
        #expect(blas["cpu_instruction_set"] as? String == cpu.rawValue)
        // What runs the training convolutions: oneDNN with its version, or the fallback and why.
        let convolutions = try #require(object["convolutions"] as? String)
        #expect(convolutions.hasPrefix("oneDNN 2.") || convolutions.hasPrefix("im2col + OpenBLAS (oneDNN unavailable: "), "\(convolutions)")
        if cpu == .avx512 {
            // OpenBLAS picks AVX-512 kernels by itself on an AVX-512 CPU it knows; on one newer
            // than its CPU table (0.3.21 on Sapphire Rapids: Prescott, SSE) env says so and how
            // to get the stronger kernels.
            if blas["core_instruction_set"] as? String == "avx512" {
                #expect(!unpinned.stderr.contains("warning"))
            } else {
                let core = try #require(blas["core"] as? String)
                #expect(unpinned.stderr.hasPrefix("sparsesim: warning: OpenBLAS \(blas["openblas_version"] as? String ?? "?") selected its \(core) "),
                        "\(unpinned.stderr)")
                #expect(unpinned.stderr.contains("set OPENBLAS_CORETYPE=SkylakeX"))
            }
        }

        let pinned = try Self.run(["env"], environment: ["OPENBLAS_CORETYPE": "Haswell"])
        #expect(pinned.status == 0)
        #expect(pinned.stdout.contains("blas core               Haswell (AVX2 kernels)"))
        #expect(pinned.stdout.contains("OPENBLAS_CORETYPE=Haswell"))
        if cpu == .avx512 {
            let lines = pinned.stderr.split(separator: "\n")
            #expect(lines.count == 1)
            #expect(lines.first?.hasPrefix("sparsesim: warning: OpenBLAS is pinned to its Haswell (AVX2) kernels") == true)
        }
    }

    // MARK: trace inspect

    @Test func inspectPrintsModelMethodSnapshotsAndDensities() throws {
        let r = try Self.run(["trace", "inspect", Self.fixture])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("model      tiny-cnn, input 1x8x8, 3 layers"))
        #expect(r.stdout.contains("method     magnitude  first_layer_dense=true schedule=linear sparsity=0.75"))
        #expect(r.stdout.contains("conv2    conv  2   8    4  3x3  8x8  4x4       2    1       1      288  9216"))
        #expect(r.stdout.contains("snapshot at step 100:"))
        #expect(r.stdout.contains("fc             0.2500"))
        let all = try Self.run(["trace", "inspect", Self.fixture, "--snapshot", "all"])
        #expect(all.stdout.components(separatedBy: "snapshot at step").count == 4)
    }

    @Test func inspectJSON() throws {
        let r = try Self.run(["trace", "inspect", Self.fixture, "--format", "json"])
        #expect(r.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let snapshots = try #require(object["snapshots"] as? [[String: Any]])
        #expect(snapshots.map { $0["step"] as? Int } == [0, 50, 100])
        let layers = try #require(object["layers"] as? [[String: Any]])
        #expect(layers.map { $0["macs"] as? Int } == [4608, 9216, 2560])
        #expect(object["tensors_verified"] as? Bool == true)
    }

    @Test func inspectErrorsAreOneLineAndExit1() throws {
        var r = try Self.run(["trace", "inspect", "/nonexistent.sstrace"])
        #expect(r.status == 1)
        #expect(r.stderr == "sparsesim: error: /nonexistent.sstrace: no such trace directory\n")
        #expect(r.stdout.isEmpty)

        r = try Self.run(["trace", "inspect", Self.fixture, "--snapshot", "7"])
        #expect(r.status == 1)
        #expect(r.stderr.hasSuffix("snapshots: no snapshot at step 7\n"))

        // A corrupted tensor: the error names the file and the part of it.
        let dir = NSTemporaryDirectory() + "sparsesim-cli-\(UUID().uuidString)"
        try FileManager.default.copyItem(atPath: Self.fixture, toPath: dir)
        let victim = dir + "/snapshots/step-00000050/conv2.weights.npy"
        let bytes = try Data(contentsOf: URL(fileURLWithPath: victim))
        try bytes.prefix(bytes.count - 5).write(to: URL(fileURLWithPath: victim))
        r = try Self.run(["trace", "inspect", dir])
        #expect(r.status == 1)
        #expect(r.stderr == "sparsesim: error: \(victim):data: truncated data: shape [8, 4, 3, 3] of <f4 needs 1152 bytes, 1147 present\n")
        // Without verification the structure still reads.
        #expect(try Self.run(["trace", "inspect", dir, "--no-verify"]).status == 0)
    }

    // MARK: spec

    @Test func specValidateAndShow() throws {
        let presets = ["systolic-ws", "systolic-os", "systolic-is", "eyeriss-v1", "tpu-v1-like"].map { Self.repositoryRoot + "/HardwareSpecs/\($0).xml" }
        let ok = try Self.run(["spec", "validate"] + presets)
        #expect(ok.status == 0)
        #expect(ok.stdout.split(separator: "\n").count == 5)
        let broken = Self.repositoryRoot + "/Tests/SimTests/Fixtures/broken/schema-two-errors.xml"
        let bad = try Self.run(["spec", "validate", presets[0], broken])
        #expect(bad.status == 1)
        #expect(bad.stdout == "\(presets[0]): ok\n")
        let lines = bad.stderr.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[0].hasPrefix("\(broken):4: error: Element 'pe-array', attribute 'rows'"))
        #expect(lines[1].hasPrefix("\(broken):9: error: Element 'dataflow'"))

        let json = try Self.run(["spec", "show", presets[0], "--set", "pe-array.rows=128", "--set", "dataflow=os", "--format", "json"])
        #expect(json.status == 0, "\(json.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect((object["pe_array"] as? [String: Any])?["rows"] as? Int == 128)
        #expect(object["dataflow"] as? String == "output-stationary")
        let xml = try Self.run(["spec", "show", presets[3]])
        #expect(xml.stdout.contains("<dataflow type=\"row-stationary\"/>"))
        let missing = try Self.run(["spec", "show", "/no/such.xml"])
        #expect(missing.status == 1)
        #expect(missing.stderr == "sparsesim: error: /no/such.xml: no such file\n")
    }

    // MARK: simulate

    /// A trace replayed on the sparse presets: real masks, both density models side by side,
    /// the statistical input option, reproducible bytes, and bad options refused.
    @Test func simulateSparseTrace() throws {
        let specs = ["scnn", "sparten", "cambricon-x", "eyeriss-v1"].flatMap { ["--hw", Self.repositoryRoot + "/HardwareSpecs/\($0).xml"] }
        let both = try Self.run(["simulate"] + specs + ["--trace", Self.fixture, "--density-model", "both", "--format", "json"])
        #expect(both.status == 0, "\(both.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(both.stdout.utf8)) as? [[String: Any]]
        #expect(json?.count == 4)
        let gaps = json?.first?["gaps"] as? [[String: Any]]
        #expect(gaps?.map { $0["name"] as? String } == ["conv1", "conv2", "fc", "total"])
        #expect((json?.first?["uniform"] as? [String: Any])?["density_model"] as? String == "uniform")

        let table = try Self.run(["simulate"] + specs + ["--trace", Self.fixture, "--density-model", "uniform", "--seed", "3"])
        let again = try Self.run(["simulate"] + specs + ["--trace", Self.fixture, "--density-model", "uniform", "--seed", "3"])
        #expect(table.status == 0 && table.stdout == again.stdout)
        #expect(table.stdout.contains("density model uniform") && table.stdout.contains("speedup"))

        // Statistical inputs are labelled; --activation-density is checked.
        let stats = try Self.run(["simulate", "--hw", Self.repositoryRoot + "/HardwareSpecs/scnn.xml", "--model", "lenet5",
                                  "--activation-density", "0.4"])
        #expect(stats.status == 0 && stats.stdout.contains("input zeros statistical: uniform density 0.4"), "\(stats.stdout)")
        #expect(try Self.run(["simulate"] + specs + ["--model", "mlp", "--activation-density", "0"]).status == 64)
        #expect(try Self.run(["simulate"] + specs + ["--model", "mlp", "--density-model", "both", "--format", "csv"]).status == 64)
        #expect(try Self.run(["simulate"] + specs + ["--model", "mlp", "--density-model", "sparse"]).status == 64)
    }

    @Test func simulateFormatsAndErrors() throws {
        let ws = Self.repositoryRoot + "/HardwareSpecs/systolic-ws.xml"
        let os = Self.repositoryRoot + "/HardwareSpecs/systolic-os.xml"
        let table = try Self.run(["simulate", "--hw", ws, "--model", "resnet18"])
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.contains("layer4.1.conv2"))
        #expect(table.stdout.contains("\ntotal "))

        let json = try Self.run(["simulate", "--hw", ws, "--model", "lenet5", "--format", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let layers = try #require(object["layers"] as? [[String: Any]])
        #expect(layers.count == 5)
        for key in ["name", "macs", "compute_cycles", "cycles", "utilization", "mapping_efficiency", "dram_bytes", "energy_pj",
                    "required_bandwidth_gbps"] {
            #expect(layers[0][key] != nil, "\(key)")
        }
        #expect(((layers[0]["dram_bytes"] as? [String: Any])?.keys.sorted()) == ["inputs", "metadata", "outputs", "weights"])
        #expect((object["total"] as? [String: Any])?["macs"] as? Int == layers.reduce(0) { $0 + ($1["macs"] as! Int) })

        let csv = try Self.run(["simulate", "--hw", ws, "--hw", os, "--model", "mlp", "--format", "csv"])
        let rows = csv.stdout.split(separator: "\n")
        #expect(rows.count == 1 + 2 * 4)
        #expect(rows[0].hasPrefix("spec,layer,macs,compute_cycles"))

        let topology = NSTemporaryDirectory() + "sparsesim-topo-\(UUID().uuidString).csv"
        try "Layer, H, W, R, S, C, K, stride,\nR18_Conv4_s, 28, 28, 1, 1, 128, 256, 2, 2:4\n".write(toFile: topology, atomically: true, encoding: .utf8)
        let stc = Self.repositoryRoot + "/HardwareSpecs/stc-2to4.xml"
        let sparse = try Self.run(["simulate", "--hw", stc, "--topology", topology, "--format", "json"])
        #expect(sparse.stdout.contains("\"compute_cycles\" : 5103"), "\(sparse.stdout)")

        let trace = try Self.run(["simulate", "--hw", ws, "--trace", Self.fixture, "--snapshot", "50"])
        #expect(trace.status == 0 && trace.stdout.contains("conv2"))

        #expect(try Self.run(["simulate", "--model", "mlp"]).status == 64)
        #expect(try Self.run(["simulate", "--hw", ws, "--model", "googlenet"]).status == 64)
        #expect(try Self.run(["simulate", "--hw", ws, "--model", "mlp", "--topology", topology]).status == 64)
        let eyeriss = try Self.run(["simulate", "--hw", Self.repositoryRoot + "/HardwareSpecs/eyeriss-v1.xml", "--model", "mlp"])
        #expect(eyeriss.status == 0, "\(eyeriss.stderr)")
        #expect(eyeriss.stdout.contains("row-stationary"))
        let basis = try Self.run(["simulate", "--hw", ws, "--set", "dataflow=basis-first", "--set", "decomposition.bases=4",
                                  "--set", "decomposition.sharing=layer", "--set", "decomposition.basisBits=8",
                                  "--set", "decomposition.coefficientBits=4", "--set", "decomposition.intermediateBits=16", "--model", "mlp"])
        #expect(basis.status == 0, "\(basis.stderr)")
        #expect(basis.stdout.contains("basis-first"), "\(basis.stdout)")
        let bad = try Self.run(["simulate", "--hw", ws, "--set", "pe-array.rows=0", "--model", "mlp"])
        #expect(bad.status == 1 && bad.stderr.hasPrefix("sparsesim: error: \(ws):10: Element 'pe-array'"))
    }

    // MARK: bench

    @Test func benchBLASWritesJSONWithProvenance() throws {
        let out = NSTemporaryDirectory() + "sparsesim-bench-\(UUID().uuidString).json"
        let r = try Self.run(["bench", "blas", "--sizes", "32", "--threads", "1", "--repetitions", "1", "--format", "json", "--output", out])
        #expect(r.status == 0, "\(r.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out))) as? [String: Any])
        let results = try #require(object["results"] as? [[String: Any]])
        #expect(results.count == 1 && results[0]["n"] as? Int == 32)
        #expect((results[0]["gflops"] as? Double ?? 0) > 0)
        let provenance = try #require(object["provenance"] as? [String: Any])
        #expect(provenance["blas_core"] as? String == BLAS.coreName)
        #expect((provenance["command_line"] as? [String])?.contains("--sizes") == true)
    }

    @Test func unwritableOutputFailsCleanly() throws {
        // Refused before any measuring, whatever kernel warning precedes it.
        let r = try Self.run(["bench", "blas", "--sizes", "2048", "--threads", "1", "--output", "/nonexistent/dir/out.txt"])
        #expect(r.status == 1)
        #expect(r.stderr == "sparsesim: error: /nonexistent/dir/out.txt: cannot write here: directory /nonexistent/dir does not exist\n")
        let dir = NSTemporaryDirectory()
        let d = try Self.run(["bench", "blas", "--sizes", "8", "--output", dir])
        #expect(d.status == 1)
        #expect(d.stderr.hasSuffix("is a directory; give a file name\n"))
    }

    // MARK: train

    @Test func trainPrintsJSONSummaryAndMetrics() throws {
        let dir = NSTemporaryDirectory() + "train-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try Self.run(["train", "--model", "mlp", "--train-samples", "256", "--test-samples", "100", "--epochs", "2",
                              "--batch-size", "64", "--checkpoint-dir", dir, "--metrics", dir + "/m.jsonl", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        for key in ["test_accuracy", "train_loss", "samples_per_second", "epochs", "steps"] { #expect(object[key] != nil, "\(key)") }
        #expect(object["steps"] as? Int == 8 && object["epochs"] as? Int == 2)
        let provenance = try #require(object["provenance"] as? [String: Any])
        #expect(provenance["seed"] as? Int == 0 && provenance["threads"] as? Int == 1)
        #expect((provenance["command_line"] as? [String])?.contains("--checkpoint-dir") == true)
        // Not a terminal: one progress line per epoch on standard error.
        #expect(r.stderr.split(separator: "\n").filter { $0.hasPrefix("epoch ") }.count == 2)
        let lines = try String(contentsOfFile: dir + "/m.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2 && lines[1].contains("\"test_accuracy\""))
        #expect(FileManager.default.fileExists(atPath: dir + "/checkpoint.safetensors"))
        // Resuming a finished run does nothing more and reports the same step count.
        let again = try Self.run(["train", "--model", "mlp", "--train-samples", "256", "--test-samples", "100", "--epochs", "2",
                                  "--batch-size", "64", "--checkpoint-dir", dir, "--resume", "--format", "json"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("\"steps\" : 8"))
    }

    @Test func trainErrors() throws {
        let unknown = try Self.run(["train", "--model", "alexnet"])
        #expect(unknown.status == 64 && unknown.stderr.contains("unknown model 'alexnet'"), "\(unknown.stderr)")
        let lr = try Self.run(["train", "--model", "mlp", "--lr", "0"])
        #expect(lr.status == 64 && lr.stderr.contains("--lr"), "\(lr.stderr)")
        let mnist = try Self.run(["train", "--model", "mlp", "--dataset", "mnist"])
        #expect(mnist.status == 64 && mnist.stderr.contains("--data-dir"), "\(mnist.stderr)")
        let resume = try Self.run(["train", "--model", "mlp", "--resume"])
        #expect(resume.status == 64 && resume.stderr.contains("--resume needs --checkpoint-dir"), "\(resume.stderr)")
        // --resume with nothing to resume starts at step 0, but a checkpoint directory that cannot
        // be made is refused before any training.
        let blocked = try Self.run(["train", "--model", "mlp", "--checkpoint-dir", Self.fixture + "/manifest.json/ck", "--resume"])
        #expect(blocked.status == 1 && blocked.stderr.contains("manifest.json/ck: cannot create the checkpoint directory"), "\(blocked.stderr)")
        #expect(!blocked.stderr.contains("epoch 1"))
        let aware = try Self.run(["train", "--model", "mlp", "--quantize-aware-from", "2"])
        #expect(aware.status == 64 && aware.stderr.contains("--quantize-aware-from needs --quantize"), "\(aware.stderr)")
        let epoch = try Self.run(["train", "--model", "mlp", "--quantize", "weights=8", "--quantize-aware-from", "0"])
        #expect(epoch.status == 64 && epoch.stderr.contains("--quantize-aware-from"), "\(epoch.stderr)")
    }

    // MARK: sparse training

    static let numpyAvailable = Python.hasNumpy

    /// `train --method rigl --sparsity 0.5 --structure nm:2:4 --trace` writes a trace whose
    /// masks tools/sstrace.py (numpy) finds 2:4 in every group of 4.
    @Test(.enabled(if: numpyAvailable, "python3 with numpy is not available"))
    func nmTraceIsCheckedByPython() throws {
        let dir = NSTemporaryDirectory() + "nm-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let trace = dir + "/run.sstrace"
        let r = try Self.run(["train", "--model", "lenet5", "--method", "rigl", "--sparsity", "0.5", "--structure", "nm:2:4",
                              "--train-samples", "256", "--test-samples", "64", "--epochs", "2", "--batch-size", "64",
                              "--update-interval", "2", "--trace", trace, "--trace-every", "4", "--trace-samples", "4"])
        #expect(r.status == 0, "\(r.stderr)")
        let check = try Python.run([Self.repositoryRoot + "/tools/sstrace.py", "--check", trace, "--nm", "2:4"])
        let text = check.text
        #expect(check.status == 0, "\(check.stderr)")
        // conv1 stays dense (the first layer); conv2 and the three linear layers are 2:4.
        #expect(text.contains("2:4 ok") && text.contains("conv2, fc1, fc2, fc3"), "\(text)")
        // The trace's manifest names the method and its structure.
        let manifest = try String(contentsOfFile: trace + "/manifest.json", encoding: .utf8)
        #expect(manifest.contains("\"rigl\"") && manifest.contains("\"nm:2:4\""))
    }

    @Test func sparseTrainErrors() throws {
        let contradiction = try Self.run(["train", "--model", "mlp", "--method", "rigl", "--structure", "nm:2:4", "--sparsity", "0.9"])
        #expect(contradiction.status == 64 && contradiction.stderr.contains("--sparsity") && contradiction.stderr.contains("nm:2:4"),
                "\(contradiction.stderr)")
        let method = try Self.run(["train", "--model", "mlp", "--method", "lottery"])
        #expect(method.status == 64 && method.stderr.contains("unknown method 'lottery'"), "\(method.stderr)")
        let structure = try Self.run(["train", "--model", "mlp", "--method", "rigl", "--structure", "block:3x4"])
        #expect(structure.status == 64 && structure.stderr.contains("--structure"), "\(structure.stderr)")
        let dense = try Self.run(["train", "--model", "mlp", "--sparsity", "0.5"])
        #expect(dense.status == 64 && dense.stderr.contains("sparse --method"), "\(dense.stderr)")
        let every = try Self.run(["train", "--model", "mlp", "--trace-every", "10"])
        #expect(every.status == 64 && every.stderr.contains("--trace-every needs --trace"), "\(every.stderr)")
        let kernels = try Self.run(["train", "--model", "mlp", "--method", "rigl", "--kernels", "fast"])
        #expect(kernels.status == 64 && kernels.stderr.contains("--kernels") && kernels.stderr.contains("'fast'"), "\(kernels.stderr)")
        let benchKernels = try Self.run(["bench", "kernels", "--densities", "0.1,2"])
        #expect(benchKernels.status == 64 && benchKernels.stderr.contains("--densities"), "\(benchKernels.stderr)")
        let lines = [contradiction, method, structure, dense, kernels].map { $0.stderr.split(separator: "\n").count }
        #expect(lines.allSatisfy { $0 == 1 }, "\(lines)")
    }
}
