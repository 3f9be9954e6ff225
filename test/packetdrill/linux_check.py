#!/usr/bin/env python3
"""Check the packetdrill scripts of this tree against the real Linux kernel.

Upstream packetdrill is not installed on the development machines, so this is
a small stand-in used to confirm that the scripts describe Linux's behaviour:
it understands the subset of the packetdrill dialect these scripts use, runs
each script in a fresh network namespace (named tnxs*) with a tun device in
upstream's local mode (local 192.168.0.1/16 on tun0, remote 192.0.2.1), in
real time, injecting the `<` segments into the tun device and matching the `>`
segments the kernel writes to it.  Syscalls are made with Python's socket
module; `%{ }%` blocks read TCP_INFO.  Root only.

usage: linux_check.py [--tolerance_usecs=N] FILE.pkt...   (exit 0 = all pass)
It is a checking aid, not a packetdrill replacement: no IPv6, one connection
per script, TS val of outbound segments is not checked.
"""
import errno as errnomod
import fcntl
import os
import re
import select
import socket
import struct
import subprocess
import sys
import threading
import time

LOCAL = '192.168.0.1'
REMOTE = '192.0.2.1'
TUNSETIFF = 0x400454ca
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000

SOL = {'SOL_SOCKET': socket.SOL_SOCKET, 'IPPROTO_TCP': socket.IPPROTO_TCP, 'SOL_TCP': socket.IPPROTO_TCP,
       'IPPROTO_IP': socket.IPPROTO_IP, 'SOL_IP': socket.IPPROTO_IP}
CONSTS = {
    'SO_REUSEADDR': 2, 'SO_REUSEPORT': 15, 'SO_KEEPALIVE': 9, 'SO_LINGER': 13, 'SO_RCVBUF': 8, 'SO_SNDBUF': 7,
    'SO_RCVLOWAT': 18, 'SO_ERROR': 4, 'SO_OOBINLINE': 10,
    'TCP_NODELAY': 1, 'TCP_MAXSEG': 2, 'TCP_CORK': 3, 'TCP_KEEPIDLE': 4, 'TCP_KEEPINTVL': 5, 'TCP_KEEPCNT': 6,
    'TCP_SYNCNT': 7, 'TCP_LINGER2': 8, 'TCP_DEFER_ACCEPT': 9, 'TCP_WINDOW_CLAMP': 10, 'TCP_INFO': 11,
    'TCP_QUICKACK': 12, 'TCP_CONGESTION': 13, 'TCP_USER_TIMEOUT': 18, 'TCP_NOTSENT_LOWAT': 25,
    'MSG_PEEK': 2, 'MSG_DONTWAIT': 0x40, 'MSG_WAITALL': 0x100, 'MSG_MORE': 0x8000, 'MSG_OOB': 1, 'MSG_EOR': 0x80,
    'SHUT_RD': 0, 'SHUT_WR': 1, 'SHUT_RDWR': 2, 'F_GETFL': 3, 'F_SETFL': 4, 'O_RDWR': 2, 'O_NONBLOCK': 0o4000,
    'ECONNREFUSED': 111, 'ECONNRESET': 104, 'ETIMEDOUT': 110, 'EHOSTUNREACH': 113, 'EMSGSIZE': 90,
    'FIONREAD': 0x541B, 'SIOCINQ': 0x541B, 'SIOCOUTQ': 0x5411, 'SIOCOUTQNSD': 0x894B,
    'POLLIN': 1, 'POLLPRI': 2, 'POLLOUT': 4, 'POLLERR': 8, 'POLLHUP': 0x10, 'POLLRDNORM': 0x40,
    'POLLWRNORM': 0x100, 'POLLRDHUP': 0x2000,
}
TCPI = ('state ca_state retransmits probes backoff options wscale_byte app_byte rto ato snd_mss rcv_mss unacked '
        'sacked lost retrans fackets last_data_sent last_ack_sent last_data_recv last_ack_recv pmtu '
        'rcv_ssthresh rtt rttvar snd_ssthresh snd_cwnd advmss reordering rcv_rtt rcv_space total_retrans '
        'pacing_rate max_pacing_rate bytes_acked bytes_received segs_out segs_in notsent_bytes min_rtt '
        'data_segs_in data_segs_out delivery_rate busy_time rwnd_limited sndbuf_limited delivered '
        'delivered_ce bytes_sent bytes_retrans dsack_dups reord_seen rcv_ooopack snd_wnd rcv_wnd').split()
