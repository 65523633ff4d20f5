#include "server/log/sqlite/sqlite_decision_log.h"

#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/log/decision_log.h"
#include "server/log/row_hash.h"
#include "server/log/sqlite/sqlite_connection.h"
#include "server/log/sqlite/sqlite_decision_dictionaries.h"
#include "server/log/stored_decision_decoder.h"
#include "tests/testing/log_entry_builder.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace refund::server {
namespace {

using ::refund::testing::kEntryBaseMicros;
using ::refund::testing::kEntryBundleVersion;
using ::refund::testing::LogEntrySpec;
using ::refund::testing::MakeTestLogEntry;
using ::refund::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

// DecisionFilter with chained setters (C++17 has no designated initializers).
struct FilterSpec {
  DecisionFilter filter;
  FilterSpec& Refund(std::string id) {
    filter.refund_id = std::move(id);
    return *this;
  }
  FilterSpec& Shop(std::string id) {
    filter.shop_id = std::move(id);
    return *this;
  }
  FilterSpec& Verdict(v1::Verdict v) {
    filter.verdict = v;
    return *this;
  }
  FilterSpec& From(int64_t micros) {
    filter.decided_from_micros = micros;
    return *this;
  }
  FilterSpec& To(int64_t micros) {
    filter.decided_to_micros = micros;
    return *this;
  }
  FilterSpec& Rule(std::string id) {
    filter.rule_id = std::move(id);
    return *this;
  }
  FilterSpec& PageSize(int size) {
    filter.page_size = size;
    return *this;
  }
  FilterSpec& Token(std::string token) {
    filter.page_token = std::move(token);
    return *this;
  }
  operator DecisionFilter() const { return filter; }  // NOLINT
};

// The tests' entries: request `request_id` asks for 100 minor units of
// refund "refund-1" at shop "shop-1".
LogEntrySpec Spec(std::string request_id) {
  return LogEntrySpec()
      .Request(std::move(request_id))
      .Refund("refund-1")
      .Shop("shop-1")
      .Amount(100);
}

FilterSpec Filter() { return FilterSpec(); }

// The decision dictionary the tests store kEntryBundleVersion with: a decision
// like the ones MakeTestLogEntry writes, so that they compress.
const std::string& TestDictionary() {
  static const std::string* const dictionary = new std::string(
      MakeTestLogEntry(Spec("dictionary-sample").Rules({"rule.a", "rule.b"}))
          .decision_bytes);
  return *dictionary;
}

// The Decision inside `entry`'s bytes.
v1::Decision DecisionOf(const DecisionLogEntry& entry) {
  v1::Decision decision;
  EXPECT_TRUE(decision.ParseFromString(entry.decision_bytes));
  return decision;
}

// Appends `entry` and waits for the outcome: the bytes the log answered
// with.
absl::StatusOr<std::string> AppendAndWaitForBytes(DecisionLog& log,
                                                  DecisionLogEntry entry) {
  absl::StatusOr<std::string> result;
  absl::Notification done;
  log.Append(std::move(entry), [&](absl::StatusOr<std::string> outcome) {
    result = std::move(outcome);
    done.Notify();
  });
  done.WaitForNotification();
  return result;
}

// The same, parsed: the Decision the log answered with.
absl::StatusOr<v1::Decision> AppendAndWait(DecisionLog& log,
                                           DecisionLogEntry entry) {
  absl::StatusOr<std::string> result =
      AppendAndWaitForBytes(log, std::move(entry));
  if (!result.ok()) return result.status();
  v1::Decision decision;
  if (!decision.ParseFromString(*result)) {
    return absl::InternalError("the log answered with bytes that do not parse");
  }
  return decision;
}

std::vector<std::string> DecisionIds(const DecisionPage& page) {
  std::vector<std::string> ids;
  for (const StoredDecision& stored : page.decisions) {
    ids.push_back(stored.decision.decision_id());
  }
  return ids;
}

SqliteDecisionLogOptions FullDiskOptions(int64_t max_pages) {
  SqliteDecisionLogOptions options;
  options.max_page_count = max_pages;
  return options;
}

class SqliteDecisionLogTest : public ::testing::Test {
 protected:
  std::unique_ptr<SqliteDecisionLog> OpenLog(
      const SqliteDecisionLogOptions& options = {}) {
    absl::StatusOr<std::unique_ptr<SqliteDecisionLog>> log =
        SqliteDecisionLog::Open(path_, options);
    EXPECT_TRUE(log.ok()) << log.status();
    if (!log.ok()) return nullptr;
    EXPECT_TRUE((*log)
                    ->PutBundle(kEntryBundleVersion, "test", "bundle text",
                                plain_ ? std::string() : TestDictionary())
                    .ok());
    return std::move(*log);
  }

  std::unique_ptr<SqliteConnection> RawConnection() {
    absl::StatusOr<std::unique_ptr<SqliteConnection>> db =
        SqliteConnection::Open(path_, SQLITE_OPEN_READWRITE);
    EXPECT_TRUE(db.ok()) << db.status();
    return db.ok() ? std::move(*db) : nullptr;
  }

