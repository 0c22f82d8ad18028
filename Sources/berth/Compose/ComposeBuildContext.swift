import BerthBuild
import BerthSystem
// `struct stat`'s Swift members come from the first Clang module to include
// <sys/stat.h>, which is libarchive's here.
import CArchive
#if canImport(Glibc)
import Glibc
#endif

/// A service's build context as `berth build` sends it: the directory as a
/// tar stream without what .dockerignore excludes (the Dockerfile and
/// .dockerignore are always sent).
func composeBuildContext(_ directory: String, _ dockerfile: String) throws -> () throws -> [UInt8]? {
    guard let st = fileStatus(directory), st.st_mode & S_IFMT == S_IFDIR else {
        throw BerthError.invalidArgument("build context \"\(directory)\" not found or not a directory")
    }
    let root = realPath(directory)
    var ignore = DockerIgnore.empty
    let ignoreFile = root + "/.dockerignore"
    if access(ignoreFile, R_OK) == 0 {
        let fd = try openForReading(ignoreFile)
        defer { close(fd) }
        var bytes: [UInt8] = []
        let next = chunks(of: fd)
        while let chunk = try next() { bytes += chunk }
        ignore = try DockerIgnore(parsing: String(decoding: bytes, as: UTF8.self)).keeping([dockerfile, ".dockerignore"])
    }
    let rules = ignore
    let entries = try TarProducer.walk(root, as: "", excluded: { path in
        rules.excludes(path) && !(rules.hasExceptions && Build.isDirectory(root + "/" + path))
    }).filter { !(Build.isDirectory($0.path) && rules.excludes($0.name)) }
    return TarProducer(entries: entries).next
}
