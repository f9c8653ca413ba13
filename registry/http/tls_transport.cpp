#include "registry/http/tls_transport.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>

namespace gemstone::registry::http {

namespace {

// Why OpenSSL refused, in its words ("no start line", "key values
// mismatch"), and an empty error queue for whoever comes next.
std::string openssl_reason() {
  const unsigned long code = ERR_peek_last_error();
  const char* reason = code != 0 ? ERR_reason_error_string(code) : nullptr;
  ERR_clear_error();
  return reason != nullptr ? reason : "unknown error";
}

// A file OpenSSL is about to read, opened first by us so that a refusal
// says what the system said ("Permission denied"), not only that it failed.
std::optional<std::string> unreadable(const char* what, const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "re");
  if (f == nullptr) return std::string("cannot read ") + what + " " + path + ": " + std::strerror(errno);
  std::fclose(f);
  return std::nullopt;
}

}  // namespace

Result<TlsContext, std::string> make_tls_context(const std::string& cert, const std::string& key,
                                                 const std::string& ciphers) {
  using Made = Result<TlsContext, std::string>;
  TlsContext context(SSL_CTX_new(TLS_server_method()), SSL_CTX_free);
  if (!context) return Made("cannot make a TLS context: " + openssl_reason());
  SSL_CTX* ctx = context.get();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                               SSL_OP_CIPHER_SERVER_PREFERENCE);
  // Writes go out of a buffer that may grow (move) between two attempts.
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                            SSL_MODE_RELEASE_BUFFERS);
  const std::string list = ciphers.empty() ? std::string(kIntermediateCiphers) : ciphers;
  if (SSL_CTX_set_cipher_list(ctx, list.c_str()) != 1) {
    ERR_clear_error();
    return Made("tls_ciphers: no usable cipher in \"" + list + "\"");
  }
  if (auto why = unreadable("TLS certificate", cert)) return Made(*why);
  if (SSL_CTX_use_certificate_chain_file(ctx, cert.c_str()) != 1) {
    return Made("cannot use TLS certificate " + cert + ": not a PEM certificate chain (" +
                openssl_reason() + ")");
  }
  if (auto why = unreadable("TLS key", key)) return Made(*why);
  if (SSL_CTX_use_PrivateKey_file(ctx, key.c_str(), SSL_FILETYPE_PEM) != 1) {
    // Loading the key also compares it with the certificate.
    if (ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH) {
      return Made("cannot use TLS key " + key + " with certificate " + cert + ": " +
                  openssl_reason());
    }
    return Made("cannot use TLS key " + key + ": not a PEM private key (" + openssl_reason() + ")");
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    return Made("cannot use TLS key " + key + " with certificate " + cert + ": " +
                openssl_reason());
  }
  return Made(std::move(context));
}

TlsTransport::TlsTransport(int fd, TlsContext context)
    : Transport(fd), context_(std::move(context)), ssl_(SSL_new(context_.get())) {
  if (ssl_ != nullptr) SSL_set_fd(ssl_, fd);
}

TlsTransport::~TlsTransport() {
  if (ssl_ != nullptr) SSL_free(ssl_);
}

IoResult TlsTransport::failed(int ret) {
  const int error = SSL_get_error(ssl_, ret);
  switch (error) {
    case SSL_ERROR_WANT_READ: return {IoResult::kWantRead};
    case SSL_ERROR_WANT_WRITE: return {IoResult::kWantWrite};
    case SSL_ERROR_ZERO_RETURN: return {IoResult::kEnd};
    default:
      // The error queue is per thread and shared by every connection of
      // the loop: what is left in it would be blamed on the next one.
      ERR_clear_error();
      return {IoResult::kError};
  }
}

IoResult TlsTransport::handshake() {
  if (ssl_ == nullptr) return {IoResult::kError};
  const int ret = SSL_accept(ssl_);
  if (ret == 1) return {};
  return failed(ret);
}

IoResult TlsTransport::read(char* into, std::size_t size) {
  std::size_t n = 0;
  const int ret = SSL_read_ex(ssl_, into, size, &n);
  if (ret == 1) return {IoResult::kDone, n};
  return failed(ret);
}

IoResult TlsTransport::write(const char* from, std::size_t size) {
  std::size_t n = 0;
  const int ret = SSL_write_ex(ssl_, from, size, &n);
  if (ret == 1) return {IoResult::kDone, n};
  return failed(ret);
}

bool TlsTransport::has_buffered_input() const { return ssl_ != nullptr && SSL_pending(ssl_) > 0; }

void TlsTransport::shutdown() {
  if (ssl_ == nullptr || !SSL_is_init_finished(ssl_)) return;
  SSL_shutdown(ssl_);  // one close_notify; the answer is not waited for
  ERR_clear_error();
}

}  // namespace gemstone::registry::http
