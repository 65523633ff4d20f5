#include "tools/refundctl/refundctl.h"

#include <map>
#include <memory>
#include <optional>

#include "absl/strings/str_cat.h"
#include "engine/decide/request_validator.h"
#include "engine/lint/policy_linter.h"
#include "engine/load/bundle_loader.h"
#include "grpcpp/grpcpp.h"
#include "refund/v1/service.grpc.pb.h"
#include "server/suggest/action_suggester.h"
#include "tools/refundctl/command_args.h"
#include "tools/refundctl/export_command.h"
#include "tools/refundctl/json_io.h"
#include "tools/refundctl/policy_test_runner.h"
#include "tools/refundctl/replay_command.h"
#include "tools/refundctl/server_client.h"
#include "tools/refundctl/suggestion_printer.h"
#include "tools/refundctl/verify_command.h"

namespace refund {
namespace {

constexpr char kUsage[] = R"(usage: refundctl <command> [flags] [args]

commands:
  decide  [--policies=DIR | --server=HOST:PORT] [REQUEST.json|-]
          Decides a RefundRequest (protobuf JSON, a file or stdin; a
          DecideRequest {"request": {...}} is accepted too) and prints the
          Decision as JSON. In-process on a bundle directory (default
          ./policies), or against a running refund-server.
  explain [--policies=DIR] [REQUEST.json|-]
          The decision, then every rule's condition result, sub-expression by
          sub-expression where it did not match.
  suggest [--policies=DIR | --server=HOST:PORT] [--locale=TAG] [--json]
          [REQUEST.json|-]
  suggest --server=HOST:PORT --decision-id=ID [--locale=TAG] [--json]
          What an agent does next: the verdict, the actions in order with
          their scripts in the locale (zh-CN default, en), the missing
          evidence, the forbidden conduct and the risks. For a request (a
          RefundRequest or SuggestActionsRequest as JSON) it is a dry run,
          nothing is stored; for a stored decision, ask the server. --json
          prints the SuggestActionsResponse for machines.
  test    [DIR | --policies=DIR] [--verbose]
          Runs the policy tests in DIR/tests/*.json (default ./policies).
          Exit 1 when any fails.
  lint    [DIR | --policies=DIR]
          Loads the bundle and reports rules that can never match,
          shadowed rules, conflicting rules, unused catalog entries. Exit 1 on
          any finding.
  verify  --db=FILE | --server=HOST:PORT  [--format=text|json]
          [--max-problems=N]
          Walks the decision log's hash chain and names the first broken
          link (seq, decision id, what is wrong). Exit 1 on any problem.
  replay  --db=FILE | --server=HOST:PORT
          [--candidate=DIR | --candidate-version=V] [--from=RFC3339]
          [--to=RFC3339] [--shop=ID] [--refund=ID] [--verdict=V] [--rule=ID]
          [--limit=N] [--changed-only] [--format=table|json|csv]
          Replays stored decisions: exactly, under the bundle each was
          decided with (exit 1 on any integrity failure), or under a
          candidate bundle (what would change; a summary with the verdict
          transition matrix and the rules whose matching changed).
  export  --db=FILE [--format=jsonl]
          One JSON object per stored decision: seq, ids, hashes, bundle
          version, request and decision.
)";

// The bundle directory: the positional argument, --policies, or ./policies.
std::string BundleDirectory(const Args& args) {
  if (!args.positional.empty()) return args.positional.front();
  auto it = args.flags.find("policies");
  return it == args.flags.end() ? "policies" : it->second;
}

// Reads a RefundRequest from JSON: either the request itself or a
// DecideRequest wrapping it.
absl::StatusOr<v1::RefundRequest> ReadRequest(const Args& args) {
  const std::string path =
      args.positional.empty() ? "-" : args.positional.front();
  absl::StatusOr<std::string> json = ReadFileOrStdin(path);
  if (!json.ok()) return json.status();
  const std::string source = path == "-" ? "stdin" : path;
  v1::DecideRequest wrapped;
  if (ParseJson(*json, source, &wrapped).ok() && wrapped.has_request()) {
    return wrapped.request();
  }
  v1::RefundRequest request;
  absl::Status parsed = ParseJson(*json, source, &request);
  if (!parsed.ok()) return parsed;
  return request;
}

absl::StatusOr<std::unique_ptr<const CompiledBundle>> LoadFrom(
    const std::string& directory, std::ostream& err) {
  std::vector<PolicyIssue> issues;
  auto bundle = LoadBundleFromDirectory(directory, &issues);
  if (!bundle.ok()) {
    if (issues.empty()) {
      err << bundle.status().message() << "\n";
    } else {
      err << FormatIssues(issues);
    }
  }
  return bundle;
}

// Decides `request` on the bundle of --policies (default ./policies) and
// prints the decision as JSON. Returns the bundle, or null after reporting
// why there is no decision to `err`.
std::unique_ptr<const CompiledBundle> DecideInProcess(
    const v1::RefundRequest& request, const Args& args, std::ostream& out,
    std::ostream& err) {
  auto bundle = LoadFrom(Flag(args, "policies", "policies"), err);
  if (!bundle.ok()) return nullptr;
  absl::StatusOr<v1::Decision> decision = (*bundle)->Decide(request);
  if (!decision.ok()) {
    err << decision.status().message() << "\n";
    return nullptr;
  }
  out << ToJson(*decision);
  return *std::move(bundle);
}

int Decide(const Args& args, std::ostream& out, std::ostream& err) {
  absl::StatusOr<v1::RefundRequest> request = ReadRequest(args);
  if (!request.ok()) {
    err << request.status().message() << "\n";
    return 1;
  }
  const std::string server = Flag(args, "server", "");
  if (!server.empty()) {
    auto stub = ConnectToServer(server);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
    v1::DecideRequest call;
    *call.mutable_request() = *request;
    v1::Decision decision;
    grpc::Status status = stub->Decide(&context, call, &decision);
    if (!status.ok()) {
      err << DescribeRpcError("Decide", status) << "\n";
      return 1;
    }
    out << ToJson(decision);
    return 0;
  }
  return DecideInProcess(*request, args, out, err) != nullptr ? 0 : 1;
}

int Explain(const Args& args, std::ostream& out, std::ostream& err) {
  absl::StatusOr<v1::RefundRequest> request = ReadRequest(args);
  if (!request.ok()) {
    err << request.status().message() << "\n";
    return 1;
  }
  std::unique_ptr<const CompiledBundle> bundle =
      DecideInProcess(*request, args, out, err);
  if (bundle == nullptr) return 1;
  out << "\n";
  out << "rules, in evaluation order (priority, then id):\n";
  for (const RuleTrace& trace : bundle->Explain(*request)) {
    out << "  [" << trace.priority << "] " << trace.rule_id << ": "
        << trace.outcome << "\n";
    if (trace.outcome == "true") continue;
    for (const RuleTrace::Step& step : trace.steps) {
      out << "      " << std::string(2 * step.depth, ' ') << step.text
          << "  =>  " << step.value << "\n";
    }
  }
  return 0;
}

// The SuggestActionsRequest of `refundctl suggest`: --decision-id, or the
// JSON input (a SuggestActionsRequest, or a request as `decide` reads it);
// --locale overrides the input's.
absl::StatusOr<v1::SuggestActionsRequest> ReadSuggestRequest(const Args& args) {
  v1::SuggestActionsRequest request;
  const std::string decision_id = Flag(args, "decision-id", "");
  if (!decision_id.empty()) {
    request.set_decision_id(decision_id);
  } else {
    const std::string path =
        args.positional.empty() ? "-" : args.positional.front();
    absl::StatusOr<std::string> json = ReadFileOrStdin(path);
    if (!json.ok()) return json.status();
    const std::string source = path == "-" ? "stdin" : path;
    v1::SuggestActionsRequest wrapped;
    if (ParseJson(*json, source, &wrapped).ok() &&
        (wrapped.has_request() || !wrapped.decision_id().empty())) {
      request = std::move(wrapped);
    } else {
      v1::DecideRequest decide;
      if (ParseJson(*json, source, &decide).ok() && decide.has_request()) {
        *request.mutable_request() = decide.request();
      } else {
        absl::Status parsed =
            ParseJson(*json, source, request.mutable_request());
        if (!parsed.ok()) return parsed;
      }
    }
  }
  const std::string locale = Flag(args, "locale", "");
  if (!locale.empty()) request.set_locale(locale);
  return request;
}

int Suggest(const Args& args, std::ostream& out, std::ostream& err) {
  absl::StatusOr<v1::SuggestActionsRequest> request = ReadSuggestRequest(args);
  if (!request.ok()) {
    err << request.status().message() << "\n";
    return 1;
  }
  const std::string server = Flag(args, "server", "");
  v1::SuggestActionsResponse response;
  if (!server.empty()) {
    auto stub = ConnectToServer(server);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
    grpc::Status status = stub->SuggestActions(&context, *request, &response);
    if (!status.ok()) {
      err << DescribeRpcError("SuggestActions", status) << "\n";
      return 1;
    }
  } else if (!request->decision_id().empty()) {
    err << "--decision-id needs --server: stored decisions live in the "
           "server's log\n";
    return 2;
  } else {
    auto bundle = LoadFrom(Flag(args, "policies", "policies"), err);
    if (!bundle.ok()) return 1;
    absl::StatusOr<v1::SuggestActionsResponse> dry_run =
        server::SuggestDryRun(**bundle, request->request(), request->locale());
    if (!dry_run.ok()) {
      err << dry_run.status().message() << "\n";
      return 1;
    }
    response = *std::move(dry_run);
  }
  out << (Flag(args, "json", "") == "true" ? ToJson(response)
                                           : FormatSuggestion(response));
  return 0;
}

int Test(const Args& args, std::ostream& out, std::ostream& err) {
  const std::string directory = BundleDirectory(args);
  auto bundle = LoadFrom(directory, err);
  if (!bundle.ok()) return 1;
  auto files = ReadPolicyTests(directory + "/tests");
  if (!files.ok()) {
    err << files.status().message() << "\n";
    return 1;
  }
  std::vector<PolicyTestResult> results = RunPolicyTests(**bundle, *files);
  int failed = 0;
  for (const PolicyTestResult& result : results) {
    if (result.passed) {
      if (Flag(args, "verbose", "") == "true") {
        out << "PASS " << result.file << ": " << result.name << "\n";
      }
      continue;
    }
    ++failed;
    out << "FAIL " << result.file << ": " << result.name << "\n";
    for (const std::string& failure : result.failures) {
      out << "     " << failure << "\n";
    }
  }
  if (results.empty()) {
    err << "no policy tests found in " << directory << "/tests\n";
    return 1;
  }
  out << (failed == 0 ? "PASS" : "FAIL") << ": " << results.size() - failed
      << "/" << results.size() << " policy tests passed (bundle "
      << (*bundle)->name() << " " << (*bundle)->version().substr(0, 12)
      << ")\n";
  return failed == 0 ? 0 : 1;
}

int Lint(const Args& args, std::ostream& out, std::ostream& err) {
  const std::string directory = BundleDirectory(args);
  auto bundle = LoadFrom(directory, err);
  if (!bundle.ok()) return 1;
  std::vector<LintFinding> findings = LintBundle(**bundle);
  for (const LintFinding& finding : findings) {
    out << finding.rule_id << ": " << finding.check << ": " << finding.message
        << "\n";
  }
  out << findings.size() << " finding" << (findings.size() == 1 ? "" : "s")
      << " in bundle " << (*bundle)->name() << " ("
      << (*bundle)->definition().rules_size() << " rules)\n";
  return findings.empty() ? 0 : 1;
}

}  // namespace

int RunRefundctl(const std::vector<std::string>& args, std::ostream& out,
                 std::ostream& err) {
  if (args.empty() || args[0] == "help" || args[0] == "--help") {
    (args.empty() ? err : out) << kUsage;
    return args.empty() ? 2 : 0;
  }
  const std::string& command = args[0];
  Args parsed = ParseArgs(args, 1);
  struct Command {
    const char* name;
    std::initializer_list<const char*> flags;
    int (*run)(const Args&, std::ostream&, std::ostream&);
  };
  static const Command kCommands[] = {
      {"decide", {"policies", "server"}, Decide},
      {"explain", {"policies"}, Explain},
      {"suggest",
       {"policies", "server", "locale", "decision-id", "json"},
       Suggest},
      {"test", {"policies", "verbose"}, Test},
      {"lint", {"policies"}, Lint},
      {"replay", kReplayFlags, RunReplayCommand},
      {"verify", kVerifyFlags, RunVerifyCommand},
      {"export", kExportFlags, RunExportCommand},
  };
  for (const Command& known : kCommands) {
    if (command != known.name) continue;
    if (!CheckFlags(parsed, known.flags, err)) {
      err << kUsage;
      return 2;
    }
    return known.run(parsed, out, err);
  }
  err << "unknown command \"" << command << "\"\n" << kUsage;
  return 2;
}

}  // namespace refund
