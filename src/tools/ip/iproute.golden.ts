/**
 * Golden transcript of `ip route` and `ip rule` (with the routes that addresses and
 * device events create, and /proc/net/route) on Linux: IPROUTE_SETUP then
 * IPROUTE_GOLDEN run with iproute2 6.1 in a fresh network namespace of a Linux 6.18
 * host with IPv6 disabled (tuxnet has no IPv6, so no inet6 routes), each command's
 * exit status in brackets, then its stdout and stderr. Captured by
 * test/iproute_fidelity.test.ts (which reruns it live when root) and replayed by
 * iproute.test.ts on tuxnet.
 */
export const IPROUTE_SETUP = ['ip link set lo up'];

/** [command, `[status]` line + stdout + stderr] */
export const IPROUTE_GOLDEN: readonly (readonly [string, string])[] = [
  ['ip route show table all', `[0]
local 127.0.0.0/8 dev lo table local proto kernel scope host src 127.0.0.1 
local 127.0.0.1 dev lo table local proto kernel scope host src 127.0.0.1 
broadcast 127.255.255.255 dev lo table local proto kernel scope link src 127.0.0.1 
`],
  ['ip rule', `[0]
0:	from all lookup local
32766:	from all lookup main
32767:	from all lookup default
`],
  ['ip -j rule', `[0]
[{"priority":0,"src":"all","table":"local"},{"priority":32766,"src":"all","table":"main"},{"priority":32767,"src":"all","table":"default"}]
`],
  ['ip route show table local', `[0]
local 127.0.0.0/8 dev lo proto kernel scope host src 127.0.0.1 
local 127.0.0.1 dev lo proto kernel scope host src 127.0.0.1 
broadcast 127.255.255.255 dev lo proto kernel scope link src 127.0.0.1 
`],
  ['ip route show table main', `[0]
`],
  ['ip route show table 100', `[2]
Error: ipv4: FIB table does not exist.
Dump terminated
`],
  ['ip link add v0 type veth peer name v1', `[0]
`],
  ['ip link set v0 up', `[0]
`],
  ['ip link set v1 up', `[0]
`],
  ['ip addr add 10.1.2.3/24 dev v0', `[0]
`],
  ['ip route show table all', `[0]
10.1.2.0/24 dev v0 proto kernel scope link src 10.1.2.3 
local 10.1.2.3 dev v0 table local proto kernel scope host src 10.1.2.3 
broadcast 10.1.2.255 dev v0 table local proto kernel scope link src 10.1.2.3 
local 127.0.0.0/8 dev lo table local proto kernel scope host src 127.0.0.1 
local 127.0.0.1 dev lo table local proto kernel scope host src 127.0.0.1 
broadcast 127.255.255.255 dev lo table local proto kernel scope link src 127.0.0.1 
`],
  ['ip -j route show table all', `[0]
[{"dst":"10.1.2.0/24","dev":"v0","protocol":"kernel","scope":"link","prefsrc":"10.1.2.3","flags":[]},{"type":"local","dst":"10.1.2.3","dev":"v0","table":"local","protocol":"kernel","scope":"host","prefsrc":"10.1.2.3","flags":[]},{"type":"broadcast","dst":"10.1.2.255","dev":"v0","table":"local","protocol":"kernel","scope":"link","prefsrc":"10.1.2.3","flags":[]},{"type":"local","dst":"127.0.0.0/8","dev":"lo","table":"local","protocol":"kernel","scope":"host","prefsrc":"127.0.0.1","flags":[]},{"type":"local","dst":"127.0.0.1","dev":"lo","table":"local","protocol":"kernel","scope":"host","prefsrc":"127.0.0.1","flags":[]},{"type":"broadcast","dst":"127.255.255.255","dev":"lo","table":"local","protocol":"kernel","scope":"link","prefsrc":"127.0.0.1","flags":[]}]
`],
  ['ip route add 10.9.0.0/16 via 10.1.2.1', `[0]
`],
  ['ip route add 10.9.0.0/16 via 10.1.2.1', `[2]
RTNETLINK answers: File exists
`],
  ['ip route add 10.8.0.0/16 via 10.1.3.1', `[2]
Error: Nexthop has invalid gateway.
`],
  ['ip route add 10.7.0.0/16 via 10.1.2.1 metric 100 mtu 1400 advmss 1360', `[0]
`],
  ['ip route add 10.6.0.0/16 via 10.1.2.1 mtu lock 1300', `[0]
`],
  ['ip route add default via 10.1.2.254', `[0]
`],
  ['ip route add blackhole 192.0.2.0/24', `[0]
`],
  ['ip route add unreachable 192.0.2.128/25 metric 5', `[0]
`],
  ['ip route add prohibit 198.51.100.0/24', `[0]
`],
  ['ip route add throw 203.0.113.0/24', `[0]
`],
  ['ip route add 172.16.0.0/12 dev v0 src 10.1.2.3', `[0]
`],
  ['ip route add 172.17.0.0/16 dev v0 proto static scope link', `[0]
`],
  ['ip route add 100.64.0.0/10 nexthop via 10.1.2.1 weight 1 nexthop via 10.1.2.2 weight 3', `[0]
`],
  ['ip route add 100.65.0.0/16 via 10.99.0.1 dev v0 onlink', `[0]
`],
  ['ip route add 10.50.0.0/16 via 10.1.2.1 table 100', `[0]
`],
  ['ip route add local 10.60.0.1 dev lo', `[0]
`],
  ['ip route add multicast 239.1.0.0/16 dev v0', `[0]
`],
  ['ip route add broadcast 10.70.0.255 dev v0', `[0]
`],
  ['ip route', `[0]
default via 10.1.2.254 dev v0 
10.1.2.0/24 dev v0 proto kernel scope link src 10.1.2.3 
10.6.0.0/16 via 10.1.2.1 dev v0 mtu lock 1300 
10.7.0.0/16 via 10.1.2.1 dev v0 metric 100 mtu 1400 advmss 1360 
10.9.0.0/16 via 10.1.2.1 dev v0 
100.64.0.0/10 
	nexthop via 10.1.2.1 dev v0 weight 1 
	nexthop via 10.1.2.2 dev v0 weight 3 
100.65.0.0/16 via 10.99.0.1 dev v0 onlink 
172.16.0.0/12 dev v0 scope link src 10.1.2.3 
172.17.0.0/16 dev v0 proto static scope link 
blackhole 192.0.2.0/24 
unreachable 192.0.2.128/25 metric 5 
prohibit 198.51.100.0/24 
throw 203.0.113.0/24 
multicast 239.1.0.0/16 dev v0 scope link 
`],
  ['ip route show table all', `[0]
10.50.0.0/16 via 10.1.2.1 dev v0 table 100 
default via 10.1.2.254 dev v0 
10.1.2.0/24 dev v0 proto kernel scope link src 10.1.2.3 
10.6.0.0/16 via 10.1.2.1 dev v0 mtu lock 1300 
10.7.0.0/16 via 10.1.2.1 dev v0 metric 100 mtu 1400 advmss 1360 
10.9.0.0/16 via 10.1.2.1 dev v0 
100.64.0.0/10 
	nexthop via 10.1.2.1 dev v0 weight 1 
	nexthop via 10.1.2.2 dev v0 weight 3 
100.65.0.0/16 via 10.99.0.1 dev v0 onlink 
172.16.0.0/12 dev v0 scope link src 10.1.2.3 
172.17.0.0/16 dev v0 proto static scope link 
blackhole 192.0.2.0/24 
unreachable 192.0.2.128/25 metric 5 
prohibit 198.51.100.0/24 
throw 203.0.113.0/24 
multicast 239.1.0.0/16 dev v0 scope link 
local 10.1.2.3 dev v0 table local proto kernel scope host src 10.1.2.3 
broadcast 10.1.2.255 dev v0 table local proto kernel scope link src 10.1.2.3 
local 10.60.0.1 dev lo table local scope host 
broadcast 10.70.0.255 dev v0 table local scope link 
local 127.0.0.0/8 dev lo table local proto kernel scope host src 127.0.0.1 
local 127.0.0.1 dev lo table local proto kernel scope host src 127.0.0.1 
broadcast 127.255.255.255 dev lo table local proto kernel scope link src 127.0.0.1 
`],
  ['ip -4 route show table all', `[0]
10.50.0.0/16 via 10.1.2.1 dev v0 table 100 
default via 10.1.2.254 dev v0 
10.1.2.0/24 dev v0 proto kernel scope link src 10.1.2.3 
10.6.0.0/16 via 10.1.2.1 dev v0 mtu lock 1300 
10.7.0.0/16 via 10.1.2.1 dev v0 metric 100 mtu 1400 advmss 1360 
10.9.0.0/16 via 10.1.2.1 dev v0 
100.64.0.0/10 
	nexthop via 10.1.2.1 dev v0 weight 1 
	nexthop via 10.1.2.2 dev v0 weight 3 
100.65.0.0/16 via 10.99.0.1 dev v0 onlink 
172.16.0.0/12 dev v0 scope link src 10.1.2.3 
172.17.0.0/16 dev v0 proto static scope link 
blackhole 192.0.2.0/24 
unreachable 192.0.2.128/25 metric 5 
prohibit 198.51.100.0/24 
throw 203.0.113.0/24 
multicast 239.1.0.0/16 dev v0 scope link 
local 10.1.2.3 dev v0 table local proto kernel scope host src 10.1.2.3 
broadcast 10.1.2.255 dev v0 table local proto kernel scope link src 10.1.2.3 
local 10.60.0.1 dev lo table local scope host 
broadcast 10.70.0.255 dev v0 table local scope link 
local 127.0.0.0/8 dev lo table local proto kernel scope host src 127.0.0.1 
local 127.0.0.1 dev lo table local proto kernel scope host src 127.0.0.1 
broadcast 127.255.255.255 dev lo table local proto kernel scope link src 127.0.0.1 
`],
  ['ip -j route', `[0]
[{"dst":"default","gateway":"10.1.2.254","dev":"v0","flags":[]},{"dst":"10.1.2.0/24","dev":"v0","protocol":"kernel","scope":"link","prefsrc":"10.1.2.3","flags":[]},{"dst":"10.6.0.0/16","gateway":"10.1.2.1","dev":"v0","flags":[],"metrics":[{"mtu":1300}]},{"dst":"10.7.0.0/16","gateway":"10.1.2.1","dev":"v0","metric":100,"flags":[],"metrics":[{"mtu":1400,"advmss":1360}]},{"dst":"10.9.0.0/16","gateway":"10.1.2.1","dev":"v0","flags":[]},{"dst":"100.64.0.0/10","flags":[],"nexthops":[{"gateway":"10.1.2.1","dev":"v0","weight":1,"flags":[]},{"gateway":"10.1.2.2","dev":"v0","weight":3,"flags":[]}]},{"dst":"100.65.0.0/16","gateway":"10.99.0.1","dev":"v0","flags":["onlink"]},{"dst":"172.16.0.0/12","dev":"v0","scope":"link","prefsrc":"10.1.2.3","flags":[]},{"dst":"172.17.0.0/16","dev":"v0","protocol":"static","scope":"link","flags":[]},{"type":"blackhole","dst":"192.0.2.0/24","flags":[]},{"type":"unreachable","dst":"192.0.2.128/25","metric":5,"flags":[]},{"type":"prohibit","dst":"198.51.100.0/24","flags":[]},{"type":"throw","dst":"203.0.113.0/24","flags":[]},{"type":"multicast","dst":"239.1.0.0/16","dev":"v0","scope":"link","flags":[]}]
`],
  ['ip -j -p route show table 100', `[0]
[ {
        "dst": "10.50.0.0/16",
        "gateway": "10.1.2.1",
        "dev": "v0",
        "flags": [ ]
    } ]
`],
  ['ip -d route', `[0]
unicast default via 10.1.2.254 dev v0 proto boot scope global 
unicast 10.1.2.0/24 dev v0 proto kernel scope link src 10.1.2.3 
unicast 10.6.0.0/16 via 10.1.2.1 dev v0 proto boot scope global mtu lock 1300 
unicast 10.7.0.0/16 via 10.1.2.1 dev v0 proto boot scope global metric 100 mtu 1400 advmss 1360 
unicast 10.9.0.0/16 via 10.1.2.1 dev v0 proto boot scope global 
unicast 100.64.0.0/10 proto boot scope global 
	nexthop via 10.1.2.1 dev v0 weight 1 
	nexthop via 10.1.2.2 dev v0 weight 3 
unicast 100.65.0.0/16 via 10.99.0.1 dev v0 proto boot scope global onlink 
unicast 172.16.0.0/12 dev v0 proto boot scope link src 10.1.2.3 
unicast 172.17.0.0/16 dev v0 proto static scope link 
blackhole 192.0.2.0/24 proto boot scope global 
unreachable 192.0.2.128/25 proto boot scope global metric 5 
prohibit 198.51.100.0/24 proto boot scope global 
throw 203.0.113.0/24 proto boot scope global 
multicast 239.1.0.0/16 dev v0 proto boot scope link 
`],
  ['ip route show table local', `[0]
local 10.1.2.3 dev v0 proto kernel scope host src 10.1.2.3 
broadcast 10.1.2.255 dev v0 proto kernel scope link src 10.1.2.3 
local 10.60.0.1 dev lo scope host 
broadcast 10.70.0.255 dev v0 scope link 
local 127.0.0.0/8 dev lo proto kernel scope host src 127.0.0.1 
local 127.0.0.1 dev lo proto kernel scope host src 127.0.0.1 
broadcast 127.255.255.255 dev lo proto kernel scope link src 127.0.0.1 
`],
  ['ip route show table 100', `[0]
10.50.0.0/16 via 10.1.2.1 dev v0 
`],
  ['ip route show table 101', `[2]
Error: ipv4: FIB table does not exist.
Dump terminated
`],
  ['ip route show proto kernel', `[0]
10.1.2.0/24 dev v0 scope link src 10.1.2.3 
`],
  ['ip route show scope link', `[0]
10.1.2.0/24 dev v0 proto kernel src 10.1.2.3 
172.16.0.0/12 dev v0 src 10.1.2.3 
172.17.0.0/16 dev v0 proto static 
multicast 239.1.0.0/16 dev v0 
`],
  ['ip route show type blackhole', `[0]
blackhole 192.0.2.0/24 
`],
  ['ip route show dev v0', `[0]
default via 10.1.2.254 
10.1.2.0/24 proto kernel scope link src 10.1.2.3 
10.6.0.0/16 via 10.1.2.1 mtu lock 1300 
10.7.0.0/16 via 10.1.2.1 metric 100 mtu 1400 advmss 1360 
10.9.0.0/16 via 10.1.2.1 
100.65.0.0/16 via 10.99.0.1 onlink 
172.16.0.0/12 scope link src 10.1.2.3 
172.17.0.0/16 proto static scope link 
multicast 239.1.0.0/16 scope link 
`],
  ['ip route show via 10.1.2.1', `[0]
10.6.0.0/16 dev v0 mtu lock 1300 
10.7.0.0/16 dev v0 metric 100 mtu 1400 advmss 1360 
10.9.0.0/16 dev v0 
`],
  ['ip route show root 10.0.0.0/8', `[0]
10.1.2.0/24 dev v0 proto kernel scope link src 10.1.2.3 
10.6.0.0/16 via 10.1.2.1 dev v0 mtu lock 1300 
10.7.0.0/16 via 10.1.2.1 dev v0 metric 100 mtu 1400 advmss 1360 
10.9.0.0/16 via 10.1.2.1 dev v0 
`],
  ['ip route show match 10.9.1.1', `[0]
default via 10.1.2.254 dev v0 
10.9.0.0/16 via 10.1.2.1 dev v0 
`],
  ['ip route show exact 10.9.0.0/16', `[0]
10.9.0.0/16 via 10.1.2.1 dev v0 
`],
  ['ip route show 10.9.0.0/16', `[0]
10.9.0.0/16 via 10.1.2.1 dev v0 
`],
  ['ip route show 10.9.0.0', `[0]
`],
  ['ip route show metric 100', `[0]
10.7.0.0/16 via 10.1.2.1 dev v0 mtu 1400 advmss 1360 
`],
  ['ip route show src 10.1.2.3', `[0]
10.1.2.0/24 dev v0 proto kernel scope link 
172.16.0.0/12 dev v0 scope link 
`],
  ['ip route show default', `[0]
default via 10.1.2.254 dev v0 
`],
  ['ip route show 0/0', `[0]
default via 10.1.2.254 dev v0 
`],
  ['ip route show all', `[0]
default via 10.1.2.254 dev v0 
10.1.2.0/24 dev v0 proto kernel scope link src 10.1.2.3 
10.6.0.0/16 via 10.1.2.1 dev v0 mtu lock 1300 
10.7.0.0/16 via 10.1.2.1 dev v0 metric 100 mtu 1400 advmss 1360 
10.9.0.0/16 via 10.1.2.1 dev v0 
100.64.0.0/10 
	nexthop via 10.1.2.1 dev v0 weight 1 
	nexthop via 10.1.2.2 dev v0 weight 3 
100.65.0.0/16 via 10.99.0.1 dev v0 onlink 
172.16.0.0/12 dev v0 scope link src 10.1.2.3 
172.17.0.0/16 dev v0 proto static scope link 
blackhole 192.0.2.0/24 
unreachable 192.0.2.128/25 metric 5 
prohibit 198.51.100.0/24 
throw 203.0.113.0/24 
multicast 239.1.0.0/16 dev v0 scope link 
`],
  ['ip route show table all type local', `[0]
local 10.1.2.3 dev v0 table local proto kernel scope host src 10.1.2.3 
local 10.60.0.1 dev lo table local scope host 
local 127.0.0.0/8 dev lo table local proto kernel scope host src 127.0.0.1 
local 127.0.0.1 dev lo table local proto kernel scope host src 127.0.0.1 
`],
  ['cat /proc/net/route', `[0]
Iface	Destination	Gateway 	Flags	RefCnt	Use	Metric	Mask		MTU	Window	IRTT                                                       
v0	00000000	FE02010A	0003	0	0	0	00000000	0	0	0                                                                                 
v0	0002010A	00000000	0001	0	0	0	00FFFFFF	0	0	0                                                                                 
v0	0000060A	0102010A	0003	0	0	0	0000FFFF	0	0	0                                                                                 
v0	0000070A	0102010A	0003	0	0	100	0000FFFF	1400	0	0                                                                            
v0	0000090A	0102010A	0003	0	0	0	0000FFFF	0	0	0                                                                                 
v0	00004064	0102010A	0003	0	0	0	0000C0FF	0	0	0                                                                                 
v0	00004164	0100630A	0003	0	0	0	0000FFFF	0	0	0                                                                                 
v0	000010AC	00000000	0001	0	0	0	0000F0FF	0	0	0                                                                                 
v0	000011AC	00000000	0001	0	0	0	0000FFFF	0	0	0                                                                                 
*	000200C0	00000000	0001	0	0	0	00FFFFFF	0	0	0                                                                                  
*	800200C0	00000000	0201	0	0	5	80FFFFFF	0	0	0                                                                                  
*	006433C6	00000000	0201	0	0	0	00FFFFFF	0	0	0                                                                                  
*	007100CB	00000000	0001	0	0	0	00FFFFFF	0	0	0                                                                                  
`],
  ['ip route del 10.9.0.0/16', `[0]
`],
  ['ip route del 10.9.0.0/16', `[2]
RTNETLINK answers: No such process
`],
  ['ip route del 10.99.0.0/16 table 200', `[2]
Error: FIB table does not exist.
`],
  ['ip route add 10.9.0.0/16 via 10.1.2.1', `[0]
`],
  ['ip route append 10.9.0.0/16 via 10.1.2.2', `[0]
`],
  ['ip route prepend 10.9.0.0/16 via 10.1.2.5', `[0]
`],
  ['ip route show 10.9.0.0/16', `[0]
10.9.0.0/16 via 10.1.2.5 dev v0 
10.9.0.0/16 via 10.1.2.1 dev v0 
10.9.0.0/16 via 10.1.2.2 dev v0 
`],
  ['ip route replace 10.9.0.0/16 via 10.1.2.9', `[0]
`],
  ['ip route show 10.9.0.0/16', `[0]
10.9.0.0/16 via 10.1.2.9 dev v0 
10.9.0.0/16 via 10.1.2.1 dev v0 
10.9.0.0/16 via 10.1.2.2 dev v0 
`],
  ['ip route change 10.9.0.0/16 via 10.1.2.10', `[0]
`],
  ['ip route change 10.19.0.0/16 via 10.1.2.10', `[2]
RTNETLINK answers: No such file or directory
`],
  ['ip route show 10.9.0.0/16', `[0]
10.9.0.0/16 via 10.1.2.10 dev v0 
10.9.0.0/16 via 10.1.2.1 dev v0 
10.9.0.0/16 via 10.1.2.2 dev v0 
`],
  ['ip route add 10.9.0.0/16 via 10.1.2.1 metric 50', `[0]
`],
  ['ip route show 10.9.0.0/16', `[0]
10.9.0.0/16 via 10.1.2.10 dev v0 
10.9.0.0/16 via 10.1.2.1 dev v0 
10.9.0.0/16 via 10.1.2.2 dev v0 
10.9.0.0/16 via 10.1.2.1 dev v0 metric 50 
`],
  ['ip route add x', `[255]
Command line is not complete. Try option "help"
`],
  ['ip route add 10.0.0.0/33 dev v0', `[1]
Error: any valid prefix is expected rather than "10.0.0.0/33".
`],
  ['ip route add 10.0.0.1/8 dev v0', `[2]
Error: Invalid prefix for given prefix length.
`],
  ['ip route add 10.0.0.0/8 dev nosuch', `[1]
Cannot find device "nosuch"
`],
  ['ip route add 10.0.0.0/8 via 10.1.2.1 dev lo', `[2]
Error: Nexthop has invalid gateway.
`],
  ['ip route add 10.0.0.0/8 via 10.1.2.3', `[0]
`],
  ['ip route add 10.0.0.0/8 src 1.2.3.4 dev v0', `[2]
Error: Invalid prefsrc address.
`],
  ['ip route add 10.0.0.0/8 via 10.1.2.1 weight 3', `[255]
Error: either "to" is duplicate, or "weight" is a garbage.
`],
  ['ip route add 10.0.0.0/8 nexthop via 10.1.2.1 weight 0', `[255]
Error: argument "0" is wrong: "weight" is invalid

`],
  ['ip route add 10.0.0.0/8 via 10.1.2.1 metric abc', `[255]
Error: argument "abc" is wrong: "metric" value is invalid

`],
  ['ip route add 10.0.0.0/8 table foo dev v0', `[255]
Error: argument "foo" is wrong: "table" value is invalid

`],
  ['ip route add 10.0.0.0/8 proto foo dev v0', `[255]
Error: argument "foo" is wrong: "protocol" value is invalid

`],
  ['ip route add 10.0.0.0/8 scope foo dev v0', `[255]
Error: argument "foo" is wrong: invalid "scope" value

`],
  ['ip route add 10.0.0.0/8 mtu abc dev v0', `[255]
Error: argument "abc" is wrong: "mtu" value is invalid

`],
  ['ip route add 10.0.0.0/8 via 1.1.1.1 dev v1', `[2]
Error: Nexthop has invalid gateway.
`],
  ['ip route foo', `[255]
Command "foo" is unknown, try "ip route help".
`],
  ['ip route flush', `[1]
"ip route flush" requires arguments.
`],
  ['ip route flush table 100', `[0]
`],
  ['ip route show table 100', `[0]
`],
  ['ip route flush dev v0 proto static', `[0]
`],
  ['ip route show proto static', `[0]
`],
  ['ip route del default', `[0]
`],
  ['ip route show default', `[0]
`],
  ['ip route del 100.64.0.0/10', `[0]
`],
  ['ip route add 10.20.0.0/16 via 10.1.2.1 dev v0', `[0]
`],
  ['ip -4 route show table all', `[0]
10.0.0.0/8 via 10.1.2.3 dev v0 
10.1.2.0/24 dev v0 proto kernel scope link src 10.1.2.3 
10.6.0.0/16 via 10.1.2.1 dev v0 mtu lock 1300 
10.7.0.0/16 via 10.1.2.1 dev v0 metric 100 mtu 1400 advmss 1360 
10.9.0.0/16 via 10.1.2.10 dev v0 
10.9.0.0/16 via 10.1.2.1 dev v0 
10.9.0.0/16 via 10.1.2.2 dev v0 
10.9.0.0/16 via 10.1.2.1 dev v0 metric 50 
10.20.0.0/16 via 10.1.2.1 dev v0 
100.65.0.0/16 via 10.99.0.1 dev v0 onlink 
172.16.0.0/12 dev v0 scope link src 10.1.2.3 
blackhole 192.0.2.0/24 
unreachable 192.0.2.128/25 metric 5 
prohibit 198.51.100.0/24 
throw 203.0.113.0/24 
multicast 239.1.0.0/16 dev v0 scope link 
local 10.1.2.3 dev v0 table local proto kernel scope host src 10.1.2.3 
broadcast 10.1.2.255 dev v0 table local proto kernel scope link src 10.1.2.3 
local 10.60.0.1 dev lo table local scope host 
broadcast 10.70.0.255 dev v0 table local scope link 
local 127.0.0.0/8 dev lo table local proto kernel scope host src 127.0.0.1 
local 127.0.0.1 dev lo table local proto kernel scope host src 127.0.0.1 
broadcast 127.255.255.255 dev lo table local proto kernel scope link src 127.0.0.1 
`],
  ['ip link set v0 down', `[0]
`],
  ['ip -4 route show table all', `[0]
blackhole 192.0.2.0/24 
unreachable 192.0.2.128/25 metric 5 
prohibit 198.51.100.0/24 
throw 203.0.113.0/24 
local 10.1.2.3 dev v0 table local proto kernel scope host src 10.1.2.3 
local 10.60.0.1 dev lo table local scope host 
local 127.0.0.0/8 dev lo table local proto kernel scope host src 127.0.0.1 
local 127.0.0.1 dev lo table local proto kernel scope host src 127.0.0.1 
broadcast 127.255.255.255 dev lo table local proto kernel scope link src 127.0.0.1 
`],
  ['ip link set v0 up', `[0]
`],
  ['ip -4 route show table all', `[0]
10.1.2.0/24 dev v0 proto kernel scope link src 10.1.2.3 
blackhole 192.0.2.0/24 
unreachable 192.0.2.128/25 metric 5 
prohibit 198.51.100.0/24 
throw 203.0.113.0/24 
local 10.1.2.3 dev v0 table local proto kernel scope host src 10.1.2.3 
broadcast 10.1.2.255 dev v0 table local proto kernel scope link src 10.1.2.3 
local 10.60.0.1 dev lo table local scope host 
local 127.0.0.0/8 dev lo table local proto kernel scope host src 127.0.0.1 
local 127.0.0.1 dev lo table local proto kernel scope host src 127.0.0.1 
broadcast 127.255.255.255 dev lo table local proto kernel scope link src 127.0.0.1 
`],
  ['ip link set v1 down', `[0]
`],
  ['ip -4 route show table all', `[0]
10.1.2.0/24 dev v0 proto kernel scope link src 10.1.2.3 linkdown 
blackhole 192.0.2.0/24 
unreachable 192.0.2.128/25 metric 5 
prohibit 198.51.100.0/24 
throw 203.0.113.0/24 
local 10.1.2.3 dev v0 table local proto kernel scope host src 10.1.2.3 
broadcast 10.1.2.255 dev v0 table local proto kernel scope link src 10.1.2.3 linkdown 
local 10.60.0.1 dev lo table local scope host 
local 127.0.0.0/8 dev lo table local proto kernel scope host src 127.0.0.1 
local 127.0.0.1 dev lo table local proto kernel scope host src 127.0.0.1 
broadcast 127.255.255.255 dev lo table local proto kernel scope link src 127.0.0.1 
`],
  ['ip link set v1 up', `[0]
`],
  ['ip addr add 10.1.2.4/24 dev v0', `[0]
`],
  ['ip addr add 10.5.0.1/16 dev v0', `[0]
`],
  ['ip addr add 10.9.9.9/32 dev v0', `[0]
`],
  ['ip addr add 10.8.8.8/31 dev v0', `[0]
`],
  ['ip addr add 10.7.0.1/24 brd 10.7.0.100 dev v0', `[0]
`],
  ['ip addr add 10.6.0.1/24 dev v0 noprefixroute', `[0]
`],
  ['ip addr add 10.4.0.1 peer 10.4.0.2 dev v0', `[0]
`],
  ['ip -4 route show table all', `[0]
10.1.2.0/24 dev v0 proto kernel scope link src 10.1.2.3 
10.4.0.2 dev v0 proto kernel scope link src 10.4.0.1 
10.5.0.0/16 dev v0 proto kernel scope link src 10.5.0.1 
10.7.0.0/24 dev v0 proto kernel scope link src 10.7.0.1 
10.8.8.8/31 dev v0 proto kernel scope link src 10.8.8.8 
blackhole 192.0.2.0/24 
unreachable 192.0.2.128/25 metric 5 
prohibit 198.51.100.0/24 
throw 203.0.113.0/24 
local 10.1.2.3 dev v0 table local proto kernel scope host src 10.1.2.3 
local 10.1.2.4 dev v0 table local proto kernel scope host src 10.1.2.3 
broadcast 10.1.2.255 dev v0 table local proto kernel scope link src 10.1.2.3 
local 10.4.0.1 dev v0 table local proto kernel scope host src 10.4.0.1 
local 10.5.0.1 dev v0 table local proto kernel scope host src 10.5.0.1 
broadcast 10.5.255.255 dev v0 table local proto kernel scope link src 10.5.0.1 
local 10.6.0.1 dev v0 table local proto kernel scope host src 10.6.0.1 
broadcast 10.6.0.255 dev v0 table local proto kernel scope link src 10.6.0.1 
local 10.7.0.1 dev v0 table local proto kernel scope host src 10.7.0.1 
broadcast 10.7.0.100 dev v0 table local proto kernel scope link src 10.7.0.1 
broadcast 10.7.0.255 dev v0 table local proto kernel scope link src 10.7.0.1 
local 10.8.8.8 dev v0 table local proto kernel scope host src 10.8.8.8 
local 10.9.9.9 dev v0 table local proto kernel scope host src 10.9.9.9 
local 10.60.0.1 dev lo table local scope host 
local 127.0.0.0/8 dev lo table local proto kernel scope host src 127.0.0.1 
local 127.0.0.1 dev lo table local proto kernel scope host src 127.0.0.1 
broadcast 127.255.255.255 dev lo table local proto kernel scope link src 127.0.0.1 
`],
  ['cat /proc/net/route', `[0]
Iface	Destination	Gateway 	Flags	RefCnt	Use	Metric	Mask		MTU	Window	IRTT                                                       
v0	0002010A	00000000	0001	0	0	0	00FFFFFF	0	0	0                                                                                 
v0	0200040A	00000000	0005	0	0	0	FFFFFFFF	0	0	0                                                                                 
v0	0000050A	00000000	0001	0	0	0	0000FFFF	0	0	0                                                                                 
v0	0000070A	00000000	0001	0	0	0	00FFFFFF	0	0	0                                                                                 
v0	0808080A	00000000	0001	0	0	0	FEFFFFFF	0	0	0                                                                                 
*	000200C0	00000000	0001	0	0	0	00FFFFFF	0	0	0                                                                                  
*	800200C0	00000000	0201	0	0	5	80FFFFFF	0	0	0                                                                                  
*	006433C6	00000000	0201	0	0	0	00FFFFFF	0	0	0                                                                                  
*	007100CB	00000000	0001	0	0	0	00FFFFFF	0	0	0                                                                                  
`],
  ['ip addr del 10.1.2.3/24 dev v0', `[0]
`],
  ['ip -4 route show table all', `[0]
10.4.0.2 dev v0 proto kernel scope link src 10.4.0.1 
10.5.0.0/16 dev v0 proto kernel scope link src 10.5.0.1 
10.7.0.0/24 dev v0 proto kernel scope link src 10.7.0.1 
10.8.8.8/31 dev v0 proto kernel scope link src 10.8.8.8 
blackhole 192.0.2.0/24 
unreachable 192.0.2.128/25 metric 5 
prohibit 198.51.100.0/24 
throw 203.0.113.0/24 
local 10.4.0.1 dev v0 table local proto kernel scope host src 10.4.0.1 
local 10.5.0.1 dev v0 table local proto kernel scope host src 10.5.0.1 
broadcast 10.5.255.255 dev v0 table local proto kernel scope link src 10.5.0.1 
local 10.6.0.1 dev v0 table local proto kernel scope host src 10.6.0.1 
broadcast 10.6.0.255 dev v0 table local proto kernel scope link src 10.6.0.1 
local 10.7.0.1 dev v0 table local proto kernel scope host src 10.7.0.1 
broadcast 10.7.0.100 dev v0 table local proto kernel scope link src 10.7.0.1 
broadcast 10.7.0.255 dev v0 table local proto kernel scope link src 10.7.0.1 
local 10.8.8.8 dev v0 table local proto kernel scope host src 10.8.8.8 
local 10.9.9.9 dev v0 table local proto kernel scope host src 10.9.9.9 
local 10.60.0.1 dev lo table local scope host 
local 127.0.0.0/8 dev lo table local proto kernel scope host src 127.0.0.1 
local 127.0.0.1 dev lo table local proto kernel scope host src 127.0.0.1 
broadcast 127.255.255.255 dev lo table local proto kernel scope link src 127.0.0.1 
`],
  ['ip rule add from 10.1.2.0/24 table 100', `[0]
`],
  ['ip rule add from 10.1.2.0/24 table 100', `[0]
`],
  ['ip rule add fwmark 0x10 table 101 pref 1000', `[0]
`],
  ['ip rule add fwmark 0x10 table 101 pref 1000', `[2]
RTNETLINK answers: File exists
`],
  ['ip rule add fwmark 0x20/0xf0 lookup 102', `[0]
`],
  ['ip rule add to 192.168.0.0/16 iif v0 prohibit', `[0]
`],
  ['ip rule add iif nosuchdev table 5', `[0]
`],
  ['ip rule add oif v1 unreachable pref 200', `[0]
`],
  ['ip rule add tos 0x10 blackhole', `[0]
`],
  ['ip rule add from all lookup main suppress_prefixlength 0 pref 50', `[0]
`],
  ['ip rule add pref 60 goto 70', `[0]
`],
  ['ip rule add pref 65 goto 64', `[2]
Error: Backward goto not supported.
`],
  ['ip rule add pref 66 nop', `[0]
`],
  ['ip rule add not from 1.2.3.4 table 7', `[0]
`],
  ['ip rule add uidrange 100-200 table 8', `[0]
`],
  ['ip rule add from 10.0.0.0/8 table 1000', `[0]
`],
  ['ip rule add table 0', `[0]
`],
  ['ip rule add goto 40000', `[0]
`],
  ['ip rule add tos 0x1 table 3', `[2]
Error: Invalid dsfield (tos): ECN bits must be 0.
`],
  ['ip rule add', `[1]
"ip rule add" requires arguments.
`],
  ['ip rule', `[0]
0:	from all lookup local
45:	from all goto 40000 [unresolved]
46:	from all lookup 1
47:	from 10.0.0.0/8 lookup 1000
48:	from all uidrange 100-200 lookup 8
49:	not from 1.2.3.4 lookup 7
50:	from all lookup main suppress_prefixlength 0
60:	from all goto 70 [unresolved]
66:	from all nop
199:	from all tos 0x10 blackhole
200:	from all oif v1 unreachable
997:	from all iif nosuchdev [detached] lookup 5
998:	from all to 192.168.0.0/16 iif v0 prohibit
999:	from all fwmark 0x20/0xf0 lookup 102
1000:	from all fwmark 0x10 lookup 101
32764:	from 10.1.2.0/24 lookup 100
32765:	from 10.1.2.0/24 lookup 100
32766:	from all lookup main
32767:	from all lookup default
`],
  ['ip -j rule', `[0]
[{"priority":0,"src":"all","table":"local"},{"priority":45,"src":"all","goto":40000,"unresolved":null},{"priority":46,"src":"all","table":"1"},{"priority":47,"src":"10.0.0.0","srclen":8,"table":"1000"},{"priority":48,"src":"all","uid_start":100,"uid_end":200,"table":"8"},{"priority":49,"not":null,"src":"1.2.3.4","table":"7"},{"priority":50,"src":"all","table":"main","suppress_prefixlen":0},{"priority":60,"src":"all","goto":70,"unresolved":null},{"priority":66,"src":"all","nop":null},{"priority":199,"src":"all","tos":"0x10","action":"blackhole"},{"priority":200,"src":"all","oif":"v1","action":"unreachable"},{"priority":997,"src":"all","iif":"nosuchdev","iif_detached":null,"table":"5"},{"priority":998,"src":"all","dst":"192.168.0.0","dstlen":16,"iif":"v0","action":"prohibit"},{"priority":999,"src":"all","fwmark":"0x20","fwmask":"0xf0","table":"102"},{"priority":1000,"src":"all","fwmark":"0x10","table":"101"},{"priority":32764,"src":"10.1.2.0","srclen":24,"table":"100"},{"priority":32765,"src":"10.1.2.0","srclen":24,"table":"100"},{"priority":32766,"src":"all","table":"main"},{"priority":32767,"src":"all","table":"default"}]
`],
  ['ip -j -p rule show pref 1000', `[0]
[ {
        "priority": 1000,
        "src": "all",
        "fwmark": "0x10",
        "table": "101"
    } ]
`],
  ['ip rule show table 100', `[0]
32764:	from 10.1.2.0/24 lookup 100
32765:	from 10.1.2.0/24 lookup 100
`],
  ['ip rule show from 10.1.2.0/24', `[0]
32764:	from 10.1.2.0/24 lookup 100
32765:	from 10.1.2.0/24 lookup 100
`],
  ['ip rule list fwmark 0x10', `[0]
1000:	from all fwmark 0x10 lookup 101
`],
  ['ip rule del pref 1000', `[0]
`],
  ['ip rule del pref 1000', `[2]
RTNETLINK answers: No such file or directory
`],
  ['ip rule del from 10.1.2.0/24', `[0]
`],
  ['ip rule del', `[1]
"ip rule del" requires arguments.
`],
  ['ip rule del table 8', `[0]
`],
  ['ip -4 rule show', `[0]
0:	from all lookup local
45:	from all goto 40000 [unresolved]
46:	from all lookup 1
47:	from 10.0.0.0/8 lookup 1000
49:	not from 1.2.3.4 lookup 7
50:	from all lookup main suppress_prefixlength 0
60:	from all goto 70 [unresolved]
66:	from all nop
199:	from all tos 0x10 blackhole
200:	from all oif v1 unreachable
997:	from all iif nosuchdev [detached] lookup 5
998:	from all to 192.168.0.0/16 iif v0 prohibit
999:	from all fwmark 0x20/0xf0 lookup 102
32765:	from 10.1.2.0/24 lookup 100
32766:	from all lookup main
32767:	from all lookup default
`],
  ['ip rule add pref 70 table 9', `[0]
`],
  ['ip rule', `[0]
0:	from all lookup local
45:	from all goto 40000 [unresolved]
46:	from all lookup 1
47:	from 10.0.0.0/8 lookup 1000
49:	not from 1.2.3.4 lookup 7
50:	from all lookup main suppress_prefixlength 0
60:	from all goto 70
66:	from all nop
70:	from all lookup 9
199:	from all tos 0x10 blackhole
200:	from all oif v1 unreachable
997:	from all iif nosuchdev [detached] lookup 5
998:	from all to 192.168.0.0/16 iif v0 prohibit
999:	from all fwmark 0x20/0xf0 lookup 102
32765:	from 10.1.2.0/24 lookup 100
32766:	from all lookup main
32767:	from all lookup default
`],
  ['ip route show table all', `[0]
10.4.0.2 dev v0 proto kernel scope link src 10.4.0.1 
10.5.0.0/16 dev v0 proto kernel scope link src 10.5.0.1 
10.7.0.0/24 dev v0 proto kernel scope link src 10.7.0.1 
10.8.8.8/31 dev v0 proto kernel scope link src 10.8.8.8 
blackhole 192.0.2.0/24 
unreachable 192.0.2.128/25 metric 5 
prohibit 198.51.100.0/24 
throw 203.0.113.0/24 
local 10.4.0.1 dev v0 table local proto kernel scope host src 10.4.0.1 
local 10.5.0.1 dev v0 table local proto kernel scope host src 10.5.0.1 
broadcast 10.5.255.255 dev v0 table local proto kernel scope link src 10.5.0.1 
local 10.6.0.1 dev v0 table local proto kernel scope host src 10.6.0.1 
broadcast 10.6.0.255 dev v0 table local proto kernel scope link src 10.6.0.1 
local 10.7.0.1 dev v0 table local proto kernel scope host src 10.7.0.1 
broadcast 10.7.0.100 dev v0 table local proto kernel scope link src 10.7.0.1 
broadcast 10.7.0.255 dev v0 table local proto kernel scope link src 10.7.0.1 
local 10.8.8.8 dev v0 table local proto kernel scope host src 10.8.8.8 
local 10.9.9.9 dev v0 table local proto kernel scope host src 10.9.9.9 
local 10.60.0.1 dev lo table local scope host 
local 127.0.0.0/8 dev lo table local proto kernel scope host src 127.0.0.1 
local 127.0.0.1 dev lo table local proto kernel scope host src 127.0.0.1 
broadcast 127.255.255.255 dev lo table local proto kernel scope link src 127.0.0.1 
`],
  ['ip rule flush', `[0]
`],
  ['ip rule', `[0]
0:	from all lookup local
`],
  ['ip rule del pref 0', `[0]
`],
  ['ip rule', `[0]
`],
  ['ip rule add pref 0 table local', `[0]
`],
  ['ip rule add pref 32766 table main', `[0]
`],
  ['ip rule add pref 32767 table default', `[0]
`],
  ['ip rule', `[0]
0:	from all lookup local
32766:	from all lookup main
32767:	from all lookup default
`],
  ['ip link del v0', `[0]
`],
  ['ip -4 route show table all', `[0]
blackhole 192.0.2.0/24 
unreachable 192.0.2.128/25 metric 5 
prohibit 198.51.100.0/24 
throw 203.0.113.0/24 
local 10.60.0.1 dev lo table local scope host 
local 127.0.0.0/8 dev lo table local proto kernel scope host src 127.0.0.1 
local 127.0.0.1 dev lo table local proto kernel scope host src 127.0.0.1 
broadcast 127.255.255.255 dev lo table local proto kernel scope link src 127.0.0.1 
`],
  ['ip link add v0 type veth peer name v1', `[0]
`],
  ['ip link set v0 up', `[0]
`],
  ['ip link set v1 up', `[0]
`],
  ['ip addr add 10.1.2.3/24 dev v0', `[0]
`],
  ['ip route add 10.9.0.0/16 via 10.1.2.1', `[0]
`],
  ['ip route add 10.8.0.0/16 via 10.1.2.1', `[0]
`],
  ['ip -s route flush 10.9.0.0/16', `[0]

*** Round 1, deleting 1 entries ***
*** Flush is complete after 1 round ***
`],
  ['ip -s route flush 10.9.0.0/16', `[0]
Nothing to flush.
`],
  ['ip -s -s route flush 10.8.0.0/16', `[0]
10.8.0.0/16 via 10.1.2.1 dev v0 

*** Round 1, deleting 1 entries ***
*** Flush is complete after 1 round ***
`],
  ['ip route flush cache', `[0]
`],
  ['ip -s route flush cache', `[0]
*** IPv4 routing cache is flushed.
`],
  ['ip route show cache', `[0]
`],
  ['ip route flush table main', `[0]
`],
  ['ip -4 route show table all', `[0]
local 10.1.2.3 dev v0 table local proto kernel scope host src 10.1.2.3 
broadcast 10.1.2.255 dev v0 table local proto kernel scope link src 10.1.2.3 
local 10.60.0.1 dev lo table local scope host 
local 127.0.0.0/8 dev lo table local proto kernel scope host src 127.0.0.1 
local 127.0.0.1 dev lo table local proto kernel scope host src 127.0.0.1 
broadcast 127.255.255.255 dev lo table local proto kernel scope link src 127.0.0.1 
`],
  ['ip -s route flush table local', `[0]

*** Round 1, deleting 6 entries ***
*** Flush is complete after 1 round ***
`],
  ['ip -4 route show table all', `[0]
`],
  ['ip link del v0', `[0]
`],
  ['ip link add v0 type veth peer name v1', `[0]
`],
  ['ip link set v0 up', `[0]
`],
  ['ip link set v1 up', `[0]
`],
  ['ip addr add 10.1.2.3/24 dev v0', `[0]
`],
  ['ip route add 10.0.0.0/8 dev v0 metric 10', `[0]
`],
  ['ip route add 10.0.0.0/8 dev v0 metric 20', `[0]
`],
  ['ip route add 10.0.0.0/8 dev v1 metric 20', `[2]
RTNETLINK answers: File exists
`],
  ['ip route show 10.0.0.0/8', `[0]
10.0.0.0/8 dev v0 scope link metric 10 
10.0.0.0/8 dev v0 scope link metric 20 
`],
  ['ip route del 10.0.0.0/8', `[0]
`],
  ['ip route show 10.0.0.0/8', `[0]
10.0.0.0/8 dev v0 scope link metric 20 
`],
  ['ip route del 10.0.0.0/8 dev v1', `[2]
RTNETLINK answers: No such process
`],
  ['ip route show 10.0.0.0/8', `[0]
10.0.0.0/8 dev v0 scope link metric 20 
`],
  ['ip route replace 10.0.0.0/8 dev v1 metric 20', `[0]
`],
  ['ip route show 10.0.0.0/8', `[0]
10.0.0.0/8 dev v1 scope link metric 20 
`],
  ['ip route add 172.20.0.0/16 via 10.1.2.1 table 300', `[0]
`],
  ['ip route show table 300', `[0]
172.20.0.0/16 via 10.1.2.1 dev v0 
`],
  ['ip route show table all', `[0]
172.20.0.0/16 via 10.1.2.1 dev v0 table 300 
10.0.0.0/8 dev v1 scope link metric 20 
10.1.2.0/24 dev v0 proto kernel scope link src 10.1.2.3 
local 10.1.2.3 dev v0 table local proto kernel scope host src 10.1.2.3 
broadcast 10.1.2.255 dev v0 table local proto kernel scope link src 10.1.2.3 
`],
  ['ip -j route show table 300', `[0]
[{"dst":"172.20.0.0/16","gateway":"10.1.2.1","dev":"v0","flags":[]}]
`],
  ['ip rule add from 172.20.0.0/16 table 300', `[0]
`],
  ['ip rule', `[0]
0:	from all lookup local
32765:	from 172.20.0.0/16 lookup 300
32766:	from all lookup main
32767:	from all lookup default
`],
  ['ip -j rule', `[0]
[{"priority":0,"src":"all","table":"local"},{"priority":32765,"src":"172.20.0.0","srclen":16,"table":"300"},{"priority":32766,"src":"all","table":"main"},{"priority":32767,"src":"all","table":"default"}]
`],
  ['ip route add 172.21.0.0/16 tos 0x10 dev v0', `[0]
`],
  ['ip route add 172.21.0.0/16 tos 0x3 dev v0', `[2]
Error: Invalid dsfield (tos): ECN bits must be 0.
`],
  ['ip route add 172.22.0.0/16 dev v0 realm 5', `[0]
`],
  ['ip route add 172.22.0.0/16 dev v0 realms 1/2', `[2]
RTNETLINK answers: File exists
`],
  ['ip route add 172.23.0.0/16 nexthop dev v0 nexthop dev v1 onlink', `[2]
Error: Invalid flags for nexthop - PERVASIVE and ONLINK can not be set.
`],
  ['ip route add 172.24.0.0/16 nexthop via 10.99.0.1 dev v0 onlink nexthop via 10.1.2.2', `[0]
`],
  ['ip route add 172.25.0.0/16 via 10.1.2.1 rtt 100ms rttvar 50 window 100 cwnd 10 initcwnd 4 ssthresh 8 reordering 3 hoplimit 32 initrwnd 5 rto_min 20ms quickack 1 features ecn congctl cubic', `[0]
`],
  ['ip route', `[0]
10.0.0.0/8 dev v1 scope link metric 20 
10.1.2.0/24 dev v0 proto kernel scope link src 10.1.2.3 
172.21.0.0/16 tos 0x10 dev v0 scope link 
172.22.0.0/16 dev v0 scope link realm 5 
172.24.0.0/16 
	nexthop via 10.99.0.1 dev v0 weight 1 onlink 
	nexthop via 10.1.2.2 dev v0 weight 1 
172.25.0.0/16 via 10.1.2.1 dev v0 window 100 rtt 100ms rttvar 12ms ssthresh 8 cwnd 10 reordering 3 hoplimit 32 initcwnd 4 features ecn rto_min lock 20ms initrwnd 5 quickack 1 congctl cubic 
`],
  ['ip -j route', `[0]
[{"dst":"10.0.0.0/8","dev":"v1","scope":"link","metric":20,"flags":[]},{"dst":"10.1.2.0/24","dev":"v0","protocol":"kernel","scope":"link","prefsrc":"10.1.2.3","flags":[]},{"dst":"172.21.0.0/16","tos":"0x10","dev":"v0","scope":"link","flags":[]},{"dst":"172.22.0.0/16","dev":"v0","scope":"link","flags":[],"flow":{"to":"5"}},{"dst":"172.24.0.0/16","flags":[],"nexthops":[{"gateway":"10.99.0.1","dev":"v0","weight":1,"flags":["onlink"]},{"gateway":"10.1.2.2","dev":"v0","weight":1,"flags":[]}]},{"dst":"172.25.0.0/16","gateway":"10.1.2.1","dev":"v0","flags":[],"metrics":[{"window":100,"rtt":100,"rttvar":12,"ssthresh":8,"cwnd":10,"reordering":3,"hoplimit":32,"initcwnd":4,"ecn":null,"rto_min":20,"initrwnd":5,"quickack":1,"congestion":"cubic"}]}]
`],
  ['ip -d route show 172.21.0.0/16', `[0]
unicast 172.21.0.0/16 tos 0x10 dev v0 proto boot scope link 
`],
  ['ip route show tos 0x10', `[0]
172.21.0.0/16 dev v0 scope link 
`],
  ['ip route add 172.26.0.0/16 via 10.1.2.1 dev v1', `[0]
`],
  ['ip route add 0.0.0.0/1 dev v0 scope host', `[0]
`],
  ['ip route add 127.2.0.0/16 dev v0', `[0]
`],
  ['ip route add 10.1.2.3 dev v0', `[0]
`],
  ['ip route add 224.0.0.0/4 dev v0', `[0]
`],
  ['ip route add local 172.30.0.1 dev v0 table main', `[0]
`],
  ['ip route add 172.31.0.0/16 dev v0 proto 200', `[0]
`],
  ['ip route add 172.31.0.0/16 dev v0 proto 200 metric 4294967295', `[0]
`],
  ['ip route show proto 200', `[0]
172.31.0.0/16 dev v0 scope link 
172.31.0.0/16 dev v0 scope link metric 4294967295 
`],
  ['ip route show table main type local', `[0]
local 172.30.0.1 dev v0 scope host 
`],
  ['ip route del 172.21.0.0/16 tos 0x10', `[0]
`],
  ['ip route del 172.21.0.0/16', `[2]
RTNETLINK answers: No such process
`],
  ['cat /proc/net/route', `[0]
Iface	Destination	Gateway 	Flags	RefCnt	Use	Metric	Mask		MTU	Window	IRTT                                                       
v0	00000000	00000000	0001	0	0	0	00000080	0	0	0                                                                                 
v1	0000000A	00000000	0001	0	0	20	000000FF	0	0	0                                                                                
v0	0002010A	00000000	0001	0	0	0	00FFFFFF	0	0	0                                                                                 
v0	0302010A	00000000	0005	0	0	0	FFFFFFFF	0	0	0                                                                                 
v0	0000027F	00000000	0001	0	0	0	0000FFFF	0	0	0                                                                                 
v0	000016AC	00000000	0001	0	0	0	0000FFFF	0	0	0                                                                                 
v0	000018AC	0100630A	0003	0	0	0	0000FFFF	0	0	0                                                                                 
v0	000019AC	0102010A	0003	0	0	0	0000FFFF	0	100	100                                                                             
v1	00001AAC	0102010A	0003	0	0	0	0000FFFF	0	0	0                                                                                 
v0	01001EAC	00000000	0005	0	0	0	FFFFFFFF	0	0	0                                                                                 
v0	00001FAC	00000000	0001	0	0	0	0000FFFF	0	0	0                                                                                 
v0	00001FAC	00000000	0001	0	0	4294967295	0000FFFF	0	0	0                                                                        
v0	000000E0	00000000	0001	0	0	0	000000F0	0	0	0                                                                                 
`],
  ['ip rule add from 1.2.3.4 realms 5 table 10', `[0]
`],
  ['ip rule add from 1.2.3.5 realms 1/2 table 10', `[0]
`],
  ['ip rule add from 1.2.3.6 realms cosmos table 10', `[0]
`],
  ['ip rule add from 1.2.3.7 realms x table 10', `[255]
Error: argument "x" is wrong: invalid realms

`],
  ['ip rule add dev lo table 11', `[0]
`],
  ['ip rule add iif lo oif lo table 12 pref 1', `[0]
`],
  ['ip rule add fwmark 7/0 table 13', `[0]
`],
  ['ip rule add sport 1000-2000 ipproto udp table 14', `[0]
`],
  ['ip rule add dport 53 table 15', `[0]
`],
  ['ip rule add uidrange 5 table 16', `[255]
Error: argument "5" is wrong: invalid UID range

`],
  ['ip rule add protocol static table 17', `[0]
`],
  ['ip rule add suppress_ifgroup 5 table 18', `[0]
`],
  ['ip rule add suppress_prefixlength -1 table 19', `[255]
Error: argument "-1" is wrong: suppress_prefixlength value is invalid

`],
  ['ip rule', `[0]
0:	from all lookup local
0:	from all fwmark 0x7/0 lookup 13
0:	from all ipproto udp sport 1000-2000 lookup 14
0:	from all dport 53 lookup 15
0:	from all lookup 17 proto static
0:	from all lookup 18 suppress_ifgroup 5
1:	from all iif lo oif lo lookup 12
32761:	from all iif lo lookup 11
32762:	from 1.2.3.6 lookup 10
32763:	from 1.2.3.5 lookup 10 realms 1/2
32764:	from 1.2.3.4 lookup 10 realms 5
32765:	from 172.20.0.0/16 lookup 300
32766:	from all lookup main
32767:	from all lookup default
`],
  ['ip -j rule', `[0]
[{"priority":0,"src":"all","table":"local"},{"priority":0,"src":"all","fwmark":"0x7","fwmask":"0","table":"13"},{"priority":0,"src":"all","ipproto":"udp","sport_start":1000,"sport_end":2000,"table":"14"},{"priority":0,"src":"all","dport":53,"table":"15"},{"priority":0,"src":"all","table":"17","protocol":"static"},{"priority":0,"src":"all","table":"18","suppress_ifgroup":"5"},{"priority":1,"src":"all","iif":"lo","oif":"lo","table":"12"},{"priority":32761,"src":"all","iif":"lo","table":"11"},{"priority":32762,"src":"1.2.3.6","table":"10"},{"priority":32763,"src":"1.2.3.5","table":"10","flow_from":"1","flow_to":"2"},{"priority":32764,"src":"1.2.3.4","table":"10","flow_to":"5"},{"priority":32765,"src":"172.20.0.0","srclen":16,"table":"300"},{"priority":32766,"src":"all","table":"main"},{"priority":32767,"src":"all","table":"default"}]
`],
  ['ip -d rule', `[0]
0:	from all lookup local proto unspec
0:	from all fwmark 0x7/0 lookup 13 proto unspec
0:	from all ipproto udp sport 1000-2000 lookup 14 proto unspec
0:	from all dport 53 lookup 15 proto unspec
0:	from all lookup 17 proto static
0:	from all lookup 18 suppress_ifgroup 5 proto unspec
1:	from all iif lo oif lo lookup 12 proto unspec
32761:	from all iif lo lookup 11 proto unspec
32762:	from 1.2.3.6 lookup 10 proto unspec
32763:	from 1.2.3.5 lookup 10 realms 1/2 proto unspec
32764:	from 1.2.3.4 lookup 10 realms 5 proto unspec
32765:	from 172.20.0.0/16 lookup 300 proto unspec
32766:	from all lookup main proto unspec
32767:	from all lookup default proto unspec
`],
  ['ip rule show iif lo', `[0]
1:	from all iif lo oif lo lookup 12
32761:	from all iif lo lookup 11
`],
  ['ip rule show oif lo', `[0]
1:	from all iif lo oif lo lookup 12
`],
  ['ip rule show lookup 10', `[0]
32762:	from 1.2.3.6 lookup 10
32763:	from 1.2.3.5 lookup 10 realms 1/2
32764:	from 1.2.3.4 lookup 10 realms 5
`],
  ['ip rule del realms 5', `[0]
`],
  ['ip rule del fwmark 7/0', `[0]
`],
  ['ip rule del sport 1000-2000', `[0]
`],
  ['ip rule', `[0]
0:	from all lookup local
0:	from all dport 53 lookup 15
0:	from all lookup 17 proto static
0:	from all lookup 18 suppress_ifgroup 5
1:	from all iif lo oif lo lookup 12
32761:	from all iif lo lookup 11
32762:	from 1.2.3.6 lookup 10
32763:	from 1.2.3.5 lookup 10 realms 1/2
32765:	from 172.20.0.0/16 lookup 300
32766:	from all lookup main
32767:	from all lookup default
`],
  ['ip route add 10.50.0.0/16 nexthop via 10.5.0.2 nexthop via 10.5.0.3', `[0]
`],
  ['ip -o route', `[0]
0.0.0.0/1 dev v0 scope host 
10.0.0.0/8 dev v1 scope link metric 20 
10.1.2.0/24 dev v0 proto kernel scope link src 10.1.2.3 
10.1.2.3 dev v0 scope link 
10.50.0.0/16 \\	nexthop via 10.5.0.2 dev v1 weight 1 \\	nexthop via 10.5.0.3 dev v1 weight 1 
127.2.0.0/16 dev v0 scope link 
172.22.0.0/16 dev v0 scope link realm 5 
172.24.0.0/16 \\	nexthop via 10.99.0.1 dev v0 weight 1 onlink \\	nexthop via 10.1.2.2 dev v0 weight 1 
172.25.0.0/16 via 10.1.2.1 dev v0 window 100 rtt 100ms rttvar 12ms ssthresh 8 cwnd 10 reordering 3 hoplimit 32 initcwnd 4 features ecn rto_min lock 20ms initrwnd 5 quickack 1 congctl cubic 
172.26.0.0/16 via 10.1.2.1 dev v1 
local 172.30.0.1 dev v0 scope host 
172.31.0.0/16 dev v0 proto 200 scope link 
172.31.0.0/16 dev v0 proto 200 scope link metric 4294967295 
224.0.0.0/4 dev v0 scope link 
`],
  ['ip -o route get 10.5.1.1', `[0]
10.5.1.1 dev v1 src 10.1.2.3 uid 0 \\    cache 
`],
  ['ip -o rule', `[0]
0:	from all lookup local
0:	from all dport 53 lookup 15
0:	from all lookup 17 proto static
0:	from all lookup 18 suppress_ifgroup 5
1:	from all iif lo oif lo lookup 12
32761:	from all iif lo lookup 11
32762:	from 1.2.3.6 lookup 10
32763:	from 1.2.3.5 lookup 10 realms 1/2
32765:	from 172.20.0.0/16 lookup 300
32766:	from all lookup main
32767:	from all lookup default
`],
  ['ip link del v0', `[0]
`],
  ['ip link add v0 type veth peer name v1', `[0]
`],
  ['ip link set v0 up', `[0]
`],
  ['ip link set v1 up', `[0]
`],
  ['ip addr add 10.1.2.3/24 dev v0', `[0]
`],
  ['ip addr add 10.1.2.4/24 dev v0', `[0]
`],
  ['ip addr add 10.1.2.5/24 dev v0', `[0]
`],
  ['ip addr add 10.1.3.1/24 dev v0', `[0]
`],
  ['ip -4 route show table all', `[0]
10.1.2.0/24 dev v0 proto kernel scope link src 10.1.2.3 
10.1.3.0/24 dev v0 proto kernel scope link src 10.1.3.1 
local 10.1.2.3 dev v0 table local proto kernel scope host src 10.1.2.3 
local 10.1.2.4 dev v0 table local proto kernel scope host src 10.1.2.3 
local 10.1.2.5 dev v0 table local proto kernel scope host src 10.1.2.3 
broadcast 10.1.2.255 dev v0 table local proto kernel scope link src 10.1.2.3 
local 10.1.3.1 dev v0 table local proto kernel scope host src 10.1.3.1 
broadcast 10.1.3.255 dev v0 table local proto kernel scope link src 10.1.3.1 
`],
  ['ip addr del 10.1.2.3/24 dev v0', `[0]
`],
  ['ip -4 route show table all', `[0]
10.1.3.0/24 dev v0 proto kernel scope link src 10.1.3.1 
local 10.1.3.1 dev v0 table local proto kernel scope host src 10.1.3.1 
broadcast 10.1.3.255 dev v0 table local proto kernel scope link src 10.1.3.1 
`],
  ['ip addr flush dev v0', `[0]
`],
  ['ip -4 route show table all', `[0]
`],
  ['ip addr add 10.1.2.3/24 dev v0', `[0]
`],
  ['ip addr add 10.1.2.4/24 dev v0', `[0]
`],
  ['ip addr add 10.1.2.5/24 dev v0', `[0]
`],
  ['ip addr add 10.1.2.3/16 dev v0', `[0]
`],
  ['ip addr add 10.1.2.3/8 brd 10.255.255.255 dev v0', `[0]
`],
  ['ip -4 route show table all', `[0]
10.0.0.0/8 dev v0 proto kernel scope link src 10.1.2.3 
10.1.0.0/16 dev v0 proto kernel scope link src 10.1.2.3 
10.1.2.0/24 dev v0 proto kernel scope link src 10.1.2.3 
local 10.1.2.3 dev v0 table local proto kernel scope host src 10.1.2.3 
local 10.1.2.4 dev v0 table local proto kernel scope host src 10.1.2.3 
local 10.1.2.5 dev v0 table local proto kernel scope host src 10.1.2.3 
broadcast 10.1.2.255 dev v0 table local proto kernel scope link src 10.1.2.3 
broadcast 10.1.255.255 dev v0 table local proto kernel scope link src 10.1.2.3 
broadcast 10.255.255.255 dev v0 table local proto kernel scope link src 10.1.2.3 
`],
  ['ip addr del 10.1.2.3/24 dev v0', `[0]
`],
  ['ip -4 route show table all', `[0]
10.0.0.0/8 dev v0 proto kernel scope link src 10.1.2.3 
10.1.0.0/16 dev v0 proto kernel scope link src 10.1.2.3 
local 10.1.2.3 dev v0 table local proto kernel scope host src 10.1.2.3 
broadcast 10.1.255.255 dev v0 table local proto kernel scope link src 10.1.2.3 
broadcast 10.255.255.255 dev v0 table local proto kernel scope link src 10.1.2.3 
`],
  ['ip addr del 10.1.2.3/16 dev v0', `[0]
`],
  ['ip -4 route show table all', `[0]
10.0.0.0/8 dev v0 proto kernel scope link src 10.1.2.3 
local 10.1.2.3 dev v0 table local proto kernel scope host src 10.1.2.3 
broadcast 10.255.255.255 dev v0 table local proto kernel scope link src 10.1.2.3 
`],
  ['ip link del v0', `[0]
`],
  ['ip link add v0 type veth peer name v1', `[0]
`],
  ['ip link set v0 up', `[0]
`],
  ['ip link set v1 up', `[0]
`],
  ['sysctl -qw net.ipv4.conf.v0.promote_secondaries=1', `[0]
`],
  ['ip addr add 10.1.2.3/24 dev v0', `[0]
`],
  ['ip addr add 10.1.2.4/24 dev v0', `[0]
`],
  ['ip addr add 10.1.2.5/24 dev v0', `[0]
`],
  ['ip addr add 10.1.3.1/24 dev v0', `[0]
`],
  ['ip -4 route show table all', `[0]
10.1.2.0/24 dev v0 proto kernel scope link src 10.1.2.3 
10.1.3.0/24 dev v0 proto kernel scope link src 10.1.3.1 
local 10.1.2.3 dev v0 table local proto kernel scope host src 10.1.2.3 
local 10.1.2.4 dev v0 table local proto kernel scope host src 10.1.2.3 
local 10.1.2.5 dev v0 table local proto kernel scope host src 10.1.2.3 
broadcast 10.1.2.255 dev v0 table local proto kernel scope link src 10.1.2.3 
local 10.1.3.1 dev v0 table local proto kernel scope host src 10.1.3.1 
broadcast 10.1.3.255 dev v0 table local proto kernel scope link src 10.1.3.1 
`],
  ['ip addr del 10.1.2.3/24 dev v0', `[0]
`],
  ['ip -4 route show table all', `[0]
10.1.2.0/24 dev v0 proto kernel scope link src 10.1.2.4 
10.1.3.0/24 dev v0 proto kernel scope link src 10.1.3.1 
local 10.1.2.4 dev v0 table local proto kernel scope host src 10.1.2.4 
local 10.1.2.5 dev v0 table local proto kernel scope host src 10.1.2.4 
broadcast 10.1.2.255 dev v0 table local proto kernel scope link src 10.1.2.4 
local 10.1.3.1 dev v0 table local proto kernel scope host src 10.1.3.1 
broadcast 10.1.3.255 dev v0 table local proto kernel scope link src 10.1.3.1 
`],
  ['ip addr del 10.1.2.4/24 dev v0', `[0]
`],
  ['ip -4 route show table all', `[0]
10.1.2.0/24 dev v0 proto kernel scope link src 10.1.2.5 
10.1.3.0/24 dev v0 proto kernel scope link src 10.1.3.1 
local 10.1.2.5 dev v0 table local proto kernel scope host src 10.1.2.5 
broadcast 10.1.2.255 dev v0 table local proto kernel scope link src 10.1.2.5 
local 10.1.3.1 dev v0 table local proto kernel scope host src 10.1.3.1 
broadcast 10.1.3.255 dev v0 table local proto kernel scope link src 10.1.3.1 
`],
  ['ip addr add 10.1.2.4/24 brd 10.1.2.200 dev v0', `[0]
`],
  ['ip addr del 10.1.2.5/24 dev v0', `[0]
`],
  ['ip -4 route show table all', `[0]
10.1.2.0/24 dev v0 proto kernel scope link src 10.1.2.4 
10.1.3.0/24 dev v0 proto kernel scope link src 10.1.3.1 
local 10.1.2.4 dev v0 table local proto kernel scope host src 10.1.2.4 
broadcast 10.1.2.200 dev v0 table local proto kernel scope link src 10.1.2.4 
broadcast 10.1.2.255 dev v0 table local proto kernel scope link src 10.1.2.4 
local 10.1.3.1 dev v0 table local proto kernel scope host src 10.1.3.1 
broadcast 10.1.3.255 dev v0 table local proto kernel scope link src 10.1.3.1 
`],
];
