#include "rpc_messages.hpp"

#include <utility>

#include <gtest/gtest.h>

#include "gemstone/jsonrpc/json.hpp"

namespace gemstone::testing {

std::string request_body(const std::string& method, const std::string& params_json, int id) {
  std::string body = R"({"jsonrpc":"2.0","method":")" + method + "\"";
  if (!params_json.empty()) body += ",\"params\":" + params_json;
  body += ",\"id\":" + std::to_string(id) + "}";
  return body;
}

rapidjson::Document parse(const std::string& text) {
  auto parsed = jsonrpc::parse_json(text);
  EXPECT_TRUE(parsed.ok()) << "not JSON: " << text;
  if (!parsed.ok()) return rapidjson::Document();
  return std::move(parsed).value();
}

int error_code_of(const rapidjson::Value& response) {
  if (!response.IsObject() || !response.HasMember("error") || !response["error"].IsObject()) return 0;
  const rapidjson::Value& error = response["error"];
  if (!error.HasMember("code") || !error["code"].IsInt()) return 0;
  return error["code"].GetInt();
}

int error_code_of(const std::string& body) {
  auto parsed = jsonrpc::parse_json(body);
  return parsed.ok() ? error_code_of(parsed.value()) : 0;
}

std::string error_field_of(const rapidjson::Value& response) {
  if (error_code_of(response) == 0) return {};
  const rapidjson::Value& error = response["error"];
  if (!error.HasMember("data") || !error["data"].IsObject()) return {};
  const rapidjson::Value& data = error["data"];
  if (!data.HasMember("field") || !data["field"].IsString()) return {};
  return std::string(data["field"].GetString(), data["field"].GetStringLength());
}

}  // namespace gemstone::testing
