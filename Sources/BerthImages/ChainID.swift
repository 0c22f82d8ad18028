import BerthOCI
import BerthStore

/// Chain IDs name a layer together with everything under it (image-spec
/// config.md "Layer ChainID"): ChainID(L0) = DiffID(L0),
/// ChainID(L0…Ln) = sha256(ChainID(L0…Ln-1) + " " + DiffID(Ln)).
/// Committed snapshots are keyed by them, so equal stacks are shared.
enum ChainID {
    static func chain(_ diffIDs: [Digest]) -> [Digest] {
        var result: [Digest] = []
        for diffID in diffIDs {
            guard let previous = result.last else {
                result.append(diffID)
                continue
            }
            result.append(DigestHasher.digest(of: Array("\(previous) \(diffID)".utf8)))
        }
        return result
    }
}
