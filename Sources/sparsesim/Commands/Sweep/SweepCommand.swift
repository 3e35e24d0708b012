import ArgumentParser
import Foundation
import Sim
import SparseSimCore
import Trace

// MARK: - sweep

/// `sparsesim sweep`: a grid of spec variants on one workload, sharded and resumable.
struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Sweep spec parameters over a grid on one network or trace: parallel, sharded, resumable; merge with a Pareto plot.",
        discussion: """
            Every --vary PATH=V1,V2,... is an axis (PATH as --set names it); the grid is their \
            Cartesian product, the last axis varying fastest. Each point is the base spec with --set \
            and the point's values, simulated on the workload (a trace's real masks, or a catalog \
            model dense), and written to DIR/points/NNNNNN.json atomically as soon as it is done. A \
            run skips points already there, so a killed sweep continues where it stopped; \
            --shard i/n evaluates every n-th point from i, for array jobs (Docs/cluster.md). Results \
            do not depend on --threads. An unsharded run merges at the end; shards are merged with \
            `sparsesim sweep merge DIR` into DIR/results.csv, DIR/results.json and DIR/pareto.svg \
            (energy vs cycles; Pareto-optimal in cycles, energy and the area proxy PEs x on-chip bytes).

            Examples:
              sparsesim sweep --hw HardwareSpecs/systolic-ws.xml --vary pe-array.rows=8,16,32,64 --vary pe-array.cols=8,16,32,64 \\
                --vary memory.filter-sram.sizeKiB=64,256,1024 --model resnet18 --out sweeps/ws
              sparsesim sweep --hw HardwareSpecs/scnn.xml --vary pe-array.rows=4,8,16 --vary dataflow.channelGroup=4,8,16 \\
                --trace runs/rigl90.sstrace --shard 0/4 --out sweeps/scnn
              sparsesim sweep merge sweeps/scnn
            """,
        subcommands: [SweepRunCommand.self, SweepMergeCommand.self],
        defaultSubcommand: SweepRunCommand.self
    )
}
