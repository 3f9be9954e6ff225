#!/bin/bash
# An impaired link: netem delays and drops what leaves one end of a veth pair.
#
#     tnxa: veth-a [netem delay 50ms loss 25%] =====> veth-b :tnxb
#
# In-process, no root, no network:   tuxnet lab examples/impaired-link.sh [--seed N]
# On a Linux host, as root:          bash examples/impaired-link.sh
#   (needs iproute2, tcpdump and iputils-arping; tnx* namespaces, deleted at the end)
#
# The loss is random: on tuxnet it comes from the kernel's seeded generator, so the
# same --seed loses the same probes every run (try --seed 2 and --seed 3); a Linux
# host differs run to run.

echo "== a veth pair"
ip netns add tnxa
ip netns add tnxb
ip link add veth-a netns tnxa type veth peer name veth-b netns tnxb
ip -n tnxa link set veth-a up
ip -n tnxb link set veth-b up
sleep 1   # Linux applies carrier changes from its link-watch work (batched up to 1 s)

echo "== put netem on veth-a: every frame waits 50 ms, a quarter are lost"
tc -n tnxa qdisc add dev veth-a root netem delay 50ms loss 25%
tc -n tnxa qdisc show dev veth-a

echo "== send 20 ARP probes, one per second, and count what arrives"
ip netns exec tnxb tcpdump -i veth-b -n -l arp &
sleep 1
ip netns exec tnxa arping -D -c 20 -I veth-a 10.0.0.2
sleep 1
kill %1
wait

echo "== netem's view: frames sent and dropped"
tc -n tnxa -s qdisc show dev veth-a

echo "== clean up"
ip netns del tnxa
ip netns del tnxb
