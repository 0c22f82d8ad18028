import BerthOCI
import BerthSystem

/// OCI hooks run by the runtime itself, in the runtime's namespaces
/// (prestart, createRuntime, poststart, poststop), with the state JSON on
/// stdin (config.md#posix-platform-hooks). createContainer and
/// startContainer run inside the container from the child path.
enum Hooks {
    /// Runs `hooks` in order; the first failure fails the operation.
    static func run(_ hooks: [RuntimeSpec.Hook]?, name: String, state: String) throws {
        for (i, h) in (hooks ?? []).enumerated() {
            let args = h.args ?? [h.path]
            let result: Subprocess.Result
            do {
                result = try Subprocess.run(h.path, Array(args.dropFirst()), argv0: args.first ?? h.path, stdin: state,
                                            environment: h.env ?? [], timeout: h.timeout ?? 0)
            } catch {
                throw BerthError(.invalidArgument, "hooks.\(name)[\(i)] \(h.path): cannot run it", cause: error)
            }
            if result.timedOut {
                throw BerthError.unavailable("hooks.\(name)[\(i)] \(h.path): timed out after \(h.timeout ?? 0) s")
            }
            if result.status != 0 {
                let tail = result.stderr.split(separator: "\n").suffix(3).joined(separator: " / ")
                throw BerthError.invalidArgument("hooks.\(name)[\(i)] \(h.path): exited with status \(result.status)"
                    + (tail.isEmpty ? "" : ": \(tail)"))
            }
        }
    }

    /// poststart and poststop: a failure is a warning and the rest still run.
    static func runWarning(_ hooks: [RuntimeSpec.Hook]?, name: String, state: String) -> [String] {
        var warnings: [String] = []
        for (i, h) in (hooks ?? []).enumerated() {
            do { try run([h], name: name, state: state) } catch {
                warnings.append("\(error)".replacing("hooks.\(name)[0]", with: "hooks.\(name)[\(i)]"))
            }
        }
        return warnings
    }
}
