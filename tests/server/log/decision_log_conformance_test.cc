// The DecisionLog conformance suite (server/log/decision_log.h): the same
// cases on every store, each on a fresh, empty log. The in-memory store is
// the reference; a new store is added to `Stores` below.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "engine/base/sha256.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "refund/v1/refund.pb.h"
#include "server/log/decision_log.h"
#include "server/log/log_entry.h"
#include "server/log/log_snapshot.h"
#include "server/log/log_verifier.h"
#include "server/log/memory/memory_decision_log.h"
#include "server/log/postgres/postgres_decision_log.h"
#include "server/log/row_hash.h"
#include "server/log/sqlite/sqlite_decision_log.h"
#include "tests/testing/log_entry_builder.h"
#include "tests/testing/request_generator.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_postgres.h"

namespace refund::server {
namespace {

using ::refund::testing::kEntryBaseMicros;
using ::refund::testing::LogEntrySpec;
using ::refund::testing::MakeTestLogEntry;
using ::refund::testing::StatusIs;
using ::refund::testing::TestLogRequest;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr char kBundleText[] = "policy bundle text of the conformance suite";
constexpr char kOtherBundleText[] = "another policy bundle text";

// The stores under test: each makes a fresh, empty log in `dir`.
struct MemoryStore {
  static absl::StatusOr<std::unique_ptr<DecisionLog>> Make(
      const std::string& /*dir*/) {
    return std::unique_ptr<DecisionLog>(std::make_unique<MemoryDecisionLog>());
  }
};

struct SqliteStore {
  static absl::StatusOr<std::unique_ptr<DecisionLog>> Make(
      const std::string& dir) {
    absl::StatusOr<std::unique_ptr<SqliteDecisionLog>> log =
        SqliteDecisionLog::Open(dir + "/log/decisions.db");
    if (!log.ok()) return log.status();
    return std::unique_ptr<DecisionLog>(*std::move(log));
  }
};

// A fresh database of the process's throwaway PostgreSQL cluster
// (tests/testing/test_postgres.h) for each case.
struct PostgresStore {
  static absl::StatusOr<std::unique_ptr<DecisionLog>> Make(
      const std::string& /*dir*/) {
    absl::StatusOr<std::string> uri =
        testing::TestPostgres::Shared().CreateDatabase("conformance");
    if (!uri.ok()) return uri.status();
    absl::StatusOr<std::unique_ptr<PostgresDecisionLog>> log =
        PostgresDecisionLog::Open(*uri);
    if (!log.ok()) return log.status();
    return std::unique_ptr<DecisionLog>(*std::move(log));
  }
};

struct StoreNames {
  template <typename StoreFactory>
  static std::string GetName(int /*index*/) {
    if (std::is_same_v<StoreFactory, MemoryStore>) return "Memory";
    if (std::is_same_v<StoreFactory, SqliteStore>) return "Sqlite";
    if (std::is_same_v<StoreFactory, PostgresStore>) return "Postgres";
    return "Unknown";
  }
};

// A test entry's spec; the rest of the request comes from the generator.
// The entries name the bundle the fixture stores unless Bundle() says
// otherwise.
LogEntrySpec Spec() { return LogEntrySpec().Bundle(Sha256Hex(kBundleText)); }

// Appends `entry` and waits for the outcome.
absl::StatusOr<std::string> AppendAndWait(DecisionLog& log,
                                          DecisionLogEntry entry) {
  absl::StatusOr<std::string> result = absl::UnknownError("no answer");
  absl::Notification done;
  log.Append(std::move(entry), [&](absl::StatusOr<std::string> outcome) {
    result = std::move(outcome);
    done.Notify();
  });
  done.WaitForNotification();
  return result;
}

// Counts the answers of appends made without waiting, and waits for them.
class AnswerCounter {
 public:
  AppendCallback Callback() {
    return [this](absl::StatusOr<std::string> outcome) {
      absl::MutexLock lock(&mu_);
      if (!outcome.ok()) failures_.push_back(outcome.status());
      ++answered_;
    };
  }
  // Waits for `count` answers; returns the failures among them.
  std::vector<absl::Status> WaitFor(int count) {
    absl::MutexLock lock(&mu_);
    expected_ = count;
    mu_.Await(absl::Condition(this, &AnswerCounter::AllAnswered));
    return failures_;
  }

 private:
  bool AllAnswered() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return answered_ >= expected_;
  }

  absl::Mutex mu_;
  int expected_ ABSL_GUARDED_BY(mu_) = 0;
  int answered_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<absl::Status> failures_ ABSL_GUARDED_BY(mu_);
};

std::vector<std::string> DecisionIds(const DecisionPage& page) {
  std::vector<std::string> ids;
  for (const StoredDecision& stored : page.decisions) {
    ids.push_back(stored.decision.decision_id());
  }
  return ids;
}

// Every record of `snapshot`, in the order it gives them.
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

// Checks that `records` are seqs 1..n, each linked to the one before and
// hashed over its own bytes.
void ExpectChained(const std::vector<LogRecord>& records) {
  std::string prev_hash = GenesisHash();
  for (size_t i = 0; i < records.size(); ++i) {
    const LogRecord& record = records[i];
    const StoredRowColumns& columns = record.columns;
    EXPECT_EQ(record.seq, static_cast<int64_t>(i + 1));
    EXPECT_EQ(columns.prev_hash, prev_hash)
        << "prev_hash at seq " << record.seq;
    EXPECT_EQ(
        columns.row_hash,
        ComputeRowHash(record.request, record.decision, columns.bundle_version,
                       columns.decided_at_micros, columns.prev_hash))
        << "row_hash at seq " << record.seq;
    EXPECT_EQ(columns.request_sha256, Sha256(record.request))
        << "request_sha256 at seq " << record.seq;
    prev_hash = columns.row_hash;
  }
}

template <typename StoreFactory>
class DecisionLogConformanceTest : public ::testing::Test {
 protected:
  DecisionLogConformanceTest()
      : version_(Sha256Hex(kBundleText)), generator_(/*seed=*/11) {}

