#pragma once
// Optional bearer tokens for the registry. Anyone who can write to a
// registry can send traffic for `payments.*` to their own host, so writes
// (ping, unregister) can require a token, and reads can too.
//
// Tokens come from files, one per line, so they appear in no command line,
// environment listing or log. Blank lines and lines starting with '#' are
// ignored; surrounding whitespace is trimmed. Comparison takes the same time
// whatever the presented token shares with a valid one.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gemstone/jsonrpc/dispatcher.hpp"
#include "gemstone/result.hpp"

namespace gemstone::registry {

using Access = jsonrpc::Scope;

class TokenSet {
 public:
  /// Reads a token file. Fails (with a one-line reason naming the file) when
  /// it cannot be read or holds no token.
  static Result<TokenSet, std::string> load(const std::string& path);
  static TokenSet of(std::vector<std::string> tokens);

  /// Constant-time with respect to the tokens' contents: every token is
  /// compared in full, with no early exit.
  bool contains(std::string_view presented) const;
  std::size_t size() const { return tokens_.size(); }

 private:
  std::vector<std::string> tokens_;
};

class AccessPolicy {
 public:
  AccessPolicy() = default;  ///< open: everything allowed
  AccessPolicy(std::optional<TokenSet> read, std::optional<TokenSet> write)
      : read_(std::move(read)), write_(std::move(write)) {}

  /// Whether a caller presenting `token` (nothing when it sent none) may
  /// make a call of kind `access`. A write token also grants reads.
  bool allows(Access access, std::optional<std::string_view> token) const;

  bool protects(Access access) const {
    return access == Access::kWrite ? write_.has_value() : read_.has_value();
  }

 private:
  std::optional<TokenSet> read_;
  std::optional<TokenSet> write_;
};

/// The dispatcher guard for one request: refuses, with "Access denied", a
/// call whose method's scope the policy protects and `token` does not
/// open. Empty (no check at all) when the policy is open. The guard keeps
/// references to `policy` and `token`: both must outlive it.
jsonrpc::Guard make_guard(const AccessPolicy& policy,
                          const std::optional<std::string_view>& token);
/// make_guard() keeping its own copy of `token` and a share of `policy`, for
/// a request handled after its buffers are gone (on a worker thread), maybe
/// after a reload replaced the policy.
jsonrpc::Guard make_lasting_guard(std::shared_ptr<const AccessPolicy> policy,
                                  std::optional<std::string> token);

/// The token a request carries: `Authorization: Bearer TOKEN` (scheme
/// case-insensitive) or gemstone's `X-Api-Token: TOKEN`. Pass the header
/// values as received (empty when absent). None when both headers carry
/// tokens that differ, or when the token holds a control character.
std::optional<std::string_view> presented_token(std::string_view authorization,
                                                std::string_view x_api_token);

}  // namespace gemstone::registry
