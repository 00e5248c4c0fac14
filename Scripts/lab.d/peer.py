#!/usr/bin/env python3
"""Clients and servers for Scripts/lab (standard library only).

Every role is small, bounded and talks only to the addresses it is given (the lab
namespaces). Servers write --ready FILE once they listen, so the lab starts the client
only when the server can answer. Errors a scenario provokes on purpose are printed,
never raised: the exit status only says whether the role itself was misused.
"""
import argparse
import fcntl
import os
import socket
import ssl
import struct
import sys
import termios
import time

TLS_VERSIONS = {
    "1.0": ssl.TLSVersion.TLSv1,
    "1.1": ssl.TLSVersion.TLSv1_1,
    "1.2": ssl.TLSVersion.TLSv1_2,
    "1.3": ssl.TLSVersion.TLSv1_3,
}


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def family(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def mark_ready(path):
    if path:
        with open(path + ".tmp", "w") as f:
            f.write("ready\n")
        os.rename(path + ".tmp", path)


def listen_tcp(a):
    s = socket.socket(family(a.bind), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if a.rcvbuf:
        # a tiny receive buffer (inherited by accepted sockets) makes the window close fast
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, a.rcvbuf)
    s.bind((a.bind, a.port))
    s.listen(8)
    mark_ready(a.ready)
    return s


def connect_tcp(a, timeout=None):
    s = socket.socket(family(a.host), socket.SOCK_STREAM)
    if a.sport or a.src:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((a.src or ("::" if ":" in a.host else "0.0.0.0"), a.sport))
    s.settimeout(timeout if timeout is not None else a.timeout)
    s.connect((a.host, a.port))
    return s


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            break
        buf += chunk
    return buf


def recv_all(s):
    total = 0
    while True:
        chunk = s.recv(65536)
        if not chunk:
            return total
        total += len(chunk)


def abort(s):
    # SO_LINGER on with timeout 0: close() sends RST instead of FIN
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


def payload(n, tag=b"flowdoctor-lab "):
    return (tag * (n // len(tag) + 1))[:n]


# ---------------------------------------------------------------- TCP


def tcp_server(a):
    ls = listen_tcp(a)
    if a.mode == "listen-only":
        # never accept: the handshake state lives in the kernel only
        time.sleep(a.linger)
        return
    c, peer = ls.accept()
    log("accepted", peer)
    try:
        if a.mode in ("respond", "reset-after-request", "idle-reset", "stream"):
            req = recv_exact(c, a.request)
            log("request bytes", len(req))
            if a.mode == "respond":
                c.sendall(payload(a.reply))
                c.shutdown(socket.SHUT_WR)
                recv_all(c)
                c.close()
            elif a.mode == "reset-after-request":
                time.sleep(0.05)
                abort(c)
            elif a.mode == "idle-reset":
                c.sendall(payload(a.reply))
                time.sleep(a.idle)
                abort(c)
            elif a.mode == "stream":
                # a slow response: one chunk every interval, until the peer goes away
                for _ in range(a.chunks):
                    c.sendall(payload(a.reply))
                    time.sleep(a.interval)
                c.close()
        elif a.mode in ("upload-sink", "upload-paused"):
            hdr = recv_exact(c, a.request)
            c.sendall(payload(100, b"ready "))
            if a.mode == "upload-paused":
                # the application stops reading: the receive window goes to zero
                time.sleep(a.pause)
            n = recv_all(c)
            log("upload bytes", len(hdr), n)
            c.sendall(payload(100, b"done "))
            c.close()
        elif a.mode == "body-timeout":
            # waits for an upload that never arrives (it dies in a PMTUD black hole): after the
            # request and a short reply, wait --pause seconds, send a short error (--reply bytes)
            # and close our side (FIN); then read whatever still comes until --linger runs out
            req = recv_exact(c, a.request)
            c.sendall(payload(100, b"ready "))
            time.sleep(a.pause)
            c.sendall(payload(a.reply, b"timeout "))
            c.shutdown(socket.SHUT_WR)
            log("request bytes", len(req), "sent error and FIN after", a.pause, "s")
            c.settimeout(a.linger)
            try:
                log("upload bytes received", recv_all(c))
            except socket.timeout:
                log("upload still incomplete after", a.linger, "s")
            c.close()
        elif a.mode in ("hello-close", "hello-reset", "hello-silent"):
            hdr = recv_exact(c, 5)
            body = recv_exact(c, struct.unpack("!H", hdr[3:5])[0]) if len(hdr) == 5 else b""
            log("client hello record bytes", len(hdr) + len(body))
            if a.mode == "hello-close":
                c.close()
            elif a.mode == "hello-reset":
                abort(c)
            else:
                time.sleep(a.linger)
        else:
            raise SystemExit("unknown mode " + a.mode)
    except OSError as e:
        log("server:", e)


def tcp_client(a):
    try:
        if a.mode == "connect":
            s = connect_tcp(a)
            log("connected (unexpected for this scenario)")
            s.close()
        elif a.mode == "scan":
            # A connect scan, as nmap -sT makes one: ports port..port+count-1, each connection
            # closed at once if it opens, no data sent.
            opened = []
            for port in range(a.port, a.port + a.count):
                s = socket.socket(family(a.host), socket.SOCK_STREAM)
                s.settimeout(0.5)
                try:
                    s.connect((a.host, port))
                    opened.append(port)
                except OSError:
                    pass
                finally:
                    s.close()
            log("open ports", opened)
        elif a.mode == "request":
            s = connect_tcp(a)
            s.sendall(payload(a.request))
            log("reply bytes", recv_all(s))
            s.close()
        elif a.mode == "hold":
            # connect and wait for a greeting that never comes
            s = connect_tcp(a)
            s.settimeout(a.hold)
            try:
                s.recv(100)
            except socket.timeout:
                pass
            time.sleep(1000)  # the lab stops the capture and kills us
        elif a.mode == "stream-forge":
            s = connect_tcp(a)
            s.sendall(payload(a.request))
            got = 0
            sent_marker = False
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                got += len(chunk)
                if got >= a.marker_after and not sent_marker:
                    # the router's nft rule matches this payload and forges a RST
                    s.sendall(payload(a.request, b"FORGE"))
                    sent_marker = True
            log("stream ended after", got)
        elif a.mode == "upload":
            s = connect_tcp(a)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            s.sendall(payload(a.request, b"upload "))
            recv_exact(s, 100)
            s.sendall(payload(a.size))
            s.shutdown(socket.SHUT_WR)
            log("upload done, reply", len(recv_exact(s, 100)))
            s.close()
        elif a.mode == "upload-abort":
            # upload until the server's window has stayed shut for --timeout s, then give up and
            # abort (SO_LINGER 0: the close is a RST), as a client with a send timeout does
            s = connect_tcp(a)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            s.sendall(payload(a.request, b"upload "))
            recv_exact(s, 100)
            try:
                s.sendall(payload(a.size))
                log("upload done (unexpected for this scenario)")
            except socket.timeout:
                log("send timed out: the window stayed shut; aborting")
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            s.close()
        elif a.mode == "upload-wait":
            # upload without closing, then wait up to --timeout s for every byte to be
            # acknowledged (SIOCOUTQ = 0), reading what the server sends meanwhile; then give up
            # and close (nothing is left unread, so no RST: the FIN queues behind the unacknowledged data)
            s = connect_tcp(a)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            s.sendall(payload(a.request, b"upload "))
            recv_exact(s, 100)
            s.sendall(payload(a.size))
            deadline = time.monotonic() + a.timeout
            got, eof = 0, False
            s.setblocking(False)
            while time.monotonic() < deadline:
                if not eof:
                    try:
                        chunk = s.recv(65536)
                        if chunk:
                            got += len(chunk)
                        else:
                            eof = True
                            log("server closed after sending", got, "bytes")
                    except BlockingIOError:
                        pass
                unacked = struct.unpack("i", fcntl.ioctl(s.fileno(), termios.TIOCOUTQ, b"\0" * 4))[0]
                if unacked == 0:
                    log("upload acknowledged (unexpected for this scenario)")
                    break
                time.sleep(0.05)
            else:
                log("gave up after", a.timeout, "s with", unacked, "bytes unacknowledged")
            s.close()
        else:
            raise SystemExit("unknown mode " + a.mode)
    except OSError as e:
        log("client:", type(e).__name__, e)


# ---------------------------------------------------------------- TLS


def tls_ctx_common(ctx, a):
    """Versions, cipher suites, ALPN and key log: the knobs both sides share."""
    if a.min:
        ctx.minimum_version = TLS_VERSIONS[a.min]
    if a.max:
        ctx.maximum_version = TLS_VERSIONS[a.max]
    if a.seclevel0:
        # OpenSSL 3 refuses TLS 1.0/1.1 at the default security level
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    if a.ciphers:
        # TLS 1.2 and older only (TLS 1.3 suites are separate): pair with --max 1.2
        ctx.set_ciphers(a.ciphers)
    if a.alpn:
        ctx.set_alpn_protocols(a.alpn.split(","))
    if a.keylog:
        # NSS key log (SSLKEYLOGFILE format) so tshark can decrypt TLS 1.3 alerts
        ctx.keylog_filename = a.keylog


def tls_server(a):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    tls_ctx_common(ctx, a)
    if a.client_ca:
        # client authentication: a certificate is required and must chain to this CA
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(a.client_ca)
    if a.sni_only:
        # a virtual-host server that knows only one name: any other SNI gets a fatal
        # unrecognized_name (112) alert instead of a ServerHello
        def sni(sock, name, _ctx, known=a.sni_only):
            log("sni", name)
            return None if name == known else ssl.ALERT_DESCRIPTION_UNRECOGNIZED_NAME
        ctx.sni_callback = sni
    ls = listen_tcp(a)
    c, peer = ls.accept()
    c.settimeout(a.timeout)
    try:
        t = ctx.wrap_socket(c, server_side=True)
        log("handshake ok", t.version(), t.cipher())
        req = recv_exact(t, a.request)
        t.sendall(payload(a.reply))
        try:
            t.unwrap()
        except (OSError, ssl.SSLError):
            pass
        c.close()
    except (OSError, ssl.SSLError) as e:
        log("server:", type(e).__name__, e)
        c.close()


def tls_client(a):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    tls_ctx_common(ctx, a)
    if a.cert:
        # a client certificate, sent if the server asks for one
        ctx.load_cert_chain(a.cert, a.key)
    if a.verify:
        ctx.load_verify_locations(a.ca)
    else:
        # like curl -k: accept any certificate so the handshake completes
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    try:
        if a.resolve:
            a.host = resolve_a(a.resolve, a.host)
        s = connect_tcp(a)
        t = ctx.wrap_socket(s, server_hostname=a.sni)
        log("handshake ok", t.version(), t.cipher())
        t.sendall(payload(a.request))
        got = 0
        while True:
            try:
                chunk = t.recv(65536)
            except ssl.SSLZeroReturnError:
                break
            if not chunk:
                break
            got += len(chunk)
        log("reply bytes", got)
        try:
            t.unwrap()
        except (OSError, ssl.SSLError):
            pass
        s.close()
    except (OSError, ssl.SSLError) as e:
        log("client:", type(e).__name__, e)


# ---------------------------------------------------------------- UDP, DNS, ARP

RCODES = {"NOERROR": 0, "SERVFAIL": 2, "NXDOMAIN": 3, "REFUSED": 5}
QTYPES = {"A": 1, "AAAA": 28}


def udp_socket(host, bind_port=0):
    s = socket.socket(family(host), socket.SOCK_DGRAM)
    if bind_port:
        s.bind(("::" if ":" in host else "0.0.0.0", bind_port))
    return s


def udp_server(a):
    s = udp_socket(a.bind)
    s.bind((a.bind, a.port))
    mark_ready(a.ready)
    s.settimeout(a.linger)
    try:
        while True:
            data, peer = s.recvfrom(65535)
            log("datagram", len(data), peer)
            s.sendto(payload(64, b"ack "), peer)
    except socket.timeout:
        pass


def udp_client(a):
    s = udp_socket(a.host, a.sport)
    if family(a.host) == socket.AF_INET:
        # allow the kernel to fragment (DF clear), like a DNS/NFS/VXLAN sender would
        s.setsockopt(socket.IPPROTO_IP, 10, 0)  # IP_MTU_DISCOVER = IP_PMTUDISC_DONT
    else:
        s.setsockopt(socket.IPPROTO_IPV6, 23, 0)  # IPV6_MTU_DISCOVER = IPV6_PMTUDISC_DONT
    s.settimeout(a.interval)
    for i in range(a.count):
        try:
            s.sendto(payload(a.size, b"datagram%d " % i), (a.host, a.port))
        except OSError as e:
            log("send:", e)
        try:
            data, peer = s.recvfrom(65535)
            log("reply", len(data))
        except socket.timeout:
            log("no reply")
        except OSError as e:
            log("recv:", e)  # e.g. ICMP port unreachable reported on the socket


def dns_name(name):
    out = b""
    for label in name.strip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def dns_server(a):
    """A tiny authoritative server for lab.test that answers every query with one rcode."""
    s = udp_socket(a.bind)
    s.bind((a.bind, a.port))
    mark_ready(a.ready)
    s.settimeout(a.linger)
    try:
        while True:
            q, peer = s.recvfrom(4096)
            if len(q) < 12:
                continue
            qid, flags, qd = struct.unpack("!HHH", q[:6])
            # the question section: name labels, then type and class
            i = 12
            while i < len(q) and q[i] != 0:
                i += q[i] + 1
            question = q[12:i + 5]
            log("query", qid, question)
            if a.rcode == "NOREPLY":
                continue  # silence: the client retries, then gives up
            if a.upstream:
                # a forwarding resolver: ask the upstream twice, 1 s apart; SERVFAIL when it is silent
                up = udp_socket(a.upstream)
                up.settimeout(1)
                got = None
                for _ in range(2):
                    up.sendto(q, (a.upstream, 53))
                    try:
                        got, _ = up.recvfrom(4096)
                        break
                    except socket.timeout:
                        log("upstream", a.upstream, "silent")
                up.close()
                if got is None:
                    rflags = 0x8000 | (flags & 0x7800) | 0x0080 | (flags & 0x0100) | 2
                    s.sendto(struct.pack("!HHHHHH", qid, rflags, 1, 0, 0, 0) + question, peer)
                else:
                    s.sendto(got, peer)
                continue
            rcode = RCODES[a.rcode]
            rflags = 0x8000 | (flags & 0x7800) | 0x0080 | (flags & 0x0100) | rcode
            rflags |= 0x0400 if rcode == 3 else 0  # AA for the authoritative negative answer
            auth = b""
            nscount = 0
            if rcode == 3:
                # SOA of the zone in the authority section, as a real authoritative server sends
                rdata = dns_name("ns.lab.test") + dns_name("hostmaster.lab.test") + struct.pack(
                    "!IIIII", 2024010101, 3600, 600, 86400, 60)
                auth = dns_name("lab.test") + struct.pack("!HHIH", 6, 1, 60, len(rdata)) + rdata
                nscount = 1
            ancount, answer = 0, b""
            qtype = struct.unpack("!H", question[-4:-2])[0] if len(question) >= 5 else 0
            if rcode == 0 and a.answer and qtype == 1:
                # one A record, its name a pointer to the question's (offset 12)
                answer = struct.pack("!HHHIH", 0xC00C, 1, 1, 60, 4) + socket.inet_aton(a.answer)
                ancount = 1
            r = struct.pack("!HHHHHH", qid, rflags, 1, ancount, nscount, 0) + question + answer + auth
            s.sendto(r, peer)
    except socket.timeout:
        pass


def resolve_a(server, name):
    """A stub resolver's A query to SERVER:53 (one try, 2 s): the first address of the answer."""
    s = udp_socket(server)
    s.settimeout(2)
    s.sendto(struct.pack("!HHHHHH", 0x5200, 0x0100, 1, 0, 0, 0) + dns_name(name) + struct.pack("!HH", 1, 1),
             (server, 53))
    r, _ = s.recvfrom(4096)
    i = 12
    while r[i] != 0:
        i += r[i] + 1
    i += 5  # the root label, type and class
    # the first answer: a 2-byte name pointer, type, class, TTL, length, then the address
    addr = socket.inet_ntoa(r[i + 12:i + 16])
    log("resolved", name, "to", addr)
    return addr


def dns_client(a):
    s = udp_socket(a.host, a.sport)
    s.settimeout(a.interval)
    for n, qtype in enumerate(a.qtypes.split(",")):
        qid = 0x4c00 + n  # fixed IDs keep the fixture stable; retries reuse the ID like stub resolvers
        q = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + dns_name(a.name) + struct.pack(
            "!HH", QTYPES[qtype], 1)
        for attempt in range(a.tries):
            s.sendto(q, (a.host, a.port))
            try:
                r, _ = s.recvfrom(4096)
                log(qtype, "rcode", struct.unpack("!H", r[2:4])[0] & 0xF)
                break
            except socket.timeout:
                log(qtype, "timeout, attempt", attempt + 1)


def arp_probe(a):
    """Send datagrams to an on-link address nobody owns: the kernel ARPs for it, unanswered."""
    s = udp_socket(a.host)
    for _ in range(a.count):
        try:
            s.sendto(b"hello?", (a.host, a.port))
        except OSError as e:
            log("send:", e)
        time.sleep(a.interval)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("role", choices=["tcp-server", "tcp-client", "tls-server", "tls-client", "udp-server",
                                    "udp-client", "dns-server", "dns-client", "arp-probe"])
    p.add_argument("--mode", default="")
    p.add_argument("--host", default="")
    p.add_argument("--bind", default="0.0.0.0")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--sport", type=int, default=0)
    p.add_argument("--src", default="", help="tcp-client: the source address to bind")
    p.add_argument("--ready", default="")
    p.add_argument("--timeout", type=float, default=4.0)
    p.add_argument("--linger", type=float, default=10.0)
    p.add_argument("--hold", type=float, default=4.0)
    p.add_argument("--idle", type=float, default=5.0)
    p.add_argument("--pause", type=float, default=3.0)
    p.add_argument("--interval", type=float, default=1.0)
    p.add_argument("--request", type=int, default=100)
    p.add_argument("--reply", type=int, default=1000)
    p.add_argument("--size", type=int, default=100000)
    p.add_argument("--count", type=int, default=3)
    p.add_argument("--chunks", type=int, default=20)
    p.add_argument("--marker-after", type=int, default=3000)
    p.add_argument("--rcvbuf", type=int, default=0)
    p.add_argument("--cert", default="")
    p.add_argument("--key", default="")
    p.add_argument("--ca", default="")
    p.add_argument("--sni", default="server.lab.test")
    p.add_argument("--verify", action="store_true")
    p.add_argument("--min", default="")
    p.add_argument("--max", default="")
    p.add_argument("--seclevel0", action="store_true")
    p.add_argument("--ciphers", default="")
    p.add_argument("--alpn", default="", help="comma-separated ALPN protocol list")
    p.add_argument("--keylog", default="", help="write TLS secrets to this file (NSS key log format)")
    p.add_argument("--client-ca", default="", help="tls-server: require a client certificate from this CA")
    p.add_argument("--sni-only", default="", help="tls-server: the only server name it accepts")
    p.add_argument("--rcode", default="NXDOMAIN")
    p.add_argument("--upstream", default="", help="dns-server: forward each query here (UDP 53), SERVFAIL if it is silent")
    p.add_argument("--answer", default="", help="dns-server: the address a NOERROR answer to an A query gives")
    p.add_argument("--resolve", default="", help="tls-client: resolve --host by an A query to this DNS server first")
    p.add_argument("--name", default="missing.lab.test")
    p.add_argument("--qtypes", default="A")
    p.add_argument("--tries", type=int, default=3)
    a = p.parse_args()
    globals()[a.role.replace("-", "_")](a)


if __name__ == "__main__":
    main()
