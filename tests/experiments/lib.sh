# Shared by the experiment shell tests (sourced). Each test runs in a scratch directory of its own,
# removed at exit; a failed check prints FAIL and a reason and exits 1.
set -euo pipefail

scratch=$(mktemp -d "${TMPDIR:-/tmp}/gclab-experiments.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# A tiny sweep: 2 collectors x 2 workloads (acyclic, cyclic) x 2 heap multiples x 2 invocations,
# with the workloads' test-sized parameters. rc cannot free the rings' cycles, so its rings cells
# exceed the heap limit (set from marksweep's minimum heap) and the others complete.
SWEEP=(--collectors rc,marksweep --workloads gcbench,rings --param scale=0.01 --param rings=2000
       --param keep_for=100 --heap-multiples 1.5,3 --invocations 2)
SWEEP_CELLS=16

# expect_error CODE TEXT COMMAND...: the command must exit with CODE and print exactly one line on
# standard error, starting with "gclab: " and containing TEXT.
expect_error() {
  local code=$1 text=$2 rc=0
  shift 2
  "$@" >"$scratch/stdout" 2>"$scratch/stderr" || rc=$?
  [ "$rc" -eq "$code" ] || fail "'$*' exited with $rc, not $code; stderr: $(cat "$scratch/stderr")"
  [ "$(wc -l <"$scratch/stderr")" -eq 1 ] || fail "'$*' printed not one line on stderr: $(cat "$scratch/stderr")"
  grep -q '^gclab: ' "$scratch/stderr" || fail "'$*': the error does not start with 'gclab: '"
  grep -qF -- "$text" "$scratch/stderr" || fail "'$*': the error does not mention '$text': $(cat "$scratch/stderr")"
}

# The data rows of a results.csv (header left out), sorted.
rows_of() { tail -n +2 "$1" | sort; }

# Checksums of every file under a directory, by path relative to it.
sums_of() { (cd "$1" && find . -type f | sort | xargs md5sum); }
