#include "tools/refundctl/replay_format.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "tools/refundctl/json_io.h"

namespace refund {
namespace {

std::string ShortVerdict(v1::Verdict verdict) {
  return std::string(absl::StripPrefix(v1::Verdict_Name(verdict), "VERDICT_"));
}

std::string Amount(const v1::Decision& decision) {
  return absl::StrCat(decision.refund_amount().minor_units());
}

// The summary as text lines, each prefixed by `prefix`.
void PrintSummary(const v1::ReplaySummary& summary, const std::string& prefix,
                  std::ostream& out) {
  out << prefix
      << (summary.mode() == v1::REPLAY_MODE_CANDIDATE ? "candidate" : "exact")
      << " replay: " << summary.total() << " decisions, " << summary.changed()
      << " changed, " << summary.integrity_failures() << " integrity failures, "
      << summary.errors() << " errors";
  if (!summary.candidate_version().empty()) {
    out << " (candidate " << summary.candidate_version().substr(0, 12) << ")";
  }
  out << "\n";
  if (summary.transitions_size() > 0) {
    out << prefix << "verdict transitions (stored -> replayed: count):\n";
    for (const v1::VerdictTransition& t : summary.transitions()) {
      out << prefix << "  " << ShortVerdict(t.from()) << " -> "
          << ShortVerdict(t.to()) << ": " << t.count() << "\n";
    }
  }
  if (summary.rule_changes_size() > 0) {
    out << prefix << "rules (newly matched / no longer matched):\n";
    for (const v1::RuleChangeCount& rule : summary.rule_changes()) {
      out << prefix << "  " << rule.rule_id() << ": +" << rule.newly_matched()
          << " / -" << rule.no_longer_matched() << "\n";
    }
  }
  if (summary.field_changes_size() > 0) {
    out << prefix << "changed fields (decisions):\n";
    for (const v1::FieldChangeCount& field : summary.field_changes()) {
      out << prefix << "  " << field.field() << ": " << field.count() << "\n";
    }
  }
}

class TablePrinter final : public ReplayPrinter {
 public:
  explicit TablePrinter(std::ostream& out) : out_(out) {}

  void Print(const v1::ReplayResult& result) override {
    if (result.has_summary()) {
      PrintSummary(result.summary(), "", out_);
      return;
    }
    const v1::ReplayDiff& diff = result.diff();
    out_ << "seq " << diff.seq() << "  " << diff.decision_id() << "  ";
    if (!diff.error().empty()) {
      out_ << "ERROR: " << diff.error();
      for (const std::string& problem : diff.integrity_problems()) {
        out_ << "; row: " << problem;
      }
      out_ << "\n";
      return;
    }
    out_ << ShortVerdict(diff.verdict_from()) << " -> "
         << ShortVerdict(diff.verdict_to());
    for (const std::string& problem : diff.integrity_problems()) {
      out_ << "  INTEGRITY FAILURE: row: " << problem;
    }
    if (!diff.changed()) {
      out_ << (diff.integrity_problems_size() > 0 ? "\n" : "  unchanged\n");
      return;
    }
    out_ << (diff.integrity_failure() ? "  INTEGRITY FAILURE: " : "  changed: ")
         << absl::StrJoin(diff.changed_fields(), ", ");
    if (Amount(diff.stored()) != Amount(diff.replayed())) {
      out_ << "  amount " << Amount(diff.stored()) << " -> "
           << Amount(diff.replayed());
    }
    if (diff.newly_matched_rules_size() > 0) {
      out_ << "  +[" << absl::StrJoin(diff.newly_matched_rules(), ", ") << "]";
    }
    if (diff.no_longer_matched_rules_size() > 0) {
      out_ << "  -[" << absl::StrJoin(diff.no_longer_matched_rules(), ", ")
           << "]";
    }
    out_ << "\n";
  }

 private:
  std::ostream& out_;
};

class JsonPrinter final : public ReplayPrinter {
 public:
  JsonPrinter(std::ostream& out, bool include_unchanged_decisions)
      : out_(out), include_unchanged_decisions_(include_unchanged_decisions) {}
  void Print(const v1::ReplayResult& result) override {
    const v1::ReplayDiff& diff = result.diff();
    if (include_unchanged_decisions_ || !result.has_diff() || diff.changed() ||
        diff.integrity_failure() || !diff.error().empty()) {
      out_ << ToJsonLine(result);
      return;
    }
    v1::ReplayResult brief = result;
    brief.mutable_diff()->clear_stored();
    brief.mutable_diff()->clear_replayed();
    out_ << ToJsonLine(brief);
  }

 private:
  std::ostream& out_;
  const bool include_unchanged_decisions_;
};

// RFC 4180: quoted when it holds a comma, a quote or a line break.
std::string CsvField(const std::string& value) {
  if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
  return absl::StrCat("\"", absl::StrReplaceAll(value, {{"\"", "\"\""}}), "\"");
}

class CsvPrinter final : public ReplayPrinter {
 public:
  CsvPrinter(std::ostream& out, std::ostream& err) : out_(out), err_(err) {
    out_ << "seq,decision_id,refund_id,stored_version,replayed_version,"
            "verdict_from,verdict_to,amount_from,amount_to,changed,"
            "integrity_failure,changed_fields,newly_matched_rules,"
            "no_longer_matched_rules,error,integrity_problems\n";
  }

  void Print(const v1::ReplayResult& result) override {
    if (result.has_summary()) {
      PrintSummary(result.summary(), "", err_);
      return;
    }
    const v1::ReplayDiff& d = result.diff();
    const bool replayed = d.has_replayed();
    std::vector<std::string> fields = {
        absl::StrCat(d.seq()),
        d.decision_id(),
        d.stored().refund_id(),
        d.stored_version(),
        d.replayed_version(),
        ShortVerdict(d.verdict_from()),
        replayed ? ShortVerdict(d.verdict_to()) : "",
        Amount(d.stored()),
        replayed ? Amount(d.replayed()) : "",
        d.changed() ? "true" : "false",
        d.integrity_failure() ? "true" : "false",
        absl::StrJoin(d.changed_fields(), " "),
        absl::StrJoin(d.newly_matched_rules(), " "),
        absl::StrJoin(d.no_longer_matched_rules(), " "),
        d.error(),
        absl::StrJoin(d.integrity_problems(), "; ")};
    for (std::string& field : fields) field = CsvField(field);
    out_ << absl::StrJoin(fields, ",") << "\n";
  }

 private:
  std::ostream& out_;
  std::ostream& err_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<ReplayPrinter>> NewReplayPrinter(
    const ReplayPrintOptions& options, std::ostream& out, std::ostream& err) {
  const std::string& format = options.format;
  if (format == "table") return std::make_unique<TablePrinter>(out);
  if (format == "json") {
    return std::make_unique<JsonPrinter>(out,
                                         options.include_unchanged_decisions);
  }
  if (format == "csv") return std::make_unique<CsvPrinter>(out, err);
  return absl::InvalidArgumentError(
      absl::StrCat("format: \"", format, "\" is not one of table, json, csv"));
}

}  // namespace refund
