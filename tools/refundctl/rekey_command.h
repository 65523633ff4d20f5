// refundctl rekey: rewrites a decision log's stored requests and
// decisions under the key file's last key, or plain (server/log/
// log_rekey.h). The chain covers the plaintext, so verify and exact replay
// answer the same before and after.
#ifndef TOOLS_REFUNDCTL_REKEY_COMMAND_H_
#define TOOLS_REFUNDCTL_REKEY_COMMAND_H_

#include <ostream>

#include "tools/refundctl/command_args.h"

namespace refund {

inline constexpr FlagSpec kRekeyFlags[] = {
    kLogFlagSpec,
    kDbFlagSpec,
    kLogKeyFileFlagSpec,
    {"to-plain", nullptr, "store every row plain"},
    {"batch", "N", "rows per transaction (256)"}};

// --log=SPEC (or --db=FILE) and a key file are required (the key file opens the
// rows as they are, and its last key seals them unless --to-plain). Prints what
// it did. Exit 0 when every row is kept as asked, 1 when it stopped (a row
// sealed with a key the file lacks, a row that does not authenticate, a
// store error: what was rewritten stays, and a second run goes on), 2 on
// bad usage.
int RunRekeyCommand(const Args& args, std::ostream& out, std::ostream& err);

}  // namespace refund

#endif  // TOOLS_REFUNDCTL_REKEY_COMMAND_H_
