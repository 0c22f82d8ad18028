// The spec types' decoders, one line per field: keep them in step with the
// fields (RuntimeSpecDecodingTests round-trips every field through the
// synthesized encoders, so a field missing here fails it).

extension RuntimeSpec {
    /// One key type for every spec struct: the synthesized decoders' CodingKeys
    /// enums each cost the Swift runtime a scan of every protocol conformance
    /// in the binary at first use (~60 µs each, ~2 ms per `berth runtime run`).
    struct Key: CodingKey, ExpressibleByStringLiteral {
        let stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
        init(stringLiteral value: String) { stringValue = value }
    }
}

extension RuntimeSpec {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: RuntimeSpec.Key.self)
        ociVersion = try c.decode(String.self, forKey: "ociVersion")
        process = try c.decodeIfPresent(RuntimeSpec.Process.self, forKey: "process")
        root = try c.decodeIfPresent(RuntimeSpec.Root.self, forKey: "root")
        hostname = try c.decodeIfPresent(String.self, forKey: "hostname")
        domainname = try c.decodeIfPresent(String.self, forKey: "domainname")
        mounts = try c.decodeIfPresent([RuntimeSpec.Mount].self, forKey: "mounts")
        hooks = try c.decodeIfPresent(RuntimeSpec.Hooks.self, forKey: "hooks")
        annotations = try c.decodeIfPresent([String: String].self, forKey: "annotations")
        linux = try c.decodeIfPresent(RuntimeSpec.Linux.self, forKey: "linux")
    }
}

extension RuntimeSpec.Root {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: RuntimeSpec.Key.self)
        path = try c.decode(String.self, forKey: "path")
        readonly = try c.decodeIfPresent(Bool.self, forKey: "readonly")
    }
}

extension RuntimeSpec.Mount {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: RuntimeSpec.Key.self)
        destination = try c.decode(String.self, forKey: "destination")
        type = try c.decodeIfPresent(String.self, forKey: "type")
        source = try c.decodeIfPresent(String.self, forKey: "source")
        options = try c.decodeIfPresent([String].self, forKey: "options")
        uidMappings = try c.decodeIfPresent([RuntimeSpec.IDMapping].self, forKey: "uidMappings")
        gidMappings = try c.decodeIfPresent([RuntimeSpec.IDMapping].self, forKey: "gidMappings")
    }
}

extension RuntimeSpec.Process {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: RuntimeSpec.Key.self)
        terminal = try c.decodeIfPresent(Bool.self, forKey: "terminal")
        consoleSize = try c.decodeIfPresent(RuntimeSpec.ConsoleSize.self, forKey: "consoleSize")
        user = try c.decode(RuntimeSpec.User.self, forKey: "user")
        args = try c.decodeIfPresent([String].self, forKey: "args")
        commandLine = try c.decodeIfPresent(String.self, forKey: "commandLine")
        env = try c.decodeIfPresent([String].self, forKey: "env")
        cwd = try c.decode(String.self, forKey: "cwd")
        capabilities = try c.decodeIfPresent(RuntimeSpec.Capabilities.self, forKey: "capabilities")
        rlimits = try c.decodeIfPresent([RuntimeSpec.Rlimit].self, forKey: "rlimits")
        noNewPrivileges = try c.decodeIfPresent(Bool.self, forKey: "noNewPrivileges")
        apparmorProfile = try c.decodeIfPresent(String.self, forKey: "apparmorProfile")
        oomScoreAdj = try c.decodeIfPresent(Int.self, forKey: "oomScoreAdj")
        selinuxLabel = try c.decodeIfPresent(String.self, forKey: "selinuxLabel")
        ioPriority = try c.decodeIfPresent(RuntimeSpec.IOPriority.self, forKey: "ioPriority")
        scheduler = try c.decodeIfPresent(RuntimeSpec.Scheduler.self, forKey: "scheduler")
        execCPUAffinity = try c.decodeIfPresent(RuntimeSpec.ExecCPUAffinity.self, forKey: "execCPUAffinity")
    }
}

extension RuntimeSpec.ConsoleSize {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: RuntimeSpec.Key.self)
        height = try c.decode(UInt32.self, forKey: "height")
        width = try c.decode(UInt32.self, forKey: "width")
    }
}

extension RuntimeSpec.User {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: RuntimeSpec.Key.self)
        uid = try c.decode(UInt32.self, forKey: "uid")
        gid = try c.decode(UInt32.self, forKey: "gid")
        umask = try c.decodeIfPresent(UInt32.self, forKey: "umask")
        additionalGids = try c.decodeIfPresent([UInt32].self, forKey: "additionalGids")
        username = try c.decodeIfPresent(String.self, forKey: "username")
    }
}

