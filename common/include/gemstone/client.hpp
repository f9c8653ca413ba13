#pragma once
// The gemstone client library in one include: RemoteService to call a
// JSON-RPC service, RegistryClient to find services in gemstone-registry,
// Registrar to keep an instance registered in one or several registries.
// Link the CMake target gemstone::client (find_package(gemstone)).

#include "gemstone/call_params.hpp"
#include "gemstone/client_error.hpp"
#include "gemstone/client_options.hpp"
#include "gemstone/deadline.hpp"
#include "gemstone/registrar.hpp"
#include "gemstone/registry_client.hpp"
#include "gemstone/registry_watch.hpp"
#include "gemstone/remote_service.hpp"
#include "gemstone/version.hpp"
