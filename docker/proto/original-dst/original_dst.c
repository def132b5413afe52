// GROUNDWORK for issue 5 (docker runtime) — not yet used by tlslab.
// originalDst(fd) -> { address, port } : getsockopt(fd, SOL_IP, SO_ORIGINAL_DST) for a
// socket accepted after an iptables REDIRECT/DNAT (IPv4). Node exposes the fd of a
// net.Socket as socket._handle.fd on Linux. Throws on error (e.g. ENOENT: not NATed).
#include <node_api.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/netfilter_ipv4.h>

static napi_value OriginalDst(napi_env env, napi_callback_info info) {
  size_t argc = 1; napi_value argv[1]; int32_t fd;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok) {
    napi_throw_type_error(env, NULL, "originalDst(fd): fd must be an integer"); return NULL;
  }
  struct sockaddr_in sa; socklen_t len = sizeof sa; memset(&sa, 0, sizeof sa);
  if (getsockopt(fd, SOL_IP, SO_ORIGINAL_DST, &sa, &len) != 0) {
    char msg[128]; snprintf(msg, sizeof msg, "getsockopt(SO_ORIGINAL_DST): %s", strerror(errno));
    napi_throw_error(env, "ERR_ORIGINAL_DST", msg); return NULL;
  }
  char ip[INET_ADDRSTRLEN]; inet_ntop(AF_INET, &sa.sin_addr, ip, sizeof ip);
  napi_value out, a, p;
  napi_create_object(env, &out);
  napi_create_string_utf8(env, ip, NAPI_AUTO_LENGTH, &a);
  napi_create_uint32(env, ntohs(sa.sin_port), &p);
  napi_set_named_property(env, out, "address", a);
  napi_set_named_property(env, out, "port", p);
  return out;
}

// setIntSockopt(fd, level, name, value): e.g. IP_TRANSPARENT (SOL_IP=0, 19) for a TPROXY listener.
static napi_value SetIntSockopt(napi_env env, napi_callback_info info) {
  size_t argc = 4; napi_value argv[4]; int32_t v[4];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  for (int i = 0; i < 4; i++)
    if (i >= (int)argc || napi_get_value_int32(env, argv[i], &v[i]) != napi_ok) {
      napi_throw_type_error(env, NULL, "setIntSockopt(fd, level, name, value): integers"); return NULL;
    }
  if (setsockopt(v[0], v[1], v[2], &v[3], sizeof v[3]) != 0) {
    char msg[128]; snprintf(msg, sizeof msg, "setsockopt: %s", strerror(errno));
    napi_throw_error(env, "ERR_SETSOCKOPT", msg); return NULL;
  }
  return NULL;
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "originalDst", NAPI_AUTO_LENGTH, OriginalDst, NULL, &fn);
  napi_set_named_property(env, exports, "originalDst", fn);
  napi_create_function(env, "setIntSockopt", NAPI_AUTO_LENGTH, SetIntSockopt, NULL, &fn);
  napi_set_named_property(env, exports, "setIntSockopt", fn);
  return exports;
}
NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
