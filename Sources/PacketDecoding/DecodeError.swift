/// Why a layer could not be decoded. Truncation (the capture's snaplen or a cut file) and
/// malformation (the sender's fault) are kept apart: they mean different things to the user.
public enum DecodeError: Error, Equatable, Sendable {
    case truncated(Layer, needed: Int, have: Int)
    case malformed(Layer, Reason)

    public var layer: Layer {
        switch self { case .truncated(let l, _, _), .malformed(let l, _): return l }
    }

    public enum Layer: UInt8, Sendable, CaseIterable {
        case link, ethernet, vlan, sll, sll2, null, ipv4, ipv6, ipv6Ext, tcp, tcpOption, udp
        case icmpv4, icmpv6, arp, tls, dns
        // Appended so existing raw values (counter indexes) stay put.
        case gre, vxlan, erspan, tunnel

        public var name: String {
            switch self {
            case .link: "link"
            case .ethernet: "ethernet"
            case .vlan: "vlan"
            case .sll: "sll"
            case .sll2: "sll2"
            case .null: "null"
            case .ipv4: "ipv4"
            case .ipv6: "ipv6"
            case .ipv6Ext: "ipv6-ext"
            case .tcp: "tcp"
            case .tcpOption: "tcp-option"
            case .udp: "udp"
            case .icmpv4: "icmp"
            case .icmpv6: "icmpv6"
            case .arp: "arp"
            case .tls: "tls"
            case .dns: "dns"
            case .gre: "gre"
            case .vxlan: "vxlan"
            case .erspan: "erspan"
            case .tunnel: "tunnel"
            }
        }
    }

    public enum Reason: UInt8, Sendable, CaseIterable {
        case badVersion, headerTooShort, totalLessThanHeader, optionLength, badDataOffset
        case badLength, unknownFamily, extensionChainTooLong, badHardwareType, vlanTooDeep
        case badContentType, recordTooLong, zeroLength, tunnelTooDeep
        // TLS handshake messages (appended: raw values index counters).
        case vectorLength, extensionLength, trailingBytes, duplicateExtension
        // RFC 1122 3.2.2 / RFC 4443 2.4(e): no ICMP error may be sent about an ICMP error.
        case errorAboutError

        public var name: String {
            switch self {
            case .badVersion: "bad-version"
            case .headerTooShort: "header-too-short"
            case .totalLessThanHeader: "total-length-less-than-header"
            case .optionLength: "bad-option-length"
            case .badDataOffset: "bad-data-offset"
            case .badLength: "bad-length"
            case .unknownFamily: "unknown-address-family"
            case .extensionChainTooLong: "extension-chain-too-long"
            case .badHardwareType: "bad-hardware-type"
            case .vlanTooDeep: "vlan-stack-too-deep"
            case .badContentType: "bad-content-type"
            case .recordTooLong: "record-too-long"
            case .zeroLength: "zero-length"
            case .tunnelTooDeep: "tunnel-nesting-too-deep"
            case .vectorLength: "bad-vector-length"
            case .extensionLength: "bad-extension-length"
            case .trailingBytes: "trailing-bytes"
            case .duplicateExtension: "duplicate-extension"
            case .errorAboutError: "error-about-icmp-error"
            }
        }
    }
}
