import ArgumentParser
import BerthImages
import BerthOCI

/// `berth images [-q] [REPOSITORY[:TAG]]`: docker's table, one row per
/// repository:tag (`<none>` for an image without one).
struct Images: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List images.")

    @OptionGroup var store: StoreOptions

    @Flag(name: .shortAndLong, help: "Only show image IDs.")
    var quiet = false

    @Flag(help: "Show digests.")
    var digests = false

    @Flag(help: "Don't truncate output.")
    var noTrunc = false

    @Argument(help: "Only images of this repository (and tag).")
    var filter: String?

    func run() throws {
        try reporting {
            let summaries = try store.service().images()
            let wanted = try filter.map { try Reference(parsing: $0) }
            var rows: [[String]] = [["REPOSITORY", "TAG"] + (digests ? ["DIGEST"] : []) + ["IMAGE ID", "CREATED", "SIZE"]]
            var ids: [String] = []
            for image in summaries {
                let id = noTrunc ? image.Id : String(image.Id.dropFirst("sha256:".count).prefix(12))
                var pairs: [(String, String, String)] = image.RepoTags.map { tag in
                    let ref = try? Reference(parsing: tag)
                    let digest = image.RepoDigests.first { (try? Reference(parsing: $0))?.name == ref?.name }
                    return (ref?.familiarName ?? tag, ref?.tag ?? "<none>", digest.map { String($0.split(separator: "@").last!) } ?? "<none>")
                }
                if pairs.isEmpty {
                    pairs = image.RepoDigests.isEmpty ? [("<none>", "<none>", "<none>")] : image.RepoDigests.map {
                        let parts = $0.split(separator: "@")
                        return (String(parts[0]), "<none>", String(parts.last!))
                    }
                }
                for (repository, tag, digest) in pairs {
                    if let wanted {
                        guard let ref = try? Reference(parsing: repository), ref.name == wanted.name else { continue }
                        if let wantedTag = wanted.tag, wantedTag != tag { continue }
                    }
                    if !ids.contains(id) { ids.append(id) }
                    rows.append([repository, tag] + (digests ? [digest] : []) + [id, createdAgo(image.Created), humanSize(image.Size)])
                }
            }
            if quiet { ids.forEach { print($0) } } else { printTable(rows) }
        }
    }
}
