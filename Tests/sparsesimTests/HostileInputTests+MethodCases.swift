import Foundation

/// Bad settings of the sparse methods and pruning searches: one line naming the flag, exit 64.
extension HostileInputTests {
    static let methodCases: [HostileCase] = [
        HostileCase("flags: GMP ends before it starts", status: 64, place: "<command line>:--prune-end", says: "0.3 must be in (--prune-start = 0.5, 1]") { _ in
            ["train", "--model", "mlp", "--method", "gmp", "--prune-start", "0.5", "--prune-end", "0.3"]
        },
        HostileCase("flags: Gem-Miner with N:M", status: 64, place: "<command line>:--structure", says: "Gem-Miner searches unstructured masks") { _ in
            ["train", "--model", "mlp", "--method", "gem-miner", "--structure", "nm:2:4"]
        },
        HostileCase("flags: GMP schedule for RigL", status: 64, place: "<command line>:--method", says: "--prune-start, --prune-end and --prune-frequency are for --method gmp") { _ in
            ["train", "--model", "mlp", "--method", "rigl", "--prune-frequency", "10"]
        },
        HostileCase("flags: a sequence longer than BERT's positions", status: 64, place: "<command line>:--seq-len", says: "bert-base takes 1 to 512 tokens, got 600") { _ in
            ["simulate", "--hw", repo + "/HardwareSpecs/systolic-ws.xml", "--model", "bert-base", "--seq-len", "600"]
        },
        HostileCase("flags: a sequence length for a CNN", status: 64, place: "<command line>:--seq-len", says: "mlp takes images, not sequences") { _ in
            ["simulate", "--hw", repo + "/HardwareSpecs/systolic-ws.xml", "--model", "mlp", "--seq-len", "4"]
        },
        HostileCase("flags: another length for ViT-B/16", status: 64, place: "<command line>:--seq-len", says: "vit-b16 takes exactly 197 tokens") { _ in
            ["simulate", "--hw", repo + "/HardwareSpecs/systolic-ws.xml", "--model", "vit-b16", "--seq-len", "196"]
        },
        HostileCase("flags: an attention threshold that is no probability", status: 64, place: "<command line>:--attention-threshold", says: "must be in [0, 1)") { d in
            try trainArguments(d).map { $0 == "mlp" ? "vit-tiny" : $0 } + ["--trace", d + "/t.sstrace", "--attention-threshold", "1.5"]
        },
        HostileCase("flags: IMP rate outside (0, 1)", status: 64, place: "<command line>:--rate", says: "1.5 is not in (0, 1)") { d in
            ["prune", "--model", "mlp", "--method", "imp", "--rate", "1.5", "--epochs", "1", "--out", d + "/imp"]
        },
    ]
}
