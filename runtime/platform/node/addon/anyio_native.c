/*
 * anyio-ts-native: the one thing Node core cannot do for anyio-ts, done in Node-API C (no NAN,
 * so one binary serves every Node version and Bun).
 *
 * What it offers, and nothing else:
 *   - AF_UNIX stream and datagram sockets, always non-blocking and close-on-exec;
 *   - sendmsg()/recvmsg() with at most one SCM_RIGHTS message (descriptor passing), received
 *     descriptors close-on-exec (MSG_CMSG_CLOEXEC);
 *   - a Watcher object per socket: it owns the descriptor and reports readiness through a
 *     uv_poll_t on Node's own event loop.
 *
 * Conventions: the socket calls never throw for an operating-system error; they return the
 * negative errno, and the JavaScript side builds Node's own error object from it (code, errno,
 * syscall), so errors look exactly like those of node:net. Wrong argument types (a bug in the
 * JavaScript side, never user input) throw TypeError.
 *
 * Ownership invariants:
 *   - a Watcher owns its descriptor from construction until close() or its finalizer: a
 *     Watcher that JavaScript forgot (garbage collected without close()) closes its descriptor;
 *   - while a Watcher watches (uv_poll started) it holds a strong reference to its JavaScript
 *     object, so an object whose callback may still run is never collected; while idle the
 *     reference is weak;
 *   - the uv_poll_t is stopped before the descriptor is closed (libuv's rule) and freed in its
 *     close callback;
 *   - descriptors received in a message that is then refused (unknown ancillary data) are
 *     closed before returning, so none leaks on any path.
 */
#define _GNU_SOURCE
/* Node-API 8: asynchronous cleanup hooks (Node.js >= 14.8, every Node this package supports). */
#define NAPI_VERSION 8
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <uv.h>

/* At most this many descriptors in one message (Linux's SCM_MAX_FD is 253). */
#define MAX_FDS 253
/* The largest datagram or chunk read in one call. */
#define MAX_READ (1 << 20)

#define CHECK(call)                                                                                                    \
  do {                                                                                                                 \
    if ((call) != napi_ok) return NULL;                                                                                \
  } while (0)

/* ---------------------------------------------------------------------------------------------- */
/* Small helpers                                                                                   */

static napi_value make_int(napi_env env, int64_t value) {
  napi_value result;
  if (napi_create_int64(env, (int64_t)value, &result) != napi_ok) return NULL;
  return result;
}

static napi_value type_error(napi_env env, const char* message) {
  napi_throw_type_error(env, NULL, message);
  return NULL;
}

static int get_int(napi_env env, napi_value value, int32_t* out) {
  napi_valuetype type;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_number) return 0;
  return napi_get_value_int32(env, value, out) == napi_ok;
}

/*
 * A socket address from a JavaScript string (a path, or "\0name" for Linux's abstract
 * namespace). Returns the address length, or 0 if the string does not fit in sun_path.
 */
static socklen_t get_address(napi_env env, napi_value value, struct sockaddr_un* address) {
  size_t length = 0;
  memset(address, 0, sizeof(*address));
  address->sun_family = AF_UNIX;
  if (napi_get_value_string_utf8(env, value, NULL, 0, &length) != napi_ok) return 0;
  if (length == 0 || length >= sizeof(address->sun_path)) return 0;
  if (napi_get_value_string_utf8(env, value, address->sun_path, sizeof(address->sun_path), &length) != napi_ok)
    return 0;
  /* An abstract name is exactly its bytes; a path is NUL-terminated. */
  return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + length + (address->sun_path[0] == '\0' ? 0 : 1));
}

/* The string of an address the kernel returned: "" for an unbound socket, "\0name" for an abstract one. */
static napi_value address_string(napi_env env, const struct sockaddr_un* address, socklen_t length) {
  napi_value result;
  size_t size = 0;
  if (length > offsetof(struct sockaddr_un, sun_path)) {
    size = length - offsetof(struct sockaddr_un, sun_path);
    if (size > sizeof(address->sun_path)) size = sizeof(address->sun_path);
    if (size > 0 && address->sun_path[0] != '\0') size = strnlen(address->sun_path, size);
  }
  if (napi_create_string_utf8(env, address->sun_path, size, &result) != napi_ok) return NULL;
  return result;
}

static int set_flags(int fd) {
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) return -errno;
  flags = fcntl(fd, F_GETFD);
  if (flags < 0 || fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0) return -errno;
  return 0;
}

