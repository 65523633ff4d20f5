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
#include "engine/base/sha256.h"
#include "engine/base/status_macros.h"
#include "refund/v1/refund.pb.h"
#include "server/log/row_hash.h"
#include "server/log/stored_row.h"

namespace refund::server {
namespace {

// Collects problems, counts all, and lists the first `max` in log order
// (problems of the log as a whole, seq 0, last).
class ProblemList {
 public:
  ProblemList(VerifyReport& report, int max) : report_(report), max_(max) {}

  void Add(int64_t seq, const std::string& decision_id, const char* kind,
           std::string message) {
    ++report_.problem_count;
    // Bounded memory on a log that is broken everywhere; problems come
    // nearly in order, so the first ones are kept.
    if (problems_.size() >= kKeptProblems) return;
    problems_.push_back(LogProblem{seq, decision_id, kind, std::move(message)});
  }

  // Sorts and copies the first `max` into the report.
  void Finish() {
    auto position = [](const LogProblem& p) {
      return p.seq == 0 ? INT64_MAX : p.seq;
    };
    std::stable_sort(problems_.begin(), problems_.end(),
                     [&](const LogProblem& a, const LogProblem& b) {
                       return position(a) < position(b);
                     });
    for (size_t i = 0; i < problems_.size() && static_cast<int>(i) < max_;
         ++i) {
      report_.problems.push_back(std::move(problems_[i]));
    }
  }

 private:
  static constexpr size_t kKeptProblems = 100000;
  VerifyReport& report_;
  const int max_;
  std::vector<LogProblem> problems_;
};

// The anchors of a verify in seq order, checked as the walk passes them.
class AnchorChecks {
 public:
  AnchorChecks(const std::vector<ChainAnchor>& anchors, VerifyReport& report,
               ProblemList& problems)
      : anchors_(anchors), report_(report), problems_(problems) {
    for (size_t i = 0; i < anchors.size(); ++i) order_.push_back(i);
    std::stable_sort(order_.begin(), order_.end(), [&](size_t a, size_t b) {
      return anchors[a].seq < anchors[b].seq;
    });
    report_.anchors.resize(anchors.size());
    for (size_t i = 0; i < anchors.size(); ++i) {
      report_.anchors[i].seq = anchors[i].seq;
    }
  }

  // Checks the anchors at `row`'s seq, and reports those before it that no
  // row had. `rows_clean`: no row up to this one has a problem.
  void AtRow(const LogRecord& row, int64_t prev_seq, bool rows_clean) {
    for (; next_ < order_.size() && Next().seq < row.seq; ++next_) {
      Report(Next().seq, "", "CHECKPOINT_MISMATCH",
             absl::StrCat("a checkpoint names seq ", Next().seq,
                          " but the log has no such row (it goes from seq ",
                          prev_seq, " to seq ", row.seq,
                          "): the row was deleted after the checkpoint"));
    }
    for (; next_ < order_.size() && Next().seq == row.seq; ++next_) {
      const ChainAnchor& anchor = Next();
      if (anchor.row_hash == row.columns.row_hash) {
        report_.anchors[order_[next_]].holds = rows_clean;
        continue;
      }
      Report(row.seq, row.columns.decision_id, "CHECKPOINT_MISMATCH",
             absl::StrCat("row_hash is ",
                          ToHex(row.columns.row_hash).substr(0, 16),
                          "... but a checkpoint of seq ", row.seq, " says ",
                          ToHex(anchor.row_hash).substr(0, 16),
                          "...: rows up to seq ", row.seq,
                          " were changed after the checkpoint (the chain was "
                          "recomputed from a row at or before it)"));
    }
  }

  // Reports the anchors beyond the last row, `last_seq`.
  void AtEnd(int64_t last_seq) {
    for (; next_ < order_.size(); ++next_) {
      Report(Next().seq, "", "CHECKPOINT_BEYOND_HEAD",
             absl::StrCat("a checkpoint names seq ", Next().seq,
                          " but the log ends at seq ", last_seq,
                          ": rows were deleted after the checkpoint"));
    }
  }

  // Problems reported here so far (the rows' own are the rest).
  int64_t reported() const { return reported_; }

 private:
  const ChainAnchor& Next() const { return anchors_[order_[next_]]; }
  void Report(int64_t seq, const std::string& decision_id, const char* kind,
              std::string message) {
    ++reported_;
    problems_.Add(seq, decision_id, kind, std::move(message));
  }

