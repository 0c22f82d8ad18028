import ArgumentParser
import BerthImages

/// `berth tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]`.
struct Tag: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE.")

    @OptionGroup var store: StoreOptions

    @Argument(help: "The source image (name or ID).")
    var source: String

    @Argument(help: "The new name.")
    var target: String

    func run() throws {
        try reporting { try store.service().tag(source, as: target) }
    }
}
