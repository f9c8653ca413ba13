// The dashboard's routes, through Routes as the daemon uses them: the files
// built into the binary with their types and security headers, the
// redirect to /ui/, revalidation by ETag, and nothing at all with ui off.

#include "registry/http/ui_route.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <vector>

#include "registry/http/routes.hpp"
#include "registry/ui/ui_assets.hpp"

namespace gemstone::registry::http {
namespace {

class UiRouteTest : public ::testing::Test {
 protected:
  explicit UiRouteTest(bool ui = true)
      : metrics_(std::vector<std::string>{"ping"}),
        routes_(RoutesOptions{1024 * 1024, 16384, false, AccessPolicy(), ui}, dispatcher_, metrics_,
                [] { return Health{200, "{}"}; }, [] { return Metrics::Gauges{}; }) {}

  Response get(const std::string& target, const std::string& method = "GET",
               std::vector<Header> headers = {}) {
    target_ = target;  // the head's views must outlive the call
    method_ = method;
    RequestHead head;
    head.method = method_;
    head.target = target_;
    head.headers = std::move(headers);
    Request request{head, {}, {}, nullptr};
    Response response;
    routes_.handle(request, response);
    return response;
  }

  static bool has_header(const Response& r, const std::string& line) {
    return r.headers.find(line + "\r\n") != std::string::npos;
  }

  jsonrpc::Dispatcher dispatcher_;
  Metrics metrics_;
  Routes routes_;
  std::string target_;
  std::string method_;
};

class UiOffTest : public UiRouteTest {
 protected:
  UiOffTest() : UiRouteTest(false) {}
};

TEST_F(UiRouteTest, ThePageIsServedWithItsTypeAndSecurityHeaders) {
  const Response r = get("/ui/");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  EXPECT_TRUE(has_header(r, "Content-Security-Policy: default-src 'self'")) << r.headers;
  EXPECT_TRUE(has_header(r, "X-Content-Type-Options: nosniff")) << r.headers;
  EXPECT_TRUE(has_header(r, "Cache-Control: no-cache")) << r.headers;
  EXPECT_TRUE(std::regex_search(r.headers, std::regex("\r\nETag: \"[0-9a-f]{20}\"\r\n"))) << r.headers;
  EXPECT_NE(r.body.find("<script src=\"app.js\" defer></script>"), std::string::npos);
  EXPECT_EQ(get("/ui/index.html").body, r.body);
}

TEST_F(UiRouteTest, ThePageHasNoInlineScriptOrStyleThePolicyWouldBlock) {
  const std::string page = get("/ui/").body;
  const std::regex script("<script([^>]*)>([\\s\\S]*?)</script>");
  int scripts = 0;
  for (auto it = std::sregex_iterator(page.begin(), page.end(), script); it != std::sregex_iterator();
       ++it) {
    ++scripts;
    EXPECT_NE((*it)[1].str().find("src="), std::string::npos) << it->str();
    EXPECT_EQ((*it)[2].str(), "") << it->str();
  }
  EXPECT_EQ(scripts, 1);
  EXPECT_EQ(page.find("<style"), std::string::npos);
  EXPECT_EQ(page.find("style="), std::string::npos);
  EXPECT_FALSE(std::regex_search(page, std::regex("\\son[a-z]+="))) << "an inline event handler";
  EXPECT_EQ(page.find("http://"), std::string::npos) << "nothing fetched from elsewhere";
  EXPECT_EQ(page.find("https://"), std::string::npos) << "nothing fetched from elsewhere";
}

TEST_F(UiRouteTest, EachFileHasItsContentType) {
  const std::vector<std::pair<std::string, std::string>> files = {
      {"/ui/app.js", "text/javascript; charset=utf-8"},
      {"/ui/app.css", "text/css; charset=utf-8"},
      {"/ui/favicon.svg", "image/svg+xml"},
  };
  for (const auto& [path, type] : files) {
    SCOPED_TRACE(path);
    const Response r = get(path);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.content_type, type);
    EXPECT_FALSE(r.body.empty());
    EXPECT_TRUE(has_header(r, "X-Content-Type-Options: nosniff"));
    const ui::Asset* asset = ui::find_asset(path.substr(4));
    ASSERT_NE(asset, nullptr);
    EXPECT_EQ(r.body, asset->body);
  }
}

TEST_F(UiRouteTest, TheRootAndUiWithoutSlashRedirectToThePage) {
  for (const std::string target : {"/", "/ui", "/?x=1"}) {
    SCOPED_TRACE(target);
    const Response r = get(target);
    EXPECT_EQ(r.status, 302);
    EXPECT_EQ(r.headers, "Location: /ui/\r\n");
    EXPECT_TRUE(r.body.empty());
  }
}

TEST_F(UiRouteTest, AKnownEtagIsAnsweredNotModified) {
  const Response first = get("/ui/app.js");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(first.headers, m, std::regex("ETag: (\"[0-9a-f]+\")")));
  const std::string etag = m[1].str();
  const std::string list = "\"other\", W/" + etag;
  for (const std::string& value : {etag, list, std::string("*")}) {
    SCOPED_TRACE(value);
    const Response again = get("/ui/app.js", "GET", {{"If-None-Match", value}});
    EXPECT_EQ(again.status, 304);
    EXPECT_TRUE(again.body.empty());
    EXPECT_TRUE(has_header(again, "ETag: " + etag));
  }
  const Response stale = get("/ui/app.js", "GET", {{"If-None-Match", "\"0123\""}});
  EXPECT_EQ(stale.status, 200);
  EXPECT_EQ(stale.body, first.body);
  // Another file's tag is not this one's.
  EXPECT_EQ(get("/ui/app.css", "GET", {{"If-None-Match", etag}}).status, 200);
}

TEST_F(UiRouteTest, HeadIsAnsweredLikeGetAndOtherVerbsAreRefused) {
  EXPECT_EQ(get("/ui/", "HEAD").status, 200);  // the connection leaves the body out
  for (const std::string method : {"POST", "PUT", "DELETE"}) {
    SCOPED_TRACE(method);
    const Response r = get("/ui/", method);
    EXPECT_EQ(r.status, 405);
    EXPECT_EQ(r.allow, "GET, HEAD");
  }
}

TEST_F(UiRouteTest, AnUnknownFileIsNotFound) {
  for (const std::string target : {"/ui/nope.js", "/ui/../api", "/ui/app.js/", "/uix"}) {
    SCOPED_TRACE(target);
    EXPECT_EQ(get(target).status, 404);
  }
}

TEST_F(UiOffTest, NothingOfTheDashboardIsServed) {
  for (const std::string target : {"/", "/ui", "/ui/", "/ui/app.js"}) {
    SCOPED_TRACE(target);
    const Response r = get(target);
    EXPECT_EQ(r.status, 404);
    EXPECT_TRUE(r.body.empty());
  }
  EXPECT_EQ(get("/health").status, 200);
}

}  // namespace
}  // namespace gemstone::registry::http