extension RuntimeSpec.Capabilities {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: RuntimeSpec.Key.self)
        bounding = try c.decodeIfPresent([String].self, forKey: "bounding")
        effective = try c.decodeIfPresent([String].self, forKey: "effective")
        inheritable = try c.decodeIfPresent([String].self, forKey: "inheritable")
        permitted = try c.decodeIfPresent([String].self, forKey: "permitted")
        ambient = try c.decodeIfPresent([String].self, forKey: "ambient")
    }
}

extension RuntimeSpec.Rlimit {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: RuntimeSpec.Key.self)
        type = try c.decode(String.self, forKey: "type")
        hard = try c.decode(UInt64.self, forKey: "hard")
        soft = try c.decode(UInt64.self, forKey: "soft")
    }
}

extension RuntimeSpec.IOPriority {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: RuntimeSpec.Key.self)
        self.`class` = try c.decode(String.self, forKey: "class")
        priority = try c.decode(Int.self, forKey: "priority")
    }
}

extension RuntimeSpec.Scheduler {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: RuntimeSpec.Key.self)
        policy = try c.decode(String.self, forKey: "policy")
        nice = try c.decodeIfPresent(Int32.self, forKey: "nice")
        priority = try c.decodeIfPresent(Int32.self, forKey: "priority")
        flags = try c.decodeIfPresent([String].self, forKey: "flags")
        runtime = try c.decodeIfPresent(UInt64.self, forKey: "runtime")
        deadline = try c.decodeIfPresent(UInt64.self, forKey: "deadline")
        period = try c.decodeIfPresent(UInt64.self, forKey: "period")
    }
}

extension RuntimeSpec.ExecCPUAffinity {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: RuntimeSpec.Key.self)
        initial = try c.decodeIfPresent(String.self, forKey: "initial")
        final = try c.decodeIfPresent(String.self, forKey: "final")
    }
}

extension RuntimeSpec.Hooks {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: RuntimeSpec.Key.self)
        prestart = try c.decodeIfPresent([RuntimeSpec.Hook].self, forKey: "prestart")
        createRuntime = try c.decodeIfPresent([RuntimeSpec.Hook].self, forKey: "createRuntime")
        createContainer = try c.decodeIfPresent([RuntimeSpec.Hook].self, forKey: "createContainer")
        startContainer = try c.decodeIfPresent([RuntimeSpec.Hook].self, forKey: "startContainer")
        poststart = try c.decodeIfPresent([RuntimeSpec.Hook].self, forKey: "poststart")
        poststop = try c.decodeIfPresent([RuntimeSpec.Hook].self, forKey: "poststop")
    }
}

extension RuntimeSpec.Hook {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: RuntimeSpec.Key.self)
        path = try c.decode(String.self, forKey: "path")
        args = try c.decodeIfPresent([String].self, forKey: "args")
        env = try c.decodeIfPresent([String].self, forKey: "env")
        timeout = try c.decodeIfPresent(Int.self, forKey: "timeout")
    }
}

extension RuntimeSpec.IDMapping {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: RuntimeSpec.Key.self)
        containerID = try c.decode(UInt32.self, forKey: "containerID")
        hostID = try c.decode(UInt32.self, forKey: "hostID")
        size = try c.decode(UInt32.self, forKey: "size")
    }
}

extension RuntimeSpec.Linux {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: RuntimeSpec.Key.self)
        namespaces = try c.decodeIfPresent([RuntimeSpec.Namespace].self, forKey: "namespaces")
        uidMappings = try c.decodeIfPresent([RuntimeSpec.IDMapping].self, forKey: "uidMappings")
        gidMappings = try c.decodeIfPresent([RuntimeSpec.IDMapping].self, forKey: "gidMappings")
        timeOffsets = try c.decodeIfPresent([String: RuntimeSpec.TimeOffset].self, forKey: "timeOffsets")
        devices = try c.decodeIfPresent([RuntimeSpec.Device].self, forKey: "devices")
        cgroupsPath = try c.decodeIfPresent(String.self, forKey: "cgroupsPath")
        resources = try c.decodeIfPresent(RuntimeSpec.Resources.self, forKey: "resources")
        rootfsPropagation = try c.decodeIfPresent(String.self, forKey: "rootfsPropagation")
        seccomp = try c.decodeIfPresent(RuntimeSpec.Seccomp.self, forKey: "seccomp")
        sysctl = try c.decodeIfPresent([String: String].self, forKey: "sysctl")
        maskedPaths = try c.decodeIfPresent([String].self, forKey: "maskedPaths")
        readonlyPaths = try c.decodeIfPresent([String].self, forKey: "readonlyPaths")
        mountLabel = try c.decodeIfPresent(String.self, forKey: "mountLabel")
        personality = try c.decodeIfPresent(RuntimeSpec.Personality.self, forKey: "personality")
        intelRdt = try c.decodeIfPresent(RuntimeSpec.IntelRdt.self, forKey: "intelRdt")
    }
}

