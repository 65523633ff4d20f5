// `refundctl replay`: exact or candidate replay of stored decisions, offline
// on a decision log store (--log=SPEC, or --db=FILE) or through a running
// server (--server).
#ifndef TOOLS_REFUNDCTL_REPLAY_COMMAND_H_
#define TOOLS_REFUNDCTL_REPLAY_COMMAND_H_

#include <ostream>

#include "absl/status/statusor.h"
#include "refund/v1/service.pb.h"
#include "tools/refundctl/command_args.h"

namespace refund {

// The flags refundctl replay accepts, with kDecisionFilterFlags.
inline constexpr FlagSpec kReplayFlags[] = {
    kLogFlagSpec,
    kDbFlagSpec,
    kLogKeyFileFlagSpec,
    kServerFlagSpec,
    {"candidate", "DIR", "replay under this bundle directory"},
    {"candidate-version", "V", "replay under this stored bundle version"},
    {"limit", "N", "at most N decisions (0: all)"},
    {"changed-only", nullptr, "print only the decisions that changed"},
    {"include_unchanged_decisions,include-unchanged-decisions", nullptr,
     "json: keep the stored and replayed decisions of unchanged results"},
    {"format", "FORMAT", "table (default), json or csv"}};

// The ReplayRequest the flags describe: candidate mode when --candidate=DIR
// (read here and sent as files, so a server elsewhere gets the content) or
// --candidate-version is given, else exact. INVALID_ARGUMENT naming the flag.
absl::StatusOr<v1::ReplayRequest> ReplayRequestFromFlags(const Args& args);

// Runs the replay and prints it (--format=table|json|csv). Exit code: 0, 1
// when an exact replay found an integrity failure or any decision could not
// be replayed (or the replay could not run), 2 on bad usage.
int RunReplayCommand(const Args& args, std::ostream& out, std::ostream& err);

}  // namespace refund

#endif  // TOOLS_REFUNDCTL_REPLAY_COMMAND_H_
