// Exact replay proves a stored decision by byte equality with the replay,
// not by comparing fields: stored bytes that parse to the same message but
// are not what Decide wrote (here a field written twice) are a change.
#include <sqlite3.h>

#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/audit/decision_replayer.h"
#include "server/bundles/bundle_cache.h"
#include "server/log/sqlite/sqlite_connection.h"
#include "tests/testing/log_builder.h"

namespace refund::server {
namespace {

using ::testing::ElementsAre;

TEST(ExactReplayBytesTest, SameMessageInOtherBytesIsAChange) {
  auto stored = testing::StoredLog::Create(3, /*seed=*/7,
                                           /*compressed=*/false);
  ASSERT_TRUE(stored.ok()) << stored.status();
  {
    auto db = SqliteConnection::Open((*stored)->path, SQLITE_OPEN_READWRITE);
    ASSERT_TRUE(db.ok());
    // Decision.verdict (field 4, varint) written once more with the value it
    // has: the parsed decision is unchanged, its bytes are not.
    const int verdict = (*stored)->decisions[1].verdict();
    ASSERT_TRUE((*db)
                    ->Execute("UPDATE decisions SET decision = decision || "
                              "X'20' || X'0" +
                              std::to_string(verdict) + "' WHERE seq = 2")
                    .ok());
  }
  BundleCache cache(*(*stored)->log);
  std::vector<v1::ReplayResult> results;
  ASSERT_TRUE(RunReplay(*(*stored)->log, cache, {},
                        [&](const v1::ReplayResult& result) {
                          results.push_back(result);
                        })
                  .ok());
  ASSERT_EQ(results.size(), 4u);
  EXPECT_FALSE(results[0].diff().changed());
  const v1::ReplayDiff& edited = results[1].diff();
  EXPECT_EQ(edited.stored().verdict(), (*stored)->decisions[1].verdict());
  EXPECT_TRUE(edited.changed());
  EXPECT_TRUE(edited.integrity_failure());
  EXPECT_THAT(edited.changed_fields(), ElementsAre("(serialization)"));
  EXPECT_FALSE(results[2].diff().changed());
  EXPECT_EQ(results.back().summary().changed(), 1);
}

}  // namespace
}  // namespace refund::server
