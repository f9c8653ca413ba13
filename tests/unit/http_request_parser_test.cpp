#include "registry/http/request_parser.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace gemstone::registry::http {
namespace {

using Status = RequestParser::Status;
using namespace std::string_literals;

// Parses `input` in one call; the parser is returned for inspection.
struct Parsed {
  std::unique_ptr<RequestParser> parser;
  Status status;
  int error_status() const { return status == Status::kError ? parser->error().status : 0; }
};

Parsed parse(std::string_view input, ParseLimits limits = {}) {
  auto parser = std::make_unique<RequestParser>(limits);
  const Status status = parser->parse(input);
  return {std::move(parser), status};
}

// The status of `input` alone: 0 for a complete request, 1 for incomplete,
// otherwise the HTTP status of the error.
int outcome(std::string_view input, ParseLimits limits = {}) {
  const Parsed p = parse(input, limits);
  if (p.status == Status::kComplete) return 0;
  if (p.status == Status::kIncomplete) return 1;
  return p.parser->error().status;
}

const std::string kSample =
    "POST /api?x=1 HTTP/1.1\r\n"
    "Host: localhost:8000\r\n"
    "Content-Type: application/json\r\n"
    "Content-Length: 17\r\n"
    "\r\n"
    "{\"method\":\"ping\"}";

// ---- request line ----

TEST(HttpRequestParser, RequestLineMethodTargetVersion) {
  const Parsed p = parse(kSample);
  ASSERT_EQ(p.status, Status::kComplete);
  const RequestHead& head = p.parser->head();
  EXPECT_EQ(head.method, "POST");
  EXPECT_EQ(head.target, "/api?x=1");
  EXPECT_EQ(head.path(), "/api");
  EXPECT_EQ(head.minor_version, 1);
  ASSERT_EQ(head.headers.size(), 3u);
  EXPECT_EQ(head.headers[0].name, "Host");
  EXPECT_EQ(head.headers[0].value, "localhost:8000");
  EXPECT_EQ(head.header("content-type"), "application/json");
  EXPECT_EQ(head.header("X-Missing"), std::nullopt);
  EXPECT_EQ(head.content_length, 17u);
  EXPECT_EQ(p.parser->body(), "{\"method\":\"ping\"}");
  EXPECT_EQ(p.parser->consumed(), kSample.size());
  EXPECT_TRUE(p.parser->head_complete());
}

TEST(HttpRequestParser, MethodMustBeUpperCaseToken) {
  EXPECT_EQ(outcome("post / HTTP/1.1\r\n\r\n"), 400);
  EXPECT_EQ(outcome("Get / HTTP/1.1\r\n\r\n"), 400);
  EXPECT_EQ(outcome("M-SEARCH / HTTP/1.1\r\n\r\n"), 400);
  EXPECT_EQ(outcome(" GET / HTTP/1.1\r\n\r\n"), 400);
  EXPECT_EQ(outcome("DELETE / HTTP/1.1\r\n\r\n"), 0);
}

TEST(HttpRequestParser, TargetMustBeOriginForm) {
  EXPECT_EQ(outcome("GET http://example.com/ HTTP/1.1\r\n\r\n"), 400);
  EXPECT_EQ(outcome("OPTIONS * HTTP/1.1\r\n\r\n"), 400);
  EXPECT_EQ(outcome("GET  / HTTP/1.1\r\n\r\n"), 400);  // two spaces: empty target
  EXPECT_EQ(outcome("GET /a b HTTP/1.1\r\n\r\n"), 400);
  EXPECT_EQ(outcome("GET /a\tb HTTP/1.1\r\n\r\n"), 400);
  EXPECT_EQ(outcome("GET /a\0b HTTP/1.1\r\n\r\n"s), 400);
  EXPECT_EQ(outcome("GET /a\x7f HTTP/1.1\r\n\r\n"), 400);
  EXPECT_EQ(outcome("GET /caf\xc3\xa9 HTTP/1.1\r\n\r\n"), 400);
  EXPECT_EQ(outcome("GET /a#frag HTTP/1.1\r\n\r\n"), 400);
  EXPECT_EQ(outcome("GET /a/b%20c?d=e&f HTTP/1.1\r\n\r\n"), 0);
}

TEST(HttpRequestParser, VersionMustBeHttp10Or11) {
  EXPECT_EQ(outcome("GET / HTTP/1.0\r\n\r\n"), 0);
  EXPECT_EQ(parse("GET / HTTP/1.0\r\n\r\n").parser->head().minor_version, 0);
  EXPECT_EQ(outcome("GET / HTTP/2.0\r\n\r\n"), 505);
  EXPECT_EQ(outcome("GET / HTTP/1.2\r\n\r\n"), 505);
  EXPECT_EQ(outcome("GET / HTTP/0.9\r\n\r\n"), 505);
  EXPECT_EQ(outcome("GET / http/1.1\r\n\r\n"), 400);
  EXPECT_EQ(outcome("GET / HTTP/1.1 \r\n\r\n"), 400);
  EXPECT_EQ(outcome("GET / HTTP/11\r\n\r\n"), 400);
  EXPECT_EQ(outcome("GET / HTTP/1.10\r\n\r\n"), 400);
  EXPECT_EQ(outcome("GET /\r\n\r\n"), 400);
  EXPECT_EQ(outcome("GET / FOO\r\n\r\n"), 400);
}

// ---- line endings ----

TEST(HttpRequestParser, LinesMustEndInCrlf) {
  EXPECT_EQ(outcome("GET / HTTP/1.1\n\r\n"), 400);
  EXPECT_EQ(outcome("GET / HTTP/1.1\r\nHost: a\n\r\n"), 400);
  EXPECT_EQ(outcome("GET / HTTP/1.1\r\nHost: a\r\n\n"), 400);
  EXPECT_EQ(outcome("GET / HTTP/1.1\rHost: a\r\n\r\n"), 400);
  EXPECT_EQ(outcome("GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n"), 400);
  // A CR at the end of the buffer waits for its LF.
  EXPECT_EQ(outcome("GET / HTTP/1.1\r"), 1);
  EXPECT_EQ(outcome("GET / HTTP/1.1\r\nHost: a\r\n\r"), 1);
}

TEST(HttpRequestParser, LeadingEmptyLinesAreSkippedWithinTheHeadLimit) {
  const Parsed p = parse("\r\n\r\nGET / HTTP/1.1\r\n\r\n");
  ASSERT_EQ(p.status, Status::kComplete);
  EXPECT_EQ(p.parser->head().method, "GET");
  EXPECT_EQ(outcome("\n\nGET / HTTP/1.1\r\n\r\n"), 400);
  ParseLimits limits;
  limits.max_head_bytes = 64;
  std::string blank;
  for (int i = 0; i < 40; ++i) blank += "\r\n";
  EXPECT_EQ(outcome(blank, limits), 431);
}

// ---- header fields ----

TEST(HttpRequestParser, HeaderValueOwsIsTrimmed) {
  const Parsed p = parse("GET / HTTP/1.1\r\nA: \t x y \t\r\nB:\r\nC:   \r\n\r\n");
  ASSERT_EQ(p.status, Status::kComplete);
  EXPECT_EQ(p.parser->head().header("a"), "x y");
  EXPECT_EQ(p.parser->head().header("b"), "");
  EXPECT_EQ(p.parser->head().header("c"), "");
}

TEST(HttpRequestParser, HeaderNameMustBeToken) {
  EXPECT_EQ(outcome("GET / HTTP/1.1\r\nHo(st: a\r\n\r\n"), 400);
  EXPECT_EQ(outcome("GET / HTTP/1.1\r\n: a\r\n\r\n"), 400);
  EXPECT_EQ(outcome("GET / HTTP/1.1\r\nX-Ok_1!#$%&'*+.^`|~: a\r\n\r\n"), 0);
}

TEST(HttpRequestParser, WhitespaceBeforeColonIsRejected) {
  EXPECT_EQ(outcome("GET / HTTP/1.1\r\nHost : a\r\n\r\n"), 400);
  EXPECT_EQ(outcome("GET / HTTP/1.1\r\nHost\t: a\r\n\r\n"), 400);
}

TEST(HttpRequestParser, ObsFoldIsRejected) {
  EXPECT_EQ(outcome("GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n"), 400);
  EXPECT_EQ(outcome("GET / HTTP/1.1\r\nA: b\r\n\tc\r\n\r\n"), 400);
  EXPECT_EQ(outcome("GET / HTTP/1.1\r\n Host: a\r\n\r\n"), 400);
}

TEST(HttpRequestParser, HeaderLineWithoutColonIsRejected) {
  EXPECT_EQ(outcome("GET / HTTP/1.1\r\nHost\r\n\r\n"), 400);
}

TEST(HttpRequestParser, ControlCharactersInValuesAreRejected) {
  EXPECT_EQ(outcome("GET / HTTP/1.1\r\nA: x\0y\r\n\r\n"s), 400);
  EXPECT_EQ(outcome("GET / HTTP/1.1\r\nA: x\x01y\r\n\r\n"), 400);
  EXPECT_EQ(outcome("GET / HTTP/1.1\r\nA: x\x1by\r\n\r\n"), 400);
  EXPECT_EQ(outcome("GET / HTTP/1.1\r\nA: x\x7fy\r\n\r\n"), 400);
  EXPECT_EQ(outcome("GET / HTTP/1.1\r\nA: x\ty \xc3\xa9\r\n\r\n"), 0);  // HTAB, obs-text
}

TEST(HttpRequestParser, TooManyHeaderFieldsIs431) {
  std::string request = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 101; ++i) request += "A: b\r\n";
  request += "\r\n";
  EXPECT_EQ(outcome(request), 431);
}

