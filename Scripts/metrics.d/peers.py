#!/usr/bin/env python3
"""Peers for Scripts/metrics-check.
  peers.py serve ADDR ECHO_PORT TLS_PORT CERT KEY   an echo server and a TLS server (self-signed)
  peers.py client ADDR ECHO_PORT CLOSED_PORT DROPPED_PORT TLS_PORT
The client completes three echo exchanges, is refused once, left unanswered once, and fails one
TLS 1.2 handshake itself (it does not trust the self-signed certificate: a fatal alert)."""
import socket, ssl, sys, threading

def echo(addr, port):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port)); s.listen(8)
    while True:
        c, _ = s.accept()
        with c:
            data = c.recv(100)
            c.sendall(data)

def tls(addr, port, cert, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port)); s.listen(8)
    while True:
        c, _ = s.accept()
        try:
            with ctx.wrap_socket(c, server_side=True) as t:
                t.recv(100)
        except (ssl.SSLError, OSError):
            c.close()

def client(addr, echo_port, closed, dropped, tls_port):
    for _ in range(3):
        with socket.create_connection((addr, echo_port), timeout=3) as s:
            s.sendall(b"hello\n"); print(echo_port, s.recv(100))
    for port, wait in ((closed, 3), (dropped, 4.5)):
        s = socket.socket(); s.settimeout(wait)
        try:
            s.connect((addr, port)); print(port, "answered")
        except Exception as e:
            print(port, type(e).__name__)
        finally:
            s.close()
    ctx = ssl.create_default_context()
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    try:
        with socket.create_connection((addr, tls_port), timeout=3) as s:
            with ctx.wrap_socket(s, server_hostname="sensor.test") as t:
                print(tls_port, "handshake completed (unexpected)")
    except ssl.SSLError as e:
        print(tls_port, "TLS failed:", e.reason)

if __name__ == "__main__":
    a = sys.argv
    if a[1] == "serve":
        threading.Thread(target=echo, args=(a[2], int(a[3])), daemon=True).start()
        tls(a[2], int(a[4]), a[5], a[6])
    else:
        client(a[2], int(a[3]), int(a[4]), int(a[5]), int(a[6]))
