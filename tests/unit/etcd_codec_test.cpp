// The etcd gateway codec against answers recorded from a real etcd 3.4
// (tests/data/etcd, made by record.sh there).
#include "registry/store/etcd/etcd_codec.hpp"

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "gemstone/jsonrpc/json.hpp"

namespace gemstone::registry::etcd {
namespace {

std::string recorded(const std::string& name) {
  std::ifstream in(std::string(GEMSTONE_TESTS_DIR) + "/data/etcd/" + name);
  EXPECT_TRUE(in) << name;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

const std::string kKey = "/rec/instances/svc.a/10.0.0.5/8080";

TEST(EtcdCodecTest, Base64RoundTripsEveryLengthAndByte) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes += static_cast<char>(i);
  for (std::size_t n = 0; n <= bytes.size(); n += 1) {
    const std::string part = bytes.substr(0, n);
    EXPECT_EQ(base64_decode(base64_encode(part)), part) << n;
  }
  EXPECT_EQ(base64_encode("/g/"), "L2cv");
  EXPECT_EQ(base64_encode("a"), "YQ==");
  EXPECT_EQ(base64_encode("ab"), "YWI=");
}

TEST(EtcdCodecTest, Base64RefusesWhatIsNotBase64) {
  EXPECT_FALSE(base64_decode("YQ="));    // length
  EXPECT_FALSE(base64_decode("Y!==")); // alphabet
  EXPECT_FALSE(base64_decode("Y=Q="));  // padding inside
  EXPECT_FALSE(base64_decode("YQ==YQ=="));
}

TEST(EtcdCodecTest, PrefixRangeEndIsThePrefixWithItsLastByteRaised) {
  EXPECT_EQ(prefix_range_end("/g/"), "/g0");
  EXPECT_EQ(prefix_range_end("/a/instances/"), "/a/instances0");
  EXPECT_EQ(prefix_range_end(std::string("a\xff", 2)), "b");
}

TEST(EtcdCodecTest, RequestsCarryBase64KeysAndNumbersAsStrings) {
  EXPECT_EQ(range_request("/g/", "/g0", 0, 0), R"({"key":"L2cv","range_end":"L2cw"})");
  EXPECT_EQ(range_request("/g/", "/g0", 100, 42),
            R"({"key":"L2cv","range_end":"L2cw","limit":"100","revision":"42"})");
  EXPECT_EQ(lease_grant_request(3), R"({"TTL":"3"})");
  EXPECT_EQ(lease_id_request(2324035709323441954), R"({"ID":"2324035709323441954"})");
  EXPECT_EQ(put_request("k", "v", 0), R"({"key":"aw==","value":"dg=="})");
  EXPECT_EQ(put_request("k", "v", 7), R"({"key":"aw==","value":"dg==","lease":"7"})");
  EXPECT_EQ(watch_request("/g/", "/g0", 5),
            R"({"create_request":{"key":"L2cv","range_end":"L2cw","start_revision":"5","prev_kv":true}})");
}

TEST(EtcdCodecTest, CreateIfAbsentComparesTheCreateRevisionWithZero) {
  const auto doc = jsonrpc::parse_json(create_if_absent_request("k", "v", 9));
  ASSERT_TRUE(doc.ok());
  const auto& v = doc.value();
  EXPECT_STREQ(v["compare"][0]["target"].GetString(), "CREATE");
  EXPECT_STREQ(v["compare"][0]["result"].GetString(), "EQUAL");
  EXPECT_STREQ(v["compare"][0]["create_revision"].GetString(), "0");
  EXPECT_STREQ(v["success"][0]["request_put"]["lease"].GetString(), "9");
  EXPECT_STREQ(v["failure"][0]["request_range"]["key"].GetString(), "aw==");
}

TEST(EtcdCodecTest, DeleteWithMarkerDeletesOnlyAnExistingKeyAndNamesIt) {
  const auto doc = jsonrpc::parse_json(delete_with_marker_request("k", "/m"));
  ASSERT_TRUE(doc.ok());
  const auto& v = doc.value();
  EXPECT_STREQ(v["compare"][0]["result"].GetString(), "GREATER");
  EXPECT_STREQ(v["success"][0]["request_delete_range"]["key"].GetString(), "aw==");
  EXPECT_STREQ(v["success"][1]["request_put"]["key"].GetString(), "L20=");
  EXPECT_STREQ(v["success"][1]["request_put"]["value"].GetString(), "aw==");
}

TEST(EtcdCodecTest, EmptyRangeHasNoKvsAndNoCount) {
  auto range = parse_range(recorded("range_empty.json"));
  ASSERT_TRUE(range.ok()) << range.error();
  EXPECT_EQ(range.value().revision, 8);
  EXPECT_TRUE(range.value().kvs.empty());
  EXPECT_FALSE(range.value().more);
}

TEST(EtcdCodecTest, RangeDecodesKeysValuesLeasesAndRevisions) {
  auto range = parse_range(recorded("range_one.json"));
  ASSERT_TRUE(range.ok()) << range.error();
  ASSERT_EQ(range.value().kvs.size(), 1u);
  const KeyValue& kv = range.value().kvs[0];
  EXPECT_EQ(kv.key, kKey);
  EXPECT_EQ(kv.lease, 2324035709323441954);
  EXPECT_EQ(kv.create_revision, 9);
  EXPECT_EQ(kv.mod_revision, 9);
  auto value = parse_instance_value(kv.value);
  ASSERT_TRUE(value.ok()) << value.error();
  EXPECT_EQ(value.value().url, "http://10.0.0.5:8080/api");
  EXPECT_EQ(value.value().meta, (Meta{{"zone", "eu-1"}}));
  EXPECT_EQ(value.value().ttl, 3);
}

TEST(EtcdCodecTest, LeaseGrantGivesTheTtlEtcdChoseNotTheOneAsked) {
  auto lease = parse_lease_grant(recorded("lease_grant.json"));
  ASSERT_TRUE(lease.ok());
  EXPECT_EQ(lease.value().id, 2324035709323441954);
  EXPECT_EQ(lease.value().ttl, 3);
  auto raised = parse_lease_grant(recorded("lease_grant_raised.json"));  // asked for 1
  ASSERT_TRUE(raised.ok());
  EXPECT_EQ(raised.value().ttl, 2);
}

TEST(EtcdCodecTest, KeepaliveOfAGoneLeaseHasNoTtl) {
  auto alive = parse_keepalive(recorded("keepalive.json"));
  ASSERT_TRUE(alive.ok()) << alive.error();
  EXPECT_EQ(alive.value().ttl, 3);
  auto gone = parse_keepalive(recorded("keepalive_lease_gone.json"));
  ASSERT_TRUE(gone.ok()) << gone.error();
  EXPECT_EQ(gone.value().id, 2324035709323441954);
  EXPECT_EQ(gone.value().ttl, 0);
}

TEST(EtcdCodecTest, CreateTxnSucceededOrFoundTheExistingKeyWithItsLease) {
  auto made = parse_txn(recorded("txn_create_succeeded.json"));
  ASSERT_TRUE(made.ok());
  EXPECT_TRUE(made.value().succeeded);
  EXPECT_EQ(made.value().revision, 9);
  EXPECT_FALSE(made.value().existing);

  auto found = parse_txn(recorded("txn_create_existing.json"));
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(found.value().succeeded);  // the field is left out, not false
  ASSERT_TRUE(found.value().existing);
  EXPECT_EQ(found.value().existing->key, kKey);
  EXPECT_EQ(found.value().existing->lease, 2324035709323441954);
}

TEST(EtcdCodecTest, UnregisterTxnCountsTheDeletedKey) {
  auto deleted = parse_txn(recorded("txn_unregister_succeeded.json"));
  ASSERT_TRUE(deleted.ok());
  EXPECT_TRUE(deleted.value().succeeded);
  EXPECT_EQ(deleted.value().deleted, 1);
  auto absent = parse_txn(recorded("txn_unregister_absent.json"));
  ASSERT_TRUE(absent.ok());
  EXPECT_FALSE(absent.value().succeeded);
  EXPECT_EQ(absent.value().deleted, 0);
}

TEST(EtcdCodecTest, ErrorAnswersAreErrorsWithTheirCode) {
  auto error = parse_error(recorded("put_lease_not_found.json"));
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, kNotFound);
  EXPECT_EQ(error->message, "etcdserver: requested lease not found");
  EXPECT_FALSE(parse_put(recorded("put_lease_not_found.json")).ok());
  EXPECT_FALSE(parse_error(recorded("put.json")));
  auto put = parse_put(recorded("put.json"));
  ASSERT_TRUE(put.ok());
  EXPECT_EQ(put.value(), 10);
}

TEST(EtcdCodecTest, WatchStreamGivesPutsDeletesAndTheUnregisterMarker) {
  const auto messages = lines(recorded("watch_stream.txt"));
  ASSERT_EQ(messages.size(), 6u);
  auto created = parse_watch_message(messages[0]);
  ASSERT_TRUE(created.ok());
  EXPECT_TRUE(created.value().created);
  EXPECT_TRUE(created.value().events.empty());

  auto put = parse_watch_message(messages[1]);
  ASSERT_TRUE(put.ok()) << put.error();
  ASSERT_EQ(put.value().events.size(), 1u);
  EXPECT_FALSE(put.value().events[0].deleted);  // a put has no "type"
  EXPECT_EQ(put.value().events[0].kv.key, kKey);
  EXPECT_FALSE(put.value().events[0].prev);

  auto replaced = parse_watch_message(messages[2]);
  ASSERT_TRUE(replaced.ok());
  ASSERT_TRUE(replaced.value().events[0].prev);
  EXPECT_EQ(replaced.value().events[0].kv.mod_revision, 10);

  auto unregistered = parse_watch_message(messages[3]);
  ASSERT_TRUE(unregistered.ok());
  ASSERT_EQ(unregistered.value().events.size(), 2u);
  EXPECT_TRUE(unregistered.value().events[0].deleted);
  EXPECT_EQ(unregistered.value().events[0].kv.value, "");  // a delete carries no value
  EXPECT_EQ(unregistered.value().events[1].kv.key, "/rec/unregistered");
  EXPECT_EQ(unregistered.value().events[1].kv.value, kKey);

  auto expired = parse_watch_message(messages[5]);
  ASSERT_TRUE(expired.ok());
  ASSERT_EQ(expired.value().events.size(), 1u);
  EXPECT_TRUE(expired.value().events[0].deleted);
  ASSERT_TRUE(expired.value().events[0].prev);
  EXPECT_EQ(expired.value().events[0].prev->lease, 2324035709323441966);
}

TEST(EtcdCodecTest, CompactedWatchIsCanceledWithTheCompactRevision) {
  const auto messages = lines(recorded("watch_compacted.txt"));
  ASSERT_EQ(messages.size(), 2u);
  auto canceled = parse_watch_message(messages[1]);
  ASSERT_TRUE(canceled.ok());
  EXPECT_TRUE(canceled.value().canceled);
  EXPECT_EQ(canceled.value().compact_revision, 13);
  EXPECT_EQ(canceled.value().revision, 0);  // the header has no revision here
}

TEST(EtcdCodecTest, MalformedAnswersAreErrorsNotCrashes) {
  for (const char* body : {"", "{", "[]", R"({"kvs":5})", R"({"kvs":[{"key":"!!"}]})",
                           R"({"kvs":[{"key":"aw==","lease":"x"}]})", R"({"kvs":[7]})"}) {
    EXPECT_FALSE(parse_range(body).ok()) << body;
  }
  for (const char* line : {"", "{}", R"({"result":7})", R"({"result":{"events":[{}]}})",
                           R"({"result":{"events":{}}})", R"({"error":"x","code":2})"}) {
    EXPECT_FALSE(parse_watch_message(line).ok()) << line;
  }
  EXPECT_FALSE(parse_keepalive(R"({"header":{}})").ok());
  EXPECT_FALSE(parse_txn("not json").ok());
}

TEST(EtcdCodecTest, InstanceValuesRoundTripAndRefuseOtherValues) {
  const Meta meta{{"a", "1"}, {"zone", "eu \"1\""}};
  auto value = parse_instance_value(instance_value("http://h:1/api", meta, 90));
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(value.value().url, "http://h:1/api");
  EXPECT_EQ(value.value().meta, meta);
  EXPECT_EQ(value.value().ttl, 90);
  EXPECT_FALSE(parse_instance_value("plain text").ok());
  EXPECT_FALSE(parse_instance_value(R"({"meta":{}})").ok());
  EXPECT_FALSE(parse_instance_value(R"({"url":"u","meta":{"k":1}})").ok());
}

}  // namespace
}  // namespace gemstone::registry::etcd
