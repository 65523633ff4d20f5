// What refundctl's commands read from their command line (Args, filled by the
// one parser, command_line.h), the description of a command's flags
// (FlagSpec), and the decision-log flags several commands share.
#ifndef TOOLS_REFUNDCTL_COMMAND_ARGS_H_
#define TOOLS_REFUNDCTL_COMMAND_ARGS_H_

#include <map>
#include <ostream>
#include <string>
#include <vector>

namespace refund {

// The flags given, by their first name (FlagSpec::names; a switch given is
// "true", or "false" for --switch=false), and the positional arguments.
struct Args {
  std::map<std::string, std::string> flags;
  std::vector<std::string> positional;
};

// One flag of a command.
struct FlagSpec {
  // Its names without "--", comma-separated; the first is the one Args keys
  // it by, whichever spelling was given ("log-key-file,log_key_file").
  const char* names;
  // The value's name in --help ("SPEC"); nullptr for a switch, which takes
  // no value (--verbose).
  const char* value;
  const char* help;
};

// The flags several commands share.
inline constexpr FlagSpec kLogFlagSpec = {
    "log", "SPEC",
    "the decision log: sqlite:PATH or PATH, postgresql://... (no password), "
    "memory:"};
inline constexpr FlagSpec kDbFlagSpec = {"db", "FILE",
                                         "a SQLite decision log (--log=FILE)"};
inline constexpr FlagSpec kLogKeyFileFlagSpec = {
    "log-key-file,log_key_file", "FILE",
    "the decision log's key file (lines `<key id> <64 hex digits>`, mode "
    "0600)"};
inline constexpr FlagSpec kServerFlagSpec = {
    "server", "HOST:PORT",
    "a running refund-server (its transport flags: see "
    "Connection)"};
inline constexpr FlagSpec kPoliciesFlagSpec = {
    "policies", "DIR", "the bundle directory (default ./policies)"};

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
