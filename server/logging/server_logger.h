// refund-server's log lines (spdlog): one line per event, as text
//   2026-12-07T20:56:14.123Z info call method="..." status="OK" latency_ms=0.8
// or as JSON, one object per line
//   {"time":"2026-12-07T20:56:14.123Z","level":"info","event":"call",...}
// Times in UTC (RFC 3339, milliseconds). Lines are handed to a thread that
// writes them ("log-lines"): a slow standard error never holds a gRPC
// thread; when 8192 lines wait, the oldest are dropped. The writing thread
// gathers lines into writes of up to 64 KiB: a line reaches its file within
// a second (at once for warnings and errors, and on Flush).
#ifndef SERVER_LOGGING_SERVER_LOGGER_H_
#define SERVER_LOGGING_SERVER_LOGGER_H_

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace spdlog {
class logger;
namespace details {
class thread_pool;
}  // namespace details
}  // namespace spdlog

namespace refund::server {

// The lowest level written; kOff writes nothing.
enum class LogLevel { kInfo, kWarn, kError, kOff };
enum class LogFormat { kText, kJson };

// "info", "warn", "error", "off"; INVALID_ARGUMENT naming --log_level.
absl::StatusOr<LogLevel> ParseLogLevel(absl::string_view text);
// "text", "json"; INVALID_ARGUMENT naming --log_format.
absl::StatusOr<LogFormat> ParseLogFormat(absl::string_view text);

// One field of a line: a string (quoted and escaped), an integer or a
// number.
class LogField {
 public:
  LogField(absl::string_view key, absl::string_view value)
      : key_(key), kind_(Kind::kString), text_(value) {}
  LogField(absl::string_view key, const char* value)
      : key_(key), kind_(Kind::kString), text_(value) {}
  LogField(absl::string_view key, const std::string& value)
      : key_(key), kind_(Kind::kString), text_(value) {}
  LogField(absl::string_view key, int64_t value)
      : key_(key), kind_(Kind::kInteger), integer_(value) {}
  LogField(absl::string_view key, int value)
      : key_(key), kind_(Kind::kInteger), integer_(value) {}
  LogField(absl::string_view key, double value)
      : key_(key), kind_(Kind::kNumber), number_(value) {}

  // Appends ` key="value"` (text) or `,"key":"value"` (JSON).
  void AppendTo(LogFormat format, std::string& line) const;

 private:
  enum class Kind { kString, kInteger, kNumber };
  absl::string_view key_;
  Kind kind_;
  absl::string_view text_;
  int64_t integer_ = 0;
  double number_ = 0;
};

struct LoggerOptions {
  LogLevel level = LogLevel::kInfo;
  LogFormat format = LogFormat::kText;
  // Append to this file; empty: standard error.
  std::string file;
};

// Thread-safe.
class ServerLogger {
 public:
  // INVALID_ARGUMENT naming --log_file when the file cannot be opened.
  static absl::StatusOr<std::unique_ptr<ServerLogger>> Create(
      const LoggerOptions& options);
  // Writes every line handed over, then stops the writing thread.
  ~ServerLogger();
  ServerLogger(const ServerLogger&) = delete;
  ServerLogger& operator=(const ServerLogger&) = delete;

  // Whether a line at `level` would be written.
  bool Enabled(LogLevel level) const {
    return level != LogLevel::kOff && level >= options_.level;
  }
  LogFormat format() const { return options_.format; }

  // Asks the writing thread to write what it holds now.
  void Flush();

  // Writes one line, `event` then `fields` (nothing when not Enabled).
  void Log(LogLevel level, absl::string_view event,
           std::initializer_list<LogField> fields);

 private:
  explicit ServerLogger(const LoggerOptions& options) : options_(options) {}

  const LoggerOptions options_;
  std::shared_ptr<spdlog::details::thread_pool> pool_;
  std::shared_ptr<spdlog::logger> logger_;
};

}  // namespace refund::server

#endif  // SERVER_LOGGING_SERVER_LOGGER_H_
