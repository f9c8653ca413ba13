#include "gemstone/client_error.hpp"

#include <utility>

namespace gemstone {

const char* to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kInvalidUrl: return "invalid url";
    case ErrorKind::kConnection: return "connection";
    case ErrorKind::kTimeout: return "timeout";
    case ErrorKind::kTls: return "tls";
    case ErrorKind::kIo: return "io";
    case ErrorKind::kHttpStatus: return "http status";
    case ErrorKind::kMalformedResponse: return "malformed response";
    case ErrorKind::kRpc: return "rpc";
    case ErrorKind::kNoInstance: return "no instance";
  }
  return "unknown";
}

bool ClientError::is_transport() const {
  return kind != ErrorKind::kRpc && kind != ErrorKind::kNoInstance &&
         kind != ErrorKind::kInvalidUrl;
}

std::string ClientError::describe() const {
  if (kind == ErrorKind::kRpc) {
    return "error " + std::to_string(rpc.code) + ": " + rpc.message;
  }
  if (url.empty()) return message;
  return url + ": " + message;
}

ClientError ClientError::invalid_url(std::string url, std::string why) {
  return {ErrorKind::kInvalidUrl, std::move(url), std::move(why), 0, {}};
}

ClientError ClientError::transport(ErrorKind kind, std::string url, std::string why) {
  return {kind, std::move(url), std::move(why), 0, {}};
}

ClientError ClientError::http_status_error(std::string url, int status, std::string why) {
  return {ErrorKind::kHttpStatus, std::move(url), std::move(why), status, {}};
}

ClientError ClientError::malformed(std::string url, std::string why) {
  return {ErrorKind::kMalformedResponse, std::move(url), std::move(why), 0, {}};
}

ClientError ClientError::from_rpc(std::string url, jsonrpc::Error error) {
  std::string message = error.message;
  return {ErrorKind::kRpc, std::move(url), std::move(message), 0, std::move(error)};
}

ClientError ClientError::no_instance(std::string registry_url, const std::string& pattern) {
  return {ErrorKind::kNoInstance, std::move(registry_url),
          "no live instance matches '" + pattern + "'", 0, {}};
}

}  // namespace gemstone
