#include "tests/testing/fault_injection_vfs.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace refund::testing {
namespace {

constexpr char kVfsName[] = "refund-test-fault-injection";
// The name server/log/sqlite/wal_write_combining_vfs.cc registers.
constexpr char kCombiningVfsName[] = "refund-wal-write-combining";

// The WAL's layout (SQLite's file format, "The Write-Ahead Log"): a 32-byte
// header whose bytes 8-11 are the page size, then frames of a 24-byte
// header (page number, then the database size in pages for a commit frame
// and 0 otherwise, both big-endian) and one page.
constexpr int64_t kWalHeaderBytes = 32;
constexpr int64_t kWalFrameHeaderBytes = 24;

uint32_t BigEndian32(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) |
         (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

// The bytes a write or truncate replaced, to put back on a power loss.
struct Undo {
  sqlite3_int64 offset;
  std::string old_bytes;
  sqlite3_int64 old_size;
};

// What SQLite allocates per file: this header, then the base VFS's file.
struct File {
  sqlite3_file base;  // first; base.pMethods = &kMethods
  sqlite3_file* real;
  FileKind kind;           // kAny: a file of another kind (temporary, ...)
  const char* path;        // valid until xClose (SQLite's promise); may be null
  uint32_t wal_page_size;  // 0 until known
};

constexpr size_t kHeaderBytes = (sizeof(File) + 15) & ~size_t{15};

sqlite3_vfs* base_vfs = nullptr;
sqlite3_vfs fault_vfs;

// Everything the tests configure and the undo records.
struct State {
  absl::Mutex mu;
  bool armed ABSL_GUARDED_BY(mu) = false;
  FaultSpec fault ABSL_GUARDED_BY(mu);
  int64_t matched ABSL_GUARDED_BY(mu) = 0;
  int64_t failed ABSL_GUARDED_BY(mu) = 0;
  // [op][kind]
  int64_t calls[2][4] ABSL_GUARDED_BY(mu) = {};
  bool power_cut ABSL_GUARDED_BY(mu) = false;
  // Per path, oldest first.
  std::map<std::string, std::vector<Undo>> unsynced ABSL_GUARDED_BY(mu);
};

State& state() {
  static State* s = new State();
  return *s;
}

File* Of(sqlite3_file* file) { return reinterpret_cast<File*>(file); }
sqlite3_file* RealOf(sqlite3_file* file) { return Of(file)->real; }
const sqlite3_io_methods& Real(sqlite3_file* file) {
  return *RealOf(file)->pMethods;
}

bool Tracked(const File& file) {
  return file.kind != FileKind::kAny && file.path != nullptr;
}

// Whether a write of `amount` bytes at `offset` to a WAL carries the header
// of a frame that `fault` asks for.
bool CarriesFrame(const FaultSpec& fault, uint32_t page_size, const void* data,
                  int amount, sqlite3_int64 offset) {
  if (page_size == 0) return false;
  const int64_t frame_bytes = kWalFrameHeaderBytes + page_size;
  const int64_t end = offset + amount;
  int64_t first = 0;
  if (offset > kWalHeaderBytes) {
    first = (offset - kWalHeaderBytes + frame_bytes - 1) / frame_bytes;
  }
  const auto* bytes = static_cast<const unsigned char*>(data);
  for (int64_t k = first;; ++k) {
    const int64_t header = kWalHeaderBytes + k * frame_bytes;
    if (header + 8 > end) return false;
    const unsigned char* frame = bytes + (header - offset);
    const bool page_ok =
        fault.carrying_page == 0 || BigEndian32(frame) == fault.carrying_page;
    const bool commit_ok =
        !fault.carrying_commit_frame || BigEndian32(frame + 4) != 0;
    if (page_ok && commit_ok) return true;
  }
}

// The WAL's page size, from the write (when it holds the header) or the
// file.
uint32_t WalPageSize(File* file, const void* data, int amount,
                     sqlite3_int64 offset) {
  if (file->wal_page_size != 0) return file->wal_page_size;
  unsigned char header[12];
  if (offset == 0 && amount >= 12) {
    std::memcpy(header, data, sizeof(header));
  } else if (file->real->pMethods->xRead(file->real, header, sizeof(header),
                                         0) != SQLITE_OK) {
    return 0;
  }
  file->wal_page_size = BigEndian32(header + 8);
  return file->wal_page_size;
}

// Counts a call and says whether the armed fault fails it (0) or with
// which code.
int FaultFor(FaultOp op, File* file, const void* data, int amount,
             sqlite3_int64 offset) ABSL_EXCLUSIVE_LOCKS_REQUIRED(state().mu) {
  State& s = state();
  const int op_index = op == FaultOp::kWrite ? 0 : 1;
  ++s.calls[op_index][0];
  if (file->kind != FileKind::kAny) {
    ++s.calls[op_index][static_cast<int>(file->kind)];
  }
  if (!s.armed || s.fault.op != op) return 0;
  if (s.fault.file != FileKind::kAny && s.fault.file != file->kind) return 0;
  if (op == FaultOp::kWrite &&
      (s.fault.carrying_page != 0 || s.fault.carrying_commit_frame)) {
    if (file->kind != FileKind::kWal ||
        !CarriesFrame(s.fault, WalPageSize(file, data, amount, offset), data,
                      amount, offset)) {
      return 0;
    }
  }
  ++s.matched;
  if (s.matched < s.fault.nth) return 0;
  if (s.matched > s.fault.nth && !s.fault.persistent) return 0;
  ++s.failed;
  if (s.fault.error != 0) return s.fault.error;
  return op == FaultOp::kWrite ? SQLITE_IOERR_WRITE : SQLITE_IOERR_FSYNC;
}

// Records what [offset, offset + amount) holds now, and the size, before a
// write or truncate changes it.
int RecordUndo(File* file, sqlite3_int64 offset, sqlite3_int64 amount)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(state().mu) {
  sqlite3_int64 size = 0;
  if (int rc = file->real->pMethods->xFileSize(file->real, &size);
      rc != SQLITE_OK) {
    return rc;
  }
  Undo undo{offset, std::string(), size};
  const sqlite3_int64 kept = std::min(offset + amount, size) - offset;
  if (kept > 0) {
    undo.old_bytes.resize(static_cast<size_t>(kept));
    if (int rc = file->real->pMethods->xRead(file->real, undo.old_bytes.data(),
                                             static_cast<int>(kept), offset);
        rc != SQLITE_OK) {
      return rc;
    }
  }
  state().unsynced[file->path].push_back(std::move(undo));
  return SQLITE_OK;
}

int Close(sqlite3_file* f) { return Real(f).xClose(RealOf(f)); }

int Read(sqlite3_file* f, void* out, int amount, sqlite3_int64 offset) {
  return Real(f).xRead(RealOf(f), out, amount, offset);
}

int Write(sqlite3_file* f, const void* data, int amount, sqlite3_int64 offset) {
  File* file = Of(f);
  State& s = state();
  // Held across the write, so that the undo records of a path are in the
  // order of its writes and a power cut falls between two writes.
  absl::MutexLock lock(&s.mu);
  if (s.power_cut) return SQLITE_IOERR_WRITE;
  if (int rc = FaultFor(FaultOp::kWrite, file, data, amount, offset); rc != 0) {
    return rc;
  }
  if (Tracked(*file)) {
    if (int rc = RecordUndo(file, offset, amount); rc != SQLITE_OK) return rc;
  }
  return Real(f).xWrite(RealOf(f), data, amount, offset);
}

int Truncate(sqlite3_file* f, sqlite3_int64 size) {
  File* file = Of(f);
  State& s = state();
  absl::MutexLock lock(&s.mu);
  if (s.power_cut) return SQLITE_IOERR_TRUNCATE;
  if (Tracked(*file)) {
    sqlite3_int64 old_size = 0;
    if (int rc = Real(f).xFileSize(RealOf(f), &old_size); rc != SQLITE_OK) {
      return rc;
    }
    // The bytes cut off, if any, and the old size (a file grown by a
    // truncate shrinks back).
    if (int rc = RecordUndo(file, size, old_size > size ? old_size - size : 0);
        rc != SQLITE_OK) {
      return rc;
    }
  }
  return Real(f).xTruncate(RealOf(f), size);
}

int Sync(sqlite3_file* f, int flags) {
  File* file = Of(f);
  State& s = state();
  size_t covered = 0;
  {
    absl::MutexLock lock(&s.mu);
    if (s.power_cut) return SQLITE_IOERR_FSYNC;
    if (int rc = FaultFor(FaultOp::kSync, file, nullptr, 0, 0); rc != 0) {
      return rc;
    }
    // A sync covers the writes made before it began, through any handle of
    // the file.
    if (Tracked(*file)) covered = s.unsynced[file->path].size();
  }
  const int rc = Real(f).xSync(RealOf(f), flags);
  absl::MutexLock lock(&s.mu);
  // The power went while it ran: it did not finish.
  if (s.power_cut) return SQLITE_IOERR_FSYNC;
  if (rc == SQLITE_OK && covered > 0) {
    std::vector<Undo>& undo = s.unsynced[file->path];
    undo.erase(undo.begin(),
               undo.begin() +
                   static_cast<std::ptrdiff_t>(std::min(covered, undo.size())));
  }
  return rc;
}

int FileSize(sqlite3_file* f, sqlite3_int64* size) {
  return Real(f).xFileSize(RealOf(f), size);
}
int Lock(sqlite3_file* f, int level) { return Real(f).xLock(RealOf(f), level); }
int Unlock(sqlite3_file* f, int level) {
  return Real(f).xUnlock(RealOf(f), level);
}
int CheckReservedLock(sqlite3_file* f, int* out) {
  return Real(f).xCheckReservedLock(RealOf(f), out);
}
int FileControl(sqlite3_file* f, int op, void* arg) {
  return Real(f).xFileControl(RealOf(f), op, arg);
}
int SectorSize(sqlite3_file* f) { return Real(f).xSectorSize(RealOf(f)); }
int DeviceCharacteristics(sqlite3_file* f) {
  return Real(f).xDeviceCharacteristics(RealOf(f));
}
// Shared memory (io_methods version 2) and memory maps (version 3), when
// the base VFS's file has them. The -shm file is not durable: no faults.
int ShmMap(sqlite3_file* f, int region, int size, int extend,
           void volatile** out) {
  if (Real(f).iVersion < 2) return SQLITE_IOERR_SHMMAP;
  return Real(f).xShmMap(RealOf(f), region, size, extend, out);
}
int ShmLock(sqlite3_file* f, int offset, int n, int flags) {
  if (Real(f).iVersion < 2) return SQLITE_IOERR_SHMLOCK;
  return Real(f).xShmLock(RealOf(f), offset, n, flags);
}
void ShmBarrier(sqlite3_file* f) {
  if (Real(f).iVersion >= 2) Real(f).xShmBarrier(RealOf(f));
}
int ShmUnmap(sqlite3_file* f, int delete_flag) {
  if (Real(f).iVersion < 2) return SQLITE_OK;
  return Real(f).xShmUnmap(RealOf(f), delete_flag);
}
int Fetch(sqlite3_file* f, sqlite3_int64 offset, int amount, void** out) {
  if (Real(f).iVersion < 3) {
    *out = nullptr;
    return SQLITE_OK;
  }
  return Real(f).xFetch(RealOf(f), offset, amount, out);
}
int Unfetch(sqlite3_file* f, sqlite3_int64 offset, void* page) {
  if (Real(f).iVersion < 3) return SQLITE_OK;
  return Real(f).xUnfetch(RealOf(f), offset, page);
}

const sqlite3_io_methods kMethods = {
    3,
    Close,
    Read,
    Write,
    Truncate,
    Sync,
    FileSize,
    Lock,
    Unlock,
    CheckReservedLock,
    FileControl,
    SectorSize,
    DeviceCharacteristics,
    ShmMap,
    ShmLock,
    ShmBarrier,
    ShmUnmap,
    Fetch,
    Unfetch,
};

FileKind KindOf(int flags) {
  if ((flags & SQLITE_OPEN_MAIN_DB) != 0) return FileKind::kMainDb;
  if ((flags & SQLITE_OPEN_WAL) != 0) return FileKind::kWal;
  if ((flags & (SQLITE_OPEN_MAIN_JOURNAL | SQLITE_OPEN_SUPER_JOURNAL)) != 0) {
    return FileKind::kJournal;
  }
  return FileKind::kAny;
}

int Open(sqlite3_vfs*, const char* name, sqlite3_file* f, int flags,
         int* out_flags) {
  File* file = Of(f);
  file->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(f) +
                                               kHeaderBytes);
  file->kind = KindOf(flags);
  file->path = name;
  file->wal_page_size = 0;
  const int rc = base_vfs->xOpen(base_vfs, name, file->real, flags, out_flags);
  // SQLite closes a file only when pMethods is set.
  file->base.pMethods =
      rc == SQLITE_OK && file->real->pMethods != nullptr ? &kMethods : nullptr;
  return rc;
}

int Delete(sqlite3_vfs*, const char* name, int sync_dir) {
  State& s = state();
  absl::MutexLock lock(&s.mu);
  if (s.power_cut) return SQLITE_IOERR_DELETE;
  const int rc = base_vfs->xDelete(base_vfs, name, sync_dir);
  // Nothing of a deleted file comes back (directories are not modelled).
  if (rc == SQLITE_OK) s.unsynced.erase(name);
  return rc;
}

absl::Status Errno(const std::string& what, const std::string& path) {
  return absl::InternalError(
      absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
}

// Puts back what `undo` recorded for `path`, newest first.
absl::Status Restore(const std::string& path, const std::vector<Undo>& undo) {
  const int fd = open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    // Deleted since: nothing to restore (directories are not modelled).
    if (errno == ENOENT) return absl::OkStatus();
    return Errno("open", path);
  }
  absl::Status status;
  for (auto it = undo.rbegin(); it != undo.rend() && status.ok(); ++it) {
    const std::string& bytes = it->old_bytes;
    if (!bytes.empty() && pwrite(fd, bytes.data(), bytes.size(), it->offset) !=
                              static_cast<ssize_t>(bytes.size())) {
      status = Errno("pwrite", path);
    } else if (ftruncate(fd, it->old_size) != 0) {
      status = Errno("ftruncate", path);
    }
  }
  close(fd);
  return status;
}

}  // namespace

