// The read-and-decode loop alone, for Scripts/bench: libpcap reads each packet and the dissector
// decodes every layer; no flows, no detectors. What issue 2's speed target measures.
import PacketCapture
import PacketDecoding

var packets = 0, transport = 0
for path in CommandLine.arguments.dropFirst() {
    let file: OfflineFile
    do { file = try OfflineFile(path: path) } catch { print("fdbench: \(error)"); continue }
    let link = file.linkType
    file.forEach { record, _ in
        let p = Dissector.dissect(record.bytes, link: link)
        packets &+= 1
        if p.tcp != nil || p.udp != nil { transport &+= 1 }
    }
}
print("\(packets) packets, \(transport) with TCP or UDP")
