// RegistryClient's metadata and watch calls, and the watch loop on top.

#include "gemstone/registry_watch.hpp"

#include <algorithm>
#include <map>
#include <thread>
#include <tuple>
#include <utility>

#include <rapidjson/document.h>

#include "instance_json.hpp"  // private to the library
#include "gemstone/jsonrpc/json.hpp"

namespace gemstone {
namespace {

// Seconds a long poll may take on the wire beyond what it asked the
// registry to wait: the answer's way back.
constexpr std::chrono::seconds kWatchGrace{10};

rapidjson::Value meta_value(const InstanceMeta& meta, rapidjson::Document::AllocatorType& alloc) {
  rapidjson::Value v(rapidjson::kObjectType);
  for (const auto& [key, value] : meta) {
    v.AddMember(rapidjson::Value(key.c_str(), static_cast<rapidjson::SizeType>(key.size()), alloc),
                rapidjson::Value(value.c_str(), static_cast<rapidjson::SizeType>(value.size()), alloc),
                alloc);
  }
  return v;
}

using Key = std::tuple<std::string, std::string, int>;
Key key_of(const Instance& i) { return {i.name, i.host, i.port}; }

}  // namespace

Result<Instance, ClientError> RegistryClient::ping(std::string_view name, std::string_view host,
                                                   int port, const InstanceMeta& meta,
                                                   std::optional<Deadline> deadline) {
  rapidjson::Document doc;
  const rapidjson::Value m = meta_value(meta, doc.GetAllocator());
  return ping_with(
      CallParams::named().add("name", name).add("host", host).add("port", port).add("meta", m),
      deadline);
}

Result<Instance, ClientError> RegistryClient::ping_url(std::string_view name, std::string_view url,
                                                       const InstanceMeta& meta,
                                                       std::optional<Deadline> deadline) {
  rapidjson::Document doc;
  const rapidjson::Value m = meta_value(meta, doc.GetAllocator());
  return ping_with(CallParams::named().add("name", name).add("url", url).add("meta", m), deadline);
}

Result<std::vector<Instance>, ClientError> RegistryClient::locate_matching(
    std::string_view pattern, const InstanceMeta& filter, std::optional<Deadline> deadline) {
  if (filter.empty()) return locate(pattern, deadline);
  rapidjson::Document doc;
  const rapidjson::Value m = meta_value(filter, doc.GetAllocator());
  return locate_walking(CallParams::named().add("name", pattern).add("meta", m), pattern, filter,
                        deadline);
}

Result<WatchResult, ClientError> RegistryClient::watch(std::string_view pattern, std::uint64_t index,
                                                       std::chrono::duration<double> timeout,
                                                       const InstanceMeta& filter) {
  rapidjson::Document doc;
  const rapidjson::Value m = meta_value(filter, doc.GetAllocator());
  CallParams params = CallParams::named()
                          .add("pattern", pattern)
                          .add("index", static_cast<unsigned long long>(index))
                          .add("timeout", timeout.count());
  if (!filter.empty()) params.add("meta", m);
  const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(timeout) + kWatchGrace;
  auto answer = call("watch_services", params, Deadline::in(wait));
  if (!answer.ok()) return std::move(answer).error();
  const rapidjson::Value& v = answer.value();
  if (!v.IsObject() || !v.HasMember("index") || !v["index"].IsUint64() ||
      !v.HasMember("instances") || !v["instances"].IsArray()) {
    return ClientError::malformed(current_url(), "watch_services did not answer {index, instances}");
  }
  WatchResult result;
  result.index = v["index"].GetUint64();
  for (const auto& item : v["instances"].GetArray()) {
    auto instance = client_detail::instance_from_json(item);
    if (!instance.ok()) return ClientError::malformed(current_url(), instance.error());
    result.instances.push_back(std::move(instance).value());
  }
  // Optional, and only ever a note on the instances: what is odd is skipped.
  if (auto changes = v.FindMember("changes"); changes != v.MemberEnd() && changes->value.IsArray()) {
    for (const auto& item : changes->value.GetArray()) {
      if (!item.IsObject()) continue;
      auto text = [&](const char* key) {
        auto m = item.FindMember(key);
        return m != item.MemberEnd() && m->value.IsString()
                   ? std::string(m->value.GetString(), m->value.GetStringLength())
                   : std::string();
      };
      WatchChange change;
      auto index = item.FindMember("index");
      auto port = item.FindMember("port");
      if (index != item.MemberEnd() && index->value.IsUint64()) change.index = index->value.GetUint64();
      if (port != item.MemberEnd() && port->value.IsInt()) change.port = port->value.GetInt();
      change.event = text("event");
      change.name = text("name");
      change.host = text("host");
      change.reason = text("reason");
      result.changes.push_back(std::move(change));
    }
  }
  return result;
}

std::string_view to_string(WatchEventKind kind) {
  switch (kind) {
    case WatchEventKind::kAdded: return "added";
    case WatchEventKind::kRemoved: return "removed";
    case WatchEventKind::kUpdated: return "updated";
  }
  return "added";
}

std::vector<WatchEvent> diff_instances(const std::vector<Instance>& before,
                                       const std::vector<Instance>& after, std::uint64_t index) {
  std::map<Key, const Instance*> old_ones;
  for (const Instance& i : before) old_ones.emplace(key_of(i), &i);
  std::map<Key, const Instance*> new_ones;
  for (const Instance& i : after) new_ones.emplace(key_of(i), &i);
  std::vector<WatchEvent> events;
  for (const Instance& i : before) {
    if (new_ones.count(key_of(i)) == 0) events.push_back({WatchEventKind::kRemoved, i, index, {}});
  }
  for (const Instance& i : after) {
    auto was = old_ones.find(key_of(i));
    if (was != old_ones.end() && (was->second->url != i.url || was->second->meta != i.meta)) {
      events.push_back({WatchEventKind::kUpdated, i, index, {}});
    }
  }
  for (const Instance& i : after) {
    if (old_ones.count(key_of(i)) == 0) events.push_back({WatchEventKind::kAdded, i, index, {}});
  }
  return events;
}

std::optional<ClientError> run_watch(
    RegistryClient& registry, const WatchLoopOptions& options,
    const std::function<void(const WatchBatch&)>& on_batch,
    const std::function<void(const ClientError&, std::chrono::milliseconds)>& on_retry,
    const std::atomic<bool>& stop) {
  std::uint64_t index = 0;
  std::vector<Instance> seen;
  bool first = true;
  auto backoff = options.min_backoff;
  while (!stop.load()) {
    auto answer = registry.watch(options.pattern, index, options.poll, options.meta);
    if (!answer.ok()) {
      if (!answer.error().is_transport()) return std::move(answer).error();
      if (on_retry) on_retry(answer.error(), backoff);
      // Sleep in small steps so that a stop is noticed.
      const auto until = std::chrono::steady_clock::now() + backoff;
      while (!stop.load() && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      backoff = std::min(backoff * 2, options.max_backoff);
      continue;
    }
    backoff = options.min_backoff;
    WatchResult& result = answer.value();
    WatchBatch batch;
    batch.index = result.index;
    batch.initial = first;
    batch.events = diff_instances(seen, result.instances, result.index);
    for (WatchEvent& event : batch.events) {
      if (event.kind != WatchEventKind::kRemoved) continue;
      // The last removal the registry listed for it says why it went.
      for (auto c = result.changes.rbegin(); c != result.changes.rend(); ++c) {
        if (c->event == "removed" && c->name == event.instance.name &&
            c->host == event.instance.host && c->port == event.instance.port) {
          event.reason = c->reason;
          break;
        }
      }
    }
    index = result.index;
    if (first || !batch.events.empty()) {
      first = false;
      batch.instances = result.instances;
      if (on_batch) on_batch(batch);
    }
    seen = std::move(result.instances);
  }
  return std::nullopt;
}

}  // namespace gemstone
