// The response writer: the exact bytes of each kind of answer.

#include "registry/http/http_response.hpp"

#include <gtest/gtest.h>

namespace gemstone::registry::http {
namespace {

Response json(int status, std::string body) {
  Response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = std::move(body);
  return r;
}

TEST(HttpResponseTest, JsonOkOnAKeptConnectionIsTheShortForm) {
  std::string out;
  append_response(out, json(200, "{\"a\":1}"), true, false);
  EXPECT_EQ(out, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{\"a\":1}");
}

TEST(HttpResponseTest, ClosingAddsConnectionClose) {
  std::string out;
  append_response(out, json(200, "{}"), false, false);
  EXPECT_EQ(out,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
            "Connection: close\r\n\r\n{}");
}

TEST(HttpResponseTest, AnswersAppendAfterWhatIsQueued) {
  std::string out = "HTTP/1.1 100 Continue\r\n\r\n";
  append_response(out, json(200, "1"), true, false);
  append_response(out, json(200, "2"), true, false);
  EXPECT_EQ(out,
            "HTTP/1.1 100 Continue\r\n\r\n"
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1\r\n\r\n1"
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1\r\n\r\n2");
}

TEST(HttpResponseTest, MethodNotAllowedCarriesAllow) {
  Response r = json(405, "{}");
  r.allow = "POST";
  std::string out;
  append_response(out, r, true, false);
  EXPECT_EQ(out,
            "HTTP/1.1 405 Method Not Allowed\r\nContent-Type: application/json\r\nAllow: POST\r\n"
            "Content-Length: 2\r\n\r\n{}");
}

TEST(HttpResponseTest, NoContentHasNeitherLengthNorBody) {
  Response r;
  r.status = 204;
  std::string out;
  append_response(out, r, true, false);
  EXPECT_EQ(out, "HTTP/1.1 204 No Content\r\n\r\n");
}

TEST(HttpResponseTest, HeadGetsTheLengthButNotTheBody) {
  std::string out;
  Response r = json(405, "{\"x\":true}");
  r.allow = "POST";
  append_response(out, r, true, true);
  EXPECT_EQ(out,
            "HTTP/1.1 405 Method Not Allowed\r\nContent-Type: application/json\r\nAllow: POST\r\n"
            "Content-Length: 10\r\n\r\n");
}

TEST(HttpResponseTest, NotFoundWithoutBodySaysLengthZero) {
  Response r;
  r.status = 404;
  std::string out;
  append_response(out, r, true, false);
  EXPECT_EQ(out, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
}

TEST(HttpResponseTest, ExtraHeadersFollowTheOthersVerbatim) {
  Response r = json(200, "{}");
  r.headers = "X-Content-Type-Options: nosniff\r\nCache-Control: no-cache\r\n";
  std::string out;
  append_response(out, r, true, false);
  EXPECT_EQ(out,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            "X-Content-Type-Options: nosniff\r\nCache-Control: no-cache\r\n"
            "Content-Length: 2\r\n\r\n{}");
}

TEST(HttpResponseTest, NotModifiedHasNeitherLengthNorBody) {
  Response r;
  r.status = 304;
  r.content_type = "text/html";
  r.headers = "ETag: \"abc\"\r\n";
  r.body = "ignored";
  std::string out;
  append_response(out, r, true, false);
  EXPECT_EQ(out, "HTTP/1.1 304 Not Modified\r\nETag: \"abc\"\r\n\r\n");
}

TEST(HttpResponseTest, EveryStatusWeSendHasItsReason) {
  for (int status : {200, 204, 302, 304, 400, 404, 405, 408, 413, 415, 431, 501, 505}) {
    EXPECT_NE(reason_phrase(status), "Unknown") << status;
  }
}

}  // namespace
}  // namespace gemstone::registry::http