extension RuntimeSpec.Namespace {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: RuntimeSpec.Key.self)
        type = try c.decode(String.self, forKey: "type")
        path = try c.decodeIfPresent(String.self, forKey: "path")
    }
}

extension RuntimeSpec.TimeOffset {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: RuntimeSpec.Key.self)
        secs = try c.decodeIfPresent(Int64.self, forKey: "secs")
        nanosecs = try c.decodeIfPresent(UInt32.self, forKey: "nanosecs")
    }
}

extension RuntimeSpec.Device {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: RuntimeSpec.Key.self)
        type = try c.decode(String.self, forKey: "type")
        path = try c.decode(String.self, forKey: "path")
        major = try c.decodeIfPresent(Int64.self, forKey: "major")
        minor = try c.decodeIfPresent(Int64.self, forKey: "minor")
        fileMode = try c.decodeIfPresent(UInt32.self, forKey: "fileMode")
        uid = try c.decodeIfPresent(UInt32.self, forKey: "uid")
        gid = try c.decodeIfPresent(UInt32.self, forKey: "gid")
    }
}

extension RuntimeSpec.Personality {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: RuntimeSpec.Key.self)
        domain = try c.decode(String.self, forKey: "domain")
        flags = try c.decodeIfPresent([String].self, forKey: "flags")
    }
}

extension RuntimeSpec.IntelRdt {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: RuntimeSpec.Key.self)
        closID = try c.decodeIfPresent(String.self, forKey: "closID")
        l3CacheSchema = try c.decodeIfPresent(String.self, forKey: "l3CacheSchema")
        memBwSchema = try c.decodeIfPresent(String.self, forKey: "memBwSchema")
    }
}

extension RuntimeSpec.Resources {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: RuntimeSpec.Key.self)
        devices = try c.decodeIfPresent([RuntimeSpec.DeviceRule].self, forKey: "devices")
        memory = try c.decodeIfPresent(RuntimeSpec.Memory.self, forKey: "memory")
        cpu = try c.decodeIfPresent(RuntimeSpec.CPU.self, forKey: "cpu")
        pids = try c.decodeIfPresent(RuntimeSpec.Pids.self, forKey: "pids")
        blockIO = try c.decodeIfPresent(RuntimeSpec.BlockIO.self, forKey: "blockIO")
        hugepageLimits = try c.decodeIfPresent([RuntimeSpec.HugepageLimit].self, forKey: "hugepageLimits")
        network = try c.decodeIfPresent(RuntimeSpec.Network.self, forKey: "network")
        rdma = try c.decodeIfPresent([String: RuntimeSpec.RDMA].self, forKey: "rdma")
        unified = try c.decodeIfPresent([String: String].self, forKey: "unified")
    }
}

extension RuntimeSpec.DeviceRule {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: RuntimeSpec.Key.self)
        allow = try c.decode(Bool.self, forKey: "allow")
        type = try c.decodeIfPresent(String.self, forKey: "type")
        major = try c.decodeIfPresent(Int64.self, forKey: "major")
        minor = try c.decodeIfPresent(Int64.self, forKey: "minor")
        access = try c.decodeIfPresent(String.self, forKey: "access")
    }
}

extension RuntimeSpec.Memory {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: RuntimeSpec.Key.self)
        limit = try c.decodeIfPresent(Int64.self, forKey: "limit")
        reservation = try c.decodeIfPresent(Int64.self, forKey: "reservation")
        swap = try c.decodeIfPresent(Int64.self, forKey: "swap")
        kernel = try c.decodeIfPresent(Int64.self, forKey: "kernel")
        kernelTCP = try c.decodeIfPresent(Int64.self, forKey: "kernelTCP")
        swappiness = try c.decodeIfPresent(UInt64.self, forKey: "swappiness")
        disableOOMKiller = try c.decodeIfPresent(Bool.self, forKey: "disableOOMKiller")
        useHierarchy = try c.decodeIfPresent(Bool.self, forKey: "useHierarchy")
        checkBeforeUpdate = try c.decodeIfPresent(Bool.self, forKey: "checkBeforeUpdate")
    }
}

extension RuntimeSpec.CPU {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: RuntimeSpec.Key.self)
        shares = try c.decodeIfPresent(UInt64.self, forKey: "shares")
        quota = try c.decodeIfPresent(Int64.self, forKey: "quota")
        burst = try c.decodeIfPresent(UInt64.self, forKey: "burst")
        period = try c.decodeIfPresent(UInt64.self, forKey: "period")
        realtimeRuntime = try c.decodeIfPresent(Int64.self, forKey: "realtimeRuntime")
        realtimePeriod = try c.decodeIfPresent(UInt64.self, forKey: "realtimePeriod")
        cpus = try c.decodeIfPresent(String.self, forKey: "cpus")
        mems = try c.decodeIfPresent(String.self, forKey: "mems")
        idle = try c.decodeIfPresent(Int64.self, forKey: "idle")
    }
}

