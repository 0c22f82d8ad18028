import BerthSystem

extension Ownership {
    /// Resolves a `--chown` value (`user`, `user:group`, names or numbers)
    /// with the image's /etc/passwd and /etc/group text, as docker's
    /// parseChownFlag does. A user alone also sets the group to the user's
    /// primary group (numeric uid alone: gid = uid).
    public static func resolve(chown: String, passwd: String?, group: String?) throws -> Ownership {
        let parts = chown.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let userPart = parts[0]
        guard !userPart.isEmpty else {
            throw BerthError.invalidArgument("invalid --chown value \"\(chown)\": missing user")
        }
        var uid: UInt32
        var primaryGID: UInt32?
        if let number = UInt32(userPart) {
            uid = number
            primaryGID = lookup(passwd, field: 2, equals: userPart, answer: 3).flatMap { UInt32($0) }
        } else {
            guard let entry = lookup(passwd, field: 0, equals: userPart, answer: 2), let id = UInt32(entry) else {
                throw BerthError.notFound("unable to find user \(userPart): no matching entries in passwd file")
            }
            uid = id
            primaryGID = lookup(passwd, field: 0, equals: userPart, answer: 3).flatMap { UInt32($0) }
        }
        var gid: UInt32 = primaryGID ?? uid
        if parts.count == 2 {
            let groupPart = parts[1]
            if let number = UInt32(groupPart) {
                gid = number
            } else {
                guard let entry = lookup(group, field: 0, equals: groupPart, answer: 2), let id = UInt32(entry) else {
                    throw BerthError.notFound("unable to find group \(groupPart): no matching entries in group file")
                }
                gid = id
            }
        }
        return Ownership(uid: uid, gid: gid)
    }

    /// Field `answer` of the first colon-separated line whose field `field` is `value`.
    private static func lookup(_ text: String?, field: Int, equals value: String, answer: Int) -> String? {
        guard let text else { return nil }
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            if fields.count > max(field, answer), fields[field] == value { return String(fields[answer]) }
        }
        return nil
    }
}
