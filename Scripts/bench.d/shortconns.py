#!/usr/bin/env python3
"""Writes N short TCP connections (Ethernet pcap): 2,000 clients, 8 servers, 1,000 new connections a
second, each a handshake, a 200-byte request, a 1,200-byte response and a FIN exchange (9 packets).
One in 50 is refused (SYN, RST) and one in 100 goes unanswered (SYN and a retry), as a busy
network's mix. Usage: shortconns.py FILE N"""
import struct, sys


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(f"!{len(b)//2}H", b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


ETH_C = bytes.fromhex("020000000002020000000001") + b"\x08\x00"
ETH_S = bytes.fromhex("020000000001020000000002") + b"\x08\x00"
SYN, ACK, PSH, FIN, RST = 0x02, 0x10, 0x08, 0x01, 0x04


def main(path, n):
    t0 = 1_700_000_000 * 1_000_000
    events = []  # (time µs, order, frame)
    req, resp = b"G" * 200, b"R" * 1200
    for i in range(n):
        c = bytes([10, 20 + i % 2000 // 250, i % 250 + 1, 1])
        s = bytes([10, 99, 0, 1 + i % 8])
        sport, dport = 1024 + (i // 2000) % 60000, 443 if i % 2 else 80
        isn, sisn = (i * 2654435761) & 0xffffffff, (i * 40503 + 7) & 0xffffffff
        t = t0 + i * 1000
        ipid = [i & 0xffff, (i * 7) & 0xffff]

        def pkt(dt, from_client, flags, seq, ack, data=b"", opts=b""):
            src, dst = (c, s) if from_client else (s, c)
            sp, dp = (sport, dport) if from_client else (dport, sport)
            tcp = struct.pack("!HHIIBBHHH", sp, dp, seq & 0xffffffff, ack & 0xffffffff, (5 + len(opts) // 4) << 4,
                              flags, 64240, 0, 0) + opts + data
            k = 0 if from_client else 1
            ipid[k] = (ipid[k] + 1) & 0xffff
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), ipid[k], 0x4000, 64, 6, 0, src, dst)
            ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
            events.append((t + dt, len(events), (ETH_C if from_client else ETH_S) + ip + tcp))

        mss = bytes([2, 4, 5, 0xb4])
        if i % 50 == 7:
            pkt(0, True, SYN, isn, 0, opts=mss)
            pkt(150, False, RST | ACK, 0, isn + 1)
            continue
        if i % 100 == 13:
            pkt(0, True, SYN, isn, 0, opts=mss)
            pkt(1_000_000, True, SYN, isn, 0, opts=mss)
            continue
        rtt = 200 + i % 300
        pkt(0, True, SYN, isn, 0, opts=mss)
        pkt(rtt, False, SYN | ACK, sisn, isn + 1, opts=mss)
        pkt(2 * rtt, True, ACK, isn + 1, sisn + 1)
        pkt(2 * rtt + 20, True, PSH | ACK, isn + 1, sisn + 1, req)
        pkt(3 * rtt + 500, False, PSH | ACK, sisn + 1, isn + 201, resp)
        pkt(4 * rtt + 500, True, ACK, isn + 201, sisn + 1201)
        pkt(4 * rtt + 600, True, FIN | ACK, isn + 201, sisn + 1201)
        pkt(5 * rtt + 600, False, FIN | ACK, sisn + 1201, isn + 202)
        pkt(6 * rtt + 600, True, ACK, isn + 202, sisn + 1202)
    events.sort(key=lambda e: (e[0], e[1]))
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for us, _, frame in events:
            f.write(struct.pack("<IIII", us // 1_000_000, us % 1_000_000, len(frame), len(frame)) + frame)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