  const std::vector<ChainAnchor>& anchors_;
  VerifyReport& report_;
  ProblemList& problems_;
  // Indexes into anchors_ by seq; next_ is the first not yet reached.
  std::vector<size_t> order_;
  size_t next_ = 0;
  int64_t reported_ = 0;
};

}  // namespace

absl::StatusOr<VerifyReport> VerifyLog(LogSnapshot& snapshot,
                                       int max_problems) {
  return VerifyLog(snapshot, max_problems, [] { return false; });
}

absl::StatusOr<VerifyReport> VerifyLog(LogSnapshot& snapshot, int max_problems,
                                       absl::FunctionRef<bool()> stop) {
  VerifyOptions options;
  options.max_problems = max_problems;
  return VerifyLog(snapshot, options, stop);
}

absl::StatusOr<VerifyReport> VerifyLog(LogSnapshot& snapshot,
                                       const VerifyOptions& options,
                                       absl::FunctionRef<bool()> stop) {
  for (const ChainAnchor& anchor : options.anchors) {
    if (anchor.seq < 1 ||
        anchor.row_hash.size() != static_cast<size_t>(kSha256Size)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "a checkpoint must name a seq from 1 and a 32-byte row_hash, not "
          "seq ",
          anchor.seq, " and ", anchor.row_hash.size(), " bytes"));
    }
  }
  VerifyReport report;
  ProblemList problems(report, options.max_problems > 0 ? options.max_problems
                                                        : kDefaultMaxProblems);
  AnchorChecks anchors(options.anchors, report, problems);

  // Whether each stored bundle's text hashes to its version.
  std::map<std::string, bool> bundles;
  ASSIGN_OR_RETURN(std::vector<StoredBundleText> stored_bundles,
                   snapshot.Bundles());
  for (const StoredBundleText& bundle : stored_bundles) {
    bundles[bundle.version] = Sha256Hex(bundle.text) == bundle.version;
  }
  report.bundles_checked = static_cast<int64_t>(bundles.size());
  std::set<std::string> used_versions;

  // Rows sealed with a key the snapshot lacks, by key id: how many, and the
  // first and last seq.
  struct Unreadable {
    int64_t rows = 0;
    int64_t first_seq = 0;
    int64_t last_seq = 0;
  };
  std::map<std::string, Unreadable> unreadable;

  int64_t prev_seq = 0;
  std::string expected_prev = GenesisHash();
  std::string last_hash = GenesisHash();
  for (;;) {
    if (report.rows_checked % kVerifyStopCheckRows == 0 && stop()) {
      return absl::CancelledError(absl::StrCat(
          "verify stopped after ", report.rows_checked, " rows: cancelled"));
    }
    ASSIGN_OR_RETURN(std::optional<LogRecord> next, snapshot.Next());
    if (!next) break;
    const LogRecord& row = *next;
    const StoredRowColumns& columns = row.columns;
    ++report.rows_checked;
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
    // Without its key a sealed row's own checks cannot run; its links were
    // checked above. Reported once per key, at the end.
    const bool readable = row.missing_key_id.empty();
    if (readable && !RowHashMatches(columns, row.request, row.decision)) {
      add("ROW_HASH_MISMATCH",
          "row_hash does not match the row's request, decision, "
          "bundle_version, decided_at and prev_hash: the row was edited");
    }

    v1::RefundRequest request;
    v1::Decision decision;
    if (!readable) {
      Unreadable& missing = unreadable[row.missing_key_id];
      if (missing.rows++ == 0) missing.first_seq = row.seq;
      missing.last_seq = row.seq;
    } else if (!row.request_error.empty()) {
      add("CORRUPT_ROW", absl::StrCat("the stored request cannot be read: ",
                                      row.request_error));
    } else if (!row.decision_error.empty()) {
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
      const std::set<std::string> stored_rules(row.indexed_rule_ids.begin(),
                                               row.indexed_rule_ids.end());
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

    anchors.AtRow(row, prev_seq, report.problem_count == anchors.reported());
    prev_seq = row.seq;
    // The next row is judged against this row as stored, so that one edit
    // is reported once, where it is.
    expected_prev = columns.row_hash;
    last_hash = columns.row_hash;
  }
  ASSIGN_OR_RETURN(std::vector<int64_t> orphans, snapshot.OrphanIndexedSeqs());
  for (int64_t seq : orphans) {
    problems.Add(seq, "", "RULES_MISMATCH",
                 absl::StrCat("decision_rules has rows for seq ", seq,
                              ", which is not in the log: it was deleted"));
  }
  for (const auto& [key_id, missing] : unreadable) {
    problems.Add(
        0, "", "KEY_MISSING",
        absl::StrCat(missing.rows, missing.rows == 1 ? " row" : " rows",
                     " (seq ", missing.first_seq, " to ", missing.last_seq,
                     ") encrypted with key \"", key_id,
                     "\" could not be read: their row hashes, columns and "
                     "rules were not checked (only their links); give "
                     "--log_key_file a file with that key"));
  }
  // Altered bundles that no row uses; the others were reported at their rows.
  for (const auto& [version, intact] : bundles) {
    if (intact || used_versions.count(version) > 0) continue;
    problems.Add(0, "", "BUNDLE_ALTERED",
                 absl::StrCat("the stored text of bundle version ", version,
                              " does not hash to its version"));
  }

  anchors.AtEnd(prev_seq);
  report.last_seq = prev_seq;
  report.last_row_hash = prev_seq == 0 ? "" : ToHex(last_hash);
  ASSIGN_OR_RETURN(LogSnapshot::HeadState head, snapshot.Head());
  report.has_chain_head = head.kept;
  if (head.kept) {
    if (!head.head) {
      problems.Add(0, "", "HEAD_MISMATCH", "the chain head row is missing");
    } else if (head.head->last_seq != prev_seq ||
               head.head->last_hash != last_hash) {
      const ChainHead& stored = *head.head;
      problems.Add(
          stored.last_seq, "", "HEAD_MISMATCH",
          absl::StrCat("the chain head names seq ", stored.last_seq,
                       " (row_hash ", ToHex(stored.last_hash).substr(0, 16),
                       "...) but the last row is seq ", prev_seq,
                       stored.last_seq > prev_seq
                           ? ": the last rows were deleted"
                           : ": the log was altered at its end"));
    }
  }
  problems.Finish();
  report.ok = report.problem_count == 0;
  return report;
}

}  // namespace refund::server
