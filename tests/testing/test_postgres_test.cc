// The throwaway PostgreSQL cluster of the tests: it starts (or the test
// fails), keeps databases apart, keeps committed rows across a shutdown and a
// crash, and is reached through libpq over the URIs it gives.
#include "tests/testing/test_postgres.h"

#include <libpq-fe.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace refund::testing {
namespace {

using ::testing::_;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;

using Connection = std::unique_ptr<PGconn, decltype(&PQfinish)>;

Connection ConnectOrDie(const std::string& uri) {
  Connection connection(PQconnectdb(uri.c_str()), &PQfinish);
  EXPECT_EQ(PQstatus(connection.get()), CONNECTION_OK)
      << uri << ": " << PQerrorMessage(connection.get());
  return connection;
}

// The single value of `sql`'s one-row, one-column result over `connection`.
std::string ValueOf(PGconn* connection, const std::string& sql) {
  std::unique_ptr<PGresult, decltype(&PQclear)> result(
      PQexec(connection, sql.c_str()), &PQclear);
  if (PQresultStatus(result.get()) != PGRES_TUPLES_OK ||
      PQntuples(result.get()) != 1 || PQnfields(result.get()) != 1) {
    ADD_FAILURE() << sql << ": " << PQresultErrorMessage(result.get());
    return "";
  }
  return PQgetisnull(result.get(), 0, 0) ? "NULL"
                                         : PQgetvalue(result.get(), 0, 0);
}

std::unique_ptr<TestPostgres> StartOwnCluster(
    const TestPostgresOptions& options = TestPostgresOptions()) {
  absl::StatusOr<std::unique_ptr<TestPostgres>> started =
      TestPostgres::Start(options);
  if (!started.ok()) {
    ADD_FAILURE() << "cannot start PostgreSQL: " << started.status();
    return nullptr;
  }
  return *std::move(started);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The real uid a process runs as, from /proc.
uid_t RealUidOf(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string key;
  while (status >> key) {
    if (key == "Uid:") {
      uid_t uid = 0;
      status >> uid;
      return uid;
    }
  }
  ADD_FAILURE() << "no Uid line for pid " << pid;
  return static_cast<uid_t>(-1);
}

TEST(TestPostgresTest, SharedIsOneClusterReachableOverItsSocket) {
  TestPostgres& cluster = TestPostgres::Shared();
  EXPECT_EQ(&cluster, &TestPostgres::Shared());
  EXPECT_NE(cluster.postmaster_pid(), 0);
  EXPECT_TRUE(std::filesystem::exists(cluster.directory() + "/.s.PGSQL." +
                                      std::to_string(cluster.port())));
  EXPECT_THAT(cluster.Uri("postgres"),
              StartsWith("postgresql:///postgres?host=" + cluster.directory() +
                         "&port="));
}

TEST(TestPostgresTest, DatabasesAreSeparate) {
  TestPostgres& cluster = TestPostgres::Shared();
  absl::StatusOr<std::string> first = cluster.CreateDatabase("Decision Log!");
  absl::StatusOr<std::string> second = cluster.CreateDatabase("Decision Log!");
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_NE(*first, *second);
  EXPECT_THAT(*first, StartsWith("postgresql:///decision_log__"));

  ASSERT_TRUE(
      cluster
          .Execute(*first,
                   "CREATE TABLE t (v text); INSERT INTO t VALUES ('first')")
          .ok());
  ASSERT_TRUE(
      cluster
          .Execute(*second,
                   "CREATE TABLE t (v text); INSERT INTO t VALUES ('second')")
          .ok());
  EXPECT_THAT(cluster.Query(*first, "SELECT v FROM t").value(),
              ElementsAre(ElementsAre(std::optional<std::string>("first"))));
  EXPECT_THAT(cluster.Query(*second, "SELECT v FROM t").value(),
              ElementsAre(ElementsAre(std::optional<std::string>("second"))));
  // By name as well as by URI; NULL is nullopt.
  const std::string name = PQdb(ConnectOrDie(*first).get());
  EXPECT_THAT(cluster.Query(name, "SELECT NULL::text, 7").value(),
              ElementsAre(ElementsAre(std::nullopt, "7")));
}

TEST(TestPostgresTest, LibpqConnectsOverTheUriWithTheTestSettings) {
  TestPostgres& cluster = TestPostgres::Shared();
  absl::StatusOr<std::string> uri = cluster.CreateDatabase("settings");
  ASSERT_TRUE(uri.ok()) << uri.status();
  Connection connection = ConnectOrDie(*uri);
  ASSERT_EQ(PQstatus(connection.get()), CONNECTION_OK);
  EXPECT_EQ(std::string(PQhost(connection.get())), cluster.directory());
  EXPECT_EQ(ValueOf(connection.get(), "SELECT current_database()"),
            PQdb(connection.get()));
  EXPECT_EQ(ValueOf(connection.get(), "SELECT current_user"), "postgres");
  EXPECT_EQ(ValueOf(connection.get(),
                    "SELECT rolsuper::text FROM pg_roles "
                    "WHERE rolname = current_user"),
            "true");
  // A Unix socket: no server address.
  EXPECT_EQ(ValueOf(connection.get(), "SELECT inet_server_addr()"), "NULL");
  EXPECT_EQ(ValueOf(connection.get(), "SHOW listen_addresses"), "");
  EXPECT_EQ(ValueOf(connection.get(), "SHOW fsync"), "on");
  EXPECT_EQ(ValueOf(connection.get(), "SHOW synchronous_commit"), "on");
  EXPECT_EQ(ValueOf(connection.get(), "SHOW full_page_writes"), "on");
  EXPECT_EQ(ValueOf(connection.get(), "SHOW shared_buffers"), "32MB");
  EXPECT_EQ(ValueOf(connection.get(), "SHOW max_connections"), "100");
  EXPECT_EQ(ValueOf(connection.get(), "SHOW server_encoding"), "UTF8");
  EXPECT_EQ(
      ValueOf(connection.get(),
              "SELECT current_setting('server_version_num')::int / 10000"),
      "15");
}

TEST(TestPostgresTest, UriEncodesAnyDatabaseName) {
  TestPostgres& cluster = TestPostgres::Shared();
  const std::string name = "odd name/&?=%\xC3\xBC";
  ASSERT_TRUE(
      cluster.Execute("postgres", "CREATE DATABASE \"odd name/&?=%\xC3\xBC\"")
          .ok());
  Connection connection = ConnectOrDie(cluster.Uri(name));
  EXPECT_EQ(ValueOf(connection.get(), "SELECT current_database()"), name);
}

TEST(TestPostgresTest, ExecuteReportsTheServersError) {
  TestPostgres& cluster = TestPostgres::Shared();
  EXPECT_THAT(cluster.Execute("postgres", "SELECT no_such_column"),
              StatusIs(absl::StatusCode::kInternal,
                       HasSubstr("\"no_such_column\" does not exist")));
  EXPECT_THAT(cluster.Execute("no_such_database", "SELECT 1"),
              StatusIs(absl::StatusCode::kUnavailable,
                       HasSubstr("\"no_such_database\" does not exist")));
  // Statements that return nothing, and roles, as the store's tests need.
  EXPECT_TRUE(cluster.Execute("postgres", "").ok());
  EXPECT_TRUE(
      cluster.Execute("postgres", "CREATE ROLE reader LOGIN NOSUPERUSER").ok());
}

TEST(TestPostgresTest, RunsAsThePostgresUserWhenRoot) {
  TestPostgres& cluster = TestPostgres::Shared();
  if (geteuid() == 0) {
    const passwd* postgres = getpwnam("postgres");
    ASSERT_NE(postgres, nullptr);
    EXPECT_EQ(cluster.server_uid(), postgres->pw_uid);
    EXPECT_NE(cluster.server_uid(), 0u);
  } else {
    EXPECT_EQ(cluster.server_uid(), geteuid());
  }
  EXPECT_EQ(RealUidOf(cluster.postmaster_pid()), cluster.server_uid());
  struct stat data;
  ASSERT_EQ(stat(cluster.data_directory().c_str(), &data), 0);
  EXPECT_EQ(data.st_uid, cluster.server_uid());
}

TEST(TestPostgresTest, StopAndStartAgainKeepTheData) {
  std::unique_ptr<TestPostgres> cluster = StartOwnCluster();
  ASSERT_NE(cluster, nullptr);
  const std::string uri = cluster->Uri("postgres");
  ASSERT_TRUE(cluster
                  ->Execute("postgres",
                            "CREATE TABLE kept (v int); INSERT INTO kept "
                            "VALUES (1), (2)")
                  .ok());

  ASSERT_TRUE(cluster->Stop().ok());
  EXPECT_EQ(cluster->postmaster_pid(), 0);
  EXPECT_THAT(cluster->Execute("postgres", "SELECT 1"),
              StatusIs(absl::StatusCode::kUnavailable, _));
  EXPECT_TRUE(cluster->Stop().ok());  // Stopped already: nothing to do.

  ASSERT_TRUE(cluster->StartAgain().ok());
  EXPECT_NE(cluster->postmaster_pid(), 0);
  EXPECT_EQ(cluster->Uri("postgres"), uri);
  EXPECT_THAT(
      cluster->Query("postgres", "SELECT v FROM kept ORDER BY v").value(),
      ElementsAre(ElementsAre("1"), ElementsAre("2")));
  EXPECT_THAT(
      cluster->StartAgain(),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("is running")));
}

TEST(TestPostgresTest, KillAndStartAgainRecoverCommittedRows) {
  std::unique_ptr<TestPostgres> cluster = StartOwnCluster();
  ASSERT_NE(cluster, nullptr);
  ASSERT_TRUE(cluster
                  ->Execute("postgres",
                            "CREATE TABLE crash (v text); INSERT INTO crash "
                            "VALUES ('committed')")
                  .ok());
  // A transaction open when the server dies.
  Connection open = ConnectOrDie(cluster->Uri("postgres"));
  ValueOf(open.get(), "SELECT txid_current()::text");
  PQclear(PQexec(open.get(), "BEGIN"));
  PQclear(PQexec(open.get(), "INSERT INTO crash VALUES ('uncommitted')"));

  const pid_t killed = cluster->postmaster_pid();
  ASSERT_TRUE(cluster->Kill().ok());
  EXPECT_EQ(cluster->postmaster_pid(), 0);
  EXPECT_EQ(kill(killed, 0), -1);  // Gone and reaped.
  EXPECT_EQ(errno, ESRCH);
  // The client sees its server gone.
  PGresult* after = PQexec(open.get(), "COMMIT");
  EXPECT_NE(PQresultStatus(after), PGRES_COMMAND_OK);
  PQclear(after);

  ASSERT_TRUE(cluster->StartAgain().ok());
  EXPECT_NE(cluster->postmaster_pid(), killed);
  EXPECT_THAT(cluster->Query("postgres", "SELECT v FROM crash").value(),
              ElementsAre(ElementsAre("committed")));
  EXPECT_THAT(ReadFile(cluster->log_path()),
              HasSubstr("automatic recovery in progress"));
}

TEST(TestPostgresTest, TwoClustersInOneProcessDoNotMeet) {
  std::unique_ptr<TestPostgres> first = StartOwnCluster();
  std::unique_ptr<TestPostgres> second = StartOwnCluster();
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  EXPECT_NE(first->directory(), second->directory());
  EXPECT_EQ(first->port(), second->port());  // Different socket directories.
  ASSERT_TRUE(first->Execute("postgres", "CREATE TABLE only_first ()").ok());
  EXPECT_THAT(
      second
          ->Query("postgres",
                  "SELECT 1 FROM pg_tables WHERE tablename = 'only_first'")
          .value(),
      IsEmpty());
}

TEST(TestPostgresTest, TcpListenerOnAFreePort) {
  TestPostgresOptions options;
  options.tcp = true;
  std::unique_ptr<TestPostgres> cluster = StartOwnCluster(options);
  ASSERT_NE(cluster, nullptr);
  EXPECT_GT(cluster->port(), 0);
  EXPECT_NE(cluster->port(), 5432);
  Connection connection = ConnectOrDie(cluster->TcpUri("postgres"));
  ASSERT_EQ(PQstatus(connection.get()), CONNECTION_OK);
  EXPECT_EQ(ValueOf(connection.get(), "SELECT host(inet_server_addr())"),
            "127.0.0.1");
  EXPECT_EQ(ValueOf(connection.get(), "SELECT inet_server_port()"),
            std::to_string(cluster->port()));
  // The socket still works, on the same port.
  EXPECT_TRUE(cluster->Execute("postgres", "SELECT 1").ok());
}

TEST(TestPostgresTest, ExtraSettingsOverrideTheDefaults) {
  TestPostgresOptions options;
  options.settings = {{"max_connections", "20"}};
  std::unique_ptr<TestPostgres> cluster = StartOwnCluster(options);
  ASSERT_NE(cluster, nullptr);
  EXPECT_THAT(cluster->Query("postgres", "SHOW max_connections").value(),
              ElementsAre(ElementsAre("20")));
}

TEST(TestPostgresTest, AFailedStartShowsTheServerLog) {
  TestPostgresOptions options;
  options.settings = {{"no_such_setting", "1"}};
  absl::StatusOr<std::unique_ptr<TestPostgres>> started =
      TestPostgres::Start(options);
  EXPECT_THAT(started,
              StatusIs(absl::StatusCode::kInternal,
                       HasSubstr("unrecognized configuration parameter "
                                 "\"no_such_setting\"")));
}

TEST(TestPostgresTest, MissingProgramsNameTheDirectory) {
  const char* saved = std::getenv("REFUND_PG_BINDIR");
  const std::optional<std::string> restore =
      saved == nullptr ? std::nullopt : std::optional<std::string>(saved);
  setenv("REFUND_PG_BINDIR", "/nonexistent/pg/bin", 1);
  absl::StatusOr<std::unique_ptr<TestPostgres>> started = TestPostgres::Start();
  if (restore.has_value()) {
    setenv("REFUND_PG_BINDIR", restore->c_str(), 1);
  } else {
    unsetenv("REFUND_PG_BINDIR");
  }
  EXPECT_THAT(started, StatusIs(absl::StatusCode::kFailedPrecondition,
                                AllOf(HasSubstr("/nonexistent/pg/bin/initdb"),
                                      HasSubstr("REFUND_PG_BINDIR"))));
}

// Whether `pid` has exited (a zombie counts: it runs no more).
bool Exited(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(stat, text)) return true;
  const size_t name_end = text.rfind(')');
  return name_end == std::string::npos || name_end + 2 >= text.size() ||
         text[name_end + 2] == 'Z';
}

