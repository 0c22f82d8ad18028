import ArgumentParser
import BerthImages
import BerthOCI
import BerthRegistry
import BerthSystem
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// `berth store-pull --root DIR REF`: pulls straight into a store directory,
/// without a daemon — for provisioning a device's store offline, and for
/// the crash tests that SIGKILL the process doing a pull (ResumeTests).
/// Hidden: users pull through the daemon (`berth pull`).
struct StorePull: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store-pull", abstract: "Pull an image straight into a store directory (no daemon).",
        shouldDisplay: false)

    @Option(name: .long, help: "The store's root directory.") var root: String
    @Option(name: .long, help: "Per-registry TLS material, docker's certs.d layout.") var certsDir = "/etc/berth/certs.d"
    @Option(name: .long, help: "Platform (os/arch[/variant]).") var platform: String?
    @Argument(help: "The image reference.") var reference: String

    func run() throws {
        do {
            let service = try ImageService(root: root, registry: RegistryConfiguration(certsDirectory: certsDir))
            let platform = try self.platform.map { try Platform(parsing: $0) }
            let reference = reference
            let semaphore = DispatchSemaphore(value: 0)
            nonisolated(unsafe) var outcome: Result<StoredImage, any Error>?
            Task.detached {
                do { outcome = .success(try await service.pull(reference, platform: platform, progress: nil)) } catch { outcome = .failure(error) }
                semaphore.signal()
            }
            semaphore.wait()
            print(try outcome!.get().id.description)
        } catch {
            printError("Error: \(error)")
            throw ExitCode(1)
        }
    }
}
