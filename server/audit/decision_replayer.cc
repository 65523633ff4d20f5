#include "server/audit/decision_replayer.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/base/status_macros.h"
#include "server/audit/decision_diff.h"
#include "server/log/decision_serializer.h"
#include "server/log/deterministic_serialization.h"
#include "server/log/stored_row.h"

namespace refund::server {
namespace {

std::set<std::string> RuleIds(const v1::Decision& decision) {
  std::set<std::string> ids;
  for (const v1::MatchedRule& rule : decision.matched_rules()) {
    ids.insert(rule.rule_id());
  }
  return ids;
}

// `a` minus `b`, sorted.
std::vector<std::string> Minus(const std::set<std::string>& a,
                               const std::set<std::string>& b) {
  std::vector<std::string> out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(),
                      std::back_inserter(out));
  return out;
}

}  // namespace

DecisionReplayer::DecisionReplayer(DecisionLog& log, BundleCache& bundles,
                                   ReplayOptions options)
    : log_(log), bundles_(bundles), options_(std::move(options)) {}

absl::StatusOr<std::shared_ptr<const CompiledBundle>>
DecisionReplayer::BundleOf(const std::string& version) {
  if (last_bundle_ != nullptr && last_bundle_->version() == version) {
    return last_bundle_;
  }
  ASSIGN_OR_RETURN(last_bundle_, bundles_.Get(version));
  return last_bundle_;
}

void DecisionReplayer::CheckStoredRow(const StoredDecision& stored,
                                      const v1::RefundRequest* request,
                                      v1::ReplayDiff& diff) {
  if (!stored.row) return;
  if (!stored.decision_bytes.empty() &&
      !RowHashMatches(*stored.row, stored.request_bytes,
                      stored.decision_bytes)) {
    diff.add_integrity_problems(
        "row_hash does not match the stored request, decision, bundle "
        "version, decided_at and prev_hash: the row was edited");
  }
  if (request == nullptr) return;
  for (std::string& mismatch : ColumnMismatches(
           *stored.row, stored.request_bytes, *request, stored.decision)) {
    diff.add_integrity_problems(std::move(mismatch));
  }
}

v1::ReplayDiff DecisionReplayer::ReplayOne(StoredDecision stored) {
  const bool exact = options_.mode == v1::REPLAY_MODE_EXACT;
  v1::ReplayDiff diff;
  diff.set_decision_id(stored.decision.decision_id());
  diff.set_seq(stored.seq);
  diff.set_stored_version(stored.bundle_version);
  diff.set_verdict_from(stored.decision.verdict());

  auto fail = [&](absl::string_view why) {
    diff.set_error(std::string(why));
    diff.set_integrity_failure(exact);  // an unprovable decision
    *diff.mutable_stored() = std::move(stored.decision);
    return diff;
  };
  absl::StatusOr<std::shared_ptr<const CompiledBundle>> bundle =
      options_.candidate;
  if (exact) bundle = BundleOf(stored.bundle_version);
  v1::RefundRequest request;
  const bool request_parsed = request.ParseFromString(stored.request_bytes);
  if (exact) CheckStoredRow(stored, request_parsed ? &request : nullptr, diff);
  if (!bundle.ok()) return fail(bundle.status().message());
  diff.set_replayed_version((*bundle)->version());
  if (!request_parsed) return fail("the stored request bytes do not parse");
  absl::StatusOr<v1::Decision> replayed = (*bundle)->Decide(request);
  if (!replayed.ok()) {
    return fail(absl::StrCat("the stored request no longer validates: ",
                             replayed.status().message()));
  }
  // A replay is a new evaluation: its id and time are the stored ones by
  // definition, so that everything else can be compared byte for byte.
  replayed->set_decision_id(stored.decision.decision_id());
  *replayed->mutable_decided_at() = stored.decision.decided_at();
  diff.set_verdict_to(replayed->verdict());

  bool changed;
  if (exact) {
    // Byte equality with the stored bytes is the proof (the replay is
    // serialized as Decide serializes what the log stores); the field list
    // only explains a difference.
    if (stored.decision_bytes.empty()) {
      stored.decision_bytes = SerializeDeterministically(stored.decision);
    }
    changed = SerializeDecision(*replayed) != stored.decision_bytes;
    if (changed) {
      for (std::string& field : ChangedFields(stored.decision, *replayed)) {
        diff.add_changed_fields(std::move(field));
      }
      if (diff.changed_fields_size() == 0) {
        diff.add_changed_fields("(serialization)");
      }
    }
  } else {
    for (std::string& field : ChangedFields(stored.decision, *replayed,
                                            {/*compare_policy=*/false})) {
      diff.add_changed_fields(std::move(field));
    }
    changed = diff.changed_fields_size() > 0;
  }
  diff.set_changed(changed);
  diff.set_integrity_failure(exact &&
                             (changed || diff.integrity_problems_size() > 0));
  if (changed) {
    const std::set<std::string> before = RuleIds(stored.decision);
    const std::set<std::string> after = RuleIds(*replayed);
    for (std::string& id : Minus(after, before)) {
      diff.add_newly_matched_rules(std::move(id));
    }
    for (std::string& id : Minus(before, after)) {
      diff.add_no_longer_matched_rules(std::move(id));
    }
  }
  *diff.mutable_stored() = std::move(stored.decision);
  *diff.mutable_replayed() = *std::move(replayed);
  return diff;
}

