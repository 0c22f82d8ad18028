#!/usr/bin/env python3
"""Generate Sources/BerthAPIModel/Generated/*.swift from the Docker Engine
API spec (../shared/reference/docker-engine-api-v1.50.yaml), as moby generates
its api/types from the same swagger file (hack/generate-swagger-api.sh).

Every definition reachable from the non-swarm endpoints, plus the inline
request/response schemas of those endpoints that carry a `title`, becomes one
`public struct` per file. JSON keys are kept exactly (CodingKeys); Swift names
are lowerCamelCase. Every property is optional: requests decode whatever a
client sends (unknown keys are ignored, as Go's encoding/json does) and the
engine fills what a response must carry.

Run: python3 scripts/gen-docker-models.py [spec] [outdir]
"""
import os, re, sys, yaml

SPEC = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/reference/docker-engine-api-v1.50.yaml"
OUT = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), "..", "Sources/BerthAPIModel/Generated")

# Features berth does not have: their types are not generated (the routes
# answer as dockerd does with swarm inactive).
SKIP_PREFIXES = ("/swarm", "/services", "/nodes", "/tasks", "/secrets", "/configs", "/session")

KEYWORDS = {"as", "associatedtype", "break", "case", "catch", "class", "continue", "default", "defer",
            "deinit", "do", "else", "enum", "extension", "fallthrough", "false", "fileprivate", "for",
            "func", "guard", "if", "import", "in", "init", "inout", "internal", "is", "let", "nil",
            "operator", "private", "protocol", "public", "repeat", "rethrows", "return", "self", "static",
            "struct", "subscript", "super", "switch", "throw", "throws", "true", "try", "typealias", "var",
            "where", "while", "Type", "Self", "Protocol", "Any"}
# Nested type names that would shadow a Swift or Foundation type.
RESERVED_TYPES = {"Type", "Self", "Protocol", "Any", "Data", "Date", "URL", "String", "Int", "Error",
                  "Result", "Optional", "Array", "Dictionary", "Set", "Range", "Status", "Index"}

spec = yaml.safe_load(open(SPEC))
defs = spec["definitions"]


def ref_name(ref):
    return ref.rsplit("/", 1)[-1]


def camel(key):
    parts = [p for p in re.split(r"[_\-.\s]+", key) if p]
    out = []
    for i, p in enumerate(parts):
        if i == 0:
            m = re.match(r"^([A-Z]+)(.*)$", p)
            if not m:
                out.append(p)
            elif m.group(2) == "" or not m.group(2)[0].islower():
                out.append(p.lower() if m.group(2) == "" else m.group(1).lower() + m.group(2))
            elif len(m.group(1)) == 1:
                out.append(p[0].lower() + p[1:])
            else:
                out.append(m.group(1)[:-1].lower() + m.group(1)[-1] + m.group(2))
        else:
            out.append(p[0].upper() + p[1:])
    name = "".join(out) or "value"
    if name[0].isdigit():
        name = "_" + name
    return name


def pascal(key):
    c = camel(key).lstrip("_")
    return c[0].upper() + c[1:]


def doc(desc, indent):
    if not desc:
        return ""
    first = desc.strip().split("\n\n")[0].replace("\n", " ").strip()
    first = re.sub(r"<[^>]+>", "", first)
    if len(first) > 200:
        first = first[:197].rsplit(" ", 1)[0] + "…"
    return f"{indent}/// {first}\n"


def flatten(schema):
    """allOf → one object schema (properties merged in order)."""
    if "allOf" in schema:
        props, desc = {}, schema.get("description")
        for part in schema["allOf"]:
            if "$ref" in part:
                part = flatten(defs[ref_name(part["$ref"])])
            else:
                part = flatten(part)
            props.update(part.get("properties", {}))
            desc = desc or part.get("description")
        return {"type": "object", "properties": props, "description": desc}
    return schema


def is_struct(schema):
    s = flatten(schema)
    return "properties" in s


# Collect roots: inline titled schemas of the kept paths, and refs they use.
inline = {}
roots = set()


def scan(schema):
    if isinstance(schema, dict):
        if "$ref" in schema:
            roots.add(ref_name(schema["$ref"]))
        for v in schema.values():
            scan(v)
    elif isinstance(schema, list):
        for v in schema:
            scan(v)


for path, item in spec["paths"].items():
    if path.startswith(SKIP_PREFIXES):
        continue
    for method, op in item.items():
        if not isinstance(op, dict):
            continue
        schemas = [p["schema"] for p in op.get("parameters", []) if p.get("in") == "body" and "schema" in p]
        schemas += [r["schema"] for r in op.get("responses", {}).values() if "schema" in r]
        for s in schemas:
            t = s.get("title") or (s.get("items") or {}).get("title")
            target = s if s.get("title") else s.get("items")
            if t and t not in defs:
                inline[t] = target
            scan(s)

# Names the brief and the engine use for bodies that have no swagger title.
inline.setdefault("ContainerCreateRequest", spec["paths"]["/containers/create"]["post"]["parameters"][-1]["schema"])
inline.setdefault("ContainerUpdateRequest", next(p["schema"] for p in spec["paths"]["/containers/{id}/update"]["post"]["parameters"] if p.get("in") == "body"))
for v in inline.values():
    scan(v)
