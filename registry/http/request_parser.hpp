#pragma once
// RequestParser: one HTTP/1.1 request out of a connection's input bytes,
// strictly (RFC 9112), without waiting and without a thread.
//
// The event loop keeps the bytes of a connection in one buffer and calls
// parse() with everything from the start of the current request each time
// more arrive; the parser resumes where it stopped, so a head trickled a
// byte at a time is read once. Whatever could let two parties disagree on
// where a request ends (both Content-Length and Transfer-Encoding, two
// different lengths, a length that is not plain digits, a transfer coding
// other than exactly "chunked", a bad chunk size, chunk data not followed by
// CRLF, a space before a header's colon, a folded header line, a bare LF,
// a method that is not upper case) is an error, and every error closes the
// connection: nothing after a rejected request is ever read as a request.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gemstone::registry::http {

struct Header {
  std::string_view name;   ///< as sent (compare with ascii::equals_ignoring_case)
  std::string_view value;  ///< leading and trailing spaces and tabs removed
};

/// The head of a parsed request, complete once head_complete(). The views
/// point into the input given to the latest parse() call.
struct RequestHead {
  std::string_view method;  ///< "GET", "POST", ...: an upper-case token
  std::string_view target;  ///< origin form: path and query, e.g. "/api"
  int minor_version = 1;    ///< HTTP/1.0 or HTTP/1.1
  std::vector<Header> headers;
  std::optional<std::uint64_t> content_length;
  bool chunked = false;          ///< Transfer-Encoding: chunked
  bool keep_alive = true;        ///< by version and the Connection header
  bool expect_continue = false;  ///< Expect: 100-continue

  /// The value of the first header named `name` (any case), if present.
  std::optional<std::string_view> header(std::string_view name) const;
  /// The target without its query.
  std::string_view path() const;
};

struct ParseLimits {
  std::size_t max_head_bytes = 16 * 1024;  ///< request line and headers; more: 431
  std::size_t max_body_bytes = 1024 * 1024;  ///< decoded body; more: 413
};

/// Why a request was refused: the status to answer with (400, 413, 431,
/// 501 or 505) and a short reason for the error body and the log. The
/// connection is closed after the answer.
struct ParseError {
  int status = 400;
  std::string reason;
};

class RequestParser {
 public:
  enum class Status {
    kIncomplete,  ///< more bytes are needed
    kComplete,    ///< head() and body() are ready; consumed() bytes make the request
    kError,       ///< error() says why; the connection must close after the answer
  };

  explicit RequestParser(ParseLimits limits = {});

  /// Parses the request at the start of `input` (all bytes buffered since
  /// the end of the previous request). Call again with the same bytes plus
  /// whatever arrived since, until kComplete or kError.
  Status parse(std::string_view input);

  /// True once the head has been read (kIncomplete may still be waiting for
  /// the body): the moment to send "100 Continue" when head().expect_continue.
  bool head_complete() const { return head_done_; }

  const RequestHead& head() const { return head_; }
  /// The body after kComplete: a view into the input for Content-Length,
  /// the decoded data (owned by the parser) for chunked.
  std::string_view body() const { return body_; }
  /// Bytes of the input that the request took, head and body, after kComplete.
  std::size_t consumed() const { return consumed_; }
  const ParseError& error() const { return error_; }

  /// Ready for the next request on the connection.
  void reset();

  /// How many input bytes the parser has looked at for this request, for
  /// tests: it stays a small multiple of the request's size however the
  /// bytes were split across calls.
  std::size_t bytes_examined() const { return examined_; }

 private:
  // Where the parser is within the request.
  enum class Phase {
    kRequestLine,
    kHeaders,
    kBody,           // Content-Length bytes
    kChunkSize,      // a chunk-size line
    kChunkData,
    kChunkDataEnd,   // the CRLF after chunk data
    kTrailer,        // trailer fields after the last chunk
    kComplete,
    kError,
  };
  enum class Line { kFound, kNeedMore, kTooLong, kBad };

  // The head's views are kept as offsets too: the caller's buffer may move
  // between calls (it grows), and the views are re-pointed when it does.
  struct Span {
    std::size_t offset = 0;
    std::size_t size = 0;
  };
  struct HeaderSpan {
    Span name;
    Span value;
  };

  Status fail(int status, std::string reason);
  Status run(std::string_view input);
  Line next_line(std::string_view input, std::size_t limit, std::size_t& line_end);
  Status on_request_line(std::string_view input, std::size_t end);
  Status on_header_line(std::string_view input, std::size_t end);
  Status finish_head();
  Status on_chunk_size_line(std::string_view input, std::size_t end);
  Status complete(std::size_t end);
  void rebind(std::string_view input);

  ParseLimits limits_;
  Phase phase_ = Phase::kRequestLine;
  RequestHead head_;
  ParseError error_;
  std::string_view body_;
  std::string chunked_body_;
  std::size_t consumed_ = 0;
  std::size_t pos_ = 0;   ///< start of the first element not parsed yet
  std::size_t scan_ = 0;  ///< bytes before this (from pos_) hold no line end
  std::size_t examined_ = 0;
  std::uintptr_t base_ = 0;  ///< address of the input seen last
  bool head_done_ = false;

  Span method_;
  Span target_;
  std::vector<HeaderSpan> header_spans_;
  Span content_body_;

  // Facts gathered from the headers, judged once the head is complete.
  int transfer_encodings_ = 0;
  bool transfer_encoding_empty_ = false;
  bool transfer_encoding_chunked_ = false;
  bool connection_close_ = false;
  bool connection_keep_alive_ = false;
  bool expect_100_ = false;

  // Chunked decoding.
  std::uint64_t chunk_left_ = 0;
  std::size_t chunk_ext_bytes_ = 0;
  std::size_t trailer_start_ = 0;
};

}  // namespace gemstone::registry::http
