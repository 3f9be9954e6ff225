#!/bin/bash
# Path MTU discovery and fragmentation.
#
#   tnxh1 eth0 10.0.1.2 ---- 10.0.1.1 tnxr 10.0.2.1 ==mtu 1400== 10.0.2.2 eth0 tnxh2
#
# In-process, no root, no network:   tuxnet lab examples/pmtu.sh
# On a Linux host, as root:          bash examples/pmtu.sh
#   (needs iproute2, iputils-ping and tcpdump; the tnx* namespaces are deleted)

echo "== a router whose second link has MTU 1400"
ip netns add tnxh1
ip netns add tnxr
ip netns add tnxh2
ip link add eth0 netns tnxh1 type veth peer name eth1 netns tnxr
ip link add eth0 netns tnxh2 type veth peer name eth2 netns tnxr
ip -n tnxr link set eth2 mtu 1400
ip -n tnxh2 link set eth0 mtu 1400
ip -n tnxh1 addr add 10.0.1.2/24 dev eth0
ip -n tnxr addr add 10.0.1.1/24 dev eth1
ip -n tnxr addr add 10.0.2.1/24 dev eth2
ip -n tnxh2 addr add 10.0.2.2/24 dev eth0
ip -n tnxh1 link set eth0 up
ip -n tnxr link set eth1 up
ip -n tnxr link set eth2 up
ip -n tnxh2 link set eth0 up
sleep 1   # carrier changes reach the stack through link-watch (up to 1 s on Linux)
ip -n tnxh1 route add default via 10.0.1.1
ip -n tnxh2 route add default via 10.0.2.1
ip netns exec tnxr sysctl -q -w net.ipv4.ip_forward=1

echo "== 1472 bytes of payload fit h1's link but not the router's second one"
ip netns exec tnxh1 ping -c 1 -s 1472 -M do 10.0.2.2

echo "== the router told h1 the MTU; h1 keeps it as a route exception"
ip -n tnxh1 route get 10.0.2.2
ip -n tnxh1 route show cache

echo "== now h1 itself refuses to send it unfragmented"
ip netns exec tnxh1 ping -c 1 -s 1472 -M do 10.0.2.2

echo "== fragmenting is allowed with -M dont: 3000 bytes go as fragments, h2 reassembles"
ip netns exec tnxh2 tcpdump -i eth0 -c 6 -n -l -q ip &
sleep 1
ip netns exec tnxh1 ping -c 1 -s 3000 -M dont 10.0.2.2
wait

echo "== reassembly counters on h2"
ip netns exec tnxh2 nstat -az IpReasmReqds IpReasmOKs IpFragCreates

echo "== delete the namespaces"
ip netns del tnxh1
ip netns del tnxr
ip netns del tnxh2
