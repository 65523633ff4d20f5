#include "server/log/log_verifier.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/base/status_macros.h"
#include "refund/v1/refund.pb.h"
#include "server/log/sqlite/log_rows.h"
#include "server/log/row_hash.h"
#include "server/log/sqlite/sqlite_connection.h"
#include "server/log/stored_row.h"

namespace refund::server {
namespace {

// Collects problems, counts all, and lists the first `max` in log order
// (problems of the log as a whole, seq 0, last).
class ProblemList {
 public:
  ProblemList(v1::VerifyDecisionLogResponse& report, int max)
      : report_(report), max_(max) {}

  void Add(int64_t seq, const std::string& decision_id, const char* kind,
           std::string message) {
    report_.set_problem_count(report_.problem_count() + 1);
    // Bounded memory on a log that is broken everywhere; problems come
    // nearly in order, so the first ones are kept.
    if (problems_.size() >= kKeptProblems) return;
    v1::LogProblem& problem = problems_.emplace_back();
    problem.set_seq(seq);
    problem.set_decision_id(decision_id);
    problem.set_kind(kind);
    problem.set_message(std::move(message));
  }

  // Sorts and copies the first `max` into the report.
  void Finish() {
    auto position = [](const v1::LogProblem& p) {
      return p.seq() == 0 ? INT64_MAX : p.seq();
    };
    std::stable_sort(problems_.begin(), problems_.end(),
                     [&](const v1::LogProblem& a, const v1::LogProblem& b) {
                       return position(a) < position(b);
                     });
    for (size_t i = 0; i < problems_.size() && static_cast<int>(i) < max_;
         ++i) {
      *report_.add_problems() = std::move(problems_[i]);
    }
  }

 private:
  static constexpr size_t kKeptProblems = 100000;
  v1::VerifyDecisionLogResponse& report_;
  const int max_;
  std::vector<v1::LogProblem> problems_;
};

// Whether each stored bundle's text hashes to its version.
absl::StatusOr<std::map<std::string, bool>> ReadBundles(SqliteConnection& db) {
  ASSIGN_OR_RETURN(SqliteStatement stmt,
                   db.Prepare("SELECT version, text FROM bundles"));
  std::map<std::string, bool> intact;
  for (;;) {
    ASSIGN_OR_RETURN(bool has_row, stmt.Step());
    if (!has_row) break;
    std::string version = stmt.ColumnBytes(0);
    intact[version] = ToHex(Sha256(stmt.ColumnBytes(1))) == version;
  }
  return intact;
}

// The decision_rules rows in seq order, consumed alongside the decisions.
class RuleRows {
 public:
  explicit RuleRows(SqliteStatement stmt) : stmt_(std::move(stmt)) {}

  // Moves to the first row at or after `seq`; the seqs skipped over (rule
  // rows of no decision row) are appended to `orphans`.
  absl::Status SkipTo(int64_t seq, std::set<int64_t>& orphans) {
    RETURN_IF_ERROR(Fill());
    while (current_ && current_->first < seq) {
      orphans.insert(current_->first);
      RETURN_IF_ERROR(Advance());
    }
    return absl::OkStatus();
  }

  // The rule ids stored for `seq` (SkipTo(seq) first).
  absl::StatusOr<std::set<std::string>> Take(int64_t seq) {
    std::set<std::string> rules;
    while (current_ && current_->first == seq) {
      rules.insert(current_->second);
      RETURN_IF_ERROR(Advance());
    }
    return rules;
  }

 private:
  absl::Status Fill() {
    if (started_) return absl::OkStatus();
    started_ = true;
    return Advance();
  }
  absl::Status Advance() {
    ASSIGN_OR_RETURN(bool has_row, stmt_.Step());
    if (has_row) {
      current_.emplace(stmt_.ColumnInt64(0), stmt_.ColumnBytes(1));
    } else {
      current_.reset();
    }
    return absl::OkStatus();
  }

