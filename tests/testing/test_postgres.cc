#include "tests/testing/test_postgres.h"

#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "engine/base/status_macros.h"

extern char** environ;

namespace refund::testing {
namespace {

// Without TCP any port will do: the socket's name is private to the
// directory.
constexpr int kSocketOnlyPort = 5432;
constexpr absl::Duration kStartTimeout = absl::Seconds(60);
constexpr absl::Duration kInitDbTimeout = absl::Seconds(120);
constexpr absl::Duration kStopTimeout = absl::Seconds(60);
constexpr absl::Duration kReleaseTimeout = absl::Seconds(30);
constexpr absl::Duration kPollInterval = absl::Milliseconds(10);
constexpr int kLogTailLines = 40;
constexpr int kPortAttempts = 5;
// sun_path holds 107 characters: the parent, "/refund-pg-XXXXXX" (17) and
// "/.s.PGSQL.NNNNN" (15) must fit.
constexpr size_t kMaxTempParentLength = 107 - 17 - 15;

absl::Status ErrnoError(absl::string_view what, int error) {
  return absl::InternalError(absl::StrCat(what, ": ", std::strerror(error)));
}

std::string BinDir() {
  const char* from_environment = std::getenv("REFUND_PG_BINDIR");
  if (from_environment != nullptr && *from_environment != '\0') {
    return from_environment;
  }
  return REFUND_PG_BINDIR;
}

// RFC 3986 percent-encoding of everything but the unreserved characters (and
// '/', where the URI part allows it).
std::string PercentEncode(absl::string_view text, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const unsigned char byte = static_cast<unsigned char>(c);
    if (absl::ascii_isalnum(byte) || c == '-' || c == '.' || c == '_' ||
        c == '~' || (keep_slash && c == '/')) {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0xF]);
    }
  }
  return out;
}

std::string QuoteIdentifier(absl::string_view name) {
  std::string out = "\"";
  for (const char c : name) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

// Whether `uid` (primary group `gid`) may pass through every directory on
// the way to `path` and into it.
bool Traversable(const std::string& path, uid_t uid, gid_t gid) {
  std::filesystem::path walked = "/";
  std::vector<std::filesystem::path> steps = {walked};
  for (const auto& part : std::filesystem::path(path).relative_path()) {
    walked /= part;
    steps.push_back(walked);
  }
  for (const auto& step : steps) {
    struct stat info;
    if (stat(step.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) return false;
    const mode_t needed = info.st_uid == uid   ? S_IXUSR
                          : info.st_gid == gid ? S_IXGRP
                                               : S_IXOTH;
    if ((info.st_mode & needed) == 0) return false;
  }
  return true;
}

// $TMPDIR when it is usable for the cluster (the server's user can reach it,
// the socket's path fits), /tmp otherwise.
std::string TempParent(uid_t server_uid, gid_t server_gid) {
  const char* tmpdir = std::getenv("TMPDIR");
  if (tmpdir != nullptr && tmpdir[0] == '/') {
    std::string parent = tmpdir;
    while (parent.size() > 1 && parent.back() == '/') parent.pop_back();
    if (parent.size() <= kMaxTempParentLength &&
        Traversable(parent, server_uid, server_gid)) {
      return parent;
    }
  }
  return "/tmp";
}

std::string LogTail(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::StrCat("(no log at ", path, ")");
  std::deque<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    lines.push_back(line);
    if (lines.size() > static_cast<size_t>(kLogTailLines)) lines.pop_front();
  }
  return absl::StrCat("last lines of ", path, ":\n",
                      absl::StrJoin(lines, "\n"));
}

absl::StatusOr<int> FreeTcpPort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return ErrnoError("socket", errno);
  sockaddr_in address = {};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    const int error = errno;
    close(fd);
    return ErrnoError("finding a free port on 127.0.0.1", error);
  }
  close(fd);
  return ntohs(address.sin_port);
}

