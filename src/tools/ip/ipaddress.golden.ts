/**
 * Golden transcript of `ip address` on Linux: SETUP then SCRIPT run with
 * iproute2 6.1 (and procps sysctl) in a fresh network namespace of a Linux
 * 6.18 host with IPv6 disabled (tuxnet has no IPv6, so no inet6 lines), each
 * command's exit status in brackets, then its stdout and stderr. Captured by
 * test/ipaddr_fidelity.test.ts (which reruns it live when root) and replayed
 * by ipaddress.test.ts on tuxnet.
 */
export const IPADDR_SETUP = [
  'ip link set lo up',
  'ip link add veth0 address 02:00:00:00:00:10 type veth peer name veth1 address 02:00:00:00:00:11',
  'ip link add veth2 address 02:00:00:00:00:20 type veth peer name veth3 address 02:00:00:00:00:21',
];

/** [command, `[status]` line + stdout + stderr] */
export const IPADDR_GOLDEN: readonly (readonly [string, string])[] = [
  ['ip addr add 10.0.0.1/24 dev veth0', `[0]
`],
  ['ip addr add 10.0.0.2/24 dev veth0', `[0]
`],
  ['ip addr add 10.0.0.3/24 brd + dev veth0 label veth0:a', `[0]
`],
  ['ip addr add 192.168.7.1/16 brd + dev veth0', `[0]
`],
  ['ip address add 10.1.1.1 peer 10.1.1.2/32 dev veth2', `[0]
`],
  ['ip addr add 172.16.0.1/12 dev veth2 scope link', `[0]
`],
  ['ip addr add 172.17.0.1/12 dev veth2 scope host', `[2]
Error: ipv4: Invalid scope value.
`],
  ['ip a add 10.9.9.9/24 dev veth3 noprefixroute metric 55', `[0]
`],
  ['ip addr add 10.0.0.1/24 dev veth0', `[2]
Error: ipv4: Address already assigned.
`],
  ['ip addr add 10.0.0.1/24 dev nosuch', `[1]
Cannot find device "nosuch"
`],
  ['ip addr add x dev veth0', `[1]
Error: any valid prefix is expected rather than "x".
`],
  ['ip addr add 10.0.0.1/33 dev veth0', `[1]
Error: any valid prefix is expected rather than "10.0.0.1/33".
`],
  ['ip addr add 10.0.0.5/24', `[1]
Not enough information: "dev" argument is required.
`],
  ['ip addr add 10.0.0.5/24 dev veth0 scope foo', `[255]
Error: argument "foo" is wrong: invalid scope value.
`],
  ['ip addr add 10.0.0.5/24 dev veth0 brd + brd -', `[255]
Error: duplicate "broadcast": "-" is the second value.
`],
  ['ip addr add 10.0.0.5/24 dev veth0 valid_lft 10', `[1]
preferred_lft is greater than valid_lft
`],
  ['ip addr add 10.0.0.5/24 dev veth0 nodad', `[0]
Warning: nodad option can be set only for IPv6 addresses
`],
  ['ip addr add 10.0.0.6/24 dev veth0 secondary', `[0]
Warning: secondary option is not mutable from userspace
`],
  ['ip addr add 10.0.0.7/24 dev veth0 valid_lft 100 preferred_lft 50', `[0]
`],
  ['ip addr add 10.0.0.8/24 dev veth0 valid_lft 100 preferred_lft 0', `[0]
`],
  ['ip addr del 10.0.0.77/24 dev veth0', `[2]
Error: ipv4: Address not found.
`],
  ['ip -4 addr add dev veth0', `[2]
Error: ipv4: Local address is not supplied.
`],
  ['ip link set veth0 up', `[0]
`],
  ['ip addr', `[0]
1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
    inet 127.0.0.1/8 scope host lo
       valid_lft forever preferred_lft forever
2: veth1@veth0: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN group default qlen 1000
    link/ether 02:00:00:00:00:11 brd ff:ff:ff:ff:ff:ff
3: veth0@veth1: <NO-CARRIER,BROADCAST,MULTICAST,UP,M-DOWN> mtu 1500 qdisc noqueue state LOWERLAYERDOWN group default qlen 1000
    link/ether 02:00:00:00:00:10 brd ff:ff:ff:ff:ff:ff
    inet 10.0.0.1/24 scope global veth0
       valid_lft forever preferred_lft forever
    inet 192.168.7.1/16 brd 192.168.255.255 scope global veth0
       valid_lft forever preferred_lft forever
    inet 10.0.0.2/24 scope global secondary veth0
       valid_lft forever preferred_lft forever
    inet 10.0.0.3/24 brd 10.0.0.255 scope global secondary veth0:a
       valid_lft forever preferred_lft forever
    inet 10.0.0.5/24 scope global secondary veth0
       valid_lft forever preferred_lft forever
    inet 10.0.0.6/24 scope global secondary veth0
       valid_lft forever preferred_lft forever
    inet 10.0.0.7/24 scope global secondary dynamic veth0
       valid_lft 100sec preferred_lft 50sec
    inet 10.0.0.8/24 scope global secondary deprecated dynamic veth0
       valid_lft 100sec preferred_lft 0sec
4: veth3@veth2: <BROADCAST,MULTICAST,M-DOWN> mtu 1500 qdisc noop state DOWN group default qlen 1000
    link/ether 02:00:00:00:00:21 brd ff:ff:ff:ff:ff:ff
    inet 10.9.9.9/24 metric 55 scope global noprefixroute veth3
       valid_lft forever preferred_lft forever
5: veth2@veth3: <BROADCAST,MULTICAST,M-DOWN> mtu 1500 qdisc noop state DOWN group default qlen 1000
    link/ether 02:00:00:00:00:20 brd ff:ff:ff:ff:ff:ff
    inet 172.16.0.1/12 scope link veth2
       valid_lft forever preferred_lft forever
    inet 10.1.1.1 peer 10.1.1.2/32 scope global veth2
       valid_lft forever preferred_lft forever
`],
  ['ip -4 addr', `[0]
1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000
    inet 127.0.0.1/8 scope host lo
       valid_lft forever preferred_lft forever
3: veth0@veth1: <NO-CARRIER,BROADCAST,MULTICAST,UP,M-DOWN> mtu 1500 qdisc noqueue state LOWERLAYERDOWN group default qlen 1000
    inet 10.0.0.1/24 scope global veth0
       valid_lft forever preferred_lft forever
    inet 192.168.7.1/16 brd 192.168.255.255 scope global veth0
       valid_lft forever preferred_lft forever
    inet 10.0.0.2/24 scope global secondary veth0
       valid_lft forever preferred_lft forever
    inet 10.0.0.3/24 brd 10.0.0.255 scope global secondary veth0:a
       valid_lft forever preferred_lft forever
    inet 10.0.0.5/24 scope global secondary veth0
       valid_lft forever preferred_lft forever
    inet 10.0.0.6/24 scope global secondary veth0
       valid_lft forever preferred_lft forever
    inet 10.0.0.7/24 scope global secondary dynamic veth0
       valid_lft 100sec preferred_lft 50sec
    inet 10.0.0.8/24 scope global secondary deprecated dynamic veth0
       valid_lft 100sec preferred_lft 0sec
4: veth3@veth2: <BROADCAST,MULTICAST,M-DOWN> mtu 1500 qdisc noop state DOWN group default qlen 1000
    inet 10.9.9.9/24 metric 55 scope global noprefixroute veth3
       valid_lft forever preferred_lft forever
5: veth2@veth3: <BROADCAST,MULTICAST,M-DOWN> mtu 1500 qdisc noop state DOWN group default qlen 1000
    inet 172.16.0.1/12 scope link veth2
       valid_lft forever preferred_lft forever
    inet 10.1.1.1 peer 10.1.1.2/32 scope global veth2
       valid_lft forever preferred_lft forever
`],
  ['ip -br addr', `[0]
lo               UNKNOWN        127.0.0.1/8 
veth1@veth0      DOWN           
veth0@veth1      LOWERLAYERDOWN 10.0.0.1/24 192.168.7.1/16 10.0.0.2/24 10.0.0.3/24 10.0.0.5/24 10.0.0.6/24 10.0.0.7/24 10.0.0.8/24 
veth3@veth2      DOWN           10.9.9.9/24 metric 55 
veth2@veth3      DOWN           172.16.0.1/12 10.1.1.1 peer 10.1.1.2/32 
`],
  ['ip -br -4 addr', `[0]
lo               UNKNOWN        127.0.0.1/8 
veth0@veth1      LOWERLAYERDOWN 10.0.0.1/24 192.168.7.1/16 10.0.0.2/24 10.0.0.3/24 10.0.0.5/24 10.0.0.6/24 10.0.0.7/24 10.0.0.8/24 
veth3@veth2      DOWN           10.9.9.9/24 metric 55 
veth2@veth3      DOWN           172.16.0.1/12 10.1.1.1 peer 10.1.1.2/32 
`],
  ['ip -o addr', `[0]
1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever
3: veth0    inet 10.0.0.1/24 scope global veth0\\       valid_lft forever preferred_lft forever
3: veth0    inet 192.168.7.1/16 brd 192.168.255.255 scope global veth0\\       valid_lft forever preferred_lft forever
3: veth0    inet 10.0.0.2/24 scope global secondary veth0\\       valid_lft forever preferred_lft forever
3: veth0    inet 10.0.0.3/24 brd 10.0.0.255 scope global secondary veth0:a\\       valid_lft forever preferred_lft forever
3: veth0    inet 10.0.0.5/24 scope global secondary veth0\\       valid_lft forever preferred_lft forever
3: veth0    inet 10.0.0.6/24 scope global secondary veth0\\       valid_lft forever preferred_lft forever
3: veth0    inet 10.0.0.7/24 scope global secondary dynamic veth0\\       valid_lft 100sec preferred_lft 50sec
3: veth0    inet 10.0.0.8/24 scope global secondary deprecated dynamic veth0\\       valid_lft 100sec preferred_lft 0sec
4: veth3    inet 10.9.9.9/24 metric 55 scope global noprefixroute veth3\\       valid_lft forever preferred_lft forever
5: veth2    inet 172.16.0.1/12 scope link veth2\\       valid_lft forever preferred_lft forever
5: veth2    inet 10.1.1.1 peer 10.1.1.2/32 scope global veth2\\       valid_lft forever preferred_lft forever
`],
  ['ip -o -4 addr show dev veth2', `[0]
5: veth2    inet 172.16.0.1/12 scope link veth2\\       valid_lft forever preferred_lft forever
5: veth2    inet 10.1.1.1 peer 10.1.1.2/32 scope global veth2\\       valid_lft forever preferred_lft forever
`],
  ['ip -j addr', `[0]
[{"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP","LOWER_UP"],"mtu":65536,"qdisc":"noqueue","operstate":"UNKNOWN","group":"default","txqlen":1000,"link_type":"loopback","address":"00:00:00:00:00:00","broadcast":"00:00:00:00:00:00","addr_info":[{"family":"inet","local":"127.0.0.1","prefixlen":8,"scope":"host","label":"lo","valid_life_time":4294967295,"preferred_life_time":4294967295}]},{"ifindex":2,"link":"veth0","ifname":"veth1","flags":["BROADCAST","MULTICAST"],"mtu":1500,"qdisc":"noop","operstate":"DOWN","group":"default","txqlen":1000,"link_type":"ether","address":"02:00:00:00:00:11","broadcast":"ff:ff:ff:ff:ff:ff","addr_info":[]},{"ifindex":3,"link":"veth1","ifname":"veth0","flags":["NO-CARRIER","BROADCAST","MULTICAST","UP","M-DOWN"],"mtu":1500,"qdisc":"noqueue","operstate":"LOWERLAYERDOWN","group":"default","txqlen":1000,"link_type":"ether","address":"02:00:00:00:00:10","broadcast":"ff:ff:ff:ff:ff:ff","addr_info":[{"family":"inet","local":"10.0.0.1","prefixlen":24,"scope":"global","label":"veth0","valid_life_time":4294967295,"preferred_life_time":4294967295},{"family":"inet","local":"192.168.7.1","prefixlen":16,"broadcast":"192.168.255.255","scope":"global","label":"veth0","valid_life_time":4294967295,"preferred_life_time":4294967295},{"family":"inet","local":"10.0.0.2","prefixlen":24,"scope":"global","secondary":true,"label":"veth0","valid_life_time":4294967295,"preferred_life_time":4294967295},{"family":"inet","local":"10.0.0.3","prefixlen":24,"broadcast":"10.0.0.255","scope":"global","secondary":true,"label":"veth0:a","valid_life_time":4294967295,"preferred_life_time":4294967295},{"family":"inet","local":"10.0.0.5","prefixlen":24,"scope":"global","secondary":true,"label":"veth0","valid_life_time":4294967295,"preferred_life_time":4294967295},{"family":"inet","local":"10.0.0.6","prefixlen":24,"scope":"global","secondary":true,"label":"veth0","valid_life_time":4294967295,"preferred_life_time":4294967295},{"family":"inet","local":"10.0.0.7","prefixlen":24,"scope":"global","secondary":true,"dynamic":true,"label":"veth0","valid_life_time":100,"preferred_life_time":50},{"family":"inet","local":"10.0.0.8","prefixlen":24,"scope":"global","secondary":true,"deprecated":true,"dynamic":true,"label":"veth0","valid_life_time":100,"preferred_life_time":0}]},{"ifindex":4,"link":"veth2","ifname":"veth3","flags":["BROADCAST","MULTICAST","M-DOWN"],"mtu":1500,"qdisc":"noop","operstate":"DOWN","group":"default","txqlen":1000,"link_type":"ether","address":"02:00:00:00:00:21","broadcast":"ff:ff:ff:ff:ff:ff","addr_info":[{"family":"inet","local":"10.9.9.9","prefixlen":24,"metric":55,"scope":"global","noprefixroute":true,"label":"veth3","valid_life_time":4294967295,"preferred_life_time":4294967295}]},{"ifindex":5,"link":"veth3","ifname":"veth2","flags":["BROADCAST","MULTICAST","M-DOWN"],"mtu":1500,"qdisc":"noop","operstate":"DOWN","group":"default","txqlen":1000,"link_type":"ether","address":"02:00:00:00:00:20","broadcast":"ff:ff:ff:ff:ff:ff","addr_info":[{"family":"inet","local":"172.16.0.1","prefixlen":12,"scope":"link","label":"veth2","valid_life_time":4294967295,"preferred_life_time":4294967295},{"family":"inet","local":"10.1.1.1","address":"10.1.1.2","prefixlen":32,"scope":"global","label":"veth2","valid_life_time":4294967295,"preferred_life_time":4294967295}]}]
`],
  ['ip -j -p addr show dev veth2', `[0]
[ {
        "ifindex": 5,
        "link": "veth3",
        "ifname": "veth2",
        "flags": [ "BROADCAST","MULTICAST","M-DOWN" ],
        "mtu": 1500,
        "qdisc": "noop",
        "operstate": "DOWN",
        "group": "default",
        "txqlen": 1000,
        "link_type": "ether",
        "address": "02:00:00:00:00:20",
        "broadcast": "ff:ff:ff:ff:ff:ff",
        "addr_info": [ {
                "family": "inet",
                "local": "172.16.0.1",
                "prefixlen": 12,
                "scope": "link",
                "label": "veth2",
                "valid_life_time": 4294967295,
                "preferred_life_time": 4294967295
            },{
                "family": "inet",
                "local": "10.1.1.1",
                "address": "10.1.1.2",
                "prefixlen": 32,
                "scope": "global",
                "label": "veth2",
                "valid_life_time": 4294967295,
                "preferred_life_time": 4294967295
            } ]
    } ]
`],
  ['ip -j -br addr', `[0]
[{"ifname":"lo","operstate":"UNKNOWN","addr_info":[{"local":"127.0.0.1","prefixlen":8}]},{"link":"veth0","ifname":"veth1","operstate":"DOWN","addr_info":[]},{"link":"veth1","ifname":"veth0","operstate":"LOWERLAYERDOWN","addr_info":[{"local":"10.0.0.1","prefixlen":24},{"local":"192.168.7.1","prefixlen":16},{"local":"10.0.0.2","prefixlen":24},{"local":"10.0.0.3","prefixlen":24},{"local":"10.0.0.5","prefixlen":24},{"local":"10.0.0.6","prefixlen":24},{"local":"10.0.0.7","prefixlen":24},{"local":"10.0.0.8","prefixlen":24}]},{"link":"veth2","ifname":"veth3","operstate":"DOWN","addr_info":[{"local":"10.9.9.9","prefixlen":24,"metric":55}]},{"link":"veth3","ifname":"veth2","operstate":"DOWN","addr_info":[{"local":"172.16.0.1","prefixlen":12},{"local":"10.1.1.1","address":"10.1.1.2","prefixlen":32}]}]
`],
  ['ip addr show dev veth0', `[0]
3: veth0@veth1: <NO-CARRIER,BROADCAST,MULTICAST,UP,M-DOWN> mtu 1500 qdisc noqueue state LOWERLAYERDOWN group default qlen 1000
    link/ether 02:00:00:00:00:10 brd ff:ff:ff:ff:ff:ff
    inet 10.0.0.1/24 scope global veth0
       valid_lft forever preferred_lft forever
    inet 192.168.7.1/16 brd 192.168.255.255 scope global veth0
       valid_lft forever preferred_lft forever
    inet 10.0.0.2/24 scope global secondary veth0
       valid_lft forever preferred_lft forever
    inet 10.0.0.3/24 brd 10.0.0.255 scope global secondary veth0:a
       valid_lft forever preferred_lft forever
    inet 10.0.0.5/24 scope global secondary veth0
       valid_lft forever preferred_lft forever
    inet 10.0.0.6/24 scope global secondary veth0
       valid_lft forever preferred_lft forever
    inet 10.0.0.7/24 scope global secondary dynamic veth0
       valid_lft 100sec preferred_lft 50sec
    inet 10.0.0.8/24 scope global secondary deprecated dynamic veth0
       valid_lft 100sec preferred_lft 0sec
`],
  ['ip addr show up', `[0]
1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
    inet 127.0.0.1/8 scope host lo
       valid_lft forever preferred_lft forever
3: veth0@veth1: <NO-CARRIER,BROADCAST,MULTICAST,UP,M-DOWN> mtu 1500 qdisc noqueue state LOWERLAYERDOWN group default qlen 1000
    link/ether 02:00:00:00:00:10 brd ff:ff:ff:ff:ff:ff
    inet 10.0.0.1/24 scope global veth0
       valid_lft forever preferred_lft forever
    inet 192.168.7.1/16 brd 192.168.255.255 scope global veth0
       valid_lft forever preferred_lft forever
    inet 10.0.0.2/24 scope global secondary veth0
       valid_lft forever preferred_lft forever
    inet 10.0.0.3/24 brd 10.0.0.255 scope global secondary veth0:a
       valid_lft forever preferred_lft forever
    inet 10.0.0.5/24 scope global secondary veth0
       valid_lft forever preferred_lft forever
    inet 10.0.0.6/24 scope global secondary veth0
       valid_lft forever preferred_lft forever
    inet 10.0.0.7/24 scope global secondary dynamic veth0
       valid_lft 100sec preferred_lft 50sec
    inet 10.0.0.8/24 scope global secondary deprecated dynamic veth0
       valid_lft 100sec preferred_lft 0sec
`],
  ['ip -j addr show up', `[0]
[{"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP","LOWER_UP"],"mtu":65536,"qdisc":"noqueue","operstate":"UNKNOWN","group":"default","txqlen":1000,"link_type":"loopback","address":"00:00:00:00:00:00","broadcast":"00:00:00:00:00:00","addr_info":[{"family":"inet","local":"127.0.0.1","prefixlen":8,"scope":"host","label":"lo","valid_life_time":4294967295,"preferred_life_time":4294967295}]},{},{"ifindex":3,"link":"veth1","ifname":"veth0","flags":["NO-CARRIER","BROADCAST","MULTICAST","UP","M-DOWN"],"mtu":1500,"qdisc":"noqueue","operstate":"LOWERLAYERDOWN","group":"default","txqlen":1000,"link_type":"ether","address":"02:00:00:00:00:10","broadcast":"ff:ff:ff:ff:ff:ff","addr_info":[{"family":"inet","local":"10.0.0.1","prefixlen":24,"scope":"global","label":"veth0","valid_life_time":4294967295,"preferred_life_time":4294967295},{"family":"inet","local":"192.168.7.1","prefixlen":16,"broadcast":"192.168.255.255","scope":"global","label":"veth0","valid_life_time":4294967295,"preferred_life_time":4294967295},{"family":"inet","local":"10.0.0.2","prefixlen":24,"scope":"global","secondary":true,"label":"veth0","valid_life_time":4294967295,"preferred_life_time":4294967295},{"family":"inet","local":"10.0.0.3","prefixlen":24,"broadcast":"10.0.0.255","scope":"global","secondary":true,"label":"veth0:a","valid_life_time":4294967295,"preferred_life_time":4294967295},{"family":"inet","local":"10.0.0.5","prefixlen":24,"scope":"global","secondary":true,"label":"veth0","valid_life_time":4294967295,"preferred_life_time":4294967295},{"family":"inet","local":"10.0.0.6","prefixlen":24,"scope":"global","secondary":true,"label":"veth0","valid_life_time":4294967295,"preferred_life_time":4294967295},{"family":"inet","local":"10.0.0.7","prefixlen":24,"scope":"global","secondary":true,"dynamic":true,"label":"veth0","valid_life_time":100,"preferred_life_time":50},{"family":"inet","local":"10.0.0.8","prefixlen":24,"scope":"global","secondary":true,"deprecated":true,"dynamic":true,"label":"veth0","valid_life_time":100,"preferred_life_time":0}]},{},{}]
`],
  ['ip addr show label veth0:a', `[0]
    inet 10.0.0.3/24 brd 10.0.0.255 scope global secondary veth0:a
       valid_lft forever preferred_lft forever
`],
  ['ip -j addr show label veth0*', `[0]
[{"addr_info":[]},{"addr_info":[{"family":"inet","local":"10.0.0.1","prefixlen":24,"scope":"global","label":"veth0","valid_life_time":4294967295,"preferred_life_time":4294967295},{"family":"inet","local":"192.168.7.1","prefixlen":16,"broadcast":"192.168.255.255","scope":"global","label":"veth0","valid_life_time":4294967295,"preferred_life_time":4294967295},{"family":"inet","local":"10.0.0.2","prefixlen":24,"scope":"global","secondary":true,"label":"veth0","valid_life_time":4294967295,"preferred_life_time":4294967295},{"family":"inet","local":"10.0.0.3","prefixlen":24,"broadcast":"10.0.0.255","scope":"global","secondary":true,"label":"veth0:a","valid_life_time":4294967295,"preferred_life_time":4294967295},{"family":"inet","local":"10.0.0.5","prefixlen":24,"scope":"global","secondary":true,"label":"veth0","valid_life_time":4294967295,"preferred_life_time":4294967295},{"family":"inet","local":"10.0.0.6","prefixlen":24,"scope":"global","secondary":true,"label":"veth0","valid_life_time":4294967295,"preferred_life_time":4294967295},{"family":"inet","local":"10.0.0.7","prefixlen":24,"scope":"global","secondary":true,"dynamic":true,"label":"veth0","valid_life_time":100,"preferred_life_time":50},{"family":"inet","local":"10.0.0.8","prefixlen":24,"scope":"global","secondary":true,"deprecated":true,"dynamic":true,"label":"veth0","valid_life_time":100,"preferred_life_time":0}]}]
`],
  ['ip addr show scope link', `[0]
2: veth1@veth0: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN group default qlen 1000
    link/ether 02:00:00:00:00:11 brd ff:ff:ff:ff:ff:ff
5: veth2@veth3: <BROADCAST,MULTICAST,M-DOWN> mtu 1500 qdisc noop state DOWN group default qlen 1000
    link/ether 02:00:00:00:00:20 brd ff:ff:ff:ff:ff:ff
    inet 172.16.0.1/12 scope link veth2
       valid_lft forever preferred_lft forever
`],
  ['ip addr show secondary', `[0]
2: veth1@veth0: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN group default qlen 1000
    link/ether 02:00:00:00:00:11 brd ff:ff:ff:ff:ff:ff
3: veth0@veth1: <NO-CARRIER,BROADCAST,MULTICAST,UP,M-DOWN> mtu 1500 qdisc noqueue state LOWERLAYERDOWN group default qlen 1000
    link/ether 02:00:00:00:00:10 brd ff:ff:ff:ff:ff:ff
    inet 10.0.0.2/24 scope global secondary veth0
       valid_lft forever preferred_lft forever
    inet 10.0.0.3/24 brd 10.0.0.255 scope global secondary veth0:a
       valid_lft forever preferred_lft forever
    inet 10.0.0.5/24 scope global secondary veth0
       valid_lft forever preferred_lft forever
    inet 10.0.0.6/24 scope global secondary veth0
       valid_lft forever preferred_lft forever
    inet 10.0.0.7/24 scope global secondary dynamic veth0
       valid_lft 100sec preferred_lft 50sec
    inet 10.0.0.8/24 scope global secondary deprecated dynamic veth0
       valid_lft 100sec preferred_lft 0sec
`],
  ['ip addr show primary dev veth0', `[0]
3: veth0@veth1: <NO-CARRIER,BROADCAST,MULTICAST,UP,M-DOWN> mtu 1500 qdisc noqueue state LOWERLAYERDOWN group default qlen 1000
    link/ether 02:00:00:00:00:10 brd ff:ff:ff:ff:ff:ff
    inet 10.0.0.1/24 scope global veth0
       valid_lft forever preferred_lft forever
    inet 192.168.7.1/16 brd 192.168.255.255 scope global veth0
       valid_lft forever preferred_lft forever
`],
  ['ip addr show to 10.0.0.0/24', `[0]
3: veth0@veth1: <NO-CARRIER,BROADCAST,MULTICAST,UP,M-DOWN> mtu 1500 qdisc noqueue state LOWERLAYERDOWN group default qlen 1000
    inet 10.0.0.1/24 scope global veth0
       valid_lft forever preferred_lft forever
    inet 10.0.0.2/24 scope global secondary veth0
       valid_lft forever preferred_lft forever
    inet 10.0.0.3/24 brd 10.0.0.255 scope global secondary veth0:a
       valid_lft forever preferred_lft forever
    inet 10.0.0.5/24 scope global secondary veth0
       valid_lft forever preferred_lft forever
    inet 10.0.0.6/24 scope global secondary veth0
       valid_lft forever preferred_lft forever
    inet 10.0.0.7/24 scope global secondary dynamic veth0
       valid_lft 100sec preferred_lft 50sec
    inet 10.0.0.8/24 scope global secondary deprecated dynamic veth0
       valid_lft 100sec preferred_lft 0sec
`],
  ['ip addr show dev nosuch', `[1]
Device "nosuch" does not exist.
`],
  ['ip addr foo', `[255]
Command "foo" is unknown, try "ip address help".
`],
  ['ip a s veth3', `[0]
4: veth3@veth2: <BROADCAST,MULTICAST,M-DOWN> mtu 1500 qdisc noop state DOWN group default qlen 1000
    link/ether 02:00:00:00:00:21 brd ff:ff:ff:ff:ff:ff
    inet 10.9.9.9/24 metric 55 scope global noprefixroute veth3
       valid_lft forever preferred_lft forever
`],
  ['ip -s addr show dev veth2', `[0]
5: veth2@veth3: <BROADCAST,MULTICAST,M-DOWN> mtu 1500 qdisc noop state DOWN group default qlen 1000
    link/ether 02:00:00:00:00:20 brd ff:ff:ff:ff:ff:ff
    inet 172.16.0.1/12 scope link veth2
       valid_lft forever preferred_lft forever
    inet 10.1.1.1 peer 10.1.1.2/32 scope global veth2
       valid_lft forever preferred_lft forever
    RX:  bytes packets errors dropped  missed   mcast           
             0       0      0       0       0       0 
    TX:  bytes packets errors dropped carrier collsns           
             0       0      0       0       0       0 
`],
  ['ip -s -s addr show dev veth2', `[0]
5: veth2@veth3: <BROADCAST,MULTICAST,M-DOWN> mtu 1500 qdisc noop state DOWN group default qlen 1000
    link/ether 02:00:00:00:00:20 brd ff:ff:ff:ff:ff:ff
    inet 172.16.0.1/12 scope link veth2
       valid_lft forever preferred_lft forever
    inet 10.1.1.1 peer 10.1.1.2/32 scope global veth2
       valid_lft forever preferred_lft forever
    RX:  bytes packets errors dropped  missed   mcast           
             0       0      0       0       0       0 
    RX errors:  length    crc   frame    fifo overrun
                     0      0       0       0       0 
    TX:  bytes packets errors dropped carrier collsns           
             0       0      0       0       0       0 
    TX errors: aborted   fifo  window heartbt transns
                     0      0       0       0       1 
`],
  ['ip -j -s addr show dev veth2', `[0]
[{"ifindex":5,"link":"veth3","ifname":"veth2","flags":["BROADCAST","MULTICAST","M-DOWN"],"mtu":1500,"qdisc":"noop","operstate":"DOWN","group":"default","txqlen":1000,"link_type":"ether","address":"02:00:00:00:00:20","broadcast":"ff:ff:ff:ff:ff:ff","addr_info":[{"family":"inet","local":"172.16.0.1","prefixlen":12,"scope":"link","label":"veth2","valid_life_time":4294967295,"preferred_life_time":4294967295},{"family":"inet","local":"10.1.1.1","address":"10.1.1.2","prefixlen":32,"scope":"global","label":"veth2","valid_life_time":4294967295,"preferred_life_time":4294967295}],"stats64":{"rx":{"bytes":0,"packets":0,"errors":0,"dropped":0,"over_errors":0,"multicast":0},"tx":{"bytes":0,"packets":0,"errors":0,"dropped":0,"carrier_errors":0,"collisions":0}}}]
`],
  ['ip -br -s addr show dev veth2', `[0]
veth2@veth3      DOWN           172.16.0.1/12 10.1.1.1 peer 10.1.1.2/32 
`],
  ['ip addr change 10.9.9.9/24 dev veth3 metric 66', `[0]
`],
  ['ip addr replace 10.9.9.10/24 dev veth3', `[0]
`],
  ['ip addr change 10.9.9.11/24 dev veth3', `[0]
`],
  ['ip addr show dev veth3', `[0]
4: veth3@veth2: <BROADCAST,MULTICAST,M-DOWN> mtu 1500 qdisc noop state DOWN group default qlen 1000
    link/ether 02:00:00:00:00:21 brd ff:ff:ff:ff:ff:ff
    inet 10.9.9.9/24 metric 66 scope global noprefixroute veth3
       valid_lft forever preferred_lft forever
    inet 10.9.9.10/24 scope global secondary veth3
       valid_lft forever preferred_lft forever
    inet 10.9.9.11/24 scope global secondary veth3
       valid_lft forever preferred_lft forever
`],
  ['ip addr del 10.0.0.1/24 dev veth0', `[0]
`],
  ['ip addr show dev veth0', `[0]
3: veth0@veth1: <NO-CARRIER,BROADCAST,MULTICAST,UP,M-DOWN> mtu 1500 qdisc noqueue state LOWERLAYERDOWN group default qlen 1000
    link/ether 02:00:00:00:00:10 brd ff:ff:ff:ff:ff:ff
    inet 192.168.7.1/16 brd 192.168.255.255 scope global veth0
       valid_lft forever preferred_lft forever
`],
  ['sysctl -w net.ipv4.conf.veth2.promote_secondaries=1', `[0]
net.ipv4.conf.veth2.promote_secondaries = 1
`],
  ['ip addr add 172.16.0.2/12 dev veth2 scope link', `[0]
`],
  ['ip addr add 172.16.0.3/12 dev veth2 scope link', `[0]
`],
  ['ip addr del 172.16.0.1/12 dev veth2', `[0]
`],
  ['ip addr show dev veth2', `[0]
5: veth2@veth3: <BROADCAST,MULTICAST,M-DOWN> mtu 1500 qdisc noop state DOWN group default qlen 1000
    link/ether 02:00:00:00:00:20 brd ff:ff:ff:ff:ff:ff
    inet 172.16.0.2/12 scope link veth2
       valid_lft forever preferred_lft forever
    inet 10.1.1.1 peer 10.1.1.2/32 scope global veth2
       valid_lft forever preferred_lft forever
    inet 172.16.0.3/12 scope link secondary veth2
       valid_lft forever preferred_lft forever
`],
  ['ip addr del 10.0.0.3 dev veth0', `[2]
Warning: Executing wildcard deletion to stay compatible with old scripts.
         Explicitly specify the prefix length (10.0.0.3/32) to avoid this warning.
         This special behaviour is likely to disappear in further releases,
         fix your scripts!
Error: ipv4: Address not found.
`],
  ['ip -s addr flush dev veth0', `[0]

*** Round 1, deleting 1 addresses ***
*** Flush is complete after 1 round ***
`],
  ['ip addr flush dev veth2 secondary', `[0]
`],
  ['ip -s -s addr flush dev veth3', `[0]
4: veth3    inet 10.9.9.9/24 metric 66 scope global noprefixroute veth3
       valid_lft forever preferred_lft forever
4: veth3    inet 10.9.9.10/24 scope global secondary veth3
       valid_lft forever preferred_lft forever
4: veth3    inet 10.9.9.11/24 scope global secondary veth3
       valid_lft forever preferred_lft forever

*** Round 1, deleting 3 addresses ***
*** Flush is complete after 1 round ***
`],
  ['ip addr flush', `[1]
Flush requires arguments.
`],
  ['ip addr', `[0]
1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
    inet 127.0.0.1/8 scope host lo
       valid_lft forever preferred_lft forever
2: veth1@veth0: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN group default qlen 1000
    link/ether 02:00:00:00:00:11 brd ff:ff:ff:ff:ff:ff
3: veth0@veth1: <NO-CARRIER,BROADCAST,MULTICAST,UP,M-DOWN> mtu 1500 qdisc noqueue state LOWERLAYERDOWN group default qlen 1000
    link/ether 02:00:00:00:00:10 brd ff:ff:ff:ff:ff:ff
4: veth3@veth2: <BROADCAST,MULTICAST,M-DOWN> mtu 1500 qdisc noop state DOWN group default qlen 1000
    link/ether 02:00:00:00:00:21 brd ff:ff:ff:ff:ff:ff
5: veth2@veth3: <BROADCAST,MULTICAST,M-DOWN> mtu 1500 qdisc noop state DOWN group default qlen 1000
    link/ether 02:00:00:00:00:20 brd ff:ff:ff:ff:ff:ff
    inet 172.16.0.2/12 scope link veth2
       valid_lft forever preferred_lft forever
    inet 10.1.1.1 peer 10.1.1.2/32 scope global veth2
       valid_lft forever preferred_lft forever
`],
  ['ip link del veth0', `[0]
`],
  ['ip -br addr', `[0]
lo               UNKNOWN        127.0.0.1/8 
veth3@veth2      DOWN           
veth2@veth3      DOWN           172.16.0.2/12 10.1.1.1 peer 10.1.1.2/32 
`],
];
