#include "tests/testing/prometheus_text.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace refund::testing {
namespace {

bool Includes(const std::map<std::string, std::string>& labels,
              const std::map<std::string, std::string>& wanted) {
  for (const auto& [key, value] : wanted) {
    auto it = labels.find(key);
    if (it == labels.end() || it->second != value) return false;
  }
  return true;
}

absl::Status BadLine(absl::string_view line, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("metrics line \"", line, "\": ", why));
}

// `label="value",...}` after the '{': the labels, and `rest` after the '}'.
absl::Status ParseLabels(absl::string_view line, absl::string_view& rest,
                         std::map<std::string, std::string>& labels) {
  for (;;) {
    rest = absl::StripLeadingAsciiWhitespace(rest);
    if (absl::ConsumePrefix(&rest, "}")) return absl::OkStatus();
    const size_t eq = rest.find('=');
    if (eq == absl::string_view::npos) return BadLine(line, "no '='");
    std::string key(absl::StripAsciiWhitespace(rest.substr(0, eq)));
    rest.remove_prefix(eq + 1);
    if (!absl::ConsumePrefix(&rest, "\"")) return BadLine(line, "no '\"'");
    std::string value;
    for (;;) {
      if (rest.empty()) return BadLine(line, "unterminated value");
      const char c = rest.front();
      rest.remove_prefix(1);
      if (c == '"') break;
      if (c == '\\') {
        if (rest.empty()) return BadLine(line, "dangling '\\'");
        const char escaped = rest.front();
        rest.remove_prefix(1);
        value.push_back(escaped == 'n' ? '\n' : escaped);
        continue;
      }
      value.push_back(c);
    }
    labels[key] = std::move(value);
    absl::ConsumePrefix(&rest, ",");
  }
}

}  // namespace

double PrometheusScrape::Sum(
    const std::string& name,
    const std::map<std::string, std::string>& labels) const {
  double sum = 0;
  for (const PrometheusSample& sample : samples) {
    if (sample.name == name && Includes(sample.labels, labels)) {
      sum += sample.value;
    }
  }
  return sum;
}

int PrometheusScrape::Count(
    const std::string& name,
    const std::map<std::string, std::string>& labels) const {
  int count = 0;
  for (const PrometheusSample& sample : samples) {
    if (sample.name == name && Includes(sample.labels, labels)) ++count;
  }
  return count;
}

absl::StatusOr<PrometheusScrape> ParsePrometheusText(absl::string_view text) {
  PrometheusScrape scrape;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty()) continue;
    if (absl::ConsumePrefix(&line, "#")) {
      std::vector<std::string> words =
          absl::StrSplit(line, ' ', absl::SkipEmpty());
      if (words.size() == 3 && words[0] == "TYPE") {
        scrape.types[words[1]] = words[2];
      }
      continue;
    }
    PrometheusSample sample;
    size_t end = 0;
    while (end < line.size() && line[end] != '{' && line[end] != ' ') ++end;
    sample.name = std::string(line.substr(0, end));
    if (sample.name.empty()) return BadLine(line, "no name");
    absl::string_view rest = line.substr(end);
    if (absl::ConsumePrefix(&rest, "{")) {
      if (absl::Status parsed = ParseLabels(line, rest, sample.labels);
          !parsed.ok()) {
        return parsed;
      }
    }
    rest = absl::StripLeadingAsciiWhitespace(rest);
    // A value, then an optional timestamp.
    const std::string value(rest.substr(0, rest.find(' ')));
    if (value == "+Inf") {
      sample.value = HUGE_VAL;
    } else if (value == "-Inf") {
      sample.value = -HUGE_VAL;
    } else if (absl::EqualsIgnoreCase(value, "nan")) {
      sample.value = NAN;
    } else if (!absl::SimpleAtod(value, &sample.value)) {
      return BadLine(line, "the value is not a number");
    }
    scrape.samples.push_back(std::move(sample));
  }
  return scrape;
}

absl::StatusOr<std::string> HttpGet(const std::string& host, int port,
                                    const std::string& path) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return absl::InternalError("socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1) {
    close(fd);
    return absl::InvalidArgumentError(absl::StrCat("not IPv4: ", host));
  }
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    close(fd);
    return absl::UnavailableError(
        absl::StrCat("cannot connect to ", host, ":", port));
  }
  const std::string request =
      absl::StrCat("GET ", path, " HTTP/1.0\r\nHost: ", host, "\r\n\r\n");
  size_t written = 0;
  while (written < request.size()) {
    const ssize_t n =
        write(fd, request.data() + written, request.size() - written);
    if (n <= 0) {
      close(fd);
      return absl::UnavailableError("write failed");
    }
    written += static_cast<size_t>(n);
  }
  std::string answer;
  char buffer[8192];
  for (;;) {
    const ssize_t n = read(fd, buffer, sizeof buffer);
    if (n < 0) {
      close(fd);
      return absl::UnavailableError("read failed");
    }
    if (n == 0) break;
    answer.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  const size_t body = answer.find("\r\n\r\n");
  if (body == std::string::npos) {
    return absl::UnavailableError("no HTTP header end");
  }
  const absl::string_view status_line =
      absl::string_view(answer).substr(0, answer.find("\r\n"));
  if (!absl::StrContains(status_line, " 200")) {
    return absl::UnavailableError(absl::StrCat("HTTP: ", status_line));
  }
  return answer.substr(body + 4);
}

}  // namespace refund::testing
