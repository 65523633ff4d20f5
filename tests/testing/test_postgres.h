// A real, throwaway PostgreSQL 15 cluster for one test process, for the tests
// of the PostgreSQL decision log (server/log/postgres/) and anything above it.
//
// Start() runs initdb into a fresh temporary directory (`refund-pg-XXXXXX`
// under $TMPDIR, or /tmp) and starts the server from it, listening on a Unix
// socket in that directory only (and on 127.0.0.1 when asked). Trust
// authentication; the superuser is `postgres`. fsync and synchronous commit
// are on, as in production: the stores' durability is what the tests check
// (only initdb itself runs with --no-sync). PostgreSQL refuses to run as root,
// so when the process is root the directory belongs to the `postgres` user
// (made by the Debian package) and initdb and the server run as that user;
// otherwise they run as the current user. Nothing uses the cluster a Debian
// install may create, nor any port or socket outside the directory.
//
// The server's messages go to `log_path()`; a start that fails returns an
// error with the last lines of that file. The programs come from the
// directory given at build time (REFUND_PG_BINDIR, from CMake's search for
// initdb), or from the environment variable REFUND_PG_BINDIR when set.
//
// One cluster per process, not per test run: ctest runs every test of a
// gtest program as its own process, so parallel ctest runs never share a
// server, a socket or a port; each test takes its own database
// (CreateDatabase) inside its process's cluster.
#ifndef TESTS_TESTING_TEST_POSTGRES_H_
#define TESTS_TESTING_TEST_POSTGRES_H_