/* ---------------------------------------------------------------------------------------------- */
/* Socket calls on plain descriptors                                                               */

/* socket(kind): kind 1 = SOCK_STREAM, 2 = SOCK_DGRAM. Returns the descriptor or -errno. */
static napi_value js_socket(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t kind;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || !get_int(env, argv[0], &kind)) return type_error(env, "socket(kind): kind must be 1 or 2");
  int fd = socket(AF_UNIX, (kind == 2 ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  return make_int(env, fd < 0 ? -errno : fd);
}

/* bind(fd, address) and connect(fd, address): 0 or -errno. */
static napi_value address_call(napi_env env, napi_callback_info info, int connecting) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t fd;
  struct sockaddr_un address;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2 || !get_int(env, argv[0], &fd)) return type_error(env, "expected (fd, address)");
  socklen_t length = get_address(env, argv[1], &address);
  if (length == 0) return make_int(env, -ENAMETOOLONG);
  int result;
  do {
    result = connecting ? connect(fd, (struct sockaddr*)&address, length)
                        : bind(fd, (struct sockaddr*)&address, length);
  } while (result < 0 && errno == EINTR);
  return make_int(env, result < 0 ? -errno : 0);
}

static napi_value js_bind(napi_env env, napi_callback_info info) { return address_call(env, info, 0); }
static napi_value js_connect(napi_env env, napi_callback_info info) { return address_call(env, info, 1); }

/* listen(fd, backlog): 0 or -errno. */
static napi_value js_listen(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t fd, backlog;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2 || !get_int(env, argv[0], &fd) || !get_int(env, argv[1], &backlog))
    return type_error(env, "expected (fd, backlog)");
  return make_int(env, listen(fd, backlog) < 0 ? -errno : 0);
}

/* accept(fd): the new connection's descriptor (non-blocking, close-on-exec) or -errno. */
static napi_value js_accept(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || !get_int(env, argv[0], &fd)) return type_error(env, "expected (fd)");
  int connection;
  do {
    connection = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
  } while (connection < 0 && errno == EINTR);
  return make_int(env, connection < 0 ? -errno : connection);
}

/* getsockname(fd) / getpeername(fd): the address string, or -errno. */
static napi_value name_call(napi_env env, napi_callback_info info, int peer) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  struct sockaddr_un address;
  socklen_t length = sizeof(address);
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || !get_int(env, argv[0], &fd)) return type_error(env, "expected (fd)");
  memset(&address, 0, sizeof(address));
  int result = peer ? getpeername(fd, (struct sockaddr*)&address, &length)
                    : getsockname(fd, (struct sockaddr*)&address, &length);
  if (result < 0) return make_int(env, -errno);
  return address_string(env, &address, length);
}

static napi_value js_getsockname(napi_env env, napi_callback_info info) { return name_call(env, info, 0); }
static napi_value js_getpeername(napi_env env, napi_callback_info info) { return name_call(env, info, 1); }

/*
 * describe(fd): [domain, type, listening] of a socket descriptor, or -errno (ENOTSOCK for a
 * descriptor that is not a socket). Used to check a descriptor handed to fromSocket().
 */
static napi_value js_describe(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result;
  int32_t fd;
  int domain = 0, type = 0, listening = 0;
  socklen_t length = sizeof(int);
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || !get_int(env, argv[0], &fd)) return type_error(env, "expected (fd)");
  if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &length) < 0) return make_int(env, -errno);
  length = sizeof(int);
  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &length) < 0) return make_int(env, -errno);
  length = sizeof(int);
  if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &length) < 0) return make_int(env, -errno);
  CHECK(napi_create_array_with_length(env, 3, &result));
  CHECK(napi_set_element(env, result, 0, make_int(env, domain == AF_UNIX ? 1 : domain == AF_INET || domain == AF_INET6 ? 2 : 0)));
  CHECK(napi_set_element(env, result, 1, make_int(env, type == SOCK_STREAM ? 1 : type == SOCK_DGRAM ? 2 : 0)));
  CHECK(napi_set_element(env, result, 2, make_int(env, listening ? 1 : 0)));
  return result;
}

/* prepare(fd): makes an adopted descriptor non-blocking and close-on-exec; 0 or -errno. */
static napi_value js_prepare(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || !get_int(env, argv[0], &fd)) return type_error(env, "expected (fd)");
  return make_int(env, set_flags(fd));
}

