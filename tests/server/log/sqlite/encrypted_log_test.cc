// The SQLite store with a keyring (schema 5): rows sealed on disk and read
// back exactly, the idempotent retry, keys missing at open and at read,
// tampering, verify without the key, a mixed log, and rekeying plain ->
// sealed -> rotated -> plain with the chain untouched.
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "engine/base/sha256.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/log/decision_log.h"
#include "server/log/log_keyring.h"
#include "server/log/log_verifier.h"
#include "server/log/sqlite/sqlite_connection.h"
#include "server/log/sqlite/sqlite_decision_log.h"
#include "server/log/sqlite/sqlite_log_rekeyer.h"
#include "server/log/sqlite/sqlite_log_snapshot.h"
#include "tests/testing/log_entry_builder.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace refund::server {
namespace {

using ::refund::testing::LogEntrySpec;
using ::refund::testing::MakeTestLogEntry;
using ::refund::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// What the tests look for in the file: it is in every request.
constexpr char kBuyerSecret[] = "BUYER-SECRET-4711";

std::shared_ptr<const LogKeyring> Ring(const std::vector<std::string>& ids) {
  // Each id's key is its last character, 64 times: the same id has the same
  // key in every ring.
  std::string text;
  for (const std::string& id : ids) {
    absl::StrAppend(&text, id, " ", std::string(64, id.back()), "\n");
  }
  absl::StatusOr<std::shared_ptr<const LogKeyring>> ring =
      LogKeyring::Parse(text, "test keys");
  EXPECT_TRUE(ring.ok()) << ring.status();
  return ring.ok() ? *ring : nullptr;
}

// The bundle's text and version (its SHA-256, so that verify accepts it).
constexpr char kBundleText[] = "bundle text";
const std::string& Version() {
  static const std::string* const version =
      new std::string(Sha256Hex(kBundleText));
  return *version;
}

DecisionLogEntry Entry(int i) {
  return MakeTestLogEntry(LogEntrySpec()
                              .Bundle(Version())
                              .Request(absl::StrCat("r", i))
                              .Refund("refund-1")
                              .Shop("shop-1")
                              .Amount(100 + i)
                              .Padding(absl::StrCat(kBuyerSecret, "-", i))
                              .Rules({"rule.a", "rule.b"}));
}

absl::StatusOr<std::string> AppendAndWait(DecisionLog& log,
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

class EncryptedLogTest : public ::testing::Test {
 protected:
  absl::StatusOr<std::unique_ptr<SqliteDecisionLog>> Open(
      std::shared_ptr<const LogKeyring> keyring, bool read_only = false) {
    SqliteDecisionLogOptions options;
    options.keyring = std::move(keyring);
    options.read_only = read_only;
    return SqliteDecisionLog::Open(path_, options);
  }

  // Opens with `keyring`, stores the bundle (with a dictionary: decisions
  // are compressed, then sealed) and appends entries first..last-1.
  void AppendWith(std::shared_ptr<const LogKeyring> keyring, int first,
                  int last) {
    absl::StatusOr<std::unique_ptr<SqliteDecisionLog>> log =
        Open(std::move(keyring));
    ASSERT_TRUE(log.ok()) << log.status();
    ASSERT_TRUE((*log)
                    ->PutBundle(Version(), "test", kBundleText,
                                Entry(-1).decision_bytes)
                    .ok());
    for (int i = first; i < last; ++i) {
      DecisionLogEntry entry = Entry(i);
      const std::string bytes = entry.decision_bytes;
      absl::StatusOr<std::string> stored =
          AppendAndWait(**log, std::move(entry));
      ASSERT_TRUE(stored.ok()) << stored.status();
      EXPECT_EQ(*stored, bytes);
    }
  }

  // The verify report of a snapshot read with `keyring`.
  VerifyReport Verify(std::shared_ptr<const LogKeyring> keyring) {
    absl::StatusOr<std::unique_ptr<SqliteLogSnapshot>> snapshot =
        SqliteLogSnapshot::Open(path_, std::move(keyring));
    EXPECT_TRUE(snapshot.ok()) << snapshot.status();
    absl::StatusOr<VerifyReport> report = VerifyLog(**snapshot);
    EXPECT_TRUE(report.ok()) << report.status();
    return report.value_or(VerifyReport());
  }

  std::unique_ptr<SqliteConnection> Raw() {
    absl::StatusOr<std::unique_ptr<SqliteConnection>> db =
        SqliteConnection::Open(path_, SQLITE_OPEN_READWRITE);
    EXPECT_TRUE(db.ok()) << db.status();
    return db.ok() ? *std::move(db) : nullptr;
  }

  // Whether the database file or its WAL holds `text`.
  bool FileHolds(const std::string& text) {
    for (const std::string& file : {path_, path_ + "-wal"}) {
      std::ifstream in(file, std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
      if (bytes.find(text) != std::string::npos) return true;
    }
    return false;
  }

  // Every decision read back through a log opened with `keyring` equals
  // what was appended.
  void ExpectReadsBack(std::shared_ptr<const LogKeyring> keyring, int count) {
    absl::StatusOr<std::unique_ptr<SqliteDecisionLog>> log =
        Open(std::move(keyring), /*read_only=*/true);
    ASSERT_TRUE(log.ok()) << log.status();
    DecisionFilter filter;
    filter.page_size = 1000;
    absl::StatusOr<DecisionPage> page = (*log)->ListDecisions(filter);
    ASSERT_TRUE(page.ok()) << page.status();
    ASSERT_EQ(static_cast<int>(page->decisions.size()), count);
    for (int i = 0; i < count; ++i) {
      const DecisionLogEntry entry = Entry(i);
      EXPECT_EQ(page->decisions[i].decision_bytes, entry.decision_bytes) << i;
      EXPECT_EQ(page->decisions[i].request_bytes, entry.request_bytes) << i;
    }
    absl::StatusOr<StoredDecision> got = (*log)->GetDecision("d-r1");
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(got->request_bytes, Entry(1).request_bytes);
  }

  testing::TempDir dir_;
  const std::string path_ = dir_.path() + "/decisions.db";
};

TEST_F(EncryptedLogTest, SealedRowsHoldNoPlaintextAndReadBackExactly) {
  AppendWith(Ring({"k1"}), 0, 10);
  EXPECT_FALSE(FileHolds(kBuyerSecret));
  std::unique_ptr<SqliteConnection> db = Raw();
  EXPECT_EQ(*db->QueryInt64("SELECT count(*) FROM decisions "
                            "WHERE key_id = 'k1' AND decision_codec = 1"),
            10);
  EXPECT_EQ(*db->QueryText("SELECT group_concat(key_id) FROM blob_key_ids"),
            "k1");
  ExpectReadsBack(Ring({"k1"}), 10);
  const VerifyReport report = Verify(Ring({"k1"}));
  EXPECT_TRUE(report.ok);
  EXPECT_EQ(report.rows_checked, 10);
}

TEST_F(EncryptedLogTest, IdempotentRetryAnswersThePlaintextDecision) {
  AppendWith(Ring({"k1"}), 0, 3);
  absl::StatusOr<std::unique_ptr<SqliteDecisionLog>> log = Open(Ring({"k1"}));
  ASSERT_TRUE(log.ok()) << log.status();
  // A retry is decided again (new decision id, new time); the log answers
  // with the first decision, unsealed and decompressed.
  absl::StatusOr<std::string> retry = AppendAndWait(
      **log, MakeTestLogEntry(LogEntrySpec()
                                  .Request("r1")
                                  .Refund("refund-1")
                                  .Shop("shop-1")
                                  .Amount(101)
                                  .Padding(absl::StrCat(kBuyerSecret, "-1"))
                                  .Rules({"rule.a", "rule.b"})
                                  .Bundle(Version())
                                  .DecisionId("d-retry")
                                  .At(5)));
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_EQ(*retry, Entry(1).decision_bytes);
  DecisionLogEntry changed = Entry(1);
  changed.request_bytes += "x";
  changed.decision_id = "d-changed";
  EXPECT_THAT(AppendAndWait(**log, std::move(changed)),
              StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("r1")));
}

TEST_F(EncryptedLogTest, OpenWithoutItsKeysIsRefusedNamingThem) {
  AppendWith(Ring({"k1"}), 0, 2);
  EXPECT_THAT(Open(nullptr),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("rows are encrypted with key \"k1\", which "
                                 "cannot be read without a key file")));
  EXPECT_THAT(Open(Ring({"k2"}), /*read_only=*/true),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("\"k1\", which the key file does not hold")));
  // A rotated ring: old rows read with k1, new ones are sealed with k2.
  AppendWith(Ring({"k1", "k2"}), 2, 4);
  EXPECT_EQ(*Raw()->QueryText("SELECT group_concat(key_id) FROM "
                              "(SELECT key_id FROM decisions ORDER BY seq)"),
            "k1,k1,k2,k2");
  ExpectReadsBack(Ring({"k1", "k2"}), 4);
  EXPECT_THAT(
      Open(Ring({"k2"})),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("key \"k1\"")));
}