  void SetUp() override {
    absl::StatusOr<std::unique_ptr<DecisionLog>> log =
        StoreFactory::Make(dir_.path());
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = *std::move(log);
    ASSERT_TRUE(log_->PutBundle(version_, "conformance", kBundleText, "").ok());
  }

  // A new request (unique ids) and its entry, decision id "d-<request_id>".
  DecisionLogEntry NewEntry(const LogEntrySpec& spec = Spec()) {
    last_request_ = TestLogRequest(spec, generator_.Next("conf"));
    return MakeTestLogEntry(spec, last_request_);
  }

  // The entry of a decision with id `decision_id` for `request`.
  DecisionLogEntry EntryFor(const v1::RefundRequest& request,
                            const std::string& decision_id,
                            const LogEntrySpec& spec = Spec()) {
    return MakeTestLogEntry(LogEntrySpec(spec).DecisionId(decision_id),
                            request);
  }

  // Appends `entry` and expects it stored; returns its decision id.
  std::string Store(DecisionLogEntry entry) {
    std::string decision_id = entry.decision_id;
    absl::StatusOr<std::string> stored = AppendAndWait(*log_, std::move(entry));
    EXPECT_TRUE(stored.ok()) << stored.status();
    return decision_id;
  }

  // Appends `count` new entries at once (the store may batch them) and
  // waits for every answer; returns their decision ids in append order.
  std::vector<std::string> StoreMany(int count) {
    std::vector<std::string> ids;
    AnswerCounter counter;
    for (int i = 0; i < count; ++i) {
      DecisionLogEntry entry = NewEntry(Spec().At(i));
      ids.push_back(entry.decision_id);
      log_->Append(std::move(entry), counter.Callback());
    }
    EXPECT_THAT(counter.WaitFor(count), IsEmpty());
    return ids;
  }

  DecisionPage List(const DecisionFilter& filter) {
    absl::StatusOr<DecisionPage> page = log_->ListDecisions(filter);
    EXPECT_TRUE(page.ok()) << page.status();
    return page.ok() ? *std::move(page) : DecisionPage();
  }

  std::unique_ptr<LogSnapshot> Snapshot() {
    absl::StatusOr<std::unique_ptr<LogSnapshot>> snapshot =
        log_->OpenSnapshot();
    EXPECT_TRUE(snapshot.ok()) << snapshot.status();
    return snapshot.ok() ? *std::move(snapshot) : nullptr;
  }

  // Declared before log_, so that the log is closed before the directory
  // goes.
  refund::testing::TempDir dir_;
  const std::string version_;
  refund::testing::RequestGenerator generator_;
  v1::RefundRequest last_request_;
  std::unique_ptr<DecisionLog> log_;
};

using Stores = ::testing::Types<MemoryStore, SqliteStore, PostgresStore>;
TYPED_TEST_SUITE(DecisionLogConformanceTest, Stores, StoreNames);

TYPED_TEST(DecisionLogConformanceTest, AppendThenGetDecisionReturnsExactBytes) {
  DecisionLogEntry entry = this->NewEntry(
      Spec().Verdict(v1::VERDICT_NEGOTIATE).At(42).Rules({"rule.b", "rule.a"}));
  const DecisionLogEntry copy = entry;

  absl::StatusOr<std::string> answered = AppendAndWait(*this->log_, entry);
  ASSERT_TRUE(answered.ok()) << answered.status();
  EXPECT_EQ(*answered, copy.decision_bytes);

  absl::StatusOr<StoredDecision> stored =
      this->log_->GetDecision(copy.decision_id);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->seq, 1);
  EXPECT_EQ(stored->decision_bytes, copy.decision_bytes);
  v1::Decision expected;
  ASSERT_TRUE(expected.ParseFromString(copy.decision_bytes));
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
      stored->decision, expected));
  EXPECT_EQ(stored->decision.decision_id(), copy.decision_id);
  EXPECT_EQ(stored->decision.verdict(), v1::VERDICT_NEGOTIATE);
  EXPECT_EQ(stored->request_bytes, copy.request_bytes);
  EXPECT_EQ(stored->bundle_version, this->version_);
  ASSERT_TRUE(stored->row.has_value());
  const StoredRowColumns& row = *stored->row;
  EXPECT_EQ(row.decision_id, copy.decision_id);
  EXPECT_EQ(row.request_id, copy.request_id);
  EXPECT_EQ(row.refund_id, copy.refund_id);
  EXPECT_EQ(row.shop_id, copy.shop_id);
  EXPECT_EQ(row.verdict, static_cast<int64_t>(v1::VERDICT_NEGOTIATE));
  EXPECT_EQ(row.decided_at_micros, kEntryBaseMicros + 42'000'000);
  EXPECT_EQ(row.bundle_version, this->version_);
  EXPECT_EQ(row.request_sha256, Sha256(copy.request_bytes));
  EXPECT_EQ(row.prev_hash, GenesisHash());
  EXPECT_EQ(
      row.row_hash,
      ComputeRowHash(copy.request_bytes, copy.decision_bytes, this->version_,
                     kEntryBaseMicros + 42'000'000, GenesisHash()));
}

