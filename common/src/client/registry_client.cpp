#include "gemstone/registry_client.hpp"

#include <algorithm>
#include <thread>
#include <tuple>
#include <utility>

#include "instance_json.hpp"  // private to the library
#include "gemstone/jsonrpc/json.hpp"
#include "gemstone/url.hpp"

namespace gemstone {
namespace {

std::optional<std::string> string_member(const rapidjson::Value& object, const char* key) {
  const auto m = object.FindMember(key);
  if (m == object.MemberEnd() || !m->value.IsString()) return std::nullopt;
  return std::string(m->value.GetString(), m->value.GetStringLength());
}

Result<Instance, std::string> instance_from(const rapidjson::Value& v) {
  if (v.IsString()) {
    // The original gemstone registry answered locate_service with URLs.
    auto url = parse_url(std::string_view(v.GetString(), v.GetStringLength()));
    if (!url.ok()) return "an instance URL " + url.error();
    Instance instance;
    instance.host = url.value().host;
    instance.port = url.value().port;
    instance.url = url.value().text;
    return instance;
  }
  if (!v.IsObject()) return std::string("an instance is neither an object nor a URL");
  Instance instance;
  auto name = string_member(v, "name");
  auto host = string_member(v, "host");
  if (!name || !host) return std::string("an instance has no \"name\" or \"host\"");
  instance.name = std::move(*name);
  instance.host = std::move(*host);
  const auto port = v.FindMember("port");
  if (port != v.MemberEnd() && port->value.IsInt()) {
    instance.port = port->value.GetInt();
  } else if (port != v.MemberEnd() && port->value.IsString()) {
    instance.port = std::atoi(port->value.GetString());
  } else {
    return std::string("an instance has no integer \"port\"");
  }
  auto url = string_member(v, "url");
  // What the original registry's clients build from host and port.
  instance.url = url ? std::move(*url) : make_url(false, instance.host, instance.port, "/api");
  const auto expires = v.FindMember("expires_in");
  if (expires != v.MemberEnd() && expires->value.IsNumber()) {
    instance.expires_in = expires->value.GetDouble();
  }
  if (const auto meta = v.FindMember("meta"); meta != v.MemberEnd() && meta->value.IsObject()) {
    for (const auto& pair : meta->value.GetObject()) {
      if (!pair.value.IsString()) continue;
      instance.meta.emplace(std::string(pair.name.GetString(), pair.name.GetStringLength()),
                            std::string(pair.value.GetString(), pair.value.GetStringLength()));
    }
  }
  return instance;
}

// A value as JSON text for a message, cut to a readable length.
std::string excerpt(const rapidjson::Value& value) {
  constexpr std::size_t kMax = 120;
  std::string text = jsonrpc::to_json(value);
  if (text.size() > kMax) text = text.substr(0, kMax) + "...";
  return text;
}

// Several failures of the same operation as one line.
ClientError combined(std::vector<ClientError> failures) {
  if (failures.size() == 1) return std::move(failures.front());
  ClientError out = failures.back();
  out.message.clear();
  for (const ClientError& f : failures) {
    if (!out.message.empty()) out.message += "; ";
    out.message += f.describe();
  }
  out.url.clear();
  return out;
}

// The instances in a locate_service answer: instance objects
// (gemstone-registry, gemstone 0.2) or URL strings (gemstone 0.5 to 0.12,
// and gemstone-registry with locate_result = urls).
Result<std::vector<Instance>, ClientError> instances_in(const rapidjson::Value& answer,
                                                        const std::string& url) {
  if (!answer.IsArray()) {
    return ClientError::malformed(url, "locate_service answered " + excerpt(answer) + ", not an array");
  }
  std::vector<Instance> out;
  for (const auto& item : answer.GetArray()) {
    auto instance = instance_from(item);
    if (!instance.ok()) return ClientError::malformed(url, instance.error() + ": " + excerpt(item));
    out.push_back(std::move(instance).value());
  }
  return out;
}

bool holds_all(const InstanceMeta& meta, const InstanceMeta& filter) {
  return std::all_of(filter.begin(), filter.end(), [&meta](const auto& pair) {
    auto it = meta.find(pair.first);
    return it != meta.end() && it->second == pair.second;
  });
}

Result<std::vector<Instance>, ClientError> locate_in(RemoteService& registry, const CallParams& params,
                                                     const Deadline& deadline) {
  auto answer = registry.call("locate_service", params, deadline);
  if (!answer.ok()) return std::move(answer).error();
  return instances_in(answer.value(), registry.url());
}

}  // namespace

std::vector<LocatedInstance> merge_located(const std::vector<RegistryAnswer>& answers) {
  std::vector<LocatedInstance> merged;
  for (const RegistryAnswer& answer : answers) {
    if (!answer.instances.ok()) continue;
    for (const Instance& instance : answer.instances.value()) {
      auto same = std::find_if(merged.begin(), merged.end(), [&](const LocatedInstance& m) {
        return std::tie(m.instance.name, m.instance.host, m.instance.port) ==
               std::tie(instance.name, instance.host, instance.port);
      });
      if (same == merged.end()) {
        merged.push_back({instance, {answer.registry_url}});
        continue;
      }
      same->instance.expires_in = std::max(same->instance.expires_in, instance.expires_in);
      if (std::find(same->registries.begin(), same->registries.end(), answer.registry_url) ==
          same->registries.end()) {
        same->registries.push_back(answer.registry_url);
      }
    }
  }
  return merged;
}

Result<RegistryClient, ClientError> RegistryClient::open(std::vector<std::string> urls,
                                                         ClientOptions options) {
  if (urls.empty()) urls.emplace_back(kDefaultUrl);
  std::vector<RemoteService> registries;
  for (const std::string& url : urls) {
    auto service = RemoteService::open(url, options);
    if (!service.ok()) return std::move(service).error();
    registries.push_back(std::move(service).value());
  }
  return RegistryClient(std::move(registries), std::move(options));
}

RegistryClient::RegistryClient(std::vector<RemoteService> registries, ClientOptions options)
    : registries_(std::move(registries)), options_(std::move(options)), random_(std::random_device{}()) {}

std::vector<std::string> RegistryClient::urls() const {
  std::vector<std::string> out;
  for (const RemoteService& r : registries_) out.push_back(r.url());
  return out;
}

const std::string& RegistryClient::current_url() const { return registries_[current_].url(); }

Deadline RegistryClient::deadline_or_default(const std::optional<Deadline>& deadline) const {
  return deadline ? *deadline : Deadline::in(options_.timeout);
}

CallResult RegistryClient::call(std::string_view method, const CallParams& params,
                                const Deadline& deadline) {
  std::vector<ClientError> failures;
  const std::size_t n = registries_.size();
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t i = (current_ + k) % n;
    if (!failures.empty()) {
      if (deadline.passed()) break;
      if (observer_) observer_(failures.back(), Skipped::kRegistry);
    }
    current_ = i;
    CallResult answer = registries_[i].call(method, params, deadline);
    if (answer.ok() || !answer.error().is_transport()) return answer;
    failures.push_back(std::move(answer).error());
  }
  return combined(std::move(failures));
}

