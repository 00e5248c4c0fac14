import Diagnosis
import FlowdoctorCore
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Reporting
import TestSupport
import Testing

/// chromium (Debian) or chromium-browser on PATH, for the screenshot test.
let chromiumPath: String? = ((ProcessInfo.processInfo.environment["PATH"] ?? "") + ":/usr/bin").split(separator: ":")
    .flatMap { dir in ["chromium", "chromium-browser"].map { "\(dir)/\($0)" } }
    .first { FileManager.default.isExecutableFile(atPath: $0) }

/// The HTML report: well-formed, self-contained, charts with data, and nothing from a packet or a
/// file that reaches the page unescaped.
@Suite("HTML report") struct HTMLReportTests {
    static func fixture(_ name: String) -> String { repositoryRoot.appendingPathComponent("Fixtures/\(name).pcap").path }

    static let fixtures = [
        "loss-retrans-client", "tls12-ok-client", "refused-client", "syn-dropped-client", "dns-nxdomain-client",
        "pmtud-blackhole-client", "tls-unknown-ca-client", "zero-window-server", "ipfrag-v6-missing-client",
    ]

    static func render(_ names: [String]) throws -> String {
        HTMLReport.render(try OfflineAnalysis.run(paths: names.map(fixture)))
    }

    @Test("fixture reports are well-formed and self-contained", arguments: fixtures)
    func wellFormed(_ name: String) throws {
        let html = try Self.render([name])
        let problems = Markup.problems(html)
        #expect(problems.count == 0, "\(problems.prefix(10))")
        #expect(Markup.selfContainedProblems(html).isEmpty, "\(Markup.selfContainedProblems(html))")
        try Markup.parseAsXML(html)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        for id in ["diagnosis", "services", "charts", "fig-chart-timeline", "fig-chart-rtt", "fig-chart-retrans"] {
            #expect(html.contains("id=\"\(id)\""), "section \(id)")
        }
    }

