#pragma once
// The Store interface's contract as one parameterised suite, run against
// every backend: StoreContractTest, instantiated with the memory store in
// unit_tests and with the etcd store (on a real etcd) in etcd_tests. Only
// what holds without a fake clock is here; each backend's own file keeps
// the rest (expiry by time, the memory store's index steps).

#include <cstddef>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "registry/store/store.hpp"

namespace gemstone::testing {

/// One store under test, with the time its calls are made at.
class StoreUnderTest {
 public:
  virtual ~StoreUnderTest() = default;
  virtual registry::Store& store() = 0;
  virtual registry::Clock::time_point now() const = 0;
};

struct StoreBackend {
  std::string name;
  /// A fresh, empty store holding at most `capacity` instances (0: no limit).
  std::function<std::unique_ptr<StoreUnderTest>(std::size_t capacity)> make;
  /// Run first in each test: may skip it (GTEST_SKIP) or fail it.
  std::function<void()> require = [] {};
};

/// What test names and messages show of a backend: its name.
inline void PrintTo(const StoreBackend& backend, std::ostream* out) { *out << backend.name; }

/// The test name suffix: the backend's name.
inline std::string backend_name(const ::testing::TestParamInfo<StoreBackend>& info) {
  return info.param.name;
}

class StoreContractTest : public ::testing::TestWithParam<StoreBackend> {
 protected:
  void SetUp() override;
  /// A store of this backend; one is made in SetUp with no limit.
  std::unique_ptr<StoreUnderTest> make(std::size_t capacity = 0) const {
    return GetParam().make(capacity);
  }
  registry::Store& store() { return under_test_->store(); }
  registry::Clock::time_point now() const { return under_test_->now(); }

  std::unique_ptr<StoreUnderTest> under_test_;
};

/// The same, with nine service names pinged, for the glob cases.
class StoreLocateTest : public StoreContractTest {
 protected:
  void SetUp() override;
  std::vector<std::string> names(std::string_view pattern);
};

/// Runs the whole contract against `backends` (a ::testing::Values(...)).
#define INSTANTIATE_STORE_CONTRACT(prefix, backends)                                              \
  INSTANTIATE_TEST_SUITE_P(prefix, StoreContractTest, backends, ::gemstone::testing::backend_name); \
  INSTANTIATE_TEST_SUITE_P(prefix, StoreLocateTest, backends, ::gemstone::testing::backend_name)

}  // namespace gemstone::testing
