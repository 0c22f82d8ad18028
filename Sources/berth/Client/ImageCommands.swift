import ArgumentParser
import BerthAPIModel
import BerthClient
import BerthOCI
import BerthSystem
#if canImport(Glibc)
import Glibc
#endif

/// The credentials config.json holds for a reference's registry, if any.
func credentials(for reference: String) throws -> AuthConfig? {
    guard let parsed = try? Reference(parsing: reference) else { return nil }
    return try DockerConfig.load().credentials(forRegistry: parsed.domain)
}

/// `berth pull [-q] [--platform P] NAME[:TAG|@DIGEST]`.
struct Pull: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Download an image from a registry.")
    @Option(help: "Set platform if server is multi-platform capable (os/arch[/variant]).") var platform: String?
    @Flag(name: .shortAndLong, help: "Suppress verbose output.") var quiet = false
    @Flag(name: [.customShort("a"), .customLong("all-tags")], help: "Download all tagged images in the repository.") var allTags = false
    @Argument(help: "The image reference.") var reference: String

    func validate() throws {
        do { _ = try Reference(parsing: reference) } catch { throw ValidationError("invalid reference format: \(error)") }
        if allTags { throw ValidationError("--all-tags is not supported by berth yet") }
    }

    func run() throws {
        try withClient { client in
            try pullImage(client, reference, platform: platform, to: STDOUT_FILENO, quiet: quiet)
            print(try Reference(parsing: reference).withDefaultTag.description)
        }
    }
}

/// `berth push [-q] NAME[:TAG]`.
struct Push: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Upload an image to a registry.")
    @Flag(name: .shortAndLong, help: "Suppress verbose output.") var quiet = false
    @Argument(help: "The image name and tag.") var reference: String
    func run() throws {
        try withClient { client in
            let parsed = try Reference(parsing: reference)
            let response = try client.imagePush(parsed.name, tag: parsed.tag, auth: try credentials(for: reference))
            var display = ProgressDisplay(fd: STDOUT_FILENO)
            try response.forEachMessage { if !quiet { display.show($0) } }
            if quiet { print(reference) }
        }
    }
}

/// `berth tag SOURCE TARGET`.
struct Tag: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE.")
    @Argument(help: "The source image.") var source: String
    @Argument(help: "The new name.") var target: String
    func run() throws {
        try withClient { client in
            let (repo, tag) = splitReference(target)
            try client.imageTag(source, repo: repo ?? target, tag: tag)
        }
    }
}

/// `berth rmi [-f] [--no-prune] IMAGE...`.
struct Rmi: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rmi", abstract: "Remove one or more images.")
    @Flag(name: .shortAndLong, help: "Force removal of the image.") var force = false
    @Flag(name: .customLong("no-prune"), help: "Do not delete untagged parents.") var noPrune = false
    @Argument(help: "Images (names or IDs).") var images: [String]
    func validate() throws { if images.isEmpty { throw ValidationError("\"rmi\" requires at least 1 argument") } }
    func run() throws {
        try withClient { client in
            try forEachName(images, printing: false) { image in
                for item in try client.imageRemove(image, force: force, noPrune: noPrune) {
                    if let untagged = item.untagged { print("Untagged: \(untagged)") }
                    if let deleted = item.deleted { print("Deleted: \(deleted)") }
                }
            }
        }
    }
}

/// `berth images [-a] [-q] [--digests] [--no-trunc] [--filter K=V] [--format F] [REPOSITORY[:TAG]]`.
struct Images: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List images.")
    @Flag(name: .shortAndLong, help: "Show all images (default hides intermediate images).") var all = false
    @Flag(name: .shortAndLong, help: "Only show image IDs.") var quiet = false
    @Flag(help: "Show digests.") var digests = false
    @Flag(help: "Don't truncate output.") var noTrunc = false
    @Option(name: [.customShort("f"), .long], help: "Filter output based on conditions provided.") var filter: [String] = []
    @Option(name: .long, help: "Format output using a Go template subset (table, json, {{.Field}}).") var format: String?
    @Argument(help: "Only images of this repository (and tag).") var repository: String?

    static let headers = ["Repository": "REPOSITORY", "Tag": "TAG", "Digest": "DIGEST", "ID": "IMAGE ID",
                          "CreatedSince": "CREATED", "CreatedAt": "CREATED AT", "Size": "SIZE", "Containers": "CONTAINERS"]

    func run() throws {
        try withClient { client in
            var filters = try filterMap(filter)
            if let repository { filters["reference", default: []].append(repository) }
            let list = try client.imageList(all: all, digests: digests, filters: filters)
            var rows: [JSONValue] = []
            var ids: [String] = []
            for image in list {
                let id = noTrunc ? image.id ?? "" : shortID(image.id)
                if !ids.contains(id) { ids.append(id) }
                for (repo, tag, digest) in Self.names(image) {
                    rows.append(.object([
                        "Repository": .string(repo), "Tag": .string(tag), "Digest": .string(digest), "ID": .string(id),
                        "CreatedSince": .string(createdAgo(Int64(image.created ?? 0))),
                        "CreatedAt": .string(unixDateText(Int64(image.created ?? 0))),
                        "Size": .string(humanSize(image.size ?? 0)),
                        "Containers": .string(image.containers.map { $0 < 0 ? "N/A" : String($0) } ?? "N/A"),
                    ]))
                }
            }
            if quiet && format == nil { ids.forEach { print($0) }; return }
            let template = format ?? (digests ? "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
                                              : "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}")
            try Template(template).print(rows, headers: Self.headers)
        }
    }

    /// One (repository, tag, digest) per RepoTag, `<none>` where there is none (docker's image table).
    static func names(_ image: ImageSummary) -> [(String, String, String)] {
        let digests = image.repoDigests ?? []
        func digest(of name: String) -> String {
            digests.first { $0.hasPrefix(name + "@") }.map { String($0.split(separator: "@").last!) } ?? "<none>"
        }
        let tags = image.repoTags ?? []
        if tags.isEmpty {
            if digests.isEmpty { return [("<none>", "<none>", "<none>")] }
            return digests.map { entry in
                let parts = entry.split(separator: "@")
                return (familiar(String(parts[0])), "<none>", String(parts.last!))
            }
        }
        return tags.map { tag in
            let (repo, name) = splitReference(tag)
            return (familiar(repo ?? tag), name ?? "<none>", digest(of: repo ?? tag))
        }
    }

    /// "docker.io/library/busybox" → "busybox", as docker shows names.
    static func familiar(_ name: String) -> String {
        (try? Reference(parsing: name))?.familiarName ?? name
    }
}

