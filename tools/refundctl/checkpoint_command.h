// `refundctl checkpoint`: asks a running server to sign its decision log's
// chain head now (the GetCheckpoint RPC) and prints the note, to be kept
// away from the log and given later to `refundctl verify --checkpoint`.
#ifndef TOOLS_REFUNDCTL_CHECKPOINT_COMMAND_H_
#define TOOLS_REFUNDCTL_CHECKPOINT_COMMAND_H_

#include <ostream>

#include "tools/refundctl/command_args.h"

namespace refund {

inline constexpr FlagSpec kCheckpointFlags[] = {
    kServerFlagSpec,
    {"format", "FORMAT", "note (default) or json"},
    {"public-key,public_key", "FILE",
     "check the note's signature with this public key (PEM)"}};

// --format=note (default) prints the note exactly as signed (redirect it to
// a file to keep it); --format=json the LogCheckpoint message. With
// --public-key, the note's signature is checked before it is printed. Exit
// code 0 when printed; 1 when the server refuses (FAILED_PRECONDITION
// without --checkpoint_key) or the signature does not verify; 2 on bad
// usage.
int RunCheckpointCommand(const Args& args, std::ostream& out,
                         std::ostream& err);

}  // namespace refund

#endif  // TOOLS_REFUNDCTL_CHECKPOINT_COMMAND_H_
