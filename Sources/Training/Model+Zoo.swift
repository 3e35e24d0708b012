import Trace

// MARK: - The model zoo

extension Model {
    /// The models `sparsesim train` builds.
    public static let names = ["mlp", "lenet5", "vgg-small", "resnet20"]

    /// Builds model `name` for samples of `inputShape` (`[1, 28, 28]` for (Fashion-)MNIST,
    /// `[3, 32, 32]` for CIFAR-10), initialized from `rng`.
    /// - Parameter width: multiplies every hidden width (channels, units), rounded, at least 1
    ///   (ResNet-20's widths stay even for its padded shortcuts); 1 is the published model.
    /// - Throws: `SparseSimError` for an unknown name or an input the model cannot take.
    public static func make(_ name: String, inputShape: [Int] = [1, 28, 28], classes: Int = 10, width: Double = 1,
                            rng: inout RandomGenerator) throws -> Model {
        let c = inputShape[0], h = inputShape[1], w = inputShape[2]
        func x(_ n: Int) -> Int { max(1, Int((Double(n) * width).rounded())) }
        func even(_ n: Int) -> Int { max(2, 2 * Int((Double(n) * width / 2).rounded())) }
        var layers: [any Layer] = []
        switch name {
        case "mlp":
            layers = [Flatten("flatten"),
                      Linear("fc1", inputs: c * h * w, outputs: x(300), rng: &rng), ReLU("relu1"),
                      Linear("fc2", inputs: x(300), outputs: x(100), rng: &rng), ReLU("relu2"),
                      Linear("fc3", inputs: x(100), outputs: classes, rng: &rng)]
        case "lenet5":
            let fh = ((h + 4 - 4) / 2 - 4) / 2, fw = ((w + 4 - 4) / 2 - 4) / 2
            layers = [Conv2d("conv1", inChannels: c, outChannels: x(6), kernel: 5, padding: 2, rng: &rng), ReLU("relu1"),
                      MaxPool2d("pool1"),
                      Conv2d("conv2", inChannels: x(6), outChannels: x(16), kernel: 5, rng: &rng), ReLU("relu2"),
                      MaxPool2d("pool2"), Flatten("flatten"),
                      Linear("fc1", inputs: x(16) * fh * fw, outputs: x(120), rng: &rng), ReLU("relu3"),
                      Linear("fc2", inputs: x(120), outputs: x(84), rng: &rng), ReLU("relu4"),
                      Linear("fc3", inputs: x(84), outputs: classes, rng: &rng)]
        case "vgg-small":
            func block(_ i: Int, _ cin: Int, _ cout: Int) -> [any Layer] {
                [Conv2d("conv\(i)", inChannels: cin, outChannels: cout, kernel: 3, padding: 1, bias: false, rng: &rng),
                 BatchNorm2d("bn\(i)", channels: cout, relu: true)]
            }
            layers = block(1, c, x(32)) + block(2, x(32), x(32)) + [MaxPool2d("pool1")]
                + block(3, x(32), x(64)) + block(4, x(64), x(64)) + [MaxPool2d("pool2"), Flatten("flatten")]
            layers += [Linear("fc1", inputs: x(64) * (h / 4) * (w / 4), outputs: x(256), rng: &rng), ReLU("relu5"),
                       Linear("fc2", inputs: x(256), outputs: classes, rng: &rng)]
        case "resnet20":
            layers = [Conv2d("conv1", inChannels: c, outChannels: even(16), kernel: 3, padding: 1, bias: false, rng: &rng),
                      BatchNorm2d("bn1", channels: even(16), relu: true)]
            var channels = even(16)
            for stage in 0..<3 {
                let width = even(16 << stage)
                for b in 0..<3 {
                    layers.append(BasicBlock("layer\(stage + 1).\(b)", inChannels: channels, outChannels: width,
                                             stride: stage > 0 && b == 0 ? 2 : 1, rng: &rng))
                    channels = width
                }
            }
            layers += [GlobalAvgPool("pool"), Linear("fc", inputs: channels, outputs: classes, rng: &rng)]
        default:
            throw SparseSimError(file: "<model>", location: "--model",
                                 message: "unknown model '\(name)' (known: \(names.joined(separator: ", ")))")
        }
        return try Model(name: name, inputShape: inputShape, layers: layers)
    }
}
