#pragma once
// Transport: non-blocking bytes over one connected socket, plain or TLS.
// Every call returns at once; when it could not go on, it says which
// readiness of the socket (readable or writable) would let it.

#include <sys/socket.h>
#include <sys/types.h>

#include <cerrno>
#include <cstddef>

namespace gemstone::registry::http {

struct IoResult {
  enum Kind {
    kDone,       ///< `bytes` moved (handshake: finished)
    kWantRead,   ///< nothing now: wait until the socket is readable
    kWantWrite,  ///< nothing now: wait until the socket is writable
    kEnd,        ///< the peer closed its side (reads only)
    kError,      ///< the connection is broken
  };
  Kind kind = kDone;
  std::size_t bytes = 0;
};

class Transport {
 public:
  explicit Transport(int fd) : fd_(fd) {}
  virtual ~Transport() = default;
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  int fd() const { return fd_; }

  /// Whatever must happen before bytes flow (the TLS handshake).
  virtual IoResult handshake() { return {}; }
  virtual IoResult read(char* into, std::size_t size) = 0;
  virtual IoResult write(const char* from, std::size_t size) = 0;
  /// Read bytes the transport holds that the socket no longer shows
  /// (decrypted TLS records): epoll will not report them.
  virtual bool has_buffered_input() const { return false; }
  /// Says goodbye on the protocol level, as far as it can without waiting;
  /// the socket itself stays open.
  virtual void shutdown() {}

 protected:
  const int fd_;
};

/// recv/send on the socket.
class PlainTransport final : public Transport {
 public:
  using Transport::Transport;

  IoResult read(char* into, std::size_t size) override {
    for (;;) {
      const ssize_t n = ::recv(fd_, into, size, 0);
      if (n > 0) return {IoResult::kDone, static_cast<std::size_t>(n)};
      if (n == 0) return {IoResult::kEnd};
      if (errno == EINTR) continue;
      return {errno == EAGAIN || errno == EWOULDBLOCK ? IoResult::kWantRead : IoResult::kError};
    }
  }

  IoResult write(const char* from, std::size_t size) override {
    for (;;) {
      const ssize_t n = ::send(fd_, from, size, MSG_NOSIGNAL);
      if (n >= 0) return {IoResult::kDone, static_cast<std::size_t>(n)};
      if (errno == EINTR) continue;
      return {errno == EAGAIN || errno == EWOULDBLOCK ? IoResult::kWantWrite : IoResult::kError};
    }
  }
};

}  // namespace gemstone::registry::http
