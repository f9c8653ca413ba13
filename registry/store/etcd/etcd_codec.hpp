#pragma once
// etcd's v3 JSON gateway, as data: the bodies of the requests the registry
// sends and the answers it reads. Pure functions, no I/O.
//
// What the gateway does (stack-notes, etcd section): keys and values travel
// as base64; 64-bit numbers (lease IDs, revisions, TTLs) as JSON strings;
// fields at their zero value are left out of answers (no `kvs` on an empty
// range, no `succeeded` on a failed txn, no `type` on a put event, no `TTL`
// when a keepalive found its lease gone), so every field is read with a
// default. The watch stream is one JSON message per line.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gemstone/result.hpp"
#include "registry/store/instance.hpp"

namespace gemstone::registry::etcd {

std::string base64_encode(std::string_view bytes);
/// Standard base64 with padding; nothing for anything else.
std::optional<std::string> base64_decode(std::string_view text);

/// The end of the key range holding every key that starts with `prefix`:
/// the prefix with its last byte plus one ("/g/" -> "/g0").
std::string prefix_range_end(std::string_view prefix);

struct KeyValue {
  std::string key;
  std::string value;
  std::int64_t lease = 0;  ///< 0: none
  std::int64_t create_revision = 0;
  std::int64_t mod_revision = 0;
};

// ---- requests ----

/// kv/range over [key, range_end), at most `limit` keys (0: all), as of
/// `revision` (0: the newest).
std::string range_request(std::string_view key, std::string_view range_end, std::int64_t limit,
                          std::int64_t revision);
std::string lease_grant_request(std::int64_t ttl_seconds);
/// lease/keepalive and lease/revoke.
std::string lease_id_request(std::int64_t lease);
std::string put_request(std::string_view key, std::string_view value, std::int64_t lease);
/// kv/txn: put `key` only if it does not exist; else read it.
std::string create_if_absent_request(std::string_view key, std::string_view value,
                                     std::int64_t lease);
/// kv/txn: delete `key` and, in the same revision, write its name into
/// `marker_key`, so that every watcher can tell an unregister from an
/// expiry; only if `key` exists.
std::string delete_with_marker_request(std::string_view key, std::string_view marker_key);
/// watch: every change in [key, range_end) from `start_revision` on, with
/// the previous value of each.
std::string watch_request(std::string_view key, std::string_view range_end,
                          std::int64_t start_revision);

// ---- answers ----

/// A gateway answer that is an error: {"error", "message", "code"} (gRPC codes).
struct GatewayError {
  int code = 0;
  std::string message;
};
/// 5 NOT_FOUND (e.g. "requested lease not found").
inline constexpr int kNotFound = 5;
/// 11 OUT_OF_RANGE ("required revision has been compacted").
inline constexpr int kOutOfRange = 11;
/// The error an answer carries, if it is one.
std::optional<GatewayError> parse_error(std::string_view body);

struct RangeAnswer {
  std::int64_t revision = 0;  ///< the store's revision the range is the state of
  std::vector<KeyValue> kvs;
  bool more = false;  ///< a limit cut the range short
};
Result<RangeAnswer, std::string> parse_range(std::string_view body);

struct LeaseAnswer {
  std::int64_t id = 0;
  std::int64_t ttl = 0;  ///< 0 on a keepalive: the lease is gone
  std::int64_t revision = 0;
};
Result<LeaseAnswer, std::string> parse_lease_grant(std::string_view body);
/// The one message of a lease/keepalive answer ({"result": {...}}).
Result<LeaseAnswer, std::string> parse_keepalive(std::string_view body);

struct TxnAnswer {
  std::int64_t revision = 0;
  bool succeeded = false;
  /// create_if_absent that failed: the key as it is.
  std::optional<KeyValue> existing;
  /// delete_with_marker: keys deleted.
  std::int64_t deleted = 0;
};
Result<TxnAnswer, std::string> parse_txn(std::string_view body);
/// kv/put: the revision it took.
Result<std::int64_t, std::string> parse_put(std::string_view body);

struct WatchEvent {
  bool deleted = false;  ///< else a put
  KeyValue kv;           ///< of a delete: the key and mod_revision only
  std::optional<KeyValue> prev;
};
struct WatchMessage {
  std::int64_t revision = 0;  ///< of the header
  bool created = false;
  bool canceled = false;
  std::int64_t compact_revision = 0;  ///< canceled because older revisions are compacted
  std::string cancel_reason;
  std::vector<WatchEvent> events;
};
/// One line of the watch stream (an error line is an error).
Result<WatchMessage, std::string> parse_watch_message(std::string_view line);

// ---- the registry's values ----

/// What the registry keeps in an instance's value (its key holds the identity).
struct InstanceValue {
  std::string url;
  Meta meta;
  std::int64_t ttl = 0;  ///< seconds of the lease when written
};
std::string instance_value(std::string_view url, const Meta& meta, std::int64_t ttl);
Result<InstanceValue, std::string> parse_instance_value(std::string_view text);

}  // namespace gemstone::registry::etcd
