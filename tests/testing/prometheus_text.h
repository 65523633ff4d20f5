// A small reader of Prometheus' text exposition format (version 0.0.4), as
// refund-server's metrics endpoint serves it, and an HTTP GET to fetch it:
// enough for tests to assert on scraped values.
#ifndef TESTS_TESTING_PROMETHEUS_TEXT_H_
#define TESTS_TESTING_PROMETHEUS_TEXT_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace refund::testing {

struct PrometheusSample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

struct PrometheusScrape {
  std::vector<PrometheusSample> samples;
  // From the `# TYPE name type` lines.
  std::map<std::string, std::string> types;

  // The sum of the samples named `name` whose labels include every one of
  // `labels` (0 when none match).
  double Sum(const std::string& name,
             const std::map<std::string, std::string>& labels = {}) const;
  // How many samples named `name` include `labels`.
  int Count(const std::string& name,
            const std::map<std::string, std::string>& labels = {}) const;
};

// INVALID_ARGUMENT naming the line that is not a comment, a blank line or
// `name{label="value",...} value`.
absl::StatusOr<PrometheusScrape> ParsePrometheusText(absl::string_view text);

// GET http://host:port/path over a fresh TCP connection (HTTP/1.0): the
// body of a 200 answer; an error otherwise.
absl::StatusOr<std::string> HttpGet(const std::string& host, int port,
                                    const std::string& path);

}  // namespace refund::testing

#endif  // TESTS_TESTING_PROMETHEUS_TEXT_H_
