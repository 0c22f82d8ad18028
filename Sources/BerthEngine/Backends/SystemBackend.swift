/// `/info`, `/version`, `/events`, `/system/df`, `/auth` (moby's
/// router/system/backend.go).
public protocol SystemBackend: Sendable {
    func info() async throws -> SystemInfo
    func version() async throws -> SystemVersion
    /// `GET /system/df`; `types` empty means all of container, image, volume, build-cache.
    func dataUsage(types: Set<String>) async throws -> SystemDataUsageResponse
    /// Past events from `since`, then live ones until `until` (or forever),
    /// matching `filters` (type, event, container, image, label, ...).
    func events(_ options: EventsOptions) async throws -> AsyncThrowingStream<EventMessage, any Error>
    /// `POST /auth`: checks credentials against the registry.
    func authenticate(_ config: AuthConfig) async throws -> SystemAuthResponse
}

/// The query of `GET /events`. Times are Unix seconds with a fraction, as
/// dockerd parses them (`timetypes.ParseTimestamps`).
public struct EventsOptions: Sendable, Equatable {
    public var since: Double?
    public var until: Double?
    public var filters: Filters

    public init(since: Double? = nil, until: Double? = nil, filters: Filters = Filters()) {
        self.since = since
        self.until = until
        self.filters = filters
    }
}
