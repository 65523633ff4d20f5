#include "server/log/postgres/postgres_decision_log.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/base/status_macros.h"
#include "server/log/postgres/pg_batch_writer.h"
#include "server/log/postgres/pg_log_queries.h"
#include "server/log/postgres/pg_log_snapshot.h"
#include "server/log/postgres/pg_schema.h"

namespace refund::server {
namespace {

absl::StatusOr<std::vector<std::string>> StoredKeyIds(PgConnection& db) {
  ASSIGN_OR_RETURN(PgResult result,
                   db.Query("SELECT key_id FROM blob_key_ids ORDER BY key_id"));
  std::vector<std::string> ids;
  for (int r = 0; r < result.rows(); ++r) ids.push_back(result.Bytes(r, 0));
  return ids;
}

}  // namespace

absl::StatusOr<std::unique_ptr<PostgresDecisionLog>> PostgresDecisionLog::Open(
    const std::string& uri, const PostgresDecisionLogOptions& options) {
  ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> db,
                   PgConnection::Connect(uri, options.connect));
  if (options.read_only) {
    RETURN_IF_ERROR(CheckReadablePgSchema(*db));
  } else {
    RETURN_IF_ERROR(CreateOrMigratePgSchema(*db));
    RETURN_IF_ERROR(CheckWritePrivileges(*db));
  }
  // Refused before anything is written: without the keys of its sealed
  // rows a replica would fail every read and retry of them, and would write
  // plain rows into a log meant to be sealed.
  ASSIGN_OR_RETURN(std::vector<std::string> key_ids, StoredKeyIds(*db));
  RETURN_IF_ERROR(CheckKeysHeld(key_ids, options.keyring.get()));
  absl::Status sound = CheckPgChainHead(*db);
  if (!sound.ok() && !absl::IsDataLoss(sound)) return sound;

  auto log = std::unique_ptr<PostgresDecisionLog>(new PostgresDecisionLog(
      uri, options, std::make_unique<StoredDecisionDecoder>(options.keyring)));
  if (!sound.ok()) log->health_.Broken(std::string(sound.message()));
  if (!options.read_only) {
    PgWriterSettings settings;
    settings.uri = uri;
    settings.connect = options.connect;
    ASSIGN_OR_RETURN(
        std::unique_ptr<PgBatchWriter> writer,
        PgBatchWriter::Create(std::move(settings), *log->decoder_));
    log->writer_ = std::make_unique<BatchedLogWriter>(
        std::move(writer), log->health_,
        BatchedLogWriterOptions{options.max_batch, options.probe_interval,
                                options.writer_observer});
  }
  return log;
}

PostgresDecisionLog::PostgresDecisionLog(
    std::string uri, PostgresDecisionLogOptions options,
    std::unique_ptr<StoredDecisionDecoder> decoder)
    : uri_(std::move(uri)),
      options_(std::move(options)),
      decoder_(std::move(decoder)),
      reader_(uri_, options_.connect, *decoder_) {}

PostgresDecisionLog::~PostgresDecisionLog() { Close(); }

void PostgresDecisionLog::Close() {
  if (writer_ != nullptr) writer_->Close();
}

void PostgresDecisionLog::Append(DecisionLogEntry entry, AppendCallback done) {
  if (writer_ == nullptr) {
    done(absl::FailedPreconditionError("decision log: opened read-only"));
    return;
  }
  writer_->Append(std::move(entry), std::move(done));
}

absl::Status PostgresDecisionLog::PutBundle(
    const std::string& version, const std::string& name,
    const std::string& canonical_text, const std::string& decision_dictionary) {
  if (writer_ == nullptr) {
    return absl::FailedPreconditionError("decision log: opened read-only");
  }
  return writer_->PutBundle(
      BundleWrite{version, name, canonical_text, decision_dictionary});
}

absl::StatusOr<StoredDecision> PostgresDecisionLog::GetDecision(
    const std::string& decision_id, const ShopScope& scope) {
  return reader_.GetDecision(decision_id, scope);
}

absl::StatusOr<DecisionPage> PostgresDecisionLog::ListDecisions(
    const DecisionFilter& filter) {
  return reader_.ListDecisions(filter);
}

absl::StatusOr<std::string> PostgresDecisionLog::GetBundleText(
    const std::string& version) {
  return reader_.GetBundleText(version);
}

absl::StatusOr<std::unique_ptr<LogSnapshot>>
PostgresDecisionLog::OpenSnapshot() {
  ASSIGN_OR_RETURN(std::unique_ptr<PgLogSnapshot> snapshot,
                   PgLogSnapshot::Open(uri_, options_.keyring));
  return std::unique_ptr<LogSnapshot>(std::move(snapshot));
}

absl::StatusOr<ChainHead> PostgresDecisionLog::CommittedHead() {
  if (writer_ != nullptr) return writer_->CommittedHead();
  ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> db,
                   PgConnection::Connect(uri_, options_.connect));
  return ReadChainHeadRow(*db);
}

LogHealth PostgresDecisionLog::Health() { return health_.Get(); }

}  // namespace refund::server
