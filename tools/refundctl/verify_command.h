// `refundctl verify`: checks a decision log's hash chain, offline on a
// store (--log=SPEC, or --db=FILE) or through a running server (--server),
// and, with
// --checkpoint and --public-key, that the log still holds kept checkpoints
// (server/log/checkpoint/).
#ifndef TOOLS_REFUNDCTL_VERIFY_COMMAND_H_
#define TOOLS_REFUNDCTL_VERIFY_COMMAND_H_

#include <ostream>
#include <string>
#include <vector>

#include "refund/v1/service.pb.h"
#include "server/log/checkpoint/log_checkpoint.h"
#include "tools/refundctl/command_args.h"

namespace refund {

// --public_key is the spelling of --public-key; both are accepted.
inline constexpr FlagSpec kVerifyFlags[] = {
    kLogFlagSpec,
    kDbFlagSpec,
    kLogKeyFileFlagSpec,
    kServerFlagSpec,
    {"format", "FORMAT", "text (default) or json"},
    {"max-problems", "N", "stop after N problems"},
    {"checkpoint", "FILE[,FILE...]", "kept checkpoint notes to check"},
    {"public-key,public_key", "FILE", "the checkpoints' public key (PEM)"}};

// Prints the report (--format=text|json); text names the first broken link
// as "seq N (decision ID): KIND: what", then one line per checkpoint. Every
// --checkpoint file (several, comma-separated) must be a note signed by
// the --public-key; its signature is checked here, before the log is read,
// also with --server. Exit code 0 when the log is intact and holds every
// checkpoint, 1 when a problem was found, a checkpoint's signature does not
// verify or the check could not run, 2 on bad usage.
int RunVerifyCommand(const Args& args, std::ostream& out, std::ostream& err);

// The text form of a report.
void PrintVerifyReport(const v1::VerifyDecisionLogResponse& report,
                       std::ostream& out);

// A checkpoint file given to verify, its signature checked.
struct KeptCheckpoint {
  std::string path;
  server::SignedCheckpoint note;
  std::string text;
};

// One line per checkpoint: "checkpoint FILE: seq N (origin O, TIME, key
// NAME): holds: rows 1..N are unchanged" or "DOES NOT HOLD: ...".
// `checkpoints` and `report.checkpoints()` are in the same order.
void PrintCheckpointResults(const std::vector<KeptCheckpoint>& checkpoints,
                            const v1::VerifyDecisionLogResponse& report,
                            std::ostream& out);

}  // namespace refund

#endif  // TOOLS_REFUNDCTL_VERIFY_COMMAND_H_
