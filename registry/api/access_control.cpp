#include "registry/api/access_control.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

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

// No header can carry one (a request that tried was refused before this),
// so a token holding one can never be presented.
bool has_control_character(std::string_view text) {
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) return true;
  }
  return false;
}

}  // namespace

Result<TokenSet, std::string> TokenSet::load(const std::string& path) {
  // stdio, not iostreams: the reason a file cannot be read is errno's.
  std::FILE* file = std::fopen(path.c_str(), "re");
  if (file == nullptr) return "cannot read token file " + path + ": " + std::strerror(errno);
  std::vector<std::string> tokens;
  std::string why;
  char* buffer = nullptr;
  std::size_t capacity = 0;
  errno = 0;
  for (ssize_t n; (n = ::getline(&buffer, &capacity, file)) >= 0; errno = 0) {
    const std::string_view token = trim(std::string_view(buffer, static_cast<std::size_t>(n)));
    if (token.empty() || token.front() == '#') continue;
    if (has_control_character(token)) {
      why = "token file " + path + " holds a token with a control character";
      break;
    }
    tokens.emplace_back(token);
  }
  if (why.empty() && std::ferror(file)) {
    why = "cannot read token file " + path + ": " + std::strerror(errno != 0 ? errno : EIO);
  }
  std::free(buffer);
  std::fclose(file);
  if (!why.empty()) return why;
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
  std::optional<std::string_view> bearer;
  if (authorization.size() > kBearer.size() && ascii::starts_with_ignoring_case(authorization, kBearer)) {
    bearer = trim(authorization.substr(kBearer.size()));
  }
  x_api_token = trim(x_api_token);
  std::optional<std::string_view> api;
  if (!x_api_token.empty()) api = x_api_token;
  // A proxy in front may have checked the other header: two tokens that
  // disagree open nothing.
  if (bearer && api && *bearer != *api) return std::nullopt;
  const std::optional<std::string_view> token = bearer ? bearer : api;
  if (token && has_control_character(*token)) return std::nullopt;
  return token;
}

jsonrpc::Guard make_guard(const AccessPolicy& policy,
                          const std::optional<std::string_view>& token) {
  if (!policy.protects(Access::kRead) && !policy.protects(Access::kWrite)) return {};
  return [&policy, &token](const jsonrpc::Method& method) -> std::optional<jsonrpc::Error> {
    if (policy.allows(method.scope, token)) return std::nullopt;
    return registry_protocol::access_denied();
  };
}

jsonrpc::Guard make_lasting_guard(std::shared_ptr<const AccessPolicy> policy,
                                  std::optional<std::string> token) {
  if (!policy->protects(Access::kRead) && !policy->protects(Access::kWrite)) return {};
  return [policy = std::move(policy), token = std::move(token)](
             const jsonrpc::Method& method) -> std::optional<jsonrpc::Error> {
    const std::optional<std::string_view> presented =
        token ? std::optional<std::string_view>(*token) : std::nullopt;
    if (policy->allows(method.scope, presented)) return std::nullopt;
    return registry_protocol::access_denied();
  };
}

}  // namespace gemstone::registry
