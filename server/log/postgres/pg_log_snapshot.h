// One consistent view of a PostgreSQL decision log (LogSnapshot): a
// REPEATABLE READ, READ ONLY transaction on a connection of its own, the
// rows read through a cursor in seq order, a few hundred at a time, so that
// a verify or export of millions of rows holds a page in memory, not the
// log. Rows committed by any replica after the snapshot began do not show.
#ifndef SERVER_LOG_POSTGRES_PG_LOG_SNAPSHOT_H_
#define SERVER_LOG_POSTGRES_PG_LOG_SNAPSHOT_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/log/log_keyring.h"
#include "server/log/log_snapshot.h"
#include "server/log/postgres/pg_connection.h"
#include "server/log/stored_decision_decoder.h"

namespace refund::server {

class PgLogSnapshot final : public LogSnapshot {
 public:
  // Connects to `uri` and begins the snapshot. `keyring` (may be null)
  // unseals sealed rows; a row sealed with a key it lacks comes without its
  // bytes (LogRecord::missing_key_id). UNAVAILABLE when the database cannot
  // be reached; FAILED_PRECONDITION when it holds no decision log or one of
  // a newer schema.
  static absl::StatusOr<std::unique_ptr<PgLogSnapshot>> Open(
      const std::string& uri, std::shared_ptr<const LogKeyring> keyring);
  ~PgLogSnapshot() override;

  absl::StatusOr<std::optional<LogRecord>> Next() override;
  absl::StatusOr<std::vector<StoredBundleText>> Bundles() override;
  absl::StatusOr<HeadState> Head() override;
  absl::StatusOr<std::vector<int64_t>> OrphanIndexedSeqs() override;

 private:
  PgLogSnapshot(std::unique_ptr<PgConnection> db,
                std::shared_ptr<const LogKeyring> keyring)
      : db_(std::move(db)), decoder_(std::move(keyring)) {}

  std::unique_ptr<PgConnection> db_;
  StoredDecisionDecoder decoder_;
  // The page of rows being read, and the next row in it.
  std::optional<PgResult> page_;
  int next_row_ = 0;
  bool done_ = false;
};

}  // namespace refund::server

#endif  // SERVER_LOG_POSTGRES_PG_LOG_SNAPSHOT_H_
