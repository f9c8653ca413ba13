// Parameters from files and stdin, as HTTPie takes them: key=@FILE sends
// the file's text, key:=@FILE its JSON, --params-json @FILE and
// --params-json - the whole params. A missing file or bad JSON is a usage
// error (exit 2) naming the file, before anything is sent.

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <string>

#include "temp_dir.hpp"
#include "test_service_process.hpp"

namespace gemstone::testing {
namespace {

class ParamsFromFilesTest : public ::testing::Test {
 protected:
  std::string file(const std::string& name, const std::string& contents) {
    const std::string path = dir.path() + "/" + name;
    std::ofstream(path, std::ios::binary) << contents;
    return path;
  }
  RunResult call(std::vector<std::string> args, ProcessOptions options = {}) {
    args.insert(args.begin(), {"call_raw", "-q", "--compact"});
    return run_gemstone(args, std::move(options));
  }

  TempDir dir;
  TestServiceProcess service;
};

TEST_F(ParamsFromFilesTest, AtFileSendsTheTextOfTheFile) {
  const std::string path = file("note.txt", "first line\nsecond \"quoted\" ✓\n");
  auto r = call({service.api_url(), "echo", "value=@" + path});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "\"first line\\nsecond \\\"quoted\\\" ✓\\n\"\n");
}

TEST_F(ParamsFromFilesTest, ColonAtFileSendsTheJsonOfTheFile) {
  const std::string path = file("value.json", "{\n  \"k\": [1, 2.5, null]\n}\n");
  auto r = call({service.api_url(), "echo", "value:=@" + path});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "{\"k\":[1,2.5,null]}\n");
  auto types = call({service.api_url(), "types", "a:=@" + path, "b=@" + path, "c=plain"});
  ASSERT_EQ(types.status, 0) << types.err;
  EXPECT_EQ(types.out, "{\"a\":\"object\",\"b\":\"string\",\"c\":\"string\"}\n");
}

TEST_F(ParamsFromFilesTest, ParamsJsonFromAFileAndFromStdin) {
  const std::string path = file("params.json", "{\"a\": 40, \"b\": 2}");
  auto from_file = call({service.api_url(), "add", "--params-json", "@" + path});
  ASSERT_EQ(from_file.status, 0) << from_file.err;
  EXPECT_EQ(from_file.out, "42\n");
  ProcessOptions stdin_options;
  stdin_options.stdin_data = "[1, 2]";
  auto from_stdin = call({service.api_url(), "add", "--params-json", "-"}, stdin_options);
  ASSERT_EQ(from_stdin.status, 0) << from_stdin.err;
  EXPECT_EQ(from_stdin.out, "3\n");
}

TEST_F(ParamsFromFilesTest, AStringThatStartsWithAtGoesAsTypedJson) {
  auto r = call({service.api_url(), "echo", "value:=\"@home\""});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "\"@home\"\n");
}

struct BadInput {
  const char* name;
  std::vector<std::string> params;  // "DIR" stands for the test's directory
  const char* says;
};

class BadFileInputTest : public ParamsFromFilesTest, public ::testing::WithParamInterface<BadInput> {};

TEST_P(BadFileInputTest, IsAUsageErrorNamingTheFileAndSendsNothing) {
  file("bad.json", "{\"a\": ");
  file("latin1.txt", std::string("caf\xe9"));
  std::vector<std::string> args = {service.api_url(), "record"};
  for (std::string p : GetParam().params) {
    const auto at = p.find("DIR");
    if (at != std::string::npos) p.replace(at, 3, dir.path());
    args.push_back(p);
  }
  auto r = call(args);
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err.rfind("gemstone: ", 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find(GetParam().says), std::string::npos) << r.err;
  // Nothing reached the service.
  auto recorded = run_gemstone({"call_raw", "-q", "--compact", service.api_url(), "recorded"});
  EXPECT_EQ(recorded.out, "[]\n") << recorded.err;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, BadFileInputTest,
    ::testing::Values(
        BadInput{"MissingTextFile", {"value=@DIR/missing.txt"},
                 "parameter 'value': cannot read '"},
        BadInput{"MissingJsonFile", {"value:=@DIR/missing.json"}, "No such file or directory"},
        BadInput{"BadJsonFile", {"value:=@DIR/bad.json"}, "parameter 'value': '"},
        BadInput{"NotUtf8Text", {"value=@DIR/latin1.txt"}, "is not UTF-8 text"},
        BadInput{"NoFileName", {"value=@"}, "'@' must be followed by a file name"},
        BadInput{"MissingParamsFile", {"--params-json", "@DIR/missing.json"}, "--params-json: cannot read '"},
        BadInput{"BadParamsFile", {"--params-json", "@DIR/bad.json"}, "--params-json (file '"},
        BadInput{"DirectoryAsFile", {"value=@DIR"}, "cannot read '"}),
    [](const ::testing::TestParamInfo<BadInput>& info) { return std::string(info.param.name); });

TEST_F(ParamsFromFilesTest, BadJsonOnStdinIsAUsageError) {
  ProcessOptions options;
  options.stdin_data = "{not json";
  auto r = call({service.api_url(), "add", "--params-json", "-"}, options);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--params-json (standard input): "), std::string::npos) << r.err;
}

}  // namespace
}  // namespace gemstone::testing
