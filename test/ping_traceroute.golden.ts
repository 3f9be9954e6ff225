/**
 * Golden transcripts of iputils ping 20221126 and traceroute 2.1.2 on this host
 * (Linux 6.18, Debian 12), each case run in freshly made tnxi* namespaces (the
 * topology of ping_traceroute_fidelity.test.ts) so ICMP rate-limit state starts
 * empty. `out`/`err` are the program's stdout/stderr, `rc` its exit status; round
 * trip times and statistics times are masked by the test.
 */

export interface PingCase {
  name: string;
  /** Commands run before, after the topology (sysctls, a first traceroute). */
  pre?: string[];
  ns: string;
  cmd: string;
  out: string;
  err: string;
  rc: number;
}

export const CASES: PingCase[] = [
  {
    name: "basic",
    ns: "tnxi1",
    cmd: "ping -c 3 10.0.0.2",
    out: "PING 10.0.0.2 (10.0.0.2) 56(84) bytes of data.\n" +
      "64 bytes from 10.0.0.2: icmp_seq=1 ttl=64 time=0.296 ms\n" +
      "64 bytes from 10.0.0.2: icmp_seq=2 ttl=64 time=0.087 ms\n" +
      "64 bytes from 10.0.0.2: icmp_seq=3 ttl=64 time=0.043 ms\n" +
      "\n" +
      "--- 10.0.0.2 ping statistics ---\n" +
      "3 packets transmitted, 3 received, 0% packet loss, time 2032ms\n" +
      "rtt min/avg/max/mdev = 0.043/0.142/0.296/0.110 ms\n",
    err: "",
    rc: 0,
  },
  {
    name: "unreach",
    ns: "tnxi1",
    cmd: "ping -c 2 10.0.0.3",
    out: "PING 10.0.0.3 (10.0.0.3) 56(84) bytes of data.\n" +
      "From 10.0.0.1 icmp_seq=1 Destination Host Unreachable\n" +
      "From 10.0.0.1 icmp_seq=2 Destination Host Unreachable\n" +
      "\n" +
      "--- 10.0.0.3 ping statistics ---\n" +
      "2 packets transmitted, 0 received, +2 errors, 100% packet loss, time 1026ms\n" +
      "pipe 2\n",
    err: "",
    rc: 1,
  },
  {
    name: "ttl",
    ns: "tnxia",
    cmd: "ping -c 2 -t 1 10.0.3.2",
    out: "PING 10.0.3.2 (10.0.3.2) 56(84) bytes of data.\n" +
      "From 10.0.1.1 icmp_seq=1 Time to live exceeded\n" +
      "From 10.0.1.1 icmp_seq=2 Time to live exceeded\n" +
      "\n" +
      "--- 10.0.3.2 ping statistics ---\n" +
      "2 packets transmitted, 0 received, +2 errors, 100% packet loss, time 1025ms\n" +
      "\n",
    err: "",
    rc: 1,
  },
  {
    name: "chain",
    ns: "tnxia",
    cmd: "ping -c 2 10.0.3.2",
    out: "PING 10.0.3.2 (10.0.3.2) 56(84) bytes of data.\n" +
      "64 bytes from 10.0.3.2: icmp_seq=1 ttl=62 time=0.274 ms\n" +
      "64 bytes from 10.0.3.2: icmp_seq=2 ttl=62 time=0.073 ms\n" +
      "\n" +
      "--- 10.0.3.2 ping statistics ---\n" +
      "2 packets transmitted, 2 received, 0% packet loss, time 1020ms\n" +
      "rtt min/avg/max/mdev = 0.073/0.173/0.274/0.100 ms\n",
    err: "",
    rc: 0,
  },
  {
    name: "fragneed",
    ns: "tnxia",
    cmd: "ping -c 3 -M do -s 1450 10.0.3.2",
    out: "PING 10.0.3.2 (10.0.3.2) 1450(1478) bytes of data.\n" +
      "From 10.0.1.1 icmp_seq=1 Frag needed and DF set (mtu = 1400)\n" +
      "\n" +
      "--- 10.0.3.2 ping statistics ---\n" +
      "3 packets transmitted, 0 received, +3 errors, 100% packet loss, time 2041ms\n" +
      "\n",
    err: "ping: local error: message too long, mtu=1400\n" +
      "ping: local error: message too long, mtu=1400\n",
    rc: 1,
  },
  {
    name: "fragwant",
    ns: "tnxia",
    cmd: "ping -c 2 -s 1450 10.0.3.2",
    out: "PING 10.0.3.2 (10.0.3.2) 1450(1478) bytes of data.\n" +
      "From 10.0.1.1 icmp_seq=1 Frag needed and DF set (mtu = 1400)\n" +
      "1458 bytes from 10.0.3.2: icmp_seq=2 ttl=62 time=0.287 ms\n" +
      "\n" +
      "--- 10.0.3.2 ping statistics ---\n" +
      "2 packets transmitted, 1 received, +1 errors, 50% packet loss, time 1012ms\n" +
      "rtt min/avg/max/mdev = 0.287/0.287/0.287/0.000 ms\n",
    err: "",
    rc: 0,
  },
  {
    name: "fragdont",
    ns: "tnxia",
    cmd: "ping -c 2 -M dont -s 1450 10.0.3.2",
    out: "PING 10.0.3.2 (10.0.3.2) 1450(1478) bytes of data.\n" +
      "1458 bytes from 10.0.3.2: icmp_seq=1 ttl=62 time=0.453 ms\n" +
      "1458 bytes from 10.0.3.2: icmp_seq=2 ttl=62 time=0.097 ms\n" +
      "\n" +
      "--- 10.0.3.2 ping statistics ---\n" +
      "2 packets transmitted, 2 received, 0% packet loss, time 1035ms\n" +
      "rtt min/avg/max/mdev = 0.097/0.275/0.453/0.178 ms\n",
    err: "",
    rc: 0,
  },
  {
    name: "localmsgsize",
    ns: "tnxi1",
    cmd: "ping -c 2 -M do -s 1600 10.0.0.2",
    out: "PING 10.0.0.2 (10.0.0.2) 1600(1628) bytes of data.\n" +
      "\n" +
      "--- 10.0.0.2 ping statistics ---\n" +
      "2 packets transmitted, 0 received, +2 errors, 100% packet loss, time 1003ms\n" +
      "\n",
    err: "ping: local error: message too long, mtu=1500\n" +
      "ping: local error: message too long, mtu=1500\n",
    rc: 1,
  },
  {
    name: "bcast_nob",
    ns: "tnxi1",
    cmd: "ping -c 2 10.0.0.255",
    out: "",
    err: "ping: Do you want to ping broadcast? Then -b. If not, check your local firewall rules\n",
    rc: 2,
  },
  {
    name: "bcast",
    ns: "tnxi1",
    cmd: "ping -c 2 -b 10.0.0.255",
    out: "PING 10.0.0.255 (10.0.0.255) 56(84) bytes of data.\n" +
      "\n" +
      "--- 10.0.0.255 ping statistics ---\n" +
      "2 packets transmitted, 0 received, 100% packet loss, time 1017ms\n" +
      "\n",
    err: "WARNING: pinging broadcast address\n",
    rc: 1,
  },
  {
    name: "bcast_reply",
    pre: ["ip netns exec tnxi2 sysctl -qw net.ipv4.icmp_echo_ignore_broadcasts=0"],
    ns: "tnxi1",
    cmd: "ping -c 2 -b 10.0.0.255",
    out: "PING 10.0.0.255 (10.0.0.255) 56(84) bytes of data.\n" +
      "64 bytes from 10.0.0.2: icmp_seq=1 ttl=64 time=0.251 ms\n" +
      "64 bytes from 10.0.0.2: icmp_seq=2 ttl=64 time=0.062 ms\n" +
      "\n" +
      "--- 10.0.0.255 ping statistics ---\n" +
      "2 packets transmitted, 2 received, 0% packet loss, time 1027ms\n" +
      "rtt min/avg/max/mdev = 0.062/0.156/0.251/0.094 ms\n",
    err: "WARNING: pinging broadcast address\n",
    rc: 0,
  },
  {
    name: "echo_ignore_all",
    pre: ["ip netns exec tnxi2 sysctl -qw net.ipv4.icmp_echo_ignore_all=1"],
    ns: "tnxi1",
    cmd: "ping -c 2 -W 1 10.0.0.2",
    out: "PING 10.0.0.2 (10.0.0.2) 56(84) bytes of data.\n" +
      "\n" +
      "--- 10.0.0.2 ping statistics ---\n" +
      "2 packets transmitted, 0 received, 100% packet loss, time 1024ms\n" +
      "\n",
    err: "",
    rc: 1,
  },
  {
    name: "ping_socket",
    pre: ["ip netns exec tnxi1 sysctl -qw net.ipv4.ping_group_range='0 0'"],
    ns: "tnxi1",
    cmd: "ping -c 2 10.0.0.2",
    out: "PING 10.0.0.2 (10.0.0.2) 56(84) bytes of data.\n" +
      "64 bytes from 10.0.0.2: icmp_seq=1 ttl=64 time=0.369 ms\n" +
      "64 bytes from 10.0.0.2: icmp_seq=2 ttl=64 time=0.048 ms\n" +
      "\n" +
      "--- 10.0.0.2 ping statistics ---\n" +
      "2 packets transmitted, 2 received, 0% packet loss, time 1036ms\n" +
      "rtt min/avg/max/mdev = 0.048/0.208/0.369/0.160 ms\n",
    err: "",
    rc: 0,
  },
  {
    name: "ping_socket_ttl",
    pre: ["ip netns exec tnxia sysctl -qw net.ipv4.ping_group_range='0 0'"],
    ns: "tnxia",
    cmd: "ping -c 2 -t 1 10.0.3.2",
    out: "PING 10.0.3.2 (10.0.3.2) 56(84) bytes of data.\n" +
      "From 10.0.1.1 icmp_seq=1 Time to live exceeded\n" +
      "From 10.0.1.1 icmp_seq=2 Time to live exceeded\n" +
      "\n" +
      "--- 10.0.3.2 ping statistics ---\n" +
      "2 packets transmitted, 0 received, +2 errors, 100% packet loss, time 1024ms\n" +
      "\n",
    err: "",
    rc: 1,
  },
  {
    name: "ping_socket_frag",
    pre: ["ip netns exec tnxia sysctl -qw net.ipv4.ping_group_range='0 0'"],
    ns: "tnxia",
    cmd: "ping -c 3 -M do -s 1450 10.0.3.2",
    out: "PING 10.0.3.2 (10.0.3.2) 1450(1478) bytes of data.\n" +
      "From 10.0.1.1 icmp_seq=1 Frag needed and DF set (mtu = 1400)\n" +
      "\n" +
      "--- 10.0.3.2 ping statistics ---\n" +
      "3 packets transmitted, 0 received, +3 errors, 100% packet loss, time 2040ms\n" +
      "\n",
    err: "ping: local error: message too long, mtu=1400\n" +
      "ping: local error: message too long, mtu=1400\n",
    rc: 1,
  },
  {
    name: "quiet",
    ns: "tnxi1",
    cmd: "ping -q -c 3 -i 0.2 10.0.0.2",
    out: "PING 10.0.0.2 (10.0.0.2) 56(84) bytes of data.\n" +
      "\n" +
      "--- 10.0.0.2 ping statistics ---\n" +
      "3 packets transmitted, 3 received, 0% packet loss, time 412ms\n" +
      "rtt min/avg/max/mdev = 0.046/0.188/0.464/0.195 ms\n",
    err: "",
    rc: 0,
  },
  {
    name: "deadline",
    ns: "tnxi1",
    cmd: "ping -w 2 10.0.0.2",
    out: "PING 10.0.0.2 (10.0.0.2) 56(84) bytes of data.\n" +
      "64 bytes from 10.0.0.2: icmp_seq=1 ttl=64 time=0.054 ms\n" +
      "64 bytes from 10.0.0.2: icmp_seq=2 ttl=64 time=0.048 ms\n" +
      "\n" +
      "--- 10.0.0.2 ping statistics ---\n" +
      "2 packets transmitted, 2 received, 0% packet loss, time 1011ms\n" +
      "rtt min/avg/max/mdev = 0.048/0.051/0.054/0.003 ms\n",
    err: "",
    rc: 0,
  },
  {
    name: "deadline_noreply",
    ns: "tnxi1",
    cmd: "ping -w 2 10.0.0.3",
    out: "PING 10.0.0.3 (10.0.0.3) 56(84) bytes of data.\n" +
      "\n" +
      "--- 10.0.0.3 ping statistics ---\n" +
      "2 packets transmitted, 0 received, 100% packet loss, time 1016ms\n" +
      "\n",
    err: "",
    rc: 1,
  },
  {
    name: "W",
    ns: "tnxi1",
    cmd: "ping -c 1 -W 1 10.0.0.9",
    out: "PING 10.0.0.9 (10.0.0.9) 56(84) bytes of data.\n" +
      "\n" +
      "--- 10.0.0.9 ping statistics ---\n" +
      "1 packets transmitted, 0 received, 100% packet loss, time 0ms\n" +
      "\n",
    err: "",
    rc: 1,
  },
  {
    name: "pattern",
    ns: "tnxi1",
    cmd: "ping -c 1 -p ff00 10.0.0.2",
    out: "PATTERN: 0xff00\n" +
      "PING 10.0.0.2 (10.0.0.2) 56(84) bytes of data.\n" +
      "64 bytes from 10.0.0.2: icmp_seq=1 ttl=64 time=0.349 ms\n" +
      "\n" +
      "--- 10.0.0.2 ping statistics ---\n" +
      "1 packets transmitted, 1 received, 0% packet loss, time 0ms\n" +
      "rtt min/avg/max/mdev = 0.349/0.349/0.349/0.000 ms\n",
    err: "",
    rc: 0,
  },
  {
    name: "s0",
    ns: "tnxi1",
    cmd: "ping -c 2 -s 0 10.0.0.2",
    out: "PING 10.0.0.2 (10.0.0.2) 0(28) bytes of data.\n" +
      "8 bytes from 10.0.0.2: icmp_seq=1 ttl=64\n" +
      "8 bytes from 10.0.0.2: icmp_seq=2 ttl=64\n" +
      "\n" +
      "--- 10.0.0.2 ping statistics ---\n" +
      "2 packets transmitted, 2 received, 0% packet loss, time 1024ms\n" +
      "\n",
    err: "",
    rc: 0,
  },
  {
    name: "s7",
    ns: "tnxi1",
    cmd: "ping -c 1 -s 7 10.0.0.2",
    out: "PING 10.0.0.2 (10.0.0.2) 7(35) bytes of data.\n" +
      "15 bytes from 10.0.0.2: icmp_seq=1 ttl=64\n" +
      "\n" +
      "--- 10.0.0.2 ping statistics ---\n" +
      "1 packets transmitted, 1 received, 0% packet loss, time 0ms\n" +
      "\n",
    err: "",
    rc: 0,
  },
  {
    name: "s100",
    ns: "tnxi1",
    cmd: "ping -c 1 -s 100 -n 10.0.0.2",
    out: "PING 10.0.0.2 (10.0.0.2) 100(128) bytes of data.\n" +
      "108 bytes from 10.0.0.2: icmp_seq=1 ttl=64 time=0.262 ms\n" +
      "\n" +
      "--- 10.0.0.2 ping statistics ---\n" +
      "1 packets transmitted, 1 received, 0% packet loss, time 0ms\n" +
      "rtt min/avg/max/mdev = 0.262/0.262/0.262/0.000 ms\n",
    err: "",
    rc: 0,
  },
  {
    name: "Iface",
    ns: "tnxi1",
    cmd: "ping -c 1 -I veth0 10.0.0.2",
    out: "PING 10.0.0.2 (10.0.0.2) from 10.0.0.1 veth0: 56(84) bytes of data.\n" +
      "64 bytes from 10.0.0.2: icmp_seq=1 ttl=64 time=0.253 ms\n" +
      "\n" +
      "--- 10.0.0.2 ping statistics ---\n" +
      "1 packets transmitted, 1 received, 0% packet loss, time 0ms\n" +
      "rtt min/avg/max/mdev = 0.253/0.253/0.253/0.000 ms\n",
    err: "",
    rc: 0,
  },
  {
    name: "Iaddr",
    ns: "tnxi1",
    cmd: "ping -c 1 -I 10.0.0.1 10.0.0.2",
    out: "PING 10.0.0.2 (10.0.0.2) from 10.0.0.1 : 56(84) bytes of data.\n" +
      "64 bytes from 10.0.0.2: icmp_seq=1 ttl=64 time=1.79 ms\n" +
      "\n" +
      "--- 10.0.0.2 ping statistics ---\n" +
      "1 packets transmitted, 1 received, 0% packet loss, time 0ms\n" +
      "rtt min/avg/max/mdev = 1.788/1.788/1.788/0.000 ms\n",
    err: "",
    rc: 0,
  },
  {
    name: "lo",
    ns: "tnxi1",
    cmd: "ping -c 2 127.0.0.1",
    out: "PING 127.0.0.1 (127.0.0.1) 56(84) bytes of data.\n" +
      "64 bytes from 127.0.0.1: icmp_seq=1 ttl=64 time=0.259 ms\n" +
      "64 bytes from 127.0.0.1: icmp_seq=2 ttl=64 time=0.038 ms\n" +
      "\n" +
      "--- 127.0.0.1 ping statistics ---\n" +
      "2 packets transmitted, 2 received, 0% packet loss, time 1008ms\n" +
      "rtt min/avg/max/mdev = 0.038/0.148/0.259/0.110 ms\n",
    err: "",
    rc: 0,
  },
  {
    name: "D",
    ns: "tnxi1",
    cmd: "ping -c 2 -D 10.0.0.2",
    out: "PING 10.0.0.2 (10.0.0.2) 56(84) bytes of data.\n" +
      "[1795828385.956622] 64 bytes from 10.0.0.2: icmp_seq=1 ttl=64 time=0.349 ms\n" +
      "[1795828386.967775] 64 bytes from 10.0.0.2: icmp_seq=2 ttl=64 time=0.049 ms\n" +
      "\n" +
      "--- 10.0.0.2 ping statistics ---\n" +
      "2 packets transmitted, 2 received, 0% packet loss, time 1011ms\n" +
      "rtt min/avg/max/mdev = 0.049/0.199/0.349/0.150 ms\n",
    err: "",
    rc: 0,
  },
  {
    name: "noargs",
    ns: "tnxi1",
    cmd: "ping",
    out: "",
    err: "ping: usage error: Destination address required\n",
    rc: 1,
  },
  {
    name: "c0",
    ns: "tnxi1",
    cmd: "ping -c 0 10.0.0.2",
    out: "",
    err: "ping: invalid argument: '0': out of range: 1 <= value <= 9223372036854775807\n",
    rc: 1,
  },
  {
    name: "cabc",
    ns: "tnxi1",
    cmd: "ping -c abc 10.0.0.2",
    out: "",
    err: "ping: invalid argument: 'abc'\n",
    rc: 1,
  },
  {
    name: "t256",
    ns: "tnxi1",
    cmd: "ping -t 256 10.0.0.2",
    out: "",
    err: "ping: invalid argument: '256': out of range: 0 <= value <= 255\n",
    rc: 1,
  },
  {
    name: "Mfoo",
    ns: "tnxi1",
    cmd: "ping -M foo 10.0.0.2",
    out: "",
    err: "ping: invalid -M argument: foo\n",
    rc: 2,
  },
  {
    name: "iabc",
    ns: "tnxi1",
    cmd: "ping -i abc -c 1 10.0.0.2",
    out: "PING 10.0.0.2 (10.0.0.2) 56(84) bytes of data.\n" +
      "64 bytes from 10.0.0.2: icmp_seq=1 ttl=64 time=0.269 ms\n" +
      "\n" +
      "--- 10.0.0.2 ping statistics ---\n" +
      "1 packets transmitted, 1 received, 0% packet loss, time 0ms\n" +
      "rtt min/avg/max/mdev = 0.269/0.269/0.269/0.000 ms\n",
    err: "ping: option argument contains garbage: abc\n" +
      "ping: this will become fatal error in the future\n",
    rc: 0,
  },
  {
    name: "Wneg",
    ns: "tnxi1",
    cmd: "ping -W -1 10.0.0.2",
    out: "",
    err: "ping: bad linger time: -1\n",
    rc: 2,
  },
  {
    name: "badhost",
    ns: "tnxi1",
    cmd: "ping -c 1 nosuchhost.invalid",
    out: "",
    err: "ping: nosuchhost.invalid: Temporary failure in name resolution\n",
    rc: 2,
  },
  {
    name: "V",
    ns: "tnxi1",
    cmd: "ping -V",
    out: "ping from iputils 20221126\n" +
      "libcap: yes, IDN: yes, NLS: no, error.h: yes, getrandom(): yes, __fpending(): yes\n",
    err: "",
    rc: 0,
  },
  {
    name: "Zopt",
    ns: "tnxi1",
    cmd: "ping -Z 10.0.0.2",
    out: "",
    err: "ping: invalid option -- 'Z'\n" +
      "\n" +
      "Usage\n" +
      "  ping [options] <destination>\n" +
      "\n" +
      "Options:\n" +
      "  <destination>      dns name or ip address\n" +
      "  -a                 use audible ping\n" +
      "  -A                 use adaptive ping\n" +
      "  -B                 sticky source address\n" +
      "  -c <count>         stop after <count> replies\n" +
      "  -C                 call connect() syscall on socket creation\n" +
      "  -D                 print timestamps\n" +
      "  -d                 use SO_DEBUG socket option\n" +
      "  -e <identifier>    define identifier for ping session, default is random for\n" +
      "                     SOCK_RAW and kernel defined for SOCK_DGRAM\n" +
      "                     Imply using SOCK_RAW (for IPv4 only for identifier 0)\n" +
      "  -f                 flood ping\n" +
      "  -h                 print help and exit\n" +
      "  -I <interface>     either interface name or address\n" +
      "  -i <interval>      seconds between sending each packet\n" +
      "  -L                 suppress loopback of multicast packets\n" +
      "  -l <preload>       send <preload> number of packages while waiting replies\n" +
      "  -m <mark>          tag the packets going out\n" +
      "  -M <pmtud opt>     define mtu discovery, can be one of <do|dont|want>\n" +
      "  -n                 no dns name resolution\n" +
      "  -O                 report outstanding replies\n" +
      "  -p <pattern>       contents of padding byte\n" +
      "  -q                 quiet output\n" +
      "  -Q <tclass>        use quality of service <tclass> bits\n" +
      "  -s <size>          use <size> as number of data bytes to be sent\n" +
      "  -S <size>          use <size> as SO_SNDBUF socket option value\n" +
      "  -t <ttl>           define time to live\n" +
      "  -U                 print user-to-user latency\n" +
      "  -v                 verbose output\n" +
      "  -V                 print version and exit\n" +
      "  -w <deadline>      reply wait <deadline> in seconds\n" +
      "  -W <timeout>       time to wait for response\n" +
      "\n" +
      "IPv4 options:\n" +
      "  -4                 use IPv4\n" +
      "  -b                 allow pinging broadcast\n" +
      "  -R                 record route\n" +
      "  -T <timestamp>     define timestamp, can be one of <tsonly|tsandaddr|tsprespec>\n" +
      "\n" +
      "IPv6 options:\n" +
      "  -6                 use IPv6\n" +
      "  -F <flowlabel>     define flow label, default is random\n" +
      "  -N <nodeinfo opt>  use icmp6 node info query, try <help> as argument\n" +
      "\n" +
      "For more details see ping(8).\n",
    rc: 2,
  },
  {
    name: "Inodev",
    ns: "tnxi1",
    cmd: "ping -c 1 -I nodev0 10.0.0.2",
    out: "",
    err: "ping: SO_BINDTODEVICE nodev0: No such device\n",
    rc: 2,
  },
  {
    name: "netunreach",
    ns: "tnxi1",
    cmd: "ping -c 1 192.168.77.1",
    out: "",
    err: "ping: connect: Network is unreachable\n",
    rc: 2,
  },
  {
    name: "rnetunreach",
    ns: "tnxia",
    cmd: "ping -c 2 10.9.0.1",
    out: "PING 10.9.0.1 (10.9.0.1) 56(84) bytes of data.\n" +
      "From 10.0.1.1 icmp_seq=1 Destination Host Unreachable\n" +
      "From 10.0.1.1 icmp_seq=2 Destination Host Unreachable\n" +
      "\n" +
      "--- 10.9.0.1 ping statistics ---\n" +
      "2 packets transmitted, 0 received, +2 errors, 100% packet loss, time 1010ms\n" +
      "\n",
    err: "",
    rc: 1,
  },
  {
    name: "rprohib",
    ns: "tnxia",
    cmd: "ping -c 1 10.8.0.1",
    out: "PING 10.8.0.1 (10.8.0.1) 56(84) bytes of data.\n" +
      "From 10.0.1.1 icmp_seq=1 Packet filtered\n" +
      "\n" +
      "--- 10.8.0.1 ping statistics ---\n" +
      "1 packets transmitted, 0 received, +1 errors, 100% packet loss, time 0ms\n" +
      "\n",
    err: "",
    rc: 1,
  },
  {
    name: "pbad",
    ns: "tnxi1",
    cmd: "ping -c 1 -p xyz 10.0.0.2",
    out: "",
    err: "ping: patterns must be specified as hex digits: xyz\n",
    rc: 2,
  },
  {
    name: "tr_n",
    ns: "tnxia",
    cmd: "traceroute -n 10.0.3.2",
    out: "traceroute to 10.0.3.2 (10.0.3.2), 30 hops max, 60 byte packets\n" +
      " 1  10.0.1.1  0.328 ms  0.015 ms  0.010 ms\n" +
      " 2  10.0.2.2  0.177 ms  0.020 ms  0.015 ms\n" +
      " 3  10.0.3.2  0.165 ms  0.020 ms  0.017 ms\n",
    err: "",
    rc: 0,
  },
  {
    name: "tr",
    ns: "tnxia",
    cmd: "traceroute 10.0.3.2",
    out: "traceroute to 10.0.3.2 (10.0.3.2), 30 hops max, 60 byte packets\n" +
      " 1  10.0.1.1 (10.0.1.1)  0.938 ms  0.856 ms  0.832 ms\n" +
      " 2  10.0.2.2 (10.0.2.2)  0.810 ms  0.535 ms  0.507 ms\n" +
      " 3  10.0.3.2 (10.0.3.2)  0.481 ms  0.312 ms  0.277 ms\n",
    err: "",
    rc: 0,
  },
  {
    name: "tr_twice",
    pre: ["ip netns exec tnxia traceroute -n 10.0.3.2 >/dev/null"],
    ns: "tnxia",
    cmd: "traceroute -n 10.0.3.2",
    out: "traceroute to 10.0.3.2 (10.0.3.2), 30 hops max, 60 byte packets\n" +
      " 1  10.0.1.1  0.370 ms  0.322 ms  0.307 ms\n" +
      " 2  10.0.2.2  0.293 ms  0.271 ms  0.255 ms\n" +
      " 3  * * *\n" +
      " 4  * * *\n" +
      " 5  * * *\n" +
      " 6  * * *\n" +
      " 7  * * *\n" +
      " 8  * 10.0.3.2  0.068 ms  0.018 ms\n",
    err: "",
    rc: 0,
  },
  {
    name: "tr_I",
    ns: "tnxia",
    cmd: "traceroute -n -I 10.0.3.2",
    out: "traceroute to 10.0.3.2 (10.0.3.2), 30 hops max, 60 byte packets\n" +
      " 1  10.0.1.1  0.087 ms  0.013 ms  0.008 ms\n" +
      " 2  10.0.2.2  0.036 ms  0.014 ms  0.013 ms\n" +
      " 3  10.0.3.2  0.035 ms  0.013 ms  0.012 ms\n",
    err: "",
    rc: 0,
  },
  {
    name: "tr_U",
    ns: "tnxia",
    cmd: "traceroute -n -U 10.0.3.2",
    out: "traceroute to 10.0.3.2 (10.0.3.2), 30 hops max, 60 byte packets\n" +
      " 1  10.0.1.1  0.744 ms  0.668 ms  0.646 ms\n" +
      " 2  10.0.2.2  0.625 ms  0.387 ms  0.357 ms\n" +
      " 3  10.0.3.2  0.334 ms  0.284 ms  0.258 ms\n",
    err: "",
    rc: 0,
  },
  {
    name: "tr_q1",
    ns: "tnxia",
    cmd: "traceroute -n -q 1 10.0.3.2",
    out: "traceroute to 10.0.3.2 (10.0.3.2), 30 hops max, 60 byte packets\n" +
      " 1  10.0.1.1  1.321 ms\n" +
      " 2  10.0.2.2  0.952 ms\n" +
      " 3  10.0.3.2  0.164 ms\n",
    err: "",
    rc: 0,
  },
  {
    name: "tr_m2",
    ns: "tnxia",
    cmd: "traceroute -n -m 2 10.0.3.2",
    out: "traceroute to 10.0.3.2 (10.0.3.2), 2 hops max, 60 byte packets\n" +
      " 1  10.0.1.1  0.076 ms  0.009 ms  0.008 ms\n" +
      " 2  10.0.2.2  0.068 ms  0.012 ms  0.010 ms\n",
    err: "",
    rc: 0,
  },
  {
    name: "tr_f2",
    ns: "tnxia",
    cmd: "traceroute -n -f 2 10.0.3.2",
    out: "traceroute to 10.0.3.2 (10.0.3.2), 30 hops max, 60 byte packets\n" +
      " 2  10.0.2.2  0.096 ms  0.019 ms  0.012 ms\n" +
      " 3  10.0.3.2  0.040 ms  0.017 ms  0.016 ms\n",
    err: "",
    rc: 0,
  },
  {
    name: "tr_p",
    ns: "tnxia",
    cmd: "traceroute -n -p 40000 10.0.3.2",
    out: "traceroute to 10.0.3.2 (10.0.3.2), 30 hops max, 60 byte packets\n" +
      " 1  10.0.1.1  0.242 ms  0.014 ms  0.008 ms\n" +
      " 2  10.0.2.2  0.127 ms  0.016 ms  0.012 ms\n" +
      " 3  10.0.3.2  0.034 ms  0.013 ms  0.013 ms\n",
    err: "",
    rc: 0,
  },
  {
    name: "tr_len",
    ns: "tnxia",
    cmd: "traceroute -n -q 2 10.0.3.2 100",
    out: "traceroute to 10.0.3.2 (10.0.3.2), 30 hops max, 100 byte packets\n" +
      " 1  10.0.1.1  2.307 ms  0.044 ms\n" +
      " 2  10.0.2.2  0.052 ms  0.015 ms\n" +
      " 3  10.0.3.2  0.313 ms  0.021 ms\n",
    err: "",
    rc: 0,
  },
  {
    name: "tr_unreach",
    ns: "tnxia",
    cmd: "traceroute -n -w 1 -q 1 -m 4 10.9.0.1",
    out: "traceroute to 10.9.0.1 (10.9.0.1), 4 hops max, 60 byte packets\n" +
      " 1  10.0.1.1  0.151 ms !H\n",
    err: "",
    rc: 0,
  },
  {
    name: "tr_prohib",
    ns: "tnxia",
    cmd: "traceroute -n -q 1 10.8.0.1",
    out: "traceroute to 10.8.0.1 (10.8.0.1), 30 hops max, 60 byte packets\n" +
      " 1  10.0.1.1  0.416 ms !X\n",
    err: "",
    rc: 0,
  },
  {
    name: "tr_N1",
    ns: "tnxia",
    cmd: "traceroute -n -N 1 10.0.3.2",
    out: "traceroute to 10.0.3.2 (10.0.3.2), 30 hops max, 60 byte packets\n" +
      " 1  10.0.1.1  0.075 ms  0.015 ms  0.013 ms\n" +
      " 2  10.0.2.2  0.043 ms  0.018 ms  0.018 ms\n" +
      " 3  10.0.3.2  0.050 ms  0.023 ms  0.022 ms\n",
    err: "",
    rc: 0,
  },
  {
    name: "tr_noroute",
    ns: "tnxi1",
    cmd: "traceroute -n 192.168.77.1",
    out: "traceroute to 192.168.77.1 (192.168.77.1), 30 hops max, 60 byte packets",
    err: "\nconnect: Network is unreachable\n",
    rc: 1,
  },
  {
    name: "tr_I_unreach",
    ns: "tnxia",
    cmd: "traceroute -n -I -q 1 10.9.0.1",
    out: "traceroute to 10.9.0.1 (10.9.0.1), 30 hops max, 60 byte packets\n" +
      " 1  10.0.1.1  0.064 ms !H\n",
    err: "",
    rc: 0,
  },
  {
    name: "tr_arpfail",
    ns: "tnxi1",
    cmd: "traceroute -n -q 1 -m 2 10.0.0.3",
    out: "traceroute to 10.0.0.3 (10.0.0.3), 2 hops max, 60 byte packets\n" +
      " 1  10.0.0.1  3075.698 ms !H\n",
    err: "",
    rc: 0,
  },
  {
    name: "tr_local",
    ns: "tnxi1",
    cmd: "traceroute -n 10.0.0.1",
    out: "traceroute to 10.0.0.1 (10.0.0.1), 30 hops max, 60 byte packets\n" +
      " 1  10.0.0.1  0.028 ms  0.007 ms  0.006 ms\n",
    err: "",
    rc: 0,
  },
  {
    name: "tr_w",
    ns: "tnxia",
    cmd: "traceroute -n -w 1 -m 5 -q 2 10.0.3.9",
    out: "traceroute to 10.0.3.9 (10.0.3.9), 5 hops max, 60 byte packets\n" +
      " 1  10.0.1.1  0.053 ms  0.008 ms\n" +
      " 2  10.0.2.2  0.167 ms  0.012 ms\n" +
      " 3  * *\n" +
      " 4  * *\n" +
      " 5  * *\n",
    err: "",
    rc: 0,
  },
  {
    name: "tr_F",
    ns: "tnxia",
    cmd: "traceroute -n -F -q 1 10.0.3.2 1450",
    out: "traceroute to 10.0.3.2 (10.0.3.2), 30 hops max, 1450 byte packets\n" +
      " 1  10.0.1.1  0.429 ms\n" +
      " 2  10.0.1.1  0.374 ms !F-1400\n",
    err: "",
    rc: 0,
  },
  {
    name: "tr_help",
    ns: "tnxi1",
    cmd: "traceroute",
    out: "",
    err: "Usage:\n" +
      "  traceroute [ -46dFITnreAUDV ] [ -f first_ttl ] [ -g gate,... ] [ -i device ] [ -m max_ttl ] [ -N squeries ] [ -p port ] [ -t tos ] [ -l flow_label ] [ -w MAX,HERE,NEAR ] [ -q nqueries ] [ -s src_addr ] [ -z sendwait ] [ --fwmark=num ] host [ packetlen ]\n" +
      "Options:\n" +
      "  -4                          Use IPv4\n" +
      "  -6                          Use IPv6\n" +
      "  -d  --debug                 Enable socket level debugging\n" +
      "  -F  --dont-fragment         Do not fragment packets\n" +
      "  -f first_ttl  --first=first_ttl\n" +
      "                              Start from the first_ttl hop (instead from 1)\n" +
      "  -g gate,...  --gateway=gate,...\n" +
      "                              Route packets through the specified gateway\n" +
      "                              (maximum 8 for IPv4 and 127 for IPv6)\n" +
      "  -I  --icmp                  Use ICMP ECHO for tracerouting\n" +
      "  -T  --tcp                   Use TCP SYN for tracerouting (default port is 80)\n" +
      "  -i device  --interface=device\n" +
      "                              Specify a network interface to operate with\n" +
      "  -m max_ttl  --max-hops=max_ttl\n" +
      "                              Set the max number of hops (max TTL to be\n" +
      "                              reached). Default is 30\n" +
      "  -N squeries  --sim-queries=squeries\n" +
      "                              Set the number of probes to be tried\n" +
      "                              simultaneously (default is 16)\n" +
      "  -n                          Do not resolve IP addresses to their domain names\n" +
      "  -p port  --port=port        Set the destination port to use. It is either\n" +
      "                              initial udp port value for \"default\" method\n" +
      "                              (incremented by each probe, default is 33434), or\n" +
      "                              initial seq for \"icmp\" (incremented as well,\n" +
      "                              default from 1), or some constant destination\n" +
      "                              port for other methods (with default of 80 for\n" +
      "                              \"tcp\", 53 for \"udp\", etc.)\n" +
      "  -t tos  --tos=tos           Set the TOS (IPv4 type of service) or TC (IPv6\n" +
      "                              traffic class) value for outgoing packets\n" +
      "  -l flow_label  --flowlabel=flow_label\n" +
      "                              Use specified flow_label for IPv6 packets\n" +
      "  -w MAX,HERE,NEAR  --wait=MAX,HERE,NEAR\n" +
      "                              Wait for a probe no more than HERE (default 3)\n" +
      "                              times longer than a response from the same hop,\n" +
      "                              or no more than NEAR (default 10) times than some\n" +
      "                              next hop, or MAX (default 5.0) seconds (float\n" +
      "                              point values allowed too)\n" +
      "  -q nqueries  --queries=nqueries\n" +
      "                              Set the number of probes per each hop. Default is\n" +
      "                              3\n" +
      "  -r                          Bypass the normal routing and send directly to a\n" +
      "                              host on an attached network\n" +
      "  -s src_addr  --source=src_addr\n" +
      "                              Use source src_addr for outgoing packets\n" +
      "  -z sendwait  --sendwait=sendwait\n" +
      "                              Minimal time interval between probes (default 0).\n" +
      "                              If the value is more than 10, then it specifies a\n" +
      "                              number in milliseconds, else it is a number of\n" +
      "                              seconds (float point values allowed too)\n" +
      "  -e  --extensions            Show ICMP extensions (if present), including MPLS\n" +
      "  -A  --as-path-lookups       Perform AS path lookups in routing registries and\n" +
      "                              print results directly after the corresponding\n" +
      "                              addresses\n" +
      "  -M name  --module=name      Use specified module (either builtin or external)\n" +
      "                              for traceroute operations. Most methods have\n" +
      "                              their shortcuts (`-I' means `-M icmp' etc.)\n" +
      "  -O OPTS,...  --options=OPTS,...\n" +
      "                              Use module-specific option OPTS for the\n" +
      "                              traceroute module. Several OPTS allowed,\n" +
      "                              separated by comma. If OPTS is \"help\", print info\n" +
      "                              about available options\n" +
      "  --sport=num                 Use source port num for outgoing packets. Implies\n" +
      "                              `-N 1'\n" +
      "  --fwmark=num                Set firewall mark for outgoing packets\n" +
      "  -U  --udp                   Use UDP to particular port for tracerouting\n" +
      "                              (instead of increasing the port per each probe),\n" +
      "                              default port is 53\n" +
      "  -UL                         Use UDPLITE for tracerouting (default dest port\n" +
      "                              is 53)\n" +
      "  -D  --dccp                  Use DCCP Request for tracerouting (default port\n" +
      "                              is 33434)\n" +
      "  -P prot  --protocol=prot    Use raw packet of protocol prot for tracerouting\n" +
      "  --mtu                       Discover MTU along the path being traced. Implies\n" +
      "                              `-F -N 1'\n" +
      "  --back                      Guess the number of hops in the backward path and\n" +
      "                              print if it differs\n" +
      "  -V  --version               Print version info and exit\n" +
      "  --help                      Read this help and exit\n" +
      "\n" +
      "Arguments:\n" +
      "+     host          The host to traceroute to\n" +
      "      packetlen     The full packet length (default is the length of an IP\n" +
      "                    header plus 40). Can be ignored or increased to a minimal\n" +
      "                    allowed value\n",
    rc: 0,
  },
  {
    name: "tr_V",
    ns: "tnxi1",
    cmd: "traceroute -V",
    out: "",
    err: "Modern traceroute for Linux, version 2.1.2\n" +
      "Copyright (c) 2016  Dmitry Butskoy,   License: GPL v2 or any later\n",
    rc: 0,
  },
  {
    name: "tr_Z",
    ns: "tnxi1",
    cmd: "traceroute -Z 10.0.0.2",
    out: "",
    err: "Bad option `-Z' (argc 1)\n",
    rc: 2,
  },
  {
    name: "tr_q0",
    ns: "tnxi1",
    cmd: "traceroute -q 0 10.0.0.2",
    out: "",
    err: "no more than 10 probes per hop\n",
    rc: 2,
  },
  {
    name: "tr_m300",
    ns: "tnxi1",
    cmd: "traceroute -m 300 10.0.0.2",
    out: "",
    err: "max hops cannot be more than 255\n",
    rc: 2,
  },
  {
    name: "tr_f5m3",
    ns: "tnxi1",
    cmd: "traceroute -f 5 -m 3 10.0.0.2",
    out: "",
    err: "first hop out of range\n",
    rc: 2,
  },
  {
    name: "tr_badhost",
    ns: "tnxi1",
    cmd: "traceroute nosuch.invalid",
    out: "",
    err: "nosuch.invalid: Temporary failure in name resolution\n" +
      "Cannot handle \"host\" cmdline arg `nosuch.invalid' on position 1 (argc 1)\n",
    rc: 2,
  },
  {
    name: "tr_wabc",
    ns: "tnxi1",
    cmd: "traceroute -w abc 10.0.0.2",
    out: "",
    err: "Cannot handle `-w' option with arg `abc' (argc 2)\n",
    rc: 2,
  },
  {
    name: "tr_m",
    ns: "tnxi1",
    cmd: "traceroute -m",
    out: "",
    err: "Option `-m' (argc 1) requires an argument: `-m max_ttl'\n",
    rc: 2,
  },
  {
    name: "tr_biglen",
    ns: "tnxi1",
    cmd: "traceroute 10.0.0.2 70000",
    out: "",
    err: "too big packetlen 70000 specified\n",
    rc: 2,
  },
  {
    name: "tr_extra",
    ns: "tnxi1",
    cmd: "traceroute 10.0.0.2 100 extra",
    out: "",
    err: "Extra arg `extra' (position 3, argc 3)\n",
    rc: 2,
  },
];
