import FlowAnalysis
import PacketDecoding

/// Why an established connection was reset (tcp.reset.*): who sent it, in which phase, after
/// what, and whether its TTL / MAC / sequence say someone else did.
enum ResetCauses {
    static let catalog: [CauseInfo] = [
        CauseInfo("tcp.reset.abort/unanswered-request", "the server application failed on the request", raisedBy: "the server reset after the client's data with no response", ruledOutBy: "a response was sent"),
        CauseInfo("tcp.reset.abort/server-abort", "the server application closed the socket abortively", raisedBy: "the server reset an exchange in progress", ruledOutBy: "the client sent the RST"),
        CauseInfo("tcp.reset.abort/client-abort", "the client application gave up or closed abortively", raisedBy: "the client reset with data exchanged", ruledOutBy: "the server sent the RST"),
        CauseInfo("tcp.reset.abort/socket-gone", "the sender's socket no longer existed", raisedBy: "a RST with IP ID 0 (Linux, for a closed socket) while the sender's other packets count up", ruledOutBy: "a RST continuing the sender's IP ID sequence"),
        CauseInfo("tcp.reset.abort/unused", "an unused spare connection dropped by the client", raisedBy: "a client RST before any data", ruledOutBy: "data exchanged"),
        CauseInfo("tcp.reset.middlebox/forged", "a device on the path forged the RST", raisedBy: "the RST's TTL or source MAC differs from that endpoint's other packets, or it is out of window", ruledOutBy: "a RST matching the endpoint's fingerprint"),
        CauseInfo("tcp.reset.after-idle/state-timeout", "a NAT, firewall or load balancer forgot the idle connection", raisedBy: "a RST after idle above idleResetSeconds", ruledOutBy: "short idle"),
        CauseInfo("tcp.reset.after-close/abortive-close", "an abortive close (SO_LINGER 0 or data unread at close)", raisedBy: "a RST after a FIN", ruledOutBy: "no FIN before"),
    ]

