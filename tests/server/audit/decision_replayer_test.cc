#include "server/audit/decision_replayer.h"

#include <sqlite3.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_replace.h"
#include "engine/load/bundle_loader.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "server/audit/replay_request.h"
#include "server/bundles/bundle_cache.h"
#include "server/bundles/candidate_root.h"
#include "server/log/decision_dictionary.h"
#include "server/log/sqlite/sqlite_connection.h"
#include "tests/testing/log_builder.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_bundle.h"

namespace refund::server {
namespace {

using ::refund::testing::StatusIs;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr int kCases = 300;

// The engine tests' bundle with seven_day.approve negotiating instead.
std::shared_ptr<const CompiledBundle> Candidate() {
  std::vector<BundleSourceFile> files = testing::TestBundleFiles();
  for (BundleSourceFile& file : files) {
    file.content = absl::StrReplaceAll(
        file.content,
        {{"verdict: VERDICT_APPROVE", "verdict: VERDICT_NEGOTIATE"}});
  }
  auto bundle = LoadBundle(files);
  EXPECT_TRUE(bundle.ok()) << bundle.status();
  return bundle.ok() ? std::shared_ptr<const CompiledBundle>(*std::move(bundle))
                     : nullptr;
}

class DecisionReplayerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto stored = testing::StoredLog::Create(kCases);
    ASSERT_TRUE(stored.ok()) << stored.status();
    stored_ = *std::move(stored);
    cache_ = std::make_unique<BundleCache>(*stored_->log);
  }

  std::vector<v1::ReplayResult> Replay(ReplayOptions options) {
    std::vector<v1::ReplayResult> results;
    absl::Status status =
        RunReplay(*stored_->log, *cache_, std::move(options),
                  [&](const v1::ReplayResult& r) { results.push_back(r); });
    EXPECT_TRUE(status.ok()) << status;
    return results;
  }

  std::unique_ptr<testing::StoredLog> stored_;
  std::unique_ptr<BundleCache> cache_;
};

TEST_F(DecisionReplayerTest, ExactReplayReproducesEveryDecision) {
  std::vector<v1::ReplayResult> results = Replay({});
  ASSERT_EQ(results.size(), kCases + 1u);
  for (int i = 0; i < kCases; ++i) {
    const v1::ReplayDiff& diff = results[i].diff();
    EXPECT_EQ(diff.seq(), i + 1);
    EXPECT_FALSE(diff.changed()) << diff.DebugString();
    EXPECT_FALSE(diff.integrity_failure());
    EXPECT_EQ(diff.replayed().SerializeAsString(),
              stored_->decisions[i].SerializeAsString());
  }
  const v1::ReplaySummary& summary = results.back().summary();
  EXPECT_EQ(summary.total(), kCases);
  EXPECT_EQ(summary.changed(), 0);
  EXPECT_EQ(summary.integrity_failures(), 0);
  EXPECT_EQ(summary.mode(), v1::REPLAY_MODE_EXACT);
  int64_t transitions = 0;
  for (const v1::VerdictTransition& t : summary.transitions()) {
    EXPECT_EQ(t.from(), t.to());
    transitions += t.count();
  }
  EXPECT_EQ(transitions, kCases);
}

TEST_F(DecisionReplayerTest, CandidateReplayReportsExactlyWhatChanged) {
  std::shared_ptr<const CompiledBundle> candidate = Candidate();
  ASSERT_NE(candidate, nullptr);
  ReplayOptions options;
  options.mode = v1::REPLAY_MODE_CANDIDATE;
  options.candidate = candidate;
  std::vector<v1::ReplayResult> results = Replay(options);
  ASSERT_EQ(results.size(), kCases + 1u);
  int64_t changed = 0;
  int64_t approvals = 0;
  for (int i = 0; i < kCases; ++i) {
    const v1::ReplayDiff& diff = results[i].diff();
    v1::Decision expected = *candidate->Decide(stored_->requests[i]);
    v1::Decision stored = stored_->decisions[i];
    for (v1::Decision* d : {&expected, &stored}) {
      d->clear_policy();
      d->clear_decision_id();
      d->clear_decided_at();
    }
    const bool differs =
        !google::protobuf::util::MessageDifferencer::Equals(stored, expected);
    EXPECT_EQ(diff.changed(), differs) << i;
    changed += differs;
    if (stored.verdict() == v1::VERDICT_APPROVE) {
      ++approvals;
      // Every approval came from the flipped rule.
      EXPECT_TRUE(diff.changed());
      EXPECT_EQ(diff.verdict_to(), v1::VERDICT_NEGOTIATE);
      EXPECT_THAT(std::vector<std::string>(diff.changed_fields().begin(),
                                           diff.changed_fields().end()),
                  Contains("verdict"));
    }
  }
  ASSERT_GT(approvals, 0);
  const v1::ReplaySummary& summary = results.back().summary();
  EXPECT_EQ(summary.changed(), changed);
  EXPECT_EQ(summary.integrity_failures(), 0);
  EXPECT_EQ(summary.candidate_version(), candidate->version());
  bool approve_to_negotiate = false;
  for (const v1::VerdictTransition& t : summary.transitions()) {
    EXPECT_NE(t.to(), v1::VERDICT_APPROVE);
    if (t.from() == v1::VERDICT_APPROVE) {
      EXPECT_EQ(t.to(), v1::VERDICT_NEGOTIATE);
      EXPECT_EQ(t.count(), approvals);
      approve_to_negotiate = true;
    }
  }
  EXPECT_TRUE(approve_to_negotiate);
}

