/*
 * tuxnet's TAP addon (N-API, C): the file-descriptor side of a Linux TAP interface
 * for src/platform/node/tap.ts. Linux counterpart: the userspace half of
 * drivers/net/tun.c (what QEMU's tap backend does): open /dev/net/tun, TUNSETIFF
 * (IFF_TAP | IFF_NO_PI [| IFF_VNET_HDR]), TUNSETOFFLOAD, TUNSETVNETHDRSZ, then
 * read(2)/write(2) one frame per call.
 *
 * Receive: the fd is O_NONBLOCK and watched by a uv_poll handle on Node's loop
 * (no thread pool). On each readable wake-up at most `maxBatch` frames are read,
 * packed one after another into one reusable ArrayBuffer owned by JS, their lengths
 * into an Int32Array, and JS is called back ONCE for the batch with (count, err).
 * The bound keeps timers and other I/O running when the kernel floods the fd
 * (an unbounded drain loop would livelock the event loop). A frame longer than the
 * room left for it is cut by read(2) (tun_put_user copies what fits but returns the
 * full length); every read offers `frameMax` bytes so that only frames over 64 KiB
 * can be cut, and those are reported with a negative length (-(full length)): they
 * took frameMax bytes of the buffer.
 *
 * Transmit: write(fd, bytes) is one write(2) of one frame (tun_get_user takes one
 * frame per write); returns the bytes written or -errno (EAGAIN when the tap's
 * queue is full, EIO when the Linux side is down).
 *
 * Exports: open(name, flags) -> {fd, name}; setOffload(fd, flags); setVnetHdrSz(fd, n);
 * start(fd, buf: ArrayBuffer, lens: Int32Array, frameMax, maxBatch, cb) -> handle;
 * stop(handle); write(fd, Uint8Array) -> number; close(fd).
 */
#define _GNU_SOURCE /* setns */
#define NAPI_VERSION 8
#include <node_api.h>
#include <uv.h>

#include <sched.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/if_tun.h>

typedef struct tap_poller {
  napi_env env;
  uv_poll_t poll;
  int fd;
  napi_ref cb_ref;
  napi_ref buf_ref;
  napi_ref lens_ref;
  napi_ref resource_ref;
  napi_async_context actx;
  uint8_t *buf;
  size_t buf_len;
  int32_t *lens;
  size_t max_batch;
  size_t frame_max;
  int closing;
} tap_poller;

/* Throw an Error shaped like Node's SystemError: message, code, errno, syscall. */
static napi_value throw_errno(napi_env env, int err, const char *syscall, const char *what) {
  char msg[512];
  const char *code = NULL;
  switch (err) {
    case EPERM: code = "EPERM"; break;
    case EACCES: code = "EACCES"; break;
    case ENOENT: code = "ENOENT"; break;
    case ENODEV: code = "ENODEV"; break;
    case ENXIO: code = "ENXIO"; break;
    case EBUSY: code = "EBUSY"; break;
    case EINVAL: code = "EINVAL"; break;
    case EBADF: code = "EBADF"; break;
    case EBADFD: code = "EBADFD"; break;
    case EIO: code = "EIO"; break;
    case EAGAIN: code = "EAGAIN"; break;
    case EMFILE: code = "EMFILE"; break;
    case ENOMEM: code = "ENOMEM"; break;
    default: code = "EUNKNOWN"; break;
  }
  snprintf(msg, sizeof msg, "%s %s: %s", syscall, what ? what : "", strerror(err));
  napi_value m, c, e, errv, sc;
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &m);
  napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &c);
  napi_create_error(env, c, m, &e);
  napi_create_int32(env, -err, &errv);
  napi_set_named_property(env, e, "errno", errv);
  napi_set_named_property(env, e, "code", c);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &sc);
  napi_set_named_property(env, e, "syscall", sc);
  napi_throw(env, e);
  return NULL;
}

static int get_i32(napi_env env, napi_value v, int32_t *out) {
  return napi_get_value_int32(env, v, out) == napi_ok;
}