/* shutdown(fd): shuts the sending side (SHUT_WR); 0 or -errno. */
static napi_value js_shutdown(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || !get_int(env, argv[0], &fd)) return type_error(env, "expected (fd)");
  return make_int(env, shutdown(fd, SHUT_WR) < 0 ? -errno : 0);
}

/* close(fd): closes a descriptor that no Watcher owns (a received one, on a failure path); 0 or -errno. */
static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || !get_int(env, argv[0], &fd)) return type_error(env, "expected (fd)");
  /* Linux releases the descriptor even when close() reports EINTR: never retry. */
  return make_int(env, close(fd) < 0 && errno != EINTR ? -errno : 0);
}

/*
 * sendmsg(fd, data, fds, address): sends `data` (a Uint8Array) with `fds` (an array of
 * descriptors, possibly empty: then no ancillary data) in one SCM_RIGHTS message, to `address`
 * (a string) or, when `address` is null, to the connected peer. MSG_NOSIGNAL: a closed peer is
 * EPIPE, never SIGPIPE. Returns the bytes sent or -errno.
 */
static napi_value js_sendmsg(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  int32_t fd;
  bool is_typed = false;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 4 || !get_int(env, argv[0], &fd)) return type_error(env, "expected (fd, data, fds, address)");
  CHECK(napi_is_typedarray(env, argv[1], &is_typed));
  if (!is_typed) return type_error(env, "data must be a Uint8Array");
  napi_typedarray_type array_type;
  size_t length;
  void* data;
  CHECK(napi_get_typedarray_info(env, argv[1], &array_type, &length, &data, NULL, NULL));
  if (array_type != napi_uint8_array && array_type != napi_uint8_clamped_array)
    return type_error(env, "data must be a Uint8Array");

  uint32_t count = 0;
  bool is_array = false;
  CHECK(napi_is_array(env, argv[2], &is_array));
  if (!is_array) return type_error(env, "fds must be an array");
  CHECK(napi_get_array_length(env, argv[2], &count));
  if (count > MAX_FDS) return make_int(env, -EINVAL);

  union {
    char buffer[CMSG_SPACE(sizeof(int) * MAX_FDS)];
    struct cmsghdr align;
  } control;
  struct iovec vector = {.iov_base = data, .iov_len = length};
  struct msghdr message;
  struct sockaddr_un address;
  memset(&message, 0, sizeof(message));
  message.msg_iov = &vector;
  message.msg_iovlen = 1;

  napi_valuetype address_type;
  CHECK(napi_typeof(env, argv[3], &address_type));
  if (address_type == napi_string) {
    socklen_t address_length = get_address(env, argv[3], &address);
    if (address_length == 0) return make_int(env, -ENAMETOOLONG);
    message.msg_name = &address;
    message.msg_namelen = address_length;
  }

  if (count > 0) {
    memset(&control, 0, sizeof(control));
    message.msg_control = control.buffer;
    message.msg_controllen = CMSG_SPACE(sizeof(int) * count);
    struct cmsghdr* header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof(int) * count);
    int* slots = (int*)CMSG_DATA(header);
    for (uint32_t i = 0; i < count; i++) {
      napi_value element;
      int32_t passed;
      CHECK(napi_get_element(env, argv[2], i, &element));
      if (!get_int(env, element, &passed)) return type_error(env, "fds must be integers");
      memcpy(&slots[i], &passed, sizeof(int));
    }
  }

  ssize_t sent;
  do {
    sent = sendmsg(fd, &message, MSG_NOSIGNAL);
  } while (sent < 0 && errno == EINTR);
  return make_int(env, sent < 0 ? -errno : (int64_t)sent);
}

/*
 * recvmsg(fd, maxBytes, maxFds, wantAddress): one recvmsg() of at most `maxBytes` bytes and
 * `maxFds` descriptors (maxFds 0: no ancillary buffer, so descriptors sent along are discarded
 * by the kernel, never leaked). Returns -errno, or [data, fds, address, flags, unexpected]:
 *   data        a Buffer of the bytes received (empty at end of stream);
 *   fds         the descriptors received, close-on-exec;
 *   address     the sender's address (a string, "" if unbound) when wantAddress, else undefined;
 *   flags       msg_flags (MSG_TRUNC, MSG_CTRUNC);
 *   unexpected  undefined, or "level L type T" of the first ancillary message that is not
 *               SCM_RIGHTS; the descriptors received are then already closed and fds is empty.
 */
