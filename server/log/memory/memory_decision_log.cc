#include "server/log/memory/memory_decision_log.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "engine/base/sha256.h"
#include "engine/base/status_macros.h"
#include "server/log/page_token.h"

namespace refund::server {
namespace {

// A snapshot shares the log's rows (immutable once stored) and copies the
// rest, so that opening one costs a vector of pointers.
class MemoryLogSnapshot final : public LogSnapshot {
 public:
  MemoryLogSnapshot(std::vector<std::shared_ptr<const LogRecord>> rows,
                    std::vector<StoredBundleText> bundles, ChainHead head)
      : rows_(std::move(rows)),
        bundles_(std::move(bundles)),
        head_(std::move(head)) {}

  absl::StatusOr<std::optional<LogRecord>> Next() override {
    if (next_ == rows_.size()) return std::nullopt;
    return std::optional<LogRecord>(*rows_[next_++]);
  }

  absl::StatusOr<std::vector<StoredBundleText>> Bundles() override {
    return bundles_;
  }

  absl::StatusOr<HeadState> Head() override {
    HeadState state;
    state.kept = true;
    state.head = head_;
    return state;
  }

  absl::StatusOr<std::vector<int64_t>> OrphanIndexedSeqs() override {
    return std::vector<int64_t>();
  }

 private:
  const std::vector<std::shared_ptr<const LogRecord>> rows_;
  const std::vector<StoredBundleText> bundles_;
  const ChainHead head_;
  size_t next_ = 0;
};

bool Matches(const LogRecord& record, const DecisionFilter& filter) {
  const StoredRowColumns& columns = record.columns;
  if (!filter.refund_id.empty() && columns.refund_id != filter.refund_id) {
    return false;
  }
  if (!filter.shop_id.empty() && columns.shop_id != filter.shop_id) {
    return false;
  }
  if (!filter.scope.Contains(columns.shop_id)) return false;
  if (filter.verdict != v1::VERDICT_UNSPECIFIED &&
      columns.verdict != static_cast<int64_t>(filter.verdict)) {
    return false;
  }
  if (filter.decided_from_micros &&
      columns.decided_at_micros < *filter.decided_from_micros) {
    return false;
  }
  if (filter.decided_to_micros &&
      columns.decided_at_micros >= *filter.decided_to_micros) {
    return false;
  }
  if (!filter.rule_id.empty() &&
      !std::binary_search(record.indexed_rule_ids.begin(),
                          record.indexed_rule_ids.end(), filter.rule_id)) {
    return false;
  }
  return true;
}

}  // namespace

MemoryDecisionLog::MemoryDecisionLog() {
  absl::MutexLock lock(&close_mu_);
  answer_thread_ = std::thread([this] { AnswerLoop(); });
}

MemoryDecisionLog::~MemoryDecisionLog() { Close(); }

void MemoryDecisionLog::Close() {
  absl::MutexLock close_lock(&close_mu_);
  {
    absl::MutexLock lock(&mu_);
    closed_ = true;
  }
  if (answer_thread_.joinable()) answer_thread_.join();
}

void MemoryDecisionLog::Append(DecisionLogEntry entry, AppendCallback done) {
  {
    absl::MutexLock lock(&mu_);
    if (!closed_) {
      absl::StatusOr<std::string> outcome = Store(entry);
      // Queued under the same lock as the store, so that answers come in
      // the order the entries were stored.
      answers_.push_back(Answer{std::move(done), std::move(outcome)});
      return;
    }
  }
  done(absl::UnavailableError("decision log: closed"));
}

absl::StatusOr<std::string> MemoryDecisionLog::Store(DecisionLogEntry& entry) {
  // The checks come in the SQLite store's order (StoreEntry, then the unique
  // constraints), so that an entry that breaks several rules gets the same
  // answer from both.
  if (entry.request_id.empty() || entry.decision_id.empty()) {
    return absl::InvalidArgumentError(
        "decision log: an entry needs a request_id and a decision_id");
  }
  if (bundles_.find(entry.bundle_version) == bundles_.end()) {
    return absl::FailedPreconditionError(
        absl::StrCat("decision log: bundle version \"", entry.bundle_version,
                     "\" was not stored (PutBundle) before this decision"));
  }
  if (auto found = by_request_id_.find(entry.request_id);
      found != by_request_id_.end()) {
    const LogRecord& stored = *rows_[found->second];
    if (stored.request != entry.request_bytes) {
      return absl::AlreadyExistsError(
          absl::StrCat("request_id \"", entry.request_id,
                       "\" was already decided for a different request"));
    }
    if (v1::Decision parsed; !parsed.ParseFromString(stored.decision)) {
      return absl::DataLossError(
          absl::StrCat("decision log: stored decision for request_id \"",
                       entry.request_id, "\" is corrupt"));
    }
    return stored.decision;
  }
  if (by_decision_id_.contains(entry.decision_id)) {
    return absl::AlreadyExistsError(absl::StrCat(
        "decision_id \"", entry.decision_id, "\" is already stored"));
  }

  const ChainLink link = chain_.Link(entry);
  auto record = std::make_shared<LogRecord>();
  record->seq = link.seq;
  StoredRowColumns& columns = record->columns;
  columns.decision_id = entry.decision_id;
  columns.request_id = entry.request_id;
  columns.refund_id = std::move(entry.refund_id);
  columns.shop_id = std::move(entry.shop_id);
  columns.verdict = static_cast<int64_t>(entry.verdict);
  columns.decided_at_micros = entry.decided_at_micros;
  columns.bundle_version = std::move(entry.bundle_version);
  columns.request_sha256 = Sha256(entry.request_bytes);
  columns.prev_hash = link.prev_hash;
  columns.row_hash = link.row_hash;
  record->request = std::move(entry.request_bytes);
  record->decision = entry.decision_bytes;
  std::vector<std::string>& rules = record->indexed_rule_ids;
  rules = std::move(entry.rule_ids);
  std::sort(rules.begin(), rules.end());
  rules.erase(std::unique(rules.begin(), rules.end()), rules.end());

  const size_t index = rows_.size();
  rows_.push_back(std::move(record));
  by_request_id_.emplace(std::move(entry.request_id), index);
  by_decision_id_.emplace(std::move(entry.decision_id), index);
  chain_.Advance(link);
  return std::move(entry.decision_bytes);
}

bool MemoryDecisionLog::HasAnswersOrClosed() const {
  return !answers_.empty() || closed_;
}

void MemoryDecisionLog::AnswerLoop() {
  for (;;) {
    std::deque<Answer> ready;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &MemoryDecisionLog::HasAnswersOrClosed));
      // Closed with nothing left: every entry stored before Close answered.
      if (answers_.empty()) return;
      ready.swap(answers_);
    }
    // Outside the lock: a callback may Append.
    for (Answer& answer : ready) answer.done(std::move(answer.outcome));
  }
}

