#include "registry/api/registry_methods.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "gemstone/glob.hpp"
#include "gemstone/version.hpp"
#include "gemstone/registry_protocol.hpp"
#include "registry/api/instance_json.hpp"
#include "registry/api/validation.hpp"

namespace gemstone::registry {
namespace {

using jsonrpc::Allocator;
using jsonrpc::Error;
using jsonrpc::MethodResult;
using jsonrpc::Params;
using jsonrpc::Scope;
namespace protocol = registry_protocol;
using rapidjson::Value;

constexpr std::size_t kMaxPatternLength = 1024;

std::string_view as_view(const Value& v) { return {v.GetString(), v.GetStringLength()}; }

Value string_value(std::string_view s, Allocator& alloc) {
  return Value(s.data(), static_cast<rapidjson::SizeType>(s.size()), alloc);
}

// The (name, host, port) a ping or unregister talks about, from either form.
struct Target {
  std::string name;
  std::string host;
  std::uint16_t port = 0;
  std::string url;
  Meta meta;
};

Result<Meta, Error> meta_param(const Value* v) {
  if (v == nullptr) return Meta{};
  auto meta = meta_from_json(*v);
  if (!meta.ok()) return Error::invalid_params("meta", meta.error());
  return std::move(meta).value();
}

Result<std::string, Error> string_param(const Value* v, const char* field) {
  if (v == nullptr) return Error::invalid_params(field, "is required");
  if (!v->IsString()) return Error::invalid_params(field, "must be a string");
  return std::string(as_view(*v));
}

Result<std::uint16_t, Error> port_param(const Value& v) {
  if (v.IsString()) {
    auto port = parse_port_text(as_view(v));
    if (!port.ok()) return Error::invalid_params("port", port.error());
    return port.value();
  }
  if (v.IsNumber()) {
    const double d = v.GetDouble();
    if (d >= 1 && d <= 65535 && std::floor(d) == d) return static_cast<std::uint16_t>(d);
  }
  return Error::invalid_params("port", "must be an integer 1..65535");
}

// Params are declared as (name, host, port, url). The url form may come
// named ({"name", "url"}) or positional (["svc", "http://..."]), where the
// url lands in the `host` slot.
Result<Target, Error> target_from(const Params& params, const MethodsOptions& limits) {
  Target target;
  auto name = string_param(params[0], "name");
  if (!name.ok()) return std::move(name).error();
  if (auto why = check_service_name(name.value(), limits.max_name_length)) {
    return Error::invalid_params("name", *why);
  }
  target.name = std::move(name).value();

  const Value* host = params[1];
  const Value* port = params[2];
  const Value* url = params[3];
  const Value* meta = params[4];
  // By position, meta follows the port or the url: an object in the port's
  // (or the url's) place is meta.
  if (params.positional()) {
    if (url == nullptr && port != nullptr && port->IsObject()) {
      meta = port;
      port = nullptr;
    } else if (url != nullptr && url->IsObject() && meta == nullptr) {
      meta = url;
      url = nullptr;
    }
  }
  auto meta_value = meta_param(meta);
  if (!meta_value.ok()) return std::move(meta_value).error();
  target.meta = std::move(meta_value).value();
  if (url == nullptr && port == nullptr && host != nullptr && host->IsString() &&
      as_view(*host).find("://") != std::string_view::npos) {
    url = host;
    host = nullptr;
  }
  if (url != nullptr) {
    if (host != nullptr || port != nullptr) {
      return Error::invalid_params("url", "cannot be combined with host and port");
    }
    if (!url->IsString()) return Error::invalid_params("url", "must be a string");
    auto parts = parse_service_url(as_view(*url));
    if (!parts.ok()) return Error::invalid_params("url", parts.error());
    if (parts.value().host.size() > limits.max_host_length) {
      return Error::invalid_params(
          "url", "has a host longer than " + std::to_string(limits.max_host_length) + " characters");
    }
    target.host = normalize_host(parts.value().host);
    target.port = parts.value().port;
    target.url = std::string(as_view(*url));
    return target;
  }
  auto host_text = string_param(host, "host");
  if (!host_text.ok()) return std::move(host_text).error();
  if (auto why = check_host(host_text.value(), limits.max_host_length)) {
    return Error::invalid_params("host", *why);
  }
  if (port == nullptr) return Error::invalid_params("port", "is required");
  auto port_number = port_param(*port);
  if (!port_number.ok()) return std::move(port_number).error();
  target.host = normalize_host(host_text.value());
  target.port = port_number.value();
  target.url = default_url(target.host, target.port);
  return target;
}

Error store_error(StoreError error) {
  return error == StoreError::kFull ? protocol::registry_full() : protocol::backend_unavailable();
}

Result<Glob, Error> pattern_param(const Value* v, const char* field, const char* fallback) {
  if (v == nullptr) return Glob(fallback);
  if (!v->IsString()) return Error::invalid_params(field, "must be a string");
  if (v->GetStringLength() > kMaxPatternLength) {
    return Error::invalid_params(field, "must be at most 1024 characters");
  }
  return Glob(as_view(*v));
}

class RegistryMethods {
 public:
  RegistryMethods(Store& store, MethodsOptions options, MethodEvents events)
      : store_(store), options_(std::move(options)), events_(std::move(events)) {
    ttl_ = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(options_.ttl_seconds));
  }

