import ArgumentParser
import BerthImages
import Foundation

/// `berth image inspect IMAGE...`: a JSON array as docker prints it.
struct ImageInspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Display detailed information on one or more images.")

    @OptionGroup var store: StoreOptions

    @Argument(help: "Images (names or IDs).")
    var images: [String]

    func run() throws {
        try reporting {
            let service = try store.service()
            let results = try images.map { try service.inspect($0) }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(results), as: UTF8.self))
        }
    }
}
