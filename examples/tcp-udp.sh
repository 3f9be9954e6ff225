#!/bin/bash
# TCP and UDP between two namespaces: nc and iperf3 over a veth pair.
#
#     tnxa: veth-a 10.0.0.1/24 ============ veth-b 10.0.0.2/24 :tnxb
#
# In-process, no root, no network:   tuxnet lab examples/tcp-udp.sh [--seed N]
# On a Linux host, as root:          bash examples/tcp-udp.sh
#   (needs iproute2, netcat-openbsd and iperf3; tnx* namespaces, deleted at the end)
#
# What it shows: listening sockets as ss lists them (nc's backlog of 1, iperf3's
# INT_MAX clamped to net.core.somaxconn; -B keeps it on IPv4 as tuxnet has no IPv6), nc -z finding an open and a closed port
# (a SYN answered by SYN-ACK, and one answered by RST), an iperf3 test over TCP and
# one over UDP (their reports go to /dev/null: rates are the machine's), and the
# TCP counters of both ends.

echo "== a veth pair"
ip netns add tnxa
ip netns add tnxb
ip link add veth-a netns tnxa type veth peer name veth-b netns tnxb
ip -n tnxa addr add 10.0.0.1/24 dev veth-a
ip -n tnxb addr add 10.0.0.2/24 dev veth-b
ip -n tnxa link set lo up
ip -n tnxb link set lo up
ip -n tnxa link set veth-a up
ip -n tnxb link set veth-b up
# veth offloads TCP checksums by default: a capture on the sending side would hold the
# partial checksum (the pseudo-header sum only; tcpdump on a Linux veth prints "cksum 0x...
# (incorrect -> 0x...)" for every outgoing segment, and tshark's audit calls it an error).
# With tx checksumming off, TCP computes the checksum itself and captures are clean.
ip netns exec tnxa ethtool -K veth-a tx off >/dev/null
ip netns exec tnxb ethtool -K veth-b tx off >/dev/null
sleep 1   # Linux applies carrier changes from its link-watch work (batched up to 1 s)

echo "== nc listens on TCP port 5000; nc -z tries ports 5000 and 5001"
ip netns exec tnxb nc -l -p 5000 &
sleep 1
ip netns exec tnxb ss -ltn
ip netns exec tnxa nc -z 10.0.0.2 5000
echo "nc -z 10.0.0.2 5000: exit $?"
ip netns exec tnxa nc -z 10.0.0.2 5001
echo "nc -z 10.0.0.2 5001: exit $?"
wait

echo "== iperf3 over TCP: 1 MByte from tnxa to tnxb"
ip netns exec tnxb iperf3 -s -1 -B 10.0.0.2 >/dev/null &
sleep 1
ip netns exec tnxb ss -ltn
ip netns exec tnxa iperf3 -c 10.0.0.2 -n 1M >/dev/null
echo "iperf3 -c 10.0.0.2 -n 1M: exit $?"
wait

echo "== iperf3 over UDP: 100 datagrams of 1000 bytes at 8 Mbit/s"
ip netns exec tnxb iperf3 -s -1 -B 10.0.0.2 >/dev/null &
sleep 1
ip netns exec tnxa iperf3 -c 10.0.0.2 -u -b 8M -l 1000 -k 100 >/dev/null
echo "iperf3 -c 10.0.0.2 -u -b 8M -l 1000 -k 100: exit $?"
wait

echo "== TCP counters: five connections opened by tnxa (one refused), four accepted by tnxb"
ip netns exec tnxa nstat -az TcpActiveOpens TcpPassiveOpens TcpAttemptFails
ip netns exec tnxb nstat -az TcpActiveOpens TcpPassiveOpens

echo "== clean up"
ip netns del tnxa
ip netns del tnxb
