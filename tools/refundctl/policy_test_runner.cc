#include "tools/refundctl/policy_test_runner.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/util/time_util.h"
#include "tools/refundctl/json_io.h"

namespace refund {
namespace {

using google::protobuf::util::TimeUtil;

template <typename Items, typename Key>
std::vector<std::string> Keys(const Items& items, Key key) {
  std::vector<std::string> keys;
  for (const auto& item : items) keys.push_back(key(item));
  return keys;
}

bool Has(const std::vector<std::string>& values, const std::string& value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

// One failure line per value of `want` missing from `have` ("forbidden:
// want X in [...]"), and per value of `absent` present in `have`.
template <typename Want, typename Absent>
void CheckMembers(absl::string_view label, const Want& want,
                  const Absent& absent, const std::vector<std::string>& have,
                  std::vector<std::string>* failures) {
  for (const std::string& value : want) {
    if (!Has(have, value)) {
      failures->push_back(absl::StrCat(label, ": want ", value, " in [",
                                       absl::StrJoin(have, ", "), "]"));
    }
  }
  for (const std::string& value : absent) {
    if (Has(have, value)) {
      failures->push_back(
          absl::StrCat(label, ": ", value, " should be absent"));
    }
  }
}

std::vector<std::string> EvidenceNames(
    const google::protobuf::RepeatedField<int>& kinds) {
  std::vector<std::string> names;
  for (int kind : kinds) names.push_back(v1::EvidenceKind_Name(kind));
  return names;
}

std::string LineText(const v1::LineResult& line) {
  return absl::StrCat(line.sku(), " paid ", line.paid_amount().minor_units(),
                      " approved ", line.approved_amount().minor_units(), " ",
                      line.reason());
}

// expect.line_results, when given: the decision's, one for one.
void CheckLineResults(const v1::PolicyExpectation& expect,
                      const v1::Decision& decision,
                      std::vector<std::string>* failures) {
  if (expect.line_results_size() == 0) return;
  bool same = expect.line_results_size() == decision.line_results_size();
  for (int i = 0; same && i < expect.line_results_size(); ++i) {
    const v1::LineResult& want = expect.line_results(i);
    const v1::LineResult& got = decision.line_results(i);
    same =
        want.sku() == got.sku() &&
        want.paid_amount().minor_units() == got.paid_amount().minor_units() &&
        want.approved_amount().minor_units() ==
            got.approved_amount().minor_units() &&
        (want.reason().empty() || want.reason() == got.reason());
  }
  if (same) return;
  std::vector<std::string> want;
  std::vector<std::string> got;
  for (const auto& line : expect.line_results()) want.push_back(LineText(line));
  for (const auto& line : decision.line_results()) {
    got.push_back(LineText(line));
  }
  failures->push_back(absl::StrCat("line_results: want [",
                                   absl::StrJoin(want, "; "), "], got [",
                                   absl::StrJoin(got, "; "), "]"));
}

}  // namespace

std::vector<std::string> CheckExpectation(const v1::PolicyExpectation& expect,
                                          const v1::Decision& decision) {
  std::vector<std::string> failures;
  if (expect.verdict() != v1::VERDICT_UNSPECIFIED &&
      expect.verdict() != decision.verdict()) {
    failures.push_back(
        absl::StrCat("verdict: want ", v1::Verdict_Name(expect.verdict()),
                     ", got ", v1::Verdict_Name(decision.verdict())));
  }
  if (expect.has_refund_amount() &&
      expect.refund_amount().minor_units() !=
          decision.refund_amount().minor_units()) {
    failures.push_back(absl::StrCat(
        "refund_amount: want ", expect.refund_amount().minor_units(), ", got ",
        decision.refund_amount().minor_units()));
  }
  const std::vector<std::string> evidence =
      Keys(decision.required_evidence(),
           [](const auto& e) { return v1::EvidenceKind_Name(e.kind()); });
  CheckMembers("evidence", EvidenceNames(expect.evidence()),
               EvidenceNames(expect.evidence_absent()), evidence, &failures);
  const std::vector<std::string> actions =
      Keys(decision.actions(), [](const auto& a) { return a.code(); });
  size_t from = 0;
  for (const std::string& code : expect.actions()) {
    auto it = std::find(actions.begin() + std::min(from, actions.size()),
                        actions.end(), code);
    if (it == actions.end()) {
      failures.push_back(
          absl::StrCat("actions: want ", code,
                       Has(actions, code) ? " later in the order" : "", " in [",
                       absl::StrJoin(actions, ", "), "]"));
    } else {
      from = static_cast<size_t>(it - actions.begin()) + 1;
    }
  }
  CheckMembers("actions", std::vector<std::string>{}, expect.actions_absent(),
               actions, &failures);
  if (!expect.first_action().empty() &&
      (actions.empty() || actions.front() != expect.first_action())) {
    failures.push_back(absl::StrCat("first action: want ",
                                    expect.first_action(), " in [",
                                    absl::StrJoin(actions, ", "), "]"));
  }
  CheckLineResults(expect, decision, &failures);
  const std::vector<std::string> none;
  CheckMembers(
      "forbidden", expect.forbidden(), none,
      Keys(decision.forbidden(), [](const auto& f) { return f.code(); }),
      &failures);
  CheckMembers("risks", expect.risks(), none,
               Keys(decision.risks(), [](const auto& r) { return r.code(); }),
               &failures);
  CheckMembers(
      "matched_rules", expect.matched_rules(), expect.matched_rules_absent(),
      Keys(decision.matched_rules(), [](const auto& m) { return m.rule_id(); }),
      &failures);
  if (expect.has_respond_by() && expect.respond_by() != decision.respond_by()) {
    failures.push_back(absl::StrCat(
        "respond_by: want ", TimeUtil::ToString(expect.respond_by()), ", got ",
        TimeUtil::ToString(decision.respond_by())));
  }
  return failures;
}

absl::StatusOr<std::vector<std::pair<std::string, v1::PolicyTestFile>>>
ReadPolicyTests(const std::string& tests_directory) {
  namespace fs = std::filesystem;
  std::vector<std::pair<std::string, v1::PolicyTestFile>> files;
  std::error_code error;
  if (!fs::is_directory(tests_directory, error)) {
    return absl::NotFoundError(absl::StrCat(
        "no policy tests: \"", tests_directory, "\" is not a directory"));
  }
  // The std::error_code forms throughout: a looping link made
  // is_regular_file() throw out of refundctl.
  std::vector<fs::path> paths;
  fs::directory_iterator it(tests_directory, error);
  for (; !error && it != fs::directory_iterator(); it.increment(error)) {
    if (it->path().extension() != ".json") continue;
    std::error_code entry_error;
    if (!it->is_regular_file(entry_error) || entry_error) {
      return absl::InvalidArgumentError(
          absl::StrCat(it->path().string(), ": not a readable regular file"));
    }
    paths.push_back(it->path());
  }
  if (error) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot read \"", tests_directory, "\": ", error.message()));
  }
  std::sort(paths.begin(), paths.end());
  for (const fs::path& path : paths) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream content;
    content << in.rdbuf();
    v1::PolicyTestFile file;
    absl::Status parsed = ParseJson(content.str(), path.string(), &file);
    if (!parsed.ok()) return parsed;
    files.emplace_back(path.filename().string(), std::move(file));
  }
  return files;
}

std::vector<PolicyTestResult> RunPolicyTests(
    const CompiledBundle& bundle,
    const std::vector<std::pair<std::string, v1::PolicyTestFile>>& files) {
  std::vector<PolicyTestResult> results;
  for (const auto& [file_name, file] : files) {
    for (const v1::PolicyTestCase& test : file.cases()) {
      PolicyTestResult result;
      result.file = file_name;
      result.name = test.name();
      absl::StatusOr<v1::Decision> decision = bundle.Decide(test.request());
      if (!decision.ok()) {
        result.failures.push_back(
            absl::StrCat("request rejected: ", decision.status().message()));
      } else {
        result.failures = CheckExpectation(test.expect(), *decision);
      }
      result.passed = result.failures.empty();
      results.push_back(std::move(result));
    }
  }
  return results;
}

}  // namespace refund
