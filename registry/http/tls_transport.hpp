#pragma once
// TLS over a non-blocking socket with OpenSSL: the handshake, reads and
// writes never wait; SSL's WANT_READ / WANT_WRITE become the readiness the
// event loop waits for. No thread is ever held by a TLS connection.

#include <memory>
#include <string>

#include "gemstone/result.hpp"
#include "registry/http/transport.hpp"

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;

namespace gemstone::registry::http {

/// Mozilla's "intermediate" TLS 1.2 suites: forward secret, AEAD only.
/// TLS 1.3 suites are OpenSSL's own (all of them AEAD and forward secret).
inline constexpr const char* kIntermediateCiphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305";

/// A server context shared by the connections accepted while it is current;
/// a reload may make a new one for later connections.
using TlsContext = std::shared_ptr<SSL_CTX>;

/// A server context for `cert` (PEM chain) and `key` (PEM): TLS 1.2 and
/// later, `ciphers` for TLS 1.2 (empty: kIntermediateCiphers). Fails with a
/// one-line reason.
Result<TlsContext, std::string> make_tls_context(const std::string& cert, const std::string& key,
                                                 const std::string& ciphers);

class TlsTransport final : public Transport {
 public:
  /// Takes no ownership of `fd`; keeps `context` alive while it lives.
  TlsTransport(int fd, TlsContext context);
  ~TlsTransport() override;

  IoResult handshake() override;
  IoResult read(char* into, std::size_t size) override;
  IoResult write(const char* from, std::size_t size) override;
  bool has_buffered_input() const override;
  void shutdown() override;

 private:
  IoResult failed(int ret);

  TlsContext context_;
  SSL* ssl_ = nullptr;
};

}  // namespace gemstone::registry::http
