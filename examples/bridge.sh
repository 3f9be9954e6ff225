#!/bin/bash
# A bridge with three ports: learning and flooding.
#
#               tnxbr: br0
#              /     |     \
#            p1      p2     p3        (veth peers of eth0 in each host)
#            |       |       |
#     tnxh1:eth0  tnxh2:eth0  tnxh3:eth0
#
# In-process, no root, no network:   tuxnet lab examples/bridge.sh
# On a Linux host, as root:          bash examples/bridge.sh
#   (needs iproute2, tcpdump and iputils-arping; everything is in tnx* namespaces,
#   deleted at the end)
#
# The traffic is broadcast ARP probes from `arping -D` (no IPv4 needed): the bridge
# floods each one to every other port and learns the sender's MAC on its port.

echo "== a bridge namespace and three hosts"
ip netns add tnxbr
ip netns add tnxh1
ip netns add tnxh2
ip netns add tnxh3
ip -n tnxbr link add br0 type bridge
ip link add eth0 netns tnxh1 type veth peer name p1 netns tnxbr
ip link add eth0 netns tnxh2 type veth peer name p2 netns tnxbr
ip link add eth0 netns tnxh3 type veth peer name p3 netns tnxbr
ip -n tnxbr link set p1 master br0
ip -n tnxbr link set p2 master br0
ip -n tnxbr link set p3 master br0
ip -n tnxbr link set br0 up
ip -n tnxbr link set p1 up
ip -n tnxbr link set p2 up
ip -n tnxbr link set p3 up
ip -n tnxh1 link set eth0 up
ip -n tnxh2 link set eth0 up
ip -n tnxh3 link set eth0 up
sleep 1   # Linux applies carrier changes from its link-watch work (batched up to 1 s)
ip -n tnxbr -br link
bridge -n tnxbr link show

echo "== the forwarding database before any traffic: only the ports' own addresses"
bridge -n tnxbr fdb show br br0

echo "== tnxh1 broadcasts an ARP probe: the bridge floods it to p2 and p3"
ip netns exec tnxh2 tcpdump -i eth0 -c 1 -n -e -l arp &
ip netns exec tnxh3 tcpdump -i eth0 -c 1 -n -e -l arp &
sleep 1
ip netns exec tnxh1 arping -q -D -c 1 -I eth0 10.0.0.10
wait

echo "== ...and learned tnxh1's MAC address on p1"
ip -n tnxh1 -br link show eth0
bridge -n tnxbr fdb show br br0 dynamic

echo "== tnxh2 and tnxh3 speak too: now every host is learned on its port"
ip netns exec tnxh2 arping -q -D -c 1 -I eth0 10.0.0.10
ip netns exec tnxh3 arping -q -D -c 1 -I eth0 10.0.0.10
bridge -n tnxbr fdb show br br0 dynamic

echo "== clean up"
ip netns del tnxh1
ip netns del tnxh2
ip netns del tnxh3
ip netns del tnxbr
