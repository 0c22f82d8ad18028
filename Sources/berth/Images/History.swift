import ArgumentParser
import BerthImages

/// `berth history IMAGE` (also `berth image history`).
struct History: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the history of an image.")

    @OptionGroup var store: StoreOptions

    @Flag(help: "Don't truncate output.")
    var noTrunc = false

    @Flag(name: .shortAndLong, help: "Only show image IDs.")
    var quiet = false

    @Argument(help: "The image (name or ID).")
    var image: String

    func run() throws {
        try reporting {
            let entries = try store.service().history(image)
            if quiet { entries.forEach { print(noTrunc ? $0.Id : short($0.Id)) }; return }
            var rows = [["IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT"]]
            for entry in entries {
                var createdBy = entry.CreatedBy
                // docker truncates CREATED BY to 45 characters with an ellipsis.
                if !noTrunc, createdBy.count > 45 { createdBy = String(createdBy.prefix(44)) + "…" }
                rows.append([noTrunc ? entry.Id : short(entry.Id), createdAgo(entry.Created), createdBy, humanSize(entry.Size), entry.Comment])
            }
            printTable(rows)
        }
    }

    private func short(_ id: String) -> String {
        id.hasPrefix("sha256:") ? String(id.dropFirst(7).prefix(12)) : id
    }
}