    static func causes(_ x: RuleInput) -> [Cause] {
        guard let at = x.places, case .reset(let e)? = x.finding.facts else { return [] }
        let sender = e.sender.rawValue
        let host = sender == "client" ? at.onClient : at.onServer
        let ttl = " with TTL \(e.rstTTL)"
        let rst = "a RST from the \(sender) (\(x.frames)\(ttl))"
        let logs = Check(on: host, run: "journalctl --since '-1h' --no-pager | grep -i -E 'reset|abort|timeout|error' | tail -50")
        switch x.kind {
        case .resetMiddlebox:
            var why: [String] = []
            let range = e.senderTTLRange.map { $0.min == $0.max ? "\($0.min)" : "\($0.min)-\($0.max)" }
            if e.forgery.contains("ttl"), let range { why.append("its TTL \(e.rstTTL) differs from the \(sender)'s other packets (\(range))") }
            if e.forgery.contains("source-mac") {
                why.append("its source MAC \(e.rstSourceMAC?.description ?? "?") is not the \(sender)'s \(e.senderMAC?.description ?? "?")")
            }
            if e.forgery.contains("out-of-window") { why.append("its sequence number is outside the receiver's window") }
            let hopsAway: Int? = FlowVantage.hops(e.rstTTL)
            return [x.cause("forged", "a device on the path (a firewall, IPS or DPI box) forged this RST in the \(sender)'s name", .high,
                            because: [rst] + why + (hopsAway.map { ["it started \($0) hop\($0 == 1 ? "" : "s") before the capture point: look at the device that far away"] } ?? []),
                            checks: [at.traceroute(), Check(on: "each firewall or IPS between \(at.client) and \(at.server)", run: "grep -i reset <its log of blocked sessions>")])]
        case .resetAfterIdle:
            let idle = e.idleBeforeSeconds
            return [x.cause("state-timeout", "a NAT, firewall or load balancer between the two dropped the connection's state after \(RuleInput.seconds(idle)) idle; the \(sender == "client" ? "server" : "client")'s next packet then drew a RST", .medium,
                            because: ["\(rst) after \(RuleInput.seconds(idle)) with no packet either way"],
                            checks: [Check(on: "the firewall or NAT between them", run: "sysctl net.netfilter.nf_conntrack_tcp_timeout_established"),
                                     Check(on: at.onClient, run: "sysctl net.ipv4.tcp_keepalive_time")],
                            tellApart: "a RST whose TTL matches the \(sender)'s own packets came from the \(sender), whose socket was closed by its own idle timeout")]
        case .resetAfterClose:
            return [x.cause("abortive-close", "the \(sender) closed abortively (SO_LINGER 0, or unread data at close): usually harmless", .high, because: [rst + " after its FIN"])]
        default:
            let cb = Int(e.clientBytesBefore), sb = Int(e.serverBytesBefore)
            // Reset while the peer's window was shut: the sender gave up waiting to send.
            if let shut = e.peerWindowClosedSeconds, cb + sb > 0 {
                let peer = sender == "client" ? "server" : "client"
                return [x.cause("\(sender)-abort", "the \(sender) gave up after the \(peer)'s receive window had been shut for \(RuleInput.seconds(shut)) (a send timeout in its application): the zero window caused this reset", .high,
                                because: [rst + " while the \(peer)'s window had been zero for \(RuleInput.seconds(shut))" + (e.peerWindowClosedFrame.map { " (since frame \($0))" } ?? "")],
                                checks: [Check(on: sender == "client" ? at.onServer : at.onClient, run: "ss -tnp '\(sender == "client" ? "sport" : "dport") = :\(at.port)'")])]
            }
            // Linux answers for a socket that no longer exists with IP ID 0, unlike its own packets.
            if e.rstIPID == 0, e.rstIPIDInSequence == false || (e.senderLastIPID ?? 0) != 0,
               cb + sb > 0 {
                return [x.cause("socket-gone", "the \(sender) no longer had this connection: its kernel answered the peer's next segment with a RST. Its application exited or closed the socket, or an earlier reset (possibly forged by a middlebox) had already torn it down on that side", .medium,
                                because: [rst + " with IP ID 0, as Linux sends for a socket that is gone, while the \(sender)'s other packets count up from \(e.senderLastIPID ?? 0)"],
                                checks: [logs, Check(on: host, run: "ss -tnp state all '( sport = :\(sender == "client" ? String(at.clientPort ?? 0) : at.port) )'")],
                                tellApart: "a capture on the \(sender)'s side shows whether a RST reached it first (a middlebox) or its application closed")]
            }
            if sender == "client" && cb + sb == 0 {
                return [x.cause("unused", "an unused spare connection (a browser or pool opened it and closed it unused): not a failure", .high, because: [rst + " before any data"])]
            }
            if sender == "server" && cb > 0 && sb == 0 {
                return [x.cause("unanswered-request", "the server application failed on the request: it crashed, was killed, hit a limit, or a proxy/WAF in front refused it", .medium,
                                because: [rst + " after \(cb) bytes from the client and none back"],
                                checks: [logs, Check(on: at.onServer, run: "ss -tnp 'sport = :\(at.port)'")])]
            }
            // A RST out of a quiet connection is no mid-exchange abort: the sender's own idle limit.
            let idle = e.idleBeforeSeconds
            let quiet = idle >= 5 ? " after \(RuleInput.seconds(idle)) with no packet either way" : ""
            let because = [rst + quiet + " after \(cb) bytes from the client and \(sb) from the server"]
            if sender == "server" {
                return [x.cause("server-abort", idle >= 5
                                    ? "the server application closed the idle connection abortively after \(RuleInput.seconds(idle)): its own idle or keep-alive limit closing with SO_LINGER 0, or a restart"
                                    : "the server application closed the socket abortively mid-exchange (crash, restart, a timeout of its own, or unread data at close)", .medium,
                                because: because, checks: [logs])]
            }
            return [x.cause("client-abort", idle >= 5
                                ? "the client application closed the idle connection abortively after \(RuleInput.seconds(idle)): its own idle or pool limit closing with SO_LINGER 0, or the application exiting"
                                : "the client application gave up (its own timeout or a user cancel) and closed abortively", .medium,
                            because: because, checks: [logs])]
        }
    }
}
