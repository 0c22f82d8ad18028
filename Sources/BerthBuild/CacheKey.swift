import BerthOCI
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#endif

/// Build cache keys: a chain where each step's key covers its parent's key,
/// the instruction after expansion, the build-arg values it used and, for
/// COPY/ADD, the checksum of the copied content. mtimes never enter a key.
public enum BuildCacheKey {
    /// The key of one step. `parent` is the previous step's key, or for the
    /// first step the base image ID (scratch: "scratch"; a stage: its last key).
    public static func step(parent: String, cacheText: String, usedArgs: [KeyValue],
                            contentDigest: Digest? = nil) -> Digest {
        var text = "berth-build-cache-v1\nparent \(parent)\nstep \(cacheText)\n"
        for arg in usedArgs.sorted(by: { $0.key < $1.key }) {
            text += "arg \(CacheText.quote(arg.key))=\(CacheText.quote(arg.value))\n"
        }
        if let contentDigest { text += "content \(contentDigest)\n" }
        return ContentHash.sha256(Data(text.utf8))
    }

    /// The key of an expanded step.
    public static func step(parent: String, _ step: ExpandedStep, contentDigest: Digest? = nil) -> Digest {
        self.step(parent: parent, cacheText: step.cacheText, usedArgs: step.usedArgs, contentDigest: contentDigest)
    }
}

/// A canonical, unambiguous text of an expanded instruction (JSON strings),
/// so that cache keys differ whenever the instruction does.
enum CacheText {
    static func quote(_ s: String) -> String {
        let data = (try? JSONEncoder().encode(s)) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    static func list(_ items: [String]) -> String {
        "[" + items.map(quote).joined(separator: ",") + "]"
    }

    static func flag(_ name: String, _ value: String?) -> [String] {
        value.map { ["--\(name)=\($0)"] } ?? []
    }

    static func describe(_ kind: Instruction.Kind) -> String {
        switch kind {
        case .from(let from): return "FROM " + list([from.baseName] + flag("platform", from.platform))
        case .run(let run):
            var parts = run.mounts.map { "--mount=\($0)" } + flag("network", run.network) + flag("security", run.security)
            parts.append(run.command.prependShell ? "shell" : "exec")
            parts += run.command.arguments
            parts += run.heredocs.flatMap { [$0.name, $0.content] }
            return "RUN " + list(parts)
        case .cmd(let form): return "CMD " + list([form.prependShell ? "shell" : "exec"] + form.arguments)
        case .entrypoint(let form): return "ENTRYPOINT " + list([form.prependShell ? "shell" : "exec"] + form.arguments)
        case .env(let pairs): return "ENV " + list(pairs.flatMap { [$0.key, $0.value] })
        case .label(let pairs): return "LABEL " + list(pairs.flatMap { [$0.key, $0.value] })
        case .arg(let args): return "ARG " + list(args.flatMap { [$0.name, $0.defaultValue ?? "\u{0}"] })
        case .expose(let ports): return "EXPOSE " + list(ports)
        case .volume(let volumes): return "VOLUME " + list(volumes)
        case .user(let user): return "USER " + quote(user)
        case .workdir(let path): return "WORKDIR " + quote(path)
        case .copy(let copy): return "COPY " + describe(copy)
        case .add(let copy): return "ADD " + describe(copy)
        case .stopSignal(let signal): return "STOPSIGNAL " + quote(signal)
        case .healthcheck(let check):
            let options = [check.interval, check.timeout, check.startPeriod, check.startInterval]
                .map { $0.map(String.init) ?? "-" } + [check.retries.map(String.init) ?? "-"]
            return "HEALTHCHECK " + list(options + check.test)
        case .shell(let shell): return "SHELL " + list(shell)
        case .onbuild(let onbuild): return "ONBUILD " + quote(onbuild.expression)
        case .maintainer(let name): return "MAINTAINER " + quote(name)
        }
    }

    static func describe(_ copy: FileCopy) -> String {
        var parts = flag("from", copy.from) + flag("chown", copy.chown) + flag("chmod", copy.chmod)
            + flag("checksum", copy.checksum) + copy.excludes.map { "--exclude=\($0)" }
        if copy.link { parts.append("--link") }
        if copy.parents { parts.append("--parents") }
        if copy.keepGitDir { parts.append("--keep-git-dir") }
        parts += copy.sources
        parts += copy.inlineSources.flatMap { ["<<\($0.name)", $0.effectiveContent] }
        parts.append(copy.destination)
        return list(parts)
    }
}