extension RuntimeSpec.Pids {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: RuntimeSpec.Key.self)
        limit = try c.decode(Int64.self, forKey: "limit")
    }
}

extension RuntimeSpec.BlockIO {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: RuntimeSpec.Key.self)
        weight = try c.decodeIfPresent(UInt16.self, forKey: "weight")
        leafWeight = try c.decodeIfPresent(UInt16.self, forKey: "leafWeight")
        weightDevice = try c.decodeIfPresent([RuntimeSpec.WeightDevice].self, forKey: "weightDevice")
        throttleReadBpsDevice = try c.decodeIfPresent([RuntimeSpec.ThrottleDevice].self, forKey: "throttleReadBpsDevice")
        throttleWriteBpsDevice = try c.decodeIfPresent([RuntimeSpec.ThrottleDevice].self, forKey: "throttleWriteBpsDevice")
        throttleReadIOPSDevice = try c.decodeIfPresent([RuntimeSpec.ThrottleDevice].self, forKey: "throttleReadIOPSDevice")
        throttleWriteIOPSDevice = try c.decodeIfPresent([RuntimeSpec.ThrottleDevice].self, forKey: "throttleWriteIOPSDevice")
    }
}

extension RuntimeSpec.WeightDevice {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: RuntimeSpec.Key.self)
        major = try c.decode(Int64.self, forKey: "major")
        minor = try c.decode(Int64.self, forKey: "minor")
        weight = try c.decodeIfPresent(UInt16.self, forKey: "weight")
        leafWeight = try c.decodeIfPresent(UInt16.self, forKey: "leafWeight")
    }
}

extension RuntimeSpec.ThrottleDevice {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: RuntimeSpec.Key.self)
        major = try c.decode(Int64.self, forKey: "major")
        minor = try c.decode(Int64.self, forKey: "minor")
        rate = try c.decode(UInt64.self, forKey: "rate")
    }
}

extension RuntimeSpec.HugepageLimit {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: RuntimeSpec.Key.self)
        pageSize = try c.decode(String.self, forKey: "pageSize")
        limit = try c.decode(UInt64.self, forKey: "limit")
    }
}

extension RuntimeSpec.Network {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: RuntimeSpec.Key.self)
        classID = try c.decodeIfPresent(UInt32.self, forKey: "classID")
        priorities = try c.decodeIfPresent([RuntimeSpec.InterfacePriority].self, forKey: "priorities")
    }
}

extension RuntimeSpec.InterfacePriority {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: RuntimeSpec.Key.self)
        name = try c.decode(String.self, forKey: "name")
        priority = try c.decode(UInt32.self, forKey: "priority")
    }
}

extension RuntimeSpec.RDMA {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: RuntimeSpec.Key.self)
        hcaHandles = try c.decodeIfPresent(UInt32.self, forKey: "hcaHandles")
        hcaObjects = try c.decodeIfPresent(UInt32.self, forKey: "hcaObjects")
    }
}

extension RuntimeSpec.Seccomp {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: RuntimeSpec.Key.self)
        defaultAction = try c.decode(String.self, forKey: "defaultAction")
        defaultErrnoRet = try c.decodeIfPresent(UInt32.self, forKey: "defaultErrnoRet")
        architectures = try c.decodeIfPresent([String].self, forKey: "architectures")
        flags = try c.decodeIfPresent([String].self, forKey: "flags")
        listenerPath = try c.decodeIfPresent(String.self, forKey: "listenerPath")
        listenerMetadata = try c.decodeIfPresent(String.self, forKey: "listenerMetadata")
        syscalls = try c.decodeIfPresent([RuntimeSpec.Syscall].self, forKey: "syscalls")
    }
}

extension RuntimeSpec.Syscall {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: RuntimeSpec.Key.self)
        names = try c.decode([String].self, forKey: "names")
        action = try c.decode(String.self, forKey: "action")
        errnoRet = try c.decodeIfPresent(UInt32.self, forKey: "errnoRet")
        args = try c.decodeIfPresent([RuntimeSpec.SyscallArg].self, forKey: "args")
    }
}

extension RuntimeSpec.SyscallArg {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: RuntimeSpec.Key.self)
        index = try c.decode(UInt32.self, forKey: "index")
        value = try c.decode(UInt64.self, forKey: "value")
        valueTwo = try c.decodeIfPresent(UInt64.self, forKey: "valueTwo")
        op = try c.decode(String.self, forKey: "op")
    }
}
