#pragma once
// RegistryClient: the client of gemstone-registry (or the original gemstone
// registry): register and renew an instance (ping), unregister it, find
// instances by glob pattern, list services, and pick or connect to one
// instance of a pattern.
//
// Several registry URLs may be given, as gemstone meant them: independent
// registries that each hold what the services ping into them (a Registrar
// keeps an instance registered in all of them). Each operation tries them
// in order, starting with the one that answered last, and moves on to the
// next one on a transport failure (a JSON-RPC error is an answer and is
// returned). locate(), pick() and connect() also move on from a registry
// that has no match, the way gemstone's get_service did; locate_all() asks
// every registry and merge_located() shows where the views differ.
//
//   auto registry = gemstone::RegistryClient::open({"http://10.0.0.5:8000/api",
//                                                   "http://10.0.0.6:8000/api"});
//   auto calc = registry.value().connect("calculator*");
//   if (calc) auto sum = calc.value().call("add", gemstone::CallParams::positional().add(1).add(2));

#include <cstdint>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "gemstone/client_error.hpp"
#include "gemstone/client_options.hpp"
#include "gemstone/deadline.hpp"
#include "gemstone/remote_service.hpp"
#include "gemstone/result.hpp"

namespace gemstone {

/// Metadata an instance carries (zone, version, weight, ...): string pairs.
using InstanceMeta = std::map<std::string, std::string>;

/// One live instance of a service, as the registry reports it. (The
/// original gemstone registry reported bare URLs: then only url, host and
/// port are known.)
struct Instance {
  std::string name;         ///< empty when the registry did not say
  std::string host;
  int port = 0;
  std::string url;          ///< the registry's "url", else http://host:port/api
  double expires_in = 0.0;  ///< seconds until it expires unless pinged again (0: unknown)
  InstanceMeta meta;        ///< empty when none (or the registry does not keep any)
};

/// One change the registry listed in a watch answer.
struct WatchChange {
  std::uint64_t index = 0;
  std::string event;  ///< "added", "updated" or "removed"
  std::string name;
  std::string host;
  int port = 0;
  std::string reason;  ///< for "removed": "expired" or "unregistered"
};

/// What watch_services answered: the instances matching the watch now, and
/// the index to pass to the next watch.
struct WatchResult {
  std::uint64_t index = 0;
  std::vector<Instance> instances;
  /// The changes since the index asked with, oldest first, when the registry
  /// still knew them all (often empty: then only the instances tell).
  std::vector<WatchChange> changes;
};

/// What one registry answered to locate_service: its instances, or why it
/// could not be asked.
struct RegistryAnswer {
  std::string registry_url;
  Result<std::vector<Instance>, ClientError> instances;
};

/// One instance as seen by several registries: the first answer's view of
/// it, and the registries (in the order asked) that hold it.
struct LocatedInstance {
  Instance instance;
  std::vector<std::string> registries;
};

/// The instances of several answers, one entry per (name, host, port) in
/// the order first seen, each naming the registries that hold it. Failed
/// answers contribute nothing. `expires_in` is the longest any registry
/// gave, i.e. how long the instance stays visible somewhere.
std::vector<LocatedInstance> merge_located(const std::vector<RegistryAnswer>& answers);

/// A service name and how many live instances it has.
struct ServiceSummary {
  std::string name;
  std::uint64_t instances = 0;
};

class RegistryClient {
 public:
  /// Where gemstone-registry listens by default.
  static constexpr const char* kDefaultUrl = "http://127.0.0.1:8000/api";

  /// A client of the registries at `urls`, tried in order (kDefaultUrl when
  /// empty). Fails with kInvalidUrl if one cannot be used. No network yet.
  static Result<RegistryClient, ClientError> open(std::vector<std::string> urls,
                                                  ClientOptions options = {});

  /// Registers or renews an instance: ping(name, host, port).
  Result<Instance, ClientError> ping(std::string_view name, std::string_view host, int port,
                                     std::optional<Deadline> deadline = std::nullopt);
  /// Registers or renews an instance by its URL: ping(name, url).
  Result<Instance, ClientError> ping_url(std::string_view name, std::string_view url,
                                         std::optional<Deadline> deadline = std::nullopt);
  /// Removes an instance; true if the registry had it.
  Result<bool, ClientError> unregister(std::string_view name, std::string_view host, int port,
                                       std::optional<Deadline> deadline = std::nullopt);
  Result<bool, ClientError> unregister_url(std::string_view name, std::string_view url,
                                           std::optional<Deadline> deadline = std::nullopt);

