// The gemstone command's shared options: headers, tokens, registries,
// timeouts, and the mapping of error kinds to exit statuses.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "cli/options.hpp"
#include "cli/output.hpp"

namespace gemstone::cli {
namespace {

TEST(CliOptions, HeaderNameAndTrimmedValue) {
  auto h = parse_header("X-Api-Token:   abc def  ");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h.value().name, "X-Api-Token");
  EXPECT_EQ(h.value().value, "abc def");
  auto colon_in_value = parse_header("Authorization: Bearer a:b");
  ASSERT_TRUE(colon_in_value.ok());
  EXPECT_EQ(colon_in_value.value().value, "Bearer a:b");
}

TEST(CliOptions, BadHeadersAreRefused) {
  EXPECT_FALSE(parse_header("no colon").ok());
  EXPECT_FALSE(parse_header(": value").ok());
  EXPECT_FALSE(parse_header("Bad Name: v").ok());
  EXPECT_FALSE(parse_header("X: a\r\nInjected: yes").ok());
}

TEST(CliOptions, MalformedHeaderErrorShowsOnlyItsFirstWord) {
  for (const char* text : {"Authorization Bearer s3cret", "Authorization Bearer s3cret: x",
                           "  Authorization   s3cret"}) {
    auto h = parse_header(text);
    ASSERT_FALSE(h.ok()) << text;
    EXPECT_NE(h.error().find("'Authorization...'"), std::string::npos) << h.error();
    EXPECT_EQ(h.error().find("s3cret"), std::string::npos) << h.error();
  }
  EXPECT_EQ(parse_header(": s3cret").error().find("s3cret"), std::string::npos);
}

TEST(CliOptions, RegistriesFromFlagsThenEnvironmentThenDefault) {
  EXPECT_EQ(registry_urls({"http://a/api"}, "http://env/api"), std::vector<std::string>{"http://a/api"});
  EXPECT_EQ(registry_urls({}, "http://x/api, http://y/api,,"),
            (std::vector<std::string>{"http://x/api", "http://y/api"}));
  EXPECT_EQ(registry_urls({}, nullptr), std::vector<std::string>{"http://127.0.0.1:8000/api"});
  EXPECT_EQ(registry_urls({}, ""), std::vector<std::string>{"http://127.0.0.1:8000/api"});
}

TEST(CliOptions, ClientOptionsFromFlags) {
  TransportFlags flags;
  flags.timeout_seconds = 0.25;
  flags.headers = {"A: 1"};
  flags.insecure = true;
  auto options = client_options(flags, nullptr);
  ASSERT_TRUE(options.ok());
  EXPECT_EQ(options.value().timeout.count(), 250);
  ASSERT_EQ(options.value().headers.size(), 1u);
  EXPECT_FALSE(options.value().verify_tls);
}

// A file with `text` in a fresh temporary directory, removed with it.
class TokenFile {
 public:
  explicit TokenFile(const std::string& text) {
    std::string pattern = (std::filesystem::temp_directory_path() / "gemstone-token-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
    path_ = dir_ + "/token";
    std::ofstream(path_) << text;
  }
  ~TokenFile() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  TokenFile(const TokenFile&) = delete;
  TokenFile& operator=(const TokenFile&) = delete;
  const std::string& path() const { return path_; }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  std::string path_;
};

std::string sent_authorization(const ClientOptions& options) {
  std::string value;
  int count = 0;
  for (const Header& h : options.headers) {
    if (h.name == "Authorization" || h.name == "authorization") {
      value = h.value;
      ++count;
    }
  }
  EXPECT_LE(count, 1) << "one Authorization header at most";
  return value;
}

TEST(CliToken, TokenFileLineIsTheFirstNeitherBlankNorCommentTrimmed) {
  EXPECT_EQ(first_token_line("abc\n"), "abc");
  EXPECT_EQ(first_token_line("# the write token\n\n   \t\n  s3cret  \r\nsecond\n"), "s3cret");
  EXPECT_EQ(first_token_line("  # indented comment\nx"), "x");
  EXPECT_EQ(first_token_line("no newline at the end"), "no newline at the end");
  EXPECT_EQ(first_token_line(""), "");
  EXPECT_EQ(first_token_line("# only\n\n#comments\n"), "");
}

TEST(CliToken, OptionWinsOverFileWhichWinsOverEnvironment) {
  TokenFile file("from-file\n");
  TransportFlags flags;
  flags.token = "from-option";
  flags.token_file = file.path();
  EXPECT_EQ(resolve_token(flags, "from-env").value().value, "from-option");
  flags.token.reset();
  EXPECT_EQ(resolve_token(flags, "from-env").value().value, "from-file");
  flags.token_file.reset();
  EXPECT_EQ(resolve_token(flags, "from-env").value().value, "from-env");
  EXPECT_FALSE(resolve_token(flags, nullptr).value().present());
}

TEST(CliToken, OptionWinsEvenOverAnUnreadableFile) {
  TransportFlags flags;
  flags.token = "from-option";
  flags.token_file = "/nonexistent/gemstone/token";
  auto token = resolve_token(flags, nullptr);
  ASSERT_TRUE(token.ok()) << token.error();
  EXPECT_EQ(token.value().value, "from-option");
}

TEST(CliToken, EmptyOrBlankEnvironmentMeansNoToken) {
  TransportFlags flags;
  EXPECT_FALSE(resolve_token(flags, "").value().present());
  EXPECT_FALSE(resolve_token(flags, "  \n").value().present());
  EXPECT_EQ(resolve_token(flags, " padded\n").value().value, "padded");
}

TEST(CliToken, ExplicitlyEmptyTokenIsRefused) {
  TransportFlags flags;
  flags.token = "  ";
  auto token = resolve_token(flags, "from-env");
  ASSERT_FALSE(token.ok());
  EXPECT_NE(token.error().find("--token"), std::string::npos) << token.error();
}

TEST(CliToken, UnreadableOrEmptyTokenFileIsRefusedNamingTheFile) {
  TokenFile empty("# nothing but a comment\n\n");
  for (const std::string& path : {empty.path(), empty.dir(), empty.dir() + "/missing"}) {
    TransportFlags flags;
    flags.token_file = path;
    auto token = resolve_token(flags, "from-env");
    ASSERT_FALSE(token.ok()) << path;
    EXPECT_NE(token.error().find("'" + path + "'"), std::string::npos) << token.error();
    EXPECT_EQ(token.error().find('\n'), std::string::npos) << token.error();
  }
}

TEST(CliToken, TokenWithAControlCharacterIsRefusedWithoutShowingIt) {
  TransportFlags flags;
  flags.token = "abc\x01secret-part";
  auto token = resolve_token(flags, nullptr);
  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.error().find("secret-part"), std::string::npos) << token.error();
  TokenFile file("tab\tsecret-part\n");
  flags.token.reset();
  flags.token_file = file.path();
  token = resolve_token(flags, nullptr);
  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.error().find("secret-part"), std::string::npos) << token.error();
}