TEST_F(EncryptedLogTest, RowWhoseKeyIsNotHeldReadsAsAClearError) {
  AppendWith(Ring({"k1"}), 0, 2);
  // The list of keys lost (edited by hand): the open lets it through, the
  // rows still say which key they need.
  ASSERT_TRUE(Raw()->Execute("DELETE FROM blob_key_ids").ok());
  absl::StatusOr<std::unique_ptr<SqliteDecisionLog>> log = Open(nullptr);
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_THAT((*log)->GetDecision("d-r1").status(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("row seq 2 is encrypted with key \"k1\"")));
  EXPECT_THAT(AppendAndWait(**log, Entry(0)),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("encrypted with key \"k1\"")));
}

TEST_F(EncryptedLogTest, VerifyWithoutTheKeyChecksLinksAndNamesTheKey) {
  AppendWith(Ring({"k1"}), 0, 5);
  VerifyReport report = Verify(nullptr);
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.rows_checked, 5);
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_EQ(report.problems[0].kind, "KEY_MISSING");
  EXPECT_THAT(report.problems[0].message,
              HasSubstr("5 rows (seq 1 to 5) encrypted with key \"k1\""));
  EXPECT_EQ(Verify(Ring({"k2"})).problems[0].kind, "KEY_MISSING");

  // The links are still checked: a deleted row shows without the key.
  ASSERT_TRUE(Raw()->Execute("DELETE FROM decisions WHERE seq = 3").ok());
  report = Verify(nullptr);
  std::vector<std::string> found;
  for (const LogProblem& problem : report.problems) {
    found.push_back(absl::StrCat(problem.seq, " ", problem.kind));
  }
  EXPECT_THAT(found, ::testing::Contains("4 SEQ_GAP"));
  EXPECT_THAT(found, ::testing::Contains("0 KEY_MISSING"));
}

