#include "tools/refundctl/command_line.h"

#include <algorithm>
#include <deque>
#include <map>
#include <memory>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "tools/client/channel_options.h"

namespace refund {

const std::vector<FlagConflict> kFlagConflicts = {
    {"log", "db",
     "both name a decision log: give one (--db=FILE is --log=FILE)"},
    {"log", "server",
     "cannot be given together: read a store, or a server (which reads its "
     "own)"},
    {"db", "server",
     "cannot be given together: read a store, or a server (which reads its "
     "own)"},
    {"policies", "server",
     "cannot be given together: decide in-process on a bundle, or on a "
     "server"},
};

namespace {

// The help of the transport flags, by name (client::kChannelFlags).
const std::map<std::string, std::pair<const char*, const char*>>&
ChannelFlagHelp() {
  static const auto* help =
      new std::map<std::string, std::pair<const char*, const char*>>{
          {"tls_ca",
           {"FILE", "TLS: the CA that signed the server's certificate"}},
          {"tls_cert",
           {"FILE", "this client's certificate (mutual TLS; with --tls_key)"}},
          {"tls_key", {"FILE", "this client's private key (with --tls_cert)"}},
          {"tls_server_name",
           {"NAME",
            "the name the server's certificate carries, if not the "
            "address's host"}},
          {"token_file",
           {"FILE", "send `authorization: Bearer <the file's token>`"}},
      };
  return *help;
}

bool IsChannelFlag(const std::string& name) {
  for (const char* flag : client::kChannelFlags) {
    if (name == flag) return true;
  }
  return false;
}

// A CLI11 app for `spec`, with where each flag's value lands.
class CommandApp {
 public:
  explicit CommandApp(const CommandSpec& spec)
      : app_(spec.description, absl::StrCat("refundctl ", spec.name)) {
    app_.allow_extras();
    app_.get_formatter()->column_width(36);
    for (const FlagSpec& flag : spec.flags) Add(flag, "Flags");
    if (spec.server) {
      for (const char* name : client::kChannelFlags) {
        auto help = ChannelFlagHelp().find(name);
        const FlagSpec flag = {
            name,
            help == ChannelFlagHelp().end() ? "VALUE" : help->second.first,
            help == ChannelFlagHelp().end() ? "" : help->second.second};
        Add(flag, "Connection (with --server)");
      }
    }
    if (spec.positional != nullptr) {
      app_.add_option(spec.positional, positional_, "")->type_name("");
    }
  }

  CLI::App& app() { return app_; }

  // The flags given, by their first name.
  void Collect(Args* parsed) const {
    for (const Bound& bound : bound_) {
      if (bound.option->count() == 0) continue;
      parsed->flags[bound.key] =
          bound.is_switch ? (*bound.on ? "true" : "false") : *bound.value;
    }
    parsed->positional = positional_;
  }

 private:
  struct Bound {
    std::string key;
    CLI::Option* option;
    bool is_switch;
    const std::string* value;
    const bool* on;
  };

  void Add(const FlagSpec& flag, const char* group) {
    std::vector<std::string> names = absl::StrSplit(flag.names, ',');
    const std::string cli_names =
        absl::StrCat("--", absl::StrJoin(names, ",--"));
    Bound bound;
    bound.key = names.front();
    if (flag.value == nullptr) {
      switches_.push_back(false);
      bound.on = &switches_.back();
      bound.value = nullptr;
      bound.is_switch = true;
      bound.option = app_.add_flag(cli_names, switches_.back(), flag.help);
    } else {
      values_.emplace_back();
      bound.value = &values_.back();
      bound.on = nullptr;
      bound.is_switch = false;
      bound.option = app_.add_option(cli_names, values_.back(), flag.help)
                         ->type_name(flag.value);
    }
    bound.option->group(group);
    bound_.push_back(bound);
  }

  CLI::App app_;
  std::deque<std::string> values_;
  std::deque<bool> switches_;
  std::vector<std::string> positional_;
  std::vector<Bound> bound_;
};

// False (and the first unknown flag or unexpected argument reported to
// `err`) when CLI11 left any argument over.
bool CheckLeftOver(const CommandSpec& spec,
                   const std::vector<std::string>& left_over,
                   std::ostream& err) {
  const std::string command = absl::StrCat("refundctl ", spec.name);
  for (const std::string& arg : left_over) {
    if (arg.empty() || arg[0] != '-' || arg == "-") continue;
    const std::string flag = arg.substr(0, arg.find('='));
    const std::string name = flag.substr(flag.find_first_not_of('-'));
    err << command << ": unknown flag " << flag;
    if (IsChannelFlag(name) && !spec.server) {
      err << ": the transport flags are for the commands that take --server "
             "(decide, suggest, verify, checkpoint, replay, export, get, "
             "list):\n"
          << client::kChannelFlagsUsage;
    } else {
      err << " (`" << command << " --help` lists its flags)\n";
    }
    return false;
  }
  if (!left_over.empty()) {
    err << command << ": unexpected argument \"" << left_over.front()
        << "\": it takes no positional arguments\n";
    return false;
  }
  return true;
}

}  // namespace

std::string CommandHelp(const CommandSpec& spec) {
  CommandApp app(spec);
  return app.app().help();
}

ParseOutcome ParseCommandLine(const CommandSpec& spec,
                              const std::vector<std::string>& args,
                              Args* parsed, std::ostream& out,
                              std::ostream& err) {
  CommandApp app(spec);
  // CLI11 takes the arguments last first.
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.app().parse(reversed);
  } catch (const CLI::CallForHelp&) {
    out << app.app().help();
    return ParseOutcome::kDone;
  } catch (const CLI::ParseError& e) {
    err << "refundctl " << spec.name << ": " << e.what() << " (`refundctl "
        << spec.name << " --help` lists its flags)\n";
    return ParseOutcome::kUsageError;
  }
  if (!CheckLeftOver(spec, app.app().remaining(), err)) {
    return ParseOutcome::kUsageError;
  }
  app.Collect(parsed);
  for (const FlagConflict& conflict : kFlagConflicts) {
    if (parsed->flags.count(conflict.a) > 0 &&
        parsed->flags.count(conflict.b) > 0) {
      err << spec.name << ": --" << conflict.a << " and --" << conflict.b << " "
          << conflict.why << "\n";
      return ParseOutcome::kUsageError;
    }
  }
  return ParseOutcome::kRun;
}

}  // namespace refund
