#!/bin/bash
# Policy routing by source address and by firewall mark.
#
#   tnxh eth0 10.0.0.2/24 + 10.0.0.3/24 ---- tnxr (two uplinks)
#   tnxh has two gateways: 10.0.0.1 (isp1 on tnxg1) and 10.0.0.254 (isp2 on tnxg2)
#
# In-process, no root, no network:   tuxnet lab examples/policy-routing.sh
# On a Linux host, as root:          bash examples/policy-routing.sh

echo "== a host on a bridge-less LAN with two gateways"
ip netns add tnxh
ip netns add tnxg1
ip netns add tnxg2
ip link add eth0 netns tnxh type veth peer name eth0 netns tnxg1
ip link add eth1 netns tnxh type veth peer name eth0 netns tnxg2
ip -n tnxh addr add 10.0.0.2/24 dev eth0
ip -n tnxh addr add 10.0.1.2/24 dev eth1
ip -n tnxh addr add 10.0.0.3/24 dev eth0
ip -n tnxg1 addr add 10.0.0.1/24 dev eth0
ip -n tnxg2 addr add 10.0.1.1/24 dev eth0
ip -n tnxh link set eth0 up
ip -n tnxh link set eth1 up
ip -n tnxg1 link set eth0 up
ip -n tnxg2 link set eth0 up
ip -n tnxg1 addr add 192.0.2.1/32 dev lo
ip -n tnxg2 addr add 192.0.2.1/32 dev lo
ip -n tnxg1 link set lo up
ip -n tnxg2 link set lo up
sleep 1   # carrier changes reach the stack through link-watch (up to 1 s on Linux)
ip -n tnxg1 route add 10.0.1.0/24 dev eth0
ip -n tnxg2 route add 10.0.0.0/24 dev eth0

echo "== main table: default via gateway 1; table 100: default via gateway 2"
ip -n tnxh route add default via 10.0.0.1
ip -n tnxh route add default via 10.0.1.1 table 100
ip -n tnxh rule add from 10.0.0.3 lookup 100
ip -n tnxh rule add fwmark 0x7/0xff lookup 100 priority 200
ip -n tnxh rule show
ip -n tnxh route show table 100

echo "== the route depends on the source address and the mark"
ip -n tnxh route get 192.0.2.1
ip -n tnxh route get 192.0.2.1 from 10.0.0.3
ip -n tnxh route get 192.0.2.1 mark 7
ip -n tnxh route get 192.0.2.1 mark 0x107

echo "== pings from each source address leave by a different gateway"
ip netns exec tnxh ping -c 1 -I 10.0.0.2 192.0.2.1
ip netns exec tnxh ping -c 1 -I 10.0.0.3 192.0.2.1
ip -n tnxh -s link show eth1

echo "== rules can refuse: unreachable for one destination"
ip -n tnxh rule add to 192.0.2.99 unreachable priority 50
ip -n tnxh route get 192.0.2.99
ip netns exec tnxh ping -c 1 192.0.2.99
ip -n tnxh rule del priority 50
ip -n tnxh -j rule show

echo "== delete the namespaces"
ip netns del tnxh
ip netns del tnxg1
ip netns del tnxg2