/*
 * open(name: string, flags: number, netns?: string) -> {fd, name}. With `netns` (a
 * path such as /run/netns/NAME), this thread enters that network namespace for the
 * open and TUNSETIFF and returns to its own: a tun file belongs to the namespace it
 * was opened in (tfile->net), where TUNSETIFF finds or creates the interface.
 */
static napi_value tap_open(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char name[IFNAMSIZ + 1];
  char nspath[4096];
  size_t nlen = 0, plen = 0;
  int32_t flags = 0;
  napi_valuetype t3 = napi_undefined;
  if (argc < 2 || napi_get_value_string_utf8(env, argv[0], name, sizeof name, &nlen) != napi_ok ||
      !get_i32(env, argv[1], &flags)) {
    napi_throw_type_error(env, NULL, "open(name: string, flags: number, netns?: string)");
    return NULL;
  }
  if (nlen >= IFNAMSIZ) {
    napi_throw_range_error(env, NULL, "interface name longer than 15 bytes");
    return NULL;
  }
  nspath[0] = 0;
  if (argc >= 3) napi_typeof(env, argv[2], &t3);
  if (t3 == napi_string) {
    if (napi_get_value_string_utf8(env, argv[2], nspath, sizeof nspath, &plen) != napi_ok || plen == 0 ||
        plen >= sizeof nspath - 1) {
      napi_throw_type_error(env, NULL, "open: bad netns path");
      return NULL;
    }
  }
  int self_ns = -1;
  if (nspath[0]) {
    self_ns = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (self_ns < 0) return throw_errno(env, errno, "open", "/proc/thread-self/ns/net");
    int target = open(nspath, O_RDONLY | O_CLOEXEC);
    if (target < 0) {
      int err = errno;
      close(self_ns);
      return throw_errno(env, err, "open", nspath);
    }
    if (setns(target, CLONE_NEWNET) < 0) {
      int err = errno;
      close(target);
      close(self_ns);
      return throw_errno(env, err, "setns", nspath);
    }
    close(target);
  }
  int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
  int open_err = errno;
  if (self_ns >= 0) {
    /* Back to our own namespace whatever happened (it cannot fail for a namespace we were in). */
    setns(self_ns, CLONE_NEWNET);
    close(self_ns);
  }
  if (fd < 0) return throw_errno(env, open_err, "open", "/dev/net/tun");
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  ifr.ifr_flags = (short)flags;
  memcpy(ifr.ifr_name, name, nlen);
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, err, "ioctl(TUNSETIFF)", name);
  }
  napi_value res, fdv, namev;
  napi_create_object(env, &res);
  napi_create_int32(env, fd, &fdv);
  ifr.ifr_name[IFNAMSIZ - 1] = 0;
  napi_create_string_utf8(env, ifr.ifr_name, NAPI_AUTO_LENGTH, &namev);
  napi_set_named_property(env, res, "fd", fdv);
  napi_set_named_property(env, res, "name", namev);
  return res;
}

/* setOffload(fd, flags): TUNSETOFFLOAD with TUN_F_* bits. */
static napi_value tap_set_offload(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t fd, flags;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2 || !get_i32(env, argv[0], &fd) || !get_i32(env, argv[1], &flags)) {
    napi_throw_type_error(env, NULL, "setOffload(fd: number, flags: number)");
    return NULL;
  }
  if (ioctl(fd, TUNSETOFFLOAD, (unsigned long)(uint32_t)flags) < 0)
    return throw_errno(env, errno, "ioctl(TUNSETOFFLOAD)", NULL);
  return NULL;
}

/* setVnetHdrSz(fd, size): TUNSETVNETHDRSZ (10 by default; 12 with num_buffers). */
static napi_value tap_set_vnet_hdr_sz(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t fd, sz;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2 || !get_i32(env, argv[0], &fd) || !get_i32(env, argv[1], &sz)) {
    napi_throw_type_error(env, NULL, "setVnetHdrSz(fd: number, size: number)");
    return NULL;
  }
  int v = sz;
  if (ioctl(fd, TUNSETVNETHDRSZ, &v) < 0) return throw_errno(env, errno, "ioctl(TUNSETVNETHDRSZ)", NULL);
  return NULL;
}