  MethodResult ping(const Params& params) {
    auto target = target_from(params, options_);
    if (!target.ok()) return std::move(target).error();
    const Clock::time_point now = options_.now();
    Target& t = target.value();
    auto stored = store_.ping(Instance{std::move(t.name), std::move(t.host), t.port,
                                       std::move(t.url), now + ttl_, std::move(t.meta)},
                              now);
    if (!stored.ok()) return store_error(stored.error());
    if (events_.on_ping) events_.on_ping();
    std::string out;
    out.reserve(256);
    append_instance_json(out, stored.value(), now);
    return jsonrpc::JsonText{std::move(out)};
  }

  MethodResult unregister(const Params& params, Allocator&) {
    auto target = target_from(params, options_);
    if (!target.ok()) return std::move(target).error();
    const Target& t = target.value();
    const auto removed = store_.unregister(t.name, t.host, t.port, options_.now());
    if (!removed.ok()) return store_error(removed.error());
    if (removed.value() && events_.on_unregister) events_.on_unregister();
    return Value(removed.value());
  }

  MethodResult locate(const Params& params) {
    if (params[0] == nullptr) return Error::invalid_params("name", "is required");
    auto pattern = pattern_param(params[0], "name", "*");
    if (!pattern.ok()) return std::move(pattern).error();
    auto filter = meta_param(params[1]);
    if (!filter.ok()) return std::move(filter).error();
    const Meta& meta = filter.value();
    const Clock::time_point now = options_.now();
    const bool urls = options_.locate_result == LocateResult::kUrls;
    std::string out;
    out.reserve(2048);  // ten instances, the common answer, without a reallocation
    out.push_back('[');
    store_.locate(pattern.value(), now, [&](const Instance& instance) {
      if (!meta_holds(instance.meta, meta)) return;
      if (out.size() > 1) out.push_back(',');
      if (urls) {
        append_json_string(out, instance.url);
      } else {
        append_instance_json(out, instance, now);
      }
    });
    out.push_back(']');
    return jsonrpc::JsonText{std::move(out)};
  }

  // {"index": N, "instances": [...], "changes": [...]}: the state a watch
  // of `filter` sees now, and the changes since the watcher's index that
  // led to it when they are known (`recent`), e.g. why an instance went.
  std::string watch_text(const WatchFilter& filter, const std::vector<Change>& recent) const {
    const Clock::time_point now = options_.now();
    std::string instances = "[";
    const std::uint64_t index = store_.locate(filter.pattern, now, [&](const Instance& instance) {
      if (!meta_holds(instance.meta, filter.meta)) return;
      if (instances.size() > 1) instances.push_back(',');
      append_instance_json(instances, instance, now);
    });
    instances.push_back(']');
    std::string out = "{\"index\":" + std::to_string(index) + ",\"instances\":";
    out.append(instances);
    bool first = true;
    for (const Change& change : recent) {
      if (change.index > index) break;  // newer than the state listed
      out.append(first ? ",\"changes\":[" : ",");
      first = false;
      append_change_json(out, change);
    }
    if (!first) out.push_back(']');
    out.push_back('}');
    return out;
  }

