/// What the engine has now, as the planner needs it: containers with their
/// labels and state, networks and volumes by name and labels.
public struct ActualState: Sendable, Equatable {
    public var containers: [ExistingContainer]
    public var networks: [ExistingObject]
    public var volumes: [ExistingObject]

    public init(containers: [ExistingContainer] = [], networks: [ExistingObject] = [], volumes: [ExistingObject] = []) {
        self.containers = containers
        self.networks = networks
        self.volumes = volumes
    }
}

/// An existing container. The compose fields are read from its labels.
public struct ExistingContainer: Sendable, Equatable {
    /// The engine's container states (Docker's `State` strings).
    public enum State: String, Sendable, Equatable {
        case created, running, paused, restarting, removing, exited, dead
    }

    public var id: String
    public var name: String
    public var labels: [String: String]
    public var state: State

    public init(id: String, name: String, labels: [String: String], state: State) {
        self.id = id
        self.name = name
        self.labels = labels
        self.state = state
    }

    public var project: String? { labels[ComposeLabel.project] }
    public var service: String? { labels[ComposeLabel.service] }
    public var number: Int? { labels[ComposeLabel.containerNumber].flatMap { Int($0) } }
    public var isOneoff: Bool { labels[ComposeLabel.oneoff] == "True" }
    public var configHash: String? { labels[ComposeLabel.configHash] }
    /// Running as far as `up` is concerned: nothing to start.
    public var isUp: Bool { state == .running || state == .restarting || state == .paused }
    public var ref: ContainerRef { ContainerRef(service: service ?? "", name: name, id: id) }
}

/// An existing network or volume.
public struct ExistingObject: Sendable, Equatable {
    public var name: String
    public var id: String
    public var labels: [String: String]

    public init(name: String, id: String? = nil, labels: [String: String] = [:]) {
        self.name = name
        self.id = id ?? name
        self.labels = labels
    }
}

/// A container an action works on: by id when it exists, by name when the
/// plan creates it in an earlier step.
public struct ContainerRef: Sendable, Equatable {
    public var service: String
    public var name: String
    public var id: String?

    public init(service: String, name: String, id: String? = nil) {
        self.service = service
        self.name = name
        self.id = id
    }
}

/// A container to create: its service, number, name and labels. The
/// container's configuration is `project.services[service]`.
public struct ContainerSpec: Sendable, Equatable {
    public var service: String
    public var number: Int
    public var name: String
    public var labels: [String: String]

    public init(service: String, number: Int, name: String, labels: [String: String]) {
        self.service = service
        self.number = number
        self.name = name
        self.labels = labels
    }
}

/// One step of a plan, in the order the steps must run.
public enum ComposeAction: Sendable, Equatable {
    case createNetwork(key: String, name: String, labels: [String: String])
    case createVolume(key: String, name: String, labels: [String: String])
    case createContainer(ContainerSpec)
    /// Create the new container, stop and remove `old`, give the new one its
    /// name (compose's recreateContainer).
    case recreateContainer(old: ContainerRef, new: ContainerSpec)
    case startContainer(ContainerRef)
    case stopContainer(ContainerRef)
    /// `volumes`: also remove its anonymous volumes (`down -v`).
    case removeContainer(ContainerRef, volumes: Bool)
    case removeNetwork(name: String)
    case removeVolume(name: String)
}

/// An ordered list of actions and the warnings compose would print.
public struct ComposePlan: Sendable, Equatable {
    public var actions: [ComposeAction] = []
    public var warnings: [String] = []

    public init(actions: [ComposeAction] = [], warnings: [String] = []) {
        self.actions = actions
        self.warnings = warnings
    }
}