  // Recomputes every row's hash and checks the links; returns the row count.
  int64_t VerifyChain() {
    std::unique_ptr<SqliteConnection> db = RawConnection();
    absl::StatusOr<SqliteStatement> stmt = db->Prepare(
        absl::StrCat("SELECT seq, request, decision, bundle_version, "
                     "decided_at, prev_hash, row_hash, request_sha256, ",
                     *DecisionCodecSql(*db), " FROM decisions ORDER BY seq"));
    EXPECT_TRUE(stmt.ok()) << stmt.status();
    StoredDecisionDecoder decoder;
    std::string prev = GenesisHash();
    int64_t rows = 0;
    for (;;) {
      absl::StatusOr<bool> row = stmt->Step();
      EXPECT_TRUE(row.ok()) << row.status();
      if (!row.ok() || !*row) break;
      ++rows;
      const int64_t seq = stmt->ColumnInt64(0);
      const std::string request = stmt->ColumnBytes(1);
      EXPECT_EQ(stmt->ColumnBytes(5), prev) << "prev_hash at seq " << seq;
      EXPECT_EQ(stmt->ColumnBytes(7), Sha256(request)) << "seq " << seq;
      absl::StatusOr<std::string> decision = decoder.Decode(
          [&](const std::string& version) {
            return ReadDecisionDictionary(*db, version);
          },
          stmt->ColumnInt64(8), stmt->ColumnBytes(3), stmt->ColumnBytes(2));
      EXPECT_TRUE(decision.ok()) << decision.status();
      const std::string expected =
          ComputeRowHash(request, decision.value_or(""), stmt->ColumnBytes(3),
                         stmt->ColumnInt64(4), prev);
      EXPECT_EQ(stmt->ColumnBytes(6), expected) << "row_hash at seq " << seq;
      prev = stmt->ColumnBytes(6);
    }
    return rows;
  }

  testing::TempDir dir_;
  // In a folder that does not exist yet: the log makes it.
  const std::string path_ = dir_.path() + "/log/decisions.db";
  // OpenLog stores kEntryBundleVersion without a dictionary: decisions stay
  // plain.
  bool plain_ = false;
};

TEST_F(SqliteDecisionLogTest, OpenCreatesMissingDirectory) {
  std::unique_ptr<SqliteDecisionLog> log = OpenLog();
  ASSERT_NE(log, nullptr);
  EXPECT_TRUE(std::filesystem::exists(path_));
}

TEST_F(SqliteDecisionLogTest, AppendThenGetReturnsStoredDecision) {
  std::unique_ptr<SqliteDecisionLog> log = OpenLog();
  DecisionLogEntry entry = MakeTestLogEntry(Spec("r1"));
  const v1::Decision decision = DecisionOf(entry);
  const std::string request_bytes = entry.request_bytes;

  absl::StatusOr<v1::Decision> stored = AppendAndWait(*log, std::move(entry));
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->SerializeAsString(), decision.SerializeAsString());

  absl::StatusOr<StoredDecision> got = log->GetDecision("d-r1");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->decision.SerializeAsString(), decision.SerializeAsString());
  EXPECT_EQ(got->request_bytes, request_bytes);
  EXPECT_EQ(got->bundle_version, kEntryBundleVersion);
  EXPECT_EQ(got->seq, 1);
}

TEST_F(SqliteDecisionLogTest, DecisionsAreStoredCompressedAndReadBackExactly) {
  std::unique_ptr<SqliteDecisionLog> log = OpenLog();
  std::vector<std::string> bytes;
  size_t total = 0;
  for (int i = 0; i < 20; ++i) {
    DecisionLogEntry entry = MakeTestLogEntry(
        Spec(absl::StrCat("r", i)).Rules({"rule.a", "rule.b"}));
    bytes.push_back(entry.decision_bytes);
    total += entry.decision_bytes.size();
    absl::StatusOr<std::string> answer =
        AppendAndWaitForBytes(*log, std::move(entry));
    ASSERT_TRUE(answer.ok()) << answer.status();
    EXPECT_EQ(*answer, bytes.back());
  }
  absl::StatusOr<DecisionPage> page = log->ListDecisions(Filter().PageSize(50));
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->decisions.size(), bytes.size());
  for (size_t i = 0; i < bytes.size(); ++i) {
    EXPECT_EQ(page->decisions[i].decision_bytes, bytes[i]) << i;
  }
  absl::StatusOr<StoredDecision> got = log->GetDecision("d-r7");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->decision_bytes, bytes[7]);
  // An idempotent retry answers with the stored bytes, decompressed.
  absl::StatusOr<std::string> retry = AppendAndWaitForBytes(
      *log, MakeTestLogEntry(Spec("r3").Rules({"rule.a", "rule.b"})));
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_EQ(*retry, bytes[3]);
  log->Close();

  std::unique_ptr<SqliteConnection> db = RawConnection();
  EXPECT_EQ(*db->QueryInt64("SELECT count(*) FROM decisions "
                            "WHERE decision_codec = 1"),
            20);
  EXPECT_LT(*db->QueryInt64("SELECT sum(length(decision)) FROM decisions"),
            static_cast<int64_t>(total / 2));
  EXPECT_EQ(VerifyChain(), 20);
}

