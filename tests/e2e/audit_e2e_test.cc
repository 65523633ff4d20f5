// End-to-end audit tests (issue 4): thousands of generated requests decided
// through the real refund-server on the shipped policies, then
// - replayed exactly (Replay RPC and `refundctl replay --db`): every
//   decision reproduced byte for byte;
// - replayed under a candidate bundle with one rule's verdict flipped:
//   exactly the cases an independent in-process oracle says differ are
//   reported changed, with the same verdict transitions;
// - a copy of the log tampered with the sqlite3 shell (edited column, edited
//   decision blob, deleted middle row, deleted last row, swapped rows,
//   deleted bundle): `refundctl verify` exits 1 naming the row.
#include <stdio.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "engine/load/bundle_loader.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "refund/v1/service.grpc.pb.h"
#include "tests/e2e/shell_command.h"
#include "tests/testing/request_generator.h"
#include "tests/testing/server_process.h"
#include "tests/testing/temp_dir.h"

namespace refund::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr int kCases = 2000;
constexpr char kFlippedRule[] = "seven_day.approve_within_window";

std::string Quote(const std::string& text) {
  return absl::StrCat("'", absl::StrReplaceAll(text, {{"'", "'\\''"}}), "'");
}

std::string Sqlite(const std::string& db, const std::string& sql) {
  return absl::StrCat("sqlite3 ", Quote(db), " ", Quote(sql));
}

std::string Refundctl(const std::string& args) {
  return absl::StrCat(REFUNDCTL_BINARY, " ", args);
}

std::string ReadText(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The shipped policies with kFlippedRule's verdict turned from APPROVE to
// NEGOTIATE, in `dir`.
void WriteCandidate(const std::filesystem::path& dir) {
  std::filesystem::copy(REFUND_POLICIES_DIR, dir,
                        std::filesystem::copy_options::recursive);
  const std::filesystem::path file = dir / "rules" / "01_seven_day.textproto";
  std::string text = ReadText(file);
  const size_t rule = text.find(absl::StrCat("id: \"", kFlippedRule, "\""));
  ASSERT_NE(rule, std::string::npos);
  const size_t verdict = text.find("verdict: VERDICT_APPROVE", rule);
  ASSERT_NE(verdict, std::string::npos);
  text.replace(verdict, strlen("verdict: VERDICT_APPROVE"),
               "verdict: VERDICT_NEGOTIATE");
  std::ofstream(file, std::ios::binary | std::ios::trunc) << text;
}

// A decision without what differs between two bundles by construction.
v1::Decision Comparable(v1::Decision decision) {
  decision.clear_policy();
  decision.clear_decision_id();
  decision.clear_decided_at();
  return decision;
}

class AuditE2ETest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new refund::testing::TempDir();
    absl::StatusOr<std::unique_ptr<ServerProcess>> server =
        ServerProcess::Start(REFUND_SERVER_BINARY, REFUND_POLICIES_DIR,
                             (dir() / "decisions.db").string());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = server->release();

    requests_ = new std::vector<v1::RefundRequest>();
    testing::RequestGenerator generator(20260501);
    for (int i = 0; i < kCases; ++i) {
      requests_->push_back(generator.Next("audit"));
    }
    // Several clients at once, so that the log batches commits.
    decisions_ = new std::map<std::string, v1::Decision>();
    absl::Mutex mu;
    std::atomic<int> next{0};
    std::atomic<int> failures{0};
    std::vector<std::thread> clients;
    for (int t = 0; t < 8; ++t) {
      clients.emplace_back([&] {
        auto stub = server_->NewStub();
        for (int i = next++; i < kCases; i = next++) {
          grpc::ClientContext context;
          v1::DecideRequest call;
          *call.mutable_request() = (*requests_)[i];
          v1::Decision decision;
          grpc::Status status = stub->Decide(&context, call, &decision);
          if (!status.ok()) {
            ADD_FAILURE() << (*requests_)[i].request_id() << ": "
                          << status.error_message();
            ++failures;
            continue;
          }
          absl::MutexLock lock(&mu);
          (*decisions_)[decision.decision_id()] = std::move(decision);
        }
      });
    }
    for (std::thread& client : clients) client.join();
    ASSERT_EQ(failures.load(), 0);
    // An audit copy, consistent even while the server runs (backup API).
    Backup(backup_path());
  }

  static void TearDownTestSuite() {
    if (server_ != nullptr) {
      EXPECT_TRUE(server_->Stop().ok());
      delete server_;
      server_ = nullptr;
    }
    delete dir_;
    delete requests_;
    delete decisions_;
  }

  static void Backup(const std::string& to) {
    CommandResult backup =
        RunCommand(Sqlite((dir() / "decisions.db").string(),
                          absl::StrCat(".backup ", Quote(to))));
    ASSERT_EQ(backup.exit_code, 0) << backup.output;
  }
  static std::string backup_path() {
    return (dir() / "audit-copy.db").string();
  }

  // A fresh copy of the audit copy, to tamper with.
  std::string CopyOfLog(const std::string& name) {
    const std::string path = (dir() / name).string();
    std::filesystem::copy_file(
        backup_path(), path, std::filesystem::copy_options::overwrite_existing);
    return path;
  }

  // Every result of a Replay call; the summary last.
  std::vector<v1::ReplayResult> ReplayOnServer(const v1::ReplayRequest& request,
                                               grpc::Status* status) {
    auto stub = server_->NewStub();
    grpc::ClientContext context;
    auto reader = stub->Replay(&context, request);
    std::vector<v1::ReplayResult> results;
    v1::ReplayResult result;
    while (reader->Read(&result)) results.push_back(result);
    *status = reader->Finish();
    return results;
  }

  static std::filesystem::path dir() { return dir_->path(); }

  // The suite's directory: the log, its audit copy and the tampered copies.
  static refund::testing::TempDir* dir_;
  static ServerProcess* server_;
  static std::vector<v1::RefundRequest>* requests_;
  static std::map<std::string, v1::Decision>* decisions_;
};

