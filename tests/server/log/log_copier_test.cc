// Copying a whole decision log into an empty one (server/log/log_copier.h):
// the same rows, seqs, hashes, rule ids and bundle versions (names and
// dictionaries too) in every destination store; and the copies it refuses
// or stops: a destination with rows, a source that does not chain, a row it
// cannot read, a destination that fails or answers with another decision.
#include "server/log/log_copier.h"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "engine/base/sha256.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/log/decision_log.h"
#include "server/log/hash_chain.h"
#include "server/log/log_snapshot.h"
#include "server/log/log_verifier.h"
#include "server/log/memory/memory_decision_log.h"
#include "server/log/sqlite/sqlite_decision_log.h"
#include "tests/testing/log_entry_builder.h"
#include "tests/testing/request_generator.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace refund::server {
namespace {

using ::refund::testing::LogEntrySpec;
using ::refund::testing::MakeTestLogEntry;
using ::refund::testing::StatusIs;
using ::refund::testing::TestLogRequest;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

// Three bundle versions: two with a dictionary, one without.
struct TestBundle {
  std::string name;
  std::string text;
  bool dictionary;
};
const TestBundle kBundles[] = {
    {"first", "text of the first bundle", true},
    {"second", "text of the second bundle", true},
    {"third", "text of the third bundle", false},
};

// The destinations under test: each makes a fresh, empty log in `dir`.
struct MemoryDestination {
  static absl::StatusOr<std::unique_ptr<DecisionLog>> Make(
      const std::string& /*dir*/) {
    return std::unique_ptr<DecisionLog>(std::make_unique<MemoryDecisionLog>());
  }
};

struct SqliteDestination {
  static absl::StatusOr<std::unique_ptr<DecisionLog>> Make(
      const std::string& dir) {
    absl::StatusOr<std::unique_ptr<SqliteDecisionLog>> log =
        SqliteDecisionLog::Open(dir + "/copy/decisions.db");
    if (!log.ok()) return log.status();
    return std::unique_ptr<DecisionLog>(*std::move(log));
  }
};

struct DestinationNames {
  template <typename Destination>
  static std::string GetName(int /*index*/) {
    if (std::is_same_v<Destination, MemoryDestination>) return "Memory";
    if (std::is_same_v<Destination, SqliteDestination>) return "Sqlite";
    return "Unknown";
  }
};

std::vector<LogRecord> ReadAll(LogSnapshot& snapshot) {
  std::vector<LogRecord> records;
  for (;;) {
    absl::StatusOr<std::optional<LogRecord>> next = snapshot.Next();
    EXPECT_TRUE(next.ok()) << next.status();
    if (!next.ok() || !next->has_value()) break;
    records.push_back(**std::move(next));
  }
  return records;
}

std::vector<StoredBundleText> SortedBundles(LogSnapshot& snapshot) {
  absl::StatusOr<std::vector<StoredBundleText>> bundles = snapshot.Bundles();
  EXPECT_TRUE(bundles.ok()) << bundles.status();
  if (!bundles.ok()) return {};
  std::sort(bundles->begin(), bundles->end(),
            [](const StoredBundleText& a, const StoredBundleText& b) {
              return a.version < b.version;
            });
  return *std::move(bundles);
}

// The snapshot a source would give, from records and bundles a test wrote
// (to show the copier what no store would hold).
class RecordedSnapshot final : public LogSnapshot {
 public:
  RecordedSnapshot(std::vector<LogRecord> records,
                   std::vector<StoredBundleText> bundles, HeadState head)
      : records_(std::move(records)),
        bundles_(std::move(bundles)),
        head_(std::move(head)) {}

  absl::StatusOr<std::optional<LogRecord>> Next() override {
    if (next_ == records_.size()) return std::nullopt;
    return std::optional<LogRecord>(records_[next_++]);
  }
  absl::StatusOr<std::vector<StoredBundleText>> Bundles() override {
    return bundles_;
  }
  absl::StatusOr<HeadState> Head() override { return head_; }
  absl::StatusOr<std::vector<int64_t>> OrphanIndexedSeqs() override {
    return std::vector<int64_t>();
  }