Result<Instance, ClientError> RegistryClient::ping(std::string_view name, std::string_view host,
                                                   int port, std::optional<Deadline> deadline) {
  return ping_with(CallParams::named().add("name", name).add("host", host).add("port", port), deadline);
}

Result<Instance, ClientError> RegistryClient::ping_url(std::string_view name, std::string_view url,
                                                       std::optional<Deadline> deadline) {
  return ping_with(CallParams::named().add("name", name).add("url", url), deadline);
}

Result<bool, ClientError> RegistryClient::unregister(std::string_view name, std::string_view host,
                                                     int port, std::optional<Deadline> deadline) {
  return unregister_with(CallParams::named().add("name", name).add("host", host).add("port", port),
                         deadline);
}

Result<bool, ClientError> RegistryClient::unregister_url(std::string_view name, std::string_view url,
                                                         std::optional<Deadline> deadline) {
  return unregister_with(CallParams::named().add("name", name).add("url", url), deadline);
}

Result<Instance, ClientError> RegistryClient::ping_with(const CallParams& params,
                                                        const std::optional<Deadline>& deadline) {
  auto answer = call("ping", params, deadline_or_default(deadline));
  if (!answer.ok()) return std::move(answer).error();
  auto instance = instance_from(answer.value());
  if (!instance.ok()) return ClientError::malformed(current_url(), instance.error());
  return std::move(instance).value();
}

Result<bool, ClientError> RegistryClient::unregister_with(const CallParams& params,
                                                          const std::optional<Deadline>& deadline) {
  auto answer = call("unregister", params, deadline_or_default(deadline));
  if (!answer.ok()) return std::move(answer).error();
  if (!answer.value().IsBool()) return ClientError::malformed(current_url(), "unregister did not answer a boolean");
  return answer.value().GetBool();
}

CallResult RegistryClient::call_for_array(std::string_view method, const CallParams& params,
                                          const std::optional<Deadline>& deadline) {
  CallResult answer = call(method, params, deadline_or_default(deadline));
  if (answer.ok() && !answer.value().IsArray()) {
    return ClientError::malformed(current_url(), std::string(method) + " answered " +
                                                     excerpt(answer.value()) + ", not an array");
  }
  return answer;
}

Result<std::vector<Instance>, ClientError> RegistryClient::locate(std::string_view pattern,
                                                                  std::optional<Deadline> deadline) {
  return locate_walking(CallParams::named().add("name", pattern), pattern, {}, deadline);
}