refund::testing::TempDir* AuditE2ETest::dir_ = nullptr;
ServerProcess* AuditE2ETest::server_ = nullptr;
std::vector<v1::RefundRequest>* AuditE2ETest::requests_ = nullptr;
std::map<std::string, v1::Decision>* AuditE2ETest::decisions_ = nullptr;

TEST_F(AuditE2ETest, ExactReplayReproducesEveryDecision) {
  v1::ReplayRequest request;
  request.set_mode(v1::REPLAY_MODE_EXACT);
  grpc::Status status;
  std::vector<v1::ReplayResult> results = ReplayOnServer(request, &status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(results.size(), kCases + 1u);
  std::set<std::string> seen;
  for (size_t i = 0; i < kCases; ++i) {
    ASSERT_TRUE(results[i].has_diff());
    const v1::ReplayDiff& diff = results[i].diff();
    EXPECT_FALSE(diff.changed()) << diff.decision_id() << ": "
                                 << diff.changed_fields_size() << " fields";
    EXPECT_EQ(diff.error(), "");
    auto answered = decisions_->find(diff.decision_id());
    ASSERT_NE(answered, decisions_->end());
    // What the client was answered is what is stored and what replays.
    EXPECT_EQ(diff.stored().SerializeAsString(),
              answered->second.SerializeAsString());
    EXPECT_EQ(diff.replayed().SerializeAsString(),
              answered->second.SerializeAsString());
    seen.insert(diff.decision_id());
  }
  EXPECT_EQ(seen.size(), static_cast<size_t>(kCases));
  ASSERT_TRUE(results.back().has_summary());
  const v1::ReplaySummary& summary = results.back().summary();
  EXPECT_EQ(summary.total(), kCases);
  EXPECT_EQ(summary.changed(), 0);
  EXPECT_EQ(summary.integrity_failures(), 0);
  EXPECT_EQ(summary.errors(), 0);

  // Offline on the audit copy, through the command line.
  CommandResult offline = RunCommand(
      Refundctl(absl::StrCat("replay --db=", backup_path(), " --format=csv")));
  EXPECT_EQ(offline.exit_code, 0) << offline.output.substr(0, 2000);
  // The CSV is plain (no `#` lines); its summary goes to stderr, which
  // RunCommand interleaves with stdout.
  EXPECT_THAT(offline.output,
              HasSubstr(absl::StrCat("exact replay: ", kCases,
                                     " decisions, 0 changed, 0 integrity "
                                     "failures, 0 errors")));
  EXPECT_THAT(offline.output, Not(HasSubstr("# exact replay")));
}

TEST_F(AuditE2ETest, CandidateReplayChangesExactlyTheAffectedCases) {
  const std::filesystem::path candidate_dir = dir() / "candidate";
  ASSERT_NO_FATAL_FAILURE(WriteCandidate(candidate_dir));

  // The oracle: both bundles in this process, decision by decision.
  auto shipped = LoadBundleFromDirectory(REFUND_POLICIES_DIR);
  auto candidate = LoadBundleFromDirectory(candidate_dir.string());
  ASSERT_TRUE(shipped.ok()) << shipped.status();
  ASSERT_TRUE(candidate.ok()) << candidate.status();
  ASSERT_EQ((*shipped)->version(), server_->version());
  std::map<std::string, bool> expected_changed;  // by request_id
  std::map<std::pair<int, int>, int64_t> expected_transitions;
  for (const v1::RefundRequest& request : *requests_) {
    auto before = (*shipped)->Decide(request);
    auto after = (*candidate)->Decide(request);
    ASSERT_TRUE(before.ok() && after.ok()) << request.request_id();
    expected_changed[request.request_id()] =
        !google::protobuf::util::MessageDifferencer::Equals(Comparable(*before),
                                                            Comparable(*after));
    ++expected_transitions[{before->verdict(), after->verdict()}];
  }
  int64_t expected_count = 0;
  for (const auto& [id, changed] : expected_changed) expected_count += changed;
  // The flipped rule matters for some cases and not for all.
  ASSERT_GT(expected_count, 0);
  ASSERT_LT(expected_count, kCases);

  v1::ReplayRequest request;
  request.set_mode(v1::REPLAY_MODE_CANDIDATE);
  absl::StatusOr<std::vector<BundleSourceFile>> files =
      ReadBundleDirectory(candidate_dir.string());
  ASSERT_TRUE(files.ok()) << files.status();
  for (const BundleSourceFile& file : *files) {
    v1::SourceFile* out = request.mutable_candidate()->add_files();
    out->set_path(file.path);
    out->set_content(file.content);
  }
  grpc::Status status;
  std::vector<v1::ReplayResult> results = ReplayOnServer(request, &status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(results.size(), kCases + 1u);
  for (size_t i = 0; i < kCases; ++i) {
    const v1::ReplayDiff& diff = results[i].diff();
    const std::string& request_id = diff.stored().request_id();
    EXPECT_EQ(diff.changed(), expected_changed.at(request_id)) << request_id;
    EXPECT_EQ(diff.error(), "");
    EXPECT_FALSE(diff.integrity_failure());
    if (diff.changed()) {
      // Only the flipped rule's verdict changed, so the change is the
      // verdict (and what follows from it), never the policy version alone.
      EXPECT_THAT(std::vector<std::string>(diff.changed_fields().begin(),
                                           diff.changed_fields().end()),
                  ::testing::Not(::testing::Contains("policy.version")));
    }
  }
  const v1::ReplaySummary& summary = results.back().summary();
  EXPECT_EQ(summary.total(), kCases);
  EXPECT_EQ(summary.changed(), expected_count);
  EXPECT_EQ(summary.candidate_version(), (*candidate)->version());
  std::map<std::pair<int, int>, int64_t> transitions;
  for (const v1::VerdictTransition& t : summary.transitions()) {
    transitions[{t.from(), t.to()}] = t.count();
  }
  EXPECT_EQ(transitions, expected_transitions);

  // The same offline, through the command line.
  CommandResult offline = RunCommand(Refundctl(absl::StrCat(
      "replay --db=", backup_path(), " --candidate=", candidate_dir.string(),
      " --changed-only --format=json")));
  EXPECT_EQ(offline.exit_code, 0) << offline.output.substr(0, 2000);
  std::vector<std::string> lines =
      absl::StrSplit(offline.output, '\n', absl::SkipEmpty());
  EXPECT_EQ(static_cast<int64_t>(lines.size()), expected_count + 1);
}

TEST_F(AuditE2ETest, ReplayFiltersByRule) {
  int64_t expected = 0;
  for (const auto& [id, decision] : *decisions_) {
    for (const v1::MatchedRule& rule : decision.matched_rules()) {
      expected += rule.rule_id() == kFlippedRule;
    }
  }
  v1::ReplayRequest request;
  request.set_mode(v1::REPLAY_MODE_EXACT);
  request.mutable_filter()->set_rule_id(kFlippedRule);
  grpc::Status status;
  std::vector<v1::ReplayResult> results = ReplayOnServer(request, &status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(results.back().summary().total(), expected);

  request.set_limit(7);
  results = ReplayOnServer(request, &status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(results.back().summary().total(), std::min<int64_t>(7, expected));
}

TEST_F(AuditE2ETest, CancelledReplayStopsAndTheServerGoesOn) {
  auto stub = server_->NewStub();
  {
    grpc::ClientContext context;
    v1::ReplayRequest request;
    request.set_mode(v1::REPLAY_MODE_EXACT);
    auto reader = stub->Replay(&context, request);
    v1::ReplayResult result;
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(reader->Read(&result));
    context.TryCancel();
    while (reader->Read(&result)) {
    }
    EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  }
  v1::ReplayRequest request;
  request.set_mode(v1::REPLAY_MODE_EXACT);
  request.set_limit(10);
  grpc::Status status;
  std::vector<v1::ReplayResult> results = ReplayOnServer(request, &status);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(results.size(), 11u);
}

// Every validation case is in tests/server/audit/decision_replayer_test.cc;
// here the answer on the wire.
TEST_F(AuditE2ETest, BadReplayRequestsNameTheField) {
  struct Case {
    void (*mutate)(v1::ReplayRequest&);
    std::string field;
  };
  const Case cases[] = {
      {[](v1::ReplayRequest&) {}, "mode"},
      {[](v1::ReplayRequest& r) {
         r.set_mode(v1::REPLAY_MODE_CANDIDATE);
         v1::SourceFile* file = r.mutable_candidate()->add_files();
         file->set_path("rules.textproto");
         file->set_content("rules { id: \"x\" when: \"request.nope\" }");
       },
       "rules.textproto:1"},
  };
  for (const Case& test_case : cases) {
    v1::ReplayRequest request;
    test_case.mutate(request);
    grpc::Status status;
    std::vector<v1::ReplayResult> results = ReplayOnServer(request, &status);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << test_case.field;
    EXPECT_THAT(status.error_message(), HasSubstr(test_case.field));
    EXPECT_TRUE(results.empty());
  }
}

TEST_F(AuditE2ETest, IntactLogVerifies) {
  CommandResult offline =
      RunCommand(Refundctl(absl::StrCat("verify --db=", backup_path())));
  EXPECT_EQ(offline.exit_code, 0) << offline.output;
  EXPECT_THAT(offline.output, HasSubstr(absl::StrCat("OK: ", kCases)));
  CommandResult online = RunCommand(
      Refundctl(absl::StrCat("verify --server=", server_->address())));
  EXPECT_EQ(online.exit_code, 0) << online.output;
  EXPECT_THAT(online.output, HasSubstr("hash chain intact"));

  CommandResult exported = RunCommand(Refundctl(
      absl::StrCat("export --db=", backup_path(), " --format=jsonl")));
  EXPECT_EQ(exported.exit_code, 0);
  std::vector<std::string> lines =
      absl::StrSplit(exported.output, '\n', absl::SkipEmpty());
  EXPECT_EQ(lines.size(), static_cast<size_t>(kCases));
}

// The server keeps every decision compressed with its bundle's dictionary,
// and gives the decision back byte for byte.
TEST_F(AuditE2ETest, ServerStoresDecisionsCompressed) {
  CommandResult counted =
      RunCommand(Sqlite(backup_path(),
                        "SELECT count(*), sum(length(decision)) FROM decisions "
                        "WHERE decision_codec = 1"));
  ASSERT_EQ(counted.exit_code, 0) << counted.output;
  std::vector<std::string> columns =
      absl::StrSplit(absl::StripTrailingAsciiWhitespace(counted.output), '|');
  ASSERT_EQ(columns.size(), 2u) << counted.output;
  EXPECT_EQ(columns[0], absl::StrCat(kCases));
  int64_t compressed = 0;
  ASSERT_TRUE(absl::SimpleAtoi(columns[1], &compressed)) << counted.output;
  int64_t plain = 0;
  for (const auto& [id, decision] : *decisions_) {
    plain += static_cast<int64_t>(decision.ByteSizeLong());
  }
  EXPECT_LT(compressed * 5, plain);

  auto stub = server_->NewStub();
  for (const auto& [id, decision] : *decisions_) {
    grpc::ClientContext context;
    v1::GetDecisionRequest request;
    request.set_decision_id(id);
    v1::Decision got;
    ASSERT_TRUE(stub->GetDecision(&context, request, &got).ok());
    ASSERT_EQ(got.SerializeAsString(), decision.SerializeAsString()) << id;
  }
}

// The decision id stored at `seq` of the audit copy.
std::string DecisionIdAt(const std::string& db, int seq) {
  CommandResult id = RunCommand(Sqlite(
      db, absl::StrCat("SELECT decision_id FROM decisions WHERE seq = ", seq)));
  return std::string(absl::StripTrailingAsciiWhitespace(id.output));
}

struct TamperCase {
  std::string name;
  std::string sql;
  // What `verify` must name first.
  std::string first_problem;
};

TEST_F(AuditE2ETest, VerifyNamesTheTamperedRow) {
  const std::string original = backup_path();
  const std::string id_100 = DecisionIdAt(original, 100);
  const std::string id_101 = DecisionIdAt(original, 101);
  const std::string id_201 = DecisionIdAt(original, 201);
  ASSERT_EQ(id_100.size(), 32u);
  const std::vector<TamperCase> cases = {
      {"EditedVerdictColumn",
       "UPDATE decisions SET verdict = CASE verdict WHEN 1 THEN 3 ELSE 1 END "
       "WHERE seq = 100",
       absl::StrCat("seq 100 (decision ", id_100, "): COLUMN_MISMATCH")},
      {"EditedDecidedAt",
       "UPDATE decisions SET decided_at = decided_at + 1 WHERE seq = 100",
       absl::StrCat("seq 100 (decision ", id_100, "): ROW_HASH_MISMATCH")},
      {"DeletedMiddleRow", "DELETE FROM decisions WHERE seq = 100",
       "seq 100: RULES_MISMATCH"},
      {"DeletedMiddleRowAndItsRules",
       "DELETE FROM decisions WHERE seq = 100; "
       "DELETE FROM decision_rules WHERE seq = 100",
       absl::StrCat("seq 101 (decision ", id_101,
                    "): SEQ_GAP: seq 100 is missing")},
      {"DeletedLastRowAndItsRules",
       absl::StrCat("DELETE FROM decisions WHERE seq = ", kCases,
                    "; DELETE FROM decision_rules WHERE seq = ", kCases),
       absl::StrCat("seq ", kCases, ": HEAD_MISMATCH")},
      {"SwappedRows",
       "UPDATE decisions SET seq = -1 WHERE seq = 200; "
       "UPDATE decisions SET seq = 200 WHERE seq = 201; "
       "UPDATE decisions SET seq = 201 WHERE seq = -1",
       absl::StrCat("seq 200 (decision ", id_201, "): PREV_HASH_MISMATCH")},
      {"DeletedBundle", "DELETE FROM bundles", "seq 1 (decision"},
  };
  for (const TamperCase& test_case : cases) {
    SCOPED_TRACE(test_case.name);
    const std::string copy = CopyOfLog(test_case.name + ".db");
    CommandResult tamper = RunCommand(Sqlite(copy, test_case.sql));
    ASSERT_EQ(tamper.exit_code, 0) << tamper.output;
    CommandResult verify =
        RunCommand(Refundctl(absl::StrCat("verify --db=", copy)));
    EXPECT_EQ(verify.exit_code, 1) << verify.output;
    EXPECT_THAT(verify.output,
                HasSubstr(absl::StrCat("first broken link: ",
                                       test_case.first_problem)));
  }
}

TEST_F(AuditE2ETest, EditedDecisionBlobIsAnIntegrityFailure) {
  const std::string copy = CopyOfLog("edited-blob.db");
  const std::string id = DecisionIdAt(copy, 42);
  const v1::Decision& original = decisions_->at(id);
  // The attacker rewrites the stored verdict inside the hashed blob (and
  // stores it plain: the log may keep a decision either way).
  v1::Decision edited = original;
  edited.set_verdict(original.verdict() == v1::VERDICT_APPROVE
                         ? v1::VERDICT_REJECT
                         : v1::VERDICT_APPROVE);
  std::string hex;
  for (unsigned char c : edited.SerializeAsString()) {
    absl::StrAppend(&hex, absl::Hex(c, absl::kZeroPad2));
  }
  CommandResult tamper = RunCommand(
      Sqlite(copy, absl::StrCat("UPDATE decisions SET decision = X'", hex,
                                "', decision_codec = 0 "
                                "WHERE seq = 42")));
  ASSERT_EQ(tamper.exit_code, 0) << tamper.output;

  CommandResult verify =
      RunCommand(Refundctl(absl::StrCat("verify --db=", copy)));
  EXPECT_EQ(verify.exit_code, 1);
  EXPECT_THAT(verify.output,
              HasSubstr(absl::StrCat("first broken link: seq 42 (decision ", id,
                                     "): ROW_HASH_MISMATCH")));

  CommandResult replay = RunCommand(
      Refundctl(absl::StrCat("replay --db=", copy, " --changed-only")));
  EXPECT_EQ(replay.exit_code, 1) << replay.output;
  EXPECT_THAT(replay.output, HasSubstr(absl::StrCat("seq 42  ", id)));
  EXPECT_THAT(replay.output, HasSubstr("INTEGRITY FAILURE: verdict"));
  EXPECT_THAT(replay.output, HasSubstr("1 integrity failures"));
}

TEST_F(AuditE2ETest, EditedVerdictColumnFailsExactReplay) {
  // Only the index is edited: the decision replays, the row does not hold.
  const std::string copy = CopyOfLog("edited-column.db");
  const std::string id = DecisionIdAt(copy, 17);
  CommandResult tamper = RunCommand(
      Sqlite(copy,
             "UPDATE decisions SET verdict = CASE verdict WHEN 1 THEN 3 "
             "ELSE 1 END WHERE seq = 17"));
  ASSERT_EQ(tamper.exit_code, 0) << tamper.output;
  CommandResult replay = RunCommand(
      Refundctl(absl::StrCat("replay --db=", copy, " --changed-only")));
  EXPECT_EQ(replay.exit_code, 1) << replay.output;
  EXPECT_THAT(replay.output, HasSubstr(absl::StrCat("seq 17  ", id)));
  EXPECT_THAT(replay.output,
              HasSubstr("INTEGRITY FAILURE: row: column verdict"));
}

}  // namespace
}  // namespace refund::e2e