 private:
  std::vector<LogRecord> records_;
  std::vector<StoredBundleText> bundles_;
  HeadState head_;
  size_t next_ = 0;
};

// A memory log whose appends fail (UNAVAILABLE, answered at once) from the
// `fail_from`th on, as a store whose commits start failing.
class FailingLog final : public DecisionLog {
 public:
  explicit FailingLog(int fail_from) : fail_from_(fail_from) {}

  void Append(DecisionLogEntry entry, AppendCallback done) override {
    bool fail = false;
    {
      absl::MutexLock lock(&mu_);
      fail = ++appends_ >= fail_from_;
    }
    if (fail) {
      done(absl::UnavailableError("disk I/O error"));
      return;
    }
    inner_.Append(std::move(entry), std::move(done));
  }
  absl::Status PutBundle(const std::string& version, const std::string& name,
                         const std::string& text,
                         const std::string& dictionary) override {
    return inner_.PutBundle(version, name, text, dictionary);
  }
  using DecisionLog::GetDecision;
  absl::StatusOr<StoredDecision> GetDecision(const std::string& id,
                                             const ShopScope& scope) override {
    return inner_.GetDecision(id, scope);
  }
  absl::StatusOr<DecisionPage> ListDecisions(
      const DecisionFilter& filter) override {
    return inner_.ListDecisions(filter);
  }
  absl::StatusOr<std::string> GetBundleText(
      const std::string& version) override {
    return inner_.GetBundleText(version);
  }
  absl::StatusOr<std::unique_ptr<LogSnapshot>> OpenSnapshot() override {
    return inner_.OpenSnapshot();
  }
  absl::StatusOr<ChainHead> CommittedHead() override {
    return inner_.CommittedHead();
  }
  LogHealth Health() override { return inner_.Health(); }
  void Close() override { inner_.Close(); }

 private:
  const int fail_from_;
  absl::Mutex mu_;
  int appends_ ABSL_GUARDED_BY(mu_) = 0;
  MemoryDecisionLog inner_;
};

// A source log in memory (the reference store) with rows under every test
// bundle, and what a copy of it must hold.
class LogCopierTest : public ::testing::Test {
 protected:
  LogCopierTest() : generator_(/*seed=*/23) {}

  void SetUp() override {
    for (const TestBundle& bundle : kBundles)
      versions_.push_back(Sha256Hex(bundle.text));
  }

  // A new entry (unique ids) under bundle `bundle` (an index into kBundles),
  // its rules and verdict varying with `i`.
  DecisionLogEntry NewEntry(int i, int bundle) {
    std::vector<std::string> rules;
    for (int r = 0; r < i % 4; ++r) rules.push_back(absl::StrCat("rule.", r));
    const v1::Verdict verdicts[] = {v1::VERDICT_APPROVE, v1::VERDICT_NEGOTIATE,
                                    v1::VERDICT_REJECT};
    const LogEntrySpec spec = LogEntrySpec()
                                  .At(i)
                                  .Verdict(verdicts[i % 3])
                                  .Rules(rules)
                                  .Bundle(versions_[bundle]);
    return MakeTestLogEntry(spec,
                            TestLogRequest(spec, generator_.Next("copy")));
  }

  // Stores every test bundle in `log` (a dictionary of decision bytes where
  // the bundle has one).
  void PutBundles(DecisionLog& log) {
    const std::string dictionary = NewEntry(0, 0).decision_bytes;
    for (size_t b = 0; b < std::size(kBundles); ++b) {
      ASSERT_TRUE(log.PutBundle(versions_[b], kBundles[b].name,
                                kBundles[b].text,
                                kBundles[b].dictionary ? dictionary : "")
                      .ok());
    }
  }

