import Foundation
import XCTest

/// The Python `docker` SDK (docker-py) against the API with fake backends.
final class PythonSDKTests: XCTestCase {
    /// Exercises the SDK's high- and low-level clients; prints one line per
    /// check so a failure names the step.
    static let script = #"""
import socket, struct, sys
import docker

url = "unix://" + sys.argv[1]
c = docker.DockerClient(base_url=url, version="auto")
assert c.ping() is True
assert c.api._version == "1.50", c.api._version
print("negotiated", c.api._version)

names = sorted(x.name for x in c.containers.list())
assert names == ["c1", "t1"], names
ctr = c.containers.get("c1")
assert ctr.attrs["Config"]["Tty"] is False
assert ctr.logs(stdout=True, stderr=False) == b"hello from stdout\nbye\n"
assert ctr.logs(stdout=False, stderr=True) == b"oops on stderr\n"
print("logs ok")

try:
    c.containers.get("nope")
    raise SystemExit("expected NotFound")
except docker.errors.NotFound as e:
    assert "No such container: nope" in str(e), str(e)
try:
    c.images.get("nope")
    raise SystemExit("expected ImageNotFound")
except docker.errors.ImageNotFound as e:
    assert "No such image: nope" in str(e), str(e)
print("not found ok")

eid = c.api.exec_create("c1", ["cat"], stdin=True)["Id"]
sock = c.api.exec_start(eid, socket=True)
raw = getattr(sock, "_sock", sock)
raw.sendall(b"hi from python")
raw.shutdown(socket.SHUT_WR)
data = b""
while True:
    chunk = raw.recv(4096)
    if not chunk:
        break
    data += chunk
kind, size = struct.unpack(">BxxxL", data[:8])
assert (kind, data[8:8 + size]) == (1, b"hi from python"), data
assert c.api.exec_inspect(eid)["ExitCode"] == 0
out = c.containers.get("c1").exec_run("cat", stdin=False, demux=True)
assert out.exit_code == 0 and out.output == (b"no stdin\n", None), out
print("exec ok")

progress = list(c.api.pull("busybox", tag="1.36", stream=True, decode=True))
assert progress[-1]["status"].startswith("Status: Downloaded newer image"), progress
events = list(c.events(since=1700000000, until=1700000001, decode=True))
assert [e["Action"] for e in events] == ["create", "start"], events
stats = c.api.stats("c1", stream=False)
assert stats["name"] == "/c1", stats
assert [n.name for n in c.networks.list()] == ["bridge"]
print("streams ok")

res = c.api._post_json(c.api._url("/containers/create"), data={"Image": "x" * 200000})
assert res.status_code == 413 and "request body too large" in res.json()["message"], res.text
res = c.api._post(c.api._url("/containers/create"), data="{bad json", headers={"Content-Type": "application/json"})
assert res.status_code == 400 and "invalid JSON" in res.json()["message"], res.text
assert c.ping() is True
print("bad requests ok")

old = docker.APIClient(base_url=url, version="1.99")
try:
    old.containers()
    raise SystemExit("expected too new")
except docker.errors.APIError as e:
    assert e.status_code == 400 and "is too new. Maximum supported API version is 1.50" in str(e), str(e)
print("all ok")
"""#

    func testDockerSDKSpeaksToTheAPI() async throws {
        let python = try ClientRun.tool("python3")
        let probe = try ClientRun.run(python, ["-c", "import docker"])
        guard probe.status == 0 else { throw XCTSkip("the Python docker SDK is not installed: \(probe.stderr)") }
        let server = try await TestServer()
        let run = try ClientRun.run(python, ["-c", Self.script, server.socketPath])
        try await server.stop()
        XCTAssertEqual(run.status, 0, "stdout:\n\(run.stdout)\nstderr:\n\(run.stderr)")
        XCTAssertTrue(run.stdout.hasSuffix("all ok\n"), run.stdout)
    }
}