/* write(fd, bytes: Uint8Array) -> bytes written or -errno. One frame, one write(2). */
static napi_value tap_write(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t fd;
  napi_typedarray_type type;
  size_t length = 0;
  void *data = NULL;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2 || !get_i32(env, argv[0], &fd) ||
      napi_get_typedarray_info(env, argv[1], &type, &length, &data, NULL, NULL) != napi_ok ||
      type != napi_uint8_array) {
    napi_throw_type_error(env, NULL, "write(fd: number, frame: Uint8Array)");
    return NULL;
  }
  ssize_t r;
  do {
    r = write(fd, data, length);
  } while (r < 0 && errno == EINTR);
  napi_value res;
  napi_create_int32(env, r < 0 ? -errno : (int32_t)r, &res);
  return res;
}

/* close(fd) */
static napi_value tap_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || !get_i32(env, argv[0], &fd)) {
    napi_throw_type_error(env, NULL, "close(fd: number)");
    return NULL;
  }
  if (close(fd) < 0) return throw_errno(env, errno, "close", NULL);
  return NULL;
}

static void poller_free(uv_handle_t *h) {
  tap_poller *p = (tap_poller *)h->data;
  napi_env env = p->env;
  napi_delete_reference(env, p->cb_ref);
  napi_delete_reference(env, p->buf_ref);
  napi_delete_reference(env, p->lens_ref);
  napi_async_destroy(env, p->actx);
  napi_delete_reference(env, p->resource_ref);
  free(p);
}

static void poller_stop(tap_poller *p) {
  if (p->closing) return;
  p->closing = 1;
  uv_poll_stop(&p->poll);
  uv_close((uv_handle_t *)&p->poll, poller_free);
}

/*
 * Readable: read up to max_batch frames (each read offered frame_max bytes, while
 * that much room is left in the buffer), then one callback cb(count, err). err is
 * 0 or -errno of a read that failed for another reason than EAGAIN (EBADFD when
 * the interface was deleted under us): polling stops then.
 */
static void on_poll(uv_poll_t *h, int status, int events) {
  (void)events;
  tap_poller *p = (tap_poller *)h->data;
  if (p->closing) return;
  int32_t n = 0;
  int32_t err = 0;
  size_t off = 0;
  if (status < 0) {
    err = status; /* libuv errors are -errno on Unix */
  } else {
    while ((size_t)n < p->max_batch && off + p->frame_max <= p->buf_len) {
      ssize_t r = read(p->fd, p->buf + off, p->frame_max);
      if (r < 0) {
        if (errno == EINTR) continue;
        if (errno != EAGAIN) err = -errno;
        break;
      }
      if (r == 0) break;
      if ((size_t)r > p->frame_max) {
        /* tun_put_user returns the frame's full length even when it copied less: a
           frame longer than frame_max was cut. Reported as -length; it used frame_max bytes. */
        p->lens[n++] = -(int32_t)r;
        off += p->frame_max;
        continue;
      }
      p->lens[n++] = (int32_t)r;
      off += (size_t)r;
    }
  }
  if (err != 0) uv_poll_stop(&p->poll);
  if (n == 0 && err == 0) return;
  napi_env env = p->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value cb, recv, argv[2], result, resource;
  napi_get_reference_value(env, p->cb_ref, &cb);
  napi_get_reference_value(env, p->resource_ref, &resource);
  napi_create_int32(env, n, &argv[0]);
  napi_create_int32(env, err, &argv[1]);
  recv = resource;
  napi_status s = napi_make_callback(env, p->actx, recv, cb, 2, argv, &result);
  if (s == napi_pending_exception) {
    napi_value exc;
    napi_get_and_clear_last_exception(env, &exc);
    napi_fatal_exception(env, exc);
  }
  napi_close_handle_scope(env, scope);
}