TEST_F(SqliteDecisionLogTest, VersionWithoutDictionaryIsStoredPlain) {
  plain_ = true;
  std::unique_ptr<SqliteDecisionLog> log = OpenLog();
  DecisionLogEntry entry = MakeTestLogEntry(Spec("r1"));
  const std::string bytes = entry.decision_bytes;
  ASSERT_TRUE(AppendAndWait(*log, std::move(entry)).ok());
  log->Close();
  std::unique_ptr<SqliteConnection> db = RawConnection();
  EXPECT_EQ(*db->QueryInt64("SELECT decision_codec FROM decisions"), 0);
  absl::StatusOr<SqliteStatement> stmt =
      db->Prepare("SELECT decision FROM decisions");
  ASSERT_TRUE(stmt.ok() && *stmt->Step());
  EXPECT_EQ(stmt->ColumnBytes(0), bytes);
}

TEST_F(SqliteDecisionLogTest, StoredDictionaryIsNeverReplaced) {
  std::vector<std::string> bytes;
  {
    std::unique_ptr<SqliteDecisionLog> log = OpenLog();
    DecisionLogEntry first = MakeTestLogEntry(Spec("r1"));
    bytes.push_back(first.decision_bytes);
    ASSERT_TRUE(AppendAndWait(*log, std::move(first)).ok());
    // Another build might make another dictionary for the same version.
    ASSERT_TRUE(log->PutBundle(kEntryBundleVersion, "test", "bundle text",
                               "other dictionary")
                    .ok());
    DecisionLogEntry second = MakeTestLogEntry(Spec("r2"));
    bytes.push_back(second.decision_bytes);
    ASSERT_TRUE(AppendAndWait(*log, std::move(second)).ok());
  }
  std::unique_ptr<SqliteConnection> db = RawConnection();
  absl::StatusOr<SqliteStatement> stmt =
      db->Prepare("SELECT dictionary FROM decision_dictionaries");
  ASSERT_TRUE(stmt.ok() && *stmt->Step());
  EXPECT_EQ(stmt->ColumnBytes(0), TestDictionary());
  stmt->Reset();
  EXPECT_EQ(*db->QueryInt64("SELECT count(*) FROM decisions "
                            "WHERE decision_codec = 1"),
            2);

  std::unique_ptr<SqliteDecisionLog> log = OpenLog();
  EXPECT_EQ(log->GetDecision("d-r1")->decision_bytes, bytes[0]);
  EXPECT_EQ(log->GetDecision("d-r2")->decision_bytes, bytes[1]);
}

// More versions than the writer keeps compressors for and than a reader
// keeps decompressors for: every decision is still stored compressed and
// read back exactly, in any order.
TEST_F(SqliteDecisionLogTest, ManyBundleVersionsStayCompressedAndReadable) {
  std::unique_ptr<SqliteDecisionLog> log = OpenLog();
  constexpr int kVersions = 40;
  std::vector<std::string> bytes;
  for (int round = 0; round < 2; ++round) {
    for (int v = 0; v < kVersions; ++v) {
      const std::string version = absl::StrCat("v", v);
      if (round == 0) {
        ASSERT_TRUE(
            log->PutBundle(version, "b", "text", TestDictionary()).ok());
      }
      DecisionLogEntry entry = MakeTestLogEntry(
          Spec(absl::StrCat("r", round, "-", v)).Bundle(version));
      bytes.push_back(entry.decision_bytes);
      ASSERT_TRUE(AppendAndWait(*log, std::move(entry)).ok());
    }
  }
  for (int i = static_cast<int>(bytes.size()) - 1; i >= 0; --i) {
    const std::string id =
        absl::StrCat("d-r", i / kVersions, "-", i % kVersions);
    absl::StatusOr<StoredDecision> got = log->GetDecision(id);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(got->decision_bytes, bytes[i]) << id;
  }
  log->Close();
  EXPECT_EQ(*RawConnection()->QueryInt64("SELECT count(*) FROM decisions "
                                         "WHERE decision_codec = 1"),
            2 * kVersions);
  EXPECT_EQ(VerifyChain(), 2 * kVersions);
}

TEST_F(SqliteDecisionLogTest, CorruptCompressedDecisionIsDataLoss) {
  std::unique_ptr<SqliteDecisionLog> log = OpenLog();
  ASSERT_TRUE(AppendAndWait(*log, MakeTestLogEntry(Spec("r1"))).ok());
  ASSERT_TRUE(AppendAndWait(*log, MakeTestLogEntry(Spec("r2"))).ok());
  ASSERT_TRUE(RawConnection()
                  ->Execute("UPDATE decisions SET decision = "
                            "substr(decision, 1, length(decision) - 3) "
                            "WHERE seq = 1; "
                            "UPDATE decisions SET decision_codec = 7 "
                            "WHERE seq = 2")
                  .ok());
  EXPECT_THAT(log->GetDecision("d-r1").status(),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("seq 1 is corrupt: compressed decision")));
  EXPECT_THAT(log->GetDecision("d-r2").status(),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("decision_codec 7 is not a known codec")));
  EXPECT_THAT(AppendAndWait(*log, MakeTestLogEntry(Spec("r1"))).status(),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("corrupt")));
}

