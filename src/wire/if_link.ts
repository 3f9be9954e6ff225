/**
 * Link attributes for rtnetlink (Linux: include/uapi/linux/if_link.h and the
 * `struct ifinfomsg` of include/uapi/linux/rtnetlink.h). RTM_NEWLINK,
 * RTM_DELLINK, RTM_GETLINK and RTM_SETLINK carry an ifinfomsg followed by IFLA_*
 * attributes; IFLA_LINKINFO nests the kind (IFLA_INFO_KIND) and the kind's own
 * attributes (IFLA_INFO_DATA, e.g. VETH_INFO_PEER for veth, IFLA_BR_* for bridge).
 */

/** struct ifinfomsg: u8 family, u8 pad, u16 type, s32 index, u32 flags, u32 change. */
export const IFINFOMSG_LEN = 16;
export const IFI_FAMILY = 0;
export const IFI_TYPE = 2;
export const IFI_INDEX = 4;
export const IFI_FLAGS = 8;
export const IFI_CHANGE = 12;

export interface Ifinfomsg {
  family: number;
  type: number;
  index: number;
  flags: number;
  change: number;
}

/** Decode the ifinfomsg at `off` (the caller checked 16 bytes). */
export function ifinfomsgParse(buf: Uint8Array, off: number): Ifinfomsg {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  return {
    family: buf[off + IFI_FAMILY]!,
    type: v.getUint16(off + IFI_TYPE, true),
    index: v.getInt32(off + IFI_INDEX, true),
    flags: v.getUint32(off + IFI_FLAGS, true),
    change: v.getUint32(off + IFI_CHANGE, true),
  };
}

/** Encode an ifinfomsg at `off`. */
export function ifinfomsgEmit(buf: Uint8Array, off: number, m: Ifinfomsg): void {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  buf[off + IFI_FAMILY] = m.family;
  buf[off + 1] = 0;
  v.setUint16(off + IFI_TYPE, m.type, true);
  v.setInt32(off + IFI_INDEX, m.index, true);
  v.setUint32(off + IFI_FLAGS, m.flags >>> 0, true);
  v.setUint32(off + IFI_CHANGE, m.change >>> 0, true);
}

