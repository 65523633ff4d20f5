#!/usr/bin/env bash
# Sets everything up, builds, and runs every test: unit, end-to-end (real
# server, real SQLite file), the policy tests and lint of the shipped bundle;
# then (with CI=true, or PACKAGE_TEST=1; as root) the Debian package installed
# and run on a fresh Debian 12 root (tests/package/deb_install_test.sh), and
# (with CI=true, or SANITIZE=1) the whole suite again under
# AddressSanitizer + UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."

tools/setup.sh build
(cd build && ctest --output-on-failure -j2)
build/bin/refundctl test policies
build/bin/refundctl lint policies

if [ "${CI:-}" = "true" ] || [ "${PACKAGE_TEST:-0}" = "1" ]; then
  tests/package/deb_install_test.sh build
fi

if [ "${CI:-}" = "true" ] || [ "${SANITIZE:-0}" = "1" ]; then
  tools/setup.sh build-asan -DREFUND_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug \
    -DREFUND_BENCHMARKS=OFF
  (cd build-asan &&
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --output-on-failure -j2)
  build-asan/bin/refundctl test policies
fi
echo "all tests passed"
