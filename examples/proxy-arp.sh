#!/bin/bash
# Proxy ARP: a router answers ARP for a host that is really behind it.
#
#   tnxh1 eth0 10.0.0.2/24 ---- eth1 10.0.0.1/24 tnxr eth2 ---- eth0 10.0.0.200/32 tnxh2
#   h1 believes all of 10.0.0.0/24 is on its link; h2 sits behind the router.
#
# In-process, no root, no network:   tuxnet lab examples/proxy-arp.sh
# On a Linux host, as root:          bash examples/proxy-arp.sh

echo "== h1 on a /24, h2 with a /32 behind the router"
ip netns add tnxh1
ip netns add tnxr
ip netns add tnxh2
ip link add eth0 netns tnxh1 type veth peer name eth1 netns tnxr
ip link add eth0 netns tnxh2 type veth peer name eth2 netns tnxr
ip -n tnxh1 addr add 10.0.0.2/24 dev eth0
ip -n tnxr addr add 10.0.0.1/24 dev eth1
ip -n tnxh2 addr add 10.0.0.200/32 dev eth0
ip -n tnxh1 link set eth0 up
ip -n tnxr link set eth1 up
ip -n tnxr link set eth2 up
ip -n tnxh2 link set eth0 up
sleep 1   # carrier changes reach the stack through link-watch (up to 1 s on Linux)
ip -n tnxr route add 10.0.0.200/32 dev eth2
ip -n tnxh2 route add 10.0.0.1/32 dev eth0
ip -n tnxh2 route add default via 10.0.0.1 dev eth0
ip netns exec tnxr sysctl -q -w net.ipv4.ip_forward=1

echo "== without proxy_arp nobody answers h1's ARP for 10.0.0.200"
ip netns exec tnxh1 ping -c 1 -W 1 10.0.0.200
ip -n tnxh1 neigh show

echo "== the router answers for h2 on eth1"
ip netns exec tnxr sysctl -w net.ipv4.conf.eth1.proxy_arp=1
ip -n tnxh1 neigh flush dev eth0
ip netns exec tnxh1 ping -c 2 -i 0.2 10.0.0.200
ip -n tnxh1 neigh show

echo "== a proxy entry does the same for one address without proxy_arp"
sleep 1   # answers still in the router's proxy queue (proxy_delay: up to 0.8 s) go out first
ip netns exec tnxr sysctl -q -w net.ipv4.conf.eth1.proxy_arp=0
ip -n tnxr neigh add proxy 10.0.0.200 dev eth1
ip -n tnxr neigh show proxy
ip -n tnxh1 neigh flush dev eth0
ip netns exec tnxh1 arping -c 1 -I eth0 10.0.0.200

echo "== delete the namespaces"
ip netns del tnxh1
ip netns del tnxr
ip netns del tnxh2
