import BerthEngine
import BerthSystem
import NIOHTTP1

/// Exec routes (moby's router/container/exec.go).
enum ExecRoutes {
    static func register(_ router: inout Router, _ backend: any ExecBackend) {
        router.post("/containers/{name}/exec") { request, writer in
            let config = try JSONBody.decode(ExecConfig.self, from: request)
            guard let command = config.cmd, !command.isEmpty else {
                throw BerthError.invalidArgument("No exec command specified")
            }
            try await writer.json(try await backend.execCreate(request.param("name"), config), status: .created)
        }
        router.post("/exec/{id}/start") { request, writer in
            let config = try JSONBody.decode(ExecStartConfig.self, from: request, empty: ExecStartConfig())
            if config.detach == true {
                try await backend.execStart(request.param("id"), config, connection: nil)
                try await writer.respond(.ok)
            } else {
                try await backend.execStart(request.param("id"), config, connection: HijackHandoff(writer: writer))
            }
        }
        router.post("/exec/{id}/resize") { request, writer in
            let size = try request.terminalSize()
            try await backend.execResize(request.param("id"), height: size.height, width: size.width)
            try await writer.respond(.ok)
        }
        router.get("/exec/{id}/json") { request, writer in
            try await writer.json(try await backend.execInspect(request.param("id")))
        }
    }
}
