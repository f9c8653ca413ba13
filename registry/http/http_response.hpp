#pragma once
// Responses to bytes: the status line, the few headers the registry sends,
// and the body, appended to a connection's output in one go.

#include <string>
#include <string_view>

#include "registry/http/http_message.hpp"

namespace gemstone::registry::http {

inline constexpr std::string_view kContinueResponse = "HTTP/1.1 100 Continue\r\n\r\n";

std::string_view reason_phrase(int status);

/// Appends `response` to `out`. `keep_alive` false adds "Connection: close";
/// `head_only` (a HEAD request) sends the headers of the body but not the body.
void append_response(std::string& out, const Response& response, bool keep_alive, bool head_only);

}  // namespace gemstone::registry::http
