#include "tools/refundctl/log_key_flag.h"

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace refund {

bool HasLogKeyFlag(const Args& args) {
  return args.flags.count(kLogKeyFileFlag) > 0;
}

bool ReadLogKeyFlag(const Args& args, const std::string& command,
                    std::shared_ptr<const server::LogKeyring>* keyring,
                    std::ostream& err) {
  keyring->reset();
  const std::string path = Flag(args, kLogKeyFileFlag, "");
  if (path.empty()) {
    if (HasLogKeyFlag(args)) {
      err << command << ": --" << kLogKeyFileFlag << " names no file\n";
      return false;
    }
    return true;
  }
  absl::StatusOr<std::shared_ptr<const server::LogKeyring>> read =
      server::LogKeyring::ReadFile(path);
  if (!read.ok()) {
    err << command << ": " << read.status().message() << "\n";
    return false;
  }
  *keyring = *std::move(read);
  return true;
}

}  // namespace refund
