// `refundctl export`: the decision log as JSON Lines for other audit tools.
#ifndef TOOLS_REFUNDCTL_EXPORT_COMMAND_H_
#define TOOLS_REFUNDCTL_EXPORT_COMMAND_H_

#include <ostream>

#include "tools/refundctl/command_args.h"

namespace refund {

// With kDecisionFilterFlags (decision_filter_flags.h), as replay.
inline constexpr FlagSpec kExportFlags[] = {
    kLogFlagSpec,
    kDbFlagSpec,
    kLogKeyFileFlagSpec,
    kServerFlagSpec,
    {"limit", "N", "at most N decisions (0: all)"},
    {"format", "jsonl", "jsonl (the only format)"}};

// Writes one LogExportRecord (proto/refund/v1/service.proto) per stored
// decision the filter flags select, in seq order, at most --limit, as one
// line of protobuf JSON each (--format=jsonl, the only format).
//
// From the store --log=SPEC (or --db=FILE) names: read-only, as stored, every
// field; no check (that is `verify`). Through a server (--server): its
// Replay RPC in exact mode, which streams the selected stored decisions in
// seq order with the filter and limit applied by the server, each with its
// seq and bundle version (ListDecisions gives neither); the record then
// holds seq, decision_id, bundle_version, decided_at_micros and the
// decision, but not the request nor the row's hashes, which no RPC returns.
//
// Exit code 0, 1 when the log cannot be read or a row does not parse
// (reported, the others still exported), 2 on bad usage.
int RunExportCommand(const Args& args, std::ostream& out, std::ostream& err);

}  // namespace refund

#endif  // TOOLS_REFUNDCTL_EXPORT_COMMAND_H_