std::string DescribeWaitStatus(int status) {
  if (WIFEXITED(status)) return absl::StrCat("exit code ", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    return absl::StrCat("killed by signal ", WTERMSIG(status));
  }
  return absl::StrCat("wait status ", status);
}

// waitpid for `pid` (a child) up to `timeout`; its wait status, or
// DEADLINE_EXCEEDED when it still runs.
absl::StatusOr<int> WaitForExit(pid_t pid, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    int status = 0;
    const pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) return status;
    if (done < 0 && errno != EINTR) return ErrnoError("waitpid", errno);
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("process ", pid, " still runs after ",
                       absl::FormatDuration(timeout)));
    }
    absl::SleepFor(kPollInterval);
  }
}

void WaitBlocking(pid_t pid) {
  while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
}

std::vector<pid_t> ChildrenOf(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/task/", pid, "/children"));
  std::vector<pid_t> children;
  pid_t child = 0;
  while (in >> child) children.push_back(child);
  return children;
}

// The lines of the server's lock file, data/postmaster.pid (none when it
// has none): 1 the postmaster's pid, ..., 7 the System V shared memory key
// and id, 8 the status ("starting", "ready", "stopping").
std::vector<std::string> PidFileLines(const std::string& data_directory) {
  std::ifstream in(data_directory + "/postmaster.pid");
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    lines.emplace_back(absl::StripAsciiWhitespace(line));
  }
  return lines;
}

// Whether the lock file is `pid`'s and says it accepts connections: what
// `pg_ctl start -w` waits for. Polling it, rather than connecting, keeps
// "the database system is starting up" out of the log.
bool PidFileSaysReady(const std::string& data_directory, pid_t pid) {
  const std::vector<std::string> lines = PidFileLines(data_directory);
  return lines.size() >= 8 && lines[0] == absl::StrCat(pid) &&
         lines[7] == "ready";
}

// The id of the System V shared memory segment the lock file names, -1 when
// it names none.
int SharedMemoryId(const std::string& data_directory) {
  const std::vector<std::string> lines = PidFileLines(data_directory);
  if (lines.size() < 7) return -1;
  std::vector<absl::string_view> words =
      absl::StrSplit(lines[6], ' ', absl::SkipEmpty());
  int shmid = -1;
  if (words.size() != 2 || !absl::SimpleAtoi(words[1], &shmid)) return -1;
  return shmid;
}

// After the postmaster died, its children may still be attached to its
// System V shared memory segment, and a new postmaster refuses to start
// while they are ("pre-existing shared memory block is still in use"). Waits
// until nobody is attached.
absl::Status WaitForSharedMemoryRelease(const std::string& data_directory,
                                        absl::Duration timeout) {
  const int shmid = SharedMemoryId(data_directory);
  if (shmid < 0) return absl::OkStatus();
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    struct shmid_ds info;
    if (shmctl(shmid, IPC_STAT, &info) != 0 || info.shm_nattch == 0) {
      return absl::OkStatus();
    }
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(absl::StrCat(
          "processes of the killed PostgreSQL server still hold its shared "
          "memory (",
          info.shm_nattch, " attached) after ", absl::FormatDuration(timeout)));
    }
    absl::SleepFor(kPollInterval);
  }
}

// A killed postmaster leaves its segment behind (the next postmaster on the
// same data directory would remove it); before the directory goes, remove
// it, once nobody is attached.
void RemoveStaleSharedMemory(const std::string& data_directory) {
  const int shmid = SharedMemoryId(data_directory);
  struct shmid_ds info;
  if (shmid >= 0 && shmctl(shmid, IPC_STAT, &info) == 0 &&
      info.shm_nattch == 0) {
    shmctl(shmid, IPC_RMID, nullptr);
  }
}

// What a child of Spawn is to be, prepared before fork: after it the child
// may only make async-signal-safe calls, so no allocation.
struct ChildPlan {
  std::vector<char*> argv;
  std::vector<char*> envp;
  const char* cwd = nullptr;
  int log_fd = -1;
  int error_fd = -1;
  bool switch_user = false;
  uid_t uid = 0;
  gid_t gid = 0;
  bool die_with_parent = false;
  int parent_death_signal = SIGKILL;
  pid_t parent = 0;
};

