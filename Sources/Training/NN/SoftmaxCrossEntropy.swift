import Foundation

// MARK: - SoftmaxCrossEntropy

/// The mean softmax cross-entropy of `[N, classes]` logits against integer labels, and its
/// gradient `(softmax − onehot) / N`.
package final class SoftmaxCrossEntropy {
    let gradient = Tensor(shape: [0])

    /// A loss.
    package init() {}

    /// The mean loss over the batch, and the number of rows whose largest logit is the label.
    /// Computes the gradient for `backward()`.
    /// - Precondition: `logits` is `[N, classes]`, `labels.count == N`, labels in `0..<classes`.
    package func forward(_ logits: Tensor, labels: UnsafeBufferPointer<Int32>) -> (loss: Double, correct: Int) {
        let (n, k) = (logits.shape[0], logits.shape[1])
        precondition(labels.count == n, "one label per row")
        gradient.resize(logits.shape)
        let z = logits.readBuffer, g = gradient.buffer
        var total: Double = 0
        var correct = 0
        let scale = 1 / Float(n)
        for i in 0..<n {
            let row = i &* k
            var maxValue = z[row], argmax = 0
            for j in 1..<k where z[row &+ j] > maxValue { maxValue = z[row &+ j]; argmax = j }
            var sum: Float = 0
            for j in 0..<k {
                let e = expf(z[row &+ j] - maxValue)
                g[row &+ j] = e
                sum += e
            }
            let label = Int(labels[i])
            total += Double(logf(sum) + maxValue - z[row &+ label])
            if argmax == label { correct += 1 }
            let inv = 1 / sum
            for j in 0..<k { g[row &+ j] = g[row &+ j] * inv * scale }
            g[row &+ label] -= scale
        }
        return (total / Double(n), correct)
    }

    /// The gradient of the last `forward`'s loss with respect to the logits.
    package func backward() -> Tensor { gradient }
}
