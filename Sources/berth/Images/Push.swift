import ArgumentParser
import BerthImages

/// `berth push NAME[:TAG]`.
struct Push: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Upload an image to a registry.")

    @OptionGroup var store: StoreOptions

    @Flag(name: .shortAndLong, help: "Suppress verbose output.")
    var quiet = false

    @Argument(help: "The image name and tag.")
    var reference: String

    func run() throws {
        try reporting {
            let service = try store.service()
            let printer = ProgressPrinter()
            let quiet = quiet, reference = reference
            _ = try blockingAwait { try await service.push(reference, progress: quiet ? nil : { printer.handle($0) }) }
        }
    }
}
