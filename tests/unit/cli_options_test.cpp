// The gemstone command's shared options: headers, registries, timeouts,
// and the mapping of error kinds to exit statuses.

#include <gtest/gtest.h>

#include "options.hpp"
#include "output.hpp"

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
  auto options = client_options(flags);
  ASSERT_TRUE(options.ok());
  EXPECT_EQ(options.value().timeout.count(), 250);
  ASSERT_EQ(options.value().headers.size(), 1u);
  EXPECT_FALSE(options.value().verify_tls);
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