// ---- head size ----

TEST(HttpRequestParser, HeadOverLimitIs431AsSoonAsBuffered) {
  ParseLimits limits;
  limits.max_head_bytes = 100;
  std::string head = "GET / HTTP/1.1\r\nX: " + std::string(100, 'a');
  EXPECT_EQ(outcome(head.substr(0, 99), limits), 1);
  EXPECT_EQ(outcome(head.substr(0, 100), limits), 431);
  // A head of exactly the limit is accepted.
  std::string exact = "GET / HTTP/1.1\r\nX: ";
  exact += std::string(100 - exact.size() - 4, 'a') + "\r\n\r\n";
  ASSERT_EQ(exact.size(), 100u);
  EXPECT_EQ(outcome(exact, limits), 0);
  EXPECT_EQ(outcome(exact.substr(0, 99), limits), 1);
  // One byte more (the last CR at the limit) is not.
  std::string over = "GET / HTTP/1.1\r\nX: ";
  over += std::string(101 - over.size() - 4, 'a') + "\r\n\r\n";
  EXPECT_EQ(outcome(over.substr(0, 100), limits), 431);
}

TEST(HttpRequestParser, LongRequestLineIs431) {
  ParseLimits limits;
  limits.max_head_bytes = 64;
  EXPECT_EQ(outcome("GET /" + std::string(100, 'a'), limits), 431);
}