TYPED_TEST(DecisionLogConformanceTest, CallbackRunsOnAThreadOfTheLog) {
  const std::thread::id caller = std::this_thread::get_id();
  std::thread::id answered_on;
  absl::Notification done;
  this->log_->Append(this->NewEntry(), [&](absl::StatusOr<std::string> out) {
    EXPECT_TRUE(out.ok()) << out.status();
    answered_on = std::this_thread::get_id();
    done.Notify();
  });
  done.WaitForNotification();
  EXPECT_NE(answered_on, caller);
}

TYPED_TEST(DecisionLogConformanceTest, GetUnknownDecisionIsNotFound) {
  this->Store(this->NewEntry());
  EXPECT_THAT(this->log_->GetDecision("d-nobody").status(),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("d-nobody")));
}

TYPED_TEST(DecisionLogConformanceTest, IdempotentRetryReturnsStoredDecision) {
  DecisionLogEntry first = this->NewEntry(Spec().At(1));
  const v1::RefundRequest request = this->last_request_;
  const std::string first_bytes = first.decision_bytes;
  const std::string first_id = this->Store(std::move(first));

  // The same entry again.
  absl::StatusOr<std::string> again = AppendAndWait(
      *this->log_, this->EntryFor(request, first_id, Spec().At(1)));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, first_bytes);

  // A retry the service decided afresh: same request bytes, a new decision
  // (another id, another time, another verdict). The first one wins.
  DecisionLogEntry retry = this->EntryFor(
      request, "d-retry", Spec().At(99).Verdict(v1::VERDICT_REJECT));
  ASSERT_EQ(retry.request_bytes,
            this->EntryFor(request, first_id).request_bytes);
  absl::StatusOr<std::string> answered =
      AppendAndWait(*this->log_, std::move(retry));
  ASSERT_TRUE(answered.ok()) << answered.status();
  EXPECT_EQ(*answered, first_bytes);

  EXPECT_THAT(this->log_->GetDecision("d-retry").status(),
              StatusIs(absl::StatusCode::kNotFound, ::testing::_));
  EXPECT_THAT(DecisionIds(this->List(DecisionFilter())), ElementsAre(first_id));
}

TYPED_TEST(DecisionLogConformanceTest,
           SameRequestIdWithDifferentRequestIsAlreadyExists) {
  const std::string first_id = this->Store(this->NewEntry());
  v1::RefundRequest changed = this->last_request_;
  changed.set_refund_id(changed.refund_id() + "-changed");

  EXPECT_THAT(
      AppendAndWait(*this->log_, this->EntryFor(changed, "d-changed")).status(),
      StatusIs(absl::StatusCode::kAlreadyExists,
               HasSubstr(changed.request_id())));
  EXPECT_THAT(DecisionIds(this->List(DecisionFilter())), ElementsAre(first_id));
}

TYPED_TEST(DecisionLogConformanceTest,
           SameDecisionIdForAnotherRequestIsAlreadyExists) {
  const std::string first_id = this->Store(this->NewEntry());
  this->NewEntry();
  const v1::RefundRequest other_request = this->last_request_;

  EXPECT_THAT(
      AppendAndWait(*this->log_, this->EntryFor(other_request, first_id))
          .status(),
      StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr(first_id)));
  EXPECT_THAT(DecisionIds(this->List(DecisionFilter())), ElementsAre(first_id));
}

TYPED_TEST(DecisionLogConformanceTest, UnknownBundleIsFailedPrecondition) {
  DecisionLogEntry entry = this->NewEntry(Spec().Bundle("never-stored"));
  const std::string decision_id = entry.decision_id;

  EXPECT_THAT(AppendAndWait(*this->log_, std::move(entry)).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("never-stored")));
  EXPECT_THAT(this->log_->GetDecision(decision_id).status(),
              StatusIs(absl::StatusCode::kNotFound, ::testing::_));
}

TYPED_TEST(DecisionLogConformanceTest, EmptyRequestIdIsInvalidArgument) {
  DecisionLogEntry entry = this->NewEntry();
  entry.request_id.clear();
  EXPECT_THAT(AppendAndWait(*this->log_, std::move(entry)).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::_));
  EXPECT_THAT(this->List(DecisionFilter()).decisions, IsEmpty());
}

TYPED_TEST(DecisionLogConformanceTest, EmptyDecisionIdIsInvalidArgument) {
  DecisionLogEntry entry = this->NewEntry();
  entry.decision_id.clear();
  EXPECT_THAT(AppendAndWait(*this->log_, std::move(entry)).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::_));
  EXPECT_THAT(this->List(DecisionFilter()).decisions, IsEmpty());
}

