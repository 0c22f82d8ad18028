import ArgumentParser
import BerthImages
import BerthOCI

/// `berth push NAME[:TAG]`.
struct Push: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Upload an image to a registry.")

    @OptionGroup var store: StoreOptions

    @Flag(name: .shortAndLong, help: "Suppress verbose output.")
    var quiet = false

    @Argument(help: "The image name and tag.")
    var reference: String

    func run() throws {
        try reporting { try push() }
    }

    private func push() throws {
        do {
            let service = try store.service()
            let printer = ProgressPrinter()
            let handler: ProgressHandler? = quiet ? nil : printer.handler
            let reference = reference
            let _: Digest = try blockingAwait { try await service.push(reference, progress: handler) }
        }
    }
}