// The steps a child reports failing at, through the error pipe.
enum ChildStage : int {
  kRedirect = 1,
  kSetGroups,
  kSetGid,
  kSetUid,
  kParentDeath,
  kChdir,
  kExec,
};

const char* StageName(int stage) {
  switch (stage) {
    case kRedirect:
      return "redirecting its output";
    case kSetGroups:
      return "setgroups";
    case kSetGid:
      return "setgid";
    case kSetUid:
      return "setuid";
    case kParentDeath:
      return "prctl(PR_SET_PDEATHSIG)";
    case kChdir:
      return "chdir";
    case kExec:
      return "execve";
  }
  return "?";
}

[[noreturn]] void ChildFail(int error_fd, int stage) {
  const int message[2] = {stage, errno};
  ssize_t ignored = write(error_fd, message, sizeof message);
  (void)ignored;
  _exit(127);
}

[[noreturn]] void RunChild(const ChildPlan& plan) {
  int error_fd = plan.error_fd;
  if (dup2(plan.log_fd, STDOUT_FILENO) < 0 ||
      dup2(plan.log_fd, STDERR_FILENO) < 0) {
    ChildFail(error_fd, kRedirect);
  }
  const int null_fd = open("/dev/null", O_RDONLY);
  if (null_fd < 0 || dup2(null_fd, STDIN_FILENO) < 0) {
    ChildFail(error_fd, kRedirect);
  }
  // Nothing of the test process (its sockets, pipes, files) may stay open in
  // a server that can outlive it: keep 0-2 and the error pipe (moved to 3,
  // still close-on-exec), close the rest.
  if (error_fd != 3) {
    if (dup3(error_fd, 3, O_CLOEXEC) < 0) ChildFail(error_fd, kRedirect);
    error_fd = 3;
  }
  if (close_range(4, ~0U, 0) != 0) {
    for (int fd = 4; fd < 65536; ++fd) close(fd);
  }
  // The test process may block or ignore signals (the server under test
  // blocks SIGINT and SIGTERM for its sigwait thread); both are inherited.
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int signal_number = 1; signal_number < NSIG; ++signal_number) {
    struct sigaction action = {};
    action.sa_handler = SIG_DFL;
    sigaction(signal_number, &action, nullptr);
  }
  // Its own session: a terminal's Ctrl-C goes to the test, not the server.
  setsid();
  if (plan.switch_user) {
    if (setgroups(1, &plan.gid) != 0) ChildFail(error_fd, kSetGroups);
    if (setgid(plan.gid) != 0) ChildFail(error_fd, kSetGid);
    if (setuid(plan.uid) != 0) ChildFail(error_fd, kSetUid);
  }
  // After setuid, which clears the parent-death signal.
  if (plan.die_with_parent) {
    if (prctl(PR_SET_PDEATHSIG, plan.parent_death_signal) != 0) {
      ChildFail(error_fd, kParentDeath);
    }
    if (getppid() != plan.parent) _exit(127);
  }
  if (chdir(plan.cwd) != 0) ChildFail(error_fd, kChdir);
  execve(plan.argv[0], plan.argv.data(), plan.envp.data());
  ChildFail(error_fd, kExec);
}