TYPED_TEST(DecisionLogConformanceTest,
           AppendAfterCloseIsUnavailableAndQueuedEntriesAreStored) {
  constexpr int kQueued = 40;
  AnswerCounter counter;
  std::vector<std::string> ids;
  for (int i = 0; i < kQueued; ++i) {
    DecisionLogEntry entry = this->NewEntry(Spec().At(i));
    ids.push_back(entry.decision_id);
    this->log_->Append(std::move(entry), counter.Callback());
  }
  this->log_->Close();
  EXPECT_THAT(counter.WaitFor(kQueued), IsEmpty());

  // After Close, the callback runs at once.
  std::optional<absl::Status> late;
  this->log_->Append(
      this->NewEntry(),
      [&](absl::StatusOr<std::string> outcome) { late = outcome.status(); });
  ASSERT_TRUE(late.has_value());
  EXPECT_THAT(*late, StatusIs(absl::StatusCode::kUnavailable, ::testing::_));
  EXPECT_THAT(this->log_->PutBundle(Sha256Hex(kOtherBundleText), "other",
                                    kOtherBundleText, ""),
              StatusIs(absl::StatusCode::kUnavailable, ::testing::_));
  this->log_->Close();  // idempotent

  std::unique_ptr<LogSnapshot> snapshot = this->Snapshot();
  ASSERT_NE(snapshot, nullptr);
  const std::vector<LogRecord> records = ReadAll(*snapshot);
  std::vector<std::string> stored_ids;
  for (const LogRecord& record : records) {
    stored_ids.push_back(record.columns.decision_id);
  }
  EXPECT_THAT(stored_ids, ElementsAreArray(ids));
  ExpectChained(records);
}

TYPED_TEST(DecisionLogConformanceTest, ListDecisionsFiltersOnEveryField) {
  const std::string a = this->Store(this->NewEntry(
      Spec().Refund("rf-1").Shop("shop-x").At(0).Rules({"rule.a"})));
  const std::string b =
      this->Store(this->NewEntry(Spec()
                                     .Refund("rf-2")
                                     .Shop("shop-x")
                                     .At(10)
                                     .Verdict(v1::VERDICT_REJECT)
                                     .Rules({"rule.b", "rule.c"})));
  const std::string c =
      this->Store(this->NewEntry(Spec()
                                     .Refund("rf-1")
                                     .Shop("shop-y")
                                     .At(20)
                                     .Verdict(v1::VERDICT_NEGOTIATE)
                                     .Rules({"rule.c"})));
  const std::string d = this->Store(
      this->NewEntry(Spec().Refund("rf-3").Shop("shop-y").At(30).Rules({})));

  DecisionFilter all;
  EXPECT_THAT(DecisionIds(this->List(all)), ElementsAre(a, b, c, d));

  DecisionFilter refund;
  refund.refund_id = "rf-1";
  EXPECT_THAT(DecisionIds(this->List(refund)), ElementsAre(a, c));

  DecisionFilter shop;
  shop.shop_id = "shop-y";
  EXPECT_THAT(DecisionIds(this->List(shop)), ElementsAre(c, d));

  DecisionFilter verdict;
  verdict.verdict = v1::VERDICT_APPROVE;
  EXPECT_THAT(DecisionIds(this->List(verdict)), ElementsAre(a, d));

  // [from, to): from is in, to is out.
  DecisionFilter range;
  range.decided_from_micros = kEntryBaseMicros + 10'000'000;
  range.decided_to_micros = kEntryBaseMicros + 30'000'000;
  EXPECT_THAT(DecisionIds(this->List(range)), ElementsAre(b, c));

  DecisionFilter from_only;
  from_only.decided_from_micros = kEntryBaseMicros + 20'000'000;
  EXPECT_THAT(DecisionIds(this->List(from_only)), ElementsAre(c, d));

  DecisionFilter to_only;
  to_only.decided_to_micros = kEntryBaseMicros + 10'000'000;
  EXPECT_THAT(DecisionIds(this->List(to_only)), ElementsAre(a));

  DecisionFilter rule;
  rule.rule_id = "rule.c";
  EXPECT_THAT(DecisionIds(this->List(rule)), ElementsAre(b, c));

  DecisionFilter combined;
  combined.refund_id = "rf-1";
  combined.rule_id = "rule.c";
  EXPECT_THAT(DecisionIds(this->List(combined)), ElementsAre(c));

  DecisionFilter nothing;
  nothing.shop_id = "shop-x";
  nothing.verdict = v1::VERDICT_NEGOTIATE;
  const DecisionPage empty = this->List(nothing);
  EXPECT_THAT(empty.decisions, IsEmpty());
  EXPECT_THAT(empty.next_page_token, IsEmpty());
}

