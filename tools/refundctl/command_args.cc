#include "tools/refundctl/command_args.h"

#include "absl/status/status.h"
#include "server/log/log_spec.h"

namespace refund {

std::string Flag(const Args& args, const std::string& name,
                 const std::string& fallback) {
  auto it = args.flags.find(name);
  return it == args.flags.end() ? fallback : it->second;
}

bool CheckLogSpecFlag(const std::string& command, const std::string& flag,
                      const std::string& spec, std::ostream& err) {
  const absl::Status checked = server::CheckLogSpecHasNoPassword(spec);
  if (checked.ok()) return true;
  err << command << ": --" << flag << ": " << checked.message() << "\n";
  return false;
}

bool GetLogSpec(const Args& args, const std::string& command, std::string* spec,
                std::ostream& err) {
  const std::string log = Flag(args, "log", "");
  const std::string db = Flag(args, "db", "");
  if (!log.empty() && !db.empty()) {
    err << command
        << ": --log and --db both name a decision log: give one (--db=FILE "
           "is --log=FILE)\n";
    return false;
  }
  *spec = log.empty() ? db : log;
  return CheckLogSpecFlag(command, log.empty() ? "db" : "log", *spec, err);
}

bool GetLogSource(const Args& args, const std::string& command,
                  LogSource* source, std::ostream& err) {
  if (!GetLogSpec(args, command, &source->log, err)) return false;
  source->server = Flag(args, "server", "");
  if (source->log.empty() == source->server.empty()) {
    err << command
        << ": give one of --log=SPEC (or --db=FILE) or --server=HOST:PORT\n";
    return false;
  }
  return true;
}

}  // namespace refund