TEST_F(EncryptedLogTest, EditedOrSwappedCiphertextIsReported) {
  AppendWith(Ring({"k1"}), 0, 5);
  {
    std::unique_ptr<SqliteConnection> db = Raw();
    absl::StatusOr<SqliteStatement> read =
        db->Prepare("SELECT request FROM decisions WHERE seq = 2");
    ASSERT_TRUE(read.ok() && *read->Step());
    std::string blob = read->ColumnBytes(0);
    read->Reset();
    blob[blob.size() / 2] ^= 0x20;
    absl::StatusOr<SqliteStatement> write =
        db->Prepare("UPDATE decisions SET request = ?1 WHERE seq = 2");
    ASSERT_TRUE(write.ok());
    write->BindBlob(1, blob);
    ASSERT_TRUE(write->Run().ok());
    // Seq 4's decision blob moved to seq 5: sealed for another row.
    ASSERT_TRUE(db->Execute("UPDATE decisions SET decision = (SELECT decision "
                            "FROM decisions WHERE seq = 4) WHERE seq = 5")
                    .ok());
  }
  const VerifyReport report = Verify(Ring({"k1"}));
  EXPECT_FALSE(report.ok);
  std::vector<std::string> found;
  for (const LogProblem& problem : report.problems) {
    found.push_back(absl::StrCat(problem.seq, " ", problem.kind));
  }
  EXPECT_THAT(found, ::testing::UnorderedElementsAre(
                         "2 ROW_HASH_MISMATCH", "2 CORRUPT_ROW",
                         "5 ROW_HASH_MISMATCH", "5 CORRUPT_ROW"));
  absl::StatusOr<std::unique_ptr<SqliteDecisionLog>> log =
      Open(Ring({"k1"}), /*read_only=*/true);
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_THAT((*log)->GetDecision("d-r1").status(),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("stored request at seq 2 is corrupt")));
  EXPECT_THAT((*log)->GetDecision("d-r4").status(),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("stored decision at seq 5 is corrupt")));
}

