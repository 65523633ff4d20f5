#include "server/log/postgres/pg_connection.h"

#include <endian.h>
#include <libpq-fe.h>

#include <cstring>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace refund::server {
namespace {

// PostgreSQL's type OIDs (pg_type.h), for the types the log uses.
constexpr Oid kByteaOid = 17;
constexpr Oid kInt8Oid = 20;
constexpr Oid kTextOid = 25;
constexpr Oid kTextArrayOid = 1009;

std::string BigEndian32(uint32_t value) {
  const uint32_t be = htobe32(value);
  return std::string(reinterpret_cast<const char*>(&be), sizeof(be));
}

uint32_t ReadBigEndian32(const char* data) {
  uint32_t be;
  std::memcpy(&be, data, sizeof(be));
  return be32toh(be);
}

// libpq's messages end in a newline, sometimes with a second line.
std::string OneLine(absl::string_view message) {
  std::string line(absl::StripTrailingAsciiWhitespace(message));
  for (char& c : line) {
    if (c == '\n') c = ' ';
  }
  return line;
}

}  // namespace

absl::Status PgStatus(absl::string_view sqlstate, absl::string_view message) {
  const std::string text =
      absl::StrCat("decision log (postgresql): ", OneLine(message));
  if (sqlstate.empty() || absl::StartsWith(sqlstate, "08") ||
      absl::StartsWith(sqlstate, "57P") || absl::StartsWith(sqlstate, "53") ||
      sqlstate == "40001" || sqlstate == "40P01" || sqlstate == "25006") {
    return absl::UnavailableError(text);
  }
  if (sqlstate == "23505") return absl::AlreadyExistsError(text);
  if (sqlstate == "42501" || absl::StartsWith(sqlstate, "28")) {
    return absl::PermissionDeniedError(text);
  }
  return absl::InternalError(text);
}

PgParams& PgParams::Add(Oid type, const char* data, size_t size) {
  types_.push_back(type);
  values_.push_back(data);
  lengths_.push_back(static_cast<int>(size));
  formats_.push_back(1);
  return *this;
}

PgParams& PgParams::Own(Oid type, std::string bytes) {
  const std::string& kept = owned_.emplace_back(std::move(bytes));
  return Add(type, kept.data(), kept.size());
}

PgParams& PgParams::Text(absl::string_view value) {
  return Add(kTextOid, value.data(), value.size());
}

PgParams& PgParams::Bytes(absl::string_view value) {
  return Add(kByteaOid, value.data(), value.size());
}

PgParams& PgParams::Int64(int64_t value) {
  const uint64_t be = htobe64(static_cast<uint64_t>(value));
  return Own(kInt8Oid,
             std::string(reinterpret_cast<const char*>(&be), sizeof(be)));
}

PgParams& PgParams::NullText() {
  types_.push_back(kTextOid);
  values_.push_back(nullptr);
  lengths_.push_back(0);
  formats_.push_back(1);
  return *this;
}

PgParams& PgParams::TextArray(const std::vector<absl::string_view>& values) {
  // The binary array format: dimensions, a has-nulls flag, the element
  // type, each dimension's size and lower bound, then each element's length
  // and bytes.
  std::string bytes;
  if (values.empty()) {
    bytes = BigEndian32(0) + BigEndian32(0) + BigEndian32(kTextOid);
  } else {
    bytes = BigEndian32(1) + BigEndian32(0) + BigEndian32(kTextOid) +
            BigEndian32(static_cast<uint32_t>(values.size())) + BigEndian32(1);
    for (absl::string_view value : values) {
      absl::StrAppend(&bytes, BigEndian32(static_cast<uint32_t>(value.size())),
                      value);
    }
  }
  return Own(kTextArrayOid, std::move(bytes));
}

PgResult::PgResult(PGresult* result) : result_(result) {}
PgResult::~PgResult() {
  if (result_ != nullptr) PQclear(result_);
}
PgResult::PgResult(PgResult&& other) noexcept
    : result_(std::exchange(other.result_, nullptr)) {}
