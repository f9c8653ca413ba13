#include "registry/http/http_response.hpp"

#include <charconv>

namespace gemstone::registry::http {

std::string_view reason_phrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
  }
}

void append_response(std::string& out, const Response& response, bool keep_alive, bool head_only) {
  char length[24];
  const auto length_end = std::to_chars(length, length + sizeof length, response.body.size()).ptr;
  const std::string_view length_text(length, static_cast<std::size_t>(length_end - length));
  // 204 and 304 carry no body, nor (here) its length.
  const bool with_length = response.status != 204 && response.status != 304 && response.status >= 200;
  const bool with_body = with_length && !head_only;

  // The hot path (a JSON 200 on a kept-alive connection) is one fixed
  // prefix, the length, and the body.
  if (response.status == 200 && keep_alive && response.allow.empty() && response.headers.empty() &&
      response.content_type == "application/json") {
    constexpr std::string_view kPrefix =
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ";
    out.reserve(out.size() + kPrefix.size() + length_text.size() + 4 + response.body.size());
    out.append(kPrefix).append(length_text).append("\r\n\r\n");
    if (with_body) out.append(response.body);
    return;
  }

  char status[8];
  const auto status_end = std::to_chars(status, status + sizeof status, response.status).ptr;
  const std::string_view reason = reason_phrase(response.status);
  out.reserve(out.size() + 160 + response.content_type.size() + response.headers.size() +
              response.body.size());
  out.append("HTTP/1.1 ").append(status, static_cast<std::size_t>(status_end - status));
  out.append(" ").append(reason).append("\r\n");
  if (!response.content_type.empty() && with_length) {
    out.append("Content-Type: ").append(response.content_type).append("\r\n");
  }
  if (!response.allow.empty()) out.append("Allow: ").append(response.allow).append("\r\n");
  out.append(response.headers);
  if (with_length) out.append("Content-Length: ").append(length_text).append("\r\n");
  if (!keep_alive) out.append("Connection: close\r\n");
  out.append("\r\n");
  if (with_body) out.append(response.body);
}

}  // namespace gemstone::registry::http
