#include "server/log/postgres/pg_batch_writer.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "engine/base/sha256.h"
#include "engine/base/status_macros.h"
#include "refund/v1/refund.pb.h"
#include "server/log/blob_cipher.h"
#include "server/log/postgres/pg_log_queries.h"

namespace refund::server {
namespace {

// Rows per multi-row INSERT (16 parameters each; PostgreSQL takes at most
// 65535 per statement).
constexpr size_t kDecisionsPerInsert = 512;
// Compressors kept for bundle versions met (each holds its dictionary).
constexpr size_t kMaxWriterCompressors = 8;

// A decision the batch inserts.
struct NewRow {
  size_t write = 0;
  ChainLink link;
  std::string request;   // as stored (sealed or plain)
  std::string decision;  // as stored (compressed, sealed or plain)
  std::string request_sha256;
  DecisionCodec codec = DecisionCodec::kPlain;
};

}  // namespace

absl::StatusOr<std::unique_ptr<PgBatchWriter>> PgBatchWriter::Create(
    PgWriterSettings settings, StoredDecisionDecoder& decoder) {
  std::unique_ptr<PgBatchWriter> writer(
      new PgBatchWriter(std::move(settings), decoder));
  RETURN_IF_ERROR(writer->EnsureConnected());
  ASSIGN_OR_RETURN(ChainHead stored, ReadChainHeadRow(*writer->db_));
  writer->head_ = std::move(stored);
  return writer;
}

absl::Status PgBatchWriter::EnsureConnected() {
  if (db_ != nullptr && db_->Alive()) return absl::OkStatus();
  db_.reset();
  const absl::Time now = absl::Now();
  if (now < next_attempt_) {
    return absl::UnavailableError(absl::StrCat(
        "decision log (postgresql): reconnecting (", last_connect_error_, ")"));
  }
  absl::StatusOr<std::unique_ptr<PgConnection>> db =
      PgConnection::Connect(settings_.uri, settings_.connect);
  absl::Status status = db.status();
  if (status.ok()) {
    // Durable before the answer, whatever the server's default; a lock or
    // statement that hangs fails the batch; a replica that stops mid-batch
    // (a network partition) releases the chain head's lock soon.
    status = (*db)->Execute(absl::StrCat(
        "SET synchronous_commit = on; SET statement_timeout = ",
        absl::ToInt64Milliseconds(settings_.statement_timeout),
        "; SET idle_in_transaction_session_timeout = ",
        absl::ToInt64Milliseconds(settings_.statement_timeout) * 3));
  }
  if (!status.ok()) {
    backoff_ =
        std::clamp(backoff_ * 2, settings_.min_backoff, settings_.max_backoff);
    next_attempt_ = now + backoff_;
    last_connect_error_ = std::string(status.message());
    return status;
  }
  backoff_ = absl::ZeroDuration();
  db_ = *std::move(db);
  return absl::OkStatus();
}

absl::Status PgBatchWriter::Probe() {
  RETURN_IF_ERROR(EnsureConnected());
  absl::Status status = db_->Query("SELECT 1").status();
  if (!status.ok()) db_.reset();
  return status;
}

absl::Status PgBatchWriter::Write(
    std::vector<LogWrite>& writes,
    std::vector<absl::StatusOr<std::string>>* outcomes) {
  outcomes->assign(writes.size(),
                   absl::InternalError("decision log: not processed"));
  ChainHead head;
  absl::Status status = EnsureConnected();
  if (status.ok()) status = WriteInTransaction(writes, outcomes, &head);
  if (status.ok()) {
    head_ = std::move(head);
    return status;
  }
  // Whatever state the connection is in (an aborted transaction, a pipeline
  // half read, or gone), a new one is simpler than finding out.
  if (db_ != nullptr && !db_->Alive()) {
    next_attempt_ = absl::Now() + settings_.min_backoff;
    backoff_ = settings_.min_backoff;
  }
  db_.reset();
  // A bundle of this batch may not be stored after all.
  stored_bundles_.clear();
  const absl::Status failed = absl::UnavailableError(status.message());
  for (auto& outcome : *outcomes) outcome = failed;
  return failed;
}

absl::Status PgBatchWriter::WriteInTransaction(
    std::vector<LogWrite>& writes,
    std::vector<absl::StatusOr<std::string>>* outcomes, ChainHead* head) {
  PgConnection& db = *db_;
  // Round trip 1: the batch's bundles, the locked head, the stored rows of
  // its ids, the dictionaries of versions not met before.
  std::vector<absl::string_view> request_ids;
  std::vector<absl::string_view> decision_ids;
  std::vector<absl::string_view> unknown_versions;
  absl::flat_hash_set<absl::string_view> asked_versions;
  RETURN_IF_ERROR(db.EnterPipeline());
  RETURN_IF_ERROR(db.Send("BEGIN"));
  int bundle_statements = 0;
  const std::string now = std::to_string(absl::ToUnixMicros(absl::Now()));
  for (size_t i = 0; i < writes.size(); ++i) {
    if (auto* entry = std::get_if<DecisionLogEntry>(&writes[i])) {
      if (entry->request_id.empty() || entry->decision_id.empty()) {
        (*outcomes)[i] = absl::InvalidArgumentError(
            "decision log: an entry needs a request_id and a decision_id");
        continue;
      }
      request_ids.push_back(entry->request_id);
      decision_ids.push_back(entry->decision_id);
      if (!stored_bundles_.contains(entry->bundle_version) &&
          asked_versions.insert(entry->bundle_version).second) {
        unknown_versions.push_back(entry->bundle_version);
      }
      continue;
    }
    const BundleWrite& bundle = std::get<BundleWrite>(writes[i]);
    RETURN_IF_ERROR(
        db.Send("INSERT INTO bundles (version, name, text, stored_at) "
                "VALUES ($1, $2, $3, $4::text::bigint) "
                "ON CONFLICT (version) DO NOTHING",
                PgParams()
                    .Text(bundle.version)
                    .Text(bundle.name)
                    .Text(bundle.text)
                    .Text(now)));
    ++bundle_statements;
    if (!bundle.decision_dictionary.empty()) {
      // A stored dictionary is never replaced: rows compressed with it
      // could no longer be read.
      RETURN_IF_ERROR(db.Send(
          "INSERT INTO decision_dictionaries (version, dictionary) "
          "VALUES ($1, $2) ON CONFLICT (version) DO NOTHING",
          PgParams().Text(bundle.version).Bytes(bundle.decision_dictionary)));
      ++bundle_statements;
      stored_bundles_.erase(bundle.version);
    }
    (*outcomes)[i] = std::string();
  }
  RETURN_IF_ERROR(db.Send(
      "SELECT last_seq, last_hash FROM chain_head WHERE id = 1 FOR UPDATE"));
  RETURN_IF_ERROR(db.Send(
      "SELECT request_id, decision_id, request, decision, decision_codec, "
      "bundle_version, key_id FROM decisions "
      "WHERE request_id = ANY($1) OR decision_id = ANY($2)",
      PgParams().TextArray(request_ids).TextArray(decision_ids)));
  if (!unknown_versions.empty()) {
    RETURN_IF_ERROR(
        db.Send("SELECT b.version, d.dictionary FROM bundles b "
                "LEFT JOIN decision_dictionaries d ON d.version = b.version "
                "WHERE b.version = ANY($1)",
                PgParams().TextArray(unknown_versions)));
  }
  RETURN_IF_ERROR(db.Sync());
  RETURN_IF_ERROR(db.Receive().status());  // BEGIN
  for (int i = 0; i < bundle_statements; ++i) {
    RETURN_IF_ERROR(db.Receive().status());
  }
  ASSIGN_OR_RETURN(PgResult head_row, db.Receive());
  ASSIGN_OR_RETURN(PgResult stored_rows, db.Receive());
  std::optional<PgResult> versions;
  if (!unknown_versions.empty()) {
    ASSIGN_OR_RETURN(versions, db.Receive());
  }
  RETURN_IF_ERROR(db.ReceiveSync());
  RETURN_IF_ERROR(db.ExitPipeline());

  if (head_row.rows() != 1) {
    return absl::DataLossError(
        "decision log (postgresql): the chain head row is missing; run "
        "refundctl verify");
  }
  HashChain chain(ChainHead{head_row.Int64(0, 0), head_row.Bytes(0, 1)});
  if (chain.head().last_hash.size() != kSha256Size) {
    return absl::DataLossError(
        "decision log (postgresql): the chain head's hash is malformed");
  }
  absl::flat_hash_map<std::string, PgStoredBlobs> by_request_id;
  absl::flat_hash_set<std::string> taken_decision_ids;
  for (int r = 0; r < stored_rows.rows(); ++r) {
    PgStoredBlobs stored{stored_rows.Bytes(r, 0), stored_rows.Bytes(r, 1),
                         stored_rows.Bytes(r, 2), stored_rows.Bytes(r, 3),
                         stored_rows.Int64(r, 4), stored_rows.Bytes(r, 5),
                         stored_rows.Bytes(r, 6)};
    taken_decision_ids.insert(stored.decision_id);
    std::string key = stored.request_id;
    by_request_id.emplace(std::move(key), std::move(stored));
  }
  if (versions) {
    for (int r = 0; r < versions->rows(); ++r) {
      std::unique_ptr<DecisionCompressor> compressor;
      if (!versions->IsNull(r, 1)) {
        // Without a compressor (zstd could not allocate one) the decisions
        // are stored plain: slower, never lost.
        absl::StatusOr<std::unique_ptr<DecisionCompressor>> created =
            DecisionCompressor::Create(versions->Bytes(r, 1));
        if (created.ok()) compressor = *std::move(created);
      }
      if (stored_bundles_.size() >= kMaxWriterCompressors) {
        stored_bundles_.clear();
      }
      stored_bundles_.emplace(versions->Bytes(r, 0), std::move(compressor));
    }
  }

  // Each entry's outcome, in the batch's order; the new rows chained.
  std::vector<NewRow> rows;
  // Request ids this batch inserts: the write that holds each.
  absl::flat_hash_map<absl::string_view, size_t> new_request_ids;
  const LogKeyring* const keyring = decoder_.keyring();
  for (size_t i = 0; i < writes.size(); ++i) {
    auto* entry = std::get_if<DecisionLogEntry>(&writes[i]);
    if (entry == nullptr || entry->request_id.empty() ||
        entry->decision_id.empty()) {
      continue;
    }
    auto bundle = stored_bundles_.find(entry->bundle_version);
    if (bundle == stored_bundles_.end()) {
      (*outcomes)[i] = absl::FailedPreconditionError(
          absl::StrCat("decision log: bundle version \"", entry->bundle_version,
                       "\" was not stored (PutBundle) before this decision"));
      continue;
    }
    if (auto stored = by_request_id.find(entry->request_id);
        stored != by_request_id.end()) {
      std::string answer;
      absl::Status retry = AnswerStoredRetry(
          stored->second, entry->request_bytes, decoder_, db, &answer);
      if (retry.ok()) {
        (*outcomes)[i] = std::move(answer);
      } else {
        (*outcomes)[i] = retry;
      }
      continue;
    }
    if (auto earlier = new_request_ids.find(entry->request_id);
        earlier != new_request_ids.end()) {
      const auto& first = std::get<DecisionLogEntry>(writes[earlier->second]);
      if (first.request_bytes == entry->request_bytes) {
        (*outcomes)[i] = *(*outcomes)[earlier->second];
      } else {
        (*outcomes)[i] = absl::AlreadyExistsError(
            absl::StrCat("request_id \"", entry->request_id,
                         "\" was already decided for a different request"));
      }
      continue;
    }
    if (!taken_decision_ids.insert(entry->decision_id).second) {
      (*outcomes)[i] = absl::AlreadyExistsError(absl::StrCat(
          "decision_id \"", entry->decision_id, "\" is already stored"));
      continue;
    }
    NewRow row;
    row.write = i;
    row.link = chain.Link(*entry);
    row.request_sha256 = Sha256(entry->request_bytes);
    row.decision = entry->decision_bytes;
    if (DecisionCompressor* compressor = bundle->second.get()) {
      absl::StatusOr<absl::string_view> frame =
          compressor->Compress(entry->decision_bytes);
      if (frame.ok()) {
        row.decision = std::string(*frame);
        row.codec = DecisionCodec::kZstdBundleDictionary;
      }
    }
    row.request = entry->request_bytes;
    if (keyring != nullptr) {
      ASSIGN_OR_RETURN(row.request,
                       keyring->Seal(BlobRole::kRequest, entry->decision_id,
                                     entry->request_bytes));
      ASSIGN_OR_RETURN(
          row.decision,
          keyring->Seal(BlobRole::kDecision, entry->decision_id, row.decision));
    }
    chain.Advance(row.link);
    new_request_ids.emplace(entry->request_id, i);
    (*outcomes)[i] = entry->decision_bytes;
    rows.push_back(std::move(row));
  }

  // Round trip 2: the rows (with their rule ids), the key id, the head;
  // COMMIT.
  RETURN_IF_ERROR(db.EnterPipeline());
  int statements = 0;
  for (size_t begin = 0; begin < rows.size(); begin += kDecisionsPerInsert) {
    const size_t end = std::min(rows.size(), begin + kDecisionsPerInsert);
    std::string sql =
        "INSERT INTO decisions (seq, decision_id, request_id, refund_id, "
        "shop_id, verdict, decided_at, bundle_version, request, decision, "
        "request_sha256, prev_hash, row_hash, decision_codec, key_id, "
        "rule_ids) VALUES ";
    PgParams params;
    int p = 1;
    for (size_t r = begin; r < end; ++r) {
      const NewRow& row = rows[r];
      const auto& entry = std::get<DecisionLogEntry>(writes[row.write]);
      absl::StrAppend(&sql, r == begin ? "" : ", ", "(");
      for (int c = 0; c < 16; ++c) {
        absl::StrAppend(&sql, c == 0 ? "$" : ", $", p++);
      }
      absl::StrAppend(&sql, ")");
      params.Int64(row.link.seq)
          .Text(entry.decision_id)
          .Text(entry.request_id)
          .Text(entry.refund_id)
          .Text(entry.shop_id)
          .Int64(static_cast<int64_t>(entry.verdict))
          .Int64(entry.decided_at_micros)
          .Text(entry.bundle_version)
          .Bytes(row.request)
          .Bytes(row.decision)
          .Bytes(row.request_sha256)
          .Bytes(row.link.prev_hash)
          .Bytes(row.link.row_hash)
          .Int64(static_cast<int64_t>(row.codec));
      if (keyring != nullptr) {
        params.Text(keyring->current_key_id());
      } else {
        params.NullText();
      }
      // Each rule id once, sorted.
      std::vector<absl::string_view> rule_ids(entry.rule_ids.begin(),
                                              entry.rule_ids.end());
      std::sort(rule_ids.begin(), rule_ids.end());
      rule_ids.erase(std::unique(rule_ids.begin(), rule_ids.end()),
                     rule_ids.end());
      params.TextArray(rule_ids);
    }
    RETURN_IF_ERROR(db.Send(sql, params));
    ++statements;
  }
  if (keyring != nullptr && !rows.empty()) {
    RETURN_IF_ERROR(
        db.Send("INSERT INTO blob_key_ids (key_id) VALUES ($1) "
                "ON CONFLICT DO NOTHING",
                PgParams().Text(keyring->current_key_id())));
    ++statements;
  }
  if (!rows.empty()) {
    RETURN_IF_ERROR(db.Send(
        "UPDATE chain_head SET last_seq = $1, last_hash = $2 "
        "WHERE id = 1",
        PgParams().Int64(chain.head().last_seq).Bytes(chain.head().last_hash)));
    ++statements;
  }
  RETURN_IF_ERROR(db.Send("COMMIT"));
  ++statements;
  RETURN_IF_ERROR(db.Sync());
  absl::Status first_error;
  for (int i = 0; i < statements; ++i) {
    absl::Status status = db.Receive().status();
    // The first failure says why; the statements after it were not run.
    if (first_error.ok() && !status.ok()) first_error = status;
  }
  RETURN_IF_ERROR(first_error);
  RETURN_IF_ERROR(db.ReceiveSync());
  RETURN_IF_ERROR(db.ExitPipeline());
  *head = chain.head();
  return absl::OkStatus();
}

}  // namespace refund::server
