#include "tools/refundctl/command_args.h"

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "server/log/log_spec.h"

namespace refund {

Args ParseArgs(const std::vector<std::string>& args, size_t from) {
  Args parsed;
  for (size_t i = from; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (absl::StartsWith(arg, "--")) {
      size_t eq = arg.find('=');
      if (eq == std::string::npos) {
        parsed.flags[arg.substr(2)] = "true";
      } else {
        parsed.flags[arg.substr(2, eq - 2)] = arg.substr(eq + 1);
      }
    } else {
      parsed.positional.push_back(arg);
    }
  }
  return parsed;
}

bool CheckFlags(const Args& args, std::initializer_list<const char*> known,
                std::ostream& err,
                std::initializer_list<const char*> also_known) {
  for (const auto& [name, value] : args.flags) {
    bool found = false;
    for (const char* k : known) found = found || name == k;
    for (const char* k : also_known) found = found || name == k;
    if (!found) {
      err << "unknown flag --" << name << "\n";
      return false;
    }
  }
  return true;
}

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
