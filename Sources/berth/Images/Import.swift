import ArgumentParser
import BerthImages
import Glibc

/// `berth import [-m MESSAGE] FILE [REPOSITORY[:TAG]]`.
struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Import the contents from a tarball to create a filesystem image.")

    @OptionGroup var store: StoreOptions

    @Option(name: .shortAndLong, help: "Set commit message for imported image.")
    var message: String?

    @Argument(help: "A root filesystem tarball (plain, gzip or zstd), or - for stdin.")
    var file: String

    @Argument(help: "The new image's name.")
    var reference: String?

    func run() throws {
        try reporting {
            let service = try store.service()
            let file = self.file == "-" ? try copyStandardInput(root: store.root, name: "import") : self.file
            defer { if file != self.file { unlink(file) } }
            let reference = reference, message = message ?? (self.file == "-" ? "Imported from -" : nil)
            let image = try blockingAwait { try await service.importRootfs(from: file, reference: reference, message: message) }
            print(image.id.description)
        }
    }
}