TEST_F(DecisionReplayerTest, LimitFilterAndChangedOnly) {
  ReplayOptions options;
  options.limit = 5;
  std::vector<v1::ReplayResult> results = Replay(options);
  EXPECT_EQ(results.size(), 6u);
  EXPECT_EQ(results.back().summary().total(), 5);

  options = {};
  options.filter.shop_id = "shop-3";
  results = Replay(options);
  int64_t expected = 0;
  for (const v1::RefundRequest& r : stored_->requests) {
    expected += r.shop_id() == "shop-3";
  }
  EXPECT_EQ(results.back().summary().total(), expected);

  options = {};
  options.changed_only = true;
  results = Replay(options);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].summary().total(), kCases);
}

TEST_F(DecisionReplayerTest, SmallPagesGiveTheSameResults) {
  ReplayOptions options;
  options.page_size = 7;
  std::vector<v1::ReplayResult> small = Replay(options);
  std::vector<v1::ReplayResult> large = Replay({});
  ASSERT_EQ(small.size(), large.size());
  for (size_t i = 0; i < small.size(); ++i) {
    EXPECT_EQ(small[i].SerializeAsString(), large[i].SerializeAsString());
  }
}

// changed_only with nothing changed finds no result in the whole log: a
// caller that is gone must be able to stop it between stored decisions.
TEST_F(DecisionReplayerTest, StopEndsAReplayBetweenStoredDecisions) {
  ReplayOptions options;
  options.changed_only = true;
  DecisionReplayer replayer(*stored_->log, *cache_, options);
  int asked = 0;
  EXPECT_THAT(replayer.Next([&asked] { return ++asked > 10; }).status(),
              StatusIs(absl::StatusCode::kCancelled, HasSubstr("cancelled")));
  EXPECT_EQ(asked, 11);
}

TEST_F(DecisionReplayerTest, MissingBundleIsAnErrorPerDecision) {
  {
    auto db = SqliteConnection::Open(stored_->path, SQLITE_OPEN_READWRITE);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)
                    ->Execute("PRAGMA foreign_keys = OFF; "
                              "DELETE FROM bundles")
                    .ok());
  }
  ReplayOptions options;
  options.limit = 3;
  std::vector<v1::ReplayResult> results = Replay(options);
  ASSERT_EQ(results.size(), 4u);
  EXPECT_THAT(results[0].diff().error(), HasSubstr("not stored"));
  EXPECT_TRUE(results[0].diff().integrity_failure());
  EXPECT_EQ(results.back().summary().errors(), 3);
  EXPECT_EQ(results.back().summary().integrity_failures(), 3);
}

TEST_F(DecisionReplayerTest, EditedRowIsAnIntegrityFailureEvenIfItReplays) {
  {
    auto db = SqliteConnection::Open(stored_->path, SQLITE_OPEN_READWRITE);
    ASSERT_TRUE(db.ok());
    // An index edit (the hashed decision is intact) and a decided_at edit
    // (inside the hash).
    ASSERT_TRUE((*db)
                    ->Execute("UPDATE decisions SET shop_id = 'shop-x' "
                              "WHERE seq = 2; UPDATE decisions SET "
                              "decided_at = decided_at + 1 WHERE seq = 4")
                    .ok());
  }
  ReplayOptions options;
  options.limit = 5;
  std::vector<v1::ReplayResult> results = Replay(options);
  ASSERT_EQ(results.size(), 6u);
  const v1::ReplayDiff& shop = results[1].diff();
  EXPECT_FALSE(shop.changed());
  EXPECT_TRUE(shop.integrity_failure());
  ASSERT_EQ(shop.integrity_problems_size(), 1);
  EXPECT_THAT(shop.integrity_problems(0), HasSubstr("column shop_id"));
  const v1::ReplayDiff& time = results[3].diff();
  EXPECT_TRUE(time.integrity_failure());
  EXPECT_THAT(time.integrity_problems(0), HasSubstr("row_hash"));
  EXPECT_FALSE(results[0].diff().integrity_failure());
  EXPECT_EQ(results.back().summary().integrity_failures(), 2);

  // Candidate replay is about the policy, not the log's integrity.
  options.mode = v1::REPLAY_MODE_CANDIDATE;
  options.candidate = stored_->bundle;
  results = Replay(options);
  EXPECT_EQ(results[1].diff().integrity_problems_size(), 0);
  EXPECT_EQ(results.back().summary().integrity_failures(), 0);
}

