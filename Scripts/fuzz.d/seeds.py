#!/usr/bin/env python3
"""Fuzz seeds from the fixtures: every distinct frame, re-framed for each link type, and every capture
cut to its first packets (whole files of 350 kB would slow each run a hundredfold).
usage: seeds.py FIXTURES_DIR OUT_DIR"""
import hashlib, os, struct, sys

FILE_LIMIT = 16384          # bytes of records kept per file seed
TARGETS = ["ethernet", "sll", "sll2", "null", "loop", "raw", "ipv4", "ipv6", "file"]  # FuzzTarget order


def records(data):
    """(header, frame) of a classic little-endian pcap; nothing for other files."""
    if len(data) < 24 or data[:4] not in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        return
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack_from("<I", data, off + 8)[0]
        if off + 16 + incl > len(data):
            return
        yield data[off:off + 16], data[off + 16:off + 16 + incl]
        off += 16 + incl


def reframe(frame):
    """The frame's network packet under each other link type (untagged IPv4/IPv6/ARP only)."""
    if len(frame) < 14:
        return {}
    etype = struct.unpack_from(">H", frame, 12)[0]
    net = frame[14:]
    mac = frame[6:12]
    out = {
        "sll": struct.pack(">HHH", 0, 1, 6) + mac + b"\0\0" + struct.pack(">H", etype) + net,
        "sll2": struct.pack(">HHIHBB", etype, 0, 2, 1, 0, 6) + mac + b"\0\0" + net,
    }
    fam = {0x0800: 2, 0x86DD: 10}.get(etype)
    if fam is not None:
        out["null"] = struct.pack("<I", 2 if fam == 2 else 24) + net
        out["loop"] = struct.pack(">I", 2 if fam == 2 else 24) + net
        out["raw"] = net
        out["ipv4" if fam == 2 else "ipv6"] = net
    return out


def main():
    src, dst = sys.argv[1], sys.argv[2]
    seen, shapes = set(), set()
    count = {t: 0 for t in TARGETS}

    def put(target, blob):
        for name, data in ((target, blob), ("any", bytes([TARGETS.index(target)]) + blob)):
            h = hashlib.sha1(name.encode() + data).hexdigest()
            if h in seen:
                continue
            seen.add(h)
            os.makedirs(os.path.join(dst, name), exist_ok=True)
            with open(os.path.join(dst, name, h[:16]), "wb") as f:
                f.write(data)
            count[target] += name == target

    for fn in sorted(os.listdir(src)):
        if not fn.endswith((".pcap", ".pcapng")):
            continue
        data = open(os.path.join(src, fn), "rb").read()
        kept = bytearray(data[:24])
        for hdr, frame in records(data):
            if len(frame) >= 14:
                # Bulk data frames differ only in payload: one per size class, protocol and flags is enough.
                k = (len(frame) // 128, frame[12:14], frame[23:24], frame[20:21], frame[47:48], frame[54:55])
                if k in shapes:
                    continue
                shapes.add(k)
            put("ethernet", frame)
            for t, b in reframe(frame).items():
                put(t, b)
        for hdr, frame in records(data):
            if len(kept) + len(hdr) + len(frame) <= FILE_LIMIT:
                kept += hdr + frame
        put("file", bytes(kept) if len(data) >= 24 and data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else data[:FILE_LIMIT])
    print("seeds: " + ", ".join(f"{t} {n}" for t, n in count.items()))


main()
