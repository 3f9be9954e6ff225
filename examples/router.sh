#!/bin/bash
# A router between two subnets.
#
#   tnxh1 eth0 10.0.1.2/24 ---- eth1 10.0.1.1/24  tnxr  eth2 10.0.2.1/24 ---- eth0 10.0.2.2/24 tnxh2
#
# In-process, no root, no network:   tuxnet lab examples/router.sh
# On a Linux host, as root:          bash examples/router.sh
#   (needs iproute2 and iputils-ping; the tnx* namespaces are deleted at the end)

echo "== three namespaces, two links"
ip netns add tnxh1
ip netns add tnxr
ip netns add tnxh2
ip link add eth0 netns tnxh1 type veth peer name eth1 netns tnxr
ip link add eth0 netns tnxh2 type veth peer name eth2 netns tnxr

echo "== addresses; each address brings its local, broadcast and prefix routes"
ip -n tnxh1 addr add 10.0.1.2/24 dev eth0
ip -n tnxr addr add 10.0.1.1/24 dev eth1
ip -n tnxr addr add 10.0.2.1/24 dev eth2
ip -n tnxh2 addr add 10.0.2.2/24 dev eth0
ip -n tnxh1 link set eth0 up
ip -n tnxr link set eth1 up
ip -n tnxr link set eth2 up
ip -n tnxh2 link set eth0 up
sleep 1   # carrier changes reach the stack through link-watch (up to 1 s on Linux)
ip -n tnxr -4 addr show
ip -n tnxr route show table all

echo "== default routes on the hosts, forwarding on the router"
ip -n tnxh1 route add default via 10.0.1.1
ip -n tnxh2 route add default via 10.0.2.1
ip netns exec tnxr sysctl -w net.ipv4.ip_forward=1
ip -n tnxh1 route
ip -n tnxh1 route get 10.0.2.2

echo "== ping across the router (TTL 63: one hop)"
ip netns exec tnxh1 ping -c 3 -i 0.2 10.0.2.2

echo "== the neighbours each side learned"
ip -n tnxh1 neigh show
ip -n tnxr neigh show dev eth2

echo "== forwarding off: the router drops and h1 hears nothing"
ip netns exec tnxr sysctl -w net.ipv4.ip_forward=0
ip netns exec tnxh1 ping -c 1 -W 1 10.0.2.2

echo "== an address nobody routes: the router answers Network Unreachable"
ip netns exec tnxr sysctl -w net.ipv4.ip_forward=1
ip netns exec tnxh1 ping -c 1 -W 1 192.0.2.1

echo "== delete the namespaces"
ip netns del tnxh1
ip netns del tnxr
ip netns del tnxh2