TEST(CliToken, TokenIsSentAsBearerAuthorization) {
  TransportFlags flags;
  flags.token = "s3cret";
  auto options = client_options(flags, nullptr);
  ASSERT_TRUE(options.ok()) << options.error();
  EXPECT_EQ(sent_authorization(options.value()), "Bearer s3cret");
  EXPECT_TRUE(carries_token(options.value()));
}

TEST(CliToken, ExplicitAuthorizationHeaderWinsOverTheToken) {
  TransportFlags flags;
  flags.headers = {"authorization: Basic dXNlcjpwdw=="};
  flags.token = "s3cret";
  auto options = client_options(flags, "from-env");
  ASSERT_TRUE(options.ok()) << options.error();
  EXPECT_EQ(sent_authorization(options.value()), "Basic dXNlcjpwdw==");
}

TEST(CliToken, NoTokenNoAuthorizationHeader) {
  TransportFlags flags;
  auto options = client_options(flags, nullptr);
  ASSERT_TRUE(options.ok());
  EXPECT_TRUE(options.value().headers.empty());
  EXPECT_FALSE(carries_token(options.value()));
  flags.headers = {"X-Api-Token: abc"};
  EXPECT_TRUE(carries_token(client_options(flags, nullptr).value()));
}

TEST(CliOutput, AccessDeniedIsTheRegistrysMinus32001) {
  EXPECT_TRUE(is_access_denied(ClientError::from_rpc("u", {-32001, "Access denied", ""})));
  EXPECT_FALSE(is_access_denied(ClientError::from_rpc("u", {-32000, "Access denied", ""})));
  EXPECT_FALSE(is_access_denied(ClientError::transport(ErrorKind::kHttpStatus, "u", "HTTP 401")));
  EXPECT_EQ(exit_code_for(ClientError::from_rpc("u", {-32001, "Access denied", ""})), 1);
}

TEST(CliOutput, ExitCodesByErrorKind) {
  EXPECT_EQ(exit_code_for(ClientError::from_rpc("u", {-32000, "m", ""})), 1);
  EXPECT_EQ(exit_code_for(ClientError::invalid_url("u", "bad")), 2);
  EXPECT_EQ(exit_code_for(ClientError::no_instance("u", "p")), 3);
  for (ErrorKind kind : {ErrorKind::kConnection, ErrorKind::kTimeout, ErrorKind::kTls, ErrorKind::kIo,
                         ErrorKind::kHttpStatus, ErrorKind::kMalformedResponse}) {
    EXPECT_EQ(exit_code_for(ClientError::transport(kind, "u", "x")), 4) << to_string(kind);
  }
}

TEST(CliOutput, TableColumnsAreAligned) {
  EXPECT_EQ(format_table({"NAME", "N"}, {{"a", "1"}, {"long-name", "22"}}),
            "NAME       N\n"
            "a          1\n"
            "long-name  22\n");
}

TEST(CliOutput, SecondsForPeople) {
  EXPECT_EQ(format_seconds(87.5), "87.5s");
  EXPECT_EQ(format_seconds(0.25), "0.25s");
  EXPECT_EQ(format_seconds(12), "12s");
  EXPECT_EQ(format_seconds(100), "100s");
  EXPECT_EQ(format_seconds(0), "0s");
}

}  // namespace
}  // namespace gemstone::cli
