// refundctl's flag parsing, shared by its subcommands.
#ifndef TOOLS_REFUNDCTL_COMMAND_ARGS_H_
#define TOOLS_REFUNDCTL_COMMAND_ARGS_H_

#include <cstddef>
#include <initializer_list>
#include <map>
#include <ostream>
#include <string>
#include <vector>

namespace refund {

// `--name=value` flags (a bare `--name` is "true") and positional arguments.
struct Args {
  std::map<std::string, std::string> flags;
  std::vector<std::string> positional;
};

// Parses args[from...].
Args ParseArgs(const std::vector<std::string>& args, size_t from);

// False (and the unknown flag reported to `err`) when a flag is in neither
// `known` nor `also_known` (e.g. the transport flags of the commands that
// take --server): a flag no command knows is a usage error, never ignored.
bool CheckFlags(const Args& args, std::initializer_list<const char*> known,
                std::ostream& err,
                std::initializer_list<const char*> also_known = {});

// The flag's value, or `fallback` when absent.
std::string Flag(const Args& args, const std::string& name,
                 const std::string& fallback);

// Where an audit command reads the decision log: a file (--db) or a running
// server (--server), exactly one of them.
struct LogSource {
  std::string db;
  std::string server;
};

// False (and the mistake reported to `err`, naming `command`) unless exactly
// one of --db and --server is given.
bool GetLogSource(const Args& args, const std::string& command,
                  LogSource* source, std::ostream& err);

}  // namespace refund

#endif  // TOOLS_REFUNDCTL_COMMAND_ARGS_H_