PgResult& PgResult::operator=(PgResult&& other) noexcept {
  if (this != &other) {
    if (result_ != nullptr) PQclear(result_);
    result_ = std::exchange(other.result_, nullptr);
  }
  return *this;
}

int PgResult::rows() const { return PQntuples(result_); }

bool PgResult::IsNull(int row, int column) const {
  return PQgetisnull(result_, row, column) != 0;
}

absl::string_view PgResult::View(int row, int column) const {
  if (IsNull(row, column)) return {};
  return absl::string_view(
      PQgetvalue(result_, row, column),
      static_cast<size_t>(PQgetlength(result_, row, column)));
}

std::string PgResult::Bytes(int row, int column) const {
  return std::string(View(row, column));
}

int64_t PgResult::Int64(int row, int column) const {
  const absl::string_view bytes = View(row, column);
  switch (bytes.size()) {
    case 2: {
      uint16_t be;
      std::memcpy(&be, bytes.data(), sizeof(be));
      return static_cast<int16_t>(be16toh(be));
    }
    case 4:
      return static_cast<int32_t>(ReadBigEndian32(bytes.data()));
    case 8: {
      uint64_t be;
      std::memcpy(&be, bytes.data(), sizeof(be));
      return static_cast<int64_t>(be64toh(be));
    }
    default:
      return 0;
  }
}

std::vector<std::string> PgResult::TextArray(int row, int column) const {
  std::vector<std::string> elements;
  const absl::string_view bytes = View(row, column);
  if (bytes.size() < 12) return elements;
  const uint32_t dimensions = ReadBigEndian32(bytes.data());
  if (dimensions != 1 || bytes.size() < 20) return elements;
  const uint32_t count = ReadBigEndian32(bytes.data() + 12);
  size_t at = 20;
  for (uint32_t i = 0; i < count && at + 4 <= bytes.size(); ++i) {
    const int32_t length =
        static_cast<int32_t>(ReadBigEndian32(bytes.data() + at));
    at += 4;
    if (length < 0) {
      elements.emplace_back();
      continue;
    }
    if (at + static_cast<size_t>(length) > bytes.size()) break;
    elements.emplace_back(bytes.substr(at, static_cast<size_t>(length)));
    at += static_cast<size_t>(length);
  }
  return elements;
}

int64_t PgResult::AffectedRows() const {
  const char* tuples = PQcmdTuples(result_);
  return tuples == nullptr || *tuples == '\0'
             ? 0
             : std::strtoll(tuples, nullptr, 10);
}