// The environment of initdb and the server: this process's, without the
// libpq and server variables (PGDATA, PGPORT, ...) and locale settings (the
// messages the start-up checks read are the C locale's), and with the
// server user's HOME when it is another user.
std::vector<std::string> ChildEnvironment(bool switch_user, uid_t uid) {
  std::vector<std::string> environment;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const absl::string_view variable = *entry;
    if (absl::StartsWith(variable, "PG") || absl::StartsWith(variable, "LC_") ||
        absl::StartsWith(variable, "LANG=") ||
        absl::StartsWith(variable, "LANGUAGE=")) {
      continue;
    }
    if (switch_user && (absl::StartsWith(variable, "HOME=") ||
                        absl::StartsWith(variable, "USER=") ||
                        absl::StartsWith(variable, "LOGNAME="))) {
      continue;
    }
    environment.emplace_back(variable);
  }
  environment.push_back("LC_ALL=C");
  if (switch_user) {
    passwd entry;
    passwd* found = nullptr;
    std::vector<char> buffer(16384);
    if (getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found) == 0 &&
        found != nullptr) {
      environment.push_back(absl::StrCat("HOME=", found->pw_dir));
      environment.push_back(absl::StrCat("USER=", found->pw_name));
      environment.push_back(absl::StrCat("LOGNAME=", found->pw_name));
    }
  }
  return environment;
}

struct SpawnSpec {
  std::vector<std::string> argv;  // argv[0] is the program's path.
  std::string cwd;
  std::string log_path;  // stdout and stderr are appended to it
  bool switch_user = false;
  uid_t uid = 0;
  gid_t gid = 0;
  // Sent to the child when this process (its main thread) dies.
  int parent_death_signal = SIGKILL;
};

// Starts spec.argv as a child process; returns its pid once it has executed
// the program (an error when it could not).
absl::StatusOr<pid_t> Spawn(const SpawnSpec& spec) {
  std::vector<std::string> environment =
      ChildEnvironment(spec.switch_user, spec.uid);
  std::vector<std::string> argv = spec.argv;
  ChildPlan plan;
  for (std::string& arg : argv) plan.argv.push_back(arg.data());
  plan.argv.push_back(nullptr);
  for (std::string& variable : environment) {
    plan.envp.push_back(variable.data());
  }
  plan.envp.push_back(nullptr);
  plan.cwd = spec.cwd.c_str();
  plan.switch_user = spec.switch_user;
  plan.uid = spec.uid;
  plan.gid = spec.gid;
  plan.parent = getpid();
  // The parent-death signal is sent when the thread that forked ends, not
  // the process: only a child of the main thread can rely on it.
  plan.die_with_parent = gettid() == getpid();
  plan.parent_death_signal = spec.parent_death_signal;

  plan.log_fd = open(spec.log_path.c_str(),
                     O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (plan.log_fd < 0) return ErrnoError("open " + spec.log_path, errno);
  int error_pipe[2];
  if (pipe2(error_pipe, O_CLOEXEC) != 0) {
    const int error = errno;
    close(plan.log_fd);
    return ErrnoError("pipe2", error);
  }
  plan.error_fd = error_pipe[1];

  const pid_t pid = fork();
  if (pid == 0) RunChild(plan);
  const int fork_error = errno;
  close(plan.log_fd);
  close(error_pipe[1]);
  if (pid < 0) {
    close(error_pipe[0]);
    return ErrnoError("fork", fork_error);
  }
  int message[2] = {0, 0};
  ssize_t got = 0;
  do {
    got = read(error_pipe[0], message, sizeof message);
  } while (got < 0 && errno == EINTR);
  close(error_pipe[0]);
  if (got == static_cast<ssize_t>(sizeof message)) {
    WaitBlocking(pid);
    return absl::InternalError(absl::StrCat(
        "cannot run ", spec.argv[0], " as uid ", spec.uid, ": ",
        StageName(message[0]), " failed: ", std::strerror(message[1])));
  }
  return pid;
}

using Connection = std::unique_ptr<PGconn, decltype(&PQfinish)>;
using Result = std::unique_ptr<PGresult, decltype(&PQclear)>;

void IgnoreNotice(void*, const char*) {}

std::string TrimmedMessage(const char* message) {
  return std::string(absl::StripTrailingAsciiWhitespace(message));
}

absl::StatusOr<Connection> Connect(const std::string& uri) {
  Connection connection(PQconnectdb(uri.c_str()), &PQfinish);
  if (connection == nullptr) {
    return absl::ResourceExhaustedError("PQconnectdb: out of memory");
  }
  if (PQstatus(connection.get()) != CONNECTION_OK) {
    return absl::UnavailableError(
        absl::StrCat("cannot connect to ", uri, ": ",
                     TrimmedMessage(PQerrorMessage(connection.get()))));
  }
  // NOTICEs (DROP ... IF EXISTS and the like) would go to stderr.
  PQsetNoticeProcessor(connection.get(), &IgnoreNotice, nullptr);
  return connection;
}

absl::StatusOr<Result> Run(PGconn* connection, const std::string& sql) {
  Result result(PQexec(connection, sql.c_str()), &PQclear);
  if (result == nullptr) {
    return absl::InternalError(
        absl::StrCat("PQexec: ", TrimmedMessage(PQerrorMessage(connection))));
  }
  const ExecStatusType status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK &&
      status != PGRES_EMPTY_QUERY) {
    return absl::InternalError(
        absl::StrCat(PQresStatus(status), ": ",
                     TrimmedMessage(PQresultErrorMessage(result.get())),
                     " (running: ", sql, ")"));
  }
  return result;
}

