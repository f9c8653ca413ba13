// libFuzzer target for the HTTP/1.1 request parser.
//
// Input: one flags byte, up to 7 split bytes, then the bytes a client sent.
//   flags bits 0-2: how many split bytes follow (0: feed one byte per call)
//   flags bit 3:    small limits, so that 413 and 431 are reached by small inputs
//   flags bit 4:    every call gets a fresh buffer of exactly the bytes so far,
//                   so a read past the end or a stale view is an ASan report
//
// The valuable check is differential: each request is parsed once from all
// the bytes and once fed in pieces, and both must agree on the outcome, the
// head, the body and the length. Requests are parsed one after another, as
// a pipelining client would send them, until one is incomplete or refused.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "registry/http/request_parser.hpp"

namespace {

using gemstone::registry::http::ParseLimits;
using gemstone::registry::http::RequestParser;
using Status = RequestParser::Status;

// Everything a caller can observe, copied out of the parser.
struct Outcome {
  Status status = Status::kIncomplete;
  int error_status = 0;
  std::string reason;
  std::size_t consumed = 0;
  std::string method;
  std::string target;
  int minor_version = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::optional<std::uint64_t> content_length;
  bool chunked = false;
  bool keep_alive = false;
  bool expect_continue = false;
  std::string body;

  bool operator==(const Outcome& o) const {
    return status == o.status && error_status == o.error_status && reason == o.reason &&
           consumed == o.consumed && method == o.method && target == o.target &&
           minor_version == o.minor_version && headers == o.headers && content_length == o.content_length &&
           chunked == o.chunked && keep_alive == o.keep_alive && expect_continue == o.expect_continue &&
           body == o.body;
  }
};

[[noreturn]] void fail(const char* why, std::string_view input) {
  std::fprintf(stderr, "invariant broken: %s\ninput (%zu bytes): %.*s\n", why, input.size(),
               static_cast<int>(input.size()), input.data());
  std::abort();
}

void check(bool ok, const char* why, std::string_view input) {
  if (!ok) fail(why, input);
}

// Copies what the parser reports; checks what must hold whatever the input.
Outcome observe(const RequestParser& parser, Status status, std::string_view input, const ParseLimits& limits) {
  Outcome o;
  o.status = status;
  if (status == Status::kError) {
    o.error_status = parser.error().status;
    o.reason = parser.error().reason;
    const int s = o.error_status;
    check(s == 400 || s == 413 || s == 431 || s == 501 || s == 505, "unexpected error status", input);
    check(!o.reason.empty(), "error without a reason", input);
    return o;
  }
  if (status != Status::kComplete) return o;
  const auto& head = parser.head();
  check(parser.head_complete(), "complete without a complete head", input);
  check(parser.consumed() > 0, "complete request of zero bytes", input);
  check(parser.consumed() <= input.size(), "consumed more than the input", input);
  check(!head.method.empty(), "empty method", input);
  for (char c : head.method) check(c >= 'A' && c <= 'Z', "method not upper case", input);
  check(!head.target.empty() && head.target.front() == '/', "target not an absolute path", input);
  check(head.minor_version == 0 || head.minor_version == 1, "bad version", input);
  check(!(head.chunked && head.content_length), "both chunked and a length", input);
  if (head.content_length) check(parser.body().size() == *head.content_length, "body size differs from length", input);
  if (!head.chunked && !head.content_length) check(parser.body().empty(), "body without framing", input);
  check(parser.body().size() <= limits.max_body_bytes, "body over the limit", input);
  // Views must lie within the bytes of the request (or, for chunked, the parser's own buffer).
  const auto inside = [&](std::string_view v) {
    return v.empty() || (v.data() >= input.data() && v.data() + v.size() <= input.data() + parser.consumed());
  };
  check(inside(head.method) && inside(head.target), "request line view outside the request", input);
  for (const auto& h : head.headers) check(inside(h.name) && inside(h.value), "header view outside the request", input);
  if (!head.chunked) check(inside(parser.body()), "body view outside the request", input);

  o.consumed = parser.consumed();
  o.method = std::string(head.method);
  o.target = std::string(head.target);
  o.minor_version = head.minor_version;
  for (const auto& h : head.headers) o.headers.emplace_back(h.name, h.value);
  o.content_length = head.content_length;
  o.chunked = head.chunked;
  o.keep_alive = head.keep_alive;
  o.expect_continue = head.expect_continue;
  o.body = std::string(parser.body());
  return o;
}

// Feeds `input` to a fresh parser in growing prefixes; the outcome once it
// is no longer incomplete (or after the last byte).
Outcome feed_in_pieces(std::string_view input, const ParseLimits& limits, const std::vector<std::uint8_t>& steps,
                       bool fresh_buffers, const Outcome& whole) {
  RequestParser parser(limits);
  std::size_t fed = 0;
  std::size_t calls = 0;
  std::size_t step_index = 0;
  for (;;) {
    const std::size_t step = steps.empty() ? 1 : steps[step_index++ % steps.size()] + std::size_t{1};
    fed = std::min(input.size(), fed + step);
    Status status;
    Outcome o;
    if (fresh_buffers) {
      const std::unique_ptr<char[]> copy(new char[fed == 0 ? 1 : fed]);
      if (fed > 0) std::memcpy(copy.get(), input.data(), fed);
      const std::string_view buffer(copy.get(), fed);
      status = parser.parse(buffer);
      o = observe(parser, status, buffer, limits);
    } else {
      status = parser.parse(input.substr(0, fed));
      o = observe(parser, status, input.substr(0, fed), limits);
    }
    ++calls;
    // Linear work however the bytes were split: each byte looked at a
    // bounded number of times, plus a little per call.
    check(parser.bytes_examined() <= 3 * fed + 2 * calls + 8, "parser work is not linear", input);
    if (whole.status == Status::kComplete && fed >= whole.consumed) {
      check(status == Status::kComplete, "a complete request's bytes did not complete it in pieces", input);
    }
    if (status != Status::kIncomplete || fed == input.size()) {
      if (status != Status::kIncomplete && fed < input.size()) {
        // Sticky: more bytes change nothing; views move to the new buffer.
        const Status again = parser.parse(input);
        check(again == status, "outcome changed when more bytes came", input);
        check(observe(parser, again, input, limits) == o, "outcome changed when more bytes came", input);
      }
      return o;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t flags = data[0];
  const std::size_t split_bytes = std::min<std::size_t>(flags & 7u, size - 1);
  const std::vector<std::uint8_t> steps(data + 1, data + 1 + split_bytes);
  ParseLimits limits;
  if (flags & 8u) {
    limits.max_head_bytes = 96;
    limits.max_body_bytes = 32;
  }
  const bool fresh_buffers = (flags & 16u) != 0;
  const std::size_t start = 1 + split_bytes;
  std::string_view rest(reinterpret_cast<const char*>(data) + start, size - start);

  RequestParser parser(limits);
  for (int request = 0; request < 64 && !rest.empty(); ++request) {
    parser.reset();
    const Status status = parser.parse(rest);
    const Outcome whole = observe(parser, status, rest, limits);
    check(parser.bytes_examined() <= 3 * rest.size() + 8, "parser work is not linear", rest);
    const Outcome pieces = feed_in_pieces(rest, limits, steps, fresh_buffers, whole);
    if (!(pieces == whole)) fail("parsing in pieces differs from parsing all at once", rest);
    if (status != Status::kComplete) break;
    rest.remove_prefix(parser.consumed());
  }
  return 0;
}
