import ArgumentParser
import BerthImages
import Glibc

/// `berth save [-o FILE] IMAGE...`: a tar for `docker load` (docker archive
/// and OCI layout in one), to FILE or to stdout when it is not a terminal.
struct Save: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Save one or more images to a tar archive.")

    @OptionGroup var store: StoreOptions

    @Option(name: .shortAndLong, help: "Write to a file, instead of STDOUT.")
    var output: String?

    @Argument(help: "Images (names or IDs).")
    var images: [String]

    func validate() throws {
        if images.isEmpty { throw ValidationError("\"save\" requires at least 1 argument") }
        if output == nil, isatty(STDOUT_FILENO) == 1 {
            throw ValidationError("cowardly refusing to save to a terminal. Use the -o flag or redirect")
        }
    }

    func run() throws {
        try reporting { try store.service().save(images, to: output) }
    }
}