  // Appends `count` new entries to `log` at once, across the bundles, and
  // waits for them.
  void AppendMany(DecisionLog& log, int count) {
    absl::Mutex mu;
    int answered = 0;
    std::vector<absl::Status> failures;
    for (int i = 0; i < count; ++i) {
      log.Append(NewEntry(i, i % 3), [&](absl::StatusOr<std::string> outcome) {
        absl::MutexLock lock(&mu);
        if (!outcome.ok()) failures.push_back(outcome.status());
        ++answered;
      });
    }
    absl::MutexLock lock(&mu);
    auto all_answered = [&] { return answered == count; };
    mu.Await(absl::Condition(&all_answered));
    EXPECT_THAT(failures, IsEmpty());
  }

  // The source: every bundle and `rows` rows.
  std::unique_ptr<MemoryDecisionLog> Source(int rows) {
    auto log = std::make_unique<MemoryDecisionLog>();
    PutBundles(*log);
    AppendMany(*log, rows);
    return log;
  }

  std::unique_ptr<LogSnapshot> SnapshotOf(DecisionLog& log) {
    absl::StatusOr<std::unique_ptr<LogSnapshot>> snapshot = log.OpenSnapshot();
    EXPECT_TRUE(snapshot.ok()) << snapshot.status();
    return snapshot.ok() ? *std::move(snapshot) : nullptr;
  }

  // A snapshot of the records of `log`, the bundles and a head naming the
  // last of `records`.
  std::unique_ptr<LogSnapshot> Recorded(std::vector<LogRecord> records,
                                        DecisionLog& log) {
    std::vector<StoredBundleText> bundles = SortedBundles(*SnapshotOf(log));
    LogSnapshot::HeadState head;
    head.kept = true;
    head.head = ChainHead{records.empty() ? 0 : records.back().seq,
                          records.empty() ? std::string(32, '\0')
                                          : records.back().columns.row_hash};
    return std::make_unique<RecordedSnapshot>(std::move(records),
                                              std::move(bundles), head);
  }