absl::StatusOr<std::unique_ptr<PgConnection>> PgConnection::Connect(
    const std::string& uri, const PgConnectOptions& options) {
  // Our defaults come before the URI, whose own settings then win
  // (expand_dbname).
  const std::string timeout = std::to_string(options.connect_timeout_seconds);
  const char* keywords[] = {"connect_timeout", "application_name", "dbname",
                            nullptr};
  const char* values[] = {timeout.c_str(), options.application_name.c_str(),
                          uri.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (conn == nullptr) {
    return absl::ResourceExhaustedError(
        "decision log (postgresql): out of memory");
  }
  if (PQstatus(conn) != CONNECTION_OK) {
    const std::string message = OneLine(PQerrorMessage(conn));
    PQfinish(conn);
    if (absl::StrContains(message, "invalid URI") ||
        absl::StrContains(message, "invalid connection option") ||
        absl::StrContains(message, "missing \"=\"") ||
        absl::StrContains(message, "invalid integer value") ||
        absl::StrContains(message, "invalid percent-encoded")) {
      return absl::InvalidArgumentError(
          absl::StrCat("decision log (postgresql): ", message));
    }
    if (absl::StrContains(message, "password authentication failed") ||
        absl::StrContains(message, "no password supplied") ||
        absl::StrContains(message, "no pg_hba.conf entry")) {
      return absl::PermissionDeniedError(
          absl::StrCat("decision log (postgresql): ", message));
    }
    return absl::UnavailableError(
        absl::StrCat("decision log (postgresql): cannot connect: ", message));
  }
  return std::unique_ptr<PgConnection>(new PgConnection(conn));
}

PgConnection::~PgConnection() { PQfinish(conn_); }

bool PgConnection::Alive() const { return PQstatus(conn_) == CONNECTION_OK; }

int PgConnection::ServerVersion() const { return PQserverVersion(conn_); }

absl::Status PgConnection::ConnectionError(absl::string_view what) const {
  return absl::UnavailableError(
      absl::StrCat("decision log (postgresql): ", what, ": ",
                   OneLine(PQerrorMessage(conn_))));
}

absl::StatusOr<PgResult> PgConnection::Check(PGresult* raw) {
  PgResult result(raw);
  if (raw == nullptr) return ConnectionError("no result");
  switch (PQresultStatus(raw)) {
    case PGRES_COMMAND_OK:
    case PGRES_TUPLES_OK:
    case PGRES_PIPELINE_SYNC:
      return result;
    case PGRES_PIPELINE_ABORTED:
      return absl::AbortedError(
          "decision log (postgresql): not run: an earlier statement failed");
    default: {
      const char* sqlstate = PQresultErrorField(raw, PG_DIAG_SQLSTATE);
      // A lost connection leaves no SQLSTATE: PgStatus makes it UNAVAILABLE.
      return PgStatus(sqlstate == nullptr ? "" : sqlstate,
                      PQresultErrorMessage(raw));
    }
  }
}

absl::Status PgConnection::Execute(const std::string& sql) {
  if (PQsendQuery(conn_, sql.c_str()) == 0) return ConnectionError("send");
  absl::Status status;
  while (PGresult* result = PQgetResult(conn_)) {
    absl::StatusOr<PgResult> checked = Check(result);
    if (status.ok() && !checked.ok()) status = checked.status();
  }
  if (status.ok() && !Alive()) return ConnectionError("connection lost");
  return status;
}

absl::StatusOr<PgResult> PgConnection::Query(const std::string& sql,
                                             const PgParams& params) {
  return Check(PQexecParams(conn_, sql.c_str(), params.size(), params.types(),
                            params.values(), params.lengths(), params.formats(),
                            /*resultFormat=*/1));
}

absl::Status PgConnection::EnterPipeline() {
  if (PQenterPipelineMode(conn_) == 0) return ConnectionError("pipeline mode");
  return absl::OkStatus();
}

absl::Status PgConnection::ExitPipeline() {
  if (PQexitPipelineMode(conn_) == 0) {
    return ConnectionError("leaving pipeline mode");
  }
  return absl::OkStatus();
}

absl::Status PgConnection::Send(const std::string& sql,
                                const PgParams& params) {
  if (PQsendQueryParams(conn_, sql.c_str(), params.size(), params.types(),
                        params.values(), params.lengths(), params.formats(),
                        /*resultFormat=*/1) == 0) {
    return ConnectionError("send");
  }
  return absl::OkStatus();
}

absl::Status PgConnection::Sync() {
  if (PQpipelineSync(conn_) == 0) return ConnectionError("sync");
  return absl::OkStatus();
}

absl::StatusOr<PgResult> PgConnection::Receive() {
  PGresult* raw = PQgetResult(conn_);
  if (raw == nullptr) return ConnectionError("no result");
  const bool sync = PQresultStatus(raw) == PGRES_PIPELINE_SYNC;
  absl::StatusOr<PgResult> result = Check(raw);
  // Each statement's results end with a null; a sync point has none.
  if (!sync) {
    while (PGresult* extra = PQgetResult(conn_)) PQclear(extra);
  }
  return result;
}

absl::Status PgConnection::ReceiveSync() {
  PGresult* raw = PQgetResult(conn_);
  if (raw == nullptr) return ConnectionError("no sync");
  const bool sync = PQresultStatus(raw) == PGRES_PIPELINE_SYNC;
  PQclear(raw);
  if (!sync) return ConnectionError("pipeline out of step");
  return absl::OkStatus();
}

}  // namespace refund::server