    @Test("charts carry the fixtures' data") func chartsHaveData() throws {
        let loss = try Self.render(["loss-retrans-client"])
        #expect(loss.contains("<svg id=\"chart-timeline\""))
        #expect(Markup.count("class=\"mark\"", in: loss) > 0)
        #expect(loss.contains("<svg id=\"chart-retrans\""))
        #expect(Markup.count("class=\"rbar\"", in: loss) > 0)
        #expect(loss.contains("tcp.retransmissions"))
        // The timeline's bucket edges are labelled.
        for label in [">10 ms<", ">20 ms<", ">640 ms<", ">1.28 s<", ">163.84 s<"] { #expect(loss.contains(label), "\(label)") }

        let tls = try Self.render(["tls12-ok-client"])
        #expect(tls.contains("<svg id=\"chart-rtt\""))
        #expect(Markup.count("class=\"hbar\"", in: tls) > 0)
        #expect(tls.contains("No retransmissions to chart"))

        let refused = try Self.render(["refused-client"])
        #expect(refused.contains("refused ("))
        #expect(Markup.count("fill=\"#c62828\" fill-opacity", in: refused) > 0, "a refused mark in the timeline")
        #expect(refused.contains("tcp.handshake.refused"))
        #expect(refused.contains("Connection refused"))
        #expect(refused.contains("<details>"))

        let dns = try Self.render(["dns-nxdomain-client"])
        #expect(dns.contains("No handshakes to chart"))
        #expect(!dns.contains("<svg id=\"chart-rtt\""))

        #if canImport(FoundationXML)
        // Every chart has a title and a description a screen reader (or a diff) can use.
        for html in [loss, tls] {
            let doc = try XMLDocument(xmlString: html, options: [])
            for id in ["chart-timeline", "chart-rtt", "chart-retrans"] where html.contains("<svg id=\"\(id)\"") {
                let desc = try doc.nodes(forXPath: "//*[@id='\(id)-desc']").first?.stringValue ?? ""
                let title = try doc.nodes(forXPath: "//*[@id='\(id)-title']").first?.stringValue ?? ""
                #expect(desc.count > 20 && !title.isEmpty, "\(id)")
                #expect(try !doc.nodes(forXPath: "//*[@id='fig-\(id)']/*[local-name()='figcaption']").isEmpty, "\(id)")
            }
        }
        #endif
    }

    @Test("a card holds findings of one kind and one first cause: four different TLS alerts are four cards, with the likely cause and its command")
    func cardsByFirstCause() throws {
        let r = try OfflineAnalysis.run(paths: ["tls-protocol-version-client", "tls-unknown-ca-client", "tls12-handshake-failure-client",
                                                "tls13-client-cert-required-client"].map(Self.fixture))
        let alerts = r.findings.filter { $0.kind == .tlsAlert }
        #expect(Set(alerts.compactMap { $0.causes.first?.id }).count == 4)
        let html = HTMLReport.render(r)
        #expect(Markup.count("<article class=\"group error\"", in: html) >= 4)
        for a in alerts {
            let c = try #require(a.causes.first)
            #expect(html.contains("<strong>Likely:</strong> \(HTMLReport.escape(c.text))"), "\(c.id)")
        }
        #expect(html.contains("<strong>Check first:</strong> on the client (10.99.1.2): <code>openssl s_client -connect 10.99.2.2:"))
        // The same kind with the same first cause shares a card.
        func cards(_ fs: [Finding]) -> Int {
            var q = r
            q.findings = fs
            return Markup.count("<article class=\"group ", in: HTMLReport.render(q))
        }
        var twin = try #require(alerts.first)
        twin.flow?.client?.port = 50_000
        #expect(cards([alerts[0], twin]) == 1)
        twin.causes = [Cause("tls.alert/other-alert", "another cause", .low, because: ["a test"])]
        #expect(cards([alerts[0], twin]) == 2)
    }

    @Test("a report without flows or findings says so") func emptyStates() throws {
        var r = try OfflineAnalysis.run(paths: [Self.fixture("refused-client")])
        r.flows = []
        r.findings = []
        r.services = []
        let html = HTMLReport.render(r)
        for s in ["No findings", "No flows to chart", "No handshakes to chart", "No retransmissions to chart", "No TCP connection attempts"] {
            #expect(html.contains(s), "\(s)")
        }
        #expect(!html.contains("<svg"))
        #expect(Markup.problems(html).count == 0, "\(Markup.problems(html).prefix(10))")
        try Markup.parseAsXML(html)
    }

    @Test("escape makes control characters visible and HTML inert") func escapeFunction() {
        #expect(HTMLReport.escape("a<b>&\"'\u{0}\u{1b}\u{202e}\u{fffe}\\z") == "a&lt;b&gt;&amp;&quot;&#39;\\u{0}\\u{1b}\\u{202e}\\u{fffe}\\\\z")
        #expect(HTMLReport.escape("plain ü 😀 → text") == "plain ü 😀 → text")
    }

    static let hostile = "<script>alert(1)</script>\"onmouseover=alert(2) x='y' &amp; nul\u{0} esc\u{1b}[31m https://evil.example/x end"

    /// A report whose strings from packets and files are all hostile.
    static func hostileReport() throws -> Report {
        let h = hostile
        var r = try OfflineAnalysis.run(paths: [fixture("tls12-ok-client")])
        r.generator.version = h
        r.capture.files[0].path = "/captures/" + h + ".pcap"
        r.capture.files[0].truncated = true
        r.capture.files[0].readError = h
        r.capture.filter = h
        r.capture.protocols[h] = 1
        r.summary.suppressed[h] = 2
        let flow = FlowRef(transport: "tcp", client: Endpoint(ip: h, port: 1), server: Endpoint(ip: h, port: 443))
        r.findings.append(Finding(kind: .tlsAlert, severity: .error, summary: h, frames: [1, 2, 3],
                                  firstTime: r.flows.first?.firstTime ?? 0, lastTime: r.flows.first?.lastTime ?? 0,
                                  evidence: ["sni": .string(h), "nested": .array([.string(h), .object([h: .string(h)])]), h: .int(1)],
                                  causes: [Cause(h, h, .high, because: [h], checks: [Check(on: h, run: "run `" + h + "` first")], tellApart: h)],
                                  filter: h, flow: flow))
        let i = try #require(r.flows.firstIndex { $0.tls != nil }, "the fixture has a TLS flow")
        r.flows[i].tls!.sni = h
        r.flows[i].tls!.alerts = [h]
        r.flows[i].server.ip = h
        r.flows[i].client.ip = h
        r.flows[i].history = h
        r.flows[i].outcome = h
        r.flows[i].counters.retransmission = 3
        r.flows[i].retransmissionTimeline = [1, 0, 2] + [Int](repeating: 0, count: 13)
        let s = try #require(r.services.firstIndex { $0.transport == "tcp" })
        r.services[s].endpoint = h
        r.services[s].failed[h] = 1
        r.services[s].resets[h] = 1
        r.services[s].tls?.serverNames = [h]
        return r
    }

    @Test("hostile strings from packets and files are escaped everywhere") func hostileStrings() throws {
        let html = HTMLReport.render(try Self.hostileReport())
        #expect(!html.contains("<script>alert"))
        #expect(Markup.count("<script", in: html) == 1, "only the page's own script")
        #expect(!html.contains("\"onmouseover"))
        #expect(!html.contains("'y'"))
        #expect(!html.contains("\u{0}") && !html.contains("\u{1b}"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;onmouseover=alert(2) x=&#39;y&#39; &amp;amp; nul\\u{0} esc\\u{1b}[31m"))
        // A check's `command` becomes <code> around text that is already escaped.
        #expect(html.contains("<strong>Check first:</strong> on &lt;script&gt;alert(1)&lt;/script&gt;&quot;onmouseover="))
        #expect(html.contains(": <code>run `&lt;script&gt;alert(1)&lt;/script&gt;&quot;onmouseover="))
        let problems = Markup.problems(html)
        #expect(problems.count == 0, "\(problems.prefix(10))")
        #expect(Markup.selfContainedProblems(html).isEmpty, "\(Markup.selfContainedProblems(html))")
        try Markup.parseAsXML(html)
        // The SNI made it into SVG text, as text.
        let retrans = try #require(html.range(of: "<svg id=\"chart-retrans\"").map { String(html[$0.lowerBound...]) })
        let svg = String(retrans[..<(retrans.range(of: "</svg>")?.upperBound ?? retrans.endIndex)])
        #expect(svg.contains("&lt;script&gt;alert(1)"))
        #expect(svg.contains(": 3 retransmissions (Wireshark counts 3)") && svg.contains(">2</text>"), "the hostile flow's row and bars")
        #if canImport(FoundationXML)
        let doc = try XMLDocument(xmlString: html, options: [])
        let text = try doc.nodes(forXPath: "//*[@id='chart-retrans']").first?.stringValue ?? ""
        #expect(text.contains(TextEscape.line(Self.hostile)), "parsed back, the visible form of the string is plain text")
        let scripts = try doc.nodes(forXPath: "//*[local-name()='script']")
        #expect(scripts.count == 1)
        #endif
    }

    @Test("chromium renders the page", .enabled(if: chromiumPath != nil, "needs chromium or chromium-browser on PATH (Debian package chromium)"),
          .timeLimit(.minutes(3)))
    func screenshot() throws {
        let html = try Self.render(["loss-retrans-client", "tls12-ok-client", "refused-client", "syn-dropped-client"])
        let dir = temporaryDirectory("html-report")
        let page = dir + "/report.html", png = dir + "/report.png"
        try Data(html.utf8).write(to: URL(fileURLWithPath: page))
        let log = dir + "/chromium.log"
        guard let status = try Chromium.run(["--hide-scrollbars", "--screenshot=\(png)", "--window-size=1280,2000",
                                             URL(fileURLWithPath: page).absoluteString], in: dir, output: log, errors: true) else { return }
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(status == 0, "chromium exited with \(status): \(output.suffix(2000))")
        let data = try #require(FileManager.default.contents(atPath: png), "no screenshot; chromium said: \(output.suffix(2000))")
        #expect(Array(data.prefix(8)) == [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], "a PNG")
        #expect(data.count > 20_000, "the screenshot has content (\(data.count) bytes)")
    }
}

/// The incident cards' ladder diagrams, rendered by Chromium and measured in its DOM.
@Suite("HTML ladders") struct HTMLLadderTests {
    @Test("each incident card draws its key flow: the packets as arrows, the failing one marked, every label inside the picture",
          .enabled(if: chromiumPath != nil, "needs chromium or chromium-browser on PATH (Debian package chromium)"), .timeLimit(.minutes(3)))
    func ladders() throws {
        let paths = ["refused-client", "tls12-cert-expired-alert-client", "tls-server-silent-after-hello-client"].map(HTMLReportTests.fixture)
        // ARP left out: each lab run has its own MACs, so captures read together claim conflicts.
        let options = OfflineAnalysis.Options(filter: "not arp")
        let r = try OfflineAnalysis.run(paths: paths, options: options)
        let ladders = try OfflineAnalysis.ladders(paths: paths, options: options, report: r)
        #expect(ladders.count == 3 && r.incidents.count == 3, "\(r.incidents.map(\.title))")
        var html = HTMLReport.render(r, ladders: ladders)
        #expect(Markup.problems(html).isEmpty && Markup.selfContainedProblems(html).isEmpty)
        // Measured after layout: rungs, the failing labels, and whether each label fits the picture.
        let probe = """
            <script>
            const out = [...document.querySelectorAll('article.incident')].map(a => {
              const s = a.querySelector('svg.ladder');
              if (!s) return {id: a.id, rungs: 0};
              const w = s.viewBox.baseVal.width;
              return {id: a.id, rungs: s.querySelectorAll('g.rung').length,
                      failing: [...s.querySelectorAll('g.rung.failing text.label')].map(t => t.textContent),
                      fits: [...s.querySelectorAll('text')].every(t => { const b = t.getBBox(); return b.width > 0 && b.x >= 0 && b.x + b.width <= w; }),
                      shown: s.getBoundingClientRect().height > 40};
            });
            document.body.setAttribute('data-ladders', JSON.stringify(out));
            </script>
            """
        html = html.replacingOccurrences(of: "</body>", with: probe + "</body>")
        let dir = temporaryDirectory("html-ladder")
        let page = dir + "/report.html"
        try Data(html.utf8).write(to: URL(fileURLWithPath: page))
        let outFile = dir + "/dom.html"
        guard try Chromium.run(["--virtual-time-budget=2000", "--dump-dom", URL(fileURLWithPath: page).absoluteString],
                               in: dir, output: outFile, errors: false) != nil else { return }
        let dom = (try? String(contentsOfFile: outFile, encoding: .utf8)) ?? ""
        let attr = try #require(dom.range(of: "data-ladders=\""), "no measurement in the DOM: \(dom.prefix(500))")
        let rest = dom[attr.upperBound...]
        let json = String(rest[..<rest.firstIndex(of: "\"")!]).replacingOccurrences(of: "&quot;", with: "\"")
            .replacingOccurrences(of: "&amp;", with: "&")
        let cards = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
        #expect(cards.count == r.incidents.count)
        for c in cards {
            #expect((c["rungs"] as? Int ?? 0) >= 2 && c["fits"] as? Bool == true && c["shown"] as? Bool == true, "\(c)")
            #expect((c["failing"] as? [String])?.count == 1, "one failing step marked: \(c)")
        }
        let failing = cards.flatMap { $0["failing"] as? [String] ?? [] }
        #expect(failing.contains { $0.hasPrefix("✗ RST-ACK") }, "the refusal's RST is the failing step: \(failing)")
    }
}

/// Headless Chromium with its profile, caches and crash dumps in `dir`: standard output (and, with
/// `errors`, standard error) to `output`. nil (an issue recorded) when it runs past two minutes.
enum Chromium {
    static func run(_ args: [String], in dir: String, output: String, errors: Bool) throws -> Int32? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: chromiumPath!)
        p.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage",
                       "--user-data-dir=\(dir)/profile"] + args
        var env = ProcessInfo.processInfo.environment
        env["HOME"] = dir; env["XDG_CONFIG_HOME"] = dir + "/config"; env["XDG_CACHE_HOME"] = dir + "/cache"
        p.environment = env
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        defer { try? handle.close() }
        p.standardOutput = handle
        p.standardError = errors ? handle : FileHandle.nullDevice
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(120)
        while p.isRunning && Date() < deadline { usleep(100_000) }
        if p.isRunning {
            p.terminate(); p.waitUntilExit()
            Issue.record("chromium did not finish within 120 s")
            return nil
        }
        return p.terminationStatus
    }
}

