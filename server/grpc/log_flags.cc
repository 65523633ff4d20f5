#include "server/grpc/log_flags.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "server/log/log_spec.h"

namespace refund::server {

absl::StatusOr<std::string> ServerLogSpec(const std::string& log_flag,
                                          const std::string& db_flag) {
  if (!log_flag.empty() && db_flag != kDefaultDbPath) {
    return absl::InvalidArgumentError(
        "--log and --db both name a decision log: give one (--db=PATH is "
        "--log=sqlite:PATH)");
  }
  const bool from_log = !log_flag.empty();
  const std::string& spec = from_log ? log_flag : db_flag;
  if (absl::Status checked = CheckLogSpecHasNoPassword(spec); !checked.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(from_log ? "--log: " : "--db: ", checked.message()));
  }
  return spec;
}

}  // namespace refund::server
