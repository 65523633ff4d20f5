#include "tools/refundctl/test_command.h"

#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "google/protobuf/struct.pb.h"
#include "tools/refundctl/bundle_input.h"
#include "tools/refundctl/json_io.h"
#include "tools/refundctl/policy_test_runner.h"

namespace refund {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

Value StringValue(const std::string& text) {
  Value value;
  value.set_string_value(text);
  return value;
}

// The results as the JSON object RunTestCommand's contract describes.
Struct ResultsJson(const std::vector<PolicyTestResult>& results, int failed,
                   const CompiledBundle& bundle) {
  Struct json;
  auto& fields = *json.mutable_fields();
  fields["passed"].set_bool_value(failed == 0);
  fields["passed_count"].set_number_value(results.size() - failed);
  fields["failed_count"].set_number_value(failed);
  fields["bundle"] = StringValue(bundle.name());
  fields["version"] = StringValue(bundle.version());
  auto* list = fields["results"].mutable_list_value();
  for (const PolicyTestResult& result : results) {
    Struct* one = list->add_values()->mutable_struct_value();
    auto& out = *one->mutable_fields();
    out["file"] = StringValue(result.file);
    out["name"] = StringValue(result.name);
    out["passed"].set_bool_value(result.passed);
    auto* failures = out["failures"].mutable_list_value();
    for (const std::string& failure : result.failures) {
      *failures->add_values() = StringValue(failure);
    }
  }
  return json;
}

}  // namespace

int RunTestCommand(const Args& args, std::ostream& out, std::ostream& err) {
  const std::string format = Flag(args, "format", "text");
  if (format != "text" && format != "json") {
    err << "test: --format: \"" << format << "\" is not one of text, json\n";
    return 2;
  }
  const std::string run = Flag(args, "run", "");
  std::regex pattern;
  try {
    pattern = std::regex(run, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    err << "test: --run: \"" << run
        << "\" is not a regular expression: " << e.what() << "\n";
    return 2;
  }
  const std::string directory = BundleDirectory(args);
  auto bundle = LoadBundleReporting(directory, err);
  if (!bundle.ok()) return 1;
  auto files = ReadPolicyTests(directory + "/tests");
  if (!files.ok()) {
    err << files.status().message() << "\n";
    return 1;
  }
  if (!run.empty()) {
    for (auto& [file, tests] : *files) {
      auto* cases = tests.mutable_cases();
      for (int i = cases->size() - 1; i >= 0; --i) {
        if (!std::regex_search(cases->Get(i).name(), pattern)) {
          cases->DeleteSubrange(i, 1);
        }
      }
    }
  }
  std::vector<PolicyTestResult> results = RunPolicyTests(**bundle, *files);
  if (results.empty()) {
    if (run.empty()) {
      err << "no policy tests found in " << directory << "/tests\n";
    } else {
      err << "no policy test in " << directory << "/tests matches --run \""
          << run << "\"\n";
    }
    return 1;
  }
  int failed = 0;
  for (const PolicyTestResult& result : results) failed += !result.passed;
  if (format == "json") {
    out << ToJson(ResultsJson(results, failed, **bundle));
    return failed == 0 ? 0 : 1;
  }
  for (const PolicyTestResult& result : results) {
    if (result.passed) {
      if (Flag(args, "verbose", "") == "true") {
        out << "PASS " << result.file << ": " << result.name << "\n";
      }
      continue;
    }
    out << "FAIL " << result.file << ": " << result.name << "\n";
    for (const std::string& failure : result.failures) {
      out << "     " << failure << "\n";
    }
  }
  out << (failed == 0 ? "PASS" : "FAIL") << ": " << results.size() - failed
      << "/" << results.size() << " policy tests passed (bundle "
      << (*bundle)->name() << " " << (*bundle)->version().substr(0, 12)
      << ")\n";
  return failed == 0 ? 0 : 1;
}

}  // namespace refund