bool InstallFaultInjectionVfs() {
  static std::once_flag once;
  static bool installed = false;
  std::call_once(once, [] {
    if (sqlite3_initialize() != SQLITE_OK) return;
    // Registered before this one, the combining VFS wraps the plain default
    // and connections through it would never meet a fault.
    if (sqlite3_vfs_find(kCombiningVfsName) != nullptr) return;
    base_vfs = sqlite3_vfs_find(nullptr);
    if (base_vfs == nullptr || base_vfs->iVersion < 2 ||
        base_vfs->xCurrentTimeInt64 == nullptr) {
      return;
    }
    // Everything but opening and deleting files is the base VFS's own: its
    // other methods (the unix VFS's access, paths, randomness, time, sleep,
    // dlopen) do not read the sqlite3_vfs they are handed, so a copy of it
    // serves as this VFS with two methods replaced.
    fault_vfs = *base_vfs;
    fault_vfs.pNext = nullptr;
    fault_vfs.szOsFile = static_cast<int>(kHeaderBytes) + base_vfs->szOsFile;
    fault_vfs.zName = kVfsName;
    fault_vfs.xOpen = Open;
    fault_vfs.xDelete = Delete;
    installed = sqlite3_vfs_register(&fault_vfs, /*makeDflt=*/1) == SQLITE_OK;
  });
  return installed && sqlite3_vfs_find(nullptr) == &fault_vfs;
}

