#include "registry/api/access_control.hpp"

#include <fstream>

#include "gemstone/ascii.hpp"

#include "gemstone/registry_protocol.hpp"

namespace gemstone::registry {
namespace {

using ascii::trim;

// Compares without an early exit; the loop always runs over the longer of
// the two, so timing reveals at most the lengths involved.
bool same(std::string_view a, std::string_view b) {
  const std::size_t n = a.size() > b.size() ? a.size() : b.size();
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}

}  // namespace

Result<TokenSet, std::string> TokenSet::load(const std::string& path) {
  std::ifstream file(path);
  if (!file) return "cannot read token file " + path;
  std::vector<std::string> tokens;
  std::string line;
  while (std::getline(file, line)) {
    const std::string_view token = trim(line);
    if (token.empty() || token.front() == '#') continue;
    tokens.emplace_back(token);
  }
  if (tokens.empty()) return "token file " + path + " holds no token";
  return of(std::move(tokens));
}

TokenSet TokenSet::of(std::vector<std::string> tokens) {
  TokenSet set;
  set.tokens_ = std::move(tokens);
  return set;
}

bool TokenSet::contains(std::string_view presented) const {
  bool found = false;
  for (const std::string& token : tokens_) found |= same(token, presented);
  return found;
}

bool AccessPolicy::allows(Access access, std::optional<std::string_view> token) const {
  if (!protects(access)) return true;
  if (!token || token->empty()) return false;
  const bool writer = write_ && write_->contains(*token);
  if (access == Access::kWrite) return writer;
  const bool reader = read_ && read_->contains(*token);
  return reader || writer;
}

std::optional<std::string_view> presented_token(std::string_view authorization,
                                                std::string_view x_api_token) {
  authorization = trim(authorization);
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization.size() > kBearer.size() && ascii::starts_with_ignoring_case(authorization, kBearer)) {
    return trim(authorization.substr(kBearer.size()));
  }
  x_api_token = trim(x_api_token);
  if (!x_api_token.empty()) return x_api_token;
  return std::nullopt;
}

jsonrpc::Guard make_guard(const AccessPolicy& policy,
                          const std::optional<std::string_view>& token) {
  if (!policy.protects(Access::kRead) && !policy.protects(Access::kWrite)) return {};
  return [&policy, &token](const jsonrpc::Method& method) -> std::optional<jsonrpc::Error> {
    if (policy.allows(method.scope, token)) return std::nullopt;
    return registry_protocol::access_denied();
  };
}

}  // namespace gemstone::registry
