import BerthOCI
import Crypto

/// An incremental sha256 or sha512, chosen by the digest it must match.
public struct DigestHasher {
    private enum State {
        case sha256(SHA256)
        case sha512(SHA512)
    }

    private var state: State
    public private(set) var count: Int64 = 0

    public init(_ algorithm: BerthOCI.Digest.Algorithm = .sha256) {
        switch algorithm {
        case .sha256: state = .sha256(SHA256())
        case .sha512: state = .sha512(SHA512())
        }
    }

    public mutating func update(_ buffer: UnsafeRawBufferPointer) {
        count += Int64(buffer.count)
        switch state {
        case .sha256(var hasher):
            hasher.update(bufferPointer: buffer)
            state = .sha256(hasher)
        case .sha512(var hasher):
            hasher.update(bufferPointer: buffer)
            state = .sha512(hasher)
        }
    }

    public mutating func update(_ bytes: some Collection<UInt8>) {
        if let done: Void = bytes.withContiguousStorageIfAvailable({ update(UnsafeRawBufferPointer($0)) }) { return done }
        Array(bytes).withUnsafeBytes { update($0) }
    }

    /// The digest of everything fed so far (the hasher can keep going).
    public var digest: BerthOCI.Digest {
        let hex: String
        let algorithm: BerthOCI.Digest.Algorithm
        switch state {
        case .sha256(let hasher): hex = hexString(hasher.finalize()); algorithm = .sha256
        case .sha512(let hasher): hex = hexString(hasher.finalize()); algorithm = .sha512
        }
        // The hex is well-formed by construction.
        return try! BerthOCI.Digest(algorithm: algorithm, hex: hex)
    }

    /// The digest of `bytes`.
    public static func digest(of bytes: some Collection<UInt8>, _ algorithm: BerthOCI.Digest.Algorithm = .sha256) -> BerthOCI.Digest {
        var hasher = DigestHasher(algorithm)
        hasher.update(bytes)
        return hasher.digest
    }
}

private func hexString(_ bytes: some Sequence<UInt8>) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    for byte in bytes {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0xf)])
    }
    return String(decoding: out, as: UTF8.self)
}
