#!/usr/bin/env python3
"""Peers for Scripts/live-check: a server that resets each connection it accepts, and a client
that tries a closed port, that server and a port whose SYNs are dropped."""
import socket, struct, sys

def server(addr, port):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port)); s.listen(8)
    while True:
        c, _ = s.accept()
        c.recv(100)
        # SO_LINGER 0: close sends RST, an abort.
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        c.close()

def client(addr, refused, reset, dropped):
    for port, wait in ((refused, 3), (reset, 3), (dropped, 4.5)):
        s = socket.socket(); s.settimeout(wait)
        try:
            s.connect((addr, port))
            s.sendall(b"hello\n")
            s.recv(100)
            print(port, "answered")
        except Exception as e:
            print(port, type(e).__name__)
        finally:
            s.close()

if __name__ == "__main__":
    if sys.argv[1] == "server":
        server(sys.argv[2], int(sys.argv[3]))
    else:
        client(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
