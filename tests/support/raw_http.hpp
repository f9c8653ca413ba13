#pragma once
// Raw HTTP over a socket for tests that must control every byte: what is
// sent, how it is split, and whether the server closed the connection.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <string>

namespace gemstone::testing {

/// A connected loopback TCP socket (TCP_NODELAY), or -1.
inline int connect_loopback(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

inline bool send_all(int fd, const std::string& bytes) {
  std::size_t at = 0;
  while (at < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + at, bytes.size() - at, MSG_NOSIGNAL);
    if (n <= 0) return false;
    at += static_cast<std::size_t>(n);
  }
  return true;
}

/// What came back before the peer closed (`closed`), or before `timeout`.
struct Received {
  std::string bytes;
  bool closed = false;  ///< end of stream or reset seen
};

/// Reads until end of stream, until `done(bytes)` holds, or until `timeout`.
template <class Done>
Received receive_until(int fd, std::chrono::milliseconds timeout, Done done) {
  Received r;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[16384];
  while (!done(r.bytes)) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      r.closed = true;
      break;
    }
    r.bytes.append(buf, static_cast<std::size_t>(n));
  }
  return r;
}

/// Reads until end of stream or `timeout`.
inline Received receive_to_end(int fd, std::chrono::milliseconds timeout) {
  return receive_until(fd, timeout, [](const std::string&) { return false; });
}

/// How many HTTP responses (status lines) `bytes` holds.
inline int count_responses(const std::string& bytes) {
  int n = 0;
  for (std::size_t at = bytes.find("HTTP/1.1 "); at != std::string::npos;
       at = bytes.find("HTTP/1.1 ", at + 1)) {
    if (at == 0 || bytes.compare(at - 1, 1, "\n") == 0 || bytes.compare(at - 1, 1, "}") == 0 ||
        bytes[at - 1] != ' ') {
      ++n;
    }
  }
  return n;
}

/// The status of the first response in `bytes`, or 0.
inline int first_status(const std::string& bytes) {
  if (bytes.rfind("HTTP/1.1 ", 0) != 0 || bytes.size() < 12) return 0;
  return std::stoi(bytes.substr(9, 3));
}

}  // namespace gemstone::testing
