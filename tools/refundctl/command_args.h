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

// The decision log an offline command reads or writes: --log=SPEC, any
// store (`sqlite:PATH`, `PATH`, `postgresql://...`, `memory:`;
// server/log/open/open_decision_log.h), or --db=FILE, the older spelling of
// the same (a file). Sets `spec` to the one given, empty when neither is.
// False (and the mistake reported to `err`, naming `command`) when both are
// given, or the spec holds a password (CheckLogSpecFlag).
bool GetLogSpec(const Args& args, const std::string& command, std::string* spec,
                std::ostream& err);

// False (and why reported to `err`, naming `command` and --`flag`, never
// quoting `spec`) when `spec` is a PostgreSQL URI that holds a password or
// cannot be read (server/log/log_spec.h): a password is given in a
// password file or PGPASSWORD, never on the command line.
bool CheckLogSpecFlag(const std::string& command, const std::string& flag,
                      const std::string& spec, std::ostream& err);

// Where an audit command reads the decision log: a store (--log or --db)
// or a running server (--server), exactly one of them.
struct LogSource {
  std::string log;  // the store's spec (GetLogSpec)
  std::string server;
};

// False (and the mistake reported to `err`, naming `command`) unless exactly
// one of the store (--log or --db, as GetLogSpec reads them) and --server is
// given.
bool GetLogSource(const Args& args, const std::string& command,
                  LogSource* source, std::ostream& err);

}  // namespace refund

#endif  // TOOLS_REFUNDCTL_COMMAND_ARGS_H_
