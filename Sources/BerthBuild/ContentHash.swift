import BerthOCI
import Crypto
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#endif

/// SHA-256 as OCI digests, for file checksums and cache keys.
enum ContentHash {
    static func sha256(_ data: Data) -> BerthOCI.Digest {
        digest(SHA256.hash(data: data))
    }

    static func digest(_ hash: SHA256.Digest) -> BerthOCI.Digest {
        let digits = Array("0123456789abcdef".utf8)
        var hex = [UInt8]()
        hex.reserveCapacity(64)
        for byte in hash {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0f)])
        }
        // A SHA-256 hash always formats as 64 lowercase hex digits.
        return try! BerthOCI.Digest(algorithm: .sha256, hex: String(decoding: hex, as: UTF8.self))
    }
}
