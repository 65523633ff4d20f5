#include "tests/testing/failing_wal_sync_vfs.h"

#include <sqlite3.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>

namespace refund::testing {
namespace {

constexpr char kVfsName[] = "refund-test-failing-wal-sync";
// The name server/log/sqlite/wal_write_combining_vfs.cc registers.
constexpr char kCombiningVfsName[] = "refund-wal-write-combining";

std::atomic<bool> fail_wal_syncs{false};
std::atomic<int64_t> failed_wal_syncs{0};

sqlite3_vfs* base_vfs = nullptr;
sqlite3_vfs failing_vfs;

// What SQLite allocates per file: this header, then the base VFS's file.
struct File {
  sqlite3_file base;  // first; base.pMethods = &kMethods
  sqlite3_file* real;
  bool wal;
};

constexpr size_t kHeaderBytes = (sizeof(File) + 15) & ~size_t{15};

File* Of(sqlite3_file* file) { return reinterpret_cast<File*>(file); }
sqlite3_file* RealOf(sqlite3_file* file) { return Of(file)->real; }
const sqlite3_io_methods& Real(sqlite3_file* file) {
  return *RealOf(file)->pMethods;
}

int Close(sqlite3_file* f) { return Real(f).xClose(RealOf(f)); }
int Read(sqlite3_file* f, void* out, int amount, sqlite3_int64 offset) {
  return Real(f).xRead(RealOf(f), out, amount, offset);
}
int Write(sqlite3_file* f, const void* data, int amount, sqlite3_int64 offset) {
  return Real(f).xWrite(RealOf(f), data, amount, offset);
}
int Truncate(sqlite3_file* f, sqlite3_int64 size) {
  return Real(f).xTruncate(RealOf(f), size);
}
int Sync(sqlite3_file* f, int flags) {
  if (Of(f)->wal && fail_wal_syncs.load()) {
    failed_wal_syncs.fetch_add(1);
    return SQLITE_IOERR_FSYNC;
  }
  return Real(f).xSync(RealOf(f), flags);
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
// the base VFS's file has them.
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

int Open(sqlite3_vfs*, const char* name, sqlite3_file* f, int flags,
         int* out_flags) {
  File* file = Of(f);
  file->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(f) +
                                               kHeaderBytes);
  file->wal = (flags & SQLITE_OPEN_WAL) != 0;
  const int rc = base_vfs->xOpen(base_vfs, name, file->real, flags, out_flags);
  // SQLite closes a file only when pMethods is set.
  file->base.pMethods =
      rc == SQLITE_OK && file->real->pMethods != nullptr ? &kMethods : nullptr;
  return rc;
}

int Delete(sqlite3_vfs*, const char* name, int sync_dir) {
  return base_vfs->xDelete(base_vfs, name, sync_dir);
}
int Access(sqlite3_vfs*, const char* name, int flags, int* out) {
  return base_vfs->xAccess(base_vfs, name, flags, out);
}
int FullPathname(sqlite3_vfs*, const char* name, int size, char* out) {
  return base_vfs->xFullPathname(base_vfs, name, size, out);
}
void* DlOpen(sqlite3_vfs*, const char* name) {
  return base_vfs->xDlOpen(base_vfs, name);
}
void DlError(sqlite3_vfs*, int size, char* out) {
  base_vfs->xDlError(base_vfs, size, out);
}
void (*DlSym(sqlite3_vfs*, void* handle, const char* symbol))(void) {
  return base_vfs->xDlSym(base_vfs, handle, symbol);
}
void DlClose(sqlite3_vfs*, void* handle) {
  base_vfs->xDlClose(base_vfs, handle);
}
int Randomness(sqlite3_vfs*, int size, char* out) {
  return base_vfs->xRandomness(base_vfs, size, out);
}
int Sleep(sqlite3_vfs*, int micros) {
  return base_vfs->xSleep(base_vfs, micros);
}
int CurrentTime(sqlite3_vfs*, double* out) {
  return base_vfs->xCurrentTime(base_vfs, out);
}
int GetLastError(sqlite3_vfs*, int size, char* out) {
  return base_vfs->xGetLastError != nullptr
             ? base_vfs->xGetLastError(base_vfs, size, out)
             : 0;
}
int CurrentTimeInt64(sqlite3_vfs*, sqlite3_int64* out) {
  return base_vfs->xCurrentTimeInt64(base_vfs, out);
}

}  // namespace

bool InstallFailingWalSyncVfs() {
  static std::once_flag once;
  static bool installed = false;
  std::call_once(once, [] {
    if (sqlite3_initialize() != SQLITE_OK) return;
    // Registered before this one, the combining VFS wraps the plain default
    // and connections through it would never fail.
    if (sqlite3_vfs_find(kCombiningVfsName) != nullptr) return;
    base_vfs = sqlite3_vfs_find(nullptr);
    if (base_vfs == nullptr || base_vfs->iVersion < 2 ||
        base_vfs->xCurrentTimeInt64 == nullptr) {
      return;
    }
    failing_vfs.iVersion = 2;
    failing_vfs.szOsFile = static_cast<int>(kHeaderBytes) + base_vfs->szOsFile;
    failing_vfs.mxPathname = base_vfs->mxPathname;
    failing_vfs.zName = kVfsName;
    failing_vfs.xOpen = Open;
    failing_vfs.xDelete = Delete;
    failing_vfs.xAccess = Access;
    failing_vfs.xFullPathname = FullPathname;
    failing_vfs.xDlOpen = DlOpen;
    failing_vfs.xDlError = DlError;
    failing_vfs.xDlSym = DlSym;
    failing_vfs.xDlClose = DlClose;
    failing_vfs.xRandomness = Randomness;
    failing_vfs.xSleep = Sleep;
    failing_vfs.xCurrentTime = CurrentTime;
    failing_vfs.xGetLastError = GetLastError;
    failing_vfs.xCurrentTimeInt64 = CurrentTimeInt64;
    installed = sqlite3_vfs_register(&failing_vfs, /*makeDflt=*/1) == SQLITE_OK;
  });
  return installed && sqlite3_vfs_find(nullptr) == &failing_vfs;
}

void SetWalSyncsFail(bool fail) { fail_wal_syncs.store(fail); }

int64_t FailedWalSyncs() { return failed_wal_syncs.load(); }

}  // namespace refund::testing
