import Diagnosis
import FlowAnalysis
import FlowdoctorCore
import Foundation
import PacketCapture
import Reporting
import TestSupport
import Testing

// The committed JSON Schema of `flowdoctor.report/2` (Sources/Reporting/flowdoctor.report-2.schema.json)
// and real reports checked against it. No JSON Schema library is a dependency: `SchemaValidator`
// below implements exactly the keywords the schema uses, and a walk of the schema rejects any
// other keyword, so the schema cannot quietly rely on something nobody checks.

// MARK: - A small JSON Schema (draft 2020-12) validator

/// JSON value kinds, as JSON Schema's `type` names them.
enum JSONKind: String, CustomStringConvertible {
    case null, boolean, integer, number, string, array, object
    var description: String { rawValue }
}

/// A validator for the subset of draft 2020-12 the report schema uses, over `JSONSerialization` output.
struct SchemaValidator {
    /// Every keyword this validator understands (annotations included). Anything else in a schema is an error.
    static let keywords: Set<String> = [
        "$schema", "$id", "$defs", "$ref", "$comment", "title", "description",
        "type", "properties", "required", "additionalProperties", "propertyNames", "items",
        "enum", "const", "minimum", "maximum", "pattern", "anyOf", "oneOf",
    ]
    static let draft = "https://json-schema.org/draft/2020-12/schema"

    let root: Any
    private var patterns: [String: NSRegularExpression] = [:]

    init(schema: Any) throws {
        root = schema
        // Compile every pattern once (a bad one is reported by `lint`).
        var found: [String] = []
        Self.collectPatterns(schema, into: &found)
        for p in found where patterns[p] == nil { patterns[p] = try NSRegularExpression(pattern: p) }
    }

    static func load(_ url: URL) throws -> SchemaValidator {
        try SchemaValidator(schema: JSONSerialization.jsonObject(with: Data(contentsOf: url)))
    }

    private static func collectPatterns(_ s: Any, into out: inout [String]) {
        if let o = s as? [String: Any] {
            if let p = o["pattern"] as? String { out.append(p) }
            for (k, v) in o where k != "enum" && k != "const" { collectPatterns(v, into: &out) }
        } else if let a = s as? [Any] {
            for v in a { collectPatterns(v, into: &out) }
        }
    }

    // MARK: JSON values

    private static let booleanClass = ObjectIdentifier(type(of: NSNumber(value: true)))

    /// The kind of a `JSONSerialization` value. A number with no fractional part is an integer
    /// (as JSON Schema defines it), whichever way it was written.
    static func kind(of v: Any) -> JSONKind? {
        if v is NSNull { return .null }
        if v is String { return .string }
        if let n = v as? NSNumber {
            if ObjectIdentifier(type(of: n)) == booleanClass { return .boolean }
            switch String(cString: n.objCType) {
            case "d", "f":
                let d = n.doubleValue
                return d.isFinite && d == d.rounded(.towardZero) ? .integer : .number
            default:
                return .integer
            }
        }
        if v is [Any] { return .array }
        if v is [String: Any] { return .object }
        return nil
    }

    static func matches(_ k: JSONKind, _ type: String) -> Bool {
        k.rawValue == type || (type == "number" && k == .integer)
    }

    /// JSON equality (numbers by value; booleans are not numbers).
    static func equal(_ a: Any, _ b: Any) -> Bool {
        guard let ka = kind(of: a), let kb = kind(of: b) else { return false }
        switch (ka, kb) {
        case (.null, .null): return true
        case (.boolean, .boolean): return (a as! NSNumber).boolValue == (b as! NSNumber).boolValue
        case (.integer, .integer), (.integer, .number), (.number, .integer), (.number, .number):
            return (a as! NSNumber).compare(b as! NSNumber) == .orderedSame
        case (.string, .string): return (a as! String) == (b as! String)
        case (.array, .array):
            let x = a as! [Any], y = b as! [Any]
            return x.count == y.count && zip(x, y).allSatisfy { equal($0, $1) }
        case (.object, .object):
            let x = a as! [String: Any], y = b as! [String: Any]
            return x.count == y.count && x.allSatisfy { k, v in y[k].map { equal(v, $0) } ?? false }
        default: return false
        }
    }