TEST_F(SqliteDecisionLogTest, GetUnknownDecisionIsNotFound) {
  std::unique_ptr<SqliteDecisionLog> log = OpenLog();
  EXPECT_THAT(log->GetDecision("nope").status(),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("nope")));
}

TEST_F(SqliteDecisionLogTest, SameRequestIdAndBodyReturnsStoredDecision) {
  std::unique_ptr<SqliteDecisionLog> log = OpenLog();
  ASSERT_TRUE(AppendAndWait(*log, MakeTestLogEntry(Spec("r1"))).ok());

  // A retry is evaluated again (new decision_id, new time); the log answers
  // with the first decision.
  DecisionLogEntry retry =
      MakeTestLogEntry(Spec("r1").DecisionId("d-retry").At(5));
  absl::StatusOr<v1::Decision> answer = AppendAndWait(*log, std::move(retry));
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(answer->decision_id(), "d-r1");
  EXPECT_THAT(log->GetDecision("d-retry").status(),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("d-retry")));
  EXPECT_EQ(VerifyChain(), 1);
}

TEST_F(SqliteDecisionLogTest, SameRequestIdDifferentBodyIsAlreadyExists) {
  std::unique_ptr<SqliteDecisionLog> log = OpenLog();
  ASSERT_TRUE(AppendAndWait(*log, MakeTestLogEntry(Spec("r1"))).ok());
  DecisionLogEntry changed =
      MakeTestLogEntry(Spec("r1").Amount(999).DecisionId("d-changed"));
  EXPECT_THAT(AppendAndWait(*log, std::move(changed)).status(),
              StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("r1")));
  EXPECT_EQ(VerifyChain(), 1);
}

TEST_F(SqliteDecisionLogTest, SameDecisionIdForAnotherRequestIsAlreadyExists) {
  std::unique_ptr<SqliteDecisionLog> log = OpenLog();
  ASSERT_TRUE(AppendAndWait(*log, MakeTestLogEntry(Spec("r1"))).ok());
  DecisionLogEntry other = MakeTestLogEntry(Spec("r2").DecisionId("d-r1"));
  EXPECT_THAT(AppendAndWait(*log, std::move(other)).status(),
              StatusIs(absl::StatusCode::kAlreadyExists,
                       HasSubstr("decision_id \"d-r1\"")));
  // The batch goes on: the next entry is stored and chained.
  ASSERT_TRUE(AppendAndWait(*log, MakeTestLogEntry(Spec("r3"))).ok());
  EXPECT_EQ(VerifyChain(), 2);
}

TEST_F(SqliteDecisionLogTest, ManyMatchedRulesAreEachStoredOnce) {
  std::unique_ptr<SqliteDecisionLog> log = OpenLog();
  // More rules than one insert statement takes, some twice.
  std::vector<std::string> rules;
  for (int i = 0; i < 40; ++i) rules.push_back(absl::StrCat("rule", i % 35));
  ASSERT_TRUE(
      AppendAndWait(*log, MakeTestLogEntry(Spec("r1").Rules(rules))).ok());
  ASSERT_TRUE(
      AppendAndWait(*log, MakeTestLogEntry(Spec("r2").Rules({"rule3"}))).ok());
  EXPECT_EQ(*RawConnection()->QueryInt64("SELECT count(*) FROM decision_rules"),
            36);
  for (const char* rule : {"rule0", "rule16", "rule34"}) {
    absl::StatusOr<DecisionPage> page = log->ListDecisions(Filter().Rule(rule));
    ASSERT_TRUE(page.ok()) << page.status();
    EXPECT_THAT(DecisionIds(*page), ElementsAre("d-r1")) << rule;
  }
  absl::StatusOr<DecisionPage> page =
      log->ListDecisions(Filter().Rule("rule3"));
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_THAT(DecisionIds(*page), ElementsAre("d-r1", "d-r2"));
}

TEST_F(SqliteDecisionLogTest, DecisionWithUnstoredBundleIsRefused) {
  std::unique_ptr<SqliteDecisionLog> log = OpenLog();
  EXPECT_THAT(
      AppendAndWait(*log, MakeTestLogEntry(Spec("r1").Bundle("unknown")))
          .status(),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("unknown")));
  // The refusal does not disturb the chain or later appends.
  ASSERT_TRUE(AppendAndWait(*log, MakeTestLogEntry(Spec("r2"))).ok());
  EXPECT_EQ(VerifyChain(), 1);
}