  refund::testing::TempDir dir_;
  refund::testing::RequestGenerator generator_;
  std::vector<std::string> versions_;
};

template <typename Destination>
class LogCopierStoresTest : public LogCopierTest {
 protected:
  std::unique_ptr<DecisionLog> NewDestination() {
    absl::StatusOr<std::unique_ptr<DecisionLog>> log =
        Destination::Make(dir_.path());
    EXPECT_TRUE(log.ok()) << log.status();
    return log.ok() ? *std::move(log) : nullptr;
  }
};

using Destinations = ::testing::Types<MemoryDestination, SqliteDestination>;
TYPED_TEST_SUITE(LogCopierStoresTest, Destinations, DestinationNames);

TYPED_TEST(LogCopierStoresTest, CopiesEveryRowAndBundleIntoTheSameChain) {
  constexpr int kRows = 300;
  std::unique_ptr<MemoryDecisionLog> source = this->Source(kRows);
  std::unique_ptr<DecisionLog> destination = this->NewDestination();
  ASSERT_NE(destination, nullptr);

  LogCopyOptions options;
  options.max_in_flight = 7;  // the window fills and drains many times
  options.progress_interval = absl::ZeroDuration();
  int64_t last_progress = -1;
  int reports = 0;
  options.progress = [&](const LogCopyProgress& progress) {
    EXPECT_GE(progress.rows_copied, last_progress);
    last_progress = progress.rows_copied;
    ++reports;
  };
  LogCopyResult result;
  std::unique_ptr<LogSnapshot> from = this->SnapshotOf(*source);
  ASSERT_TRUE(CopyDecisionLog(*from, *destination, options, &result).ok());
  EXPECT_EQ(result.rows_copied, kRows);
  EXPECT_EQ(result.bundles_copied, 3);
  EXPECT_TRUE(result.destination_written);
  EXPECT_GT(reports, 0);

  absl::StatusOr<ChainHead> source_head = source->CommittedHead();
  absl::StatusOr<ChainHead> copy_head = destination->CommittedHead();
  ASSERT_TRUE(source_head.ok() && copy_head.ok());
  EXPECT_EQ(source_head->last_seq, kRows);
  EXPECT_EQ(result.head.last_seq, kRows);
  EXPECT_EQ(result.head.last_hash, source_head->last_hash);
  EXPECT_EQ(copy_head->last_seq, kRows);
  EXPECT_EQ(copy_head->last_hash, source_head->last_hash);

  // Row for row, byte for byte.
  const std::vector<LogRecord> original = ReadAll(*this->SnapshotOf(*source));
  const std::vector<LogRecord> copied =
      ReadAll(*this->SnapshotOf(*destination));
  ASSERT_THAT(copied, SizeIs(original.size()));
  for (size_t i = 0; i < original.size(); ++i) {
    const LogRecord& a = original[i];
    const LogRecord& b = copied[i];
    EXPECT_EQ(b.seq, a.seq);
    EXPECT_EQ(b.request, a.request) << "seq " << a.seq;
    EXPECT_EQ(b.decision, a.decision) << "seq " << a.seq;
    EXPECT_EQ(b.indexed_rule_ids, a.indexed_rule_ids) << "seq " << a.seq;
    const StoredRowColumns& x = a.columns;
    const StoredRowColumns& y = b.columns;
    EXPECT_EQ(std::tie(y.decision_id, y.request_id, y.refund_id, y.shop_id,
                       y.verdict, y.decided_at_micros, y.bundle_version,
                       y.request_sha256, y.prev_hash, y.row_hash),
              std::tie(x.decision_id, x.request_id, x.refund_id, x.shop_id,
                       x.verdict, x.decided_at_micros, x.bundle_version,
                       x.request_sha256, x.prev_hash, x.row_hash))
        << "seq " << a.seq;
  }
  const std::vector<StoredBundleText> bundles =
      SortedBundles(*this->SnapshotOf(*source));
  const std::vector<StoredBundleText> copied_bundles =
      SortedBundles(*this->SnapshotOf(*destination));
  ASSERT_THAT(copied_bundles, SizeIs(3));
  for (size_t i = 0; i < bundles.size(); ++i) {
    EXPECT_EQ(copied_bundles[i].version, bundles[i].version);
    EXPECT_EQ(copied_bundles[i].text, bundles[i].text);
    EXPECT_EQ(copied_bundles[i].name, bundles[i].name);
    EXPECT_EQ(copied_bundles[i].decision_dictionary,
              bundles[i].decision_dictionary);
  }

  absl::StatusOr<VerifyReport> report =
      VerifyLog(*this->SnapshotOf(*destination));
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ok);
  EXPECT_EQ(report->rows_checked, kRows);
  EXPECT_EQ(report->bundles_checked, 3);
}

TYPED_TEST(LogCopierStoresTest, RefusesADestinationWithRowsAndWritesNothing) {
  std::unique_ptr<MemoryDecisionLog> source = this->Source(5);
  std::unique_ptr<DecisionLog> destination = this->NewDestination();
  ASSERT_NE(destination, nullptr);
  this->PutBundles(*destination);
  this->AppendMany(*destination, 1);
  absl::StatusOr<ChainHead> before = destination->CommittedHead();
  ASSERT_TRUE(before.ok());

  LogCopyResult result;
  EXPECT_THAT(
      CopyDecisionLog(*this->SnapshotOf(*source), *destination, {}, &result),
      StatusIs(absl::StatusCode::kFailedPrecondition,
               HasSubstr("destination is not empty")));
  EXPECT_FALSE(result.destination_written);
  EXPECT_EQ(result.rows_copied, 0);
  absl::StatusOr<ChainHead> after = destination->CommittedHead();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->last_seq, 1);
  EXPECT_EQ(after->last_hash, before->last_hash);
}

TYPED_TEST(LogCopierStoresTest, ADestinationWithOnlyBundlesIsEmpty) {
  std::unique_ptr<MemoryDecisionLog> source = this->Source(10);
  std::unique_ptr<DecisionLog> destination = this->NewDestination();
  ASSERT_NE(destination, nullptr);
  this->PutBundles(*destination);
  LogCopyResult result;
  ASSERT_TRUE(
      CopyDecisionLog(*this->SnapshotOf(*source), *destination, {}, &result)
          .ok());
  EXPECT_EQ(result.rows_copied, 10);
}