TYPED_TEST(DecisionLogConformanceTest, ScopeLimitsListedDecisionsToItsShops) {
  const std::string x1 = this->Store(this->NewEntry(Spec().Shop("shop-x")));
  const std::string y1 = this->Store(this->NewEntry(Spec().Shop("shop-y")));
  const std::string z1 = this->Store(this->NewEntry(Spec().Shop("shop-z")));
  const std::string x2 = this->Store(this->NewEntry(Spec().Shop("shop-x")));

  EXPECT_THAT(DecisionIds(this->List(DecisionFilter())),
              ElementsAre(x1, y1, z1, x2));
  DecisionFilter x_and_z;
  x_and_z.scope = ShopScope::Only({"shop-z", "shop-x", "shop-x"});
  EXPECT_THAT(DecisionIds(this->List(x_and_z)), ElementsAre(x1, z1, x2));

  // A shop filter outside the scope finds nothing, inside it narrows.
  DecisionFilter asks_for_y = x_and_z;
  asks_for_y.shop_id = "shop-y";
  EXPECT_THAT(this->List(asks_for_y).decisions, IsEmpty());
  DecisionFilter asks_for_x = x_and_z;
  asks_for_x.shop_id = "shop-x";
  EXPECT_THAT(DecisionIds(this->List(asks_for_x)), ElementsAre(x1, x2));

  // Only({}) is no shop at all, never every shop.
  DecisionFilter none;
  none.scope = ShopScope::Only({});
  EXPECT_THAT(this->List(none).decisions, IsEmpty());

  // Pages follow the scope: the token of a scoped page leads only to rows
  // inside the scope.
  DecisionFilter paged;
  paged.scope = ShopScope::Only({"shop-x"});
  paged.page_size = 1;
  const DecisionPage first = this->List(paged);
  EXPECT_THAT(DecisionIds(first), ElementsAre(x1));
  paged.page_token = first.next_page_token;
  EXPECT_THAT(DecisionIds(this->List(paged)), ElementsAre(x2));
}

TYPED_TEST(DecisionLogConformanceTest,
           GetDecisionOutsideTheScopeIsNotFoundLikeAnUnknownId) {
  const std::string x = this->Store(this->NewEntry(Spec().Shop("shop-x")));
  EXPECT_EQ(this->log_->GetDecision(x, ShopScope::Only({"shop-x"}))
                ->decision.decision_id(),
            x);
  EXPECT_TRUE(this->log_->GetDecision(x, ShopScope::All()).ok());
  const absl::Status outside =
      this->log_->GetDecision(x, ShopScope::Only({"shop-y"})).status();
  const absl::Status unknown =
      this->log_->GetDecision("dec-unknown", ShopScope::Only({"shop-y"}))
          .status();
  EXPECT_THAT(outside,
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("not found")));
  EXPECT_EQ(outside.message(), absl::StrCat("decision \"", x, "\" not found"));
  EXPECT_THAT(unknown,
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("not found")));
  EXPECT_THAT(this->log_->GetDecision(x, ShopScope::Only({})).status(),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("not found")));
}

TYPED_TEST(DecisionLogConformanceTest, ListDecisionsFillsStoredDecisions) {
  DecisionLogEntry entry = this->NewEntry(Spec().Rules({"rule.x"}));
  const DecisionLogEntry copy = entry;
  this->Store(std::move(entry));

  const DecisionPage page = this->List(DecisionFilter());
  ASSERT_THAT(page.decisions, SizeIs(1));
  const StoredDecision& stored = page.decisions[0];
  EXPECT_EQ(stored.seq, 1);
  EXPECT_EQ(stored.decision_bytes, copy.decision_bytes);
  EXPECT_EQ(stored.request_bytes, copy.request_bytes);
  EXPECT_EQ(stored.bundle_version, this->version_);
  EXPECT_EQ(stored.decision.decision_id(), copy.decision_id);
  ASSERT_TRUE(stored.row.has_value());
  EXPECT_EQ(stored.row->request_sha256, Sha256(copy.request_bytes));
  EXPECT_EQ(stored.row->prev_hash, GenesisHash());
}

TYPED_TEST(DecisionLogConformanceTest, ListDecisionsPagesWithTokens) {
  const std::vector<std::string> ids = this->StoreMany(7);

  DecisionFilter filter;
  filter.page_size = 3;
  std::vector<std::string> seen;
  std::vector<int> page_sizes;
  for (int pages = 0; pages < 10; ++pages) {
    const DecisionPage page = this->List(filter);
    page_sizes.push_back(static_cast<int>(page.decisions.size()));
    for (const std::string& id : DecisionIds(page)) seen.push_back(id);
    if (page.next_page_token.empty()) break;
    filter.page_token = page.next_page_token;
  }
  EXPECT_THAT(page_sizes, ElementsAre(3, 3, 1));
  EXPECT_THAT(seen, ElementsAreArray(ids));
}

TYPED_TEST(DecisionLogConformanceTest,
           ListDecisionsPagesAFilteredListAndPageSizeMayChange) {
  std::vector<std::string> shop_x;
  for (int i = 0; i < 9; ++i) {
    const std::string id = this->Store(
        this->NewEntry(Spec().Shop(i % 3 == 0 ? "shop-y" : "shop-x").At(i)));
    if (i % 3 != 0) shop_x.push_back(id);
  }
  DecisionFilter filter;
  filter.shop_id = "shop-x";
  filter.page_size = 4;
  const DecisionPage first = this->List(filter);
  EXPECT_THAT(DecisionIds(first),
              ElementsAre(shop_x[0], shop_x[1], shop_x[2], shop_x[3]));
  ASSERT_FALSE(first.next_page_token.empty());

  filter.page_size = 10;
  filter.page_token = first.next_page_token;
  const DecisionPage second = this->List(filter);
  EXPECT_THAT(DecisionIds(second), ElementsAre(shop_x[4], shop_x[5]));
  EXPECT_THAT(second.next_page_token, IsEmpty());
}

