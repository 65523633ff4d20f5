// `refundctl export`: the decision log as JSON Lines for other audit tools.
#ifndef TOOLS_REFUNDCTL_EXPORT_COMMAND_H_
#define TOOLS_REFUNDCTL_EXPORT_COMMAND_H_

#include <ostream>

#include "tools/refundctl/command_args.h"

namespace refund {

inline constexpr std::initializer_list<const char*> kExportFlags = {
    "log", "db", "format", "log-key-file", "log_key_file"};

// Writes one LogExportRecord (proto/refund/v1/service.proto) per stored
// decision, in seq order, as one line of protobuf JSON each
// (--format=jsonl, the only format), from the store --log=SPEC (or
// --db=FILE) names. Reads it read-only, as stored: no check (that is
// `verify`). Exit code 0, 1 when the file cannot be read or
// a row does not parse (reported, the others still exported), 2 on bad usage.
int RunExportCommand(const Args& args, std::ostream& out, std::ostream& err);

}  // namespace refund

#endif  // TOOLS_REFUNDCTL_EXPORT_COMMAND_H_