  /// Live instances whose name matches the glob `pattern`, from the first
  /// registry that has any: a registry that cannot be reached or that
  /// answers with no match is skipped (and reported to the observer, the
  /// latter as a kNoInstance error), and the next one is asked. Empty when
  /// every registry that answered had no match; the combined transport
  /// error when none could be reached. current_url() then names the
  /// registry whose answer is returned.
  Result<std::vector<Instance>, ClientError> locate(std::string_view pattern,
                                                    std::optional<Deadline> deadline = std::nullopt);
  /// Asks every registry at once (each on its own thread, all bounded by
  /// the same deadline, so one that hangs delays nothing but its own
  /// answer) and returns their answers in the order of urls(). See
  /// merge_located() to combine them.
  std::vector<RegistryAnswer> locate_all(std::string_view pattern,
                                         std::optional<Deadline> deadline = std::nullopt);
  /// Service names matching `pattern` with their live instance counts.
  Result<std::vector<ServiceSummary>, ClientError> list_services(
      std::string_view pattern = "*", std::optional<Deadline> deadline = std::nullopt);

  /// One located instance (see locate) chosen at random; kNoInstance when
  /// no registry has a match.
  Result<Instance, ClientError> pick(std::string_view pattern,
                                     std::optional<Deadline> deadline = std::nullopt);

  /// Locates `pattern` (see locate), then connects to (identifies) the instances in a
  /// random order until one answers: an instance that cannot be connected
  /// to (kConnection) is skipped, any other failure is returned.
  /// kNoInstance when none matches. `service_options` are for the service.
  Result<RemoteService, ClientError> connect(std::string_view pattern, ClientOptions service_options,
                                             std::optional<Deadline> deadline = std::nullopt);

  // ---- Metadata and watching for changes ----

  /// ping() that also sets the instance's metadata (replacing what the
  /// registry held; a ping without it stores none).
  Result<Instance, ClientError> ping(std::string_view name, std::string_view host, int port,
                                     const InstanceMeta& meta,
                                     std::optional<Deadline> deadline = std::nullopt);
  /// ping_url() that also sets the instance's metadata.
  Result<Instance, ClientError> ping_url(std::string_view name, std::string_view url,
                                         const InstanceMeta& meta,
                                         std::optional<Deadline> deadline = std::nullopt);
  /// locate() keeping only the instances whose metadata holds every pair of `filter`.
  Result<std::vector<Instance>, ClientError> locate_matching(
      std::string_view pattern, const InstanceMeta& filter,
      std::optional<Deadline> deadline = std::nullopt);
  /// Waits until an instance matching `pattern` (and `filter`) changes
  /// after `index`, or `timeout` passes (the registry caps it at 300 s),
  /// then returns the matching instances and the index to pass next time.
  /// Index 0 answers at once. Looping watch(pattern, result.index) sees
  /// every state and costs the registry nothing while nothing changes.
  Result<WatchResult, ClientError> watch(std::string_view pattern, std::uint64_t index,
                                         std::chrono::duration<double> timeout = std::chrono::seconds(30),
                                         const InstanceMeta& filter = {});

  /// What a failure that was skipped over was about.
  enum class Skipped {
    kRegistry,  ///< a registry that did not answer, or had no match: the next registry is asked
    kInstance,  ///< an instance that could not be connected to: the next instance is tried
  };

  /// Called with each failure that was skipped over, and what it was about,
  /// e.g. to report it. Not called for the failure that is finally returned.
  void set_observer(std::function<void(const ClientError&, Skipped)> observer) {
    observer_ = std::move(observer);
  }
  /// The same, for an observer that does not need to know what was skipped.
  void set_observer(std::function<void(const ClientError&)> observer) {
    observer_ = [observer = std::move(observer)](const ClientError& e, Skipped) { observer(e); };
  }

  /// The registry URLs, in the order they are tried.
  std::vector<std::string> urls() const;
  /// The URL of the registry that answered (or was tried) last.
  const std::string& current_url() const;
  const ClientOptions& options() const { return options_; }

 private:
  RegistryClient(std::vector<RemoteService> registries, ClientOptions options);
  CallResult call(std::string_view method, const CallParams& params, const Deadline& deadline);
  // locate_service(params) asked of the registries in turn, as locate() says;
  // instances that do not hold every pair of `filter` are left out.
  Result<std::vector<Instance>, ClientError> locate_walking(const CallParams& params,
                                                            std::string_view pattern,
                                                            const InstanceMeta& filter,
                                                            std::optional<Deadline> deadline);
  // ping and unregister in either form: (name, host, port) or (name, url).
  Result<Instance, ClientError> ping_with(const CallParams& params, const std::optional<Deadline>& deadline);
  Result<bool, ClientError> unregister_with(const CallParams& params,
                                            const std::optional<Deadline>& deadline);
  // A call whose answer must be an array (locate_service, list_services).
  CallResult call_for_array(std::string_view method, const CallParams& params,
                            const std::optional<Deadline>& deadline);
  Deadline deadline_or_default(const std::optional<Deadline>& deadline) const;

  std::vector<RemoteService> registries_;
  std::size_t current_ = 0;
  ClientOptions options_;
  std::function<void(const ClientError&, Skipped)> observer_;
  std::mt19937 random_;
};

}  // namespace gemstone
