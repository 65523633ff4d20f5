#!/usr/bin/env python3
"""Mutation testing of the core: plants one small mistake at a time and checks
that the tests notice.

Each mutation in the list (tools/mutation/mutations.txt) names a file, a line
fragment that occurs exactly once in it, its replacement, the behaviour the
change breaks, and which tests to run (a ctest -R regex). For each mutation
this script, in a scratch git worktree of HEAD (your working tree is never
touched):

  1. applies the replacement,
  2. rebuilds incrementally the programs those tests run,
  3. runs the tests,
  4. restores the file,

and records KILLED (a test other than the golden test failed), GOLDEN-ONLY
(only DecisionGoldenTest, which pins bytes and names no behaviour, failed),
SURVIVED (every test passed), NO-BUILD (the mutant did not compile) or STALE
(the fragment is not in the file exactly once: the list needs updating).
It prints a table and the kill ratio: killed / (mutations that built).

Usage:
  tools/mutation/mutate.py [--only ID[,ID...]] [--scratch DIR] [--jobs N]
                           [--list FILE] [--check]
  --check   only verify that every fragment occurs exactly once (no build).
Exit status: 0 when every mutation that built was killed, 1 otherwise.
"""

import argparse
import html
import json
import os
import re
import shutil
import subprocess
import sys
import time

GOLDEN = re.compile(r"^DecisionGoldenTest\.")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def parse_list(path):
    """Blocks of `key: value` lines separated by blank lines; `#` comments."""
    mutations, block = [], {}
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    for number, line in enumerate(lines + [""], 1):
        if line.startswith("#"):
            continue
        if not line.strip():
            if block:
                mutations.append(block)
                block = {}
            continue
        key, sep, value = line.partition(": ")
        if not sep and line.endswith(":"):
            key, value = line[:-1], ""
        elif not sep:
            sys.exit(f"{path}:{number}: expected `key: value`")
        if key in block:
            sys.exit(f"{path}:{number}: `{key}` given twice in one mutation")
        block[key] = value
        block.setdefault("_line", number)
    required = ("id", "file", "find", "replace", "breaks", "tests")
    seen = set()
    for m in mutations:
        for key in required:
            if key not in m:
                sys.exit(f"{path}:{m['_line']}: mutation lacks `{key}`")
        if m["id"] in seen:
            sys.exit(f"{path}:{m['_line']}: id {m['id']} used twice")
        seen.add(m["id"])
    return mutations


def fragment_count(root, m):
    with open(os.path.join(root, m["file"]), encoding="utf-8") as f:
        return f.read().count(m["find"])


def run(cmd, cwd, log, timeout=None):
    with open(log, "ab") as out:
        out.write(("$ " + " ".join(cmd) + "\n").encode())
        out.flush()
        try:
            return subprocess.run(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                  timeout=timeout).returncode
        except subprocess.TimeoutExpired:
            out.write(b"(timed out)\n")
            return -1


def ctest_programs(build, regex):
    """The test names matching `regex` and the build targets they run."""
    listing = subprocess.run(
        ["ctest", "-N", "--show-only=json-v1", "-R", regex], cwd=build,
        check=True, capture_output=True, text=True).stdout
    names, targets = [], set()
    for test in json.loads(listing).get("tests", []):
        names.append(test["name"])
        command = test.get("command") or []
        if command:
            targets.add(os.path.basename(command[0]))
    return names, sorted(targets)


