// MARK: - NetworkCatalog

/// Conv and linear layer shapes of well-known networks, for simulation without a trace and
/// for prune-at-init. The training engine's models describe themselves with the same shapes.
///
/// ImageNet networks take 3×224×224 inputs; the Fashion-MNIST networks 1×28×28. Pooling,
/// normalization and activation layers are not listed (they hold no weights and no MACs that
/// an accelerator's PE array runs), but they shape the layers after them.
public enum NetworkCatalog {
    /// The catalog's network names.
    public static let names = ["alexnet", "resnet18", "resnet50", "vgg16", "mobilenet-v1", "mlp", "lenet5", "vgg-small", "resnet20", "ecn", "vit-tiny",
                                     "bert-base", "vit-b16", "gpt2-small", "llama-d2048-l16"]

    /// The model called `name` at batch size `batch` (transformers at their default sequence
    /// length, `model(_:batch:sequenceLength:)`), or nil for an unknown name.
    /// - Precondition: `batch >= 1`.
    public static func model(_ name: String, batch: Int = 1) -> NetworkShape? {
        precondition(batch >= 1, "batch must be at least 1")
        switch name {
        case "alexnet": return NetworkShape(name: name, inputShape: [3, 227, 227], layers: alexnet(batch: batch))
        case "resnet18": return NetworkShape(name: name, inputShape: [3, 224, 224], layers: resnet(basic: true, blocks: [2, 2, 2, 2], batch: batch))
        case "resnet50": return NetworkShape(name: name, inputShape: [3, 224, 224], layers: resnet(basic: false, blocks: [3, 4, 6, 3], batch: batch))
        case "vgg16": return NetworkShape(name: name, inputShape: [3, 224, 224], layers: vgg16(batch: batch))
        case "mobilenet-v1": return NetworkShape(name: name, inputShape: [3, 224, 224], layers: mobilenetV1(batch: batch))
        case "mlp": return NetworkShape(name: name, inputShape: [1, 28, 28], layers: mlp(batch: batch))
        case "lenet5": return NetworkShape(name: name, inputShape: [1, 28, 28], layers: lenet5(batch: batch))
        case "vgg-small": return NetworkShape(name: name, inputShape: [1, 28, 28], layers: vggSmall(batch: batch))
        case "resnet20": return NetworkShape(name: name, inputShape: [1, 28, 28], layers: resnet20(batch: batch))
        case "ecn": return NetworkShape(name: name, inputShape: [1, 28, 28], layers: ecn(batch: batch))
        default:
            // Transformers at their default sequence length.
            guard let d = transformers[name] else { return nil }
            return transformer(name, batch: batch, tokens: d.defaultLength)
        }
    }

    // MARK: ImageNet networks

    /// ResNet-18/50 (He et al. 2016, torchvision layout: stride on the 3×3 conv of a bottleneck,
    /// 1×1 projection shortcuts where the shape changes).
    static func resnet(basic: Bool, blocks: [Int], batch n: Int) -> [LayerShape] {
        var layers = [LayerShape.conv("conv1", N: n, K: 64, C: 3, R: 7, H: 224, stride: 2, padding: 3)]
        var h = 56  // after conv1 (112) and the 3×3/2 max pool
        var c = 64
        let expansion = basic ? 1 : 4
        for (stage, count) in blocks.enumerated() {
            let width = 64 << stage
            for b in 0..<count {
                let stride = stage > 0 && b == 0 ? 2 : 1
                let p = "layer\(stage + 1).\(b)"
                let out = width * expansion
                if basic {
                    layers.append(.conv("\(p).conv1", N: n, K: width, C: c, R: 3, H: h, stride: stride, padding: 1))
                    let h2 = LayerShape.outputSize(input: h, kernel: 3, stride: stride, padding: 1)
                    layers.append(.conv("\(p).conv2", N: n, K: width, C: width, R: 3, H: h2, padding: 1))
                } else {
                    layers.append(.conv("\(p).conv1", N: n, K: width, C: c, R: 1, H: h))
                    layers.append(.conv("\(p).conv2", N: n, K: width, C: width, R: 3, H: h, stride: stride, padding: 1))
                    let h2 = LayerShape.outputSize(input: h, kernel: 3, stride: stride, padding: 1)
                    layers.append(.conv("\(p).conv3", N: n, K: out, C: width, R: 1, H: h2))
                }
                if stride != 1 || c != out {
                    layers.append(.conv("\(p).downsample", N: n, K: out, C: c, R: 1, H: h, stride: stride))
                }
                h = LayerShape.outputSize(input: h, kernel: 3, stride: stride, padding: 1)
                c = out
            }
        }
        layers.append(.linear("fc", N: n, K: 1000, C: c))
        return layers
    }

