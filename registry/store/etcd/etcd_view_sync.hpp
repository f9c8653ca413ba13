#pragma once
// Keeps an EtcdView current, on a thread of its own: list every instance,
// then watch from the list's revision + 1 and apply each message. A watch
// that breaks is made again from the view's revision + 1, on whichever
// member answers; one that etcd cancels because that revision was compacted
// away, or that cannot be made, leads to a new list, which the view
// reconciles (so watchers of the view miss nothing). Retries back off up to
// a second and are logged once per outage.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "registry/store/etcd/etcd_gateway.hpp"
#include "registry/store/etcd/etcd_view.hpp"

namespace gemstone::registry::etcd {

class EtcdViewSync {
 public:
  /// `idle`: a watch stream quiet this long is made again (it also bounds
  /// how long a member that vanished without a word goes unnoticed).
  EtcdViewSync(EtcdGateway& gateway, EtcdView& view,
               std::chrono::milliseconds idle = std::chrono::seconds(30));
  ~EtcdViewSync();
  EtcdViewSync(const EtcdViewSync&) = delete;
  EtcdViewSync& operator=(const EtcdViewSync&) = delete;

  void start();
  void stop();

  /// A first complete list has been applied: the view may be served.
  bool ready() const { return ready_.load(); }
  /// The watch is established now: the view follows etcd.
  bool connected() const { return connected_.load(); }
  /// Lists made (the first, and one per compaction or failed watch).
  std::uint64_t lists() const { return lists_.load(); }

 private:
  void run();
  bool list();                // whether the view was replaced
  bool watch(bool& relist);  // whether the stream ever came up
  void pause(std::chrono::milliseconds how_long);

  EtcdGateway& gateway_;
  EtcdView& view_;
  const std::chrono::milliseconds idle_;

  std::atomic<bool> ready_{false};
  std::atomic<bool> connected_{false};
  std::atomic<std::uint64_t> lists_{0};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // under mutex_
  std::thread thread_;
};

}  // namespace gemstone::registry::etcd