/* Per environment (each worker thread has its own): where recvmsg() reads before the copy into a Buffer. */
#define SCRATCH_SIZE 65536

static void* instance_scratch(napi_env env);

static napi_value js_recvmsg(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  int32_t fd, max_bytes, max_fds;
  bool want_address = false;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 4 || !get_int(env, argv[0], &fd) || !get_int(env, argv[1], &max_bytes) ||
      !get_int(env, argv[2], &max_fds))
    return type_error(env, "expected (fd, maxBytes, maxFds, wantAddress)");
  CHECK(napi_get_value_bool(env, argv[3], &want_address));
  if (max_bytes < 0) max_bytes = 0;
  if (max_bytes > MAX_READ) max_bytes = MAX_READ;
  if (max_fds < 0) max_fds = 0;
  if (max_fds > MAX_FDS) max_fds = MAX_FDS;

  unsigned char* scratch = instance_scratch(env);
  unsigned char* buffer = (size_t)max_bytes <= SCRATCH_SIZE && scratch != NULL ? scratch : malloc((size_t)max_bytes + 1);
  if (buffer == NULL) return make_int(env, -ENOMEM);
  union {
    char buffer[CMSG_SPACE(sizeof(int) * MAX_FDS)];
    struct cmsghdr align;
  } control;
  struct sockaddr_un address;
  struct iovec vector = {.iov_base = buffer, .iov_len = (size_t)max_bytes};
  struct msghdr message;
  memset(&message, 0, sizeof(message));
  memset(&address, 0, sizeof(address));
  message.msg_iov = &vector;
  message.msg_iovlen = 1;
  if (want_address) {
    message.msg_name = &address;
    message.msg_namelen = sizeof(address);
  }
  if (max_fds > 0) {
    message.msg_control = control.buffer;
    message.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)max_fds);
  }

  ssize_t received;
  do {
    received = recvmsg(fd, &message, MSG_CMSG_CLOEXEC);
  } while (received < 0 && errno == EINTR);
  if (received < 0) {
    int error = errno;
    if (buffer != scratch) free(buffer);
    return make_int(env, -error);
  }

  /* Collect the descriptors first, so that every failure path below can close them. */
  int fds[MAX_FDS];
  int fd_count = 0;
  char unexpected[64] = {0};
  if (max_fds > 0) {
    for (struct cmsghdr* header = CMSG_FIRSTHDR(&message); header != NULL; header = CMSG_NXTHDR(&message, header)) {
      if (header->cmsg_level == SOL_SOCKET && header->cmsg_type == SCM_RIGHTS) {
        size_t n = (header->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        const unsigned char* data = CMSG_DATA(header);
        for (size_t i = 0; i < n && fd_count < MAX_FDS; i++) {
          memcpy(&fds[fd_count++], data + i * sizeof(int), sizeof(int));
        }
      } else if (unexpected[0] == '\0') {
        snprintf(unexpected, sizeof(unexpected), "level %d type %d", header->cmsg_level, header->cmsg_type);
      }
    }
  }
  if (unexpected[0] != '\0') {
    for (int i = 0; i < fd_count; i++) close(fds[i]);
    fd_count = 0;
  }
  /* CMSG_SPACE rounds up, so the kernel may fit one more than asked for: at most max_fds. */
  while (fd_count > max_fds) close(fds[--fd_count]);

  napi_value result, data_value, fd_array, address_value, flags_value, unexpected_value;
  napi_status status = napi_create_buffer_copy(env, (size_t)received, buffer, NULL, &data_value);
  if (buffer != scratch) free(buffer);
  if (status != napi_ok || napi_create_array_with_length(env, (size_t)fd_count, &fd_array) != napi_ok) {
    for (int i = 0; i < fd_count; i++) close(fds[i]);
    return NULL;
  }
  for (int i = 0; i < fd_count; i++) {
    if (napi_set_element(env, fd_array, (uint32_t)i, make_int(env, fds[i])) != napi_ok) {
      for (int j = 0; j < fd_count; j++) close(fds[j]);
      return NULL;
    }
  }
  if (want_address) {
    address_value = address_string(env, &address, message.msg_namelen);
  } else {
    CHECK(napi_get_undefined(env, &address_value));
  }
  flags_value = make_int(env, message.msg_flags);
  if (unexpected[0] != '\0') {
    CHECK(napi_create_string_utf8(env, unexpected, NAPI_AUTO_LENGTH, &unexpected_value));
  } else {
    CHECK(napi_get_undefined(env, &unexpected_value));
  }
  CHECK(napi_create_array_with_length(env, 5, &result));
  CHECK(napi_set_element(env, result, 0, data_value));
  CHECK(napi_set_element(env, result, 1, fd_array));
  CHECK(napi_set_element(env, result, 2, address_value));
  CHECK(napi_set_element(env, result, 3, flags_value));
  CHECK(napi_set_element(env, result, 4, unexpected_value));
  return result;
}