// A test process killed by a timeout or a crash leaves no server behind:
// the server's parent-death signal shuts it down.
TEST(TestPostgresTest, AKilledTestProcessTakesItsServerWithIt) {
  int report[2];
  ASSERT_EQ(pipe(report), 0);
  const pid_t test_process = fork();
  ASSERT_GE(test_process, 0);
  if (test_process == 0) {
    close(report[0]);
    absl::StatusOr<std::unique_ptr<TestPostgres>> started =
        TestPostgres::Start();
    if (!started.ok()) _exit(1);
    const std::string line = absl::StrCat((*started)->postmaster_pid(), " ",
                                          (*started)->directory(), "\n");
    if (write(report[1], line.data(), line.size()) < 0) _exit(1);
    while (true) pause();
  }
  close(report[1]);
  std::string line;
  char c = 0;
  while (read(report[0], &c, 1) == 1 && c != '\n') line.push_back(c);
  close(report[0]);
  const size_t space = line.find(' ');
  pid_t postmaster = 0;
  ASSERT_NE(space, std::string::npos) << "the child could not start a server";
  ASSERT_TRUE(absl::SimpleAtoi(line.substr(0, space), &postmaster));
  const std::string directory = line.substr(space + 1);
  EXPECT_FALSE(Exited(postmaster));

  kill(test_process, SIGKILL);
  waitpid(test_process, nullptr, 0);
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (!Exited(postmaster) && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_TRUE(Exited(postmaster));
  EXPECT_THAT(ReadFile(directory + "/postgres.log"),
              HasSubstr("received immediate shutdown request"));
  // What a killed test does leave: its directory.
  std::filesystem::remove_all(directory);
}

TEST(TestPostgresTest, DestructionStopsTheServerAndRemovesTheDirectory) {
  std::unique_ptr<TestPostgres> cluster = StartOwnCluster();
  ASSERT_NE(cluster, nullptr);
  const std::string directory = cluster->directory();
  const pid_t pid = cluster->postmaster_pid();
  ASSERT_TRUE(std::filesystem::exists(directory));
  cluster.reset();
  EXPECT_FALSE(std::filesystem::exists(directory));
  EXPECT_EQ(kill(pid, 0), -1);
  EXPECT_THAT(ReadFile("/proc/" + std::to_string(pid) + "/cmdline"),
              Not(HasSubstr("postgres")));
}

}  // namespace
}  // namespace refund::testing