TYPED_TEST(DecisionLogConformanceTest,
           PageTokenOfAnotherFilterIsInvalidArgument) {
  this->StoreMany(3);
  DecisionFilter filter;
  filter.page_size = 1;
  const DecisionPage first = this->List(filter);
  ASSERT_FALSE(first.next_page_token.empty());

  DecisionFilter other;
  other.shop_id = "shop-1";
  other.page_token = first.next_page_token;
  EXPECT_THAT(
      this->log_->ListDecisions(other).status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_token")));

  DecisionFilter malformed;
  malformed.page_token = "not a token";
  EXPECT_THAT(
      this->log_->ListDecisions(malformed).status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_token")));
}

TYPED_TEST(DecisionLogConformanceTest, NegativePageSizeIsInvalidArgument) {
  this->StoreMany(1);
  DecisionFilter filter;
  filter.page_size = -1;
  EXPECT_THAT(
      this->log_->ListDecisions(filter).status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_size")));
}

TYPED_TEST(DecisionLogConformanceTest, ZeroPageSizeIsTheDefault) {
  this->StoreMany(kDefaultPageSize + 1);
  const DecisionPage page = this->List(DecisionFilter());
  EXPECT_THAT(page.decisions, SizeIs(kDefaultPageSize));
  EXPECT_FALSE(page.next_page_token.empty());
}

TYPED_TEST(DecisionLogConformanceTest, PageSizeAboveTheMaximumIsReduced) {
  this->StoreMany(kMaxPageSize + 1);
  DecisionFilter filter;
  filter.page_size = kMaxPageSize + 500;
  const DecisionPage page = this->List(filter);
  ASSERT_THAT(page.decisions, SizeIs(kMaxPageSize));
  EXPECT_EQ(page.decisions.back().seq, kMaxPageSize);
  ASSERT_FALSE(page.next_page_token.empty());

  filter.page_token = page.next_page_token;
  const DecisionPage last = this->List(filter);
  ASSERT_THAT(last.decisions, SizeIs(1));
  EXPECT_EQ(last.decisions[0].seq, kMaxPageSize + 1);
  EXPECT_THAT(last.next_page_token, IsEmpty());
}

TYPED_TEST(DecisionLogConformanceTest, GetBundleTextReturnsStoredText) {
  absl::StatusOr<std::string> text = this->log_->GetBundleText(this->version_);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text, kBundleText);
  EXPECT_THAT(this->log_->GetBundleText("never-stored").status(),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("never-stored")));
}

TYPED_TEST(DecisionLogConformanceTest, PutBundleTwiceKeepsTheFirstText) {
  const std::string version = Sha256Hex(kOtherBundleText);
  ASSERT_TRUE(
      this->log_->PutBundle(version, "other", kOtherBundleText, "").ok());
  ASSERT_TRUE(
      this->log_->PutBundle(version, "other", "a second text", "").ok());
  absl::StatusOr<std::string> text = this->log_->GetBundleText(version);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text, kOtherBundleText);
}

// What a copy of the log (server/log/log_copier.h) stores again: each
// version's name and the first dictionary given for it (a store that keeps
// no dictionaries gives an empty one).
TYPED_TEST(DecisionLogConformanceTest, SnapshotBundlesKeepNameAndDictionary) {
  const std::string version = Sha256Hex(kOtherBundleText);
  const std::string dictionary = this->NewEntry().decision_bytes;
  ASSERT_TRUE(
      this->log_->PutBundle(version, "other", kOtherBundleText, dictionary)
          .ok());
  ASSERT_TRUE(this->log_
                  ->PutBundle(version, "renamed", kOtherBundleText,
                              "another dictionary")
                  .ok());
  std::unique_ptr<LogSnapshot> snapshot = this->Snapshot();
  ASSERT_NE(snapshot, nullptr);
  absl::StatusOr<std::vector<StoredBundleText>> bundles = snapshot->Bundles();
  ASSERT_TRUE(bundles.ok()) << bundles.status();
  ASSERT_THAT(*bundles, SizeIs(2));
  for (const StoredBundleText& bundle : *bundles) {
    if (bundle.version == this->version_) {
      EXPECT_EQ(bundle.name, "conformance");
      EXPECT_EQ(bundle.text, kBundleText);
      EXPECT_THAT(bundle.decision_dictionary, IsEmpty());
    } else {
      EXPECT_EQ(bundle.version, version);
      EXPECT_EQ(bundle.name, "other");
      EXPECT_EQ(bundle.text, kOtherBundleText);
      if (!bundle.decision_dictionary.empty()) {
        EXPECT_EQ(bundle.decision_dictionary, dictionary);
      }
    }
  }
}