/* ---------------------------------------------------------------------------------------------- */
/* Watcher: owns a descriptor and reports its readiness from Node's event loop                     */

typedef struct Watcher Watcher;

typedef struct {
  /* Live watchers, closed by the environment's cleanup hook (a worker thread ending). */
  Watcher* head;
  /* How many watchers own an open descriptor: the leak check's count. */
  int64_t open;
  /* How many watchers exist (not yet finalized), and whether the environment finalized its data. */
  int64_t watchers;
  /* uv_close() calls whose callback has not run yet: the environment must not end before. */
  int64_t closing;
  /* Set while the environment's asynchronous cleanup waits for those callbacks. */
  napi_async_cleanup_hook_handle cleanup;
  int dead;
  unsigned char scratch[SCRATCH_SIZE];
} Instance;

static void* instance_scratch(napi_env env) {
  Instance* instance = NULL;
  if (napi_get_instance_data(env, (void**)&instance) != napi_ok || instance == NULL) return NULL;
  return instance->scratch;
}

struct Watcher {
  napi_env env;
  Instance* instance;
  /* The JavaScript object; strong while watching, weak otherwise. */
  napi_ref self;
  uint32_t strong;
  napi_async_context context;
  /* Allocated on first watch(); freed in uv_close's callback. */
  uv_poll_t* poll;
  int fd;
  int events;
  Watcher* previous;
  Watcher* next;
};

/* The instance goes once the environment let go of it and nothing of it is left. */
static void maybe_free_instance(Instance* instance) {
  if (instance->dead && instance->watchers == 0 && instance->closing == 0) free(instance);
}

/*
 * The close callback of a poll handle. Until it has run, the handle's memory and this code must
 * stay: the asynchronous cleanup hook holds the environment's teardown (and the unloading of
 * this library, which a worker thread's end brings) until the last one ran.
 */
static void free_poll(uv_handle_t* handle) {
  Instance* instance = (Instance*)handle->data;
  free(handle);
  instance->closing--;
  if (instance->closing == 0 && instance->cleanup != NULL) {
    napi_async_cleanup_hook_handle cleanup = instance->cleanup;
    instance->cleanup = NULL;
    napi_remove_async_cleanup_hook(cleanup);
  }
  maybe_free_instance(instance);
}

static void unlink_watcher(Watcher* watcher) {
  Instance* instance = watcher->instance;
  if (watcher->previous != NULL) watcher->previous->next = watcher->next;
  else if (instance->head == watcher) instance->head = watcher->next;
  if (watcher->next != NULL) watcher->next->previous = watcher->previous;
  watcher->previous = watcher->next = NULL;
}

/* Releases the descriptor and the poll handle; safe to call more than once. */
static void release(Watcher* watcher) {
  if (watcher->poll != NULL) {
    uv_poll_stop(watcher->poll);
    /* No readiness callback runs after uv_poll_stop(): from now on the handle points at the instance. */
    watcher->poll->data = watcher->instance;
    watcher->instance->closing++;
    uv_close((uv_handle_t*)watcher->poll, free_poll);
    watcher->poll = NULL;
  }
  watcher->events = 0;
  if (watcher->fd >= 0) {
    close(watcher->fd);
    watcher->fd = -1;
    watcher->instance->open--;
  }
}

static void on_ready(uv_poll_t* handle, int status, int events) {
  Watcher* watcher = (Watcher*)handle->data;
  napi_env env = watcher->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value self, callback, argv[2], ignored;
  if (napi_get_reference_value(env, watcher->self, &self) == napi_ok && self != NULL &&
      napi_get_named_property(env, self, "onready", &callback) == napi_ok) {
    napi_valuetype type;
    if (napi_typeof(env, callback, &type) == napi_ok && type == napi_function) {
      argv[0] = make_int(env, status);
      argv[1] = make_int(env, (events & UV_READABLE ? 1 : 0) | (events & UV_WRITABLE ? 2 : 0));
      if (napi_make_callback(env, watcher->context, self, callback, 2, argv, &ignored) == napi_pending_exception) {
        napi_value error;
        if (napi_get_and_clear_last_exception(env, &error) == napi_ok) napi_fatal_exception(env, error);
      }
    }
  }
  napi_close_handle_scope(env, scope);
}

