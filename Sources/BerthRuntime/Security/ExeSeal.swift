import BerthOCI
import CBerth
#if canImport(Glibc)
import Glibc
#endif

/// CVE-2019-5736 (the host's runtime binary overwritten through
/// /proc/<pid>/exe of a process entering the container). Where this
/// architecture has the dmz (CBerth's dmz.c), every container process is
/// executed through it, so its /proc/self/exe is a sealed memfd, not berth.
/// What the dmz leaves open is the init's life as berth before that exec;
/// the runtime closes it by the case:
/// - `run` with a new pid namespace: the init execs right after it is
///   created, and nobody else is in its pid namespace (one start of berth).
/// - `create` (the init waits for `start`, and a `runtime exec` could look
///   at it), and `run` with a shared or the host's pid namespace: the
///   runtime first re-executes itself from a sealed copy (`reexec`), as it
///   did for every call before the dmz. The engine's monitor starts
///   `runtime create` from a sealed copy itself, so that costs no second
///   start there either.
/// - `exec`: the process stays non-dumpable until it execs (`closeExec`), so
///   the container's processes cannot open its /proc/<pid>/exe.
public enum ExeSeal {
    /// The dmz exists for this architecture (x86_64, aarch64).
    public static var hasDmz: Bool { berth_dmz_available() != 0 }

    /// Whether `spec`'s init would be visible to other processes before it execs.
    public static func sharesPidNamespace(_ spec: RuntimeSpec) -> Bool {
        guard let pid = spec.linux?.namespaces?.first(where: { $0.type == "pid" }) else { return true }
        return !(pid.path ?? "").isEmpty
    }

    /// Re-executes this `berth runtime …` process from a sealed copy unless
    /// it is sealed already, or (`onlyIfShared`) the dmz alone covers `spec`.
    /// Returns when it need not, or with a warning when it could not: the
    /// container still runs.
    public static func reexec(for spec: RuntimeSpec, onlyIfShared: Bool, warn: (String) -> Void) {
        guard hasDmz, berth_exe_is_sealed() == 0 else { return }
        if onlyIfShared && !sharesPidNamespace(spec) { return }
        if berth_exe_reexec_sealed(CommandLine.unsafeArgv) != 0 {
            warn("could not re-execute from a sealed copy of berth (\(String(cString: strerror(errno)))): "
                 + "the container's init runs the host's binary unprotected until it execs")
        }
    }

    /// Makes this process non-dumpable, as the exec'd process will be
    /// until its exec: /proc/<pid>/exe is then closed to the container.
    static func closeExec() { _ = berth_set_dumpable(0) }
}
