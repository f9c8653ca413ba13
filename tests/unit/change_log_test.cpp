#include "registry/daemon/change_log.hpp"

#include <chrono>

#include <gtest/gtest.h>

#include "log_capture.hpp"

namespace gemstone::registry {
namespace {

using gemstone::testing::LogCapture;

Change change(ChangeKind kind, RemovalReason reason, std::string host) {
  Change c;
  c.kind = kind;
  c.reason = reason;
  Instance instance{"svc.a", std::move(host), 8080, "http://x/api", Clock::now(), {}};
  if (kind == ChangeKind::kRemoved) {
    c.before = instance;
  } else {
    c.after = instance;
  }
  return c;
}

TEST(ChangeLogTest, OneDebugLinePerInstanceThatCameChangedOrWent) {
  LogCapture log;
  log_changes({change(ChangeKind::kAdded, RemovalReason::kNone, "10.0.0.5"),
               change(ChangeKind::kUpdated, RemovalReason::kNone, "10.0.0.5"),
               change(ChangeKind::kRemoved, RemovalReason::kUnregistered, "::1"),
               change(ChangeKind::kRemoved, RemovalReason::kExpired, "host.example")});
  EXPECT_EQ(log.text(),
            "debug instance registered: svc.a 10.0.0.5:8080\n"
            "debug instance updated: svc.a 10.0.0.5:8080\n"
            "debug instance unregistered: svc.a [::1]:8080\n"
            "debug instance expired: svc.a host.example:8080\n");
}

TEST(ChangeLogTest, NothingAboveDebug) {
  LogCapture log;
  spdlog::default_logger()->set_level(spdlog::level::info);
  log_changes({change(ChangeKind::kAdded, RemovalReason::kNone, "10.0.0.5")});
  EXPECT_EQ(log.text(), "");
}

}  // namespace
}  // namespace gemstone::registry
