#include "cli/verbose.hpp"

#include <cstdio>
#include <memory>
#include <mutex>

#include "cli/output.hpp"
#include "gemstone/ascii.hpp"
#include "gemstone/jsonrpc/json.hpp"

namespace gemstone::cli {
namespace {

constexpr const char* kMask = "****";

void add_body(std::string& out, const std::string& body) {
  if (body.empty()) return;
  auto parsed = jsonrpc::parse_json(body);
  out += parsed.ok() ? jsonrpc::to_pretty_json(parsed.value()) : body;
  if (out.back() != '\n') out += '\n';
}

void add_headers(std::string& out, const char* prefix, const std::vector<Header>& headers) {
  for (const Header& h : headers) {
    out += prefix;
    out += h.name + ": " + masked_header_value(h.name, h.value) + "\n";
  }
  out += prefix;
  out.pop_back();  // "> " -> ">": the blank line that ends the head, as curl shows it
  out += '\n';
}

std::string seconds(std::chrono::microseconds elapsed) {
  char text[32];
  std::snprintf(text, sizeof text, "%.5f s", std::chrono::duration<double>(elapsed).count());
  return text;
}

}  // namespace

std::string masked_header_value(std::string_view name, std::string_view value) {
  if (ascii::equals_ignoring_case(name, "Authorization") ||
      ascii::equals_ignoring_case(name, "Proxy-Authorization")) {
    const std::size_t space = value.find(' ');
    if (space == std::string_view::npos) return kMask;
    return std::string(value.substr(0, space)) + " " + kMask;
  }
  if (ascii::equals_ignoring_case(name, "X-Api-Token") || ascii::equals_ignoring_case(name, "Cookie")) {
    return kMask;
  }
  return std::string(value);
}

std::string format_exchange(const HttpExchange& x) {
  std::string out = "* " + x.method + " " + x.url + "\n";
  out += "> " + x.method + " " + x.target + " HTTP/1.1\n";
  add_headers(out, "> ", x.request_headers);
  add_body(out, x.request_body);
  if (x.answered) {
    out += "< " + x.version + " " + std::to_string(x.status) + (x.reason.empty() ? "" : " " + x.reason) + "\n";
    add_headers(out, "< ", x.response_headers);
    add_body(out, x.response_body);
    out += "* answered in " + seconds(x.elapsed) + "\n";
  } else {
    out += "* " + (x.error ? x.error->describe() : std::string("no answer")) + " (after " +
           seconds(x.elapsed) + ")\n";
  }
  return out;
}

ExchangeObserver verbose_observer(const Output& out) {
  // One exchange at a time, whole, even from several threads.
  auto mutex = std::make_shared<std::mutex>();
  return [&out, mutex](const HttpExchange& x) {
    const std::string text = format_exchange(x);
    std::lock_guard<std::mutex> lock(*mutex);
    out.trace(text);
  };
}

}  // namespace gemstone::cli