TYPED_TEST(DecisionLogConformanceTest, EmptyLogSnapshotHasTheGenesisHead) {
  std::unique_ptr<LogSnapshot> snapshot = this->Snapshot();
  ASSERT_NE(snapshot, nullptr);
  EXPECT_THAT(ReadAll(*snapshot), IsEmpty());
  absl::StatusOr<LogSnapshot::HeadState> head = snapshot->Head();
  ASSERT_TRUE(head.ok()) << head.status();
  EXPECT_TRUE(head->kept);
  ASSERT_TRUE(head->head.has_value());
  EXPECT_EQ(head->head->last_seq, 0);
  EXPECT_EQ(head->head->last_hash, GenesisHash());
}

TYPED_TEST(DecisionLogConformanceTest, CommittedHeadFollowsEveryAppend) {
  absl::StatusOr<ChainHead> empty = this->log_->CommittedHead();
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_EQ(empty->last_seq, 0);
  EXPECT_EQ(empty->last_hash, GenesisHash());

  this->StoreMany(3);
  std::unique_ptr<LogSnapshot> snapshot = this->Snapshot();
  ASSERT_NE(snapshot, nullptr);
  const std::vector<LogRecord> records = ReadAll(*snapshot);
  ASSERT_THAT(records, SizeIs(3));
  absl::StatusOr<ChainHead> head = this->log_->CommittedHead();
  ASSERT_TRUE(head.ok()) << head.status();
  EXPECT_EQ(head->last_seq, 3);
  EXPECT_EQ(head->last_hash, records.back().columns.row_hash);

  // A refused append moves nothing; the head is still there after Close.
  DecisionLogEntry refused = this->NewEntry();
  refused.request_id.clear();
  EXPECT_FALSE(AppendAndWait(*this->log_, std::move(refused)).ok());
  this->log_->Close();
  absl::StatusOr<ChainHead> closed = this->log_->CommittedHead();
  ASSERT_TRUE(closed.ok()) << closed.status();
  EXPECT_EQ(closed->last_seq, 3);
  EXPECT_EQ(closed->last_hash, head->last_hash);
}

TYPED_TEST(DecisionLogConformanceTest, SnapshotShowsRowsChainedInSeqOrder) {
  std::vector<DecisionLogEntry> entries;
  for (int i = 0; i < 5; ++i) {
    entries.push_back(
        this->NewEntry(Spec().At(i).Rules({"rule.b", "rule.a", "rule.b"})));
    this->Store(entries.back());
  }

  std::unique_ptr<LogSnapshot> snapshot = this->Snapshot();
  ASSERT_NE(snapshot, nullptr);
  const std::vector<LogRecord> records = ReadAll(*snapshot);
  ASSERT_THAT(records, SizeIs(entries.size()));
  ExpectChained(records);
  for (size_t i = 0; i < records.size(); ++i) {
    const LogRecord& record = records[i];
    const DecisionLogEntry& entry = entries[i];
    EXPECT_EQ(record.request, entry.request_bytes);
    EXPECT_EQ(record.decision, entry.decision_bytes);
    EXPECT_THAT(record.decision_error, IsEmpty());
    EXPECT_EQ(record.columns.decision_id, entry.decision_id);
    EXPECT_EQ(record.columns.request_id, entry.request_id);
    EXPECT_EQ(record.columns.refund_id, entry.refund_id);
    EXPECT_EQ(record.columns.shop_id, entry.shop_id);
    EXPECT_EQ(record.columns.verdict, static_cast<int64_t>(entry.verdict));
    EXPECT_EQ(record.columns.decided_at_micros, entry.decided_at_micros);
    EXPECT_EQ(record.columns.bundle_version, entry.bundle_version);
    EXPECT_THAT(record.indexed_rule_ids, ElementsAre("rule.a", "rule.b"));
  }

  absl::StatusOr<LogSnapshot::HeadState> head = snapshot->Head();
  ASSERT_TRUE(head.ok()) << head.status();
  EXPECT_TRUE(head->kept);
  ASSERT_TRUE(head->head.has_value());
  EXPECT_EQ(head->head->last_seq, records.back().seq);
  EXPECT_EQ(head->head->last_hash, records.back().columns.row_hash);

  absl::StatusOr<std::vector<StoredBundleText>> bundles = snapshot->Bundles();
  ASSERT_TRUE(bundles.ok()) << bundles.status();
  ASSERT_THAT(*bundles, SizeIs(1));
  EXPECT_EQ((*bundles)[0].version, this->version_);
  EXPECT_EQ((*bundles)[0].text, kBundleText);

  absl::StatusOr<std::vector<int64_t>> orphans = snapshot->OrphanIndexedSeqs();
  ASSERT_TRUE(orphans.ok()) << orphans.status();
  EXPECT_THAT(*orphans, IsEmpty());
}

