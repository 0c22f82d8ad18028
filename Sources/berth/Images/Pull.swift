import ArgumentParser
import BerthImages
import BerthOCI

/// `berth pull [--platform P] NAME[:TAG|@DIGEST]`.
struct Pull: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Download an image from a registry.")

    @OptionGroup var store: StoreOptions

    @Option(help: "Set platform if server is multi-platform capable (os/arch[/variant], e.g. linux/arm64/v8).")
    var platform: String?

    @Flag(name: .shortAndLong, help: "Suppress verbose output.")
    var quiet = false

    @Argument(help: "The image reference.")
    var reference: String

    func validate() throws {
        do { _ = try Reference(parsing: reference) } catch { throw ValidationError("invalid reference format: \(error)") }
        if let platform { do { _ = try Platform(parsing: platform) } catch { throw ValidationError("\(error)") } }
    }

    func run() throws {
        try reporting { try pull() }
    }

    private func pull() throws {
        do {
            let service = try store.service()
            let platform = try self.platform.map { try Platform(parsing: $0) }
            let printer = ProgressPrinter()
            let quiet = quiet, reference = reference
            let handler: ProgressHandler? = quiet ? nil : printer.handler
            let image: StoredImage = try blockingAwait {
                try await service.pull(reference, platform: platform, progress: handler)
            }
            if quiet { print(image.repoTags.first ?? image.id.description) }
            else { print(try Reference(parsing: reference).withDefaultTag.description) }
        }
    }
}
