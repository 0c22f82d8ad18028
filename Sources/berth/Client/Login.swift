import ArgumentParser
import BerthAPIModel
import BerthClient
import BerthSystem
#if canImport(Glibc)
import Glibc
#endif

/// `berth login [-u USER] [-p PASS | --password-stdin] [SERVER]`: checks the
/// credentials through the daemon (`POST /auth`, as docker does) and stores
/// them in config.json.
struct Login: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Authenticate to a registry.")
    @Option(name: .shortAndLong, help: "Username.") var username: String?
    @Option(name: .shortAndLong, help: "Password.") var password: String?
    @Flag(name: .customLong("password-stdin"), help: "Take the password from stdin.") var passwordStdin = false
    @Argument(help: "The registry (default docker.io).") var server: String?

    func validate() throws {
        if passwordStdin && password != nil { throw ValidationError("--password and --password-stdin are mutually exclusive") }
        if passwordStdin && username == nil { throw ValidationError("Must provide --username with --password-stdin") }
    }

    func run() throws {
        try withClient { client in
            let registry = server.map(registryHost) ?? "docker.io"
            var user = username, secret = password
            if passwordStdin {
                var bytes: [UInt8] = []
                let next = chunks(of: STDIN_FILENO)
                while let chunk = try next() { bytes += chunk }
                secret = String(decoding: bytes, as: UTF8.self)
                while secret?.hasSuffix("\n") == true || secret?.hasSuffix("\r") == true { secret?.removeLast() }
            }
            if user == nil { user = try prompt("Username: ", echo: true) }
            if secret == nil { secret = try prompt("Password: ", echo: false) }
            guard let user, !user.isEmpty else { throw BerthError.invalidArgument("Username is required") }
            guard let secret, !secret.isEmpty else { throw BerthError.invalidArgument("Password is required") }
            if password != nil { printError("WARNING! Using --password via the CLI is insecure. Use --password-stdin.") }
            let auth = AuthConfig(username: user, password: secret, serveraddress: DockerConfig.key(forRegistry: registry))
            let answer = try client.auth(auth)
            var config = try DockerConfig.load()
            config.store(auth, forRegistry: registry)
            try config.save()
            print(answer.status ?? "Login Succeeded")
        }
    }

    private func prompt(_ text: String, echo: Bool) throws -> String {
        guard isatty(STDIN_FILENO) == 1 else { throw BerthError.invalidArgument("Cannot perform an interactive login from a non TTY device") }
        writeAll(STDOUT_FILENO, Array(text.utf8))
        var saved = termios()
        tcgetattr(STDIN_FILENO, &saved)
        if !echo {
            var quiet = saved
            quiet.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(STDIN_FILENO, TCSANOW, &quiet)
        }
        defer { if !echo { tcsetattr(STDIN_FILENO, TCSANOW, &saved); print("") } }
        return readLine() ?? ""
    }
}

/// `berth logout [SERVER]`.
struct Logout: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Log out from a registry.")
    @Argument(help: "The registry (default docker.io).") var server: String?
    func run() throws {
        let registry = server.map(registryHost) ?? "docker.io"
        do {
            var config = try DockerConfig.load()
            if config.remove(registry: registry) {
                print("Removing login credentials for \(DockerConfig.key(forRegistry: registry))")
                try config.save()
            } else {
                print("Not logged in to \(DockerConfig.key(forRegistry: registry))")
            }
        } catch let error as BerthError {
            printError("Error: \(error.description)")
            throw ExitCode(1)
        }
    }
}

/// A registry given as "https://host:port/" or "host:port" → "host:port".
func registryHost(_ server: String) -> String {
    var text = Substring(server)
    for scheme in ["https://", "http://"] where text.hasPrefix(scheme) { text = text.dropFirst(scheme.count) }
    if let slash = text.firstIndex(of: "/") { text = text[..<slash] }
    return String(text)
}