Result<std::vector<Instance>, ClientError> RegistryClient::locate_walking(
    const CallParams& params, std::string_view pattern, const InstanceMeta& filter,
    std::optional<Deadline> deadline) {
  const Deadline until = deadline_or_default(deadline);
  std::vector<ClientError> failures;
  std::optional<ClientError> skipped;           // reported once the next one is tried
  std::optional<std::size_t> first_empty;       // the first registry that had no match
  const std::size_t n = registries_.size();
  const std::size_t start = current_;
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t i = (start + k) % n;
    if (skipped) {
      if (until.passed()) break;
      if (observer_) observer_(*skipped, Skipped::kRegistry);
      skipped.reset();
    }
    current_ = i;
    auto found = locate_in(registries_[i], params, until);
    if (!found.ok()) {
      if (!found.error().is_transport()) return found;
      failures.push_back(found.error());
      skipped = std::move(found).error();
      continue;
    }
    // A registry that ignores the filter (an older one) must not widen it.
    if (!filter.empty()) {
      auto& instances = found.value();
      instances.erase(std::remove_if(instances.begin(), instances.end(),
                                     [&filter](const Instance& instance) {
                                       return !holds_all(instance.meta, filter);
                                     }),
                      instances.end());
    }
    if (!found.value().empty()) return found;
    if (!first_empty) first_empty = i;
    skipped = ClientError::no_instance(registries_[i].url(), std::string(pattern));
  }
  if (!first_empty) return combined(std::move(failures));
  // Some registry answered: "no match" is the answer, not the failures.
  current_ = *first_empty;
  return std::vector<Instance>{};
}

std::vector<RegistryAnswer> RegistryClient::locate_all(std::string_view pattern,
                                                       std::optional<Deadline> deadline) {
  const Deadline until = deadline_or_default(deadline);
  const CallParams params = CallParams::named().add("name", pattern);
  std::vector<RegistryAnswer> answers;
  for (const RemoteService& r : registries_) {
    answers.push_back({r.url(), ClientError::transport(ErrorKind::kTimeout, r.url(), "not asked")});
  }
  // Each thread touches only its own registry and its own answer.
  std::vector<std::thread> askers;
  for (std::size_t i = 0; i < registries_.size(); ++i) {
    askers.emplace_back([this, i, &params, &until, &answers] {
      answers[i].instances = locate_in(registries_[i], params, until);
    });
  }
  for (std::thread& t : askers) t.join();
  return answers;
}

Result<std::vector<ServiceSummary>, ClientError> RegistryClient::list_services(
    std::string_view pattern, std::optional<Deadline> deadline) {
  auto answer = call_for_array("list_services", CallParams::named().add("pattern", pattern), deadline);
  if (!answer.ok()) return std::move(answer).error();
  std::vector<ServiceSummary> out;
  for (const auto& item : answer.value().GetArray()) {
    if (!item.IsObject()) return ClientError::malformed(current_url(), "a service is not an object");
    auto name = string_member(item, "name");
    const auto count = item.FindMember("instances");
    if (!name || count == item.MemberEnd() || !count->value.IsUint64()) {
      return ClientError::malformed(current_url(), "a service has no \"name\" or \"instances\"");
    }
    out.push_back({std::move(*name), count->value.GetUint64()});
  }
  return out;
}

Result<Instance, ClientError> RegistryClient::pick(std::string_view pattern,
                                                   std::optional<Deadline> deadline) {
  auto located = locate(pattern, deadline);
  if (!located.ok()) return std::move(located).error();
  std::vector<Instance>& all = located.value();
  if (all.empty()) return ClientError::no_instance(current_url(), std::string(pattern));
  std::uniform_int_distribution<std::size_t> any(0, all.size() - 1);
  return std::move(all[any(random_)]);
}

Result<RemoteService, ClientError> RegistryClient::connect(std::string_view pattern,
                                                           ClientOptions service_options,
                                                           std::optional<Deadline> deadline) {
  const Deadline until = deadline_or_default(deadline);
  auto located = locate(pattern, until);
  if (!located.ok()) return std::move(located).error();
  std::vector<Instance>& candidates = located.value();
  if (candidates.empty()) return ClientError::no_instance(current_url(), std::string(pattern));
  std::shuffle(candidates.begin(), candidates.end(), random_);

  std::vector<ClientError> failures;
  for (const Instance& instance : candidates) {
    if (!failures.empty()) {
      if (until.passed()) break;
      if (observer_) observer_(failures.back(), Skipped::kInstance);
    }
    auto service = RemoteService::open(instance.url, service_options);
    if (!service.ok()) {
      failures.push_back(std::move(service).error());
      continue;
    }
    auto identified = service.value().identify(until);
    if (identified.ok()) return service;
    if (identified.error().kind != ErrorKind::kConnection) return std::move(identified).error();
    failures.push_back(std::move(identified).error());
  }
  return combined(std::move(failures));
}

namespace client_detail {
Result<Instance, std::string> instance_from_json(const rapidjson::Value& v) { return instance_from(v); }
}  // namespace client_detail

}  // namespace gemstone
