import ArgumentParser
import BerthImages

/// `berth rmi [-f] IMAGE...`.
struct Rmi: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rmi", abstract: "Remove one or more images.")

    @OptionGroup var store: StoreOptions

    @Flag(name: .shortAndLong, help: "Force removal of the image.")
    var force = false

    @Argument(help: "Images (names or IDs).")
    var images: [String]

    func validate() throws {
        if images.isEmpty { throw ValidationError("\"rmi\" requires at least 1 argument") }
    }

    func run() throws {
        try reporting {
            let service = try store.service()
            for image in images {
                for line in try service.remove(image, force: force) { print(line) }
            }
        }
    }
}