absl::Status DecisionReplayer::FetchPage() {
  page_.clear();
  page_pos_ = 0;
  DecisionFilter filter = options_.filter;
  int64_t page_size = std::clamp(options_.page_size, 1, kMaxPageSize);
  if (options_.limit > 0) {
    page_size = std::min(page_size, options_.limit - fetched_);
  }
  if (page_size <= 0) {
    log_done_ = true;
    return absl::OkStatus();
  }
  filter.page_size = static_cast<int>(page_size);
  filter.page_token = next_page_token_;
  ASSIGN_OR_RETURN(DecisionPage page, log_.ListDecisions(filter));
  page_ = std::move(page.decisions);
  fetched_ += static_cast<int64_t>(page_.size());
  next_page_token_ = std::move(page.next_page_token);
  if (next_page_token_.empty()) log_done_ = true;
  return absl::OkStatus();
}

absl::StatusOr<std::optional<v1::ReplayResult>> DecisionReplayer::Next() {
  return Next([] { return false; });
}

absl::StatusOr<std::optional<v1::ReplayResult>> DecisionReplayer::Next(
    absl::FunctionRef<bool()> stop) {
  for (;;) {
    if (stop()) return absl::CancelledError("replay cancelled");
    if (page_pos_ < page_.size()) {
      v1::ReplayDiff diff = ReplayOne(std::move(page_[page_pos_++]));
      Count(diff);
      if (options_.changed_only && !diff.changed() &&
          !diff.integrity_failure() && diff.error().empty()) {
        continue;
      }
      v1::ReplayResult result;
      *result.mutable_diff() = std::move(diff);
      return result;
    }
    if (!log_done_) {
      RETURN_IF_ERROR(FetchPage());
      continue;
    }
    if (summary_sent_) return std::nullopt;
    summary_sent_ = true;
    v1::ReplayResult result;
    *result.mutable_summary() = Summary();
    return result;
  }
}

void DecisionReplayer::Count(const v1::ReplayDiff& diff) {
  ++total_;
  if (diff.changed()) ++changed_;
  if (diff.integrity_failure()) ++integrity_failures_;
  if (!diff.error().empty()) {
    ++errors_;
    return;
  }
  ++transitions_[{diff.verdict_from(), diff.verdict_to()}];
  for (const std::string& id : diff.newly_matched_rules()) {
    ++rule_changes_[id].first;
  }
  for (const std::string& id : diff.no_longer_matched_rules()) {
    ++rule_changes_[id].second;
  }
  for (const std::string& field : diff.changed_fields()) {
    ++field_changes_[field];
  }
}

v1::ReplaySummary DecisionReplayer::Summary() const {
  v1::ReplaySummary summary;
  summary.set_mode(options_.mode);
  summary.set_total(total_);
  summary.set_changed(changed_);
  summary.set_integrity_failures(integrity_failures_);
  summary.set_errors(errors_);
  if (options_.candidate != nullptr) {
    summary.set_candidate_version(options_.candidate->version());
  }
  for (const auto& [from_to, count] : transitions_) {
    v1::VerdictTransition* transition = summary.add_transitions();
    transition->set_from(static_cast<v1::Verdict>(from_to.first));
    transition->set_to(static_cast<v1::Verdict>(from_to.second));
    transition->set_count(count);
  }
  for (const auto& [rule_id, counts] : rule_changes_) {
    v1::RuleChangeCount* change = summary.add_rule_changes();
    change->set_rule_id(rule_id);
    change->set_newly_matched(counts.first);
    change->set_no_longer_matched(counts.second);
  }
  for (const auto& [field, count] : field_changes_) {
    v1::FieldChangeCount* change = summary.add_field_changes();
    change->set_field(field);
    change->set_count(count);
  }
  return summary;
}

absl::Status RunReplay(DecisionLog& log, BundleCache& bundles,
                       ReplayOptions options,
                       absl::FunctionRef<void(const v1::ReplayResult&)> sink) {
  DecisionReplayer replayer(log, bundles, std::move(options));
  for (;;) {
    ASSIGN_OR_RETURN(std::optional<v1::ReplayResult> result, replayer.Next());
    if (!result) return absl::OkStatus();
    sink(*result);
  }
}

}  // namespace refund::server