void InjectFault(const FaultSpec& fault) {
  State& s = state();
  absl::MutexLock lock(&s.mu);
  s.armed = true;
  s.fault = fault;
  s.matched = 0;
}

void ClearFault() {
  State& s = state();
  absl::MutexLock lock(&s.mu);
  s.armed = false;
}

int64_t InjectedFailures() {
  State& s = state();
  absl::MutexLock lock(&s.mu);
  return s.failed;
}

int64_t Calls(FaultOp op, FileKind kind) {
  State& s = state();
  absl::MutexLock lock(&s.mu);
  return s.calls[op == FaultOp::kWrite ? 0 : 1][static_cast<int>(kind)];
}

void CutPower() {
  State& s = state();
  absl::MutexLock lock(&s.mu);
  s.power_cut = true;
}

absl::StatusOr<int64_t> RestorePower(AfterPowerCut after) {
  State& s = state();
  absl::MutexLock lock(&s.mu);
  int64_t undone = 0;
  if (after == AfterPowerCut::kDropUnsyncedWrites) {
    for (const auto& [path, undo] : s.unsynced) {
      if (absl::Status restored = Restore(path, undo); !restored.ok()) {
        return restored;
      }
      undone += static_cast<int64_t>(undo.size());
    }
  }
  s.unsynced.clear();
  s.power_cut = false;
  return undone;
}

int64_t UnsyncedWrites() {
  State& s = state();
  absl::MutexLock lock(&s.mu);
  int64_t count = 0;
  for (const auto& [path, undo] : s.unsynced) {
    count += static_cast<int64_t>(undo.size());
  }
  return count;
}

}  // namespace refund::testing