#include <sys/types.h>

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace refund::testing {

struct TestPostgresOptions {
  // Also listen on 127.0.0.1 (TcpUri). The port is `tcp_port`, or when 0 a
  // free one, found by binding port 0 (if another program takes it before
  // the server binds it, the start is retried with another).
  bool tcp = false;
  int tcp_port = 0;
  // Server settings, (name, value), given after the defaults (so they
  // override them), e.g. {"max_connections", "20"}. Defaults:
  // max_connections=100, shared_buffers=32MB, fsync=on, synchronous_commit=on,
  // full_page_writes=on, recovery_init_sync_method=syncfs.
  std::vector<std::pair<std::string, std::string>> settings;
};

// The rows of a query's result, each value as PostgreSQL's text form, NULL as
// std::nullopt.
using TestPostgresRows = std::vector<std::vector<std::optional<std::string>>>;

// One running (or stopped) cluster; owns its directory and its server.
// Uri, TcpUri, CreateDatabase, Execute, Query and the accessors are
// thread-safe; Stop, StartAgain and Kill are serialised with each other.
class TestPostgres {
 public:
  // Start(TestPostgresOptions()).
  static absl::StatusOr<std::unique_ptr<TestPostgres>> Start();

  // Makes the directory, runs initdb and starts the server; returns once it
  // accepts connections (it waits up to 60 s). Errors: FAILED_PRECONDITION
  // when the programs are not in the bin directory (naming it and
  // REFUND_PG_BINDIR), or when the process is root and there is no
  // `postgres` user; INTERNAL when initdb or the server fails, with the tail
  // of the log; DEADLINE_EXCEEDED when the server does not answer in time.
  // Nothing is left behind on an error.
  static absl::StatusOr<std::unique_ptr<TestPostgres>> Start(
      const TestPostgresOptions& options);

  // The process's one shared cluster (default options), started on the first
  // call (thread-safe). When it cannot start, prints why to stderr and aborts
  // the process: a test that needs PostgreSQL fails loudly, it is never
  // skipped. An atexit handler, registered by the first call, stops the
  // server and removes the directory when the program exits normally (as
  // gtest_main does when the tests are done), so a test program needs no
  // main of its own. If the process dies of a signal instead, the server
  // follows it (see ~TestPostgres); its directory stays in $TMPDIR.
  static TestPostgres& Shared();

  // Stops the server (immediate shutdown: the data is thrown away; SIGKILL if
  // it has not stopped within 60 s) and removes the directory. Only in the
  // process that started it: a forked child that exits does nothing here. A
  // server started from the process's main thread also gets an immediate
  // shutdown when the process dies (SIGQUIT as its parent-death signal), so
  // an aborted or killed test leaves no server running; one started from
  // another thread would get it when that thread ends, so it gets none.
  ~TestPostgres();
  TestPostgres(const TestPostgres&) = delete;
  TestPostgres& operator=(const TestPostgres&) = delete;

  // A libpq URI for `database` as the superuser over the Unix socket:
  // postgresql:///DB?host=/tmp/refund-pg-XXXXXX&port=5432&user=postgres (the
  // database name and the socket directory percent-encoded). The same across
  // Stop and StartAgain.
  std::string Uri(const std::string& database) const;

  // The same over TCP: postgresql://127.0.0.1:PORT/DB?user=postgres. Only for
  // a cluster started with `tcp` (otherwise aborts: a mistake in the test).
  std::string TcpUri(const std::string& database) const;

  // Creates a new, empty database named after `prefix` (lower-cased, every
  // character other than [a-z0-9_] made `_`, cut to 40) and a number unique
  // in this cluster, and returns its Uri. Errors: the server's, as INTERNAL
  // (UNAVAILABLE when it cannot be reached).
  absl::StatusOr<std::string> CreateDatabase(const std::string& prefix);

  // Runs `sql` (one or several statements; several run as one implicit
  // transaction unless they say otherwise) on a new connection to
  // `database` as the superuser. `database` is a database name (`postgres`,
  // or one CreateDatabase made) or a URI (what CreateDatabase returns).
  // Errors: INTERNAL with the server's message when a statement fails;
  // UNAVAILABLE when the server cannot be reached.
  absl::Status Execute(const std::string& database,
                       const std::string& sql) const;

  // As Execute, and returns the rows of the last statement's result (none for
  // a statement that returns no rows).
  absl::StatusOr<TestPostgresRows> Query(const std::string& database,
                                         const std::string& sql) const;

  // Fast shutdown (SIGINT: open sessions are ended, a shutdown checkpoint is
  // written); waits for the server to exit. OK when it is not running.
  // Errors: INTERNAL when the server exits with an error (with the log's
  // tail), DEADLINE_EXCEEDED when it has not exited within 60 s (it is then
  // killed).
  absl::Status Stop();

  // Starts the server again on the same data directory, socket and port, and
  // waits until it accepts connections; after Kill that includes crash
  // recovery. Errors as Start's; FAILED_PRECONDITION when it runs.
  absl::Status StartAgain();

  // A crash: SIGKILL to the postmaster and to every process it started, at
  // once (nothing they do after it reaches the disk). Returns once they are
  // gone and the shared memory is released, so StartAgain may follow at
  // once. OK when it is not running. Errors: DEADLINE_EXCEEDED when the
  // server's processes still hold its shared memory after 30 s.
  absl::Status Kill();

  // The postmaster's pid, 0 when the server is not running.
  pid_t postmaster_pid() const;

  // The directory (the socket's too; the data directory is `data` in it).
  const std::string& directory() const { return directory_; }
  std::string data_directory() const;
  // The server's log (all starts of this cluster, appended).
  std::string log_path() const;
  // The port: of the socket's name (.s.PGSQL.PORT), and of TCP when asked.
  int port() const { return port_; }
  // The user the server runs as (`postgres` when this process is root).
  uid_t server_uid() const { return server_uid_; }

 private:
  TestPostgres(std::string directory, std::string bin_dir, uid_t server_uid,
               gid_t server_gid, bool switch_user,
               const TestPostgresOptions& options);

  absl::Status InitDb();
  // Spawns the postmaster on port_ and waits until it accepts connections.
  absl::Status StartServerLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Signals the postmaster (SIGINT: fast shutdown, SIGQUIT: immediate) and
  // waits for it; SIGKILL after 60 s.
  absl::Status StopLocked(int signal_number) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status KillLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::string ConnectionUri(const std::string& database_or_uri) const;

  const std::string directory_;
  const std::string bin_dir_;
  const uid_t server_uid_;
  const gid_t server_gid_;
  // Run initdb and the server as server_uid_ (this process is root).
  const bool switch_user_;
  const TestPostgresOptions options_;
  // The process that made this cluster; the only one whose destructor stops
  // it.
  const pid_t owner_pid_;
  // Set by Start, before the object is returned; never changed after.
  int port_ = 0;
  std::atomic<int> databases_made_{0};

  mutable absl::Mutex mu_;
  pid_t postmaster_pid_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace refund::testing

#endif  // TESTS_TESTING_TEST_POSTGRES_H_
