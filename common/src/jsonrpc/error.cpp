#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "gemstone/jsonrpc/error.hpp"

namespace gemstone::jsonrpc {

Error Error::parse_error(std::string detail) {
  return {kParseError, "Parse error: " + detail, {}};
}

Error Error::invalid_request(std::string detail) {
  return {kInvalidRequest, "Invalid Request: " + detail, {}};
}

Error Error::method_not_found(const std::string& method) {
  return {kMethodNotFound, "Method not found: " + method, {}};
}

Error Error::invalid_params(const std::string& field, const std::string& reason) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartObject();
  writer.Key("field");
  writer.String(field.data(), static_cast<rapidjson::SizeType>(field.size()));
  writer.Key("reason");
  writer.String(reason.data(), static_cast<rapidjson::SizeType>(reason.size()));
  writer.EndObject();
  return {kInvalidParams, "Invalid params: " + field + " " + reason, buffer.GetString()};
}

Error Error::internal_error(std::string detail) {
  return {kInternalError, "Internal error: " + detail, {}};
}

}  // namespace gemstone::jsonrpc
