// refund-server's --pid_file: the pid of a serving server, for
// `kill -HUP $(cat FILE)` and init scripts, instead of pidof (which signals
// every refund-server on the machine).
#ifndef SERVER_GRPC_PID_FILE_H_
#define SERVER_GRPC_PID_FILE_H_

#include <string>

#include "absl/status/statusor.h"

namespace refund::server {

class PidFile {
 public:
  // Replaces `path` (written beside it, then renamed) with this process's
  // pid and a newline. UNAVAILABLE naming the path when it cannot.
  static absl::StatusOr<PidFile> Write(const std::string& path);

  PidFile(PidFile&& other) noexcept;
  PidFile& operator=(PidFile&&) = delete;
  PidFile(const PidFile&) = delete;
  PidFile& operator=(const PidFile&) = delete;
  // Removes the file if it still holds this process's pid (another server
  // started on the same file since keeps its own).
  ~PidFile();

 private:
  explicit PidFile(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

}  // namespace refund::server

#endif  // SERVER_GRPC_PID_FILE_H_
