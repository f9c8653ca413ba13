#include "gemstone/registrar.hpp"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <utility>

namespace gemstone {
namespace {

// Without metadata, the ping the original gemstone registry understands too.
Result<Instance, ClientError> ping_one(RegistryClient& registry, const Registration& r) {
  if (!r.url.empty()) {
    return r.meta.empty() ? registry.ping_url(r.name, r.url) : registry.ping_url(r.name, r.url, r.meta);
  }
  return r.meta.empty() ? registry.ping(r.name, r.host, r.port)
                        : registry.ping(r.name, r.host, r.port, r.meta);
}

Result<bool, ClientError> unregister_one(RegistryClient& registry, const Registration& r) {
  if (!r.url.empty()) return registry.unregister_url(r.name, r.url);
  return registry.unregister(r.name, r.host, r.port);
}

RegistrarEvent unregister_event(const std::string& url, Result<bool, ClientError> removed) {
  RegistrarEvent event;
  event.registry_url = url;
  if (removed.ok()) {
    event.kind = RegistrarEvent::Kind::kUnregistered;
    event.removed = removed.value();
  } else {
    event.kind = RegistrarEvent::Kind::kUnregisterFailed;
    event.error = std::move(removed).error();
  }
  return event;
}

// The event for a ping's outcome; `held` says whether the previous ping
// to the same registry got through.
RegistrarEvent ping_event(const std::string& url, Result<Instance, ClientError> pinged, bool held) {
  RegistrarEvent event;
  event.registry_url = url;
  if (pinged.ok()) {
    event.kind = held ? RegistrarEvent::Kind::kRenewed : RegistrarEvent::Kind::kRegistered;
    event.instance = std::move(pinged).value();
  } else {
    event.kind = pinged.error().is_transport() ? RegistrarEvent::Kind::kFailed
                                               : RegistrarEvent::Kind::kRefused;
    event.error = std::move(pinged).error();
  }
  return event;
}

}  // namespace

const char* to_string(RegistrarEvent::Kind kind) {
  switch (kind) {
    case RegistrarEvent::Kind::kRegistered: return "registered";
    case RegistrarEvent::Kind::kRenewed: return "renewed";
    case RegistrarEvent::Kind::kFailed: return "failed";
    case RegistrarEvent::Kind::kRefused: return "refused";
    case RegistrarEvent::Kind::kUnregistered: return "unregistered";
    case RegistrarEvent::Kind::kUnregisterFailed: return "unregister-failed";
  }
  return "failed";
}

std::vector<RegistrarEvent> ping_every_registry(const std::vector<std::string>& urls,
                                                const Registration& registration,
                                                const ClientOptions& options) {
  std::vector<RegistrarEvent> events(urls.size());
  std::vector<std::thread> pingers;
  for (std::size_t i = 0; i < urls.size(); ++i) {
    pingers.emplace_back([&, i] {
      auto registry = RegistryClient::open({urls[i]}, options);
      if (!registry.ok()) {
        events[i] = ping_event(urls[i], std::move(registry).error(), false);
        return;
      }
      events[i] = ping_event(urls[i], ping_one(registry.value(), registration), false);
    });
  }
  for (std::thread& t : pingers) t.join();
  return events;
}

std::vector<RegistrarEvent> unregister_from_every_registry(const std::vector<std::string>& urls,
                                                           const Registration& registration,
                                                           const ClientOptions& options) {
  std::vector<RegistrarEvent> events(urls.size());
  std::vector<std::thread> workers;
  for (std::size_t i = 0; i < urls.size(); ++i) {
    workers.emplace_back([&, i] {
      auto registry = RegistryClient::open({urls[i]}, options);
      if (!registry.ok()) {
        events[i] = unregister_event(urls[i], std::move(registry).error());
        return;
      }
      events[i] = unregister_event(urls[i], unregister_one(registry.value(), registration));
    });
  }
  for (std::thread& t : workers) t.join();
  return events;
}

struct Registrar::State {
  struct Slot {
    std::string url;
    std::optional<RegistryClient> registry;
    bool ever_held = false;  // worth an unregister at stop()
    bool refused = false;
    std::optional<RegistrarEvent> unregistered;  // what stop() made of it
  };

