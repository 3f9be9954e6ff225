#!/bin/bash
# Standard TCP settings for the scripts in this tree (the values of upstream
# packetdrill's / Linux selftests' defaults.sh), so a script does not depend on
# the tuning of the machine it runs on. Scripts run it as `../defaults.sh`.

# TCP min, default, and max receive and send buffer sizes.
sysctl -q net.ipv4.tcp_rmem="4096 540000 15728640"
sysctl -q net.ipv4.tcp_wmem="4096 262144 4194304"

sysctl -q net.ipv4.tcp_timestamps=1
sysctl -q net.ipv4.tcp_window_scaling=1
sysctl -q net.ipv4.tcp_syn_retries=5
sysctl -q net.ipv4.tcp_synack_retries=5
sysctl -q net.ipv4.tcp_syn_linear_timeouts=0
sysctl -q net.ipv4.tcp_frto=2
sysctl -q net.ipv4.tcp_sack=1
sysctl -q net.ipv4.tcp_dsack=1
sysctl -q net.ipv4.tcp_reordering=3
sysctl -q net.ipv4.tcp_congestion_control=cubic
sysctl -q net.ipv4.tcp_slow_start_after_idle=0
sysctl -q net.ipv4.tcp_early_retrans=4
sysctl -q net.ipv4.tcp_recovery=1
sysctl -q net.ipv4.tcp_ecn=0
sysctl -q net.ipv4.tcp_syncookies=1
sysctl -q net.ipv4.tcp_autocorking=1
sysctl -q net.ipv4.tcp_moderate_rcvbuf=1
sysctl -q net.ipv4.tcp_notsent_lowat=4294967295
sysctl -q net.ipv4.tcp_tso_win_divisor=3
sysctl -q net.ipv4.tcp_rto_min_us=200000
sysctl -q net.ipv4.tcp_rto_max_ms=120000
sysctl -q net.ipv4.tcp_invalid_ratelimit=500
sysctl -q net.ipv4.tcp_challenge_ack_limit=2147483647
sysctl -q net.ipv4.tcp_pingpong_thresh=1
sysctl -q net.ipv4.tcp_shrink_window=0

# Linux TCP always builds GSO skbs (sk_route_caps |= NETIF_F_GSO) sized by
# tcp_tso_autosize(), and marks PSH per skb: with at least 1 segment per skb
# and no RTT-based size boost, flows slower than ~1 MSS per ms (all these
# scripts) get one MSS per skb, as a stack without GSO sends them.
sysctl -q net.ipv4.tcp_min_tso_segs=1
sysctl -q net.ipv4.tcp_tso_rtt_log=0

# tuxnet has no TSO/GSO; on Linux turn them off on packetdrill's tun device so
# the stack emits MSS-sized segments as the scripts expect, and avoid FQ pacing.
ethtool -K tun0 tso off gso off > /dev/null 2>&1
tc qdisc replace dev tun0 root pfifo > /dev/null 2>&1
