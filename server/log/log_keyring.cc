#include "server/log/log_keyring.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "engine/base/status_macros.h"

namespace refund::server {
namespace {

constexpr size_t kKeyHexSize = 2 * BlobCipher::kKeySize;
constexpr off_t kMaxKeyFileSize = 1 << 20;

bool IsKeyIdChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' ||
         c == '_' || c == '-';
}

bool IsHex(absl::string_view text) {
  for (char c : text) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// Wipes a string holding key material before it is freed.
class Wiped {
 public:
  explicit Wiped(std::string& text) : text_(text) {}
  ~Wiped() { OPENSSL_cleanse(text_.data(), text_.size()); }
  Wiped(const Wiped&) = delete;
  Wiped& operator=(const Wiped&) = delete;

 private:
  std::string& text_;
};

}  // namespace

absl::StatusOr<std::shared_ptr<const LogKeyring>> LogKeyring::Parse(
    absl::string_view text, absl::string_view source) {
  std::vector<std::pair<std::string, std::unique_ptr<const BlobCipher>>> keys;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    // The messages name the line, never quote it: it may hold a key.
    auto bad = [&](absl::string_view why) {
      return absl::InvalidArgumentError(
          absl::StrCat(source, " line ", line_number, ": ", why));
    };
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line.front() == '#') continue;
    std::vector<absl::string_view> fields =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (fields.size() != 2) {
      return bad("expected `<key id> <64 hex digits>`");
    }
    const absl::string_view id = fields[0];
    const absl::string_view hex = fields[1];
    if (id.size() > kMaxKeyIdSize) {
      return bad(absl::StrCat("the key id is longer than ", kMaxKeyIdSize,
                              " characters"));
    }
    for (char c : id) {
      if (!IsKeyIdChar(c)) {
        return bad("the key id may hold only A-Z a-z 0-9 . _ -");
      }
    }
    if (hex.size() != kKeyHexSize || !IsHex(hex)) {
      return bad(absl::StrCat("the key must be ", kKeyHexSize,
                              " hex digits (openssl rand -hex 32)"));
    }
    for (const auto& [known, cipher] : keys) {
      if (known == id) {
        return bad(absl::StrCat("key id \"", id, "\" is given twice"));
      }
    }
    std::string key = absl::HexStringToBytes(hex);
    Wiped wipe(key);
    ASSIGN_OR_RETURN(std::unique_ptr<const BlobCipher> cipher,
                     BlobCipher::Create(key));
    keys.emplace_back(std::string(id), std::move(cipher));
  }
  if (keys.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        source, ": no key (a line `<key id> <64 hex digits>` is needed)"));
  }
  return std::shared_ptr<const LogKeyring>(new LogKeyring(std::move(keys)));
}

absl::StatusOr<std::shared_ptr<const LogKeyring>> LogKeyring::ReadFile(
    const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    const std::string message =
        absl::StrCat("key file ", path, ": ", std::strerror(errno));
    return errno == ENOENT   ? absl::NotFoundError(message)
           : errno == EACCES ? absl::PermissionDeniedError(message)
                             : absl::UnavailableError(message);
  }
  std::string text;
  Wiped wipe(text);
  absl::Status status;
  struct stat info;
  if (fstat(fd, &info) != 0) {
    status = absl::UnavailableError(
        absl::StrCat("key file ", path, ": ", std::strerror(errno)));
  } else if (!S_ISREG(info.st_mode)) {
    status = absl::FailedPreconditionError(
        absl::StrCat("key file ", path, ": not a regular file"));
  } else if ((info.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o",
                  static_cast<unsigned>(info.st_mode & 07777));
    status = absl::FailedPreconditionError(absl::StrCat(
        "key file ", path, ": group or others may access it (mode ", mode,
        "); it holds keys: chmod 600 ", path));
  } else if (info.st_size > kMaxKeyFileSize) {
    status = absl::FailedPreconditionError(
        absl::StrCat("key file ", path, ": larger than 1 MiB"));
  } else {
    text.resize(static_cast<size_t>(info.st_size));
    size_t done = 0;
    while (done < text.size()) {
      const ssize_t n = read(fd, text.data() + done, text.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    text.resize(done);
  }
  close(fd);
  if (!status.ok()) return status;
  return Parse(text, absl::StrCat("key file ", path));
}

std::vector<std::string> LogKeyring::key_ids() const {
  std::vector<std::string> ids;
  for (const auto& [id, cipher] : keys_) ids.push_back(id);
  return ids;
}

const BlobCipher* LogKeyring::Find(absl::string_view key_id) const {
  for (const auto& [id, cipher] : keys_) {
    if (id == key_id) return cipher.get();
  }
  return nullptr;
}

bool LogKeyring::Holds(absl::string_view key_id) const {
  return Find(key_id) != nullptr;
}

absl::StatusOr<std::string> LogKeyring::Seal(
    BlobRole role, absl::string_view decision_id,
    absl::string_view plaintext) const {
  return keys_.back().second->Seal(plaintext, BlobAad(role, decision_id));
}

absl::StatusOr<std::string> LogKeyring::Open(absl::string_view key_id,
                                             BlobRole role,
                                             absl::string_view decision_id,
                                             absl::string_view blob) const {
  const BlobCipher* cipher = Find(key_id);
  if (cipher == nullptr) {
    return absl::FailedPreconditionError(KeyNotHeldMessage(this, key_id));
  }
  return cipher->Open(blob, BlobAad(role, decision_id));
}

std::string KeyNotHeldMessage(const LogKeyring* keyring,
                              absl::string_view key_id) {
  return absl::StrCat("encrypted with key \"", key_id, "\", ",
                      keyring == nullptr ? "and no key file was given"
                                         : "which the key file does not hold");
}

absl::StatusOr<std::string> OpenStoredBlob(const LogKeyring* keyring,
                                           absl::string_view key_id,
                                           BlobRole role,
                                           absl::string_view decision_id,
                                           std::string stored) {
  if (key_id.empty()) return stored;
  if (keyring == nullptr) {
    return absl::FailedPreconditionError(KeyNotHeldMessage(nullptr, key_id));
  }
  return keyring->Open(key_id, role, decision_id, stored);
}

absl::Status CheckKeysHeld(const std::vector<std::string>& stored_key_ids,
                           const LogKeyring* keyring) {
  std::vector<std::string> missing;
  for (const std::string& id : stored_key_ids) {
    if (keyring == nullptr || !keyring->Holds(id)) {
      missing.push_back(absl::StrCat("\"", id, "\""));
    }
  }
  if (missing.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "decision log: rows are encrypted with key",
      missing.size() > 1 ? "s " : " ", absl::StrJoin(missing, ", "), ", which ",
      keyring == nullptr ? "cannot be read without a key file"
                         : "the key file does not hold",
      "; give --log_key_file a file with ",
      missing.size() > 1 ? "them" : "it"));
}

}  // namespace refund::server
