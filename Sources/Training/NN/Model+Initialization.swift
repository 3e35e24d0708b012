import Foundation
import SparseSimCore

// MARK: - Framework initialization

extension Model {
    /// Redraws every conv and linear weight and bias from `rng`, in layer order, as
    /// torchvision's `vgg16`, `resnet*` and `mobilenet_v2` code does: conv weights Kaiming
    /// normal with fan-out (`std = √(2 / (K·R·S))`, PyTorch's fan-out of a grouped conv too)
    /// and zero conv biases; VGG and MobileNet linear weights `N(0, 0.01)` with zero biases;
    /// ResNet's `fc` as PyTorch's default `nn.Linear` (weights and bias uniform in
    /// `±1/√fan-in`). BatchNorm keeps `γ = 1, β = 0`. The ImageNet networks use it.
    func initializeLikeTorchvision(rng: inout RandomGenerator) {
        let resnet = name.hasPrefix("resnet")
        for layer in weightLayers {
            let w = layer.weight.value.buffer
            let d = layer.weightDimensions
            if let conv = layer as? Conv2d {
                let std = (2 / Float(d.k * d.r * d.s)).squareRoot()
                for i in 0..<w.count { w[i] = rng.nextNormal() * std }
                conv.bias?.value.fill(0)
            } else if let linear = layer as? Linear {
                let b = linear.bias.value.buffer
                if resnet {
                    let bound = 1 / Float(d.c).squareRoot()
                    for i in 0..<w.count { w[i] = (2 * rng.nextUniform() - 1) * bound }
                    for i in 0..<b.count { b[i] = (2 * rng.nextUniform() - 1) * bound }
                } else {
                    for i in 0..<w.count { w[i] = rng.nextNormal() * 0.01 }
                    linear.bias.value.fill(0)
                }
            }
        }
    }
}
