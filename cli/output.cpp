#include "cli/output.hpp"

#include <algorithm>

#include "cli/json_color.hpp"
#include "gemstone/jsonrpc/json.hpp"
#include "gemstone/registry_protocol.hpp"

namespace gemstone::cli {
namespace {

void write(std::FILE* f, std::string_view s) { std::fwrite(s.data(), 1, s.size(), f); }

// Keeps a message on one line whatever it contains.
std::string one_line(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return out;
}

}  // namespace

int exit_code_for(const ClientError& error) {
  switch (error.kind) {
    case ErrorKind::kRpc: return kExitRpcError;
    case ErrorKind::kInvalidUrl: return kExitUsage;
    case ErrorKind::kNoInstance: return kExitNoInstance;
    case ErrorKind::kConnection:
    case ErrorKind::kTimeout:
    case ErrorKind::kTls:
    case ErrorKind::kIo:
    case ErrorKind::kHttpStatus:
    case ErrorKind::kMalformedResponse: break;
  }
  return kExitTransport;
}

bool is_access_denied(const ClientError& error) {
  return error.kind == ErrorKind::kRpc && error.rpc.code == registry_protocol::kAccessDenied;
}

void Output::note(std::string_view line) const {
  if (options_.quiet) return;
  std::string text = "[!] ";
  text += line;
  text += '\n';
  write(err_, text);
}

void Output::timing(std::string_view what, std::chrono::duration<double> elapsed,
                    std::string_view suffix) const {
  if (options_.quiet) return;
  char seconds[48];
  std::snprintf(seconds, sizeof seconds, "%.5f seconds", elapsed.count());
  std::string line(what);
  line += ": ";
  line += seconds;
  line += suffix;
  note(line);
}

void Output::result(const rapidjson::Value& value) const {
  if (options_.raw && value.IsString()) {
    write(out_, std::string_view(value.GetString(), value.GetStringLength()));
    write(out_, "\n");
  } else {
    json(value);
  }
  std::fflush(out_);
}

void Output::json(const rapidjson::Value& value) const {
  const bool pretty = !options_.compact;
  std::string text = options_.color ? colored_json(value, pretty)
                     : pretty       ? jsonrpc::to_pretty_json(value)
                                    : jsonrpc::to_json(value);
  text += '\n';
  write(out_, text);
  std::fflush(out_);
}

void Output::json_line(const rapidjson::Value& value) const {
  std::string text = options_.color ? colored_json(value, false) : jsonrpc::to_json(value);
  text += '\n';
  write(out_, text);
  std::fflush(out_);
}

void Output::text(std::string_view text) const {
  write(out_, text);
  std::fflush(out_);
}

int Output::fail(const ClientError& error) const {
  warn(error.describe());
  if (error.kind == ErrorKind::kRpc && !error.rpc.data.empty()) {
    warn("data: " + error.rpc.data);
  }
  return exit_code_for(error);
}

int Output::fail_registry(const ClientError& error, bool token_sent) const {
  const int status = fail(error);
  if (is_access_denied(error)) {
    std::string line = "access denied by the registry";
    if (!error.url.empty()) line += " at " + error.url;
    line += token_sent ? ": it did not accept the token sent"
                       : ": no token was sent (give one with --token-file, --token or $GEMSTONE_TOKEN)";
    warn(line);
  }
  return status;
}

int Output::usage(std::string_view message) const {
  warn(message);
  return kExitUsage;
}

void Output::warn(std::string_view message) const {
  write(err_, "gemstone: " + one_line(message) + "\n");
}

void Output::trace(std::string_view text) const {
  write(err_, text);
  std::fflush(err_);
}

std::string format_table(const std::vector<std::string>& header,
                         const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths(header.size());
  for (std::size_t i = 0; i < header.size(); ++i) widths[i] = header[i].size();
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], row[i].size());
    }
  }
  std::string out;
  auto line = [&](const std::vector<std::string>& cells) {
    std::string text;
    for (std::size_t i = 0; i < cells.size() && i < widths.size(); ++i) {
      text += cells[i];
      if (i + 1 < cells.size()) text.append(widths[i] - cells[i].size() + 2, ' ');
    }
    out += text + "\n";
  };
  line(header);
  for (const auto& row : rows) line(row);
  return out;
}

rapidjson::Value instance_json(const Instance& instance, rapidjson::Document::AllocatorType& alloc) {
  rapidjson::Value v(rapidjson::kObjectType);
  v.AddMember("name", rapidjson::Value(instance.name.c_str(), alloc), alloc);
  v.AddMember("host", rapidjson::Value(instance.host.c_str(), alloc), alloc);
  v.AddMember("port", instance.port, alloc);
  v.AddMember("url", rapidjson::Value(instance.url.c_str(), alloc), alloc);
  v.AddMember("expires_in", instance.expires_in, alloc);
  rapidjson::Value meta(rapidjson::kObjectType);
  for (const auto& [key, value] : instance.meta) {
    meta.AddMember(rapidjson::Value(key.c_str(), alloc), rapidjson::Value(value.c_str(), alloc), alloc);
  }
  v.AddMember("meta", meta, alloc);
  return v;
}

std::string format_seconds(double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", seconds);
  std::string out(text);
  while (!out.empty() && out.back() == '0') out.pop_back();
  if (!out.empty() && out.back() == '.') out.pop_back();
  return out + "s";
}

}  // namespace gemstone::cli
