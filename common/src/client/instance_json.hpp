#pragma once
// Reading an instance as the registry reports it (an object, or the bare
// URL of the original registry); shared by the client's source files.

#include <string>

#include <rapidjson/document.h>

#include "gemstone/registry_client.hpp"
#include "gemstone/result.hpp"

namespace gemstone::client_detail {

Result<Instance, std::string> instance_from_json(const rapidjson::Value& v);

}  // namespace gemstone::client_detail