struct BadRequestCase {
  const char* name;
  void (*mutate)(v1::ReplayRequest&);
  const char* field;
};

TEST_F(DecisionReplayerTest, BadRequestsNameTheField) {
  const BadRequestCase cases[] = {
      {"NoMode", [](v1::ReplayRequest&) {}, "mode"},
      {"NegativeLimit",
       [](v1::ReplayRequest& r) {
         r.set_mode(v1::REPLAY_MODE_EXACT);
         r.set_limit(-1);
       },
       "limit"},
      {"PageToken",
       [](v1::ReplayRequest& r) {
         r.set_mode(v1::REPLAY_MODE_EXACT);
         r.mutable_filter()->set_page_token("x");
       },
       "filter.page_token"},
      {"BadVerdict",
       [](v1::ReplayRequest& r) {
         r.set_mode(v1::REPLAY_MODE_EXACT);
         r.mutable_filter()->set_verdict(static_cast<v1::Verdict>(42));
       },
       "filter.verdict"},
      {"CandidateInExactMode",
       [](v1::ReplayRequest& r) {
         r.set_mode(v1::REPLAY_MODE_EXACT);
         r.set_candidate_version("abc");
       },
       "candidate_version"},
      {"NoCandidate",
       [](v1::ReplayRequest& r) { r.set_mode(v1::REPLAY_MODE_CANDIDATE); },
       "candidate"},
      {"UnknownCandidateVersion",
       [](v1::ReplayRequest& r) {
         r.set_mode(v1::REPLAY_MODE_CANDIDATE);
         r.set_candidate_version("abc");
       },
       "candidate_version: abc is not stored"},
      {"BrokenCandidate",
       [](v1::ReplayRequest& r) {
         r.set_mode(v1::REPLAY_MODE_CANDIDATE);
         v1::SourceFile* file = r.mutable_candidate()->add_files();
         file->set_path("rules.textproto");
         file->set_content("rules { id: \"x\" when: \"request.nope\" }");
       },
       "rules.textproto:1"},
  };
  for (const BadRequestCase& test_case : cases) {
    SCOPED_TRACE(test_case.name);
    v1::ReplayRequest request;
    test_case.mutate(request);
    absl::StatusOr<ReplayOptions> options =
        ReplayOptionsFromRequest(request, *cache_, CandidateRoot());
    EXPECT_THAT(options, StatusIs(absl::StatusCode::kInvalidArgument,
                                  HasSubstr(test_case.field)));
  }
}

// A candidate directory is read under the candidate root, as
// ValidatePolicyBundle reads it (server/bundles/bundle_source.h).
TEST_F(DecisionReplayerTest, CandidateDirectoryIsReadUnderTheCandidateRoot) {
  testing::TempDir root;
  for (const BundleSourceFile& file : testing::TestBundleFiles()) {
    root.Write("next/" + file.path, file.content);
  }
  v1::ReplayRequest request;
  request.set_mode(v1::REPLAY_MODE_CANDIDATE);
  request.mutable_candidate()->set_directory("next");
  EXPECT_THAT(ReplayOptionsFromRequest(request, *cache_, CandidateRoot()),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("candidate.directory: this server takes no "
                                 "candidate directories")));
  absl::StatusOr<CandidateRoot> candidate_root =
      CandidateRoot::Open(root.path());
  ASSERT_TRUE(candidate_root.ok()) << candidate_root.status();
  absl::StatusOr<ReplayOptions> options =
      ReplayOptionsFromRequest(request, *cache_, *candidate_root);
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->candidate->version(), stored_->bundle->version());

  request.mutable_candidate()->set_directory(root.path() + "/next");
  EXPECT_THAT(ReplayOptionsFromRequest(request, *cache_, *candidate_root),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("candidate.directory: ")));
  root.Write("broken/bundle.textproto", "password: hunter2\n");
  request.mutable_candidate()->set_directory("broken");
  EXPECT_THAT(
      ReplayOptionsFromRequest(request, *cache_, *candidate_root),
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(HasSubstr("bundle.textproto:1:"),
                     Not(HasSubstr("hunter2")), Not(HasSubstr("password")))));
}

TEST_F(DecisionReplayerTest, CandidateByStoredVersion) {
  std::shared_ptr<const CompiledBundle> candidate = Candidate();
  ASSERT_NE(candidate, nullptr);
  ASSERT_TRUE(stored_->log
                  ->PutBundle(candidate->version(), candidate->name(),
                              candidate->canonical_text(),
                              BuildDecisionDictionary(*candidate))
                  .ok());
  v1::ReplayRequest request;
  request.set_mode(v1::REPLAY_MODE_CANDIDATE);
  request.set_candidate_version(candidate->version());
  absl::StatusOr<ReplayOptions> options =
      ReplayOptionsFromRequest(request, *cache_, CandidateRoot());
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->candidate->version(), candidate->version());
  std::vector<v1::ReplayResult> results = Replay(*std::move(options));
  EXPECT_GT(results.back().summary().changed(), 0);
}

}  // namespace
}  // namespace refund::server