absl::Status MemoryDecisionLog::PutBundle(
    const std::string& version, const std::string& name,
    const std::string& canonical_text, const std::string& decision_dictionary) {
  absl::MutexLock lock(&mu_);
  if (closed_) return absl::UnavailableError("decision log: closed");
  if (bundles_.find(version) == bundles_.end()) {
    StoredBundleText& bundle = bundles_[version];
    bundle.version = version;
    bundle.text = canonical_text;
    bundle.name = name;
    bundle.decision_dictionary = decision_dictionary;
  }
  return absl::OkStatus();
}

absl::StatusOr<StoredDecision> MemoryDecisionLog::ToStoredDecision(
    const LogRecord& record) {
  StoredDecision stored;
  stored.seq = record.seq;
  if (!stored.decision.ParseFromString(record.decision)) {
    return absl::DataLossError(absl::StrCat(
        "decision log: stored decision at seq ", record.seq, " is corrupt"));
  }
  stored.decision_bytes = record.decision;
  stored.request_bytes = record.request;
  stored.bundle_version = record.columns.bundle_version;
  stored.row = record.columns;
  return stored;
}

absl::StatusOr<StoredDecision> MemoryDecisionLog::GetDecision(
    const std::string& decision_id, const ShopScope& scope) {
  std::shared_ptr<const LogRecord> record;
  {
    absl::ReaderMutexLock lock(&mu_);
    auto found = by_decision_id_.find(decision_id);
    if (found == by_decision_id_.end() ||
        !scope.Contains(rows_[found->second]->columns.shop_id)) {
      return absl::NotFoundError(
          absl::StrCat("decision \"", decision_id, "\" not found"));
    }
    record = rows_[found->second];
  }
  return ToStoredDecision(*record);
}

absl::StatusOr<DecisionPage> MemoryDecisionLog::ListDecisions(
    const DecisionFilter& filter) {
  ASSIGN_OR_RETURN(const PageStart start, StartPage(filter));
  const size_t page_size = static_cast<size_t>(start.page_size);
  const int64_t after_seq = start.after_seq;

  // The page's rows, and whether a matching row follows them.
  std::vector<std::shared_ptr<const LogRecord>> matched;
  bool more = false;
  {
    absl::ReaderMutexLock lock(&mu_);
    // rows_[i] has seq i + 1: start right after `after_seq`.
    const size_t first = static_cast<size_t>(
        std::clamp<int64_t>(after_seq, 0, static_cast<int64_t>(rows_.size())));
    for (size_t i = first; i < rows_.size(); ++i) {
      if (!Matches(*rows_[i], filter)) continue;
      if (matched.size() == page_size) {
        more = true;
        break;
      }
      matched.push_back(rows_[i]);
    }
  }

  DecisionPage page;
  page.decisions.reserve(matched.size());
  for (const std::shared_ptr<const LogRecord>& record : matched) {
    ASSIGN_OR_RETURN(StoredDecision stored, ToStoredDecision(*record));
    page.decisions.push_back(std::move(stored));
  }
  if (more) {
    page.next_page_token = EncodePageToken(page.decisions.back().seq, filter);
  }
  return page;
}

absl::StatusOr<std::string> MemoryDecisionLog::GetBundleText(
    const std::string& version) {
  absl::ReaderMutexLock lock(&mu_);
  auto found = bundles_.find(version);
  if (found == bundles_.end()) {
    return absl::NotFoundError(
        absl::StrCat("bundle version \"", version, "\" not stored"));
  }
  return found->second.text;
}

absl::StatusOr<std::unique_ptr<LogSnapshot>> MemoryDecisionLog::OpenSnapshot() {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<StoredBundleText> bundles;
  bundles.reserve(bundles_.size());
  for (const auto& [version, bundle] : bundles_) bundles.push_back(bundle);
  return std::unique_ptr<LogSnapshot>(
      new MemoryLogSnapshot(rows_, std::move(bundles), chain_.head()));
}

absl::StatusOr<ChainHead> MemoryDecisionLog::CommittedHead() {
  absl::ReaderMutexLock lock(&mu_);
  return chain_.head();
}

}  // namespace refund::server
