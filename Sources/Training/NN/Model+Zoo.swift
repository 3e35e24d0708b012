import SparseSimCore
import Trace

// MARK: - The model zoo

extension Model {
    /// The models `sparsesim train` builds.
    package static let names = ["mlp", "lenet5", "vgg-small", "resnet20", "ecn", "vit-tiny"]
    /// The ImageNet networks at 3×224×224 (prune at init and simulation; not trained here).
    package static let imageNetNames = ["resnet18", "resnet50", "vgg16", "mobilenet-v1"]

    /// Builds model `name` for samples of `inputShape` (`[1, 28, 28]` for (Fashion-)MNIST,
    /// `[3, 32, 32]` for CIFAR-10), initialized from `rng`. The ImageNet networks
    /// (`imageNetNames`) follow torchvision's layouts (VGG-16 without BatchNorm, its dropout
    /// left out; ResNets with projection shortcuts) and initialization
    /// (`initializeLikeTorchvision`), and take `[3, 224, 224]` by default.
    /// - Parameter width: multiplies every hidden width (channels, units), rounded, at least 1
    ///   (ResNet-20's widths stay even for its padded shortcuts); 1 is the published model.
    /// - Throws: `SparseSimError` for an unknown name or an input the model cannot take.
    package static func make(_ name: String, inputShape: [Int]? = nil, classes: Int? = nil, width: Double = 1,
                            rng: inout RandomGenerator) throws -> Model {
        let imageNet = imageNetNames.contains(name)
        let inputShape = inputShape ?? (imageNet ? [3, 224, 224] : [1, 28, 28])
        let classes = classes ?? (imageNet ? 1000 : 10)
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
        case "ecn":
            // Evenly Cascaded Network: a 3×3 stem, six cascading layers that each add `growth`
            // channels and shrink the maps by the scaling rate 0.75 (28 → 21 → 15 → 11 → 8 → 6 → 4),
            // then BatchNorm + ReLU, global average pooling and the classifier.
            var channels = x(NetworkCatalog.ECN.stem)
            layers = [Conv2d("conv1", inChannels: c, outChannels: channels, kernel: 3, padding: 1, bias: false, rng: &rng)]
            for i in 1...NetworkCatalog.ECN.cascades {
                layers.append(CascadeBlock("cascade\(i)", inChannels: channels, growth: x(NetworkCatalog.ECN.growth),
                                           ratio: NetworkCatalog.ECN.ratio, rng: &rng))
                channels += x(NetworkCatalog.ECN.growth)
            }
            layers += [BatchNorm2d("bn", channels: channels, relu: true), GlobalAvgPool("pool"),
                       Linear("fc", inputs: channels, outputs: classes, rng: &rng)]
        case "vit-tiny":
            // A vision transformer: patches embedded token-wise, learned positions, pre-LN
            // encoder blocks, a final LayerNorm, the mean of the tokens and the classifier.
            // The width multiplier scales the heads' features: the width stays a multiple of the heads.
            let v = NetworkCatalog.ViTTiny.self
            let heads = v.heads, width = heads * max(1, Int((Double(v.width) * width / Double(heads)).rounded()))
            guard h % v.patch == 0, w % v.patch == 0 else {
                throw SparseSimError.setting("inputShape", "vit-tiny's \(v.patch)×\(v.patch) patches do not tile \(h)×\(w) images")
            }
            let tokens = (h / v.patch) * (w / v.patch)
            let embed = Linear("patch_embed", inputs: c * v.patch * v.patch, outputs: width, tokenwise: true, rng: &rng)
            embed.initializeXavierUniform(rng: &rng)
            layers = [Patchify("patchify", patch: v.patch), embed,
                      PositionEmbedding("pos_embed", tokens: tokens, features: width, rng: &rng)]
            for b in 1...v.depth {
                layers.append(TransformerBlock("block\(b)", features: width, heads: heads, hidden: x(v.hidden), rng: &rng))
            }
            let head = Linear("head", inputs: width, outputs: classes, rng: &rng)
            head.initializeXavierUniform(rng: &rng)
            layers += [LayerNorm("norm", features: width), TokenMeanPool("pool"), head]
        case "resnet18", "resnet50":
            layers = [Conv2d("conv1", inChannels: c, outChannels: x(64), kernel: 7, stride: 2, padding: 3, bias: false, rng: &rng),
                      BatchNorm2d("bn1", channels: x(64), relu: true), MaxPool2d("maxpool", size: 3, stride: 2, padding: 1)]
            var channels = x(64)
            let blocks = name == "resnet18" ? [2, 2, 2, 2] : [3, 4, 6, 3]
            for (stage, count) in blocks.enumerated() {
                let width = x(64 << stage)
                for b in 0..<count {
                    let stride = stage > 0 && b == 0 ? 2 : 1, blockName = "layer\(stage + 1).\(b)"
                    if name == "resnet18" {
                        layers.append(BasicBlock(blockName, inChannels: channels, outChannels: width, stride: stride,
                                                 projection: true, rng: &rng))
                        channels = width
                    } else {
                        layers.append(Bottleneck(blockName, inChannels: channels, width: width, stride: stride, rng: &rng))
                        channels = 4 * width
                    }
                }
            }
            layers += [GlobalAvgPool("avgpool"), Linear("fc", inputs: channels, outputs: classes, rng: &rng)]
        case "vgg16":
            var channels = c, size = h
            let config: [(Int, Int)] = [(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)]
            for (block, (outChannels, convs)) in config.enumerated() {
                for i in 0..<convs {
                    layers += [Conv2d("conv\(block + 1)_\(i + 1)", inChannels: channels, outChannels: x(outChannels), kernel: 3,
                                      padding: 1, rng: &rng), ReLU("relu\(block + 1)_\(i + 1)")]
                    channels = x(outChannels)
                }
                layers.append(MaxPool2d("pool\(block + 1)"))
                size /= 2
            }
            layers += [Flatten("flatten"),
                       Linear("fc6", inputs: channels * size * (w >> 5), outputs: x(4096), rng: &rng), ReLU("relu6"),
                       Linear("fc7", inputs: x(4096), outputs: x(4096), rng: &rng), ReLU("relu7"),
                       Linear("fc8", inputs: x(4096), outputs: classes, rng: &rng)]
        case "mobilenet-v1":
            layers = [Conv2d("conv1", inChannels: c, outChannels: x(32), kernel: 3, stride: 2, padding: 1, bias: false, rng: &rng),
                      BatchNorm2d("bn1", channels: x(32), relu: true)]
            var channels = x(32)
            let blocks: [(Int, Int)] = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2),
                                        (512, 1), (512, 1), (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1)]
            for (i, (outChannels, stride)) in blocks.enumerated() {
                layers += [Conv2d("dw\(i + 1)", inChannels: channels, outChannels: channels, kernel: 3, stride: stride,
                                  padding: 1, groups: channels, bias: false, rng: &rng),
                           BatchNorm2d("dw\(i + 1).bn", channels: channels, relu: true),
                           Conv2d("pw\(i + 1)", inChannels: channels, outChannels: x(outChannels), kernel: 1, bias: false, rng: &rng),
                           BatchNorm2d("pw\(i + 1).bn", channels: x(outChannels), relu: true)]
                channels = x(outChannels)
            }
            layers += [GlobalAvgPool("avgpool"), Linear("fc", inputs: channels, outputs: classes, rng: &rng)]
        default:
            throw SparseSimError.setting("model", "unknown model '\(name)' (known: \((names + imageNetNames).joined(separator: ", ")))")
        }
        let model = try Model(name: name, inputShape: inputShape, layers: layers)
        if imageNet { model.initializeLikeTorchvision(rng: &rng) }
        return model
    }
}
