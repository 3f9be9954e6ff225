/**
 * Route metrics from userspace (Linux: net/ipv4/metrics.c ip_fib_metrics_init(),
 * ip_metrics_convert(); tcp_ca_get_key_by_name()). RTA_METRICS is a nest of RTAX_*
 * attributes: u32 values (mtu, advmss, window, rtt ..., RTAX_LOCK the bitmask of
 * locked ones) and RTAX_CC_ALGO, a congestion control name. Metrics are kept in a
 * Uint32Array indexed by RTAX_* (the layout of Rtable.metrics).
 */
import { EINVAL } from '../socket/errno.js';
import { type NetlinkExtAck, type NlAttr, nlaWalk, nlaGetU32, nlaGetString, nlSetErrMsgAttr } from '../wire/netlink.js';
import { RTAX_ADVMSS, RTAX_CC_ALGO, RTAX_FEATURES, RTAX_FEATURE_MASK, RTAX_HOPLIMIT, RTAX_MAX, RTAX_MTU } from '../wire/route.js';
import { DST_DEFAULT_METRICS } from './fib_lookup.js';

/** Linux: DST_FEATURE_ECN_CA (kernel-only bit of RTAX_FEATURES). */
export const DST_FEATURE_ECN_CA = 0x80000000;
/** Linux: TCP_CA_NAME_MAX. */
const TCP_CA_NAME_MAX = 16;

/**
 * Congestion control algorithms a route may name (Linux: the registered tcp_congestion_ops;
 * reno and cubic are built in). The key is the index; 0 is TCP_CA_UNSPEC.
 */
const TCP_CA_NAMES: readonly string[] = ['', 'reno', 'cubic'];

/** Linux: tcp_ca_get_key_by_name(): 0 (TCP_CA_UNSPEC) for an unknown name. */
export function tcpCaGetKeyByName(name: string): number {
  return Math.max(0, TCP_CA_NAMES.indexOf(name.slice(0, TCP_CA_NAME_MAX - 1)));
}

/** Linux: tcp_ca_get_name_by_key(). */
export function tcpCaGetNameByKey(key: number): string | null {
  return key > 0 ? TCP_CA_NAMES[key] ?? null : null;
}

/** Linux: ip_metrics_convert(): RTA_METRICS into `metrics`, with Linux's clamps and errors. */
function ipMetricsConvert(fcMx: NlAttr, metrics: Uint32Array, extack: NetlinkExtAck | undefined): number {
  const { attrs } = nlaWalk(fcMx.data, 0, fcMx.data.length, fcMx.offset + 4);
  for (const nla of attrs) {
    const type = nla.type;
    if (!type) continue;
    if (type > RTAX_MAX) {
      if (extack) extack.msg = 'Invalid metric type';
      return -EINVAL;
    }
    let val: number;
    if (type === RTAX_CC_ALGO) {
      val = tcpCaGetKeyByName(nlaGetString(nla));
      if (val === 0) {
        if (extack) extack.msg = 'Unknown tcp congestion algorithm';
        return -EINVAL;
      }
    } else {
      if (nla.data.length !== 4) {
        nlSetErrMsgAttr(extack, nla, 'Invalid attribute in metrics');
        return -EINVAL;
      }
      val = nlaGetU32(nla);
    }
    if (type === RTAX_ADVMSS && val > 65535 - 40) val = 65535 - 40;
    if (type === RTAX_MTU && val > 65535 - 15) val = 65535 - 15;
    if (type === RTAX_HOPLIMIT && val > 255) val = 255;
    if (type === RTAX_FEATURES && (val & ~RTAX_FEATURE_MASK)) {
      if (extack) extack.msg = 'Unknown flag set in feature mask in metrics attribute';
      return -EINVAL;
    }
    metrics[type] = val;
  }
  // Linux sets DST_FEATURE_ECN_CA for an algorithm that wants ECN; reno and cubic do not.
  return 0;
}

/**
 * Linux: ip_fib_metrics_init(): the shared all-zero metrics when the request has no
 * RTA_METRICS, else a new array (or -EINVAL with extack set).
 */
export function ipFibMetricsInit(fcMx: NlAttr | null, extack: NetlinkExtAck | undefined): Uint32Array | number {
  if (fcMx === null) return DST_DEFAULT_METRICS;
  const metrics = new Uint32Array(RTAX_MAX + 1);
  const err = ipMetricsConvert(fcMx, metrics, extack);
  return err ? err : metrics;
}