TCPI_FMT = '=8B24I4Q6I4Q2I2Q2I3I'
PY_CONSTS = {'TCP_CA_Open': 0, 'TCP_CA_Disorder': 1, 'TCP_CA_CWR': 2, 'TCP_CA_Recovery': 3, 'TCP_CA_Loss': 4,
             'TCP_ESTABLISHED': 1, 'TCP_SYN_SENT': 2, 'TCP_SYN_RECV': 3, 'TCP_FIN_WAIT1': 4,
             'TCP_FIN_WAIT2': 5, 'TCP_TIME_WAIT': 6, 'TCP_CLOSE': 7, 'TCP_CLOSE_WAIT': 8, 'TCP_LAST_ACK': 9,
             'TCP_LISTEN': 10, 'TCP_CLOSING': 11, 'TCPI_OPT_TIMESTAMPS': 1, 'TCPI_OPT_SACK': 2,
             'TCPI_OPT_WSCALE': 4, 'TCPI_OPT_ECN': 8}


class Fail(Exception):
    pass


def csum(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def strip_comments(text):
    text = re.sub(r'/\*.*?\*/', lambda m: '\n' * m.group(0).count('\n'), text, flags=re.S)
    return text


def parse(text):
    """Split a script into (lineno, kind, body) events."""
    events, lines, i = [], strip_comments(text).split('\n'), 0
    while i < len(lines):
        raw = lines[i]
        line = re.sub(r'//.*$', '', raw).strip()
        n = i + 1
        i += 1
        if not line:
            continue
        if line.startswith('--'):
            events.append((n, 'opt', line))
            continue
        if line.startswith('`'):
            body = line[1:]
            while '`' not in body:
                body += '\n' + lines[i]
                i += 1
            events.append((n, 'shell', body[:body.index('`')]))
            continue
        if '%{' in line:
            body = line
            while '}%' not in body:
                body += '\n' + lines[i]
                i += 1
            m = re.match(r'^(\S+)\s*%\{(.*)\}%', body, re.S)
            events.append((n, 'code', (m.group(1), m.group(2))))
            continue
        events.append((n, 'line', line))
    return events


def parse_time(tok):
    """'+.1' -> ('rel', .1, .1); '0.1~0.2' -> range; '*' -> any."""
    if tok == '*':
        return ('any', 0, 0)
    parts = tok.split('~')
    rel = parts[0].startswith('+')
    lo = float(parts[0].lstrip('+') or 0)
    hi = float(parts[1].lstrip('+')) if len(parts) > 1 else lo
    return ('rel' if rel else 'abs', lo, hi)


def parse_opts(s):
    opts = []
    for o in [x.strip() for x in s.split(',') if x.strip()]:
        w = o.split()
        if w[0] == 'mss':
            opts.append(('mss', int(w[1])))
        elif w[0] == 'sackOK':
            opts.append(('sackOK',))
        elif w[0] == 'nop':
            opts.append(('nop',))
        elif w[0] == 'eol':
            opts.append(('eol',))
        elif w[0] == 'wscale':
            opts.append(('wscale', int(w[1])))
        elif w[0] == 'TS':
            opts.append(('TS', int(w[2]), int(w[4])))
        elif w[0] == 'sack':
            opts.append(('sack', [tuple(int(v) for v in b.split(':')) for b in w[1:]]))
        else:
            raise Fail('unknown option ' + o)
    return opts


PKT_RE = re.compile(r'^(<|>)\s*(?:\[(\w+)\]\s*)?([SFPRUEW.]+|-)\s+(\d+):(\d+)\((\d+)\)(.*)$')


def parse_pkt(line):
    m = PKT_RE.match(line)
    if not m:
        raise Fail('cannot parse packet: ' + line)
    d = {'dir': m.group(1), 'ecn': m.group(2), 'flags': m.group(3), 'seq': int(m.group(4)),
         'end': int(m.group(5)), 'len': int(m.group(6)), 'ack': None, 'win': None, 'opts': None, 'urg': None}
    rest = m.group(7)
    om = re.search(r'<(.*)>', rest)
    if om:
        d['opts'] = parse_opts(om.group(1))
        rest = rest[:om.start()]
    for key in ('ack', 'win', 'urg'):
        km = re.search(key + r'\s+(\d+)', rest)
        if km:
            d[key] = int(km.group(1))
    return d


class Runner:
    def __init__(self, path, tol):
        self.path, self.tol = path, tol
        self.fds = {}
        self.tun = None
        self.lisn = None
        self.live = None
        self.local_port = 8080
        self.remote_port = 45123
        self.local_isn = None
        self.remote_isn = 0x1234567
        self.tsmap = {}
        self.last_ts = 0
        self.ipid = 1
        self.pending = []
        self.inq = []
        self.cc = None
        self.udp = False
        self.t0 = 0

    # --- tun -----------------------------------------------------------
    def setup(self):
        fd = os.open('/dev/net/tun', os.O_RDWR)
        fcntl.ioctl(fd, TUNSETIFF, struct.pack('16sH', b'tun0', IFF_TUN | IFF_NO_PI))
        self.tun = fd
        for c in ['ip link set lo up', 'ip link set tun0 up', 'ip addr add 192.168.0.1/16 dev tun0',
                  'ip route add 192.0.2.0/24 dev tun0', 'sysctl -qw net.ipv6.conf.all.disable_ipv6=1']:
            subprocess.run(c, shell=True, check=False, stderr=subprocess.DEVNULL)

    def read_tun(self, deadline):
        while True:
            if self.inq:
                return self.inq.pop(0)
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            r, _, _ = select.select([self.tun], [], [], left)
            if not r:
                return None
            pkt = os.read(self.tun, 65536)
            if len(pkt) < 20 or pkt[0] >> 4 != 4:
                continue
            return (time.monotonic(), pkt)

    def drain_unexpected(self):
        while True:
            r, _, _ = select.select([self.tun], [], [], 0)
            if not r:
                return
            pkt = os.read(self.tun, 65536)
            if len(pkt) >= 20 and pkt[0] >> 4 == 4 and pkt[9] in (6, 17, 1):
                if os.environ.get('TNXS_DUMP'):
                    g = self.decode(pkt)
                    print('  unexpected at %.4f' % (time.monotonic() - self.t0), g and (
                        g['flags'], (g['seq'] - (self.local_isn or 0)) & 0xffffffff, g['len'],
                        (g['ack'] - self.remote_isn) & 0xffffffff, 'win', g['win'], g['opts']))
                    continue
                self.inq.append((time.monotonic(), pkt))

    # --- packets -------------------------------------------------------
    def build(self, d):
        opts = b''
        for o in d['opts'] or []:
            if o[0] == 'mss':
                opts += struct.pack('!BBH', 2, 4, o[1])
            elif o[0] == 'sackOK':
                opts += b'\x04\x02'
            elif o[0] == 'nop':
                opts += b'\x01'
            elif o[0] == 'eol':
                opts += b'\x00'
            elif o[0] == 'wscale':
                opts += struct.pack('!BBB', 3, 3, o[1])
            elif o[0] == 'TS':
                ecr = o[2]
                if ecr:
                    ecr = self.tsmap.get(ecr, self.last_ts)
                opts += struct.pack('!BBII', 8, 10, o[1], ecr)
            elif o[0] == 'sack':
                opts += struct.pack('!BB', 5, 2 + 8 * len(o[1]))
                for a, b in o[1]:
                    opts += struct.pack('!II', (a + self.local_isn) & 0xffffffff, (b + self.local_isn) & 0xffffffff)
        while len(opts) % 4:
            opts += b'\0'
        flags = 0
        for ch, bit in (('F', 1), ('S', 2), ('R', 4), ('P', 8), ('.', 16), ('U', 32), ('E', 64), ('W', 128)):
            if ch in d['flags']:
                flags |= bit
        seq = (self.remote_isn + d['seq']) & 0xffffffff
        ack = ((self.local_isn or 0) + (d['ack'] or 0)) & 0xffffffff if d['ack'] is not None else 0
        payload = b'\0' * d['len']
        th = struct.pack('!HHIIBBHHH', self.remote_port, self.local_port, seq, ack, (20 + len(opts)) // 4 << 4,
                         flags, d['win'] if d['win'] is not None else 0, 0, d['urg'] or 0) + opts
        seg = th + payload
        src, dst = socket.inet_aton(REMOTE), socket.inet_aton(LOCAL)
        c = csum(src + dst + struct.pack('!BBH', 0, 6, len(seg)) + seg)
        seg = seg[:16] + struct.pack('!H', c) + seg[18:]
        ecn = {'ect0': 2, 'ect1': 1, 'ce': 3, 'noecn': 0, None: 0}[d['ecn']]
        self.ipid += 1
        ip = struct.pack('!BBHHHBBH4s4s', 0x45, ecn, 20 + len(seg), self.ipid, 0x4000, 64, 6, 0, src, dst)
        ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
        return ip + seg

    def ipv4(self, proto, payload, tos=0):
        src, dst = socket.inet_aton(REMOTE), socket.inet_aton(LOCAL)
        self.ipid += 1
        ip = struct.pack('!BBHHHBBH4s4s', 0x45, tos, 20 + len(payload), self.ipid, 0x4000, 64, proto, 0, src, dst)
        return ip[:10] + struct.pack('!H', csum(ip)) + ip[12:] + payload

    def build_icmp(self, line):
        m = re.match(r'^<\s*icmp\s+unreachable\s+(\w+)(?:\s+mtu\s+(\d+))?\s*(?:\[(\d+):(\d+)\((\d+)\)\])?', line)
        if not m:
            raise Fail('cannot parse icmp line: ' + line)
        code = {'net_unreachable': 0, 'host_unreachable': 1, 'protocol_unreachable': 2, 'port_unreachable': 3,
                'frag_needed': 4}[m.group(1)]
        mtu = int(m.group(2) or 0)
        seq = int(m.group(3) or 0)
        ln = int(m.group(5) or 0)
        um = re.search(r'\[udp \((\d+)\)\]', line)
        if um:
            ln = int(um.group(1))
        src, dst = socket.inet_aton(LOCAL), socket.inet_aton(REMOTE)
        if self.udp:
            inner_l4 = struct.pack('!HHHH', self.local_port, self.remote_port, 8 + ln, 0)
            proto = 17
        else:
            inner_l4 = struct.pack('!HHI', self.local_port, self.remote_port, ((self.local_isn or 0) + seq) & 0xffffffff)
            proto = 6
        inner = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + (8 if self.udp else 20) + ln, 0, 0x4000, 64, proto, 0,
                            src, dst)
        inner = inner[:10] + struct.pack('!H', csum(inner)) + inner[12:]
        body = struct.pack('!BBHHH', 3, code, 0, 0, mtu) + inner + inner_l4
        body = body[:2] + struct.pack('!H', csum(body)) + body[4:]
        return self.ipv4(1, body)

    def build_udp(self, n):
        src, dst = socket.inet_aton(REMOTE), socket.inet_aton(LOCAL)
        seg = struct.pack('!HHHH', self.remote_port, self.local_port, 8 + n, 0) + b'\0' * n
        c = csum(src + dst + struct.pack('!BBH', 0, 17, len(seg)) + seg) or 0xffff
        return self.ipv4(17, seg[:6] + struct.pack('!H', c) + seg[8:])

    def decode(self, pkt):
        ihl = (pkt[0] & 15) * 4
        ecn = pkt[1] & 3
        if pkt[9] != 6:
            return None
        th = pkt[ihl:]
        sport, dport, seq, ack, off, flags, win = struct.unpack('!HHIIBBH', th[:16])
        doff = (off >> 4) * 4
        opts, raw, i = [], th[20:doff], 0
        while i < len(raw):
            k = raw[i]
            if k == 0:
                opts.append(('eol',))
                break
            if k == 1:
                opts.append(('nop',))
                i += 1
                continue
            ln = raw[i + 1]
            body = raw[i + 2:i + ln]
            if k == 2:
                opts.append(('mss', struct.unpack('!H', body)[0]))
            elif k == 3:
                opts.append(('wscale', body[0]))
            elif k == 4:
                opts.append(('sackOK',))
            elif k == 8:
                opts.append(('TS',) + struct.unpack('!II', body))
            elif k == 5:
                opts.append(('sack', [struct.unpack('!II', body[j:j + 8]) for j in range(0, len(body), 8)]))
            else:
                opts.append(('opt%d' % k,))
            i += ln
        fl = ''
        for ch, bit in (('S', 2), ('F', 1), ('P', 8), ('R', 4), ('U', 32), ('E', 64), ('W', 128), ('.', 16)):
            if flags & bit:
                fl += ch
        return {'sport': sport, 'dport': dport, 'seq': seq, 'ack': ack, 'flags': fl, 'win': win, 'opts': opts,
                'len': len(pkt) - ihl - doff, 'ecn': ecn}

    def check_out(self, d, got, n):
        g = self.decode(got)
        if g is None:
            raise Fail('line %d: expected TCP, got protocol %d' % (n, got[9]))
        if 'S' in g['flags'] and self.local_isn is None or ('S' in g['flags'] and d['seq'] == 0):
            self.local_isn = g['seq']
            if g['sport'] != self.local_port:
                self.local_port = g['sport']
                self.remote_port = g['dport']
        err = []
        if sorted(g['flags']) != sorted(d['flags'].replace('-', '')) and not os.environ.get('TNXS_ANYFLAGS'):
            err.append('flags %s vs %s' % (d['flags'], g['flags']))
        rs = (g['seq'] - (self.local_isn or 0)) & 0xffffffff
        if rs != d['seq'] or g['len'] != d['len']:
            err.append('seq %d:%d(%d) vs %d:%d(%d)' % (d['seq'], d['end'], d['len'], rs, rs + g['len'], g['len']))
        if d['ack'] is not None:
            ra = (g['ack'] - self.remote_isn) & 0xffffffff
            if ra != d['ack'] or '.' not in g['flags']:
                err.append('ack %d vs %d' % (d['ack'], ra))
        if d['win'] is not None and d['win'] != g['win']:
            err.append('win %d vs %d' % (d['win'], g['win']))
        want_ecn = {'ect0': 2, 'ect1': 1, 'ce': 3, 'noecn': 0, None: None}[d['ecn']]
        if want_ecn is not None and want_ecn != g['ecn']:
            err.append('ecn %s vs %d' % (d['ecn'], g['ecn']))
        for o in g['opts']:
            if o[0] == 'TS':
                self.last_ts = o[1]
        if d['opts'] is not None:
            gl = []
            for o in g['opts']:
                if o[0] == 'sack':
                    gl.append(('sack', [((a - self.remote_isn) & 0xffffffff, (b - self.remote_isn) & 0xffffffff)
                                        for a, b in o[1]]))
                else:
                    gl.append(o)
            ok = len(gl) == len(d['opts'])
            if ok:
                for w, o in zip(d['opts'], gl):
                    if w[0] != o[0]:
                        ok = False
                    elif w[0] == 'TS':
                        self.tsmap[w[1]] = o[1]
                        if w[2] != o[2]:
                            ok = False
                    elif w != o:
                        ok = False
            if not ok:
                err.append('options <%s> vs <%s>' % (d['opts'], gl))
        if err:
            raise Fail('line %d: outbound mismatch: ' % n + '; '.join(err) +
                       ' (got %s %d:%d(%d) ack %d win %d)' % (g['flags'], rs, rs + g['len'], g['len'],
                                                              (g['ack'] - self.remote_isn) & 0xffffffff, g['win']))

    # --- syscalls ------------------------------------------------------
    def val(self, tok):
        tok = tok.strip()
        if tok.startswith('['):
            return self.val(tok[1:-1])
        if tok.startswith('"'):
            return tok.strip('"')
        if '|' in tok:
            v = 0
            for p in tok.split('|'):
                v |= self.val(p)
            return v
        if tok in CONSTS:
            return CONSTS[tok]
        if tok in SOL:
            return SOL[tok]
        return int(tok, 0)

    def args(self, s):
        out, depth, cur = [], 0, ''
        for ch in s:
            if ch in '[{':
                depth += 1
            elif ch in ']}':
                depth -= 1
            if ch == ',' and depth == 0:
                out.append(cur.strip())
                cur = ''
            else:
                cur += ch
        if cur.strip():
            out.append(cur.strip())
        return out

    def syscall(self, name, a):
        fd = self.fds.get(self.val(a[0])) if a and a[0] != '...' and name not in ('socket', 'poll') else None
        if name == 'socket':
            typ = socket.SOCK_DGRAM if 'DGRAM' in a[1] else socket.SOCK_STREAM
            s = socket.socket(socket.AF_INET, typ)
            if typ == socket.SOCK_DGRAM:
                self.udp = True
                self.remote_port = 8080
            if typ == socket.SOCK_STREAM and self.cc:
                # A non-init netns may only default to an allowed CC (the
                # host allows reno/bbr only): set the script's default here.
                s.setsockopt(socket.IPPROTO_TCP, 13, self.cc.encode())
            return s
        if name == 'setsockopt':
            level, opt, v = self.val(a[1]), self.val(a[2]), a[3]
            if v.startswith('{'):
                nums = [int(x) for x in re.findall(r'=\s*(\d+)', v)]
                fd.setsockopt(level, opt, struct.pack('ii', *nums))
            elif v.startswith('"'):
                fd.setsockopt(level, opt, v.strip('"').encode())
            else:
                fd.setsockopt(level, opt, self.val(v))
            return 0
        if name == 'getsockopt':
            level, opt, v = self.val(a[1]), self.val(a[2]), a[3]
            if v.startswith('"'):
                got = fd.getsockopt(level, opt, 16).split(b'\0')[0].decode()
                if got != v.strip('"'):
                    raise Fail('getsockopt value %r vs %r' % (v, got))
            elif v == '...':
                fd.getsockopt(level, opt, 256)
            else:
                got = fd.getsockopt(level, opt)
                if got != self.val(v):
                    raise Fail('getsockopt value %s vs %d' % (v, got))
            return 0
        if name == 'bind':
            fd.bind((LOCAL, 8080))
            self.local_port = 8080
            return 0
        if name == 'listen':
            fd.listen(self.val(a[1]))
            self.lisn = fd
            return 0
        if name == 'accept':
            c, _ = fd.accept()
            self.live = c
            return c
        if name == 'connect':
            self.live = fd
            self.remote_port = 8080
            fd.connect((REMOTE, 8080))
            if self.udp:
                self.local_port = fd.getsockname()[1]
            return 0
        if name in ('write', 'send'):
            flags = self.val(a[3]) if len(a) > 3 else 0
            return fd.send(b'\0' * self.val(a[2]), flags)
        if name == 'recvfrom':
            return len(fd.recvfrom(self.val(a[2]), self.val(a[3]))[0])
        if name in ('read', 'recv'):
            flags = self.val(a[3]) if len(a) > 3 else 0
            return len(fd.recv(self.val(a[2]), flags))
        if name == 'sendto':
            flags = self.val(a[3])
            return fd.sendto(b'\0' * self.val(a[2]), flags, (REMOTE, 8080))
        if name == 'close':
            fd.close()
            return 0
        if name == 'shutdown':
            fd.shutdown(self.val(a[1]))
            return 0
        if name == 'fcntl':
            cmd = self.val(a[1])
            if cmd == CONSTS['F_GETFL']:
                return fcntl.fcntl(fd.fileno(), cmd)
            fd.setblocking(not (self.val(a[2]) & CONSTS['O_NONBLOCK']))
            return 0
        if name == 'ioctl':
            b = fcntl.ioctl(fd.fileno(), self.val(a[1]), b'\0' * 4)
            got = struct.unpack('i', b)[0]
            if got != self.val(a[2]):
                raise Fail('ioctl value %s vs %d' % (a[2], got))
            return 0
        if name == 'poll':
            m = re.match(r'\[\{fd=(\d+),\s*events=([\w|]+)(?:,\s*revents=([\w|]+))?\}\]', a[0].replace(' ', ''))
            p = select.poll()
            s = self.fds[int(m.group(1))]
            p.register(s.fileno(), self.val(m.group(2)))
            res = p.poll(self.val(a[2]))
            if m.group(3):
                want = self.val(m.group(3))
                got = res[0][1] if res else 0
                if got != want:
                    raise Fail('poll revents %s vs 0x%x' % (m.group(3), got))
            return len(res)
        raise Fail('unsupported syscall ' + name)

    def do_syscall(self, n, text, start, end_spec):
        m = re.match(r'^(\w+)\((.*)\)\s*=\s*(-?\w+)(?:\s+(\w+))?', text)
        if not m:
            raise Fail('line %d: cannot parse %s' % (n, text))
        name, a, want, werr = m.group(1), self.args(m.group(2)), m.group(3), m.group(4)
        try:
            r = self.syscall(name, a)
            if isinstance(r, socket.socket):
                self.fds[int(want)] = r
                r = int(want)
        except OSError as e:
            r = -1
            got_err = errnomod.errorcode.get(e.errno, str(e.errno))
            if want != '-1' or werr != got_err:
                raise Fail('line %d: %s returned -1 %s, expected %s %s' % (n, name, got_err, want, werr or ''))
            return
        except socket.timeout:
            raise Fail('line %d: timeout' % n)
        if want == '-1':
            raise Fail('line %d: %s returned %s, expected -1 %s' % (n, name, r, werr))
        if want not in ('...',) and r != self.val(want):
            raise Fail('line %d: %s returned %s, expected %s' % (n, name, r, want))

    # --- main loop -----------------------------------------------------
    def run(self, events):
        self.setup()
        t0 = None
        base = 0.0
        for n, kind, body in events:
            if kind == 'opt':
                m = re.match(r'--tolerance_usecs=(\d+)', body)
                if m:
                    self.tol = max(self.tol, int(m.group(1)) / 1e6)
                continue
            if kind == 'shell':
                d = os.path.dirname(os.path.abspath(self.path))
                subprocess.run(body, shell=True, cwd=d, check=False, stderr=subprocess.DEVNULL)
                text = ''.join(open(os.path.join(d, f)).read() for f in re.findall(r'(\.\./defaults\.sh)', body)) + body
                for cc in re.findall(r'tcp_congestion_control=(\w+)', text):
                    self.cc = cc
                continue
            if t0 is None:
                t0 = self.t0 = time.monotonic()
            if kind == 'code':
                tok, code = body
                spec = parse_time(tok)
                want = (base if spec[0] == 'rel' else 0) + spec[1]
                self.sleep_until(t0 + want)
                base = want
                self.check_pending()
                info = self.tcpinfo()
                try:
                    exec('\n'.join(x.strip() for x in code.split('\n')), {}, dict(PY_CONSTS, **info))
                except AssertionError as e:
                    raise Fail('line %d: assertion failed: %s (%s)' % (n, code.strip(), e))
                continue
            tm = re.match(r'^(\S+?)(?:\s*\.\.\.\s*(\S+))?\s+(.*)$', body)
            ttok, endtok, rest = tm.group(1), tm.group(2), tm.group(3)
            if ttok.endswith('...'):
                ttok = ttok[:-3]
            spec = parse_time(ttok)
            lo = (base if spec[0] == 'rel' else 0) + spec[1]
            hi = (base if spec[0] == 'rel' else 0) + spec[2]
            if rest.startswith('>') and re.match(r'^>\s*(udp|icmp)', rest):
                dl = t0 + hi + self.tol + max(0.0, hi - base) * 0.2
                got = self.read_tun(dl)
                if got is None:
                    raise Fail('line %d: expected outbound %s, got nothing' % (n, rest))
                pkt = got[1]
                um = re.match(r'^>\s*udp\s*\((\d+)\)', rest)
                if um:
                    if pkt[9] != 17 or len(pkt) - 28 != int(um.group(1)):
                        raise Fail('line %d: expected %s, got protocol %d length %d' % (n, rest, pkt[9], len(pkt)))
                    self.local_port = struct.unpack('!H', pkt[20:22])[0]
                elif pkt[9] != 1:
                    raise Fail('line %d: expected %s, got protocol %d' % (n, rest, pkt[9]))
                base = got[0] - t0
                continue
            if rest.startswith('>'):
                d = parse_pkt(rest)
                # Linux's timer wheel fires long timers late (about 1/8 of
                # the timeout, more on a loaded host): accept that much lateness.
                late = self.tol + max(0.0, hi - base) * 0.2
                if self.local_isn is None:
                    late += 0.3  # the first packet of a run is sometimes slow on a loaded host
                dl = t0 + (hi if spec[0] != 'any' else 1e9) + late
                got = self.read_tun(dl)
                while got is not None and got[1][9] == 6 and self.decode(got[1])['dport'] not in (
                        self.remote_port, 8080) and 'S' not in self.decode(got[1])['flags']:
                    got = self.read_tun(dl)
                if got is None:
                    raise Fail('line %d: expected outbound %s, got nothing' % (n, rest))
                if os.environ.get('TNXS_DEBUG'):
                    print('  out at %.4f' % (got[0] - t0), self.decode(got[1]))
                at = got[0] - t0
                if spec[0] != 'any' and at < lo - self.tol - max(0.0, hi - base) * 0.05:
                    raise Fail('line %d: outbound packet at %.4f, expected %.4f~%.4f' % (n, at, lo, hi))
                self.check_out(d, got[1], n)
                base = at if spec[0] == 'any' else lo  # relative times follow the script's clock
                continue
            self.sleep_until(t0 + lo)
            self.drain_unexpected()
            if self.inq:
                g = self.decode(self.inq[0][1])
                raise Fail('line %d: unexpected outbound packet %s seq %d len %d before this event' % (
                    n, g and g['flags'], g and (g['seq'] - (self.local_isn or 0)) & 0xffffffff, g and g['len']))
            base = time.monotonic() - t0  # after a late call, its effects are late too
            self.check_pending()
            if re.match(r'^<\s*icmp', rest):
                os.write(self.tun, self.build_icmp(rest))
                continue
            um = re.match(r'^<\s*udp\s*\((\d+)\)', rest)
            if um:
                os.write(self.tun, self.build_udp(int(um.group(1))))
                continue
            if rest.startswith('<'):
                d = parse_pkt(rest)
                if 'S' in d['flags'] and d['seq'] == 0 and '.' not in d['flags']:
                    pass
                os.write(self.tun, self.build(d))
                continue
            if endtok is not None:
                end = float(endtok)
                th = threading.Thread(target=self.blocking, args=(n, rest, t0, base + end))
                th.start()
                self.pending.append((n, th))
                continue
            self.do_syscall(n, rest, base, None)
        time.sleep(0.05)
        for n, th in self.pending:
            th.join(5)
        self.check_pending()
        self.drain_unexpected()
        if self.inq:
            g = self.decode(self.inq[0][1])
            if g:
                raise Fail('unexpected outbound packet at end: %s %d:%d(%d)' % (
                    g['flags'], (g['seq'] - (self.local_isn or 0)) & 0xffffffff,
                    (g['seq'] - (self.local_isn or 0) + g['len']) & 0xffffffff, g['len']))

    def blocking(self, n, text, t0, end):
        try:
            self.do_syscall(n, text, None, None)
            at = time.monotonic() - t0
            if abs(at - end) > self.tol + 0.01 + end * 0.08:
                self.errors.append('line %d: blocking call returned at %.4f, expected %.4f' % (n, at, end))
        except Fail as e:
            self.errors.append(str(e))

    errors = []

    def check_pending(self):
        if self.errors:
            raise Fail(self.errors[0])

    def sleep_until(self, t):
        d = t - time.monotonic()
        if d > 0:
            time.sleep(d)

    def tcpinfo(self):
        s = self.live or self.lisn
        b = s.getsockopt(socket.IPPROTO_TCP, 11, 256)
        vals = struct.unpack(TCPI_FMT, b[:struct.calcsize(TCPI_FMT)])
        info = {'tcpi_' + k: v for k, v in zip(TCPI, vals)}
        info['tcpi_snd_wscale'] = info['tcpi_wscale_byte'] & 15
        info['tcpi_rcv_wscale'] = info['tcpi_wscale_byte'] >> 4
        return info


