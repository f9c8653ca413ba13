#pragma once
// JSON-RPC messages in tests: the text of a request, and what a response
// says. Shared by the unit tests (which call a Dispatcher in process) and
// the integration tests (which POST to a real daemon).

#include <string>

#include <rapidjson/document.h>

namespace gemstone::testing {

/// {"jsonrpc":"2.0","method":METHOD,"params":PARAMS,"id":ID}; no "params"
/// when `params_json` (object or array text) is empty.
std::string request_body(const std::string& method, const std::string& params_json = "", int id = 1);

/// Parses a response or output; text that is not exactly one JSON value
/// fails the test (and yields a null document).
rapidjson::Document parse(const std::string& text);

/// The error code of a response; 0 when it carries no error object.
int error_code_of(const rapidjson::Value& response);
/// The same for a response body; 0 also when it is not JSON.
int error_code_of(const std::string& body);

/// The field an invalid-params error names (its data.field); empty when
/// there is none.
std::string error_field_of(const rapidjson::Value& response);

}  // namespace gemstone::testing
