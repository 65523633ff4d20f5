// Rewriting a decision log's stored blobs under another key, or plain
// (`refundctl rekey`; docs/decision_log_format.md): the options and the
// outcome, shared by the stores that seal rows (the SQLite store:
// server/log/sqlite/sqlite_log_rekeyer.h) and the store-neutral entry point
// (server/log/open/open_decision_log.h).
//
// A rekey changes only how rows are kept, never what they hold: the row hash
// covers the plaintext, so the chain, the chain head and any recorded or
// signed chain head stay valid, and verify and exact replay give the same
// answers before and after.
#ifndef SERVER_LOG_LOG_REKEY_H_
#define SERVER_LOG_LOG_REKEY_H_

#include <cstdint>
#include <string>
#include <vector>

namespace refund::server {

struct RekeyOptions {
  // Store every row plain (the keyring then only opens), instead of sealed
  // with the keyring's current key.
  bool to_plain = false;
  // Rows rewritten per transaction: each commits on its own, so a rekey
  // that stops (killed, a row it cannot read) keeps what it did and a second
  // run goes on from there; a server appending to the same log waits for at
  // most one such transaction.
  int batch_rows = 256;
};

struct RekeyResult {
  // The key id rows are now sealed with; empty for plain.
  std::string target_key_id;
  // Rows rewritten by this run (those already kept so were left alone).
  int64_t rows_rewritten = 0;
  // Rows in the log when it finished.
  int64_t rows_total = 0;
  // Key ids no row uses any more, removed from the log's list of keys (a
  // server no longer needs them to start).
  std::vector<std::string> key_ids_removed;
};

}  // namespace refund::server

#endif  // SERVER_LOG_LOG_REKEY_H_