def main():
    tol = 0.025
    files = []
    for a in sys.argv[1:]:
        if a.startswith('--tolerance_usecs='):
            tol = int(a.split('=')[1]) / 1e6
        else:
            files.append(a)
    if os.environ.get('TNXS_INNER'):
        r = Runner(files[0], tol)
        try:
            r.run(parse(open(files[0]).read()))
        except Fail as e:
            print('FAIL %s: %s' % (files[0], e))
            sys.exit(1)
        print('ok   %s' % files[0])
        sys.exit(0)
    bad = 0
    for i, f in enumerate(files):
        ns = 'tnxsc%d' % os.getpid()
        subprocess.run(['ip', 'netns', 'add', ns], check=True)
        try:
            r = subprocess.run(['ip', 'netns', 'exec', ns, sys.executable, os.path.abspath(__file__),
                                '--tolerance_usecs=%d' % int(tol * 1e6), f],
                               env=dict(os.environ, TNXS_INNER='1'), timeout=300)
            bad += r.returncode != 0
        except subprocess.TimeoutExpired:
            print('FAIL %s: timeout' % f)
            bad += 1
        finally:
            subprocess.run(['ip', 'netns', 'del', ns], check=False)
    print('%d passed, %d failed' % (len(files) - bad, bad))
    sys.exit(1 if bad else 0)


if __name__ == '__main__':
    main()
