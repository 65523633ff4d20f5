// The decision log's key file on refundctl's audit commands (verify,
// export, replay, rekey): `--log-key-file=FILE`, also spelled as the
// server's flag, `--log_key_file=FILE`, so that a command line copied from
// the server's works (server/log/log_keyring.h has the file's format).
#ifndef TOOLS_REFUNDCTL_LOG_KEY_FLAG_H_
#define TOOLS_REFUNDCTL_LOG_KEY_FLAG_H_

#include <memory>
#include <ostream>
#include <string>

#include "server/log/log_keyring.h"
#include "tools/refundctl/command_args.h"

namespace refund {

// The name Args keys the flag by, whichever spelling was given
// (kLogKeyFileFlagSpec, command_args.h).
inline constexpr char kLogKeyFileFlag[] = "log-key-file";

// Whether a key file was given (either spelling).
bool HasLogKeyFlag(const Args& args);

// The keyring of the key file given, or null when none is. False (and why
// reported to `err`, naming `command`) when the file cannot be read or is
// refused.
bool ReadLogKeyFlag(const Args& args, const std::string& command,
                    std::shared_ptr<const server::LogKeyring>* keyring,
                    std::ostream& err);

}  // namespace refund

#endif  // TOOLS_REFUNDCTL_LOG_KEY_FLAG_H_
