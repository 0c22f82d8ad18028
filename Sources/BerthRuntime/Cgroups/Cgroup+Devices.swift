import BerthSystem

extension Cgroup {
    /// Device access: the v1 devices controller where there is one, else an
    /// eBPF program on the cgroup2 directory (cgroup-bpf needs no controller,
    /// so this also covers a hybrid host without v1 devices).
    func applyDevices(_ rules: [CgroupDeviceRule], userDevices: Bool) throws {
        let state = try CgroupDeviceEmulator(rules)
        if host.layout != .unified, let dir = paths["devices"] {
            // Deny everything first (an "a" write resets the exception list),
            // then replay the state, as runc's v1 devices driver ends up doing.
            var writes: [(String, String)] = [("devices.deny", "a *:* rwm")]
            if state.defaultAllow { writes.append(("devices.allow", "a *:* rwm")) }
            for rule in state.orderedExceptions {
                writes.append((rule.allow ? "devices.allow" : "devices.deny", rule.cgroupString))
            }
            for (file, value) in writes { try write(.v1(dir), file, value, field: "linux.resources.devices") }
            return
        }
        if let dir = paths[""] {
            try attachDeviceFilter(DeviceFilter.program(for: rules), dir)
            return
        }
        if userDevices {
            throw BerthError.unavailable("linux.resources.devices: no devices cgroup controller and no cgroup2 hierarchy to attach a device filter to")
        }
    }
}