TYPED_TEST(LogCopierStoresTest, AnEmptySourceCopiesItsBundles) {
  auto source = std::make_unique<MemoryDecisionLog>();
  this->PutBundles(*source);
  std::unique_ptr<DecisionLog> destination = this->NewDestination();
  ASSERT_NE(destination, nullptr);
  LogCopyResult result;
  ASSERT_TRUE(
      CopyDecisionLog(*this->SnapshotOf(*source), *destination, {}, &result)
          .ok());
  EXPECT_EQ(result.rows_copied, 0);
  EXPECT_EQ(result.bundles_copied, 3);
  EXPECT_EQ(result.head.last_seq, 0);
  EXPECT_THAT(SortedBundles(*this->SnapshotOf(*destination)), SizeIs(3));
}

// A row edited in the source (its row_hash no longer its bytes') stops the
// copy there: the rows before it are in the destination, a partial copy.
TEST_F(LogCopierTest, AnEditedSourceRowStopsTheCopyAtIt) {
  std::unique_ptr<MemoryDecisionLog> source = Source(20);
  std::vector<LogRecord> records = ReadAll(*SnapshotOf(*source));
  records[11].decision = records[12].decision;
  MemoryDecisionLog destination;
  LogCopyResult result;
  EXPECT_THAT(
      CopyDecisionLog(*Recorded(records, *source), destination, {}, &result),
      StatusIs(absl::StatusCode::kDataLoss,
               HasSubstr("source row seq 12: its row_hash does not match")));
  EXPECT_TRUE(result.destination_written);
  EXPECT_EQ(result.rows_copied, 11);
  EXPECT_EQ(destination.CommittedHead()->last_seq, 11);
}

TEST_F(LogCopierTest, ADeletedSourceRowIsAGap) {
  std::unique_ptr<MemoryDecisionLog> source = Source(8);
  std::vector<LogRecord> records = ReadAll(*SnapshotOf(*source));
  records.erase(records.begin() + 4);
  MemoryDecisionLog destination;
  LogCopyResult result;
  EXPECT_THAT(
      CopyDecisionLog(*Recorded(records, *source), destination, {}, &result),
      StatusIs(absl::StatusCode::kDataLoss,
               HasSubstr("source row seq 6 follows seq 4")));
}

TEST_F(LogCopierTest, AMovedPrevHashIsNotCopied) {
  std::unique_ptr<MemoryDecisionLog> source = Source(4);
  std::vector<LogRecord> records = ReadAll(*SnapshotOf(*source));
  records[2].columns.prev_hash = records[0].columns.row_hash;
  MemoryDecisionLog destination;
  LogCopyResult result;
  EXPECT_THAT(
      CopyDecisionLog(*Recorded(records, *source), destination, {}, &result),
      StatusIs(absl::StatusCode::kDataLoss,
               HasSubstr("seq 3: its prev_hash is not the row_hash")));
}

// The last rows deleted and the head left naming them: the chain alone
// looks whole, the head says otherwise.
TEST_F(LogCopierTest, ASourceHeadBeyondItsLastRowFailsTheCopy) {
  std::unique_ptr<MemoryDecisionLog> source = Source(6);
  std::vector<LogRecord> records = ReadAll(*SnapshotOf(*source));
  const ChainHead head{6, records.back().columns.row_hash};
  records.resize(4);
  LogSnapshot::HeadState state;
  state.kept = true;
  state.head = head;
  RecordedSnapshot snapshot(records, SortedBundles(*SnapshotOf(*source)),
                            state);
  MemoryDecisionLog destination;
  LogCopyResult result;
  EXPECT_THAT(CopyDecisionLog(snapshot, destination, {}, &result),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("does not name its last row")));
  EXPECT_EQ(result.rows_copied, 4);
}

TEST_F(LogCopierTest, ARowSealedWithAKeyNotGivenIsNotCopied) {
  std::unique_ptr<MemoryDecisionLog> source = Source(3);
  std::vector<LogRecord> records = ReadAll(*SnapshotOf(*source));
  records[1].missing_key_id = "2026-12";
  records[1].request.clear();
  records[1].decision.clear();
  MemoryDecisionLog destination;
  LogCopyResult result;
  EXPECT_THAT(
      CopyDecisionLog(*Recorded(records, *source), destination, {}, &result),
      StatusIs(
          absl::StatusCode::kFailedPrecondition,
          HasSubstr("source row seq 2 is encrypted with key \"2026-12\"")));
}

