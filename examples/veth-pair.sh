#!/bin/bash
# Two network namespaces joined by a veth pair.
#
#     tnxa: veth-a  <======= veth pair =======>  veth-b :tnxb
#
# In-process, no root, no network:   tuxnet lab examples/veth-pair.sh   (npm run demo)
# On a Linux host, as root:          bash examples/veth-pair.sh
#   (needs iproute2, tcpdump and iputils-arping; the namespaces are named tnx* and
#   deleted at the end, so nothing is left behind)
#
# tuxnet has no IPv4 yet, so the traffic is ARP probes from `arping -D` (duplicate
# address detection: the sender address is 0.0.0.0, no IP address is needed).

echo "== two namespaces and a veth pair between them"
ip netns add tnxa
ip netns add tnxb
ip link add veth-a netns tnxa type veth peer name veth-b netns tnxb

echo "== a new veth end is DOWN, and its peer lives in the other namespace (link-netns)"
ip -n tnxa link show veth-a

echo "== bring both ends up: LOWER_UP once both are up (carrier follows the peer)"
ip -n tnxa link set veth-a up
ip -n tnxb link set veth-b up
sleep 1   # Linux applies carrier changes from its link-watch work (batched up to 1 s)
ip -n tnxa -br link show veth-a
ip -n tnxb -br link show veth-b

echo "== capture on veth-b while tnxa sends 3 ARP probes"
ip netns exec tnxb tcpdump -i veth-b -c 3 -n -e -l arp &
sleep 1
ip netns exec tnxa arping -D -c 3 -I veth-a 10.0.0.2
wait

echo "== counters: 3 frames of 42 bytes left veth-a and arrived on veth-b"
# (On a Linux host the counters also include IPv6's own frames: router solicitations,
# duplicate address detection and MLD reports sent when the links came up. tuxnet has
# no IPv6 yet; `tcpdump ... arp` above shows the same frames on both.)
ip -n tnxa -s link show veth-a
ip -n tnxb -s link show veth-b

echo "== delete the namespaces (the veth pair goes with them)"
ip netns del tnxa
ip netns del tnxb