    /// A short rendering of a value for messages.
    static func show(_ v: Any) -> String {
        switch kind(of: v) {
        case .string?: return "\"\(v as! String)\""
        case .array?: return "array of \((v as! [Any]).count)"
        case .object?: return "object"
        case .null?: return "null"
        case .boolean?: return (v as! NSNumber).boolValue ? "true" : "false"
        case .integer?, .number?: return "\(v as! NSNumber)"
        case nil: return "\(type(of: v))"
        }
    }

    // MARK: Paths

    static func member(_ path: String, _ key: String) -> String {
        let plain = !key.isEmpty && key.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || $0 == "_" }
        return plain ? "\(path).\(key)" : "\(path)[\"\(key)\"]"
    }

    /// Resolves "#" or "#/a/b" (JSON Pointer, ~0 and ~1 unescaped) within the schema document.
    func resolve(_ ref: String) -> Any? {
        guard ref.hasPrefix("#") else { return nil }
        var node: Any = root
        for token in ref.dropFirst().split(separator: "/", omittingEmptySubsequences: false).dropFirst() {
            let t = token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            if let o = node as? [String: Any], let next = o[t] { node = next }
            else if let a = node as? [Any], let i = Int(t), a.indices.contains(i) { node = a[i] }
            else { return nil }
        }
        return node
    }

    // MARK: Validation

    /// Every way `instance` breaks the schema (or the sub-schema at `ref`), each "<JSON path>: <what>".
    func validate(_ instance: Any, against ref: String = "#") -> [String] {
        var errors: [String] = []
        guard let schema = resolve(ref) else { return ["$: schema has nothing at \(ref)"] }
        check(instance, schema, "$", &errors)
        return errors
    }

    private func check(_ v: Any, _ schema: Any, _ path: String, _ errors: inout [String]) {
        if Self.kind(of: schema) == .boolean {
            if !(schema as! NSNumber).boolValue { errors.append("\(path): no value is allowed here") }
            return
        }
        guard let s = schema as? [String: Any] else { errors.append("\(path): schema is not an object"); return }
        guard let k = Self.kind(of: v) else { errors.append("\(path): not a JSON value (\(type(of: v)))"); return }

        if let r = s["$ref"] as? String {
            if let target = resolve(r) { check(v, target, path, &errors) }
            else { errors.append("\(path): unresolvable $ref \(r)") }
        }
        if let t = s["type"] {
            let allowed = (t as? String).map { [$0] } ?? (t as? [String]) ?? []
            if !allowed.contains(where: { Self.matches(k, $0) }) {
                errors.append("\(path): expected \(allowed.joined(separator: " or ")), found \(k) \(Self.show(v))")
                return   // the other keywords would only repeat it
            }
        }
        if let c = s["const"], !Self.equal(v, c) {
            errors.append("\(path): expected \(Self.show(c)), found \(Self.show(v))")
        }
        if let e = s["enum"] as? [Any], !e.contains(where: { Self.equal(v, $0) }) {
            let some = e.prefix(6).map(Self.show).joined(separator: ", ")
            errors.append("\(path): \(Self.show(v)) is not one of the \(e.count) allowed values (\(some)\(e.count > 6 ? ", …" : ""))")
        }
        if k == .integer || k == .number, let n = v as? NSNumber {
            if let m = s["minimum"] as? NSNumber, n.compare(m) == .orderedAscending {
                errors.append("\(path): \(n) is below the minimum \(m)")
            }
            if let m = s["maximum"] as? NSNumber, n.compare(m) == .orderedDescending {
                errors.append("\(path): \(n) is above the maximum \(m)")
            }
        }
        if k == .string, let p = s["pattern"] as? String, let str = v as? String {
            if let re = patterns[p] {
                if re.firstMatch(in: str, range: NSRange(str.startIndex..., in: str)) == nil {
                    errors.append("\(path): \(Self.show(v)) does not match /\(p)/")
                }
            } else { errors.append("\(path): pattern /\(p)/ was not compiled") }
        }
        if k == .object, let o = v as? [String: Any] {
            let props = s["properties"] as? [String: Any] ?? [:]
            for name in (s["required"] as? [String] ?? []) where o[name] == nil {
                errors.append("\(path): missing required property \"\(name)\"")
            }
            for (name, value) in o.sorted(by: { $0.key < $1.key }) {
                let childPath = Self.member(path, name)
                if let names = s["propertyNames"] {
                    var nameErrors: [String] = []
                    check(name, names, "\(path) (property name)", &nameErrors)
                    if !nameErrors.isEmpty {
                        errors.append("\(childPath): property name not allowed: " + nameErrors.joined(separator: "; "))
                    }
                }
                if let p = props[name] {
                    check(value, p, childPath, &errors)
                } else if let extra = s["additionalProperties"] {
                    if Self.kind(of: extra) == .boolean && !(extra as! NSNumber).boolValue {
                        let known = props.keys.sorted().joined(separator: ", ")
                        errors.append("\(childPath): unknown property (allowed at \(path): \(known))")
                    } else {
                        check(value, extra, childPath, &errors)
                    }
                }
            }
        }
        if k == .array, let a = v as? [Any], let items = s["items"] {
            for (i, x) in a.enumerated() { check(x, items, "\(path)[\(i)]", &errors) }
        }
        if let branches = s["anyOf"] as? [Any] {
            let results = branches.map { b -> [String] in var e: [String] = []; check(v, b, path, &e); return e }
            if !results.contains(where: \.isEmpty) {
                errors.append("\(path): matches none of anyOf: "
                              + results.enumerated().map { "[\($0)] \($1.joined(separator: "; "))" }.joined(separator: " | "))
            }
        }
        if let branches = s["oneOf"] as? [Any] {
            let results = branches.map { b -> [String] in var e: [String] = []; check(v, b, path, &e); return e }
            let passing = results.filter(\.isEmpty).count
            if passing != 1 {
                errors.append("\(path): matches \(passing) of oneOf, not exactly one: "
                              + results.enumerated().map { "[\($0)] \($1.isEmpty ? "ok" : $1.joined(separator: "; "))" }.joined(separator: " | "))
            }
        }
    }

    // MARK: Checking the schema itself

    /// Problems with the schema: unknown keywords, keyword values of the wrong shape, references
    /// that do not resolve, unused definitions, and fixed objects that do not list what they
    /// require or do not close themselves with `additionalProperties: false`.
    func lint() -> [String] {
        var problems: [String] = []
        var refs: Set<String> = []
        lint(root, "#", &problems, &refs)
        if let defs = (root as? [String: Any])?["$defs"] as? [String: Any] {
            for name in defs.keys.sorted() where !refs.contains("#/$defs/\(name)") {
                problems.append("#/$defs/\(name): defined but never referenced")
            }
        }
        return problems
    }

    private static let typeNames: Set<String> = ["null", "boolean", "integer", "number", "string", "array", "object"]

    private func lint(_ schema: Any, _ at: String, _ problems: inout [String], _ refs: inout Set<String>) {
        if Self.kind(of: schema) == .boolean { return }
        guard let s = schema as? [String: Any] else { problems.append("\(at): a schema must be an object or a boolean"); return }
        func sub(_ v: Any, _ loc: String) { lint(v, loc, &problems, &refs) }
        for (key, value) in s.sorted(by: { $0.key < $1.key }) {
            let loc = "\(at)/\(key)"
            guard Self.keywords.contains(key) else {
                problems.append("\(loc): keyword \"\(key)\" is not checked by this validator")
                continue
            }
            switch key {
            case "$schema":
                if at != "#" || value as? String != Self.draft { problems.append("\(loc): must be \(Self.draft), at the root only") }
            case "$id":
                if at != "#" || !(value is String) { problems.append("\(loc): a string, at the root only") }
            case "title", "description", "$comment":
                if !(value is String) { problems.append("\(loc): must be a string") }
            case "$defs", "properties":
                guard let o = value as? [String: Any] else { problems.append("\(loc): must be an object"); continue }
                for (name, v) in o.sorted(by: { $0.key < $1.key }) { sub(v, "\(loc)/\(name)") }
            case "$ref":
                guard let r = value as? String, r.hasPrefix("#/"), resolve(r) != nil else {
                    problems.append("\(loc): \(value) does not resolve within the document"); continue
                }
                refs.insert(r)
            case "type":
                let names = (value as? String).map { [$0] } ?? (value as? [String]) ?? []
                if names.isEmpty || !names.allSatisfy(Self.typeNames.contains) || Set(names).count != names.count {
                    problems.append("\(loc): \(value) is not a type name or a list of distinct type names")
                }
            case "required":
                guard let names = value as? [String], Set(names).count == names.count else {
                    problems.append("\(loc): must be a list of distinct strings"); continue
                }
                let props = s["properties"] as? [String: Any] ?? [:]
                for n in names where props[n] == nil { problems.append("\(loc): \"\(n)\" is required but not in properties") }
            case "additionalProperties", "items", "propertyNames":
                sub(value, loc)
            case "enum":
                guard let e = value as? [Any], !e.isEmpty else { problems.append("\(loc): must be a non-empty array"); continue }
                for i in e.indices { for j in e.indices where j > i && Self.equal(e[i], e[j]) { problems.append("\(loc): \(Self.show(e[i])) twice") } }
            case "const":
                break
            case "minimum", "maximum":
                let k = Self.kind(of: value)
                if k != .integer && k != .number { problems.append("\(loc): must be a number") }
            case "pattern":
                if (value as? String).flatMap({ try? NSRegularExpression(pattern: $0) }) == nil {
                    problems.append("\(loc): not a regular expression")
                }
            case "anyOf", "oneOf":
                guard let a = value as? [Any], !a.isEmpty else { problems.append("\(loc): must be a non-empty array"); continue }
                for (i, b) in a.enumerated() { sub(b, "\(loc)/\(i)") }
            default:
                problems.append("\(loc): keyword \"\(key)\" has no lint rule")
            }
        }
        // A fixed object says what it always holds and allows nothing else.
        if s["properties"] != nil {
            if s["type"] as? String != "object" { problems.append("\(at): has properties but is not \"type\": \"object\"") }
            if s["required"] == nil { problems.append("\(at): has properties but no \"required\"") }
            if let extra = s["additionalProperties"], Self.kind(of: extra) == .boolean, !(extra as! NSNumber).boolValue {} else {
                problems.append("\(at): has properties but not \"additionalProperties\": false")
            }
        }
        if s["type"] as? String == "object", s["properties"] == nil, s["additionalProperties"] == nil, at != "#/$defs/evidence" {
            problems.append("\(at): an object with neither properties nor additionalProperties (only evidence is open)")
        }
    }
}

