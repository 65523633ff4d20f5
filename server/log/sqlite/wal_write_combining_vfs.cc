#include "server/log/sqlite/wal_write_combining_vfs.h"

#include <sqlite3.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <mutex>

namespace refund::server {
namespace {

// The default (unix) VFS writes at most 128 KiB - 1 bytes in one call (it
// masks the length with 0x1ffff and reports a short write as SQLITE_FULL).
constexpr int kBufferBytes = 64 * 1024;
constexpr char kVfsName[] = "refund-wal-write-combining";

std::atomic<int64_t> handed_down{0};

// What SQLite allocates for each file opened through the VFS: this header,
// then the default VFS's own file object (`real`).
struct CombiningFile {
  sqlite3_file base;  // must come first; base.pMethods = &kMethods
  sqlite3_file* real;
  bool combine;      // a WAL file (wal_write_combining_vfs.h: not the database)
  char* buffer;      // allocated at the first combined write
  int length;        // bytes in `buffer`
  sqlite3_int64 at;  // file offset of buffer[0]
};

// The default VFS's file object starts after the header, aligned.
constexpr size_t kHeaderBytes = (sizeof(CombiningFile) + 15) & ~size_t{15};

sqlite3_vfs* underlying = nullptr;

CombiningFile* Of(sqlite3_file* file) {
  return reinterpret_cast<CombiningFile*>(file);
}

const sqlite3_io_methods& Real(CombiningFile* file) {
  return *file->real->pMethods;
}

// Hands the buffer down; the buffer is empty afterwards whatever happened.
int HandDown(CombiningFile* file) {
  if (file->length == 0) return SQLITE_OK;
  const int length = file->length;
  file->length = 0;
  handed_down.fetch_add(1, std::memory_order_relaxed);
  return Real(file).xWrite(file->real, file->buffer, length, file->at);
}

int Close(sqlite3_file* f) {
  CombiningFile* file = Of(f);
  const int written = HandDown(file);
  const int closed = Real(file).xClose(file->real);
  sqlite3_free(file->buffer);
  file->buffer = nullptr;
  return written != SQLITE_OK ? written : closed;
}

int Read(sqlite3_file* f, void* out, int amount, sqlite3_int64 offset) {
  CombiningFile* file = Of(f);
  if (int rc = HandDown(file); rc != SQLITE_OK) return rc;
  return Real(file).xRead(file->real, out, amount, offset);
}

int Write(sqlite3_file* f, const void* data, int amount, sqlite3_int64 offset) {
  CombiningFile* file = Of(f);
  if (!file->combine) {
    return Real(file).xWrite(file->real, data, amount, offset);
  }
  if (file->length > 0 && offset == file->at + file->length &&
      amount <= kBufferBytes - file->length) {
    std::memcpy(file->buffer + file->length, data, amount);
    file->length += amount;
    return SQLITE_OK;
  }
  if (int rc = HandDown(file); rc != SQLITE_OK) return rc;
  if (file->buffer == nullptr && amount < kBufferBytes) {
    file->buffer = static_cast<char*>(sqlite3_malloc(kBufferBytes));
  }
  if (file->buffer == nullptr || amount >= kBufferBytes) {
    handed_down.fetch_add(1, std::memory_order_relaxed);
    return Real(file).xWrite(file->real, data, amount, offset);
  }
  std::memcpy(file->buffer, data, amount);
  file->length = amount;
  file->at = offset;
  return SQLITE_OK;
}

int Truncate(sqlite3_file* f, sqlite3_int64 size) {
  CombiningFile* file = Of(f);
  if (int rc = HandDown(file); rc != SQLITE_OK) return rc;
  return Real(file).xTruncate(file->real, size);
}

int Sync(sqlite3_file* f, int flags) {
  CombiningFile* file = Of(f);
  if (int rc = HandDown(file); rc != SQLITE_OK) return rc;
  return Real(file).xSync(file->real, flags);
}

int FileSize(sqlite3_file* f, sqlite3_int64* size) {
  CombiningFile* file = Of(f);
  if (int rc = HandDown(file); rc != SQLITE_OK) return rc;
  return Real(file).xFileSize(file->real, size);
}

int Lock(sqlite3_file* f, int level) {
  return Real(Of(f)).xLock(Of(f)->real, level);
}

// Nothing buffered outlives a lock that others wait for.
int Unlock(sqlite3_file* f, int level) {
  CombiningFile* file = Of(f);
  if (int rc = HandDown(file); rc != SQLITE_OK) return rc;
  return Real(file).xUnlock(file->real, level);
}

int CheckReservedLock(sqlite3_file* f, int* out) {
  return Real(Of(f)).xCheckReservedLock(Of(f)->real, out);
}

int FileControl(sqlite3_file* f, int op, void* arg) {
  CombiningFile* file = Of(f);
  if (int rc = HandDown(file); rc != SQLITE_OK) return rc;
  return Real(file).xFileControl(file->real, op, arg);
}

int SectorSize(sqlite3_file* f) { return Real(Of(f)).xSectorSize(Of(f)->real); }

int DeviceCharacteristics(sqlite3_file* f) {
  return Real(Of(f)).xDeviceCharacteristics(Of(f)->real);
}

// The shared-memory and memory-map methods exist from io_methods versions 2
// and 3; a default VFS file without them gets SQLite's "not supported".
int ShmMap(sqlite3_file* f, int region, int size, int extend,
           void volatile** out) {
  const sqlite3_io_methods& real = Real(Of(f));
  if (real.iVersion < 2) return SQLITE_IOERR_SHMMAP;
  return real.xShmMap(Of(f)->real, region, size, extend, out);
}

int ShmLock(sqlite3_file* f, int offset, int n, int flags) {
  const sqlite3_io_methods& real = Real(Of(f));
  if (real.iVersion < 2) return SQLITE_IOERR_SHMLOCK;
  if ((flags & SQLITE_SHM_UNLOCK) != 0) {
    if (int rc = HandDown(Of(f)); rc != SQLITE_OK) return rc;
  }
  return real.xShmLock(Of(f)->real, offset, n, flags);
}

void ShmBarrier(sqlite3_file* f) {
  const sqlite3_io_methods& real = Real(Of(f));
  if (real.iVersion >= 2) real.xShmBarrier(Of(f)->real);
}

int ShmUnmap(sqlite3_file* f, int delete_flag) {
  const sqlite3_io_methods& real = Real(Of(f));
  if (real.iVersion < 2) return SQLITE_OK;
  return real.xShmUnmap(Of(f)->real, delete_flag);
}

int Fetch(sqlite3_file* f, sqlite3_int64 offset, int amount, void** out) {
  const sqlite3_io_methods& real = Real(Of(f));
  if (real.iVersion < 3) {
    *out = nullptr;
    return SQLITE_OK;
  }
  if (int rc = HandDown(Of(f)); rc != SQLITE_OK) return rc;
  return real.xFetch(Of(f)->real, offset, amount, out);
}

int Unfetch(sqlite3_file* f, sqlite3_int64 offset, void* page) {
  const sqlite3_io_methods& real = Real(Of(f));
  if (real.iVersion < 3) return SQLITE_OK;
  return real.xUnfetch(Of(f)->real, offset, page);
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

int Open(sqlite3_vfs* /*vfs*/, const char* name, sqlite3_file* f, int flags,
         int* out_flags) {
  CombiningFile* file = Of(f);
  file->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(f) +
                                               kHeaderBytes);
  file->combine = (flags & SQLITE_OPEN_WAL) != 0;
  file->buffer = nullptr;
  file->length = 0;
  file->at = 0;
  const int rc =
      underlying->xOpen(underlying, name, file->real, flags, out_flags);
  // SQLite closes a file only if pMethods is set.
  file->base.pMethods =
      rc == SQLITE_OK && file->real->pMethods != nullptr ? &kMethods : nullptr;
  return rc;
}

// Everything about names, randomness and time is the default VFS's.
int Delete(sqlite3_vfs*, const char* name, int sync_dir) {
  return underlying->xDelete(underlying, name, sync_dir);
}
int Access(sqlite3_vfs*, const char* name, int flags, int* out) {
  return underlying->xAccess(underlying, name, flags, out);
}
int FullPathname(sqlite3_vfs*, const char* name, int size, char* out) {
  return underlying->xFullPathname(underlying, name, size, out);
}
void* DlOpen(sqlite3_vfs*, const char* name) {
  return underlying->xDlOpen(underlying, name);
}
void DlError(sqlite3_vfs*, int size, char* out) {
  underlying->xDlError(underlying, size, out);
}
void (*DlSym(sqlite3_vfs*, void* handle, const char* symbol))(void) {
  return underlying->xDlSym(underlying, handle, symbol);
}
void DlClose(sqlite3_vfs*, void* handle) {
  underlying->xDlClose(underlying, handle);
}
int Randomness(sqlite3_vfs*, int size, char* out) {
  return underlying->xRandomness(underlying, size, out);
}
int Sleep(sqlite3_vfs*, int micros) {
  return underlying->xSleep(underlying, micros);
}
int CurrentTime(sqlite3_vfs*, double* out) {
  return underlying->xCurrentTime(underlying, out);
}
int GetLastError(sqlite3_vfs*, int size, char* out) {
  return underlying->xGetLastError != nullptr
             ? underlying->xGetLastError(underlying, size, out)
             : 0;
}
int CurrentTimeInt64(sqlite3_vfs*, sqlite3_int64* out) {
  if (underlying->iVersion >= 2 && underlying->xCurrentTimeInt64 != nullptr) {
    return underlying->xCurrentTimeInt64(underlying, out);
  }
  double days = 0;
  const int rc = underlying->xCurrentTime(underlying, &days);
  *out = static_cast<sqlite3_int64>(days * 86400000.0);
  return rc;
}

sqlite3_vfs vfs;

}  // namespace

const char* WalWriteCombiningVfs() {
  static std::once_flag once;
  static bool registered = false;
  std::call_once(once, [] {
    if (sqlite3_initialize() != SQLITE_OK) return;
    underlying = sqlite3_vfs_find(nullptr);
    if (underlying == nullptr) return;
    vfs.iVersion = 2;
    vfs.szOsFile = static_cast<int>(kHeaderBytes) + underlying->szOsFile;
    vfs.mxPathname = underlying->mxPathname;
    vfs.zName = kVfsName;
    vfs.xOpen = Open;
    vfs.xDelete = Delete;
    vfs.xAccess = Access;
    vfs.xFullPathname = FullPathname;
    vfs.xDlOpen = DlOpen;
    vfs.xDlError = DlError;
    vfs.xDlSym = DlSym;
    vfs.xDlClose = DlClose;
    vfs.xRandomness = Randomness;
    vfs.xSleep = Sleep;
    vfs.xCurrentTime = CurrentTime;
    vfs.xGetLastError = GetLastError;
    vfs.xCurrentTimeInt64 = CurrentTimeInt64;
    registered = sqlite3_vfs_register(&vfs, /*makeDflt=*/0) == SQLITE_OK;
  });
  return registered ? kVfsName : nullptr;
}

int64_t WalWritesHandedDown() {
  return handed_down.load(std::memory_order_relaxed);
}

}  // namespace refund::server
