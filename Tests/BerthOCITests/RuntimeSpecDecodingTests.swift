import XCTest
import FoundationEssentials
@testable import BerthOCI

/// The spec types decode with hand-written decoders (one key type for all,
/// RuntimeSpec+Decoding.swift): every field of every type must come through,
/// and decoding what the synthesized encoders write must give the same spec.
final class RuntimeSpecDecodingTests: XCTestCase {
    /// Every field of every spec type, each set (arrays and maps with one entry).
    static let everyField = #"""
    {"annotations":{"k1":"v-annotations"},"domainname":"v-domainname","hooks":{"createContainer":[{"args":["v-args"],"env":["v-env"],"path":"v-path","timeout":7}],"createRuntime":[{"args":["v-args"],"env":["v-env"],"path":"v-path","timeout":7}],"poststart":[{"args":["v-args"],"env":["v-env"],"path":"v-path","timeout":7}],"poststop":[{"args":["v-args"],"env":["v-env"],"path":"v-path","timeout":7}],"prestart":[{"args":["v-args"],"env":["v-env"],"path":"v-path","timeout":7}],"startContainer":[{"args":["v-args"],"env":["v-env"],"path":"v-path","timeout":7}]},"hostname":"v-hostname","linux":{"cgroupsPath":"v-cgroupsPath","devices":[{"fileMode":7,"gid":7,"major":7,"minor":7,"path":"v-path","type":"v-type","uid":7}],"gidMappings":[{"containerID":7,"hostID":7,"size":7}],"intelRdt":{"closID":"v-closID","l3CacheSchema":"v-l3CacheSchema","memBwSchema":"v-memBwSchema"},"maskedPaths":["v-maskedPaths"],"mountLabel":"v-mountLabel","namespaces":[{"path":"v-path","type":"v-type"}],"personality":{"domain":"v-domain","flags":["v-flags"]},"readonlyPaths":["v-readonlyPaths"],"resources":{"blockIO":{"leafWeight":7,"throttleReadBpsDevice":[{"major":7,"minor":7,"rate":7}],"throttleReadIOPSDevice":[{"major":7,"minor":7,"rate":7}],"throttleWriteBpsDevice":[{"major":7,"minor":7,"rate":7}],"throttleWriteIOPSDevice":[{"major":7,"minor":7,"rate":7}],"weight":7,"weightDevice":[{"leafWeight":7,"major":7,"minor":7,"weight":7}]},"cpu":{"burst":7,"cpus":"v-cpus","idle":7,"mems":"v-mems","period":7,"quota":7,"realtimePeriod":7,"realtimeRuntime":7,"shares":7},"devices":[{"access":"v-access","allow":true,"major":7,"minor":7,"type":"v-type"}],"hugepageLimits":[{"limit":7,"pageSize":"v-pageSize"}],"memory":{"checkBeforeUpdate":true,"disableOOMKiller":true,"kernel":7,"kernelTCP":7,"limit":7,"reservation":7,"swap":7,"swappiness":7,"useHierarchy":true},"network":{"classID":7,"priorities":[{"name":"v-name","priority":7}]},"pids":{"limit":7},"rdma":{"k1":{"hcaHandles":7,"hcaObjects":7}},"unified":{"k1":"v-unified"}},"rootfsPropagation":"v-rootfsPropagation","seccomp":{"architectures":["v-architectures"],"defaultAction":"v-defaultAction","defaultErrnoRet":7,"flags":["v-flags"],"listenerMetadata":"v-listenerMetadata","listenerPath":"v-listenerPath","syscalls":[{"action":"v-action","args":[{"index":7,"op":"v-op","value":7,"valueTwo":7}],"errnoRet":7,"names":["v-names"]}]},"sysctl":{"k1":"v-sysctl"},"timeOffsets":{"k1":{"nanosecs":7,"secs":7}},"uidMappings":[{"containerID":7,"hostID":7,"size":7}]},"mounts":[{"destination":"v-destination","gidMappings":[{"containerID":7,"hostID":7,"size":7}],"options":["v-options"],"source":"v-source","type":"v-type","uidMappings":[{"containerID":7,"hostID":7,"size":7}]}],"ociVersion":"v-ociVersion","process":{"apparmorProfile":"v-apparmorProfile","args":["v-args"],"capabilities":{"ambient":["v-ambient"],"bounding":["v-bounding"],"effective":["v-effective"],"inheritable":["v-inheritable"],"permitted":["v-permitted"]},"commandLine":"v-commandLine","consoleSize":{"height":7,"width":7},"cwd":"v-cwd","env":["v-env"],"execCPUAffinity":{"final":"v-final","initial":"v-initial"},"ioPriority":{"class":"v-class","priority":7},"noNewPrivileges":true,"oomScoreAdj":7,"rlimits":[{"hard":7,"soft":7,"type":"v-type"}],"scheduler":{"deadline":7,"flags":["v-flags"],"nice":7,"period":7,"policy":"v-policy","priority":7,"runtime":7},"selinuxLabel":"v-selinuxLabel","terminal":true,"user":{"additionalGids":[7],"gid":7,"uid":7,"umask":7,"username":"v-username"}},"root":{"path":"v-path","readonly":true}}
    """#

    func testEveryFieldOfEveryTypeIsDecoded() throws {
        let spec = try JSONDecoder().decode(RuntimeSpec.self, from: Data(Self.everyField.utf8))
        XCTAssertEqual(Self.nilFields(spec), [], "fields the decoders left out")
        let again = try JSONDecoder().decode(RuntimeSpec.self, from: JSONEncoder().encode(spec))
        XCTAssertEqual(again, spec)
        XCTAssertEqual(spec.process?.ioPriority?.class, "v-class")
        XCTAssertEqual(spec.linux?.resources?.memory?.swappiness, 7)
    }

    func testErrorsStillNameTheField() throws {
        let bad = #"{"ociVersion":"1.0.0","process":{"cwd":"/","user":{"uid":"zero","gid":0}}}"#
        XCTAssertThrowsError(try JSONDecoder().decode(RuntimeSpec.self, from: Data(bad.utf8))) { error in
            guard case DecodingError.typeMismatch(_, let context) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(context.codingPath.map(\.stringValue), ["process", "user", "uid"])
        }
        let missing = #"{"ociVersion":"1.0.0","linux":{"resources":{"pids":{}}}}"#
        XCTAssertThrowsError(try JSONDecoder().decode(RuntimeSpec.self, from: Data(missing.utf8))) { error in
            guard case DecodingError.keyNotFound(let key, let context) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(context.codingPath.map(\.stringValue) + [key.stringValue], ["linux", "resources", "pids", "limit"])
        }
        // Fields the spec does not know are ignored, as before.
        let extra = #"{"ociVersion":"1.0.0","vendor":{"x":1},"root":{"path":"rootfs","future":true}}"#
        XCTAssertEqual(try JSONDecoder().decode(RuntimeSpec.self, from: Data(extra.utf8)).root?.path, "rootfs")
    }

    /// Paths of Optional stored properties that are nil, through nested values.
    static func nilFields(_ value: Any, path: String = "") -> [String] {
        var found: [String] = []
        for child in Mirror(reflecting: value).children {
            let name = path + "." + (child.label ?? "?")
            let inner = Mirror(reflecting: child.value)
            if inner.displayStyle == .optional {
                guard let wrapped = inner.children.first?.value else { found.append(name); continue }
                found += nilFields(wrapped, path: name)
            } else if inner.displayStyle == .struct || inner.displayStyle == .collection || inner.displayStyle == .dictionary {
                found += nilFields(child.value, path: name)
            }
        }
        return found
    }
}
