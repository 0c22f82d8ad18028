import BerthSystem
import CYAML

/// Parses YAML text into `YAMLNode`s with libyaml's event API (the C library
/// Yams wraps, without Foundation's ICU). Anchors and aliases are expanded,
/// merge keys (`<<: *a` and `<<: [*a, *b]`) are applied as YAML 1.1 defines
/// them, and duplicate keys are errors (as yaml.v3, compose-go's parser).
public enum YAMLParser {
    /// Parses one document. An empty stream gives an empty mapping; several
    /// documents in one file are an error.
    public static func parse(_ text: String, file: String) throws -> YAMLNode {
        // A trailing NUL keeps baseAddress non-nil for an empty text.
        let bytes = Array(text.utf8) + [0]
        return try bytes.withUnsafeBufferPointer { buffer -> YAMLNode in
            // libyaml keeps a pointer to the parser in itself: it must not move.
            let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
            defer { parser.deallocate() }
            guard yaml_parser_initialize(parser) == 1 else {
                throw BerthError.internalError("\(file): libyaml could not initialise a parser")
            }
            defer { yaml_parser_delete(parser) }
            yaml_parser_set_input_string(parser, buffer.baseAddress!, buffer.count - 1)
            var reader = EventReader(parser: parser, file: file)
            return try reader.readStream()
        }
    }
}

/// One event with the parts the tree builder needs, copied out of libyaml's
/// union so the C event can be freed at once.
private struct Event {
    enum Kind { case streamStart, streamEnd, documentStart, documentEnd, alias, scalar, sequenceStart, sequenceEnd, mappingStart, mappingEnd }
    var kind: Kind
    var mark: YAMLMark
    var anchor: String?
    var tag: String?
    var value: String = ""
    var style: YAMLScalarStyle = .plain
}

private struct EventReader {
    let parser: UnsafeMutablePointer<yaml_parser_t>
    let file: String
    var anchors: [String: YAMLNode] = [:]

    init(parser: UnsafeMutablePointer<yaml_parser_t>, file: String) {
        self.parser = parser
        self.file = file
    }

    mutating func next() throws -> Event {
        var event = yaml_event_t()
        guard yaml_parser_parse(parser, &event) == 1 else { throw parseError() }
        defer { yaml_event_delete(&event) }
        let mark = YAMLMark(file: file, line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1)
        func str(_ p: UnsafeMutablePointer<yaml_char_t>?) -> String? {
            guard let p else { return nil }
            return String(cString: p)
        }
        switch event.type {
        case YAML_STREAM_START_EVENT: return Event(kind: .streamStart, mark: mark)
        case YAML_STREAM_END_EVENT: return Event(kind: .streamEnd, mark: mark)
        case YAML_DOCUMENT_START_EVENT: return Event(kind: .documentStart, mark: mark)
        case YAML_DOCUMENT_END_EVENT: return Event(kind: .documentEnd, mark: mark)
        case YAML_ALIAS_EVENT: return Event(kind: .alias, mark: mark, anchor: str(event.data.alias.anchor))
        case YAML_SCALAR_EVENT:
            let s = event.data.scalar
            // The value may hold NUL bytes; copy by length, not as a C string.
            let value = s.value.map { String(decoding: UnsafeBufferPointer(start: $0, count: Int(s.length)), as: UTF8.self) } ?? ""
            let style: YAMLScalarStyle
            switch s.style {
            case YAML_SINGLE_QUOTED_SCALAR_STYLE: style = .singleQuoted
            case YAML_DOUBLE_QUOTED_SCALAR_STYLE: style = .doubleQuoted
            case YAML_LITERAL_SCALAR_STYLE: style = .literal
            case YAML_FOLDED_SCALAR_STYLE: style = .folded
            default: style = .plain
            }
            return Event(kind: .scalar, mark: mark, anchor: str(s.anchor), tag: str(s.tag), value: value, style: style)
        case YAML_SEQUENCE_START_EVENT:
            return Event(kind: .sequenceStart, mark: mark, anchor: str(event.data.sequence_start.anchor), tag: str(event.data.sequence_start.tag))
        case YAML_SEQUENCE_END_EVENT: return Event(kind: .sequenceEnd, mark: mark)
        case YAML_MAPPING_START_EVENT:
            return Event(kind: .mappingStart, mark: mark, anchor: str(event.data.mapping_start.anchor), tag: str(event.data.mapping_start.tag))
        case YAML_MAPPING_END_EVENT: return Event(kind: .mappingEnd, mark: mark)
        default:
            throw BerthError.invalidArgument("\(mark): unexpected YAML event")
        }
    }

