#include "registry/http/request_parser.hpp"

#include <algorithm>
#include <utility>

#include "gemstone/ascii.hpp"

namespace gemstone::registry::http {
namespace {

// More header lines than any real client sends; a head of thousands of
// tiny fields would otherwise grow every connection's vectors for good.
constexpr std::size_t kMaxHeaders = 100;
// A chunk-size line: 16 hex digits and room for a few extensions.
constexpr std::size_t kMaxChunkSizeLine = 1024;
// Above this the decoded-body buffer is released on reset() rather than
// kept for the connection's next request.
constexpr std::size_t kKeptBodyCapacity = 64 * 1024;
constexpr std::size_t kMaxContentLengthDigits = 19;  // 10^19 - 1 < 2^64
constexpr std::size_t kMaxChunkSizeDigits = 16;      // 16^16 - 1 = 2^64 - 1

bool is_ows(char c) { return c == ' ' || c == '\t'; }

// A byte allowed in a field value: HTAB, SP, VCHAR, obs-text.
bool is_field_value_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return c == '\t' || (u >= 0x20 && u != 0x7f);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string_view view(std::string_view input, std::size_t offset, std::size_t size) {
  return input.substr(offset, size);
}

// chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] )
bool valid_chunk_extensions(std::string_view ext) {
  std::size_t i = 0;
  const auto skip_bws = [&] {
    while (i < ext.size() && is_ows(ext[i])) ++i;
  };
  const auto token = [&] {
    const std::size_t start = i;
    while (i < ext.size() && ascii::is_token_char(ext[i])) ++i;
    return i > start;
  };
  while (i < ext.size()) {
    skip_bws();
    if (i == ext.size() || ext[i] != ';') return false;
    ++i;
    skip_bws();
    if (!token()) return false;
    const std::size_t before_equals = i;
    skip_bws();
    if (i == ext.size() || ext[i] != '=') {
      i = before_equals;  // a name alone; what follows must start the next extension
      continue;
    }
    ++i;
    skip_bws();
    if (i < ext.size() && ext[i] == '"') {
      ++i;
      bool closed = false;
      while (i < ext.size()) {
        const char c = ext[i];
        const auto u = static_cast<unsigned char>(c);
        if (c == '"') {
          ++i;
          closed = true;
          break;
        }
        if (c == '\\') {
          if (i + 1 == ext.size() || !is_field_value_char(ext[i + 1])) return false;
          i += 2;
          continue;
        }
        if (!(c == '\t' || c == ' ' || (u >= 0x21 && u != 0x7f))) return false;
        ++i;
      }
      if (!closed) return false;
    } else if (!token()) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::optional<std::string_view> RequestHead::header(std::string_view name) const {
  for (const Header& h : headers) {
    if (ascii::equals_ignoring_case(h.name, name)) return h.value;
  }
  return std::nullopt;
}

std::string_view RequestHead::path() const { return target.substr(0, target.find('?')); }

RequestParser::RequestParser(ParseLimits limits) : limits_(limits) {
  head_.headers.reserve(16);
  header_spans_.reserve(16);
}

void RequestParser::reset() {
  phase_ = Phase::kRequestLine;
  head_.method = {};
  head_.target = {};
  head_.minor_version = 1;
  head_.headers.clear();
  head_.content_length.reset();
  head_.chunked = false;
  head_.keep_alive = true;
  head_.expect_continue = false;
  error_ = {};
  body_ = {};
  if (chunked_body_.capacity() > kKeptBodyCapacity) {
    std::string().swap(chunked_body_);
  } else {
    chunked_body_.clear();
  }
  consumed_ = 0;
  pos_ = 0;
  scan_ = 0;
  examined_ = 0;
  base_ = 0;
  head_done_ = false;
  method_ = {};
  target_ = {};
  header_spans_.clear();
  content_body_ = {};
  transfer_encodings_ = 0;
  transfer_encoding_empty_ = false;
  transfer_encoding_chunked_ = false;
  connection_close_ = false;
  connection_keep_alive_ = false;
  expect_100_ = false;
  chunk_left_ = 0;
  chunk_ext_bytes_ = 0;
  trailer_start_ = 0;
}

RequestParser::Status RequestParser::fail(int status, std::string reason) {
  phase_ = Phase::kError;
  error_.status = status;
  error_.reason = std::move(reason);
  return Status::kError;
}

RequestParser::Status RequestParser::parse(std::string_view input) {
  if (phase_ == Phase::kError) return Status::kError;
  if (input.size() < std::max(pos_, scan_)) {
    return fail(400, "input shorter than the bytes already parsed");
  }
  rebind(input);
  if (phase_ == Phase::kComplete) return Status::kComplete;
  return run(input);
}

void RequestParser::rebind(std::string_view input) {
  const auto base = reinterpret_cast<std::uintptr_t>(input.data());
  if (base == base_) return;
  base_ = base;
  head_.method = view(input, method_.offset, method_.size);
  head_.target = view(input, target_.offset, target_.size);
  for (std::size_t i = 0; i < header_spans_.size(); ++i) {
    const HeaderSpan& s = header_spans_[i];
    head_.headers[i] = {view(input, s.name.offset, s.name.size), view(input, s.value.offset, s.value.size)};
  }
  if (phase_ == Phase::kComplete && !head_.chunked) {
    body_ = view(input, content_body_.offset, content_body_.size);
  }
}

// Finds the CRLF that ends the line starting at pos_, looking at each byte
// once across calls (scan_ remembers how far earlier calls got). A bare LF
// or a CR not followed by LF is an error; a line reaching `limit` is too long.
RequestParser::Line RequestParser::next_line(std::string_view input, std::size_t limit,
                                             std::size_t& line_end) {
  scan_ = std::max(scan_, pos_);
  for (std::size_t i = scan_; i < input.size(); ++i) {
    ++examined_;
    if (i >= limit) return Line::kTooLong;
    const char c = input[i];
    if (c == '\n') return Line::kBad;
    if (c != '\r') continue;
    if (i + 1 >= limit) return Line::kTooLong;
    if (i + 1 == input.size()) {
      scan_ = i;  // look at this CR again when its LF may have arrived
      return Line::kNeedMore;
    }
    if (input[i + 1] != '\n') return Line::kBad;
    line_end = i;
    return Line::kFound;
  }
  scan_ = input.size();
  return input.size() >= limit ? Line::kTooLong : Line::kNeedMore;
}

RequestParser::Status RequestParser::run(std::string_view input) {
  for (;;) {
    switch (phase_) {
      case Phase::kRequestLine:
      case Phase::kHeaders:
      case Phase::kChunkSize:
      case Phase::kTrailer: {
        std::size_t limit = limits_.max_head_bytes;
        if (phase_ == Phase::kChunkSize) limit = pos_ + kMaxChunkSizeLine;
        if (phase_ == Phase::kTrailer) limit = trailer_start_ + limits_.max_head_bytes;
        std::size_t end = 0;
        switch (next_line(input, limit, end)) {
          case Line::kNeedMore:
            return Status::kIncomplete;
          case Line::kBad:
            return fail(400, "line not ended by CRLF");
          case Line::kTooLong:
            if (phase_ == Phase::kChunkSize) return fail(400, "chunk size line too long");
            if (phase_ == Phase::kTrailer) return fail(431, "trailer fields too large");
            return fail(431, "request head too large");
          case Line::kFound:
            break;
        }
        examined_ += end - pos_;
        Status status = Status::kIncomplete;
        if (phase_ == Phase::kRequestLine) {
          // RFC 9112 2.2: empty lines before the request line may be ignored;
          // they count against the head's limit.
          if (end != pos_) status = on_request_line(input, end);
        } else if (phase_ == Phase::kHeaders) {
          status = end == pos_ ? finish_head() : on_header_line(input, end);
        } else if (phase_ == Phase::kChunkSize) {
          status = on_chunk_size_line(input, end);
        } else if (end == pos_) {
          return complete(end + 2);
        } else {
          status = on_header_line(input, end);  // a trailer field: checked, then dropped
        }
        if (status != Status::kIncomplete) return status;
        pos_ = end + 2;
        break;
      }
      case Phase::kBody: {
        // Without Content-Length (and not chunked) the body is empty.
        const auto length = static_cast<std::size_t>(head_.content_length.value_or(0));
        if (input.size() - pos_ < length) return Status::kIncomplete;
        content_body_ = {pos_, length};
        body_ = view(input, pos_, length);
        return complete(pos_ + length);
      }
      case Phase::kChunkData: {
        const std::size_t n =
            static_cast<std::size_t>(std::min<std::uint64_t>(chunk_left_, input.size() - pos_));
        chunked_body_.append(input.data() + pos_, n);
        examined_ += n;
        pos_ += n;
        chunk_left_ -= n;
        if (chunk_left_ > 0) return Status::kIncomplete;
        phase_ = Phase::kChunkDataEnd;
        break;
      }
      case Phase::kChunkDataEnd: {
        const std::size_t have = input.size() - pos_;
        examined_ += std::min<std::size_t>(have, 2);
        if (have >= 1 && input[pos_] != '\r') return fail(400, "chunk data not followed by CRLF");
        if (have >= 2 && input[pos_ + 1] != '\n') return fail(400, "chunk data not followed by CRLF");
        if (have < 2) return Status::kIncomplete;
        pos_ += 2;
        phase_ = Phase::kChunkSize;
        break;
      }
      case Phase::kComplete:
        return Status::kComplete;
      case Phase::kError:
        return Status::kError;
    }
  }
}

// method SP origin-form SP HTTP-version, each part checked strictly.
RequestParser::Status RequestParser::on_request_line(std::string_view input, std::size_t end) {
  const std::string_view line = input.substr(pos_, end - pos_);
  std::size_t i = 0;
  while (i < line.size() && line[i] >= 'A' && line[i] <= 'Z') ++i;
  if (i == 0 || i == line.size() || line[i] != ' ') return fail(400, "method is not an upper-case token");
  method_ = {pos_, i};

  const std::size_t target_start = ++i;
  if (i == line.size() || line[i] != '/') return fail(400, "request target is not an absolute path");
  while (i < line.size() && line[i] != ' ') {
    const auto u = static_cast<unsigned char>(line[i]);
    if (u <= 0x20 || u >= 0x7f || line[i] == '#') return fail(400, "invalid character in request target");
    ++i;
  }
  if (i == line.size()) return fail(400, "request line without HTTP version");
  target_ = {pos_ + target_start, i - target_start};

  const std::string_view version = line.substr(i + 1);
  if (version == "HTTP/1.1") {
    head_.minor_version = 1;
  } else if (version == "HTTP/1.0") {
    head_.minor_version = 0;
  } else if (version.size() == 8 && version.substr(0, 5) == "HTTP/" && ascii::is_digit(version[5]) &&
             version[6] == '.' && ascii::is_digit(version[7])) {
    return fail(505, "HTTP version not supported");
  } else {
    return fail(400, "malformed HTTP version");
  }
  head_.method = view(input, method_.offset, method_.size);
  head_.target = view(input, target_.offset, target_.size);
  phase_ = Phase::kHeaders;
  return Status::kIncomplete;
}

// field-name ":" OWS field-value OWS. In the head the field is kept and its
// meaning taken; in the trailer it is only checked.
RequestParser::Status RequestParser::on_header_line(std::string_view input, std::size_t end) {
  const std::string_view line = input.substr(pos_, end - pos_);
  if (is_ows(line.front())) return fail(400, "folded header line");
  std::size_t i = 0;
  while (i < line.size() && ascii::is_token_char(line[i])) ++i;
  if (i == line.size()) return fail(400, "header line without colon");
  if (line[i] != ':') {
    return fail(400, is_ows(line[i]) ? "white space before a header's colon" : "invalid header name");
  }
  if (i == 0) return fail(400, "empty header name");
  const std::string_view raw = line.substr(i + 1);
  for (char c : raw) {
    if (!is_field_value_char(c)) return fail(400, "control character in a header value");
  }
  if (phase_ == Phase::kTrailer) return Status::kIncomplete;

  if (header_spans_.size() == kMaxHeaders) return fail(431, "too many header fields");
  const std::string_view name = line.substr(0, i);
  const std::string_view value = ascii::trim_spaces_and_tabs(raw);
  const auto value_offset = static_cast<std::size_t>(value.data() - input.data());
  header_spans_.push_back({{pos_, i}, {value_offset, value.size()}});
  head_.headers.push_back({name, value});

  if (ascii::equals_ignoring_case(name, "Content-Length")) {
    // Repeats are refused even when equal: one length, one reading.
    if (head_.content_length) return fail(400, "more than one Content-Length");
    if (value.empty() || value.size() > kMaxContentLengthDigits) return fail(400, "invalid Content-Length");
    std::uint64_t length = 0;
    for (char c : value) {
      if (!ascii::is_digit(c)) return fail(400, "invalid Content-Length");
      length = length * 10 + static_cast<std::uint64_t>(c - '0');
    }
    head_.content_length = length;
  } else if (ascii::equals_ignoring_case(name, "Transfer-Encoding")) {
    ++transfer_encodings_;
    if (value.empty()) transfer_encoding_empty_ = true;
    transfer_encoding_chunked_ = ascii::equals_ignoring_case(value, "chunked");
  } else if (ascii::equals_ignoring_case(name, "Connection")) {
    std::string_view rest = value;
    while (!rest.empty()) {
      const std::size_t comma = rest.find(',');
      const std::string_view option = ascii::trim_spaces_and_tabs(rest.substr(0, comma));
      if (ascii::equals_ignoring_case(option, "close")) connection_close_ = true;
      if (ascii::equals_ignoring_case(option, "keep-alive")) connection_keep_alive_ = true;
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  } else if (ascii::equals_ignoring_case(name, "Expect")) {
    // Other expectations are ignored: the client then sends its body anyway.
    if (ascii::equals_ignoring_case(value, "100-continue")) expect_100_ = true;
  }
  return Status::kIncomplete;
}

// The head is complete: judge the framing headers together, so that their
// order never changes the answer, and pick how the body is read.
RequestParser::Status RequestParser::finish_head() {
  if (transfer_encodings_ > 0) {
    if (head_.content_length) return fail(400, "both Transfer-Encoding and Content-Length");
    if (head_.minor_version == 0) return fail(400, "Transfer-Encoding in an HTTP/1.0 request");
    if (transfer_encoding_empty_) return fail(400, "empty Transfer-Encoding");
    if (transfer_encodings_ > 1 || !transfer_encoding_chunked_) {
      return fail(501, "transfer coding other than chunked");
    }
    head_.chunked = true;
  }
  if (head_.content_length && *head_.content_length > limits_.max_body_bytes) {
    return fail(413, "request body too large");
  }
  head_.keep_alive = head_.minor_version == 1 ? !connection_close_ : connection_keep_alive_ && !connection_close_;
  head_.expect_continue = head_.minor_version == 1 && expect_100_;
  head_done_ = true;
  phase_ = head_.chunked ? Phase::kChunkSize : Phase::kBody;
  return Status::kIncomplete;
}

// 1*HEXDIG [ chunk-ext ]: no sign, no 0x, no leading space.
RequestParser::Status RequestParser::on_chunk_size_line(std::string_view input, std::size_t end) {
  const std::string_view line = input.substr(pos_, end - pos_);
  std::size_t i = 0;
  std::uint64_t size = 0;
  while (i < line.size() && hex_value(line[i]) >= 0) {
    if (i == kMaxChunkSizeDigits) return fail(400, "chunk size too large");
    size = size * 16 + static_cast<std::uint64_t>(hex_value(line[i]));
    ++i;
  }
  if (i == 0) return fail(400, "invalid chunk size");
  const std::string_view ext = line.substr(i);
  chunk_ext_bytes_ += ext.size();
  if (chunk_ext_bytes_ > limits_.max_head_bytes) return fail(400, "chunk extensions too long");
  if (!valid_chunk_extensions(ext)) return fail(400, "invalid chunk extension");
  if (size > limits_.max_body_bytes - chunked_body_.size()) return fail(413, "request body too large");
  if (size == 0) {
    phase_ = Phase::kTrailer;
    trailer_start_ = end + 2;
  } else {
    chunk_left_ = size;
    phase_ = Phase::kChunkData;
  }
  return Status::kIncomplete;
}

RequestParser::Status RequestParser::complete(std::size_t end) {
  if (head_.chunked) body_ = chunked_body_;
  consumed_ = end;
  pos_ = end;
  phase_ = Phase::kComplete;
  return Status::kComplete;
}

}  // namespace gemstone::registry::http