std::unique_ptr<TestPostgres>& SharedSlot() {
  // Never destroyed itself: the atexit handler Shared registers empties it.
  static auto* const slot = new std::unique_ptr<TestPostgres>();
  return *slot;
}

}  // namespace

TestPostgres::TestPostgres(std::string directory, std::string bin_dir,
                           uid_t server_uid, gid_t server_gid, bool switch_user,
                           const TestPostgresOptions& options)
    : directory_(std::move(directory)),
      bin_dir_(std::move(bin_dir)),
      server_uid_(server_uid),
      server_gid_(server_gid),
      switch_user_(switch_user),
      options_(options),
      owner_pid_(getpid()) {}

absl::StatusOr<std::unique_ptr<TestPostgres>> TestPostgres::Start() {
  return Start(TestPostgresOptions());
}

absl::StatusOr<std::unique_ptr<TestPostgres>> TestPostgres::Start(
    const TestPostgresOptions& options) {
  const std::string bin_dir = BinDir();
  for (const char* program : {"initdb", "postgres"}) {
    const std::string path = absl::StrCat(bin_dir, "/", program);
    if (access(path.c_str(), X_OK) != 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the PostgreSQL server program ", path, " is missing (",
          std::strerror(errno),
          "): install postgresql-15 (tools/setup.sh does) or set "
          "REFUND_PG_BINDIR to the directory of initdb and postgres (now ",
          std::getenv("REFUND_PG_BINDIR") != nullptr ? "from REFUND_PG_BINDIR"
                                                     : "as found at build time",
          ")"));
    }
  }

  // PostgreSQL refuses to run as root: then the cluster is the postgres
  // user's.
  const bool switch_user = geteuid() == 0;
  uid_t uid = geteuid();
  gid_t gid = getegid();
  if (switch_user) {
    passwd entry;
    passwd* found = nullptr;
    std::vector<char> buffer(16384);
    if (getpwnam_r("postgres", &entry, buffer.data(), buffer.size(), &found) !=
            0 ||
        found == nullptr) {
      return absl::FailedPreconditionError(
          "running as root, and there is no user 'postgres' to run the "
          "PostgreSQL test cluster as (PostgreSQL refuses to run as root; "
          "the postgresql-15 package creates the user)");
    }
    if (found->pw_uid == 0) {
      return absl::FailedPreconditionError(
          "the user 'postgres' is root: PostgreSQL refuses to run as it");
    }
    uid = found->pw_uid;
    gid = found->pw_gid;
  }

  std::string directory =
      absl::StrCat(TempParent(uid, gid), "/refund-pg-XXXXXX");
  if (mkdtemp(directory.data()) == nullptr) {
    return ErrnoError("mkdtemp " + directory, errno);
  }
  if (switch_user && chown(directory.c_str(), uid, gid) != 0) {
    const int error = errno;
    std::error_code ignored;
    std::filesystem::remove_all(directory, ignored);
    return ErrnoError("chown " + directory + " to postgres", error);
  }
  // From here on the destructor removes the directory.
  std::unique_ptr<TestPostgres> cluster(new TestPostgres(
      std::move(directory), bin_dir, uid, gid, switch_user, options));
  RETURN_IF_ERROR(cluster->InitDb());

  absl::MutexLock lock(&cluster->mu_);
  const bool pick_port = options.tcp && options.tcp_port == 0;
  for (int attempt = 1;; ++attempt) {
    if (pick_port) {
      ASSIGN_OR_RETURN(cluster->port_, FreeTcpPort());
    } else {
      cluster->port_ = options.tcp ? options.tcp_port : kSocketOnlyPort;
    }
    absl::Status started = cluster->StartServerLocked();
    if (started.ok()) break;
    // The free port was taken before the server could bind it.
    if (!pick_port || attempt == kPortAttempts ||
        !absl::StrContains(started.message(), "Address already in use")) {
      return started;
    }
  }
  return cluster;
}

