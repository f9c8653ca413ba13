// The dashboard as the real daemon serves it: the page and its files with
// their headers, HEAD, the redirect from /, and --ui false. What the page
// does in a browser is tests/browser/.

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "raw_http.hpp"
#include "registry_process.hpp"

namespace gemstone::testing {
namespace {

using namespace std::chrono_literals;

// The raw answer to `request` on a fresh connection, up to its end.
std::string exchange(int port, const std::string& request) {
  const int fd = connect_loopback(port);
  EXPECT_GE(fd, 0);
  if (fd < 0) return {};
  EXPECT_TRUE(send_all(fd, request));
  const Received got = receive_to_end(fd, 5s);
  ::close(fd);
  return got.bytes;
}

TEST(RegistryUiTest, ThePageAndItsFilesAreServedWithTheirHeaders) {
  RegistryProcess registry;
  auto page = registry.get("/ui/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(page->get_header_value("Content-Security-Policy"), "default-src 'self'");
  EXPECT_EQ(page->get_header_value("X-Content-Type-Options"), "nosniff");
  EXPECT_NE(page->body.find("<title>gemstone-registry</title>"), std::string::npos);
  for (const char* file : {"/ui/app.js", "/ui/app.css", "/ui/favicon.svg"}) {
    SCOPED_TRACE(file);
    auto res = registry.get(file);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    EXPECT_FALSE(res->body.empty());
    EXPECT_EQ(res->get_header_value("X-Content-Type-Options"), "nosniff");
  }

  const std::string head =
      exchange(registry.port(), "HEAD /ui/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(first_status(head), 200) << head;
  EXPECT_NE(head.find("Content-Length: " + std::to_string(page->body.size()) + "\r\n"),
            std::string::npos)
      << head;
  EXPECT_EQ(head.substr(head.find("\r\n\r\n") + 4), "") << "HEAD carries no body";

  const std::string root = exchange(registry.port(), "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(first_status(root), 302) << root;
  EXPECT_NE(root.find("\r\nLocation: /ui/\r\n"), std::string::npos) << root;
}

TEST(RegistryUiTest, UiFalseServesNoDashboard) {
  RegistryProcess registry({"--ui", "false"});
  for (const char* path : {"/", "/ui/", "/ui/app.js"}) {
    SCOPED_TRACE(path);
    auto res = registry.get(path);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 404);
  }
  auto health = registry.get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

}  // namespace
}  // namespace gemstone::testing