TEST_F(SqliteDecisionLogTest, ListFiltersEachField) {
  std::unique_ptr<SqliteDecisionLog> log = OpenLog();
  const std::vector<LogEntrySpec> specs = {
      Spec("a")
          .Refund("R1")
          .Shop("S1")
          .Verdict(v1::VERDICT_APPROVE)
          .At(0)
          .Rules({"seven_day"}),
      Spec("b")
          .Refund("R1")
          .Shop("S2")
          .Verdict(v1::VERDICT_NEGOTIATE)
          .At(10)
          .Rules({"empty_parcel", "collect"}),
      Spec("c")
          .Refund("R2")
          .Shop("S1")
          .Verdict(v1::VERDICT_REJECT)
          .At(20)
          .Rules({"collect"}),
      Spec("d")
          .Refund("R3")
          .Shop("S2")
          .Verdict(v1::VERDICT_NEGOTIATE)
          .At(30)
          .Rules({}),
  };
  for (const LogEntrySpec& spec : specs) {
    ASSERT_TRUE(AppendAndWait(*log, MakeTestLogEntry(spec)).ok());
  }
  auto list = [&](DecisionFilter filter) {
    absl::StatusOr<DecisionPage> page = log->ListDecisions(filter);
    EXPECT_TRUE(page.ok()) << page.status();
    return page.ok() ? DecisionIds(*page) : std::vector<std::string>();
  };

  EXPECT_THAT(list(Filter()), ElementsAre("d-a", "d-b", "d-c", "d-d"));
  EXPECT_THAT(list(Filter().Refund("R1")), ElementsAre("d-a", "d-b"));
  EXPECT_THAT(list(Filter().Shop("S2")), ElementsAre("d-b", "d-d"));
  EXPECT_THAT(list(Filter().Verdict(v1::VERDICT_NEGOTIATE)),
              ElementsAre("d-b", "d-d"));
  EXPECT_THAT(list(Filter()
                       .From(kEntryBaseMicros + 10'000'000)
                       .To(kEntryBaseMicros + 30'000'000)),
              ElementsAre("d-b", "d-c"));
  EXPECT_THAT(list(Filter().Rule("collect")), ElementsAre("d-b", "d-c"));
  EXPECT_THAT(list(Filter().Shop("S1").Rule("collect")), ElementsAre("d-c"));
  EXPECT_THAT(list(Filter().Refund("none")), IsEmpty());
}

TEST_F(SqliteDecisionLogTest, ListPaginatesOldestFirst) {
  std::unique_ptr<SqliteDecisionLog> log = OpenLog();
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(
        AppendAndWait(*log, MakeTestLogEntry(Spec(absl::StrCat("r", i)))).ok());
  }
  DecisionFilter filter = Filter().Refund("refund-1").PageSize(2);
  std::vector<std::string> seen;
  int pages = 0;
  for (;;) {
    absl::StatusOr<DecisionPage> page = log->ListDecisions(filter);
    ASSERT_TRUE(page.ok()) << page.status();
    ++pages;
    for (const std::string& id : DecisionIds(*page)) seen.push_back(id);
    if (page->next_page_token.empty()) break;
    filter.page_token = page->next_page_token;
  }
  EXPECT_EQ(pages, 3);
  EXPECT_THAT(seen, ElementsAre("d-r0", "d-r1", "d-r2", "d-r3", "d-r4"));
}

TEST_F(SqliteDecisionLogTest, ListExactlyOnePageHasNoNextToken) {
  std::unique_ptr<SqliteDecisionLog> log = OpenLog();
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(
        AppendAndWait(*log, MakeTestLogEntry(Spec(absl::StrCat("r", i)))).ok());
  }
  absl::StatusOr<DecisionPage> page = log->ListDecisions(Filter().PageSize(2));
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->decisions.size(), 2u);
  EXPECT_THAT(page->next_page_token, IsEmpty());
}

TEST_F(SqliteDecisionLogTest, ListRejectsBadPageTokenAndPageSize) {
  std::unique_ptr<SqliteDecisionLog> log = OpenLog();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(
        AppendAndWait(*log, MakeTestLogEntry(Spec(absl::StrCat("r", i)))).ok());
  }
  EXPECT_THAT(
      log->ListDecisions(Filter().Token("garbage!")).status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_token")));
  EXPECT_THAT(
      log->ListDecisions(Filter().Token("djEuMQ")).status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_token")));

  absl::StatusOr<DecisionPage> first =
      log->ListDecisions(Filter().Shop("shop-1").PageSize(1));
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_THAT(first->next_page_token, Not(IsEmpty()));
  // A token only continues the query it was made for.
  EXPECT_THAT(
      log->ListDecisions(Filter().Shop("shop-2").Token(first->next_page_token))
          .status(),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("different filter")));
  // The page size may change between pages.
  absl::StatusOr<DecisionPage> rest = log->ListDecisions(
      Filter().Shop("shop-1").PageSize(10).Token(first->next_page_token));
  ASSERT_TRUE(rest.ok()) << rest.status();
  EXPECT_THAT(DecisionIds(*rest), ElementsAre("d-r1", "d-r2"));

  EXPECT_THAT(
      log->ListDecisions(Filter().PageSize(-1)).status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_size")));
}

TEST_F(SqliteDecisionLogTest, PageSizeDefaultsToFiftyAndIsCappedAtThousand) {
  std::unique_ptr<SqliteDecisionLog> log = OpenLog();
  constexpr int kCount = kMaxPageSize + 5;
  std::atomic<int> ok_count{0};
  for (int i = 0; i < kCount; ++i) {
    log->Append(MakeTestLogEntry(Spec(absl::StrCat("r", i))),
                [&](absl::StatusOr<std::string> outcome) {
                  if (outcome.ok()) ++ok_count;
                });
  }
  log->Close();  // drains the queue
  EXPECT_EQ(ok_count.load(), kCount);
  log = OpenLog();

  absl::StatusOr<DecisionPage> page = log->ListDecisions(Filter());
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->decisions.size(), static_cast<size_t>(kDefaultPageSize));
  page = log->ListDecisions(Filter().PageSize(100000));
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->decisions.size(), static_cast<size_t>(kMaxPageSize));
  EXPECT_THAT(page->next_page_token, Not(IsEmpty()));
}