/// `berth history [-q] [--no-trunc] [-H] IMAGE`.
struct History: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the history of an image.")
    @Flag(help: "Don't truncate output.") var noTrunc = false
    @Flag(name: .shortAndLong, help: "Only show image IDs.") var quiet = false
    @Argument(help: "The image (name or ID).") var image: String
    func run() throws {
        try withClient { client in
            let entries = try client.imageHistory(image)
            let ids = entries.map { ($0.id ?? "<missing>") == "<missing>" ? "<missing>" : noTrunc ? $0.id! : shortID($0.id) }
            if quiet { ids.forEach { print($0) }; return }
            var rows = [["IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT"]]
            for (entry, id) in zip(entries, ids) {
                var createdBy = entry.createdBy ?? ""
                if !noTrunc, createdBy.count > 45 { createdBy = String(createdBy.prefix(44)) + "…" }
                rows.append([id, createdAgo(entry.created ?? 0), createdBy, humanSize(entry.size ?? 0), entry.comment ?? ""])
            }
            printTable(rows)
        }
    }
}

/// `berth save [-o FILE] IMAGE...`.
struct Save: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Save one or more images to a tar archive (streamed to STDOUT by default).")
    @Option(name: .shortAndLong, help: "Write to a file, instead of STDOUT.") var output: String?
    @Argument(help: "Images.") var images: [String]
    func validate() throws { if images.isEmpty { throw ValidationError("\"save\" requires at least 1 argument") } }
    func run() throws {
        try withClient { client in
            if output == nil && stdoutIsTerminal { throw BerthError.invalidArgument("cowardly refusing to save to a terminal. Use the -o flag or redirect") }
            let response = try client.imageSave(images)
            let fd = try output.map(openForWriting) ?? STDOUT_FILENO
            defer { if fd != STDOUT_FILENO { close(fd) } }
            try copyBody(response, to: fd)
        }
    }
}

/// `berth load [-i FILE] [-q]`.
struct Load: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Load an image from a tar archive or STDIN.")
    @Option(name: .shortAndLong, help: "Read from tar archive file, instead of STDIN.") var input: String?
    @Flag(name: .shortAndLong, help: "Suppress the load output.") var quiet = false
    func run() throws {
        try withClient { client in
            if input == nil && isatty(STDIN_FILENO) == 1 {
                throw BerthError.invalidArgument("requested load from stdin, but stdin is empty")
            }
            let fd = try input.map(openForReading) ?? STDIN_FILENO
            defer { if fd != STDIN_FILENO { close(fd) } }
            let response = try client.imageLoad(quiet: quiet, archive: chunks(of: fd))
            var display = ProgressDisplay(fd: STDOUT_FILENO)
            try response.forEachMessage { if !quiet { display.show($0) } }
        }
    }
}

/// `berth import [-m MESSAGE] [-c CHANGE] FILE|- [REPOSITORY[:TAG]]`.
struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Import the contents from a tarball to create a filesystem image.")
    @Option(name: .shortAndLong, help: "Set commit message for imported image.") var message: String?
    @Option(name: .shortAndLong, help: "Apply Dockerfile instruction to the created image.") var change: [String] = []
    @Argument(help: "A root filesystem tarball (plain, gzip or zstd), or - for stdin.") var file: String
    @Argument(help: "The new image's name.") var reference: String?
    func run() throws {
        try withClient { client in
            let fd = file == "-" ? STDIN_FILENO : try openForReading(file)
            defer { if fd != STDIN_FILENO { close(fd) } }
            let (repo, tag) = splitReference(reference)
            let response = try client.imageImport(repo: repo, tag: tag, message: message, changes: change, archive: chunks(of: fd))
            try response.forEachMessage { message in if let status = message.status { print(status) } }
        }
    }
}
