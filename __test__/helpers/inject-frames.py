#!/usr/bin/env python3
"""Sends raw Ethernet frames out of an interface: inject-frames.py IFACE HEX [HEX...].

Standard library only (AF_PACKET); run it inside a lab namespace with `ip netns exec`.
"""
import socket
import sys


def main() -> None:
    iface, frames = sys.argv[1], sys.argv[2:]
    with socket.socket(socket.AF_PACKET, socket.SOCK_RAW) as s:
        s.bind((iface, 0))
        for hexframe in frames:
            s.send(bytes.fromhex(hexframe))
    print(len(frames))


if __name__ == "__main__":
    main()
