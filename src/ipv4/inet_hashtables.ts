/**
 * TCP's socket tables (Linux: net/ipv4/inet_hashtables.c, include/net/inet_hashtables.h).
 * Owner: CONN (see the TCP contract); this first version only declares the per-namespace
 * state so the tree builds.
 */

/** Per-namespace TCP state (Linux: net->ipv4.tcp_death_row, tcp_hashinfo parts, secrets). */
export class TcpNet {}
