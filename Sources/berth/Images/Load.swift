import ArgumentParser
import BerthImages
import Foundation
import Glibc

/// `berth load [-i FILE]`: images from a `docker save` tar or an OCI
/// layout tar; stdin is copied to a temporary file first (members are
/// read at their offsets).
struct Load: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Load an image from a tar archive or STDIN.")

    @OptionGroup var store: StoreOptions

    @Option(name: .shortAndLong, help: "Read from tar archive file, instead of STDIN.")
    var input: String?

    @Flag(name: .shortAndLong, help: "Suppress the load output.")
    var quiet = false

    func run() throws {
        try reporting {
            let service = try store.service()
            let path = input == nil || input == "-" ? try copyStandardInput(root: store.root, name: "load") : input!
            defer { if path != input { unlink(path) } }
            let file = path
            let lines = try blockingAwait { try await service.load(from: file) }
            if !quiet { lines.forEach { print($0) } }
        }
    }
}

/// Copies stdin to a temporary file under the store root (archives are read
/// at member offsets, so they must be seekable); the caller removes it.
func copyStandardInput(root: String, name: String) throws -> String {
    let directory = "\(root)/tmp"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let copy = "\(directory)/\(name)-stdin-\(getpid())"
    _ = FileManager.default.createFile(atPath: copy, contents: nil)
    let out = try FileHandle(forWritingTo: URL(fileURLWithPath: copy))
    while case let chunk = FileHandle.standardInput.readData(ofLength: 1 << 20), !chunk.isEmpty { out.write(chunk) }
    try out.close()
    return copy
}