TestPostgres& TestPostgres::Shared() {
  static TestPostgres* const shared = [] {
    absl::StatusOr<std::unique_ptr<TestPostgres>> started = Start();
    if (!started.ok()) {
      std::fprintf(stderr,
                   "\nTestPostgres::Shared: cannot start the PostgreSQL test "
                   "cluster; the tests that need it cannot run.\n%s\n",
                   started.status().ToString().c_str());
      std::fflush(stderr);
      std::abort();
    }
    SharedSlot() = *std::move(started);
    std::atexit([] { SharedSlot().reset(); });
    return SharedSlot().get();
  }();
  return *shared;
}

TestPostgres::~TestPostgres() {
  // A forked child (a death test, a child that exits through exit()) shares
  // this object but not the server.
  if (getpid() != owner_pid_) return;
  {
    absl::MutexLock lock(&mu_);
    // The data is thrown away: an immediate shutdown, without the shutdown
    // checkpoint's writes and fsyncs (seconds on a slow disk).
    const absl::Status stopped = StopLocked(SIGQUIT);
    if (!stopped.ok()) {
      std::fprintf(stderr, "TestPostgres: stopping %s: %s\n",
                   directory_.c_str(), stopped.ToString().c_str());
    }
  }
  RemoveStaleSharedMemory(data_directory());
  std::error_code ignored;
  std::filesystem::remove_all(directory_, ignored);
}

std::string TestPostgres::data_directory() const {
  return directory_ + "/data";
}

std::string TestPostgres::log_path() const {
  return directory_ + "/postgres.log";
}

std::string TestPostgres::Uri(const std::string& database) const {
  return absl::StrCat("postgresql:///", PercentEncode(database, false),
                      "?host=", PercentEncode(directory_, true),
                      "&port=", port_, "&user=postgres");
}

std::string TestPostgres::TcpUri(const std::string& database) const {
  if (!options_.tcp) {
    std::fprintf(stderr,
                 "TestPostgres::TcpUri: the cluster was started without "
                 "TestPostgresOptions::tcp\n");
    std::abort();
  }
  return absl::StrCat("postgresql://127.0.0.1:", port_, "/",
                      PercentEncode(database, false), "?user=postgres");
}

std::string TestPostgres::ConnectionUri(
    const std::string& database_or_uri) const {
  if (absl::StartsWith(database_or_uri, "postgresql://") ||
      absl::StartsWith(database_or_uri, "postgres://")) {
    return database_or_uri;
  }
  return Uri(database_or_uri);
}

absl::StatusOr<std::string> TestPostgres::CreateDatabase(
    const std::string& prefix) {
  std::string name;
  for (const char c : prefix.substr(0, 40)) {
    const char lower = absl::ascii_tolower(static_cast<unsigned char>(c));
    name.push_back(absl::ascii_isalnum(static_cast<unsigned char>(lower)) ||
                           lower == '_'
                       ? lower
                       : '_');
  }
  if (name.empty()) name = "db";
  absl::StrAppend(&name, "_", ++databases_made_);
  RETURN_IF_ERROR(Execute(
      "postgres", absl::StrCat("CREATE DATABASE ", QuoteIdentifier(name),
                               " TEMPLATE template1")));
  return Uri(name);
}

