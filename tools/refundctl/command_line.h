// refundctl's one command-line parser (CLI11), for every command: a command
// is described by a CommandSpec (its flags, whether it takes positional
// arguments and the transport flags of --server), and ParseCommandLine turns
// its arguments into Args, or answers --help, or reports the mistake.
#ifndef TOOLS_REFUNDCTL_COMMAND_LINE_H_
#define TOOLS_REFUNDCTL_COMMAND_LINE_H_

#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "tools/refundctl/command_args.h"

namespace refund {

struct CommandSpec {
  const char* name;
  // The synopsis and what it does, printed by --help above the flags.
  const char* description;
  std::vector<FlagSpec> flags;
  // The positional arguments' name in --help ("REQUEST"); nullptr when the
  // command takes none.
  const char* positional = nullptr;
  // Takes --server, and with it the transport flags
  // (tools/client/channel_options.h).
  bool server = false;
  int (*run)(const Args&, std::ostream&, std::ostream&) = nullptr;
};

// Flags that must not be given together, in any command that has both: the
// first names of two flags and the end of the message ("<command>: --a and
// --b <why>").
struct FlagConflict {
  const char* a;
  const char* b;
  const char* why;
};
extern const std::vector<FlagConflict> kFlagConflicts;

// What ParseCommandLine did.
enum class ParseOutcome {
  kRun,         // `parsed` holds the arguments: run the command
  kDone,        // --help was printed to `out`: exit 0
  kUsageError,  // the mistake was reported to `err`: exit 2
};

// Parses `args` (the words after the command's name) as `spec` says:
// `--flag value` and `--flag=value` alike, -h/--help. A flag the command does
// not know, a positional argument it does not take, a flag without its value
// or given twice, and two flags of kFlagConflicts together are usage errors,
// each named.
ParseOutcome ParseCommandLine(const CommandSpec& spec,
                              const std::vector<std::string>& args,
                              Args* parsed, std::ostream& out,
                              std::ostream& err);

// The command's --help text.
std::string CommandHelp(const CommandSpec& spec);

}  // namespace refund

#endif  // TOOLS_REFUNDCTL_COMMAND_LINE_H_