/// A small checker for the markup the HTML report emits (HTML5 written as well-formed XML).
enum Markup {
    static let voidElements: Set<String> = ["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"]

    struct Tag {
        var name: String
        var closing: Bool
        var attributes: [(name: String, value: String)]
        /// Text of a <style> or <script> element.
        var rawText: String?
    }

    static func count(_ needle: String, in s: String) -> Int { s.components(separatedBy: needle).count - 1 }

    /// Parses the document into tags; problems: unbalanced or crossed tags, a `<` or `>` that is not
    /// markup, an `&` that is not an entity, unquoted attributes.
    static func scan(_ html: String) -> (tags: [Tag], problems: [String]) {
        let b = Array(html.utf8)
        var tags: [Tag] = [], problems: [String] = [], stack: [String] = []
        var i = 0
        func starts(_ s: String, at k: Int) -> Bool {
            let u = Array(s.utf8)
            return k + u.count <= b.count && Array(b[k..<(k + u.count)]).map { $0 | (($0 >= 0x41 && $0 <= 0x5a) ? 0x20 : 0) } == u
        }
        func find(_ s: String, from k: Int) -> Int? {
            var j = k
            while j < b.count { if starts(s, at: j) { return j }; j += 1 }
            return nil
        }
        func isNameByte(_ c: UInt8) -> Bool { (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c == 0x2d || c == 0x3a || c == 0x5f }
        func str(_ a: Int, _ z: Int) -> String { String(decoding: b[a..<z], as: UTF8.self) }
        while i < b.count {
            let c = b[i]
            if c == 0x3c { // <
                if starts("<!--", at: i) { i = (find("-->", from: i) ?? b.count - 3) + 3; continue }
                if starts("<!", at: i) { i = (find(">", from: i) ?? b.count - 1) + 1; continue }
                var j = i + 1
                let closing = j < b.count && b[j] == 0x2f
                if closing { j += 1 }
                let nameStart = j
                while j < b.count && isNameByte(b[j]) { j += 1 }
                let name = str(nameStart, j).lowercased()
                if name.isEmpty { problems.append("stray < at \(i)"); i += 1; continue }
                var attributes: [(String, String)] = []
                var selfClosing = false
                while j < b.count && b[j] != 0x3e {
                    if b[j] == 0x20 || b[j] == 0x0a || b[j] == 0x09 { j += 1; continue }
                    if b[j] == 0x2f { selfClosing = true; j += 1; continue }
                    let a = j
                    while j < b.count && isNameByte(b[j]) { j += 1 }
                    if a == j { problems.append("bad attribute in <\(name)> at \(j)"); j += 1; continue }
                    let attr = str(a, j).lowercased()
                    guard j < b.count, b[j] == 0x3d, j + 1 < b.count, b[j + 1] == 0x22 else {
                        problems.append("attribute \(attr) of <\(name)> without a quoted value"); continue
                    }
                    j += 2
                    let v = j
                    while j < b.count && b[j] != 0x22 { if b[j] == 0x3c { problems.append("< in attribute \(attr)") }; j += 1 }
                    attributes.append((attr, str(v, j)))
                    j += 1
                }
                if closing {
                    if let top = stack.last, top == name { stack.removeLast() } else {
                        problems.append("</\(name)> closes <\(stack.last ?? "nothing")> at \(i)")
                        if let k = stack.lastIndex(of: name) { stack.removeSubrange(k...) }
                    }
                    tags.append(Tag(name: name, closing: true, attributes: attributes))
                    i = j + 1
                    continue
                }
                var tag = Tag(name: name, closing: false, attributes: attributes)
                i = j + 1
                if voidElements.contains(name) { if !selfClosing { problems.append("<\(name)> not self-closed (XML)") } }
                else if !selfClosing { stack.append(name) }
                if (name == "script" || name == "style") && !selfClosing {
                    let end = find("</\(name)", from: i) ?? b.count
                    tag.rawText = str(i, end)
                    if tag.rawText!.contains("<") || tag.rawText!.contains("&") { problems.append("< or & inside <\(name)>") }
                    i = end
                }
                tags.append(tag)
                continue
            }
            if c == 0x3e { problems.append("stray > at \(i)") }
            if c == 0x26 { // &
                var j = i + 1
                while j < b.count && j - i < 12 && b[j] != 0x3b { j += 1 }
                let entity = j < b.count ? str(i, j + 1) : ""
                let ok = ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"].contains(entity)
                    || (entity.hasPrefix("&#") && entity.dropFirst(2).dropLast().allSatisfy(\.isNumber) && entity.count > 3)
                if !ok { problems.append("& that is not an entity at \(i): \(str(i, min(b.count, i + 12)))") }
            }
            i += 1
        }
        if !stack.isEmpty { problems.append("unclosed: \(stack)") }
        return (tags, problems)
    }

    static func problems(_ html: String) -> [String] {
        let s = scan(html)
        var p = s.problems
        // Attribute values are escaped text too.
        for t in s.tags { for a in t.attributes where a.value.contains("&") && !a.value.contains(";") { p.append("& in \(t.name).\(a.name)") } }
        if !s.tags.contains(where: { $0.name == "html" }) { p.append("no <html>") }
        return p
    }

    /// Nothing fetched: no external references in any tag, style or script; text may mention URLs.
    static func selfContainedProblems(_ html: String) -> [String] {
        var p: [String] = []
        for t in scan(html).tags where !t.closing {
            if ["link", "img", "iframe", "object", "embed", "base", "audio", "video", "source", "image", "use", "foreignobject"].contains(t.name) {
                p.append("<\(t.name)>")
            }
            for a in t.attributes {
                let v = a.value.lowercased()
                if a.name == "src" || a.name.hasPrefix("on") || a.name.hasSuffix("href") && !v.hasPrefix("#") { p.append("\(t.name) \(a.name)=\(a.value)") }
                // Attributes that load or navigate; other attributes (title, aria-…) are escaped text.
                let loads = ["href", "xlink:href", "src", "srcset", "action", "formaction", "poster", "data", "background", "ping", "style"]
                if a.name == "http-equiv" { p.append("<\(t.name) http-equiv>") }
                if loads.contains(a.name), v.contains("http:") || v.contains("https:") || v.contains("//") || v.contains("url(") || v.contains("javascript:") {
                    p.append("reference in \(t.name) \(a.name)=\(a.value)")
                }
            }
            if let raw = t.rawText?.lowercased() {
                for bad in ["http:", "https:", "@import", "url(", "//", "fetch(", "xmlhttprequest", "import("] where raw.contains(bad) {
                    p.append("\(bad) in <\(t.name)>")
                }
            }
        }
        if html.lowercased().contains("<script src") { p.append("<script src") }
        return p
    }

    /// A strict XML parser must accept the page (when FoundationXML is available).
    static func parseAsXML(_ html: String) throws {
        #if canImport(FoundationXML)
        let doc = try XMLDocument(xmlString: html, options: [])
        #expect(doc.rootElement()?.name == "html")
        #endif
    }
}
