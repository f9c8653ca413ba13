#include "registry/store/state_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "gemstone/jsonrpc/json.hpp"
#include "registry/api/validation.hpp"

namespace gemstone::registry::state_file {
namespace {

constexpr const char* kFormat = "gemstone-registry-state";
// Far above the file of any real registry; refusing more keeps a wrong
// path (a disk image, say) from eating the memory.
constexpr off_t kMaxFileBytes = 512LL * 1024 * 1024;

double seconds_since_epoch(std::chrono::system_clock::time_point t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

std::string describe_errno(const std::string& what, const std::string& path, int err) {
  return what + " " + path + ": " + std::strerror(err);
}

// Closes on every path out of save().
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }
  /// Closes now, reporting the error close() may be the first to see.
  int close() {
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// One entry of "instances", or nothing when a field is missing or wrong.
std::optional<std::pair<Instance, double>> decode_entry(const rapidjson::Value& entry) {
  if (!entry.IsObject()) return std::nullopt;
  auto string_field = [&](const char* key) -> std::optional<std::string> {
    auto it = entry.FindMember(key);
    if (it == entry.MemberEnd() || !it->value.IsString()) return std::nullopt;
    return std::string(it->value.GetString(), it->value.GetStringLength());
  };
  auto name = string_field("name");
  auto host = string_field("host");
  auto url = string_field("url");
  auto port = entry.FindMember("port");
  auto expires = entry.FindMember("expires_at");
  if (!name || !host || !url || port == entry.MemberEnd() || expires == entry.MemberEnd()) {
    return std::nullopt;
  }
  if (!port->value.IsInt() || port->value.GetInt() < 1 || port->value.GetInt() > 65535) {
    return std::nullopt;
  }
  if (!expires->value.IsNumber() || !std::isfinite(expires->value.GetDouble())) return std::nullopt;
  // The same rules a ping must pass: a hand-edited file gets no further.
  if (check_service_name(*name) || check_host(*host) || !parse_service_url(*url)) {
    return std::nullopt;
  }
  Meta meta;
  if (auto m = entry.FindMember("meta"); m != entry.MemberEnd()) {
    auto checked = meta_from_json(m->value);
    if (!checked) return std::nullopt;
    meta = std::move(checked).value();
  }
  Instance instance;
  instance.meta = std::move(meta);
  instance.name = std::move(*name);
  instance.host = normalize_host(*host);
  instance.port = static_cast<std::uint16_t>(port->value.GetInt());
  instance.url = std::move(*url);
  return std::make_pair(std::move(instance), expires->value.GetDouble());
}

}  // namespace

Now Now::current() { return Now{Clock::now(), std::chrono::system_clock::now()}; }

std::string encode(const std::vector<Instance>& instances, const Now& now, std::uint64_t index) {
  const double wall = seconds_since_epoch(now.wall);
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.SetMaxDecimalPlaces(3);
  w.StartObject();
  w.Key("format");
  w.String(kFormat);
  w.Key("version");
  w.Int(kVersion);
  w.Key("saved_at");
  w.Double(wall);
  if (index != 0) {
    w.Key("index");
    w.Uint64(index);
  }
  w.Key("instances");
  w.StartArray();
  for (const Instance& i : instances) {
    w.StartObject();
    w.Key("name");
    w.String(i.name.data(), static_cast<rapidjson::SizeType>(i.name.size()));
    w.Key("host");
    w.String(i.host.data(), static_cast<rapidjson::SizeType>(i.host.size()));
    w.Key("port");
    w.Int(i.port);
    w.Key("url");
    w.String(i.url.data(), static_cast<rapidjson::SizeType>(i.url.size()));
    w.Key("expires_at");
    w.Double(wall + std::chrono::duration<double>(i.expires_at - now.steady).count());
    if (!i.meta.empty()) {
      w.Key("meta");
      w.StartObject();
      for (const auto& [key, value] : i.meta) {
        w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
        w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
      }
      w.EndObject();
    }
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

Result<Loaded, std::string> decode(std::string_view text, const Now& now,
                                   Clock::duration max_remaining) {
  auto parsed = jsonrpc::parse_json(text);
  if (!parsed) return "not valid JSON (" + parsed.error().message + ")";
  const rapidjson::Document& doc = parsed.value();
  if (!doc.IsObject()) return std::string("not a gemstone-registry state file");
  auto format = doc.FindMember("format");
  if (format == doc.MemberEnd() || !format->value.IsString() ||
      std::string_view(format->value.GetString()) != kFormat) {
    return std::string("not a gemstone-registry state file");
  }
  auto version = doc.FindMember("version");
  if (version == doc.MemberEnd() || !version->value.IsInt()) {
    return std::string("state file without a version");
  }
  if (version->value.GetInt() != kVersion) {
    return "unsupported state file version " + std::to_string(version->value.GetInt()) +
           " (this registry reads version " + std::to_string(kVersion) + ")";
  }
  auto instances = doc.FindMember("instances");
  if (instances == doc.MemberEnd() || !instances->value.IsArray()) {
    return std::string("state file without an instances array");
  }

  const double wall = seconds_since_epoch(now.wall);
  const double max_seconds = std::chrono::duration<double>(max_remaining).count();
  Loaded loaded;
  if (auto index = doc.FindMember("index");
      index != doc.MemberEnd() && index->value.IsUint64()) {
    loaded.index = index->value.GetUint64();
  }
  loaded.instances.reserve(instances->value.Size());
  for (const auto& entry : instances->value.GetArray()) {
    auto decoded = decode_entry(entry);
    if (!decoded) {
      ++loaded.invalid;
      continue;
    }
    const double remaining = std::min(decoded->second - wall, max_seconds);
    if (remaining <= 0) {
      ++loaded.expired;
      continue;
    }
    Instance& instance = decoded->first;
    instance.expires_at = now.steady + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(remaining));
    loaded.instances.push_back(std::move(instance));
  }
  return loaded;
}

Result<Loaded, LoadError> load(const std::string& path, const Now& now,
                               Clock::duration max_remaining) {
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    const int err = errno;
    return LoadError{err == ENOENT ? LoadFailure::kMissing : LoadFailure::kUnreadable,
                     describe_errno("cannot read state file", path, err)};
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return LoadError{LoadFailure::kUnreadable,
                     describe_errno("cannot read state file", path, errno)};
  }
  if (!S_ISREG(st.st_mode)) {
    return LoadError{LoadFailure::kUnreadable, "state file " + path + " is not a regular file"};
  }
  if (st.st_size > kMaxFileBytes) {
    return LoadError{LoadFailure::kCorrupt, "state file " + path + " is larger than " +
                                                std::to_string(kMaxFileBytes) + " bytes"};
  }
  std::string text;
  text.reserve(static_cast<std::size_t>(st.st_size));
  char buffer[65536];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      return LoadError{LoadFailure::kUnreadable,
                       describe_errno("cannot read state file", path, errno)};
    }
    text.append(buffer, static_cast<std::size_t>(n));
    if (static_cast<off_t>(text.size()) > kMaxFileBytes) {
      return LoadError{LoadFailure::kCorrupt, "state file " + path + " is larger than " +
                                                  std::to_string(kMaxFileBytes) + " bytes"};
    }
  }
  auto decoded = decode(text, now, max_remaining);
  if (!decoded) {
    return LoadError{LoadFailure::kCorrupt, "state file " + path + ": " + decoded.error()};
  }
  return std::move(decoded).value();
}

std::optional<std::string> save(const std::string& path, const std::vector<Instance>& instances,
                                const Now& now, std::uint64_t index) {
  const std::string text = encode(instances, now, index);
  // A fixed temporary name: one left behind by a crash is simply reused.
  const std::string temp = path + ".tmp";
  FileDescriptor fd(
      ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (fd.get() < 0) return describe_errno("cannot write state file", temp, errno);
  auto fail = [&](const char* what) {
    const int err = errno;
    ::unlink(temp.c_str());
    return describe_errno(what, temp, err);
  };
  if (!write_all(fd.get(), text)) return fail("cannot write state file");
  if (::fsync(fd.get()) != 0) return fail("cannot fsync state file");
  if (fd.close() != 0) return fail("cannot write state file");
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(temp.c_str());
    return describe_errno("cannot rename " + temp + " to", path, err);
  }
  // The rename is durable only once the directory entry is on disk.
  const std::size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "."
                          : slash == 0               ? "/"
                                                     : path.substr(0, slash);
  FileDescriptor dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir_fd.get() >= 0) ::fsync(dir_fd.get());
  return std::nullopt;
}

}  // namespace gemstone::registry::state_file