// ---- Content-Length ----

TEST(HttpRequestParser, ContentLengthMustBeDigits) {
  for (const char* value : {"+73", "0x4a", "1e3", "-1", "", "1 2", "7,7", "4a", "\xd9\xa3"}) {
    SCOPED_TRACE(value);
    EXPECT_EQ(outcome(std::string("POST / HTTP/1.1\r\nContent-Length: ") + value + "\r\n\r\n1234567"), 400);
  }
  const Parsed p = parse("POST / HTTP/1.1\r\nContent-Length:  007 \r\n\r\n1234567");
  ASSERT_EQ(p.status, Status::kComplete);
  EXPECT_EQ(p.parser->body(), "1234567");
}

TEST(HttpRequestParser, ContentLengthOverflowIs400) {
  EXPECT_EQ(outcome("POST / HTTP/1.1\r\nContent-Length: 18446744073709551617\r\n\r\n"), 400);
  EXPECT_EQ(outcome("POST / HTTP/1.1\r\nContent-Length: 00000000000000000001\r\n\r\n"), 400);
  // 19 digits fit in 64 bits, and are simply too large a body.
  EXPECT_EQ(outcome("POST / HTTP/1.1\r\nContent-Length: 9999999999999999999\r\n\r\n"), 413);
}

TEST(HttpRequestParser, RepeatedContentLengthIsRejected) {
  EXPECT_EQ(outcome("POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd"), 400);
  EXPECT_EQ(outcome("POST / HTTP/1.1\r\nContent-Length: 3\r\ncontent-length: 3\r\n\r\nabc"), 400);
  EXPECT_EQ(outcome("POST / HTTP/1.1\r\nContent-Length: 3, 4\r\n\r\nabcd"), 400);
  EXPECT_EQ(outcome("POST / HTTP/1.1\r\nContent-Length: 3, 3\r\n\r\nabc"), 400);
}