def failed_tests(build, regex, jobs, log):
    """Runs the tests; returns (ran, names of the failed ones)."""
    junit = os.path.join(build, "mutation-ctest.xml")
    if os.path.exists(junit):
        os.remove(junit)
    run(["ctest", "-R", regex, "-j", str(jobs), "--timeout", "300",
         "--output-junit", junit], build, log)
    if not os.path.exists(junit):
        return False, []
    text = open(junit, encoding="utf-8", errors="replace").read()
    failed = []
    for case in re.finditer(r'<testcase name="([^"]*)"[^>]*status="([a-z]+)"', text):
        if case.group(2) not in ("run", "pass", "passed"):
            failed.append(html.unescape(case.group(1)))
    return True, failed


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--list", default=os.path.join(ROOT, "tools/mutation/mutations.txt"))
    parser.add_argument("--only", default="")
    # Beside the repository, so that ccache (with CCACHE_BASEDIR at their
    # common parent) reuses objects compiled in the repository's own builds.
    parser.add_argument("--scratch", default=os.path.join(
        os.path.dirname(ROOT), os.path.basename(ROOT) + "-mutation-scratch"))
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()

    mutations = parse_list(args.list)
    if args.only:
        wanted = set(args.only.split(","))
        unknown = wanted - {m["id"] for m in mutations}
        if unknown:
            sys.exit(f"unknown mutation ids: {', '.join(sorted(unknown))}")
        mutations = [m for m in mutations if m["id"] in wanted]

    if args.check:
        bad = 0
        for m in mutations:
            count = fragment_count(ROOT, m)
            if count != 1:
                bad += 1
                print(f"STALE {m['id']}: fragment occurs {count} times in {m['file']}")
        print(f"{len(mutations) - bad}/{len(mutations)} fragments found exactly once")
        return 0 if bad == 0 else 1

    scratch = os.path.abspath(args.scratch)
    build = os.path.join(scratch, "build")
    log = scratch + "-log.txt"
    open(log, "w").close()
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, check=True,
                          capture_output=True, text=True).stdout.strip()
    if os.path.isdir(scratch):
        run(["git", "checkout", "--detach", "--force", head], scratch, log)
    else:
        subprocess.run(["git", "worktree", "add", "--detach", scratch, head],
                       cwd=ROOT, check=True, capture_output=True)
    print(f"scratch worktree {scratch} at {head[:12]}; build log {log}", flush=True)

    configure = ["cmake", "-S", scratch, "-B", build, "-DCMAKE_BUILD_TYPE=RelWithDebInfo"]
    if shutil.which("ccache"):
        configure.append("-DCMAKE_CXX_COMPILER_LAUNCHER=ccache")
        os.environ.setdefault("CCACHE_BASEDIR", os.path.dirname(scratch))
        os.environ.setdefault("CCACHE_NOHASHDIR", "true")
    if run(configure, scratch, log) != 0:
        sys.exit(f"configure failed; see {log}")
    print("building the unmutated tree ...", flush=True)
    if run(["cmake", "--build", build, "-j", str(args.jobs)], scratch, log) != 0:
        sys.exit(f"the unmutated tree does not build; see {log}")

    results = []
    for m in mutations:
        started = time.time()
        path = os.path.join(scratch, m["file"])
        original = open(path, encoding="utf-8").read()
        killers = []
        if original.count(m["find"]) != 1:
            status = "STALE"
        else:
            open(path, "w", encoding="utf-8").write(original.replace(m["find"], m["replace"]))
            try:
                names, targets = ctest_programs(build, m["tests"])
                built = run(["cmake", "--build", build, "-j", str(args.jobs), "--target"]
                            + targets, scratch, log) == 0 if targets else False
                if not names:
                    status = "NO-TESTS"
                elif not built:
                    status = "NO-BUILD"
                else:
                    ran, failed = failed_tests(build, m["tests"], args.jobs, log)
                    killers = [t for t in failed if not GOLDEN.match(t)]
                    if not ran:
                        status = "NO-TESTS"
                    elif killers:
                        status = "KILLED"
                    elif failed:
                        status = "GOLDEN-ONLY"
                    else:
                        status = "SURVIVED"
            finally:
                open(path, "w", encoding="utf-8").write(original)
        seconds = time.time() - started
        results.append((m, status, killers))
        shown = ", ".join(killers[:2]) + (f" (+{len(killers) - 2})" if len(killers) > 2 else "")
        print(f"{status:11} {m['id']:42} {seconds:5.0f}s  {shown}", flush=True)

    # Put the scratch build back in step with HEAD for the next run.
    run(["cmake", "--build", build, "-j", str(args.jobs)], scratch, log)

    print()
    print(f"| mutation | breaks | result | killed by |")
    print(f"|---|---|---|---|")
    for m, status, killers in results:
        print(f"| `{m['id']}` | {m['breaks']} | {status} | "
              f"{', '.join(killers[:3])}{' ...' if len(killers) > 3 else ''} |")
    viable = [r for r in results if r[1] in ("KILLED", "SURVIVED", "GOLDEN-ONLY")]
    killed = [r for r in viable if r[1] == "KILLED"]
    print()
    print(f"kill ratio: {len(killed)}/{len(viable)} mutations that built "
          f"({len(results)} in the run; at {head[:12]})")
    for m, status, _ in results:
        if status not in ("KILLED",):
            print(f"  not killed: {m['id']} ({status}): {m['breaks']}")
    return 0 if len(killed) == len(viable) and len(viable) == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