absl::Status TestPostgres::Execute(const std::string& database,
                                   const std::string& sql) const {
  ASSIGN_OR_RETURN(Connection connection, Connect(ConnectionUri(database)));
  return Run(connection.get(), sql).status();
}

absl::StatusOr<TestPostgresRows> TestPostgres::Query(
    const std::string& database, const std::string& sql) const {
  ASSIGN_OR_RETURN(Connection connection, Connect(ConnectionUri(database)));
  ASSIGN_OR_RETURN(Result result, Run(connection.get(), sql));
  TestPostgresRows rows(PQntuples(result.get()));
  const int columns = PQnfields(result.get());
  for (int row = 0; row < static_cast<int>(rows.size()); ++row) {
    for (int column = 0; column < columns; ++column) {
      if (PQgetisnull(result.get(), row, column)) {
        rows[row].emplace_back(std::nullopt);
      } else {
        rows[row].emplace_back(std::string(
            PQgetvalue(result.get(), row, column),
            static_cast<size_t>(PQgetlength(result.get(), row, column))));
      }
    }
  }
  return rows;
}

absl::Status TestPostgres::InitDb() {
  SpawnSpec spec;
  spec.argv = {bin_dir_ + "/initdb", "--pgdata=" + data_directory(),
               "--auth=trust", "--username=postgres", "--encoding=UTF8",
               "--locale=C",
               // A throwaway cluster: its template files need not be on disk
               // before the server starts (the server's own writes are
               // fsync'd).
               "--no-sync", "--no-instructions"};
  spec.cwd = directory_;
  spec.log_path = log_path();
  spec.switch_user = switch_user_;
  spec.uid = server_uid_;
  spec.gid = server_gid_;
  ASSIGN_OR_RETURN(const pid_t pid, Spawn(spec));
  absl::StatusOr<int> status = WaitForExit(pid, kInitDbTimeout);
  if (!status.ok()) {
    kill(pid, SIGKILL);
    WaitBlocking(pid);
    return absl::DeadlineExceededError(absl::StrCat(
        "initdb did not finish within ", absl::FormatDuration(kInitDbTimeout),
        "; ", LogTail(log_path())));
  }
  if (!WIFEXITED(*status) || WEXITSTATUS(*status) != 0) {
    return absl::InternalError(absl::StrCat("initdb failed (",
                                            DescribeWaitStatus(*status), "); ",
                                            LogTail(log_path())));
  }
  return absl::OkStatus();
}

