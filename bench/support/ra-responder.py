#!/usr/bin/env python3
"""ra-responder.py IFNAME: answer IPv6 Router Solicitations on IFNAME with a Router
Advertisement that announces no default router (router lifetime 0) and no prefix.

Why: Debian's iPXE (2019) runs its IPv4 DHCP and IPv6 configurators in parallel and prints
"Configuring (net0 ...)" until both are done; with no router on the link the IPv6 one gives up
only after ~13 s. An RA that says "no router here" (RFC 4861 section 4.2: lifetime 0 = not a
default router; no Prefix Information = nothing to autoconfigure) ends that wait at once.

Used only by bench/boot.bench.ts with BENCH_BOOT_RA=1, inside the bench's own network
namespace (link-local traffic on its bridge; it cannot leave the namespace). Node has no raw
ICMPv6 sockets, hence Python. Prints "ready" once listening, then one line per answer.
"""
import socket
import struct
import sys
import time

ND_ROUTER_SOLICIT = 133
ND_ROUTER_ADVERT = 134


def main() -> None:
    ifname = sys.argv[1]
    index = socket.if_nametoindex(ifname)
    sock = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, ifname.encode())
    # RFC 4861 section 6.1.2: receivers drop an RA whose IP hop limit is not 255.
    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, 255)
    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, index)
    # Solicitations go to all-routers (ff02::2): join it on this interface only.
    group = socket.inet_pton(socket.AF_INET6, "ff02::2") + struct.pack("@I", index)
    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, group)
    # type, code, checksum (the kernel fills it in for ICMPv6 raw sockets, RFC 3542 section 3.1),
    # cur hop limit 0 (unspecified), flags 0 (no DHCPv6), router lifetime 0, reachable 0, retrans 0
    advert = struct.pack("!BBHBBHII", ND_ROUTER_ADVERT, 0, 0, 0, 0, 0, 0, 0)
    print("ready", flush=True)
    while True:
        data, addr = sock.recvfrom(1500)
        if len(data) >= 8 and data[0] == ND_ROUTER_SOLICIT and data[1] == 0:
            answer(sock, advert, index, addr[0])


def answer(sock: socket.socket, advert: bytes, index: int, asker: str) -> None:
    # Until the interface's link-local address has passed duplicate address detection (about a
    # second after link-up), there is no source address and sendto fails with EADDRNOTAVAIL.
    for attempt in range(10):
        try:
            sock.sendto(advert, ("ff02::1", 0, 0, index))
            print(f"RA for a solicitation from {asker}", flush=True)
            return
        except OSError as err:
            print(f"no RA yet for {asker} (attempt {attempt + 1}): {err}", flush=True)
            time.sleep(0.5)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
