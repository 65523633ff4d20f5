// One libpq connection to the PostgreSQL decision log, wrapped so that the
// store sees absl::Status and owned results, never PGresult or libpq's error
// conventions.
//
// Every statement uses the extended protocol with binary parameters and
// binary results (no text escaping of bytea, no parsing of numbers); several
// statements may be sent at once in libpq's pipeline mode and their results
// read in order, so that a batch costs two round trips whatever its size.
//
// Errors: a connection that is gone (lost, refused, the server shutting
// down, SQLSTATE classes 08 and 57P) and transient server conditions
// (53: out of resources, 40001/40P01: serialization, 25006: a read-only
// standby) are UNAVAILABLE; 23505 (unique violation) is ALREADY_EXISTS;
// 42501 (insufficient privilege) and 28 (authentication) are
// PERMISSION_DENIED; anything else INTERNAL. Messages start with
// "decision log (postgresql): " and carry the server's message.
#ifndef SERVER_LOG_POSTGRES_PG_CONNECTION_H_
#define SERVER_LOG_POSTGRES_PG_CONNECTION_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

// libpq's types, not its header: only pg_connection.cc includes libpq-fe.h.
typedef struct pg_conn PGconn;
typedef struct pg_result PGresult;
typedef unsigned int Oid;

namespace refund::server {

// The parameters of one statement, in binary format with their types.
// Text and bytes are borrowed: what they point at must outlive the call
// that sends them.
class PgParams {
 public:
  PgParams& Text(absl::string_view value);
  PgParams& Bytes(absl::string_view value);
  PgParams& Int64(int64_t value);
  // A NULL of type text.
  PgParams& NullText();
  // A text[] (one dimension).
  PgParams& TextArray(const std::vector<absl::string_view>& values);

  int size() const { return static_cast<int>(types_.size()); }
  const Oid* types() const { return types_.data(); }
  const char* const* values() const { return values_.data(); }
  const int* lengths() const { return lengths_.data(); }
  const int* formats() const { return formats_.data(); }

 private:
  PgParams& Add(Oid type, const char* data, size_t size);
  PgParams& Own(Oid type, std::string bytes);

  std::vector<Oid> types_;
  std::vector<const char*> values_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
  // Encoded numbers and arrays (a deque: pointers into it stay valid).
  std::deque<std::string> owned_;
};

// A statement's result rows (binary format), owned.
class PgResult {
 public:
  explicit PgResult(PGresult* result);
  ~PgResult();
  PgResult(PgResult&& other) noexcept;
  PgResult& operator=(PgResult&& other) noexcept;
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;

  int rows() const;
  bool IsNull(int row, int column) const;
  // A text or bytea column's bytes ("" for NULL).
  std::string Bytes(int row, int column) const;
  absl::string_view View(int row, int column) const;
  // A smallint, integer or bigint column (0 for NULL).
  int64_t Int64(int row, int column) const;
  // A text[] column's elements (NULL elements as "").
  std::vector<std::string> TextArray(int row, int column) const;
  // The number of rows an INSERT or UPDATE touched.
  int64_t AffectedRows() const;

 private:
  PGresult* result_;
};

struct PgConnectOptions {
  // Seconds libpq waits for a connection (its connect_timeout) unless the
  // URI sets its own.
  int connect_timeout_seconds = 5;
  // The application_name the server shows in pg_stat_activity, unless the
  // URI sets its own.
  std::string application_name = "refund-server";
};

// Not thread-safe: one thread at a time.
class PgConnection {
 public:
  // Connects to the libpq URI or connection string `uri` (its password from
  // PGPASSFILE/PGPASSWORD as libpq reads them). UNAVAILABLE when the server
  // cannot be reached; PERMISSION_DENIED when it refuses the login;
  // INVALID_ARGUMENT when `uri` does not parse.
  static absl::StatusOr<std::unique_ptr<PgConnection>> Connect(
      const std::string& uri, const PgConnectOptions& options = {});

  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Whether the connection is still up (false once libpq saw it drop).
  bool Alive() const;

  // Runs `sql` (one or more statements, no parameters, simple protocol).
  absl::Status Execute(const std::string& sql);

  // Runs one statement with `params`; its rows in binary format.
  absl::StatusOr<PgResult> Query(const std::string& sql,
                                 const PgParams& params = {});

  // Pipeline mode: Send queues statements (each a PgParams borrowed until
  // the Sync that ends it), Sync ends a group and flushes it to the server,
  // Receive gives the results of the sent statements in order (a statement
  // after a failed one in the same group is refused: ABORTED), and
  // ReceiveSync consumes the group's end. Leave with ExitPipeline once every
  // result is read.
  absl::Status EnterPipeline();
  absl::Status Send(const std::string& sql, const PgParams& params = {});
  absl::Status Sync();
  absl::StatusOr<PgResult> Receive();
  absl::Status ReceiveSync();
  absl::Status ExitPipeline();

  // The server's version number (150018 for 15.18).
  int ServerVersion() const;

 private:
  explicit PgConnection(PGconn* conn) : conn_(conn) {}

  // The status of a finished statement's result (takes ownership).
  absl::StatusOr<PgResult> Check(PGresult* result);
  absl::Status ConnectionError(absl::string_view what) const;

  PGconn* conn_;
};

// The status of a libpq error: `sqlstate` (may be empty) picks the code.
absl::Status PgStatus(absl::string_view sqlstate, absl::string_view message);

}  // namespace refund::server

#endif  // SERVER_LOG_POSTGRES_PG_CONNECTION_H_