TEST(HttpRequestParser, ContentLengthOverLimitIs413BeforeAnyBodyByte) {
  ParseLimits limits;
  limits.max_body_bytes = 10;
  EXPECT_EQ(outcome("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n", limits), 1);
  const Parsed p = parse("POST / HTTP/1.1\r\nContent-Length: 11\r\nExpect: 100-continue\r\n\r\n", limits);
  ASSERT_EQ(p.status, Status::kError);
  EXPECT_EQ(p.parser->error().status, 413);
  EXPECT_FALSE(p.parser->head_complete());  // so no 100 Continue is ever sent
}

TEST(HttpRequestParser, ContentLengthBodyWaitsForAllBytes) {
  RequestParser parser;
  const std::string request = "POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello";
  EXPECT_EQ(parser.parse(std::string_view(request).substr(0, request.size() - 1)), Status::kIncomplete);
  EXPECT_TRUE(parser.head_complete());
  EXPECT_EQ(parser.parse(request), Status::kComplete);
  EXPECT_EQ(parser.body(), "hello");
  EXPECT_EQ(parser.consumed(), request.size());
}

// ---- Transfer-Encoding ----

TEST(HttpRequestParser, TransferEncodingMustBeExactlyChunked) {
  EXPECT_EQ(outcome("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"), 0);
  EXPECT_EQ(outcome("POST / HTTP/1.1\r\nTransfer-Encoding:  ChUnKeD \t\r\n\r\n0\r\n\r\n"), 0);
  EXPECT_EQ(outcome("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"), 501);
  EXPECT_EQ(outcome("POST / HTTP/1.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n"), 501);
  EXPECT_EQ(outcome("POST / HTTP/1.1\r\nTransfer-Encoding: identity\r\n\r\n"), 501);
  EXPECT_EQ(outcome("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"), 501);
  EXPECT_EQ(outcome("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"), 501);
  EXPECT_EQ(outcome("POST / HTTP/1.1\r\nTransfer-Encoding:\r\n\r\n"), 400);
}

TEST(HttpRequestParser, TransferEncodingOnHttp10Is400) {
  EXPECT_EQ(outcome("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"), 400);
}

TEST(HttpRequestParser, TransferEncodingWithContentLengthIs400) {
  EXPECT_EQ(outcome("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n"), 400);
  EXPECT_EQ(outcome("POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"), 400);
}

// ---- chunked body ----

TEST(HttpRequestParser, ChunkedBodyIsDecoded) {
  const std::string request =
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n"
      "1;name=value;flag\r\n \r\n"
      "A ; q=\"a \\\"b\\\" c\"\r\n0123456789\r\n"
      "0\r\nX-Trailer: t\r\n\r\n";
  const std::string input = request + "GET";  // the views point into it
  const Parsed p = parse(input);
  ASSERT_EQ(p.status, Status::kComplete);
  EXPECT_TRUE(p.parser->head().chunked);
  EXPECT_EQ(p.parser->body(), "hello 0123456789");
  EXPECT_EQ(p.parser->consumed(), request.size());
  // Trailer fields are checked, then dropped.
  EXPECT_EQ(p.parser->head().header("X-Trailer"), std::nullopt);
}

TEST(HttpRequestParser, ChunkSizeMustBeHexDigits) {
  const std::string head = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (const char* size : {"0x5", "+5", "-5", " 5", "5 ", "", "g", "5;", "5;=x", "5;a=", "5;a=\"x", "5;a b"}) {
    SCOPED_TRACE(size);
    EXPECT_EQ(outcome(head + size + "\r\nhello\r\n0\r\n\r\n"), 400);
  }
  EXPECT_EQ(outcome(head + "00005\r\nhello\r\n0\r\n\r\n"), 0);
  EXPECT_EQ(outcome(head + "5 ;a = b\r\nhello\r\n0\r\n\r\n"), 0);
}

