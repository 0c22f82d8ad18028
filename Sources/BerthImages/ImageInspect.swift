import BerthOCI

/// `docker image inspect`'s object (moby api/types/image.InspectResponse),
/// keys exactly as docker prints them.
public struct ImageInspect: Codable, Sendable, Equatable {
    public var Id: String
    public var RepoTags: [String]
    public var RepoDigests: [String]
    public var Parent: String
    public var Comment: String
    public var Created: String?
    public var DockerVersion: String
    public var Author: String
    public var Config: ContainerConfig?
    public var Architecture: String
    public var Variant: String?
    public var Os: String
    public var Size: Int64
    public var GraphDriver: GraphDriverData
    public var RootFS: RootFSData
    public var Metadata: MetadataData

    /// Where the top layer lives (docker: the storage driver's directories).
    public struct GraphDriverData: Codable, Sendable, Equatable {
        public var Name: String
        public var Data: [String: String]?
    }

    /// The layers' diff IDs, bottom first.
    public struct RootFSData: Codable, Sendable, Equatable {
        public var type: String
        public var Layers: [String]

        enum CodingKeys: String, CodingKey {
            case type = "Type", Layers
        }
    }

    /// When a name was last put on the image.
    public struct MetadataData: Codable, Sendable, Equatable {
        public var LastTagTime: String?
    }
}

/// One row of `docker images` (moby api/types/image.Summary).
public struct ImageSummary: Codable, Sendable, Equatable {
    public var Id: String
    public var ParentId: String
    public var RepoTags: [String]
    public var RepoDigests: [String]
    /// Seconds since the epoch.
    public var Created: Int64
    public var Size: Int64
    public var Labels: [String: String]
    public var Containers: Int
}

/// One row of `docker history` (moby api/types/image.HistoryResponseItem),
/// newest first.
public struct HistoryEntry: Codable, Sendable, Equatable {
    /// The image ID for the top row, `<missing>` below it (as docker with
    /// pulled images: intermediate images do not exist locally).
    public var Id: String
    public var Created: Int64
    public var CreatedBy: String
    public var Tags: [String]?
    public var Size: Int64
    public var Comment: String
}