TEST_F(SqliteDecisionLogTest, BundleTextIsStoredOncePerVersion) {
  std::unique_ptr<SqliteDecisionLog> log = OpenLog();
  ASSERT_TRUE(log->PutBundle("v2", "b", "first text", "").ok());
  ASSERT_TRUE(log->PutBundle("v2", "b", "second text", "").ok());
  absl::StatusOr<std::string> text = log->GetBundleText("v2");
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text, "first text");
  EXPECT_THAT(log->GetBundleText("v3").status(),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("v3")));
  log->Close();

  std::unique_ptr<SqliteConnection> db = RawConnection();
  absl::StatusOr<int64_t> rows =
      db->QueryInt64("SELECT COUNT(*) FROM bundles WHERE version = 'v2'");
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(*rows, 1);
}

TEST_F(SqliteDecisionLogTest, ReopenReadsOldDecisionsAndContinuesChain) {
  std::string first_bytes;
  {
    std::unique_ptr<SqliteDecisionLog> log = OpenLog();
    for (int i = 0; i < 3; ++i) {
      absl::StatusOr<v1::Decision> stored =
          AppendAndWait(*log, MakeTestLogEntry(Spec(absl::StrCat("r", i))));
      ASSERT_TRUE(stored.ok()) << stored.status();
      if (i == 0) first_bytes = stored->SerializeAsString();
    }
  }  // destroyed: closed
  {
    std::unique_ptr<SqliteDecisionLog> log = OpenLog();
    absl::StatusOr<StoredDecision> old = log->GetDecision("d-r0");
    ASSERT_TRUE(old.ok()) << old.status();
    EXPECT_EQ(old->decision.SerializeAsString(), first_bytes);
    // Idempotency holds across a restart too.
    absl::StatusOr<v1::Decision> retry =
        AppendAndWait(*log, MakeTestLogEntry(Spec("r1")));
    ASSERT_TRUE(retry.ok()) << retry.status();
    EXPECT_EQ(retry->decision_id(), "d-r1");
    ASSERT_TRUE(AppendAndWait(*log, MakeTestLogEntry(Spec("r3"))).ok());
  }
  EXPECT_EQ(VerifyChain(), 4);
}