/* enum IFLA_* */
export const IFLA_UNSPEC = 0;
export const IFLA_ADDRESS = 1;
export const IFLA_BROADCAST = 2;
export const IFLA_IFNAME = 3;
export const IFLA_MTU = 4;
export const IFLA_LINK = 5;
export const IFLA_QDISC = 6;
export const IFLA_STATS = 7;
export const IFLA_COST = 8;
export const IFLA_PRIORITY = 9;
export const IFLA_MASTER = 10;
export const IFLA_WIRELESS = 11;
export const IFLA_PROTINFO = 12;
export const IFLA_TXQLEN = 13;
export const IFLA_MAP = 14;
export const IFLA_WEIGHT = 15;
export const IFLA_OPERSTATE = 16;
export const IFLA_LINKMODE = 17;
export const IFLA_LINKINFO = 18;
export const IFLA_NET_NS_PID = 19;
export const IFLA_IFALIAS = 20;
export const IFLA_NUM_VF = 21;
export const IFLA_VFINFO_LIST = 22;
export const IFLA_STATS64 = 23;
export const IFLA_VF_PORTS = 24;
export const IFLA_PORT_SELF = 25;
export const IFLA_AF_SPEC = 26;
export const IFLA_GROUP = 27;
export const IFLA_NET_NS_FD = 28;
export const IFLA_EXT_MASK = 29;
export const IFLA_PROMISCUITY = 30;
export const IFLA_NUM_TX_QUEUES = 31;
export const IFLA_NUM_RX_QUEUES = 32;
export const IFLA_CARRIER = 33;
export const IFLA_PHYS_PORT_ID = 34;
export const IFLA_CARRIER_CHANGES = 35;
export const IFLA_PHYS_SWITCH_ID = 36;
export const IFLA_LINK_NETNSID = 37;
export const IFLA_PHYS_PORT_NAME = 38;
export const IFLA_PROTO_DOWN = 39;
export const IFLA_GSO_MAX_SEGS = 40;
export const IFLA_GSO_MAX_SIZE = 41;
export const IFLA_PAD = 42;
export const IFLA_XDP = 43;
export const IFLA_EVENT = 44;
export const IFLA_NEW_NETNSID = 45;
export const IFLA_TARGET_NETNSID = 46;
export const IFLA_IF_NETNSID = IFLA_TARGET_NETNSID;
export const IFLA_CARRIER_UP_COUNT = 47;
export const IFLA_CARRIER_DOWN_COUNT = 48;
export const IFLA_NEW_IFINDEX = 49;
export const IFLA_MIN_MTU = 50;
export const IFLA_MAX_MTU = 51;
export const IFLA_PROP_LIST = 52;
export const IFLA_ALT_IFNAME = 53;
export const IFLA_PERM_ADDRESS = 54;
export const IFLA_PROTO_DOWN_REASON = 55;
export const IFLA_PARENT_DEV_NAME = 56;
export const IFLA_PARENT_DEV_BUS_NAME = 57;
export const IFLA_GRO_MAX_SIZE = 58;
export const IFLA_TSO_MAX_SIZE = 59;
export const IFLA_TSO_MAX_SEGS = 60;
export const IFLA_ALLMULTI = 61;
export const IFLA_DEVLINK_PORT = 62;
export const IFLA_GSO_IPV4_MAX_SIZE = 63;
export const IFLA_GRO_IPV4_MAX_SIZE = 64;
export const IFLA_MAX = 64;

/* enum IFLA_INFO_* (nested in IFLA_LINKINFO) */
export const IFLA_INFO_UNSPEC = 0;
export const IFLA_INFO_KIND = 1;
export const IFLA_INFO_DATA = 2;
export const IFLA_INFO_XSTATS = 3;
export const IFLA_INFO_SLAVE_KIND = 4;
export const IFLA_INFO_SLAVE_DATA = 5;
export const IFLA_INFO_MAX = 5;

/* veth: IFLA_INFO_DATA holds VETH_INFO_PEER = an ifinfomsg + IFLA_* of the peer. */
export const VETH_INFO_UNSPEC = 0;
export const VETH_INFO_PEER = 1;
export const VETH_INFO_MAX = 1;

/* IFLA_EXT_MASK bits (RTEXT_FILTER_*). */
export const RTEXT_FILTER_VF = 1 << 0;
export const RTEXT_FILTER_BRVLAN = 1 << 1;
export const RTEXT_FILTER_BRVLAN_COMPRESSED = 1 << 2;
export const RTEXT_FILTER_SKIP_STATS = 1 << 3;
export const RTEXT_FILTER_MRP = 1 << 4;
export const RTEXT_FILTER_CFM_CONFIG = 1 << 5;
export const RTEXT_FILTER_CFM_STATUS = 1 << 6;
export const RTEXT_FILTER_MST = 1 << 7;

/* IFLA_AF_SPEC / AF_INET6: IFLA_INET6_ADDR_GEN_MODE (what `ip -d link` prints as addrgenmode). */
export const IFLA_INET6_ADDR_GEN_MODE = 8;
export const IN6_ADDR_GEN_MODE_EUI64 = 0;

/* IFLA_EVENT values. */
export const IFLA_EVENT_NONE = 0;

/** struct rtnl_link_stats64: 25 u64 fields (Linux 6.1 with rx_otherhost_dropped). */
export const RTNL_LINK_STATS64_LEN = 25 * 8;
/** struct rtnl_link_stats: the same fields as u32 (legacy IFLA_STATS). */
export const RTNL_LINK_STATS_LEN = 25 * 4;
