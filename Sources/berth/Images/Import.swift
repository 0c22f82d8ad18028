import ArgumentParser
import BerthImages

/// `berth import [-m MESSAGE] FILE [REPOSITORY[:TAG]]`.
struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Import the contents from a tarball to create a filesystem image.")

    @OptionGroup var store: StoreOptions

    @Option(name: .shortAndLong, help: "Set commit message for imported image.")
    var message: String?

    @Argument(help: "A root filesystem tarball (plain, gzip or zstd).")
    var file: String

    @Argument(help: "The new image's name.")
    var reference: String?

    func run() throws {
        try reporting {
            let service = try store.service()
            let file = file, reference = reference, message = message
            let image = try blockingAwait { try await service.importRootfs(from: file, reference: reference, message: message) }
            print(image.id.description)
        }
    }
}
