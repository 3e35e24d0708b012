import SparseSimCore

// MARK: - Augmentation

/// CIFAR-style augmentation: a random crop of the zero-padded image, then a horizontal flip
/// with probability ½, drawn from the trainer's generator.
enum Augmentation {
    /// Writes sample `sample` of `images` (shape `[C, H, W]`), shifted by a random offset in
    /// `−padding...padding` (zeros outside) and maybe mirrored, into `out`.
    static func cropAndFlip(_ images: UnsafeBufferPointer<Float>, sample: Int, shape: [Int], padding: Int,
                            into out: UnsafeMutableBufferPointer<Float>, rng: inout RandomGenerator) {
        let (c, h, w) = (shape[0], shape[1], shape[2])
        let dy = rng.nextInt(below: 2 * padding + 1) - padding
        let dx = rng.nextInt(below: 2 * padding + 1) - padding
        let flip = rng.nextInt(below: 2) == 1
        let base = sample &* c &* h &* w
        for ch in 0..<c {
            for y in 0..<h {
                let sy = y &+ dy
                for x in 0..<w {
                    let sx0 = flip ? (w &- 1 &- x) : x
                    let sx = sx0 &+ dx
                    let o = (ch &* h &+ y) &* w &+ x
                    out[o] = (sy >= 0 && sy < h && sx >= 0 && sx < w) ? images[base &+ (ch &* h &+ sy) &* w &+ sx] : 0
                }
            }
        }
    }
}