static void finalize_watcher(napi_env env, void* data, void* hint) {
  (void)hint;
  Watcher* watcher = (Watcher*)data;
  /* Forgotten without close(): the descriptor is closed here, so it does not leak. */
  Instance* instance = watcher->instance;
  release(watcher);
  unlink_watcher(watcher);
  /* The instance outlives every watcher: the last one out frees it once the environment let go. */
  instance->watchers--;
  maybe_free_instance(instance);
  if (watcher->context != NULL) napi_async_destroy(env, watcher->context);
  if (watcher->self != NULL) napi_delete_reference(env, watcher->self);
  free(watcher);
}

static Watcher* unwrap(napi_env env, napi_callback_info info, size_t* argc, napi_value* argv) {
  napi_value self;
  void* data = NULL;
  if (napi_get_cb_info(env, info, argc, argv, &self, NULL) != napi_ok) return NULL;
  if (napi_unwrap(env, self, &data) != napi_ok || data == NULL) {
    napi_throw_type_error(env, NULL, "not a Watcher");
    return NULL;
  }
  return (Watcher*)data;
}

/* new Watcher(fd): takes ownership of `fd`. */
static napi_value watcher_new(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], self, name;
  int32_t fd;
  Instance* instance;
  CHECK(napi_get_cb_info(env, info, &argc, argv, &self, NULL));
  if (argc < 1 || !get_int(env, argv[0], &fd) || fd < 0) return type_error(env, "new Watcher(fd): fd must be a descriptor");
  CHECK(napi_get_instance_data(env, (void**)&instance));
  Watcher* watcher = calloc(1, sizeof(Watcher));
  if (watcher == NULL) return type_error(env, "out of memory");
  watcher->env = env;
  watcher->instance = instance;
  watcher->fd = fd;
  if (napi_wrap(env, self, watcher, finalize_watcher, NULL, &watcher->self) != napi_ok) {
    free(watcher);
    return NULL;
  }
  instance->open++;
  instance->watchers++;
  watcher->next = instance->head;
  if (instance->head != NULL) instance->head->previous = watcher;
  instance->head = watcher;
  /* The async resource the leak check of anyio-ts/jest sees (type ANYIO_NATIVE_SOCKET). */
  CHECK(napi_create_string_utf8(env, "ANYIO_NATIVE_SOCKET", NAPI_AUTO_LENGTH, &name));
  CHECK(napi_async_init(env, self, name, &watcher->context));
  return self;
}

/* watcher.watch(events): 1 readable, 2 writable, 3 both, 0 stop. Returns 0 or -errno. */
static napi_value watcher_watch(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t events;
  Watcher* watcher = unwrap(env, info, &argc, argv);
  if (watcher == NULL) return NULL;
  if (argc < 1 || !get_int(env, argv[0], &events)) return type_error(env, "watch(events)");
  if (watcher->fd < 0) return make_int(env, -EBADF);
  int uv_events = (events & 1 ? UV_READABLE : 0) | (events & 2 ? UV_WRITABLE : 0);
  if (uv_events == watcher->events) return make_int(env, 0);
  if (uv_events == 0) {
    if (watcher->poll != NULL) uv_poll_stop(watcher->poll);
  } else {
    if (watcher->poll == NULL) {
      uv_loop_t* loop;
      CHECK(napi_get_uv_event_loop(env, &loop));
      watcher->poll = malloc(sizeof(uv_poll_t));
      if (watcher->poll == NULL) return make_int(env, -ENOMEM);
      int result = uv_poll_init(loop, watcher->poll, watcher->fd);
      if (result < 0) {
        free(watcher->poll);
        watcher->poll = NULL;
        return make_int(env, result);
      }
      watcher->poll->data = watcher;
    }
    int result = uv_poll_start(watcher->poll, uv_events, on_ready);
    if (result < 0) return make_int(env, result);
  }
  watcher->events = uv_events;
  /* Strong while watching: the callback can still run, so the object must stay. */
  if (uv_events != 0 && !watcher->strong) {
    CHECK(napi_reference_ref(env, watcher->self, &watcher->strong));
  } else if (uv_events == 0 && watcher->strong) {
    CHECK(napi_reference_unref(env, watcher->self, &watcher->strong));
  }
  return make_int(env, 0);
}