# Streamed messages documented as definitions but not referenced by a path.
roots.update({"BuildInfo", "CreateImageInfo", "PushImageInfo", "ProgressDetail", "ErrorDetail", "ImageID"})

# Transitive closure over definitions.
todo, keep = list(roots), set()
while todo:
    n = todo.pop()
    if n in keep:
        continue
    keep.add(n)
    found = set()
    def walk(x):
        if isinstance(x, dict):
            if "$ref" in x:
                found.add(ref_name(x["$ref"]))
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)
    walk(defs[n])
    todo.extend(found - keep)

all_types = {**{n: defs[n] for n in keep}, **inline}


class Gen:
    def __init__(self, name):
        self.name = name
        self.nested = []  # (indent-level code)

    def swift_type(self, schema, prop, owner_path, indent):
        if "$ref" in schema:
            return ref_name(schema["$ref"])
        if "allOf" in schema and len(schema["allOf"]) == 1 and "$ref" in schema["allOf"][0]:
            return ref_name(schema["allOf"][0]["$ref"])
        s = flatten(schema)
        t = s.get("type")
        if t == "string":
            return "String"
        if t == "integer":
            return {"int64": "Int64", "uint64": "UInt64", "uint32": "UInt32", "uint16": "UInt16",
                    "uint8": "UInt8"}.get(s.get("format"), "Int")
        if t == "number":
            return "Double"
        if t == "boolean":
            return "Bool"
        if t == "array":
            return "[" + self.swift_type(s.get("items", {}), prop, owner_path, indent) + "]"
        if "properties" in s:
            nname = pascal(prop)
            if nname in all_types or nname in RESERVED_TYPES or nname == owner_path[-1]:
                nname = owner_path[-1] + nname
            self.nested.append((indent, nname, s, owner_path + [nname]))
            return nname
        ap = s.get("additionalProperties")
        if isinstance(ap, dict) and ap:
            return "[String: " + self.swift_type(ap, prop + "Value", owner_path, indent) + "]"
        return "JSONValue"

    def struct(self, name, schema, indent, path):
        s = flatten(schema)
        pad = "    " * indent
        out = doc(s.get("description"), pad) or f"{pad}/// The `{name}` object of the Docker Engine API.\n"
        out += f"{pad}public struct {name}: Codable, Sendable, Equatable {{\n"
        props = s.get("properties", {})
        names, used = [], set()
        body, nested_start = "", len(self.nested)
        for key, ps in props.items():
            sname = camel(key)
            while sname in used:
                sname += "_"
            used.add(sname)
            ident = f"`{sname}`" if sname in KEYWORDS else sname
            typ = self.swift_type(ps, key, path, indent + 1)
            d = ps.get("description") or (flatten(ps).get("description") if "allOf" in ps else None)
            body += doc(d, pad + "    ")
            if "enum" in ps:
                values = ", ".join(f'"{e}"' for e in ps["enum"])
                body += f"{pad}    /// One of: {values}.\n"
            body += f"{pad}    public var {ident}: {typ}?\n"
            names.append((key, ident, sname, typ))
        out += body
        if names:
            if len(names) <= 8:
                args = ", ".join(f"{ident}: {t}? = nil" for _, ident, _, t in names)
                out += f"\n{pad}    public init({args}) {{\n"
                for _, ident, sn, _ in names:
                    out += f"{pad}        self.{ident} = {ident}\n"
                out += f"{pad}    }}\n"
            else:
                out += f"\n{pad}    public init() {{}}\n"
            out += f"\n{pad}    enum CodingKeys: String, CodingKey {{\n"
            for key, ident, sn, _ in names:
                out += f"{pad}        case {ident}" + ("" if sn == key else f" = \"{key}\"") + "\n"
            out += f"{pad}    }}\n"
        else:
            out += f"{pad}    public init() {{}}\n"
        mine = self.nested[nested_start:]
        del self.nested[nested_start:]
        for (ind, nname, ns, npath) in mine:
            out += "\n" + self.struct(nname, ns, ind, npath)
        out += f"{pad}}}\n"
        return out


os.makedirs(OUT, exist_ok=True)
for f in os.listdir(OUT):
    if f.endswith(".swift"):
        os.remove(os.path.join(OUT, f))
header = "// Generated by scripts/gen-docker-models.py from docker-engine-api-v1.50.yaml. Do not edit.\n\n"
for name in sorted(all_types):
    schema = all_types[name]
    g = Gen(name)
    if is_struct(schema):
        code = g.struct(name, schema, 0, [name])
    else:
        s = flatten(schema)
        t = g.swift_type(s, name, [name], 0)
        code = doc(s.get("description"), "") or f"/// The `{name}` value of the Docker Engine API.\n"
        if "enum" in s:
            values = ", ".join(f'"{e}"' for e in s["enum"])
            code += f"/// One of: {values}.\n"
        code += f"public typealias {name} = {t}\n"
        for (ind, nname, ns, npath) in g.nested:
            code += "\n" + g.struct(nname, ns, 0, npath)
    with open(os.path.join(OUT, name + ".swift"), "w") as fh:
        fh.write(header + code)
print(f"{len(all_types)} types written to {OUT}")
