#include "server/log/log_spec.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "engine/base/status_macros.h"

namespace refund::server {
namespace {

constexpr absl::string_view kSchemes[] = {"postgresql://", "postgres://"};

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// `text` with its %XX escapes decoded; `part` names it in the error.
absl::StatusOr<std::string> PercentDecode(absl::string_view text,
                                          absl::string_view part) {
  std::string decoded;
  decoded.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      decoded.push_back(text[i]);
      continue;
    }
    const int high = i + 2 < text.size() ? HexValue(text[i + 1]) : -1;
    const int low = i + 2 < text.size() ? HexValue(text[i + 2]) : -1;
    if (high < 0 || low < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("not a valid PostgreSQL URI: a % in its ", part,
                       " is not followed by two hex digits (write % as %25)"));
    }
    const char byte = static_cast<char>(high * 16 + low);
    if (byte == '\0') {
      return absl::InvalidArgumentError(
          absl::StrCat("not a valid PostgreSQL URI: its ", part, " holds %00"));
    }
    decoded.push_back(byte);
    i += 2;
  }
  return decoded;
}

absl::string_view StripScheme(absl::string_view spec) {
  for (absl::string_view scheme : kSchemes) {
    if (absl::StartsWith(spec, scheme)) return spec.substr(scheme.size());
  }
  return spec;
}

// Reads the host list at the front of `rest` (up to `/`, `?` or the end)
// into `uri`, and drops it from `rest`.
absl::Status ReadHosts(absl::string_view& rest, PostgresUri& uri) {
  for (;;) {
    std::string host;
    if (!rest.empty() && rest.front() == '[') {
      const size_t close = rest.find(']');
      if (close == absl::string_view::npos) {
        return absl::InvalidArgumentError(
            "not a valid PostgreSQL URI: no \"]\" closes the IPv6 address "
            "after \"[\"");
      }
      if (close == 1) {
        return absl::InvalidArgumentError(
            "not a valid PostgreSQL URI: an empty IPv6 address \"[]\"");
      }
      host = std::string(rest.substr(0, close + 1));
      rest.remove_prefix(close + 1);
      if (!rest.empty() && absl::string_view(":/?,").find(rest.front()) ==
                               absl::string_view::npos) {
        return absl::InvalidArgumentError(absl::StrCat(
            "not a valid PostgreSQL URI: \"", rest.substr(0, 1),
            "\" follows an IPv6 address (expected \":\", \"/\", \"?\" or "
            "\",\")"));
      }
    } else {
      const size_t end = rest.find_first_of(":/?,");
      ASSIGN_OR_RETURN(host, PercentDecode(rest.substr(0, end), "host"));
      rest.remove_prefix(end == absl::string_view::npos ? rest.size() : end);
    }
    if (!host.empty()) uri.hosts.push_back(std::move(host));
    if (!rest.empty() && rest.front() == ':') {
      // The port, not kept.
      const size_t end = rest.find_first_of("/?,");
      rest.remove_prefix(end == absl::string_view::npos ? rest.size() : end);
    }
    if (rest.empty() || rest.front() != ',') return absl::OkStatus();
    rest.remove_prefix(1);
  }
}

}  // namespace

bool IsPostgresUri(absl::string_view spec) {
  return StripScheme(spec).size() != spec.size();
}

absl::StatusOr<PostgresUri> ParsePostgresUri(absl::string_view spec) {
  if (!IsPostgresUri(spec)) {
    return absl::InvalidArgumentError(
        "not a PostgreSQL URI (postgresql://... or postgres://...)");
  }
  absl::string_view rest = StripScheme(spec);
  PostgresUri uri;
  // As libpq reads it: an `@` before the first `/` ends the user part, and
  // the first `:` in it starts the password.
  const size_t at = rest.substr(0, rest.find('/')).find('@');
  if (at != absl::string_view::npos) {
    const absl::string_view user_part = rest.substr(0, at);
    const size_t colon = user_part.find(':');
    uri.has_password = colon != absl::string_view::npos;
    ASSIGN_OR_RETURN(uri.user,
                     PercentDecode(user_part.substr(0, colon), "user name"));
    if (uri.has_password) {
      // Checked as libpq would, but never kept.
      RETURN_IF_ERROR(
          PercentDecode(user_part.substr(colon + 1), "password").status());
    }
    rest.remove_prefix(at + 1);
  }
  RETURN_IF_ERROR(ReadHosts(rest, uri));
  if (!rest.empty() && rest.front() == '/') {
    rest.remove_prefix(1);
    const size_t query = rest.find('?');
    ASSIGN_OR_RETURN(uri.database,
                     PercentDecode(rest.substr(0, query), "database name"));
    rest.remove_prefix(query == absl::string_view::npos ? rest.size() : query);
  }
  if (!rest.empty()) {
    // ReadHosts and the database name stop only at the query's `?`.
    rest.remove_prefix(1);
    for (absl::string_view parameter :
         absl::StrSplit(rest, '&', absl::SkipEmpty())) {
      const std::vector<absl::string_view> halves =
          absl::StrSplit(parameter, '=');
      if (halves.size() != 2) {
        return absl::InvalidArgumentError(
            absl::StrCat("not a valid PostgreSQL URI: a query parameter ",
                         halves.size() < 2 ? "without" : "with more than one",
                         " \"=\" (name=value, separated by \"&\")"));
      }
      ASSIGN_OR_RETURN(std::string name,
                       PercentDecode(halves[0], "query parameter name"));
      ASSIGN_OR_RETURN(std::string value,
                       PercentDecode(halves[1], "query parameter value"));
      uri.parameters.emplace_back(std::move(name), std::move(value));
    }
  }
  return uri;
}

absl::Status CheckLogSpecHasNoPassword(absl::string_view spec) {
  if (!IsPostgresUri(spec)) return absl::OkStatus();
  ASSIGN_OR_RETURN(PostgresUri uri, ParsePostgresUri(spec));
  bool has_password = uri.has_password;
  for (const auto& [name, value] : uri.parameters) {
    has_password = has_password || name == "password";
  }
  if (!has_password) return absl::OkStatus();
  return absl::InvalidArgumentError(
      "the PostgreSQL URI holds a password (user:PASSWORD@ or password=), "
      "and every user of this machine can read a command line: give the "
      "password in a password file (PGPASSFILE, default ~/.pgpass, mode "
      "0600) or in the PGPASSWORD environment variable instead");
}

}  // namespace refund::server