absl::Status TestPostgres::StartServerLocked() {
  SpawnSpec spec;
  spec.argv = {bin_dir_ + "/postgres", "-D", data_directory(), "-p",
               absl::StrCat(port_)};
  // A list setting: quoted, so that any directory name is one entry.
  std::string socket_directory = "\"";
  for (const char c : directory_) {
    if (c == '"') socket_directory.push_back('"');
    socket_directory.push_back(c);
  }
  socket_directory.push_back('"');
  std::vector<std::pair<std::string, std::string>> settings = {
      {"listen_addresses", options_.tcp ? "127.0.0.1" : ""},
      {"unix_socket_directories", socket_directory},
      {"max_connections", "100"},
      {"shared_buffers", "32MB"},
      {"fsync", "on"},
      {"synchronous_commit", "on"},
      {"full_page_writes", "on"},
      {"logging_collector", "off"},
      // Crash recovery first syncs the whole data directory, ~1,000 files
      // initdb --no-sync left unsynced: 3-4 s of fsync calls here, 0.15 s as
      // one syncfs. The commits under test are fsync'd as always.
      {"recovery_init_sync_method", "syncfs"},
  };
  settings.insert(settings.end(), options_.settings.begin(),
                  options_.settings.end());
  for (const auto& [name, value] : settings) {
    spec.argv.push_back("-c");
    spec.argv.push_back(absl::StrCat(name, "=", value));
  }
  spec.cwd = directory_;
  spec.log_path = log_path();
  spec.switch_user = switch_user_;
  spec.uid = server_uid_;
  spec.gid = server_gid_;
  // An immediate shutdown: the postmaster stops its children and removes
  // its shared memory.
  spec.parent_death_signal = SIGQUIT;
  ASSIGN_OR_RETURN(const pid_t pid, Spawn(spec));
  postmaster_pid_ = pid;

  const std::string ping_uri = Uri("postgres") + "&connect_timeout=5";
  const absl::Time deadline = absl::Now() + kStartTimeout;
  while (true) {
    int status = 0;
    const pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) {
      postmaster_pid_ = 0;
      return absl::InternalError(absl::StrCat(
          "the PostgreSQL server in ", directory_, " exited while starting (",
          DescribeWaitStatus(status), "); ", LogTail(log_path())));
    }
    if (PidFileSaysReady(data_directory(), pid) &&
        PQping(ping_uri.c_str()) == PQPING_OK) {
      return absl::OkStatus();
    }
    if (absl::Now() >= deadline) {
      absl::Status killed = KillLocked();
      return absl::DeadlineExceededError(
          absl::StrCat("the PostgreSQL server in ", directory_,
                       " did not accept connections within ",
                       absl::FormatDuration(kStartTimeout), " (killed",
                       killed.ok() ? "" : absl::StrCat(": ", killed.message()),
                       "); ", LogTail(log_path())));
    }
    absl::SleepFor(kPollInterval);
  }
}

absl::Status TestPostgres::Stop() {
  absl::MutexLock lock(&mu_);
  return StopLocked(SIGINT);
}

absl::Status TestPostgres::StopLocked(int signal_number) {
  if (postmaster_pid_ == 0) return absl::OkStatus();
  const pid_t pid = postmaster_pid_;
  if (kill(pid, signal_number) != 0 && errno != ESRCH) {
    return ErrnoError("signalling the PostgreSQL server", errno);
  }
  absl::StatusOr<int> status = WaitForExit(pid, kStopTimeout);
  if (!status.ok()) {
    const absl::Status killed = KillLocked();
    return absl::DeadlineExceededError(absl::StrCat(
        "the PostgreSQL server in ", directory_, " did not stop within ",
        absl::FormatDuration(kStopTimeout), " of signal ", signal_number,
        " (killed", killed.ok() ? "" : absl::StrCat(": ", killed.message()),
        "); ", LogTail(log_path())));
  }
  postmaster_pid_ = 0;
  if (!WIFEXITED(*status) || WEXITSTATUS(*status) != 0) {
    return absl::InternalError(
        absl::StrCat("the PostgreSQL server in ", directory_, " stopped with ",
                     DescribeWaitStatus(*status), "; ", LogTail(log_path())));
  }
  return absl::OkStatus();
}

absl::Status TestPostgres::StartAgain() {
  absl::MutexLock lock(&mu_);
  if (postmaster_pid_ != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("the PostgreSQL server in ", directory_,
                     " is running (pid ", postmaster_pid_, ")"));
  }
  return StartServerLocked();
}

absl::Status TestPostgres::Kill() {
  absl::MutexLock lock(&mu_);
  return KillLocked();
}

absl::Status TestPostgres::KillLocked() {
  if (postmaster_pid_ == 0) return absl::OkStatus();
  const pid_t pid = postmaster_pid_;
  // Read before the kill: once the postmaster is gone its children belong to
  // init.
  const std::vector<pid_t> children = ChildrenOf(pid);
  kill(pid, SIGKILL);
  for (const pid_t child : children) kill(child, SIGKILL);
  WaitBlocking(pid);
  postmaster_pid_ = 0;
  return WaitForSharedMemoryRelease(data_directory(), kReleaseTimeout);
}

pid_t TestPostgres::postmaster_pid() const {
  absl::MutexLock lock(&mu_);
  return postmaster_pid_;
}

}  // namespace refund::testing
