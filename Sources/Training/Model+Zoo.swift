import Trace

// MARK: - The model zoo

extension Model {
    /// The models `sparsesim train` builds.
    public static let names = ["mlp", "lenet5", "vgg-small", "resnet20"]

    /// Builds model `name` for samples of `inputShape` (`[1, 28, 28]` for (Fashion-)MNIST,
    /// `[3, 32, 32]` for CIFAR-10), initialized from `rng`.
    /// - Throws: `SparseSimError` for an unknown name or an input the model cannot take.
    public static func make(_ name: String, inputShape: [Int] = [1, 28, 28], classes: Int = 10,
                            rng: inout RandomGenerator) throws -> Model {
        let c = inputShape[0], h = inputShape[1], w = inputShape[2]
        var layers: [any Layer] = []
        switch name {
        case "mlp":
            layers = [Flatten("flatten"),
                      Linear("fc1", inputs: c * h * w, outputs: 300, rng: &rng), ReLU("relu1"),
                      Linear("fc2", inputs: 300, outputs: 100, rng: &rng), ReLU("relu2"),
                      Linear("fc3", inputs: 100, outputs: classes, rng: &rng)]
        case "lenet5":
            let fh = ((h + 4 - 4) / 2 - 4) / 2, fw = ((w + 4 - 4) / 2 - 4) / 2
            layers = [Conv2d("conv1", inChannels: c, outChannels: 6, kernel: 5, padding: 2, rng: &rng), ReLU("relu1"),
                      MaxPool2d("pool1"),
                      Conv2d("conv2", inChannels: 6, outChannels: 16, kernel: 5, rng: &rng), ReLU("relu2"),
                      MaxPool2d("pool2"), Flatten("flatten"),
                      Linear("fc1", inputs: 16 * fh * fw, outputs: 120, rng: &rng), ReLU("relu3"),
                      Linear("fc2", inputs: 120, outputs: 84, rng: &rng), ReLU("relu4"),
                      Linear("fc3", inputs: 84, outputs: classes, rng: &rng)]
        case "vgg-small":
            func block(_ i: Int, _ cin: Int, _ cout: Int) -> [any Layer] {
                [Conv2d("conv\(i)", inChannels: cin, outChannels: cout, kernel: 3, padding: 1, bias: false, rng: &rng),
                 BatchNorm2d("bn\(i)", channels: cout), ReLU("relu\(i)")]
            }
            layers = block(1, c, 32) + block(2, 32, 32) + [MaxPool2d("pool1")]
                + block(3, 32, 64) + block(4, 64, 64) + [MaxPool2d("pool2"), Flatten("flatten")]
            layers += [Linear("fc1", inputs: 64 * (h / 4) * (w / 4), outputs: 256, rng: &rng), ReLU("relu5"),
                       Linear("fc2", inputs: 256, outputs: classes, rng: &rng)]
        case "resnet20":
            layers = [Conv2d("conv1", inChannels: c, outChannels: 16, kernel: 3, padding: 1, bias: false, rng: &rng),
                      BatchNorm2d("bn1", channels: 16), ReLU("relu1")]
            var channels = 16
            for stage in 0..<3 {
                let width = 16 << stage
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
