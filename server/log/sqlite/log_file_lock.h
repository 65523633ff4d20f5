// One writing process per SQLite log file: an advisory lock (flock) on a
// file next to it, `<path>.lock`, held for as long as the log is open for
// writing. A second server (or `refundctl migrate` into the same file)
// started on a log another process writes is refused at open, before it
// touches the file: two writers would each keep their own chain head and
// fork the hash chain. Readers (snapshots, verify, export) take no lock.
//
// The lock is the kernel's: it is released when the holder exits, however it
// exits (SIGKILL included), so a crash never leaves a stale lock behind; the
// lock file itself stays and is reused. The holder writes its pid into the
// file, for the refusal's message only.
#ifndef SERVER_LOG_SQLITE_LOG_FILE_LOCK_H_
#define SERVER_LOG_SQLITE_LOG_FILE_LOCK_H_

#include <string>

#include "absl/status/statusor.h"

namespace refund::server {

class LogFileLock {
 public:
  // The lock file's name for the log at `log_path`.
  static std::string LockPathFor(const std::string& log_path);

  // Takes the lock of the log at `log_path` (creating the lock file with
  // `mode`). FAILED_PRECONDITION naming the log and the holder's pid when
  // another open file holds it (another process, or another writer of this
  // one); UNAVAILABLE when the lock file cannot be created.
  static absl::StatusOr<LogFileLock> Acquire(const std::string& log_path,
                                             int mode);

  LogFileLock(LogFileLock&& other) noexcept;
  LogFileLock& operator=(LogFileLock&& other) noexcept;
  LogFileLock(const LogFileLock&) = delete;
  LogFileLock& operator=(const LogFileLock&) = delete;
  // Releases the lock.
  ~LogFileLock();

 private:
  explicit LogFileLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace refund::server

#endif  // SERVER_LOG_SQLITE_LOG_FILE_LOCK_H_