/* start(fd, buf: ArrayBuffer, lens: Int32Array, frameMax, maxBatch, cb) -> handle */
static napi_value tap_start(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  int32_t fd, frame_max, max_batch;
  void *buf = NULL, *lens = NULL;
  size_t buf_len = 0, lens_len = 0;
  napi_typedarray_type ltype;
  napi_valuetype cbt;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 6 || !get_i32(env, argv[0], &fd) ||
      napi_get_arraybuffer_info(env, argv[1], &buf, &buf_len) != napi_ok ||
      napi_get_typedarray_info(env, argv[2], &ltype, &lens_len, &lens, NULL, NULL) != napi_ok ||
      ltype != napi_int32_array || !get_i32(env, argv[3], &frame_max) || !get_i32(env, argv[4], &max_batch) ||
      napi_typeof(env, argv[5], &cbt) != napi_ok || cbt != napi_function) {
    napi_throw_type_error(env, NULL,
        "start(fd, buf: ArrayBuffer, lens: Int32Array, frameMax: number, maxBatch: number, cb: Function)");
    return NULL;
  }
  if (frame_max <= 0 || max_batch <= 0 || (size_t)frame_max > buf_len || (size_t)max_batch > lens_len) {
    napi_throw_range_error(env, NULL, "start: frameMax must fit in buf and maxBatch in lens");
    return NULL;
  }
  uv_loop_t *loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) {
    napi_throw_error(env, NULL, "start: no event loop");
    return NULL;
  }
  tap_poller *p = (tap_poller *)calloc(1, sizeof *p);
  if (!p) return throw_errno(env, ENOMEM, "start", NULL);
  p->env = env;
  p->fd = fd;
  p->buf = (uint8_t *)buf;
  p->buf_len = buf_len;
  p->lens = (int32_t *)lens;
  p->max_batch = (size_t)max_batch;
  p->frame_max = (size_t)frame_max;
  int rc = uv_poll_init(loop, &p->poll, fd);
  if (rc < 0) {
    free(p);
    return throw_errno(env, -rc, "uv_poll_init", NULL);
  }
  p->poll.data = p;
  napi_value resource, rname;
  napi_create_object(env, &resource);
  napi_create_string_utf8(env, "tuxnet:tap", NAPI_AUTO_LENGTH, &rname);
  napi_create_reference(env, resource, 1, &p->resource_ref);
  napi_async_init(env, resource, rname, &p->actx);
  napi_create_reference(env, argv[5], 1, &p->cb_ref);
  napi_create_reference(env, argv[1], 1, &p->buf_ref);
  napi_create_reference(env, argv[2], 1, &p->lens_ref);
  rc = uv_poll_start(&p->poll, UV_READABLE, on_poll);
  if (rc < 0) {
    poller_stop(p);
    return throw_errno(env, -rc, "uv_poll_start", NULL);
  }
  napi_value handle;
  napi_create_external(env, p, NULL, NULL, &handle);
  return handle;
}

/* stop(handle): stop watching the fd (the fd stays open; close it with close()). */
static napi_value tap_stop(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  void *data = NULL;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_get_value_external(env, argv[0], &data) != napi_ok || data == NULL) {
    napi_throw_type_error(env, NULL, "stop(handle)");
    return NULL;
  }
  poller_stop((tap_poller *)data);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    { "open", NULL, tap_open, NULL, NULL, NULL, napi_default, NULL },
    { "setOffload", NULL, tap_set_offload, NULL, NULL, NULL, napi_default, NULL },
    { "setVnetHdrSz", NULL, tap_set_vnet_hdr_sz, NULL, NULL, NULL, napi_default, NULL },
    { "start", NULL, tap_start, NULL, NULL, NULL, napi_default, NULL },
    { "stop", NULL, tap_stop, NULL, NULL, NULL, napi_default, NULL },
    { "write", NULL, tap_write, NULL, NULL, NULL, napi_default, NULL },
    { "close", NULL, tap_close, NULL, NULL, NULL, napi_default, NULL },
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
