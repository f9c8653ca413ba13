#pragma once
// The client side of JSON-RPC 2.0 as pure functions of bytes: requests and
// batches to JSON text, response bodies back to replies. No I/O here, so
// every decoding rule is tested without a server.
//
// Responses are accepted in both styles a server may write:
//   gemstone: {"jsonrpc":"2.0","result":3,"error":null,"id":1}
//             {"jsonrpc":"2.0","result":null,"error":{...},"id":1}
//   strict:   {"jsonrpc":"2.0","result":3,"id":1}
//             {"jsonrpc":"2.0","error":{...},"id":1}
// A non-null "error" wins; otherwise a "result" member (null included) is
// the answer. The "jsonrpc" member is not required (the original gemstone
// answered notifications without it).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

#include "gemstone/jsonrpc/error.hpp"
#include "gemstone/result.hpp"

namespace gemstone::jsonrpc {

/// The ids a client gives its requests.
using RequestId = std::uint64_t;

/// One request to encode.
struct OutgoingCall {
  std::string_view method;
  /// An object (by name) or an array (by position); nullptr sends no "params".
  const rapidjson::Value* params = nullptr;
  /// nullopt makes the request a notification: the server sends no answer.
  std::optional<RequestId> id;
};

/// JSON text of one request object.
std::string encode_request(const OutgoingCall& call);

/// JSON text of a batch: an array of request objects, in the given order.
std::string encode_batch(const std::vector<OutgoingCall>& calls);

/// The answer to one call: its result, or the error the server sent.
struct Reply {
  rapidjson::Document result;   ///< the result (null when `error` is set)
  std::optional<Error> error;   ///< the server's error object, `data` as JSON text
  bool ok() const { return !error.has_value(); }
};

/// Why a body is not the JSON-RPC answer that was expected.
struct MalformedResponse {
  std::string reason;
};

/// Decodes the answer to the request with id `id`. The answer's id must be
/// `id`, or null (a server that could not read the request answers with a
/// null id), or absent.
Result<Reply, MalformedResponse> decode_response(std::string_view body, RequestId id);

/// Decodes the answer to a batch. `ids` are the ids of the batch's requests
/// that expect an answer (not its notifications); the replies come back in
/// that order, whatever order the server answered in. An error answered
/// with a null id (or a single error object instead of an array: the server
/// refused the whole batch) becomes the reply of every request left
/// unanswered. A request that got no answer at all makes the whole body
/// malformed.
Result<std::vector<Reply>, MalformedResponse> decode_batch(std::string_view body,
                                                           const std::vector<RequestId>& ids);

}  // namespace gemstone::jsonrpc
