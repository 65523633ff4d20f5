#include "tools/refundctl/refundctl.h"

#include <initializer_list>

#include "tools/client/channel_options.h"
#include "tools/refundctl/checkpoint_command.h"
#include "tools/refundctl/command_args.h"
#include "tools/refundctl/decide_command.h"
#include "tools/refundctl/explain_command.h"
#include "tools/refundctl/export_command.h"
#include "tools/refundctl/hash_token_command.h"
#include "tools/refundctl/lint_command.h"
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
          [--to=RFC3339] [--shop=ID] [--refund=ID] [--verdict=V] [--rule=ID]
          [--limit=N] [--changed-only] [--format=table|json|csv]
          Replays stored decisions: exactly, under the bundle each was
          decided with (exit 1 on any integrity failure), or under a
          candidate bundle (what would change; a summary with the verdict
          transition matrix and the rules whose matching changed).
  export  --log=SPEC [--log-key-file=FILE] [--format=jsonl]
          One JSON object per stored decision: seq, ids, hashes, bundle
          version, request and decision.
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

with --server (decide, suggest, verify, replay):
)";

}  // namespace

int RunRefundctl(const std::vector<std::string>& args, std::ostream& out,
                 std::ostream& err) {
  if (args.empty() || args[0] == "help" || args[0] == "--help") {
    (args.empty() ? err : out) << kUsage << client::kChannelFlagsUsage;
    return args.empty() ? 2 : 0;
  }
  const std::string& command = args[0];
  Args parsed = ParseArgs(args, 1);
  struct Command {
    const char* name;
    std::initializer_list<const char*> flags;
    // Takes --server, and with it the transport flags.
    bool server;
    int (*run)(const Args&, std::ostream&, std::ostream&);
  };
  static const Command kCommands[] = {
      {"decide", kDecideFlags, true, RunDecideCommand},
      {"explain", kExplainFlags, false, RunExplainCommand},
      {"suggest", kSuggestFlags, true, RunSuggestCommand},
      {"test", kTestFlags, false, RunTestCommand},
      {"lint", kLintFlags, false, RunLintCommand},
      {"replay", kReplayFlags, true, RunReplayCommand},
      {"verify", kVerifyFlags, true, RunVerifyCommand},
      {"checkpoint", kCheckpointFlags, true, RunCheckpointCommand},
      {"export", kExportFlags, false, RunExportCommand},
      {"hash-token", kHashTokenFlags, false, RunHashTokenCommand},
      {"rekey", kRekeyFlags, false, RunRekeyCommand},
      {"migrate", kMigrateFlags, false, RunMigrateCommand},
  };
  for (const Command& known : kCommands) {
    if (command != known.name) continue;
    if (!CheckFlags(parsed, known.flags, err,
                    known.server ? client::kChannelFlags
                                 : std::initializer_list<const char*>{})) {
      err << kUsage << client::kChannelFlagsUsage;
      return 2;
    }
    return known.run(parsed, out, err);
  }
  err << "unknown command \"" << command << "\"\n"
      << kUsage << client::kChannelFlagsUsage;
  return 2;
}

}  // namespace refund