// MARK: - Tests

@Suite("JSON Schema of the report") struct JSONSchemaTests {
    static let schemaURL = repositoryRoot.appendingPathComponent("Sources/Reporting/flowdoctor.report-2.schema.json")
    static let fixtureDirectory = repositoryRoot.appendingPathComponent("Fixtures")

    static func validator() throws -> SchemaValidator { try SchemaValidator.load(schemaURL) }

    static func fixtures() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: fixtureDirectory.path)) ?? []
        return names.filter { $0.hasSuffix(".pcap") }.sorted()
    }

    static func corpus() -> [String] { CorpusTests.manifest().map(\.file) }

    /// The report exactly as the writer of record writes it, parsed back.
    static func document(_ paths: [String], options: OfflineAnalysis.Options = OfflineAnalysis.Options()) throws -> Any {
        let r = try OfflineAnalysis.run(paths: paths, options: options)
        return try JSONSerialization.jsonObject(with: Data(JSONReport.bytes(r)))
    }

    static func expectValid(_ doc: Any, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let errors = try validator().validate(doc)
        #expect(errors.isEmpty, "\(what): \(errors.count) schema violation(s):\n\(errors.prefix(25).joined(separator: "\n"))",
                sourceLocation: sourceLocation)
    }

    // (a) The schema itself.

    @Test("the schema is JSON, draft 2020-12, and uses only keywords the validator checks")
    func schemaIsWellFormed() throws {
        let data = try Data(contentsOf: Self.schemaURL)
        let doc = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(doc["$schema"] as? String == SchemaValidator.draft)
        #expect(doc["$id"] as? String == "https://flowdoctor.invalid/schemas/flowdoctor.report-2.schema.json")
        #expect((doc["title"] as? String)?.contains(Report.schemaID) == true)
        let problems = try Self.validator().lint()
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        // The main objects say what they are.
        let defs = try #require(doc["$defs"] as? [String: Any])
        for name in ["capture", "finding", "flow", "flowRef", "endpoint", "service", "counters", "flowTLS", "serviceTLS", "decodeCounter",
                     "summary", "limits", "thresholds", "generator"] {
            #expect((defs[name] as? [String: Any])?["description"] is String, "$defs/\(name) has a description")
        }
        #expect(doc["description"] is String)
    }

    @Test("the schema walk rejects keywords the validator does not know, and loose objects")
    func lintHasTeeth() throws {
        let bad: [String: Any] = [
            "$schema": SchemaValidator.draft,
            "type": "object",
            "properties": ["a": ["type": "string", "format": "date-time"], "b": ["$ref": "#/$defs/missing"],
                           "c": ["type": "object", "properties": ["x": ["type": "integer"]], "required": ["x", "y"]]],
            "required": ["a"],
            "additionalProperties": false,
            "minProperties": 1,
        ]
        let json = try JSONSerialization.jsonObject(with: JSONSerialization.data(withJSONObject: bad))
        let problems = try SchemaValidator(schema: json).lint().joined(separator: "\n")
        #expect(problems.contains("#/properties/a/format: keyword \"format\""))
        #expect(problems.contains("#/minProperties: keyword \"minProperties\""))
        #expect(problems.contains("#/properties/b/$ref"))
        #expect(problems.contains("#/properties/c/required: \"y\" is required but not in properties"))
        #expect(problems.contains("#/properties/c: has properties but not \"additionalProperties\": false"))
    }

    @Test("the schema's enums are the code's values")
    func enumsMatchTheCode() throws {
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: Self.schemaURL)) as? [String: Any])
        let defs = try #require(doc["$defs"] as? [String: Any])
        func values(_ name: String) -> [String] { ((defs[name] as? [String: Any])?["enum"] as? [String]) ?? [] }
        #expect(values("kind") == FindingKind.allCases.map(\.rawValue), "every FindingKind, in declaration order")
        #expect(values("severity") == Severity.allCases.map(\.rawValue))
        #expect(values("outcome") == HandshakeOutcome.allCases.map(\.rawValue))
        #expect(values("tlsStage") == (0...UInt8.max).compactMap { TLSSession.Stage(rawValue: $0)?.name })
        // CaptureFormat is not CaseIterable: this switch stops compiling when a format is added.
        func formatName(_ f: CaptureFormat) -> String {
            switch f { case .pcap, .pcapNanosecond, .pcapng, .unknown: f.rawValue }
        }
        let formats = [CaptureFormat.pcap, .pcapNanosecond, .pcapng, .unknown].map(formatName)
        let captureFile = try #require(defs["captureFile"] as? [String: Any])
        let format = try #require((captureFile["properties"] as? [String: Any])?["format"] as? [String: Any])
        #expect(format["enum"] as? [String] == formats)
        let counters = try #require(defs["counters"] as? [String: Any])
        #expect(Set(((counters["properties"] as? [String: Any]) ?? [:]).keys) == Set(WiresharkCounters.names))
        #expect(Set(counters["required"] as? [String] ?? []) == Set(WiresharkCounters.names))
        let top = try #require(doc["properties"] as? [String: Any])
        #expect((top["schema"] as? [String: Any])?["const"] as? String == Report.schemaID)
    }

    // (b) Every fixture's report.

    @Test("every fixture's report validates", arguments: fixtures())
    func fixture(_ name: String) throws {
        try Self.expectValid(Self.document([Self.fixtureDirectory.appendingPathComponent(name).path]), name)
    }

    @Test func enoughFixtures() { #expect(Self.fixtures().count >= 40) }

    @Test("reports with a filter, fractional thresholds, several files and a cut-off file validate")
    func optionalFields() throws {
        let fixtures = Self.fixtures()
        let a = Self.fixtureDirectory.appendingPathComponent(try #require(fixtures.first { $0.hasPrefix("tls12-ok") })).path
        let b = Self.fixtureDirectory.appendingPathComponent(try #require(fixtures.first { $0.hasPrefix("loss-retrans") })).path
        var options = OfflineAnalysis.Options(filter: "tcp")
        options.thresholds.synTimeoutSeconds = 2.5
        options.thresholds.stallSeconds = 0.125
        let filtered = try Self.document([a, b], options: options)
        try Self.expectValid(filtered, "filtered, two files")
        let capture = try #require((filtered as? [String: Any])?["capture"] as? [String: Any])
        #expect(capture["filter"] as? String == "tcp")

        // A file that stops in the middle of a packet: readError and truncated are written.
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: b)))
        bytes.removeLast(7)
        let cut = temporaryDirectory() + "/cut.pcap"
        try Data(bytes).write(to: URL(fileURLWithPath: cut))
        let truncated = try Self.document([cut])
        try Self.expectValid(truncated, "cut-off file")
        let file = try #require(((truncated as? [String: Any])?["capture"] as? [String: Any])?["files"] as? [[String: Any]]).first
        #expect(file?["readError"] is String)
    }

    @Test("the command line's JSON validates")
    func commandLine() throws {
        let path = Self.fixtureDirectory.appendingPathComponent(try #require(Self.fixtures().first { $0.hasPrefix("tls-protocol-version") })).path
        let r = try runFlowdoctor(["analyze", "--format", "json", path])
        #expect(r.status == 0 || r.status == 1, "stderr: \(r.stderr)")
        try Self.expectValid(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)), "flowdoctor analyze --format json")
    }

    // (c) Every corpus capture's report.

    @Test("every corpus capture's report validates", .enabled(if: corpusDirectory != nil, "needs ../shared/corpus"),
          arguments: corpus())
    func corpusCapture(_ file: String) throws {
        try Self.expectValid(Self.document([corpusDirectory!.appendingPathComponent(file).path]), file)
    }

    // (d) The validator has teeth.

    /// One change to a real report, and the path an error must name.
    struct Mutation: Sendable, CustomTestStringConvertible {
        enum Op: Sendable { case rename(String), set(json: String), remove }
        let at: String          // dotted path; numbers index arrays
        let op: Op
        let expect: String      // a substring some error must contain (its path, at least)
        let why: String
        var testDescription: String { why }

        init(_ why: String, at: String, _ op: Op, expect: String) { self.why = why; self.at = at; self.op = op; self.expect = expect }
    }

    /// A report with a finding about a flow, a flow with TLS and MSS, a service and ISO times.
    static func baseDocument() throws -> Any {
        let name = try #require(fixtures().first { $0.hasPrefix("tls-protocol-version-client") })
        return try document([fixtureDirectory.appendingPathComponent(name).path])
    }

    static func apply(_ m: Mutation, to doc: Any) throws -> Any {
        func step(_ v: Any, _ steps: ArraySlice<Substring>) throws -> Any {
            let s = String(steps.first!)
            let last = steps.count == 1
            if var o = v as? [String: Any] {
                if last {
                    switch m.op {
                    case .rename(let to): let value: Any = try #require(o[s], "\(m.at) exists"); o[s] = nil; o[to] = value
                    case .set(let json): o[s] = try JSONSerialization.jsonObject(with: Data(json.utf8), options: .fragmentsAllowed)
                    case .remove: let _: Any = try #require(o[s], "\(m.at) exists"); o[s] = nil
                    }
                } else {
                    let inner: Any = try #require(o[s], "\(m.at): \(s) exists"); o[s] = try step(inner, steps.dropFirst())
                }
                return o
            }
            var a = try #require(v as? [Any], "\(m.at): \(s) indexes an array")
            let i = try #require(Int(s).flatMap { a.indices.contains($0) ? $0 : nil }, "\(m.at): index \(s) exists")
            if last {
                switch m.op {
                case .set(let json): a[i] = try JSONSerialization.jsonObject(with: Data(json.utf8), options: .fragmentsAllowed)
                case .remove: a.remove(at: i)
                case .rename: Issue.record("cannot rename an array element")
                }
            } else {
                a[i] = try step(a[i], steps.dropFirst())
            }
            return a
        }
        let changed = try step(doc, m.at.split(separator: ".")[...])
        // Through bytes and back, so every value has the types JSONSerialization gives.
        return try JSONSerialization.jsonObject(with: JSONSerialization.data(withJSONObject: changed))
    }

    static let brokenCases: [Mutation] = [
        .init("a flow field renamed", at: "flows.0.clientBytes", .rename("clientByte"), expect: "$.flows[0].clientByte: unknown property"),
        .init("a renamed field is also missing", at: "flows.0.clientBytes", .rename("clientByte"),
              expect: "$.flows[0]: missing required property \"clientBytes\""),
        .init("a capture field renamed", at: "capture.snaplenCutPackets", .rename("snaplenCut"), expect: "$.capture.snaplenCut: unknown property"),
        .init("a nested TLS field renamed", at: "flows.0.tls.sni", .rename("serverName"), expect: "$.flows[0].tls.serverName: unknown property"),
        .init("a counter renamed", at: "flows.0.counters.zero_window", .rename("zeroWindow"), expect: "$.flows[0].counters.zeroWindow"),
        .init("a stray top-level field", at: "extra", .set(json: "1"), expect: "$.extra: unknown property"),
        .init("a stray field inside the nullable flow reference", at: "findings.0.flow.server.hostname", .set(json: "\"x\""),
              expect: "$.findings[0].flow.server.hostname: unknown property"),
        .init("a count as a string", at: "capture.packets", .set(json: "\"12\""), expect: "$.capture.packets: expected integer"),
        .init("an integer as a fraction", at: "limits.flows", .set(json: "1.5"), expect: "$.limits.flows: expected integer"),
        .init("a boolean as a number", at: "flows.0.historyTruncated", .set(json: "0"), expect: "$.flows[0].historyTruncated: expected boolean"),
        .init("a number as a boolean", at: "flows.0.clientPackets", .set(json: "true"), expect: "$.flows[0].clientPackets: expected integer"),
        .init("a time in nanoseconds as an ISO string", at: "findings.0.firstTime", .set(json: "\"2026-11-27T05:42:58.411166Z\""),
              expect: "$.findings[0].firstTime: expected integer"),
        .init("a double threshold as a string", at: "thresholds.stallSeconds", .set(json: "\"2\""), expect: "$.thresholds.stallSeconds: expected number"),
        .init("an array where an object belongs", at: "findings.0.evidence", .set(json: "[]"), expect: "$.findings[0].evidence: expected object"),
        .init("the flow reference as a string", at: "findings.0.flow", .set(json: "\"tcp\""), expect: "$.findings[0].flow: matches none of anyOf"),
        .init("an unknown finding kind", at: "findings.0.kind", .set(json: "\"tcp.made-up\""),
              expect: "$.findings[0].kind: \"tcp.made-up\" is not one of the"),
        .init("an unknown kind in a flow's findings", at: "flows.0.findings.0", .set(json: "\"tls.nope\""), expect: "$.flows[0].findings[0]"),
        .init("an unknown kind counted in the summary", at: "summary.byKind", .set(json: "{\"tls.nope\": 1}"),
              expect: "$.summary.byKind[\"tls.nope\"]: property name not allowed"),
        .init("an unknown severity", at: "findings.0.severity", .set(json: "\"fatal\""), expect: "$.findings[0].severity: \"fatal\" is not one of"),
        .init("an unknown handshake outcome", at: "flows.0.outcome", .set(json: "\"fine\""), expect: "$.flows[0].outcome"),
        .init("another schema version", at: "schema", .set(json: "\"flowdoctor.report/1\""), expect: "$.schema: expected \"flowdoctor.report/2\""),
        .init("a summary count missing", at: "summary.errors", .remove, expect: "$.summary: missing required property \"errors\""),
        .init("a finding without its flow (null must be written)", at: "findings.0.flow", .remove,
              expect: "$.findings[0]: missing required property \"flow\""),
        .init("a counter missing", at: "flows.0.counters.keep_alive", .remove, expect: "$.flows[0].counters: missing required property \"keep_alive\""),
        .init("the thresholds missing", at: "thresholds", .remove, expect: "$: missing required property \"thresholds\""),
        .init("a negative count", at: "flows.0.missedBytes", .set(json: "-1"), expect: "$.flows[0].missedBytes: -1 is below the minimum 0"),
        .init("a port out of range", at: "flows.0.server.port", .set(json: "70000"), expect: "$.flows[0].server.port: 70000 is above the maximum"),
        .init("frame numbers are 1-based", at: "findings.0.frames.0", .set(json: "0"), expect: "$.findings[0].frames[0]: 0 is below the minimum 1"),
        .init("an ISO time without its T and Z", at: "capture.firstTime", .set(json: "\"2026-11-27 05:42:58\""),
              expect: "$.capture.firstTime: \"2026-11-27 05:42:58\" does not match"),
    ]

    @Test("the unchanged base report validates (so every failure below is the change's)")
    func baseIsValid() throws {
        try Self.expectValid(Self.baseDocument(), "base report")
    }

    @Test("a broken report fails, naming the JSON path", arguments: brokenCases)
    func broken(_ m: Mutation) throws {
        let doc = try Self.apply(m, to: Self.baseDocument())
        let errors = try Self.validator().validate(doc)
        #expect(!errors.isEmpty, "\(m.why): no error")
        #expect(errors.contains { $0.contains(m.expect) }, "\(m.why): expected an error containing «\(m.expect)», got:\n\(errors.joined(separator: "\n"))")
        #expect(errors.allSatisfy { $0.hasPrefix("$") }, "every error starts with its JSON path: \(errors)")
    }

    static let allowedCases: [Mutation] = [
        .init("evidence is open: any member, any JSON value", at: "findings.0.evidence.somethingNew",
              .set(json: "{\"a\": [1, 2.5, \"x\", true, null], \"b\": {}}"), expect: ""),
        .init("a capture-wide finding has flow null", at: "findings.0.flow", .set(json: "null"), expect: ""),
        .init("a flow reference without a client", at: "findings.0.flow.client", .remove, expect: ""),
        .init("optional flow fields may be absent", at: "flows.0.tls", .remove, expect: ""),
        .init("an endpoint without a port", at: "flows.0.server.port", .remove, expect: ""),
        .init("a known kind counted in the summary", at: "summary.suppressed", .set(json: "{\"tcp.retransmissions\": 3}"), expect: ""),
        .init("a whole-number double is an integer", at: "limits.flows", .set(json: "1.0"), expect: ""),
        .init("a nanosecond ISO time", at: "capture.lastTime", .set(json: "\"2026-11-27T05:42:58.426432001Z\""), expect: ""),
    ]

    @Test("changes the format allows still validate", arguments: allowedCases)
    func allowedChange(_ m: Mutation) throws {
        try Self.expectValid(Self.apply(m, to: Self.baseDocument()), m.why)
    }
}