  std::optional<MethodResult> watch(const Params& params, const jsonrpc::Park& park, WatchHub* hub) {
    auto pattern = pattern_param(params[0], "pattern", "*");
    if (!pattern.ok()) return MethodResult(std::move(pattern).error());
    std::uint64_t index = 0;
    if (const Value* v = params[1]) {
      if (v->IsUint64()) {
        index = v->GetUint64();
      } else if (v->IsNumber() && v->GetDouble() >= 0 && v->GetDouble() < 1.8e19 &&
                 std::floor(v->GetDouble()) == v->GetDouble()) {
        index = static_cast<std::uint64_t>(v->GetDouble());
      } else {
        return MethodResult(Error::invalid_params("index", "must be an integer >= 0"));
      }
    }
    double timeout = 30;
    if (const Value* v = params[2]) {
      if (!v->IsNumber() || !std::isfinite(v->GetDouble()) || v->GetDouble() < 0) {
        return MethodResult(Error::invalid_params("timeout", "must be a number of seconds >= 0"));
      }
      timeout = std::min(v->GetDouble(), kMaxWatchTimeout);
    }
    auto meta = meta_param(params[3]);
    if (!meta.ok()) return MethodResult(std::move(meta).error());
    auto filter = std::make_shared<WatchFilter>(
        WatchFilter{std::move(pattern).value(), std::move(meta).value()});
    if (hub != nullptr) {
      const auto wait = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout));
      switch (hub->watch(filter, index, wait, park)) {
        case WatchHub::Outcome::kParked:
          return std::nullopt;
        case WatchHub::Outcome::kFull:
          return MethodResult(Error{protocol::kTooManyWatchers, "Too many watchers", {}});
        case WatchHub::Outcome::kNow:
          break;
      }
    }
    const std::vector<Change> recent = hub != nullptr ? hub->recent(*filter, index) : std::vector<Change>{};
    return MethodResult(jsonrpc::JsonText{watch_text(*filter, recent)});
  }

  MethodResult list(const Params& params, Allocator& alloc) {
    auto pattern = pattern_param(params[0], "pattern", "*");
    if (!pattern.ok()) return std::move(pattern).error();
    Value out(rapidjson::kArrayType);
    for (const ServiceSummary& service : store_.list(pattern.value(), options_.now())) {
      Value item(rapidjson::kObjectType);
      item.AddMember("name", string_value(service.name, alloc), alloc);
      item.AddMember("instances", Value(static_cast<uint64_t>(service.instances)), alloc);
      out.PushBack(item, alloc);
    }
    return out;
  }

  MethodResult specs(const jsonrpc::Dispatcher& dispatcher, Allocator& alloc) const {
    Value out(rapidjson::kObjectType);
    out.AddMember("name", "gemstone.registry", alloc);
    out.AddMember("host", string_value(options_.host, alloc), alloc);
    out.AddMember("port", options_.port, alloc);
    out.AddMember("version", string_value(kVersion, alloc), alloc);
    out.AddMember("ttl", options_.ttl_seconds, alloc);
    out.AddMember("locate_result",
                  rapidjson::StringRef(options_.locate_result == LocateResult::kUrls ? "urls" : "instances"),
                  alloc);
    out.AddMember("backend", string_value(options_.backend, alloc), alloc);
    // For a look at the registry (the dashboard's header): counts as held,
    // so an instance that just expired leaves them at the next sweep.
    const double uptime = std::chrono::duration<double>(options_.now() - options_.started).count();
    out.AddMember("uptime_seconds", std::round(std::max(uptime, 0.0) * 1000.0) / 1000.0, alloc);
    out.AddMember("instances", Value(static_cast<uint64_t>(store_.size())), alloc);
    out.AddMember("services", Value(static_cast<uint64_t>(store_.service_count())), alloc);
    Value methods(rapidjson::kObjectType);
    for (const auto& method : dispatcher.methods()) {
      methods.AddMember(string_value(method.name, alloc), string_value(method.description, alloc),
                        alloc);
    }
    out.AddMember("methods", methods, alloc);
    return out;
  }

 private:
  Store& store_;
  MethodsOptions options_;
  MethodEvents events_;
  Clock::duration ttl_{};
};

}  // namespace

void add_registry_methods(jsonrpc::Dispatcher& dispatcher, Store& store, MethodsOptions options,
                          MethodEvents events, WatchHub* hub) {
  // Shared by the handlers, which the dispatcher keeps for its lifetime.
  const bool writes_block = options.writes_block;
  auto methods = std::make_shared<RegistryMethods>(store, std::move(options), std::move(events));
  const std::vector<std::string> target_params{"name", "host", "port", "url", "meta"};
  dispatcher.add({std::string(protocol::kPing), target_params, 1,
                  "Register or renew an instance: ping(name, host, port, meta={}) or ping(name, url, meta={}).",
                  [methods](const Params& p, Allocator&) { return methods->ping(p); }, Scope::kWrite,
                  {}, writes_block});
  dispatcher.add({std::string(protocol::kLocateService), {"name", "meta"}, 1,
                  "Live instances whose name matches a glob pattern (and whose meta holds every pair of `meta`): locate_service(name, meta={}).",
                  [methods](const Params& p, Allocator&) { return methods->locate(p); }, Scope::kRead});
  dispatcher.add({std::string(protocol::kUnregister), target_params, 1,
                  "Remove an instance: unregister(name, host, port) or unregister(name, url).",
                  [methods](const Params& p, Allocator& a) { return methods->unregister(p, a); }, Scope::kWrite,
                  {}, writes_block});
  dispatcher.add({std::string(protocol::kListServices), {"pattern"}, 0,
                  "Service names with their live instance counts: list_services(pattern='*').",
                  [methods](const Params& p, Allocator& a) { return methods->list(p, a); }, Scope::kRead});
  jsonrpc::Method watch{std::string(protocol::kWatchServices), {"pattern", "index", "timeout", "meta"}, 0,
                        "Wait for a change of the instances matching a pattern, then list them: "
                        "watch_services(pattern='*', index=0, timeout=30, meta={}) -> {index, instances}.",
                        {}, Scope::kRead};
  watch.deferred = [methods, hub](const Params& p, Allocator&, const jsonrpc::Park& park) {
    return methods->watch(p, park, hub);
  };
  dispatcher.add(std::move(watch));
  if (hub != nullptr) {
    hub->set_answer([methods](const WatchFilter& filter, const std::vector<Change>& recent) {
      return methods->watch_text(filter, recent);
    });
  }
  const jsonrpc::Dispatcher* self = &dispatcher;
  dispatcher.add({std::string(protocol::kGetServiceSpecs), {}, 0,
                  "What this registry is: name, host, port, version, ttl, backend, uptime, counts and methods.",
                  [methods, self](const Params&, Allocator& a) { return methods->specs(*self, a); }, Scope::kRead});
}

}  // namespace gemstone::registry