TEST(HttpRequestParser, ChunkSizeOverflowIs400) {
  const std::string head = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  EXPECT_EQ(outcome(head + "FFFFFFFFFFFFFFFFF\r\n"), 400);
  EXPECT_EQ(outcome(head + "00000000000000005\r\nhello\r\n0\r\n\r\n"), 400);
  EXPECT_EQ(outcome(head + "FFFFFFFFFFFFFFFF\r\n"), 413);  // fits in 64 bits, over the limit
}

TEST(HttpRequestParser, ChunkDataMustBeFollowedByCrlf) {
  const std::string head = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  EXPECT_EQ(outcome(head + "5\r\nhelloX\r\n0\r\n\r\n"), 400);
  EXPECT_EQ(outcome(head + "5\r\nhello\rX0\r\n\r\n"), 400);
  EXPECT_EQ(outcome(head + "5\r\nhello\n0\r\n\r\n"), 400);
  EXPECT_EQ(outcome(head + "3\r\nhello\r\n0\r\n\r\n"), 400);
  EXPECT_EQ(outcome(head + "5\r\nhello"), 1);
  EXPECT_EQ(outcome(head + "5\r\nhello\r"), 1);
}

TEST(HttpRequestParser, ChunkExtensionsAreBounded) {
  const std::string head = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  EXPECT_EQ(outcome(head + "1;a=" + std::string(2000, 'b') + "\r\n"), 400);
  ParseLimits limits;
  limits.max_head_bytes = 200;
  std::string body;
  for (int i = 0; i < 20; ++i) body += "1;ext=" + std::string(20, 'e') + "\r\nx\r\n";
  EXPECT_EQ(outcome(head + body + "0\r\n\r\n", limits), 400);
}

TEST(HttpRequestParser, TrailerFieldsFollowHeaderRules) {
  const std::string head = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n";
  EXPECT_EQ(outcome(head + "A: b\r\nC: d\r\n\r\n"), 0);
  EXPECT_EQ(outcome(head + "A : b\r\n\r\n"), 400);
  EXPECT_EQ(outcome(head + "A: b\r\n c\r\n\r\n"), 400);
  EXPECT_EQ(outcome(head + "Ab\r\n\r\n"), 400);
  EXPECT_EQ(outcome(head + "A: b\n\r\n"), 400);
  EXPECT_EQ(outcome(head + "A: \x01\r\n\r\n"), 400);
  ParseLimits limits;
  limits.max_head_bytes = 100;
  EXPECT_EQ(outcome(head + "A: " + std::string(200, 'b'), limits), 431);
}

TEST(HttpRequestParser, ChunkedBodyOverLimitIs413AsSoonAsKnown) {
  ParseLimits limits;
  limits.max_body_bytes = 10;
  const std::string head = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  EXPECT_EQ(outcome(head + "A\r\n0123456789\r\n0\r\n\r\n", limits), 0);
  // The second chunk's size alone exceeds what is left: no data needed.
  EXPECT_EQ(outcome(head + "6\r\n012345\r\n5\r\n", limits), 413);
  EXPECT_EQ(outcome(head + "B\r\n", limits), 413);
}

// ---- bodies on any method ----

TEST(HttpRequestParser, AnyMethodMayCarryAFramedBody) {
  const std::string get = "GET / HTTP/1.1\r\nContent-Length: 4\r\n\r\nbody";
  const std::string input = get + "GET /next HTTP/1.1\r\n\r\n";  // the views point into it
  const Parsed p = parse(input);
  ASSERT_EQ(p.status, Status::kComplete);
  EXPECT_EQ(p.parser->body(), "body");
  EXPECT_EQ(p.parser->consumed(), get.size());
  const std::string head = "HEAD / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n";
  const Parsed h = parse(head);
  ASSERT_EQ(h.status, Status::kComplete);
  EXPECT_EQ(h.parser->body(), "ab");
}

TEST(HttpRequestParser, NoLengthMeansEmptyBody) {
  const std::string post = "POST / HTTP/1.1\r\nHost: a\r\n\r\n";
  const std::string input = post + "GET / HTTP/1.1\r\n\r\n";  // the views point into it
  const Parsed p = parse(input);
  ASSERT_EQ(p.status, Status::kComplete);
  EXPECT_EQ(p.parser->body(), "");
  EXPECT_EQ(p.parser->consumed(), post.size());
}

// ---- smuggling shapes ----

