#include "server/log/decision_codec.h"

#include <zstd.h>

#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"

namespace refund::server {
namespace {

// zstd's first "fast" level. With a dictionary that holds the bundle's
// texts most of a decision is long matches: on the shipped bundle a
// decision of ~4.8 KB becomes ~350 bytes in ~3 us, where level 1 gives
// ~300 bytes in ~6 us and level 3 ~260 bytes in ~6.4 us (BUILD_NOTES.md).
// The writer thread pays for it, so speed wins.
constexpr int kCompressionLevel = -1;

struct FreeCCtx {
  void operator()(ZSTD_CCtx* p) const { ZSTD_freeCCtx(p); }
};
struct FreeCDict {
  void operator()(ZSTD_CDict* p) const { ZSTD_freeCDict(p); }
};
struct FreeDCtx {
  void operator()(ZSTD_DCtx* p) const { ZSTD_freeDCtx(p); }
};
struct FreeDDict {
  void operator()(ZSTD_DDict* p) const { ZSTD_freeDDict(p); }
};

// A decompression context per thread: a context may serve one frame at a
// time, and creating one per call would cost more than the decompression.
ZSTD_DCtx* ThreadDCtx() {
  thread_local std::unique_ptr<ZSTD_DCtx, FreeDCtx> dctx(ZSTD_createDCtx());
  return dctx.get();
}

}  // namespace

struct DecisionCompressor::Zstd {
  std::unique_ptr<ZSTD_CCtx, FreeCCtx> cctx;
  std::unique_ptr<ZSTD_CDict, FreeCDict> cdict;
};

DecisionCompressor::DecisionCompressor(std::unique_ptr<Zstd> zstd)
    : zstd_(std::move(zstd)) {}
DecisionCompressor::~DecisionCompressor() = default;

absl::StatusOr<std::unique_ptr<DecisionCompressor>> DecisionCompressor::Create(
    absl::string_view dictionary) {
  if (dictionary.empty()) {
    return absl::InvalidArgumentError("decision dictionary: empty");
  }
  auto zstd = std::make_unique<Zstd>();
  zstd->cctx.reset(ZSTD_createCCtx());
  zstd->cdict.reset(ZSTD_createCDict(dictionary.data(), dictionary.size(),
                                     kCompressionLevel));
  if (zstd->cctx == nullptr || zstd->cdict == nullptr) {
    return absl::ResourceExhaustedError(
        "decision dictionary: zstd cannot allocate a compressor");
  }
  return std::unique_ptr<DecisionCompressor>(
      new DecisionCompressor(std::move(zstd)));
}

absl::StatusOr<absl::string_view> DecisionCompressor::Compress(
    absl::string_view decision) {
  frame_.resize(ZSTD_compressBound(decision.size()));
  const size_t size = ZSTD_compress_usingCDict(
      zstd_->cctx.get(), frame_.data(), frame_.size(), decision.data(),
      decision.size(), zstd_->cdict.get());
  if (ZSTD_isError(size)) {
    return absl::InternalError(
        absl::StrCat("zstd compression: ", ZSTD_getErrorName(size)));
  }
  return absl::string_view(frame_.data(), size);
}

struct DecisionDecompressor::Zstd {
  std::unique_ptr<ZSTD_DDict, FreeDDict> ddict;
};

DecisionDecompressor::DecisionDecompressor(std::unique_ptr<Zstd> zstd)
    : zstd_(std::move(zstd)) {}
DecisionDecompressor::~DecisionDecompressor() = default;

absl::StatusOr<std::unique_ptr<const DecisionDecompressor>>
DecisionDecompressor::Create(absl::string_view dictionary) {
  if (dictionary.empty()) {
    return absl::InvalidArgumentError("decision dictionary: empty");
  }
  auto zstd = std::make_unique<Zstd>();
  zstd->ddict.reset(ZSTD_createDDict(dictionary.data(), dictionary.size()));
  if (zstd->ddict == nullptr) {
    return absl::ResourceExhaustedError(
        "decision dictionary: zstd cannot allocate a decompressor");
  }
  return std::unique_ptr<const DecisionDecompressor>(
      new DecisionDecompressor(std::move(zstd)));
}

absl::StatusOr<std::string> DecisionDecompressor::Decompress(
    absl::string_view frame) const {
  // The writer always records the size in the frame header; a frame without
  // it (or with an absurd one) was not written by this log.
  const unsigned long long size =
      ZSTD_getFrameContentSize(frame.data(), frame.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN) {
    return absl::DataLossError("compressed decision: not a zstd frame");
  }
  if (size > kMaxDecisionBytes) {
    return absl::DataLossError(absl::StrCat(
        "compressed decision: claims ", size, " bytes, more than the limit"));
  }
  ZSTD_DCtx* dctx = ThreadDCtx();
  if (dctx == nullptr) {
    return absl::ResourceExhaustedError(
        "zstd cannot allocate a decompression context");
  }
  std::string decision(static_cast<size_t>(size), '\0');
  const size_t got = ZSTD_decompress_usingDDict(
      dctx, decision.data(), decision.size(), frame.data(), frame.size(),
      zstd_->ddict.get());
  if (ZSTD_isError(got)) {
    return absl::DataLossError(
        absl::StrCat("compressed decision: ", ZSTD_getErrorName(got)));
  }
  if (got != decision.size()) {
    return absl::DataLossError(
        "compressed decision: shorter than its frame header says");
  }
  return decision;
}

}  // namespace refund::server