TEST_F(SqliteDecisionLogTest, SchemaVersionIsRecordedAndNewerIsRefused) {
  OpenLog().reset();
  std::unique_ptr<SqliteConnection> db = RawConnection();
  absl::StatusOr<int64_t> version = db->QueryInt64("PRAGMA user_version");
  ASSERT_TRUE(version.ok()) << version.status();
  EXPECT_EQ(*version, SqliteDecisionLog::kSchemaVersion);
  ASSERT_TRUE(db->Execute("PRAGMA user_version = 99").ok());
  db.reset();
  EXPECT_THAT(
      SqliteDecisionLog::Open(path_).status(),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("newer")));
}
TEST_F(SqliteDecisionLogTest, SchemaTwoLogIsReadableAndMigratesToCurrent) {
  plain_ = true;
  {
    std::unique_ptr<SqliteDecisionLog> log = OpenLog();
    ASSERT_TRUE(
        AppendAndWait(*log, MakeTestLogEntry(Spec("r1").Rules({"a", "b"})))
            .ok());
  }
  // What a version 2 file looks like: the index of rules by id is there,
  // decisions are plain and there is no codec, dictionary or key column.
  auto index_count = [this] {
    return RawConnection()->QueryInt64(
        "SELECT count(*) FROM sqlite_schema "
        "WHERE name = 'decision_rules_by_rule_id'");
  };
  ASSERT_TRUE(RawConnection()
                  ->Execute("CREATE INDEX decision_rules_by_rule_id ON "
                            "decision_rules(rule_id, seq); "
                            "ALTER TABLE decisions DROP COLUMN decision_codec; "
                            "ALTER TABLE decisions DROP COLUMN key_id; "
                            "DROP TABLE decision_dictionaries; "
                            "DROP TABLE blob_key_ids; "
                            "PRAGMA user_version = 2")
                  .ok());
  ASSERT_EQ(*index_count(), 1);

  SqliteDecisionLogOptions read_only;
  read_only.read_only = true;
  {
    // Audit tools read it as it is, without migrating it.
    absl::StatusOr<std::unique_ptr<SqliteDecisionLog>> log =
        SqliteDecisionLog::Open(path_, read_only);
    ASSERT_TRUE(log.ok()) << log.status();
    absl::StatusOr<DecisionPage> page =
        (*log)->ListDecisions(Filter().Rule("b"));
    ASSERT_TRUE(page.ok()) << page.status();
    EXPECT_THAT(DecisionIds(*page), ElementsAre("d-r1"));
  }
  EXPECT_EQ(*index_count(), 1);

  {
    // Migrated; the old row stays plain, a new one is compressed once the
    // version has a dictionary.
    plain_ = false;
    std::unique_ptr<SqliteDecisionLog> log = OpenLog();
    absl::StatusOr<DecisionPage> page = log->ListDecisions(Filter().Rule("a"));
    ASSERT_TRUE(page.ok()) << page.status();
    EXPECT_THAT(DecisionIds(*page), ElementsAre("d-r1"));
    ASSERT_TRUE(AppendAndWait(*log, MakeTestLogEntry(Spec("r2"))).ok());
  }
  EXPECT_EQ(*index_count(), 0);
  EXPECT_EQ(*RawConnection()->QueryText(
                "SELECT group_concat(decision_codec, ',') FROM "
                "(SELECT decision_codec FROM decisions ORDER BY seq)"),
            "0,1");

  EXPECT_EQ(*RawConnection()->QueryInt64("PRAGMA user_version"),
            SqliteDecisionLog::kSchemaVersion);
  EXPECT_EQ(VerifyChain(), 2);
}

TEST_F(SqliteDecisionLogTest, FailedWriteAnswersUnavailableAndLosesNothing) {
  {
    std::unique_ptr<SqliteDecisionLog> log = OpenLog();
    for (int i = 0; i < 3; ++i) {
      ASSERT_TRUE(
          AppendAndWait(*log, MakeTestLogEntry(Spec(absl::StrCat("r", i))))
              .ok());
    }
  }
  int64_t pages = 0;
  {
    std::unique_ptr<SqliteConnection> db = RawConnection();
    absl::StatusOr<int64_t> count = db->QueryInt64("PRAGMA page_count");
    ASSERT_TRUE(count.ok()) << count.status();
    pages = *count;
  }
  {
    // A database that may not grow: what SQLite reports on a full disk.
    std::unique_ptr<SqliteDecisionLog> log = OpenLog(FullDiskOptions(pages));
    const std::string big(64 * 1024, 'x');
    std::vector<absl::StatusOr<std::string>> outcomes(4);
    absl::Notification all_done;
    std::atomic<int> remaining{4};
    for (int i = 0; i < 4; ++i) {
      log->Append(MakeTestLogEntry(Spec(absl::StrCat("big", i)).Padding(big)),
                  [&, i](absl::StatusOr<std::string> outcome) {
                    outcomes[i] = std::move(outcome);
                    if (--remaining == 0) all_done.Notify();
                  });
    }
    all_done.WaitForNotification();
    for (const auto& outcome : outcomes) {
      EXPECT_THAT(outcome.status(),
                  StatusIs(absl::StatusCode::kUnavailable, HasSubstr("full")));
    }
    // What was stored before is intact and readable.
    for (int i = 0; i < 3; ++i) {
      EXPECT_TRUE(log->GetDecision(absl::StrCat("d-r", i)).ok());
    }
    EXPECT_THAT(log->GetDecision("d-big0").status(),
                StatusIs(absl::StatusCode::kNotFound, HasSubstr("big0")));
  }
  EXPECT_EQ(VerifyChain(), 3);
  {
    // Once there is room again the chain continues where it stopped.
    std::unique_ptr<SqliteDecisionLog> log = OpenLog();
    absl::StatusOr<v1::Decision> stored =
        AppendAndWait(*log, MakeTestLogEntry(Spec("big0").Padding("small")));
    ASSERT_TRUE(stored.ok()) << stored.status();
  }
  EXPECT_EQ(VerifyChain(), 4);
}

TEST_F(SqliteDecisionLogTest, ConcurrentAppendsAllLand) {
  std::unique_ptr<SqliteDecisionLog> log = OpenLog();
  constexpr int kThreads = 8;
  constexpr int kPerThread = 150;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        absl::StatusOr<v1::Decision> stored = AppendAndWait(
            *log, MakeTestLogEntry(Spec(absl::StrCat("t", t, "-", i))
                                       .Shop(absl::StrCat("shop", t))));
        if (!stored.ok()) ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);

  std::set<std::string> ids;
  DecisionFilter filter = Filter().PageSize(1000);
  for (;;) {
    absl::StatusOr<DecisionPage> page = log->ListDecisions(filter);
    ASSERT_TRUE(page.ok()) << page.status();
    for (const std::string& id : DecisionIds(*page)) ids.insert(id);
    if (page->next_page_token.empty()) break;
    filter.page_token = page->next_page_token;
  }
  EXPECT_EQ(ids.size(), static_cast<size_t>(kThreads * kPerThread));
  log->Close();
  EXPECT_EQ(VerifyChain(), kThreads * kPerThread);
}