TEST_F(LogCopierTest, AnUnreadableRowIsNotCopied) {
  std::unique_ptr<MemoryDecisionLog> source = Source(3);
  std::vector<LogRecord> records = ReadAll(*SnapshotOf(*source));
  records[2].decision.clear();
  records[2].decision_error = "zstd frame is corrupt";
  MemoryDecisionLog destination;
  LogCopyResult result;
  EXPECT_THAT(
      CopyDecisionLog(*Recorded(records, *source), destination, {}, &result),
      StatusIs(absl::StatusCode::kDataLoss,
               HasSubstr("source row seq 3 cannot be read: zstd frame")));
}

// Two rows with the same request (which no store holds): the destination
// answers the second as an idempotent retry, so it is not copied.
TEST_F(LogCopierTest, ARowTheDestinationAnswersAsARetryFailsTheCopy) {
  auto source = std::make_unique<MemoryDecisionLog>();
  PutBundles(*source);
  DecisionLogEntry first = NewEntry(0, 0);
  DecisionLogEntry second = MakeTestLogEntry(
      LogEntrySpec().Bundle(versions_[0]).DecisionId("d-other").At(5), [&] {
        v1::RefundRequest request;
        EXPECT_TRUE(request.ParseFromString(first.request_bytes));
        return request;
      }());
  ASSERT_EQ(second.request_bytes, first.request_bytes);
  HashChain chain;
  std::vector<LogRecord> records;
  for (DecisionLogEntry* entry : {&first, &second}) {
    const ChainLink link = chain.Link(*entry);
    chain.Advance(link);
    LogRecord& record = records.emplace_back();
    record.seq = link.seq;
    record.request = entry->request_bytes;
    record.decision = entry->decision_bytes;
    record.columns.decision_id = entry->decision_id;
    record.columns.request_id = entry->request_id;
    record.columns.bundle_version = entry->bundle_version;
    record.columns.decided_at_micros = entry->decided_at_micros;
    record.columns.prev_hash = link.prev_hash;
    record.columns.row_hash = link.row_hash;
  }
  MemoryDecisionLog destination;
  LogCopyResult result;
  EXPECT_THAT(
      CopyDecisionLog(*Recorded(records, *source), destination, {}, &result),
      StatusIs(absl::StatusCode::kAlreadyExists,
               HasSubstr("source row seq 2 with another decision")));
  EXPECT_EQ(result.rows_copied, 1);
}

TEST_F(LogCopierTest, AFailingDestinationStopsTheCopyAfterItsAnswers) {
  std::unique_ptr<MemoryDecisionLog> source = Source(50);
  FailingLog destination(/*fail_from=*/21);
  LogCopyOptions options;
  options.max_in_flight = 4;
  LogCopyResult result;
  EXPECT_THAT(
      CopyDecisionLog(*SnapshotOf(*source), destination, options, &result),
      StatusIs(absl::StatusCode::kUnavailable,
               HasSubstr("the destination refused source row seq 21: disk "
                         "I/O error")));
  EXPECT_TRUE(result.destination_written);
  EXPECT_EQ(result.rows_copied, 20);
  EXPECT_EQ(destination.CommittedHead()->last_seq, 20);
}

TEST_F(LogCopierTest, AClosedDestinationFailsAtTheFirstBundle) {
  std::unique_ptr<MemoryDecisionLog> source = Source(2);
  MemoryDecisionLog destination;
  destination.Close();
  LogCopyResult result;
  EXPECT_THAT(CopyDecisionLog(*SnapshotOf(*source), destination, {}, &result),
              StatusIs(absl::StatusCode::kUnavailable,
                       HasSubstr("storing bundle version")));
  EXPECT_EQ(result.bundles_copied, 0);
}

}  // namespace
}  // namespace refund::server
