// `refundctl migrate`: copies a whole decision log from one store to
// another (e.g. a SQLite file into PostgreSQL), store-neutral
// (server/log/log_copier.h), and proves the copy: the source must verify
// first, the destination must be empty, and after the copy the
// destination's chain head must be the source's and the destination must
// verify. It never writes the source.
#ifndef TOOLS_REFUNDCTL_MIGRATE_COMMAND_H_
#define TOOLS_REFUNDCTL_MIGRATE_COMMAND_H_

#include <ostream>

#include "tools/refundctl/command_args.h"

namespace refund {

inline constexpr FlagSpec kMigrateFlags[] = {
    {"from", "SPEC", "the source decision log (read only)"},
    {"to", "SPEC", "the destination: an empty store, not memory:"},
    kLogKeyFileFlagSpec};

// --from=SPEC and --to=SPEC (store specs, server/log/open/
// open_decision_log.h; a PostgreSQL URI without a password) are required;
// --to may not be `memory:` nor the same spec as --from. The key file, when
// given, opens the source's sealed rows and seals the destination's (a
// store that seals rows does so with its last key). Progress goes to `err`
// (each step, and every second while rows are copied); the summary to
// `out`: decisions and bundle versions copied, the chain head (seq and
// row_hash in hex), the time taken. Exit code 0 when the copy is whole and
// verified; 1 when the source does not verify (the first problem named,
// nothing written), the destination is not empty (nothing written), the
// source gained rows during the copy (the copy lacks them), or the copy
// failed or does not verify: then `err` says that the destination holds a
// partial or unusable copy and how far it got; 2 on bad usage.
int RunMigrateCommand(const Args& args, std::ostream& out, std::ostream& err);

}  // namespace refund

#endif  // TOOLS_REFUNDCTL_MIGRATE_COMMAND_H_