/* watcher.close(): stops watching and closes the descriptor. Closing twice does nothing. */
static napi_value watcher_close(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  Watcher* watcher = unwrap(env, info, &argc, NULL);
  if (watcher == NULL) return NULL;
  release(watcher);
  if (watcher->strong) CHECK(napi_reference_unref(env, watcher->self, &watcher->strong));
  napi_value undefined;
  CHECK(napi_get_undefined(env, &undefined));
  return undefined;
}

/* watcher.fd: the descriptor, or -1 once closed. */
static napi_value watcher_fd(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  Watcher* watcher = unwrap(env, info, &argc, NULL);
  if (watcher == NULL) return NULL;
  return make_int(env, watcher->fd);
}

/* openCount(): how many watchers own an open descriptor. */
static napi_value js_open_count(napi_env env, napi_callback_info info) {
  (void)info;
  Instance* instance;
  CHECK(napi_get_instance_data(env, (void**)&instance));
  return make_int(env, instance->open);
}

/*
 * The environment is going away (a worker thread ends, or the process): close every descriptor
 * still open, and hold the teardown until the poll handles' close callbacks have run.
 */
static void cleanup(napi_async_cleanup_hook_handle handle, void* data) {
  Instance* instance = (Instance*)data;
  for (Watcher* watcher = instance->head; watcher != NULL; watcher = watcher->next) release(watcher);
  if (instance->closing == 0) napi_remove_async_cleanup_hook(handle);
  else instance->cleanup = handle;
}

static void free_instance(napi_env env, void* data, void* hint) {
  (void)env;
  (void)hint;
  Instance* instance = (Instance*)data;
  /* Watchers finalized later still unlink themselves: the last of them frees the instance. */
  instance->dead = 1;
  maybe_free_instance(instance);
}

static napi_value init(napi_env env, napi_value exports) {
  Instance* instance = calloc(1, sizeof(Instance));
  if (instance == NULL) return NULL;
  CHECK(napi_set_instance_data(env, instance, free_instance, NULL));
  CHECK(napi_add_async_cleanup_hook(env, cleanup, instance, NULL));

  napi_property_descriptor functions[] = {
      {"socket", NULL, js_socket, NULL, NULL, NULL, napi_default, NULL},
      {"bind", NULL, js_bind, NULL, NULL, NULL, napi_default, NULL},
      {"connect", NULL, js_connect, NULL, NULL, NULL, napi_default, NULL},
      {"listen", NULL, js_listen, NULL, NULL, NULL, napi_default, NULL},
      {"accept", NULL, js_accept, NULL, NULL, NULL, napi_default, NULL},
      {"getsockname", NULL, js_getsockname, NULL, NULL, NULL, napi_default, NULL},
      {"getpeername", NULL, js_getpeername, NULL, NULL, NULL, napi_default, NULL},
      {"describe", NULL, js_describe, NULL, NULL, NULL, napi_default, NULL},
      {"prepare", NULL, js_prepare, NULL, NULL, NULL, napi_default, NULL},
      {"shutdown", NULL, js_shutdown, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_default, NULL},
      {"sendmsg", NULL, js_sendmsg, NULL, NULL, NULL, napi_default, NULL},
      {"recvmsg", NULL, js_recvmsg, NULL, NULL, NULL, napi_default, NULL},
      {"openCount", NULL, js_open_count, NULL, NULL, NULL, napi_default, NULL},
  };
  CHECK(napi_define_properties(env, exports, sizeof(functions) / sizeof(functions[0]), functions));

  napi_property_descriptor methods[] = {
      {"watch", NULL, watcher_watch, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, watcher_close, NULL, NULL, NULL, napi_default, NULL},
      {"fd", NULL, NULL, watcher_fd, NULL, NULL, napi_default, NULL},
  };
  napi_value watcher_class;
  CHECK(napi_define_class(env, "Watcher", NAPI_AUTO_LENGTH, watcher_new, NULL, sizeof(methods) / sizeof(methods[0]),
                          methods, &watcher_class));
  CHECK(napi_set_named_property(env, exports, "Watcher", watcher_class));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
