#!/usr/bin/env python3
"""Writes a fragment flood: N first fragments (MF set, offset 0) of UDP datagrams that never
complete, from N distinct sources to one server, Ethernet pcap."""
import struct, sys

from synflood import csum  # same folder: Python puts the script's directory on the path

def main(path, n):
    dst = bytes([10, 97, 0, 1])
    t0 = 1_700_000_000
    body = bytes(200)
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        eth = bytes.fromhex("020000000002020000000001") + b"\x08\x00"
        for i in range(n):
            src = bytes([100 + (i >> 24 & 0x3f), i >> 16 & 0xff, i >> 8 & 0xff, i & 0xff])
            # The UDP header claims 1,000 bytes; only the first 208 are ever sent.
            udp = struct.pack("!HHHH", 1024 + i % 60000, 4500, 1008, 0) + body
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i & 0xffff, 0x2000, 64, 17, 0, src, dst)
            ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
            frame = eth + ip + udp
            us = i * 10  # 100k fragments per second
            f.write(struct.pack("<IIII", t0 + us // 1_000_000, us % 1_000_000, len(frame), len(frame)) + frame)

if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