  SqliteStatement stmt_;
  bool started_ = false;
  std::optional<std::pair<int64_t, std::string>> current_;
};

}  // namespace

absl::StatusOr<v1::VerifyDecisionLogResponse> VerifyDecisionLogFile(
    const std::string& path, int max_problems) {
  ASSIGN_OR_RETURN(std::unique_ptr<LogRowReader> reader,
                   LogRowReader::Open(path));
  SqliteConnection& db = reader->connection();
  v1::VerifyDecisionLogResponse report;
  ProblemList problems(report,
                       max_problems > 0 ? max_problems : kDefaultMaxProblems);

  ASSIGN_OR_RETURN(auto bundles, ReadBundles(db));
  report.set_bundles_checked(static_cast<int64_t>(bundles.size()));
  ASSIGN_OR_RETURN(SqliteStatement rule_stmt,
                   db.Prepare("SELECT seq, rule_id FROM decision_rules "
                              "ORDER BY seq, rule_id"));
  RuleRows rule_rows(std::move(rule_stmt));
  std::set<int64_t> orphan_rule_seqs;
  std::set<std::string> used_versions;

  int64_t prev_seq = 0;
  std::string expected_prev = GenesisHash();
  std::string last_hash = GenesisHash();
  for (;;) {
    ASSIGN_OR_RETURN(std::optional<LogRow> next, reader->Next());
    if (!next) break;
    const LogRow& row = *next;
    const StoredRowColumns& columns = row.columns;
    report.set_rows_checked(report.rows_checked() + 1);
    auto add = [&](const char* kind, std::string message) {
      problems.Add(row.seq, columns.decision_id, kind, std::move(message));
    };

    if (row.seq != prev_seq + 1) {
      add("SEQ_GAP",
          row.seq == prev_seq + 2
              ? absl::StrCat("seq ", prev_seq + 1, " is missing (deleted)")
              : absl::StrCat("seq ", row.seq, " follows seq ", prev_seq,
                             ": the rows in between are missing or moved"));
    }
    if (columns.prev_hash != expected_prev) {
      add("PREV_HASH_MISMATCH",
          prev_seq == 0
              ? std::string("prev_hash of the first row is not the genesis "
                            "hash: rows before it were deleted")
              : absl::StrCat("prev_hash is not the row_hash of seq ", prev_seq,
                             ": a row was deleted, inserted or moved "
                             "between them"));
    }
    if (!RowHashMatches(columns, row.request, row.decision)) {
      add("ROW_HASH_MISMATCH",
          "row_hash does not match the row's request, decision, "
          "bundle_version, decided_at and prev_hash: the row was edited");
    }

    v1::RefundRequest request;
    v1::Decision decision;
    // This row's rule rows are consumed whether or not it parses, so that
    // they are never taken for rows of a deleted seq.
    RETURN_IF_ERROR(rule_rows.SkipTo(row.seq, orphan_rule_seqs));
    ASSIGN_OR_RETURN(std::set<std::string> stored_rules,
                     rule_rows.Take(row.seq));
    if (!row.decision_error.empty()) {
      add("CORRUPT_ROW", absl::StrCat("the stored decision cannot be read: ",
                                      row.decision_error));
    } else if (!request.ParseFromString(row.request) ||
               !decision.ParseFromString(row.decision)) {
      add("CORRUPT_ROW", "the request or decision bytes do not parse");
    } else {
      for (std::string& mismatch :
           ColumnMismatches(columns, row.request, request, decision)) {
        add("COLUMN_MISMATCH", std::move(mismatch));
      }
      std::set<std::string> matched;
      for (const v1::MatchedRule& rule : decision.matched_rules()) {
        matched.insert(rule.rule_id());
      }
      if (stored_rules != matched) {
        add("RULES_MISMATCH", absl::StrCat("decision_rules lists [",
                                           absl::StrJoin(stored_rules, ", "),
                                           "] but the decision matched [",
                                           absl::StrJoin(matched, ", "), "]"));
      }
    }

    used_versions.insert(columns.bundle_version);
    auto bundle = bundles.find(columns.bundle_version);
    if (bundle == bundles.end()) {
      add("BUNDLE_MISSING",
          absl::StrCat("the text of bundle version ", columns.bundle_version,
                       " is not stored: cannot replay"));
    } else if (!bundle->second) {
      add("BUNDLE_ALTERED", absl::StrCat("the stored text of bundle version ",
                                         columns.bundle_version,
                                         " does not hash to its version"));
    }

    prev_seq = row.seq;
    // The next row is judged against this row as stored, so that one edit
    // is reported once, where it is.
    expected_prev = columns.row_hash;
    last_hash = columns.row_hash;
  }
  RETURN_IF_ERROR(rule_rows.SkipTo(INT64_MAX, orphan_rule_seqs));
  for (int64_t seq : orphan_rule_seqs) {
    problems.Add(seq, "", "RULES_MISMATCH",
                 absl::StrCat("decision_rules has rows for seq ", seq,
                              ", which is not in the log: it was deleted"));
  }
  // Altered bundles that no row uses; the others were reported at their rows.
  for (const auto& [version, intact] : bundles) {
    if (intact || used_versions.count(version) > 0) continue;
    problems.Add(0, "", "BUNDLE_ALTERED",
                 absl::StrCat("the stored text of bundle version ", version,
                              " does not hash to its version"));
  }

  report.set_last_seq(prev_seq);
  report.set_last_row_hash(prev_seq == 0 ? "" : ToHex(last_hash));
  ASSIGN_OR_RETURN(int64_t head_tables,
                   db.QueryInt64("SELECT count(*) FROM sqlite_master WHERE "
                                 "type = 'table' AND name = 'chain_head'"));
  report.set_has_chain_head(head_tables > 0);
  if (head_tables > 0) {
    ASSIGN_OR_RETURN(
        SqliteStatement head,
        db.Prepare("SELECT last_seq, last_hash FROM chain_head WHERE id = 1"));
    ASSIGN_OR_RETURN(bool found, head.Step());
    if (!found) {
      problems.Add(0, "", "HEAD_MISMATCH", "the chain head row is missing");
    } else if (head.ColumnInt64(0) != prev_seq ||
               head.ColumnBytes(1) != last_hash) {
      problems.Add(
          head.ColumnInt64(0), "", "HEAD_MISMATCH",
          absl::StrCat("the chain head names seq ", head.ColumnInt64(0),
                       " (row_hash ", ToHex(head.ColumnBytes(1)).substr(0, 16),
                       "...) but the last row is seq ", prev_seq,
                       head.ColumnInt64(0) > prev_seq
                           ? ": the last rows were deleted"
                           : ": the log was altered at its end"));
    }
  }
  problems.Finish();
  report.set_ok(report.problem_count() == 0);
  return report;
}

}  // namespace refund::server