    /// libyaml's problem and context, with the 1-based position it reports.
    func parseError() -> BerthError {
        let problem = parser.pointee.problem.map { String(cString: $0) } ?? "invalid YAML"
        let m = parser.pointee.problem_mark
        var message = "\(file):\(m.line + 1):\(m.column + 1): \(problem)"
        if let context = parser.pointee.context.map({ String(cString: $0) }) {
            let c = parser.pointee.context_mark
            message += " (\(context) at line \(c.line + 1), column \(c.column + 1))"
        }
        return .invalidArgument(message)
    }

    mutating func readStream() throws -> YAMLNode {
        _ = try next() // stream start
        var document: YAMLNode?
        while true {
            let event = try next()
            switch event.kind {
            case .streamEnd:
                return document ?? YAMLNode(.mapping([]), mark: YAMLMark(file: file, line: 1, column: 1))
            case .documentStart:
                if document != nil {
                    throw BerthError.invalidArgument("\(event.mark): several YAML documents in one compose file are not supported")
                }
                let root = try readNode(try next())
                _ = try next() // document end
                document = root
            default:
                throw BerthError.invalidArgument("\(event.mark): unexpected YAML structure")
            }
        }
    }

    mutating func readNode(_ event: Event) throws -> YAMLNode {
        var node: YAMLNode
        switch event.kind {
        case .alias:
            guard let name = event.anchor, let target = anchors[name] else {
                throw BerthError.invalidArgument("\(event.mark): unknown anchor '\(event.anchor ?? "")' referenced")
            }
            return target
        case .scalar:
            let tag = event.tag == "!" ? nil : event.tag
            node = YAMLNode(.scalar(YAMLScalar(event.value, style: event.style, tag: tag)), mark: event.mark)
        case .sequenceStart:
            var items: [YAMLNode] = []
            while true {
                let e = try next()
                if e.kind == .sequenceEnd { break }
                items.append(try readNode(e))
            }
            node = YAMLNode(.sequence(items), mark: event.mark)
        case .mappingStart:
            node = YAMLNode(.mapping(try readMapping(event.mark)), mark: event.mark)
        default:
            throw BerthError.invalidArgument("\(event.mark): unexpected YAML structure")
        }
        if let anchor = event.anchor { anchors[anchor] = node }
        return node
    }

    /// Reads pairs, then applies merge keys: explicit keys win over merged
    /// ones, and in `<<: [*a, *b]` earlier maps win over later ones.
    mutating func readMapping(_ start: YAMLMark) throws -> [YAMLPair] {
        var explicit: [YAMLPair] = []
        var merged: [YAMLPair] = []
        var seen: [String: YAMLMark] = [:]
        while true {
            let e = try next()
            if e.kind == .mappingEnd { break }
            let key = try readNode(e)
            let value = try readNode(try next())
            if let k = key.scalar, k.value == "<<", k.style == .plain, k.tag == nil || k.tag == "tag:yaml.org,2002:merge" {
                let sources: [YAMLNode]
                switch value.content {
                case .mapping: sources = [value]
                case .sequence(let items): sources = items
                case .scalar: sources = []
                }
                for source in sources {
                    guard let pairs = source.mapping else {
                        throw BerthError.invalidArgument("\(source.mark): a merge key '<<' needs a mapping or a sequence of mappings, not \(source.kindName)")
                    }
                    for pair in pairs where !merged.contains(where: { $0.key.scalar?.value == pair.key.scalar?.value }) {
                        merged.append(pair)
                    }
                }
                if value.scalar != nil {
                    throw BerthError.invalidArgument("\(value.mark): a merge key '<<' needs a mapping or a sequence of mappings")
                }
                continue
            }
            if let name = key.scalar?.value {
                if let first = seen[name] {
                    throw BerthError.invalidArgument("\(key.mark): mapping key \"\(name)\" already defined at line \(first.line)")
                }
                seen[name] = key.mark
            }
            explicit.append(YAMLPair(key: key, value: value))
        }
        let inherited = merged.filter { pair in
            guard let name = pair.key.scalar?.value else { return true }
            return seen[name] == nil
        }
        return inherited + explicit
    }
}