    /// AlexNet as first published (Krizhevsky, Sutskever, Hinton 2012) and as Eyeriss measured it
    /// (JSSC 2017 Table V): a 227×227 input, CONV2, CONV4 and CONV5 in two channel groups, 3×3/2
    /// max pooling after CONV1, CONV2 and CONV5. At batch 4 its convolutions are 0.42, 0.90,
    /// 0.60, 0.45 and 0.30 GMACs, the table's.
    static func alexnet(batch n: Int) -> [LayerShape] {
        [
            .conv("conv1", N: n, K: 96, C: 3, R: 11, H: 227, stride: 4),        // 55×55
            .conv("conv2", N: n, K: 256, C: 96, R: 5, H: 27, padding: 2, groups: 2),
            .conv("conv3", N: n, K: 384, C: 256, R: 3, H: 13, padding: 1),
            .conv("conv4", N: n, K: 384, C: 384, R: 3, H: 13, padding: 1, groups: 2),
            .conv("conv5", N: n, K: 256, C: 384, R: 3, H: 13, padding: 1, groups: 2),
            .linear("fc6", N: n, K: 4096, C: 256 * 6 * 6),
            .linear("fc7", N: n, K: 4096, C: 4096),
            .linear("fc8", N: n, K: 1000, C: 4096),
        ]
    }

    /// VGG-16 (Simonyan & Zisserman 2015, configuration D).
    static func vgg16(batch n: Int) -> [LayerShape] {
        var layers: [LayerShape] = []
        var h = 224, c = 3
        for (block, (width, convs)) in [(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)].enumerated() {
            for i in 0..<convs {
                layers.append(.conv("conv\(block + 1)_\(i + 1)", N: n, K: width, C: c, R: 3, H: h, padding: 1))
                c = width
            }
            h /= 2  // 2×2 max pool
        }
        layers.append(.linear("fc6", N: n, K: 4096, C: c * h * h))
        layers.append(.linear("fc7", N: n, K: 4096, C: 4096))
        layers.append(.linear("fc8", N: n, K: 1000, C: 4096))
        return layers
    }