  Registration registration;
  RegistrarOptions options;
  Observer observer;
  std::vector<Slot> slots;
  std::vector<std::thread> workers;

  mutable std::mutex mutex;  // slots' flags, stopping
  std::condition_variable wake;
  bool stopping = false;
  bool stopped = false;
  std::mutex observer_mutex;  // one observer call at a time

  void report(const RegistrarEvent& event) {
    if (!observer) return;
    std::lock_guard<std::mutex> lock(observer_mutex);
    observer(event);
  }

  // One registry's loop: ping, report, wait for the next tick or stop;
  // then unregister. Each registry ends on its own, so one that hangs does
  // not hold back the unregister from the others.
  void run(std::size_t i) {
    Slot& slot = slots[i];
    if (!keep_pinging(slot)) return;
    if (!slot.ever_held) return;
    RegistrarEvent event = unregister_event(slot.url, unregister_one(*slot.registry, registration));
    std::lock_guard<std::mutex> lock(mutex);
    slot.unregistered = std::move(event);
  }

  // Pings `slot` every interval until stop() (true) or until it refuses
  // the instance (false).
  bool keep_pinging(Slot& slot) {
    bool held = false;
    auto next = Deadline::Clock::now();
    for (;;) {
      RegistrarEvent event = ping_event(slot.url, ping_one(*slot.registry, registration), held);
      held = holds_instance(event);
      {
        std::lock_guard<std::mutex> lock(mutex);
        if (held) slot.ever_held = true;
        if (event.kind == RegistrarEvent::Kind::kRefused) slot.refused = true;
      }
      report(event);
      if (event.kind == RegistrarEvent::Kind::kRefused) return false;
      // A ping slower than the interval skips the ticks it missed.
      const auto now = Deadline::Clock::now();
      do next += options.interval; while (next <= now);
      std::unique_lock<std::mutex> lock(mutex);
      if (wake.wait_until(lock, next, [this] { return stopping; })) return true;
    }
  }
};

Result<Registrar, ClientError> Registrar::start(const std::vector<std::string>& urls,
                                                Registration registration, RegistrarOptions options,
                                                Observer observer) {
  auto state = std::make_unique<State>();
  if (urls.empty()) return ClientError::invalid_url("", "no registry URL given");
  for (const std::string& url : urls) {
    auto registry = RegistryClient::open({url}, options.client);
    if (!registry.ok()) return std::move(registry).error();
    state->slots.push_back({url, std::move(registry).value(), false, false, std::nullopt});
  }
  if (options.interval.count() < 1) options.interval = std::chrono::milliseconds(1);
  state->registration = std::move(registration);
  state->options = std::move(options);
  state->observer = std::move(observer);
  State* s = state.get();
  for (std::size_t i = 0; i < s->slots.size(); ++i) s->workers.emplace_back([s, i] { s->run(i); });
  return Registrar(std::move(state));
}

Registrar::Registrar(std::unique_ptr<State> state) : state_(std::move(state)) {}
Registrar::Registrar(Registrar&&) noexcept = default;
Registrar& Registrar::operator=(Registrar&& other) noexcept {
  if (this != &other) {
    stop();
    state_ = std::move(other.state_);
  }
  return *this;
}
Registrar::~Registrar() { stop(); }

std::vector<RegistrarEvent> Registrar::stop() {
  if (!state_) return {};
  State& s = *state_;
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    if (s.stopped) return {};
    s.stopped = true;
    s.stopping = true;
  }
  s.wake.notify_all();
  for (std::thread& t : s.workers) t.join();
  s.workers.clear();

  // The workers are gone: the slots are ours alone now.
  std::vector<RegistrarEvent> events;
  for (State::Slot& slot : s.slots) {
    if (slot.unregistered) events.push_back(std::move(*slot.unregistered));
  }
  return events;
}

bool Registrar::all_refused() const {
  if (!state_) return false;
  std::lock_guard<std::mutex> lock(state_->mutex);
  for (const State::Slot& slot : state_->slots) {
    if (!slot.refused) return false;
  }
  return true;
}

std::vector<std::string> Registrar::urls() const {
  std::vector<std::string> out;
  if (!state_) return out;
  for (const State::Slot& slot : state_->slots) out.push_back(slot.url);
  return out;
}

}  // namespace gemstone