TYPED_TEST(DecisionLogConformanceTest, VerifyLogIsOkOnAnIntactLog) {
  const std::string other_version = Sha256Hex(kOtherBundleText);
  ASSERT_TRUE(
      this->log_->PutBundle(other_version, "other", kOtherBundleText, "").ok());
  const v1::Verdict verdicts[] = {v1::VERDICT_APPROVE, v1::VERDICT_NEGOTIATE,
                                  v1::VERDICT_REJECT};
  constexpr int kEntries = 36;
  AnswerCounter counter;
  for (int i = 0; i < kEntries; ++i) {
    std::vector<std::string> rules;
    for (int r = 0; r < i % 4; ++r) rules.push_back(absl::StrCat("rule.", r));
    this->log_->Append(this->NewEntry(Spec()
                                          .At(i)
                                          .Verdict(verdicts[i % 3])
                                          .Rules(rules)
                                          .Bundle(i % 5 == 0 ? other_version
                                                             : this->version_)),
                       counter.Callback());
  }
  EXPECT_THAT(counter.WaitFor(kEntries), IsEmpty());

  std::unique_ptr<LogSnapshot> snapshot = this->Snapshot();
  ASSERT_NE(snapshot, nullptr);
  absl::StatusOr<VerifyReport> report = VerifyLog(*snapshot);
  ASSERT_TRUE(report.ok()) << report.status();
  for (const LogProblem& problem : report->problems) {
    ADD_FAILURE() << problem.kind << " at seq " << problem.seq << ": "
                  << problem.message;
  }
  EXPECT_TRUE(report->ok);
  EXPECT_EQ(report->rows_checked, kEntries);
  EXPECT_EQ(report->last_seq, kEntries);
  EXPECT_TRUE(report->has_chain_head);
}

TYPED_TEST(DecisionLogConformanceTest, SnapshotDoesNotSeeLaterRows) {
  const std::vector<std::string> before = this->StoreMany(3);
  std::unique_ptr<LogSnapshot> snapshot = this->Snapshot();
  ASSERT_NE(snapshot, nullptr);
  this->StoreMany(2);
  ASSERT_TRUE(this->log_
                  ->PutBundle(Sha256Hex(kOtherBundleText), "other",
                              kOtherBundleText, "")
                  .ok());

  const std::vector<LogRecord> records = ReadAll(*snapshot);
  std::vector<std::string> ids;
  for (const LogRecord& record : records) {
    ids.push_back(record.columns.decision_id);
  }
  EXPECT_THAT(ids, ElementsAreArray(before));
  absl::StatusOr<LogSnapshot::HeadState> head = snapshot->Head();
  ASSERT_TRUE(head.ok()) << head.status();
  ASSERT_TRUE(head->head.has_value());
  EXPECT_EQ(head->head->last_seq, 3);
  absl::StatusOr<std::vector<StoredBundleText>> bundles = snapshot->Bundles();
  ASSERT_TRUE(bundles.ok()) << bundles.status();
  EXPECT_THAT(*bundles, SizeIs(1));
  absl::StatusOr<VerifyReport> report = VerifyLog(*this->Snapshot());
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ok);
  EXPECT_EQ(report->rows_checked, 5);
}

TYPED_TEST(DecisionLogConformanceTest,
           ConcurrentAppendsAreAllStoredWithAConsistentChain) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 40;
  // The generator is not thread-safe: the entries are made first.
  std::vector<std::vector<DecisionLogEntry>> work(kThreads);
  std::vector<std::string> ids;
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPerThread; ++i) {
      work[t].push_back(this->NewEntry(
          Spec().At(t * kPerThread + i).Shop(absl::StrCat("shop-", t))));
      ids.push_back(work[t].back().decision_id);
    }
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, &work, t] {
      // Every other entry waits for its answer; the rest are queued, so
      // that the store sees both lone appends and bursts.
      AnswerCounter queued;
      for (int i = 0; i < kPerThread; ++i) {
        DecisionLogEntry& entry = work[t][i];
        if (i % 2 == 0) {
          absl::StatusOr<std::string> stored =
              AppendAndWait(*this->log_, std::move(entry));
          EXPECT_TRUE(stored.ok()) << stored.status();
        } else {
          this->log_->Append(std::move(entry), queued.Callback());
        }
      }
      EXPECT_THAT(queued.WaitFor(kPerThread / 2), IsEmpty());
    });
  }
  for (std::thread& thread : threads) thread.join();

  std::unique_ptr<LogSnapshot> snapshot = this->Snapshot();
  ASSERT_NE(snapshot, nullptr);
  const std::vector<LogRecord> records = ReadAll(*snapshot);
  ASSERT_THAT(records, SizeIs(kThreads * kPerThread));
  ExpectChained(records);
  std::vector<std::string> stored_ids;
  for (const LogRecord& record : records) {
    stored_ids.push_back(record.columns.decision_id);
  }
  EXPECT_THAT(stored_ids, ::testing::UnorderedElementsAreArray(ids));
  // Each thread's entries keep their order.
  for (int t = 0; t < kThreads; ++t) {
    DecisionFilter filter;
    filter.shop_id = absl::StrCat("shop-", t);
    filter.page_size = kMaxPageSize;
    const std::vector<std::string> listed = DecisionIds(this->List(filter));
    EXPECT_THAT(listed, ElementsAreArray(ids.begin() + t * kPerThread,
                                         ids.begin() + (t + 1) * kPerThread));
  }
  absl::StatusOr<LogSnapshot::HeadState> head = snapshot->Head();
  ASSERT_TRUE(head.ok()) << head.status();
  ASSERT_TRUE(head->head.has_value());
  EXPECT_EQ(head->head->last_seq, kThreads * kPerThread);
  EXPECT_EQ(head->head->last_hash, records.back().columns.row_hash);
}

}  // namespace
}  // namespace refund::server
