#!/bin/bash
# A chain of three routers, and traceroute through it.
#
#   tnxh1 .1.2 -- .1.1 tnxr1 .2.1 -- .2.2 tnxr2 .3.1 -- .3.2 tnxr3 .4.1 -- .4.2 tnxh2
#   (all 10.0.N.0/24)
#
# In-process, no root, no network:   tuxnet lab examples/traceroute.sh
# On a Linux host, as root:          bash examples/traceroute.sh
#   (needs iproute2, iputils-ping and traceroute; the tnx* namespaces are deleted)

echo "== five namespaces in a chain"
ip netns add tnxh1
ip netns add tnxr1
ip netns add tnxr2
ip netns add tnxr3
ip netns add tnxh2
ip link add eth0 netns tnxh1 type veth peer name eth0 netns tnxr1
ip link add eth1 netns tnxr1 type veth peer name eth0 netns tnxr2
ip link add eth1 netns tnxr2 type veth peer name eth0 netns tnxr3
ip link add eth1 netns tnxr3 type veth peer name eth0 netns tnxh2

echo "== addresses, links up, forwarding"
ip -n tnxh1 addr add 10.0.1.2/24 dev eth0
ip -n tnxr1 addr add 10.0.1.1/24 dev eth0
ip -n tnxr1 addr add 10.0.2.1/24 dev eth1
ip -n tnxr2 addr add 10.0.2.2/24 dev eth0
ip -n tnxr2 addr add 10.0.3.1/24 dev eth1
ip -n tnxr3 addr add 10.0.3.2/24 dev eth0
ip -n tnxr3 addr add 10.0.4.1/24 dev eth1
ip -n tnxh2 addr add 10.0.4.2/24 dev eth0
ip -n tnxh1 link set eth0 up
ip -n tnxr1 link set eth0 up
ip -n tnxr1 link set eth1 up
ip -n tnxr2 link set eth0 up
ip -n tnxr2 link set eth1 up
ip -n tnxr3 link set eth0 up
ip -n tnxr3 link set eth1 up
ip -n tnxh2 link set eth0 up
sleep 1   # carrier changes reach the stack through link-watch (up to 1 s on Linux)
ip netns exec tnxr1 sysctl -q -w net.ipv4.ip_forward=1
ip netns exec tnxr2 sysctl -q -w net.ipv4.ip_forward=1
ip netns exec tnxr3 sysctl -q -w net.ipv4.ip_forward=1

echo "== static routes"
ip -n tnxh1 route add default via 10.0.1.1
ip -n tnxr1 route add 10.0.3.0/24 via 10.0.2.2
ip -n tnxr1 route add 10.0.4.0/24 via 10.0.2.2
ip -n tnxr2 route add 10.0.1.0/24 via 10.0.2.1
ip -n tnxr2 route add 10.0.4.0/24 via 10.0.3.2
ip -n tnxr3 route add default via 10.0.3.1
ip -n tnxh2 route add default via 10.0.4.1
ip -n tnxr2 route

echo "== ping with TTL 2 dies at the second router"
ip netns exec tnxh1 ping -c 1 -t 2 10.0.4.2

echo "== traceroute (UDP probes) and traceroute -I (ICMP echo)"
ip netns exec tnxh1 traceroute -n -q 1 10.0.4.2
ip netns exec tnxh1 traceroute -n -I -q 2 10.0.4.2

echo "== with at most 2 hops traceroute stops before reaching h2"
ip netns exec tnxh1 traceroute -n -q 1 -m 2 10.0.4.2

echo "== delete the namespaces"
ip netns del tnxh1
ip netns del tnxr1
ip netns del tnxr2
ip netns del tnxr3
ip netns del tnxh2
