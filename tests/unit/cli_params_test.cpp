// The gemstone command's parameter syntax.

#include <gtest/gtest.h>

#include "gemstone/jsonrpc/json.hpp"
#include "cli/params.hpp"

namespace gemstone::cli {
namespace {

std::string json_of(const Result<CallParams, std::string>& p) {
  if (!p.ok()) return "error: " + p.error();
  return p.value().value() == nullptr ? "<none>" : jsonrpc::to_json(*p.value().value());
}

std::string no_stdin() {
  ADD_FAILURE() << "stdin read";
  return {};
}

TEST(CliParams, KeyValueIsAString) {
  EXPECT_EQ(json_of(parse_pairs({"a=1", "b=true"})), R"({"a":"1","b":"true"})");
}

TEST(CliParams, EverythingAfterTheFirstEqualsIsTheValue) {
  EXPECT_EQ(json_of(parse_pairs({"url=http://x/?a=b", "eq==", "e="})),
            R"({"url":"http://x/?a=b","eq":"=","e":""})");
}

TEST(CliParams, ColonEqualsIsTypedJson) {
  EXPECT_EQ(json_of(parse_pairs({"n:=1", "f:=2.5", "b:=false", "z:=null", "a:=[1,\"x\"]", "o:={\"k\":{}}",
                                 "s:=\"quoted\""})),
            R"({"n":1,"f":2.5,"b":false,"z":null,"a":[1,"x"],"o":{"k":{}},"s":"quoted"})");
}

TEST(CliParams, ColonInTheValueOfAStringParamIsKept) {
  EXPECT_EQ(json_of(parse_pairs({"t=a:=b"})), R"({"t":"a:=b"})");
}

TEST(CliParams, ColonInsideTheKey) {
  EXPECT_EQ(json_of(parse_pairs({"ns:key=v"})), R"({"ns:key":"v"})");
}

TEST(CliParams, Errors) {
  EXPECT_NE(json_of(parse_pairs({"novalue"})).find("must be key=value"), std::string::npos);
  EXPECT_NE(json_of(parse_pairs({"=x"})).find("no name"), std::string::npos);
  EXPECT_NE(json_of(parse_pairs({":=1"})).find("no name"), std::string::npos);
  EXPECT_NE(json_of(parse_pairs({"a=1", "a:=2"})).find("given twice"), std::string::npos);
  const std::string not_json = json_of(parse_pairs({"a:=hello"}));
  EXPECT_NE(not_json.find("not JSON"), std::string::npos) << not_json;
  EXPECT_NE(not_json.find("a=hello"), std::string::npos) << "suggests the string form: " << not_json;
  EXPECT_NE(json_of(parse_pairs({"a:="})).find("not JSON"), std::string::npos);
}

TEST(CliParams, PositionalStringsAndTypedValues) {
  EXPECT_EQ(json_of(parse_positional({"x", ":=1", ":=[true]", "a:=b"})), R"(["x",1,[true],"a:=b"])");
  EXPECT_NE(json_of(parse_positional({":=oops"})).find("positional parameter 1"), std::string::npos);
}

TEST(CliParams, NothingGivenIsAnEmptyObject) {
  EXPECT_EQ(json_of(build_params({}, no_stdin)), "{}");
}

TEST(CliParams, ParamsJsonFromTextOrStdin) {
  ParamsInput input;
  input.json = R"({"a":[1]})";
  EXPECT_EQ(json_of(build_params(input, no_stdin)), R"({"a":[1]})");
  input.json = "-";
  EXPECT_EQ(json_of(build_params(input, [] { return std::string("[1, 2]"); })), "[1,2]");
  input.json = "3";
  EXPECT_NE(json_of(build_params(input, no_stdin)).find("--params-json"), std::string::npos);
}

TEST(CliParams, FormsCannotBeMixed) {
  ParamsInput input;
  input.pairs = {"a=1"};
  input.positional = {"1"};
  EXPECT_NE(json_of(build_params(input, no_stdin)).find("only one of"), std::string::npos);
  input.positional.clear();
  input.json = "{}";
  EXPECT_NE(json_of(build_params(input, no_stdin)).find("only one of"), std::string::npos);
}

// A file system of two files, for the @FILE forms.
Result<FileContents, std::string> fake_files(const std::string& path) {
  if (path == "note.txt") return FileContents{"two\nlines\n"};
  if (path == "v.json") return FileContents{"{\"k\": [1, null]}"};
  if (path == "bad.json") return FileContents{"{\"k\": "};
  if (path == "latin1.txt") return FileContents{"caf\xe9"};
  return "cannot read '" + path + "': No such file or directory";
}

TEST(CliParams, AtFileSendsItsTextAndColonAtFileItsJson) {
  EXPECT_EQ(json_of(parse_pairs({"t=@note.txt", "j:=@v.json"}, fake_files)),
            R"({"t":"two\nlines\n","j":{"k":[1,null]}})");
}

TEST(CliParams, AtFileErrorsNameTheParameterAndTheFile) {
  EXPECT_EQ(json_of(parse_pairs({"t=@missing"}, fake_files)),
            "error: parameter 't': cannot read 'missing': No such file or directory");
  const std::string bad = json_of(parse_pairs({"j:=@bad.json"}, fake_files));
  EXPECT_EQ(bad.rfind("error: parameter 'j': 'bad.json' is not JSON (", 0), 0u) << bad;
  EXPECT_NE(bad.find("for its text use j=@bad.json"), std::string::npos) << bad;
  EXPECT_NE(json_of(parse_pairs({"t=@latin1.txt"}, fake_files)).find("is not UTF-8 text"), std::string::npos);
  EXPECT_EQ(json_of(parse_pairs({"t=@"}, fake_files)), "error: parameter 't': '@' must be followed by a file name");
}

TEST(CliParams, ParamsJsonFromAFile) {
  ParamsInput input;
  input.json = "@v.json";
  EXPECT_EQ(json_of(build_params(input, no_stdin, fake_files)), R"({"k":[1,null]})");
  input.json = "@missing";
  EXPECT_EQ(json_of(build_params(input, no_stdin, fake_files)),
            "error: --params-json: cannot read 'missing': No such file or directory");
  input.json = "@bad.json";
  EXPECT_EQ(json_of(build_params(input, no_stdin, fake_files)).rfind("error: --params-json (file 'bad.json'): ", 0),
            0u);
}

}  // namespace
}  // namespace gemstone::cli