struct SmugglingCase {
  const char* name;
  std::string request;
  int status;
};

TEST(HttpRequestParser, SmugglingShapesAreRefused) {
  const std::string chunked = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  const std::vector<SmugglingCase> cases = {
      {"TE and CL", "POST / HTTP/1.1\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
      {"CL then TE", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n", 400},
      {"two different CL", "POST / HTTP/1.1\r\nContent-Length: 4\r\nContent-Length: 9\r\n\r\nabcd", 400},
      {"CL list", "POST / HTTP/1.1\r\nContent-Length: 4, 9\r\n\r\nabcd", 400},
      {"CL +5", "POST / HTTP/1.1\r\nContent-Length: +5\r\n\r\nhello", 400},
      {"CL 0x5", "POST / HTTP/1.1\r\nContent-Length: 0x5\r\n\r\nhello", 400},
      {"CL 1e3", "POST / HTTP/1.1\r\nContent-Length: 1e3\r\n\r\nhello", 400},
      {"TE gzip, chunked", "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501},
      {"TE space before colon", "POST / HTTP/1.1\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n", 400},
      {"CL space before colon", "POST / HTTP/1.1\r\nContent-Length : 5\r\n\r\nhello", 400},
      {"TE obs-fold", "POST / HTTP/1.1\r\nTransfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n", 400},
      {"TE bare LF", "POST / HTTP/1.1\nTransfer-Encoding: chunked\n\n0\n\n", 400},
      {"chunk size 0x5", chunked + "0x5\r\nhello\r\n0\r\n\r\n", 400},
      {"chunk size +5", chunked + "+5\r\nhello\r\n0\r\n\r\n", 400},
      {"chunk size 17 F", chunked + "FFFFFFFFFFFFFFFFF\r\nhello\r\n0\r\n\r\n", 400},
      {"chunk data without CRLF", chunked + "5\r\nhello0\r\n\r\n", 400},
      {"chunk size bare LF", chunked + "5\nhello\r\n0\r\n\r\n", 400},
      {"lowercase method", "post / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", 400},
  };
  for (const SmugglingCase& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(outcome(c.request), c.status);
  }
}

TEST(HttpRequestParser, GetBodyIsNeverReadAsTheNextRequest) {
  // The body looks like a request; it must be consumed as a body.
  const std::string smuggled = "GET /admin HTTP/1.1\r\n\r\n";
  const std::string first =
      "GET / HTTP/1.1\r\nContent-Length: " + std::to_string(smuggled.size()) + "\r\n\r\n" + smuggled;
  const std::string second = "GET /second HTTP/1.1\r\n\r\n";
  const std::string input = first + second;
  RequestParser parser;
  ASSERT_EQ(parser.parse(input), Status::kComplete);
  EXPECT_EQ(parser.head().target, "/");
  EXPECT_EQ(parser.body(), smuggled);
  ASSERT_EQ(parser.consumed(), first.size());
  const std::string_view rest = std::string_view(input).substr(parser.consumed());
  parser.reset();
  ASSERT_EQ(parser.parse(rest), Status::kComplete);
  EXPECT_EQ(parser.head().target, "/second");
  EXPECT_EQ(parser.consumed(), rest.size());
}

// ---- incremental parsing ----

TEST(HttpRequestParser, PartialHeadAtEverySplitPoint) {
  for (std::size_t split = 0; split <= kSample.size(); ++split) {
    SCOPED_TRACE(split);
    RequestParser parser;
    // Each call gets its own copy so that views into an earlier buffer would dangle.
    const std::string prefix = kSample.substr(0, split);
    const Status first = parser.parse(prefix);
    EXPECT_EQ(first, split == kSample.size() ? Status::kComplete : Status::kIncomplete);
    const std::string whole = kSample;
    ASSERT_EQ(parser.parse(whole), Status::kComplete);
    EXPECT_EQ(parser.head().method, "POST");
    EXPECT_EQ(parser.head().target, "/api?x=1");
    EXPECT_EQ(parser.head().header("Host"), "localhost:8000");
    EXPECT_EQ(parser.head().headers.back().value, "17");
    EXPECT_EQ(parser.head().headers.back().value.data(), whole.data() + kSample.find("17\r\n"));
    EXPECT_EQ(parser.body(), "{\"method\":\"ping\"}");
    EXPECT_EQ(parser.body().data(), whole.data() + kSample.size() - 17);
    EXPECT_EQ(parser.consumed(), kSample.size());
  }
}

// Feeds `input` one more byte per call, in a fresh buffer each time.
Status feed_byte_by_byte(RequestParser& parser, const std::string& input, std::size_t* calls = nullptr) {
  Status status = Status::kIncomplete;
  for (std::size_t n = 1; n <= input.size(); ++n) {
    const std::string buffer = input.substr(0, n);
    status = parser.parse(buffer);
    if (calls) ++*calls;
    if (status != Status::kIncomplete) return status;
  }
  return status;
}

TEST(HttpRequestParser, ByteByByteFeedingOfALargeHeadIsLinear) {
  std::string request = "GET /big HTTP/1.1\r\n";
  std::size_t fields = 0;
  for (; request.size() < 10 * 1024; ++fields) {
    request += "X-Header-" + std::to_string(fields) + ": " + std::string(120, 'v') + "\r\n";
  }
  request += "\r\n";
  RequestParser parser(ParseLimits{16 * 1024, 1024});
  // Grow one string the way a connection's buffer grows: it moves now and then.
  std::string buffer;
  Status status = Status::kIncomplete;
  for (char c : request) {
    buffer.push_back(c);
    status = parser.parse(buffer);
    if (status != Status::kIncomplete) break;
  }
  ASSERT_EQ(status, Status::kComplete);
  EXPECT_EQ(parser.consumed(), request.size());
  ASSERT_EQ(parser.head().headers.size(), fields);
  EXPECT_EQ(parser.head().header("X-Header-" + std::to_string(fields - 1)), std::string(120, 'v'));
  EXPECT_EQ(parser.head().headers.back().value.data(), buffer.data() + request.size() - 124);
  // Each byte is looked at a bounded number of times, not once per call.
  EXPECT_LE(parser.bytes_examined(), 3 * request.size());
}

TEST(HttpRequestParser, ByteByByteFeedingOfAChunkedRequest) {
  const std::string request =
      "POST /api HTTP/1.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
      "4;x=y\r\nabcd\r\n10\r\n0123456789abcdef\r\n0\r\nT: v\r\n\r\n";
  RequestParser parser;
  ASSERT_EQ(feed_byte_by_byte(parser, request), Status::kComplete);
  EXPECT_EQ(parser.body(), "abcd0123456789abcdef");
  EXPECT_EQ(parser.consumed(), request.size());
  EXPECT_FALSE(parser.head().keep_alive);
  EXPECT_LE(parser.bytes_examined(), 3 * request.size());
}

TEST(HttpRequestParser, ByteByByteFeedingFindsTheSameError) {
  for (const std::string& request : std::vector<std::string>{
           "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
           "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX",
           "GET / HTTP/1.1\r\nA: b\rc\r\n\r\n",
           "GET / HTTP/2.0\r\n\r\n",
       }) {
    SCOPED_TRACE(request);
    RequestParser whole;
    ASSERT_EQ(whole.parse(request), Status::kError);
    RequestParser trickled;
    ASSERT_EQ(feed_byte_by_byte(trickled, request), Status::kError);
    EXPECT_EQ(trickled.error().status, whole.error().status);
    EXPECT_EQ(trickled.error().reason, whole.error().reason);
  }
}

TEST(HttpRequestParser, CompleteAndErrorAreSticky) {
  RequestParser parser;
  const std::string request = "GET / HTTP/1.1\r\n\r\n";
  ASSERT_EQ(parser.parse(request), Status::kComplete);
  const std::string more = request + "GARBAGE";
  EXPECT_EQ(parser.parse(more), Status::kComplete);
  EXPECT_EQ(parser.consumed(), request.size());
  RequestParser bad;
  ASSERT_EQ(bad.parse("get / HTTP/1.1\r\n\r\n"), Status::kError);
  EXPECT_EQ(bad.parse("get / HTTP/1.1\r\n\r\nmore"), Status::kError);
  EXPECT_EQ(bad.error().status, 400);
}

// ---- pipelining ----

// Parses requests one after another out of `input`; the targets in order.
std::vector<std::string> parse_pipeline(const std::string& input) {
  std::vector<std::string> targets;
  RequestParser parser;
  std::string_view rest = input;
  while (!rest.empty()) {
    if (parser.parse(rest) != Status::kComplete) break;
    targets.emplace_back(parser.head().target);
    EXPECT_GT(parser.consumed(), 0u);
    rest.remove_prefix(parser.consumed());
    parser.reset();
  }
  EXPECT_TRUE(rest.empty());
  return targets;
}

TEST(HttpRequestParser, PipelinedRequestsParseInSequence) {
  const std::string a = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n";
  const std::string b = "POST /b HTTP/1.1\r\nContent-Length: 3\r\n\r\nxyz";
  const std::string c = "POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nq\r\n0\r\n\r\n";
  EXPECT_EQ(parse_pipeline(a + b), (std::vector<std::string>{"/a", "/b"}));
  EXPECT_EQ(parse_pipeline(a + b + c), (std::vector<std::string>{"/a", "/b", "/c"}));
  EXPECT_EQ(parse_pipeline(c + c + a), (std::vector<std::string>{"/c", "/c", "/a"}));
}

TEST(HttpRequestParser, ResetKeepsNothingOfThePreviousRequest) {
  RequestParser parser;
  ASSERT_EQ(parser.parse("POST /a HTTP/1.0\r\nTransfer-Encoding: x\r\n\r\n"), Status::kError);
  parser.reset();
  ASSERT_EQ(parser.parse("GET /b HTTP/1.1\r\nExpect: 100-continue\r\n\r\n"), Status::kComplete);
  EXPECT_TRUE(parser.head().expect_continue);
  parser.reset();
  ASSERT_EQ(parser.parse("GET /c HTTP/1.1\r\n\r\n"), Status::kComplete);
  EXPECT_EQ(parser.head().target, "/c");
  EXPECT_TRUE(parser.head().headers.empty());
  EXPECT_FALSE(parser.head().expect_continue);
  EXPECT_FALSE(parser.head().chunked);
  EXPECT_EQ(parser.head().content_length, std::nullopt);
  EXPECT_TRUE(parser.head().keep_alive);
}

// ---- Connection and Expect ----

TEST(HttpRequestParser, KeepAliveFollowsVersionAndConnection) {
  struct Case {
    const char* request;
    bool keep_alive;
  };
  for (const Case& c : std::vector<Case>{
           {"GET / HTTP/1.1\r\n\r\n", true},
           {"GET / HTTP/1.1\r\nConnection: close\r\n\r\n", false},
           {"GET / HTTP/1.1\r\nConnection: Upgrade, CLOSE\r\n\r\n", false},
           {"GET / HTTP/1.1\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n", false},
           {"GET / HTTP/1.1\r\nConnection: closed\r\n\r\n", true},
           {"GET / HTTP/1.0\r\n\r\n", false},
           {"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true},
           {"GET / HTTP/1.0\r\nconnection: foo ,Keep-Alive\r\n\r\n", true},
           {"GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n", false},
       }) {
    SCOPED_TRACE(c.request);
    const Parsed p = parse(c.request);
    ASSERT_EQ(p.status, Status::kComplete);
    EXPECT_EQ(p.parser->head().keep_alive, c.keep_alive);
  }
}

TEST(HttpRequestParser, ExpectContinueIsReportedWithTheHead) {
  RequestParser parser;
  const std::string request = "POST / HTTP/1.1\r\nexpect: 100-Continue\r\nContent-Length: 2\r\n\r\n";
  ASSERT_EQ(parser.parse(request), Status::kIncomplete);
  EXPECT_TRUE(parser.head_complete());
  EXPECT_TRUE(parser.head().expect_continue);
  const std::string whole = request + "ok";  // the views point into it
  EXPECT_EQ(parser.parse(whole), Status::kComplete);
  EXPECT_EQ(parser.body(), "ok");
  // Other expectations are ignored; HTTP/1.0 clients do not wait for 100.
  EXPECT_FALSE(parse("GET / HTTP/1.1\r\nExpect: something\r\n\r\n").parser->head().expect_continue);
  EXPECT_EQ(outcome("GET / HTTP/1.1\r\nExpect: something\r\n\r\n"), 0);
  EXPECT_FALSE(parse("GET / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n").parser->head().expect_continue);
}

}  // namespace
}  // namespace gemstone::registry::http
