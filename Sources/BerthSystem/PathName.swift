/// The directory part of `path`, as NSString's deletingLastPathComponent
/// (not in FoundationEssentials): "/a/b" → "/a", "/a" → "/", "a" → "",
/// trailing slashes ignored.
public func parentDirectory(of path: String) -> String {
    var path = Substring(path)
    while path.count > 1, path.last == "/" { path = path.dropLast() }
    guard let slash = path.lastIndex(of: "/") else { return "" }
    if slash == path.startIndex { return "/" }
    var parent = path[..<slash]
    while parent.count > 1, parent.last == "/" { parent = parent.dropLast() }
    return String(parent)
}
