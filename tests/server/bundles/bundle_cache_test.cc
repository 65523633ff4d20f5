#include "server/bundles/bundle_cache.h"

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "engine/load/bundle_loader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/log/sqlite/sqlite_decision_log.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_bundle.h"

namespace refund::server {
namespace {

using ::refund::testing::StatusIs;
using ::testing::_;

class BundleCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<SqliteDecisionLog>> log =
        SqliteDecisionLog::Open(dir_.path() + "/log.db");
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = *std::move(log);
    absl::StatusOr<std::unique_ptr<const CompiledBundle>> bundle =
        LoadBundle(testing::TestBundleFiles());
    ASSERT_TRUE(bundle.ok()) << bundle.status();
    bundle_ = *std::move(bundle);
  }
  // Declared before log_, so that the log is closed before the directory
  // goes.
  testing::TempDir dir_;
  std::unique_ptr<SqliteDecisionLog> log_;
  std::shared_ptr<const CompiledBundle> bundle_;
};

TEST_F(BundleCacheTest, CompilesAStoredVersionToTheSameBundle) {
  ASSERT_TRUE(log_->PutBundle(bundle_->version(), bundle_->name(),
                              bundle_->canonical_text(), "")
                  .ok());
  BundleCache cache(*log_);
  absl::StatusOr<std::shared_ptr<const CompiledBundle>> got =
      cache.Get(bundle_->version());
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_NE(got->get(), bundle_.get());
  EXPECT_EQ((*got)->version(), bundle_->version());
  EXPECT_EQ((*got)->Decide(testing::SevenDayReturn())->SerializeAsString(),
            bundle_->Decide(testing::SevenDayReturn())->SerializeAsString());
  // The second lookup is the same compiled bundle.
  EXPECT_EQ(cache.Get(bundle_->version())->get(), got->get());
}

TEST_F(BundleCacheTest, AnOfferedBundleIsNotRecompiled) {
  BundleCache cache(*log_);
  cache.Add(bundle_);
  absl::StatusOr<std::shared_ptr<const CompiledBundle>> got =
      cache.Get(bundle_->version());
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->get(), bundle_.get());
}

TEST_F(BundleCacheTest, AnUnknownVersionIsNotFound) {
  BundleCache cache(*log_);
  EXPECT_THAT(cache.Get("no-such-version"),
              StatusIs(absl::StatusCode::kNotFound, _));
}

TEST_F(BundleCacheTest, AlteredBundleTextIsDataLoss) {
  ASSERT_TRUE(log_->PutBundle(bundle_->version(), bundle_->name(),
                              bundle_->canonical_text() +
                                  "\nconstants { name: \"x\" value: \"1\" }\n",
                              "")
                  .ok());
  BundleCache cache(*log_);
  EXPECT_THAT(cache.Get(bundle_->version()),
              StatusIs(absl::StatusCode::kDataLoss, _));
}

TEST_F(BundleCacheTest, KeepsOnlyTheMostRecentlyUsed) {
  ASSERT_TRUE(log_->PutBundle(bundle_->version(), bundle_->name(),
                              bundle_->canonical_text(), "")
                  .ok());
  BundleCache cache(*log_, /*capacity=*/1);
  std::shared_ptr<const CompiledBundle> first = *cache.Get(bundle_->version());
  // A different version pushes the first one out.
  absl::StatusOr<std::unique_ptr<const CompiledBundle>> changed =
      LoadBundleFromCanonicalText(bundle_->canonical_text() +
                                  "\nconstants { name: \"x\" value: \"1\" }\n");
  ASSERT_TRUE(changed.ok()) << changed.status();
  cache.Add(*std::move(changed));
  EXPECT_NE(cache.Get(bundle_->version())->get(), first.get());
}

}  // namespace
}  // namespace refund::server
