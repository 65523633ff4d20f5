// RAII wrappers around the SQLite C API that turn its result codes into
// absl::Status (STYLE.md: wrap third-party error styles at the boundary).
// Internal to the SQLite decision log.
#ifndef SERVER_LOG_SQLITE_SQLITE_CONNECTION_H_
#define SERVER_LOG_SQLITE_SQLITE_CONNECTION_H_

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace refund::server {

// Maps a SQLite result code to a status: constraint violations become
// ALREADY_EXISTS (unique / primary key) or FAILED_PRECONDITION (foreign key),
// a corrupt page or a file that is not a database DATA_LOSS, everything else
// UNAVAILABLE (full disk, I/O error, busy...).
// The message names `what` and SQLite's own message.
absl::Status SqliteStatus(sqlite3* db, int rc, absl::string_view what);

// A prepared statement. Not thread-safe; used by one thread at a time, like
// the connection it belongs to. Bind* indexes are 1-based; a bind error is
// reported by the next Step.
class SqliteStatement {
 public:
  SqliteStatement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  SqliteStatement(SqliteStatement&&) = default;
  SqliteStatement& operator=(SqliteStatement&&) = default;

  void BindInt64(int index, int64_t value);
  // Text and blobs are copied.
  void BindText(int index, absl::string_view value);
  void BindBlob(int index, absl::string_view value);
  // Not copied: `value` must stay alive and unchanged until the statement
  // has been stepped and reset (for large blobs on the hot path).
  void BindBlobBorrowed(int index, absl::string_view value);

  // true: a row is available; false: done.
  absl::StatusOr<bool> Step();
  // Steps once and expects no row (INSERT, UPDATE...).
  absl::Status Run();

  int64_t ColumnInt64(int index) const;
  std::string ColumnBytes(int index) const;

  // Ready to bind and run again; clears the bindings.
  void Reset();

 private:
  struct Finalizer {
    void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
  };
  sqlite3* db_;
  std::unique_ptr<sqlite3_stmt, Finalizer> stmt_;
  int bind_error_ = SQLITE_OK;
};

// One SQLite connection. Not thread-safe: used by one thread at a time.
class SqliteConnection {
 public:
  // `flags` and `vfs` as for sqlite3_open_v2 (nullptr: the default VFS).
  // UNAVAILABLE when it cannot be opened.
  static absl::StatusOr<std::unique_ptr<SqliteConnection>> Open(
      const std::string& path, int flags, const char* vfs = nullptr);
  ~SqliteConnection();
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  // Runs one or more statements that return no rows of interest.
  absl::Status Execute(const std::string& sql);
  absl::StatusOr<SqliteStatement> Prepare(absl::string_view sql);
  // Runs a statement returning one integer (e.g. "PRAGMA user_version").
  absl::StatusOr<int64_t> QueryInt64(const std::string& sql);
  // Runs a statement returning one text value (e.g. "PRAGMA journal_mode").
  absl::StatusOr<std::string> QueryText(const std::string& sql);

  // Whether the main database file is no longer the file at its path
  // (renamed or deleted while open: SQLITE_FCNTL_HAS_MOVED); writes would go
  // to a file nobody will open again.
  absl::StatusOr<bool> HasMoved();

  // True while a transaction is open (SQLite may roll one back by itself
  // after a failure such as SQLITE_FULL).
  bool InTransaction() const;
  int64_t LastInsertRowId() const;

 private:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

}  // namespace refund::server

#endif  // SERVER_LOG_SQLITE_SQLITE_CONNECTION_H_