TEST_F(SqliteDecisionLogTest, KilledWriterLosesNoAcknowledgedDecision) {
  OpenLog().reset();  // schema and bundle exist before the child starts
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The child appends in bursts and reports every acknowledged id; the
    // parent kills it mid-stream.
    close(pipe_fds[0]);
    absl::StatusOr<std::unique_ptr<SqliteDecisionLog>> log =
        SqliteDecisionLog::Open(path_);
    if (!log.ok()) _exit(2);
    for (int burst = 0;; ++burst) {
      std::atomic<int> pending{64};
      absl::Notification done;
      for (int i = 0; i < 64; ++i) {
        const std::string id = absl::StrCat("k", burst, "-", i);
        (*log)->Append(
            MakeTestLogEntry(Spec(id)),
            [&, id](absl::StatusOr<std::string> outcome) {
              if (outcome.ok()) {
                const std::string line = absl::StrCat(id, "\n");
                if (write(pipe_fds[1], line.data(), line.size()) < 0) {
                  _exit(3);
                }
              }
              if (--pending == 0) done.Notify();
            });
      }
      done.WaitForNotification();
    }
  }
  close(pipe_fds[1]);
  // Whatever happens below, the child does not outlive the test.
  struct KillOnExit {
    pid_t pid;
    ~KillOnExit() {
      if (pid > 0) {
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
      }
    }
  } reaper{child};
  std::string acknowledged;
  char buffer[4096];
  while (std::count(acknowledged.begin(), acknowledged.end(), '\n') < 500) {
    const ssize_t n = read(pipe_fds[0], buffer, sizeof(buffer));
    ASSERT_GT(n, 0) << "child stopped early";
    acknowledged.append(buffer, static_cast<size_t>(n));
  }
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  reaper.pid = -1;
  // Acknowledgements written before the kill are still in the pipe.
  for (ssize_t n; (n = read(pipe_fds[0], buffer, sizeof(buffer))) > 0;) {
    acknowledged.append(buffer, static_cast<size_t>(n));
  }
  close(pipe_fds[0]);

  std::unique_ptr<SqliteDecisionLog> log = OpenLog();
  int checked = 0;
  for (absl::string_view id :
       absl::StrSplit(acknowledged, '\n', absl::SkipEmpty())) {
    EXPECT_TRUE(log->GetDecision(absl::StrCat("d-", id)).ok()) << id;
    ++checked;
  }
  EXPECT_GE(checked, 500);
  log.reset();
  EXPECT_GE(VerifyChain(), checked);
}

TEST_F(SqliteDecisionLogTest, CloseDrainsQueueThenRefusesAppends) {
  std::unique_ptr<SqliteDecisionLog> log = OpenLog();
  std::atomic<int> stored{0};
  for (int i = 0; i < 100; ++i) {
    log->Append(MakeTestLogEntry(Spec(absl::StrCat("r", i))),
                [&](absl::StatusOr<std::string> outcome) {
                  if (outcome.ok()) ++stored;
                });
  }
  log->Close();
  EXPECT_EQ(stored.load(), 100);
  EXPECT_THAT(AppendAndWait(*log, MakeTestLogEntry(Spec("late"))).status(),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("closed")));
  EXPECT_THAT(log->PutBundle("v9", "b", "t", ""),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("closed")));
  log->Close();  // idempotent
  log.reset();
  EXPECT_EQ(VerifyChain(), 100);
}

// The writer never checkpoints; the checkpointer thread does, and past
// wal_limit_pages the writer starts the WAL over, so the WAL file stays small
// however much is appended; closing leaves it empty. Every append is stored.
TEST_F(SqliteDecisionLogTest, WalIsCheckpointedAndStartedOverUnderAppends) {
  SqliteDecisionLogOptions options;
  options.checkpoint_every = 4;
  options.wal_limit_pages = 32;
  std::unique_ptr<SqliteDecisionLog> log = OpenLog(options);
  ASSERT_NE(log, nullptr);
  constexpr int kCount = 300;
  for (int i = 0; i < kCount; ++i) {
    ASSERT_TRUE(
        AppendAndWait(
            *log,
            MakeTestLogEntry(
                Spec(absl::StrCat("req-", i)).Padding(std::string(3000, 'x'))))
            .ok());
  }
  // Without starting over, about 8 WAL pages per commit: ~10 MB.
  const std::string wal = path_ + "-wal";
  EXPECT_LT(std::filesystem::file_size(wal), 2'000'000u);
  log->Close();
  EXPECT_EQ(std::filesystem::exists(wal) ? std::filesystem::file_size(wal) : 0,
            0u);
  EXPECT_EQ(VerifyChain(), kCount);
}

}  // namespace
}  // namespace refund::server
