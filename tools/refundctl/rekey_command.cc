#include "tools/refundctl/rekey_command.h"

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "server/log/log_keyring.h"
#include "server/log/log_rekey.h"
#include "server/log/open/open_decision_log.h"
#include "tools/refundctl/log_key_flag.h"

namespace refund {

int RunRekeyCommand(const Args& args, std::ostream& out, std::ostream& err) {
  std::string spec;
  if (!GetLogSpec(args, "rekey", &spec, err)) return 2;
  if (spec.empty()) {
    err << "rekey: --log=SPEC (or --db=FILE) is required\n";
    return 2;
  }
  if (!HasLogKeyFlag(args)) {
    err << "rekey: --log-key-file=FILE is required (it opens the rows as "
           "they are; its last key seals them unless --to-plain)\n";
    return 2;
  }
  server::RekeyOptions options;
  options.to_plain = Flag(args, "to-plain", "false") == "true";
  const std::string batch = Flag(args, "batch", "256");
  if (!absl::SimpleAtoi(batch, &options.batch_rows) ||
      options.batch_rows <= 0) {
    err << "--batch: \"" << batch << "\" is not a positive number\n";
    return 2;
  }
  std::shared_ptr<const server::LogKeyring> keyring;
  if (!ReadLogKeyFlag(args, "rekey", &keyring, err)) return 1;
  absl::StatusOr<server::RekeyResult> result =
      server::RekeyDecisionLog(spec, *keyring, options);
  if (!result.ok()) {
    err << "rekey: " << result.status().message() << "\n";
    return 1;
  }
  out << "rekeyed " << result->rows_rewritten << " of " << result->rows_total
      << " decisions; every row is now "
      << (result->target_key_id.empty()
              ? std::string("plain")
              : "encrypted with key \"" + result->target_key_id + "\"")
      << "\n";
  if (!result->key_ids_removed.empty()) {
    out << "no row uses key " << absl::StrJoin(result->key_ids_removed, ", ")
        << " any more: it may leave the key file\n";
  }
  return 0;
}

}  // namespace refund