    /// MobileNet v1, width 1.0 (Howard et al. 2017, Table 1).
    static func mobilenetV1(batch n: Int) -> [LayerShape] {
        var layers = [LayerShape.conv("conv1", N: n, K: 32, C: 3, R: 3, H: 224, stride: 2, padding: 1)]
        var h = 112, c = 32
        let blocks: [(Int, Int)] = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2),
                                    (512, 1), (512, 1), (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1)]
        for (i, (out, stride)) in blocks.enumerated() {
            layers.append(.conv("dw\(i + 1)", N: n, K: c, C: c, R: 3, H: h, stride: stride, padding: 1, groups: c))
            h = LayerShape.outputSize(input: h, kernel: 3, stride: stride, padding: 1)
            layers.append(.conv("pw\(i + 1)", N: n, K: out, C: c, R: 1, H: h))
            c = out
        }
        layers.append(.linear("fc", N: n, K: 1000, C: c))
        return layers
    }

    // MARK: Fashion-MNIST networks (1×28×28)

    /// LeNet-300-100: 784-300-100-10.
    static func mlp(batch n: Int) -> [LayerShape] {
        [.linear("fc1", N: n, K: 300, C: 784), .linear("fc2", N: n, K: 100, C: 300), .linear("fc3", N: n, K: 10, C: 100)]
    }

    /// LeNet-5: conv 6@5×5 pad 2, max pool, conv 16@5×5, max pool, fc 120, fc 84, fc 10.
    static func lenet5(batch n: Int) -> [LayerShape] {
        [.conv("conv1", N: n, K: 6, C: 1, R: 5, H: 28, padding: 2),
         .conv("conv2", N: n, K: 16, C: 6, R: 5, H: 14),
         .linear("fc1", N: n, K: 120, C: 16 * 5 * 5),
         .linear("fc2", N: n, K: 84, C: 120),
         .linear("fc3", N: n, K: 10, C: 84)]
    }

    /// VGG-small: conv32-conv32-pool-conv64-conv64-pool-fc256-fc10, 3×3 pad 1.
    static func vggSmall(batch n: Int) -> [LayerShape] {
        [.conv("conv1", N: n, K: 32, C: 1, R: 3, H: 28, padding: 1),
         .conv("conv2", N: n, K: 32, C: 32, R: 3, H: 28, padding: 1),
         .conv("conv3", N: n, K: 64, C: 32, R: 3, H: 14, padding: 1),
         .conv("conv4", N: n, K: 64, C: 64, R: 3, H: 14, padding: 1),
         .linear("fc1", N: n, K: 256, C: 64 * 7 * 7),
         .linear("fc2", N: n, K: 10, C: 256)]
    }

    /// ResNet-20 (He et al. 2016, CIFAR style) on 1×28×28: 3 stages of 16/32/64 channels with
    /// 3 basic blocks each; parameter-free shortcuts (option A: stride-2 subsampling and zero
    /// channel padding), so no downsample convs; global average pool, fc 64→10.
    static func resnet20(batch n: Int) -> [LayerShape] {
        var layers = [LayerShape.conv("conv1", N: n, K: 16, C: 1, R: 3, H: 28, padding: 1)]
        var h = 28, c = 16
        for stage in 0..<3 {
            let width = 16 << stage
            for b in 0..<3 {
                let stride = stage > 0 && b == 0 ? 2 : 1
                layers.append(.conv("layer\(stage + 1).\(b).conv1", N: n, K: width, C: c, R: 3, H: h, stride: stride, padding: 1))
                h = LayerShape.outputSize(input: h, kernel: 3, stride: stride, padding: 1)
                layers.append(.conv("layer\(stage + 1).\(b).conv2", N: n, K: width, C: width, R: 3, H: h, padding: 1))
                c = width
            }
        }
        layers.append(.linear("fc", N: n, K: 10, C: c))
        return layers
    }

    /// The Evenly Cascaded Network of the training engine (Ye et al. 2018): its sizes.
    public enum ECN {
        /// Channels of the 3×3 stem convolution.
        public static let stem = 16
        /// Channels each cascading layer adds (the paper's growth rate).
        public static let growth = 16
        /// Cascading layers.
        public static let cascades = 6
        /// The constant ratio every cascading layer resizes its feature maps by (the paper's
        /// scaling rate; its Figure 1 uses 0.75).
        public static let ratio = 0.75
    }

    /// ECN on 1×28×28: a 3×3 stem conv (16 channels), six cascading layers whose 3×3 convs read
    /// C channels and write C + 16 at the current size before a bilinear resize by 0.75
    /// (28, 21, 15, 11, 8, 6, then 4 after the last), global average pool, fc 112→10.
    static func ecn(batch n: Int) -> [LayerShape] {
        var layers = [LayerShape.conv("conv1", N: n, K: ECN.stem, C: 1, R: 3, H: 28, padding: 1)]
        var h = 28, c = ECN.stem
        for i in 1...ECN.cascades {
            layers.append(.conv("cascade\(i).conv", N: n, K: c + ECN.growth, C: c, R: 3, H: h, padding: 1))
            h = LayerShape.resizedSize(input: h, ratio: ECN.ratio)
            c += ECN.growth
        }
        layers.append(.linear("fc", N: n, K: 10, C: c))
        return layers
    }
}