TEST_F(EncryptedLogTest, RekeyMovesEveryRowAndNeverTouchesTheChain) {
  // A mixed log: plain rows, then rows sealed with k1.
  AppendWith(nullptr, 0, 6);
  EXPECT_TRUE(FileHolds(kBuyerSecret));
  AppendWith(Ring({"k1"}), 6, 12);
  const VerifyReport before = Verify(Ring({"k1"}));
  ASSERT_TRUE(before.ok);

  struct Step {
    std::vector<std::string> ring;
    bool to_plain;
    int64_t rewritten;
    std::string key_ids;  // blob_key_ids afterwards
  };
  for (const Step& step :
       {Step{{"k1"}, false, 6, "k1"}, Step{{"k1", "k2"}, false, 12, "k2"},
        Step{{"k2"}, false, 0, "k2"}, Step{{"k2"}, true, 12, ""}}) {
    SCOPED_TRACE(absl::StrCat(step.ring.back(), step.to_plain ? " plain" : ""));
    RekeyOptions options;
    options.to_plain = step.to_plain;
    options.batch_rows = 5;
    absl::StatusOr<RekeyResult> result =
        RekeySqliteLog(path_, *Ring(step.ring), options);
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(result->rows_rewritten, step.rewritten);
    EXPECT_EQ(result->rows_total, 12);
    EXPECT_EQ(*Raw()->QueryText(
                  "SELECT ifnull(group_concat(key_id), '') FROM blob_key_ids"),
              step.key_ids);
    EXPECT_EQ(FileHolds(kBuyerSecret), step.to_plain);
    const VerifyReport after = Verify(Ring(step.ring));
    EXPECT_TRUE(after.ok);
    EXPECT_EQ(after.last_row_hash, before.last_row_hash);
    ExpectReadsBack(step.to_plain ? nullptr : Ring(step.ring), 12);
  }
  EXPECT_TRUE(Open(nullptr).ok());
}

TEST_F(EncryptedLogTest, RekeyStopsAtARowItCannotReadAndResumes) {
  AppendWith(Ring({"k1"}), 0, 4);
  AppendWith(Ring({"k1", "k2"}), 4, 8);
  RekeyOptions options;
  options.batch_rows = 2;
  // Without k1 the first rows cannot be opened: nothing is lost.
  absl::StatusOr<RekeyResult> failed =
      RekeySqliteLog(path_, *Ring({"k2", "k3"}), options);
  EXPECT_THAT(failed, StatusIs(absl::StatusCode::kFailedPrecondition,
                               HasSubstr("row seq 1 is encrypted with key "
                                         "\"k1\", which the key file does "
                                         "not hold")));
  EXPECT_TRUE(Verify(Ring({"k1", "k2", "k3"})).ok);
  absl::StatusOr<RekeyResult> done =
      RekeySqliteLog(path_, *Ring({"k1", "k2", "k3"}), options);
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->rows_rewritten, 8);
  EXPECT_THAT(done->key_ids_removed, ::testing::ElementsAre("k1", "k2"));
  EXPECT_TRUE(Verify(Ring({"k3"})).ok);
  EXPECT_THAT(RekeySqliteLog(dir_.path() + "/none.db", *Ring({"k3"}), options),
              StatusIs(absl::StatusCode::kUnavailable, ::testing::_));
}

}  // namespace
}  // namespace refund::server
