#include "tools/refundctl/refundctl.h"

#include <iterator>

#include "refund/build_info.h"
#include "tools/client/channel_options.h"
#include "tools/refundctl/checkpoint_command.h"
#include "tools/refundctl/command_line.h"
#include "tools/refundctl/decide_command.h"
#include "tools/refundctl/decision_filter_flags.h"
#include "tools/refundctl/explain_command.h"
#include "tools/refundctl/export_command.h"
#include "tools/refundctl/get_command.h"
#include "tools/refundctl/hash_token_command.h"
#include "tools/refundctl/lint_command.h"
#include "tools/refundctl/list_command.h"
#include "tools/refundctl/migrate_command.h"
#include "tools/refundctl/rekey_command.h"
#include "tools/refundctl/replay_command.h"
#include "tools/refundctl/suggest_command.h"
#include "tools/refundctl/test_command.h"
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
  explain --decision_id=ID --log=SPEC [--log-key-file=FILE]
          The decision (a request decided in-process, or a stored one under
          the bundle it was decided with), then every rule's condition
          result, sub-expression by sub-expression, matched or not.
  suggest [--policies=DIR | --server=HOST:PORT] [--locale=TAG] [--json]
          [REQUEST.json|-]
  suggest --server=HOST:PORT --decision-id=ID [--locale=TAG] [--json]
          What an agent does next: the verdict, the actions in order with
          their scripts in the locale (zh-CN default, en), the missing
          evidence, the forbidden conduct and the risks. For a request (a
          RefundRequest or SuggestActionsRequest as JSON) it is a dry run,
          nothing is stored; for a stored decision, ask the server. --json
          prints the SuggestActionsResponse for machines.
  test    [DIR | --policies=DIR] [--verbose] [--run=REGEX]
          [--format=text|json]
          Runs the policy tests in DIR/tests/*.json (default ./policies), or
          only those whose name matches --run. Exit 1 when any fails.
  lint    [DIR | --policies=DIR]
          Loads the bundle and reports rules that can never match,
          shadowed rules, conflicting rules, unused catalog entries. Exit 1 on
          any finding.
  verify  --log=SPEC [--log-key-file=FILE] | --server=HOST:PORT
          [--format=text|json] [--max-problems=N]
          [--checkpoint=FILE[,FILE...] --public-key=FILE]
          Walks the decision log's hash chain and names the first broken
          link (seq, decision id, what is wrong). Exit 1 on any problem;
          rows encrypted with a key the key file lacks are a problem
          (KEY_MISSING: only their links are checked). With kept
          checkpoints (their signatures checked with the public key first):
          whether the log still holds every row up to each one, unchanged.
  checkpoint --server=HOST:PORT [--format=note|json] [--public-key=FILE]
          Has the server sign its log's chain head now and prints the
          signed note (keep it away from the log; see verify --checkpoint).
  replay  --log=SPEC [--log-key-file=FILE] | --server=HOST:PORT
          [--candidate=DIR | --candidate-version=V] [--from=RFC3339]
          [--to=RFC3339] [--shop_id=ID] [--refund_id=ID] [--verdict=V]
          [--rule_id=ID]
          [--limit=N] [--changed-only] [--format=table|json|csv]
          Replays stored decisions: exactly, under the bundle each was
          decided with (exit 1 on any integrity failure), or under a
          candidate bundle (what would change; a summary with the verdict
          transition matrix and the rules whose matching changed).
  get     DECISION_ID --server=HOST:PORT
          One stored decision as JSON.
  list    --server=HOST:PORT [--refund_id=ID] [--shop_id=ID] [--verdict=V]
          [--from=RFC3339] [--to=RFC3339] [--rule_id=ID] [--page_size=N]
          [--page_token=T | --all]
          Stored decisions as JSON: one page (its next_page_token asks for
          the next), or with --all every page, one decision per line.
  export  --log=SPEC [--log-key-file=FILE] | --server=HOST:PORT
          [--from=RFC3339] [--to=RFC3339] [--shop_id=ID] [--refund_id=ID]
          [--verdict=V] [--rule_id=ID] [--limit=N] [--format=jsonl]
          One JSON object per stored decision: seq, ids, hashes, bundle
          version, request and decision. Through a server (its Replay RPC,
          exact mode): seq, id, bundle version, time and decision only.
  hash-token [TOKEN_FILE|-]
          The SHA-256 of a bearer token (its trailing line end dropped), for
          the access policy's token_sha256. Make a token with
          `openssl rand -hex 32`.
  rekey   --log=SPEC --log-key-file=FILE [--to-plain] [--batch=N]
          Rewrites every stored request and decision encrypted with the key
          file's last key (plain ones, and those of older keys), or plain
          with --to-plain; N rows per transaction (256), resumable. The
          hash chain covers the plaintext: it is not touched.
  migrate --from=SPEC --to=SPEC [--log-key-file=FILE]
          Copies a whole decision log into an empty store (e.g. a SQLite
          file into PostgreSQL): verifies the source first (refused, naming
          the first problem, when it does not verify), copies every bundle
          version and decision, then checks that the destination's chain
          head is the source's and verifies it. The key file opens the
          source's encrypted rows and encrypts the destination's. Never
          writes the source; a failed copy leaves a partial destination
          (it says so). Stop the servers writing to the source first.

--log=SPEC names a decision log store: sqlite:PATH or PATH (a SQLite file;
--db=FILE is the same), postgresql://USER@HOST:PORT/DB?sslmode=verify-full
(libpq's URI; the password in PGPASSFILE or PGPASSWORD, never in the URI),
or memory: (empty; for trials).

--log-key-file (also spelled --log_key_file, as on refund-server): lines
`<key id> <64 hex digits>`, mode 0600; every key decrypts, the last encrypts.

Flags take their value as --flag=value or --flag value. `refundctl COMMAND
--help` lists a command's flags; `refundctl --version` (or `version`) prints
the version.

with --server (decide, suggest, verify, checkpoint, replay, export, get,
list):
)";

template <size_t N>
std::vector<FlagSpec> Flags(const FlagSpec (&flags)[N]) {
  return std::vector<FlagSpec>(std::begin(flags), std::end(flags));
}

// A command's flags and the decision filter's.
template <size_t N>
std::vector<FlagSpec> FlagsAndFilter(const FlagSpec (&flags)[N]) {
  std::vector<FlagSpec> all = Flags(flags);
  all.insert(all.end(), std::begin(kDecisionFilterFlags),
             std::end(kDecisionFilterFlags));
  return all;
}

const std::vector<CommandSpec>& Commands() {
  static const auto* commands = new std::vector<CommandSpec>{
      {"decide",
       "Decides a RefundRequest (protobuf JSON, a file or stdin; a\n"
       "DecideRequest {\"request\": {...}} is accepted too) and prints the\n"
       "Decision as JSON: in-process on a bundle directory, or on a server.",
       Flags(kDecideFlags), "REQUEST", true, RunDecideCommand},
      {"explain",
       "The decision (a request decided in-process, or a stored one with\n"
       "--decision_id and --log), then every rule's condition result,\n"
       "sub-expression by sub-expression, matched or not.",
       Flags(kExplainFlags), "REQUEST", false, RunExplainCommand},
      {"suggest",
       "What an agent does next, for a request (a dry run) or a stored\n"
       "decision (--decision-id, with --server).",
       Flags(kSuggestFlags), "REQUEST", true, RunSuggestCommand},
      {"test",
       "Runs the policy tests in DIR/tests/*.json (or those --run matches).\n"
       "Exit 1 when any fails.",
       Flags(kTestFlags), "DIR", false, RunTestCommand},
      {"lint",
       "Reports the bundle's rules that can never match, shadowed or\n"
       "conflicting rules, unused catalog entries. Exit 1 on any.",
       Flags(kLintFlags), "DIR", false, RunLintCommand},
      {"replay",
       "Replays stored decisions: exactly, under the bundle each was\n"
       "decided with, or under a candidate bundle (what would change).",
       FlagsAndFilter(kReplayFlags), nullptr, true, RunReplayCommand},
      {"verify",
       "Walks the decision log's hash chain and names the first broken link;\n"
       "with kept checkpoints, whether the log still holds them unchanged.",
       Flags(kVerifyFlags), nullptr, true, RunVerifyCommand},
      {"get", "One stored decision, as JSON (GetDecision).", Flags(kGetFlags),
       "DECISION_ID", true, RunGetCommand},
      {"list",
       "Stored decisions, a page at a time or --all (ListDecisions), as\n"
       "JSON.",
       FlagsAndFilter(kListFlags), nullptr, true, RunListCommand},
      {"checkpoint",
       "Has the server sign its log's chain head now and prints the note.",
       Flags(kCheckpointFlags), nullptr, true, RunCheckpointCommand},
      {"export",
       "One JSON object per stored decision the filters select, from a\n"
       "store, or through a server (its Replay RPC: no request nor hashes).",
       FlagsAndFilter(kExportFlags), nullptr, true, RunExportCommand},
      {"hash-token",
       "The SHA-256 of a bearer token, for the access policy's token_sha256.",
       {},
       "TOKEN_FILE",
       false,
       RunHashTokenCommand},
      {"rekey",
       "Rewrites every stored request and decision under the key file's\n"
       "last key (or plain with --to-plain).",
       Flags(kRekeyFlags), nullptr, false, RunRekeyCommand},
      {"migrate", "Copies a whole decision log into an empty store.",
       Flags(kMigrateFlags), nullptr, false, RunMigrateCommand},
  };
  return *commands;
}

const CommandSpec* FindCommand(const std::string& name) {
  for (const CommandSpec& command : Commands()) {
    if (name == command.name) return &command;
  }
  return nullptr;
}

}  // namespace

std::string RefundctlVersion() {
  return std::string("refundctl ") + kBuildVersion + " (commit " +
         kBuildCommit + ", " + kBuildType + " build)";
}

int RunRefundctl(const std::vector<std::string>& args, std::ostream& out,
                 std::ostream& err) {
  if (args.empty()) {
    err << kUsage << client::kChannelFlagsUsage;
    return 2;
  }
  const std::string& command = args[0];
  if (command == "help" || command == "-h" || command == "--help") {
    const CommandSpec* spec = args.size() > 1 ? FindCommand(args[1]) : nullptr;
    if (spec != nullptr) {
      out << CommandHelp(*spec);
    } else {
      out << kUsage << client::kChannelFlagsUsage;
    }
    return 0;
  }
  if (command == "version" || command == "-v" || command == "--version") {
    if (args.size() > 1) {
      err << "refundctl " << command << ": takes no arguments\n";
      return 2;
    }
    out << RefundctlVersion() << "\n";
    return 0;
  }
  const CommandSpec* spec = FindCommand(command);
  if (spec == nullptr) {
    err << "unknown command \"" << command << "\"\n"
        << kUsage << client::kChannelFlagsUsage;
    return 2;
  }
  Args parsed;
  switch (ParseCommandLine(
      *spec, std::vector<std::string>(args.begin() + 1, args.end()), &parsed,
      out, err)) {
    case ParseOutcome::kDone:
      return 0;
    case ParseOutcome::kUsageError:
      return 2;
    case ParseOutcome::kRun:
      break;
  }
  return spec->run(parsed, out, err);
}

}  // namespace refund
