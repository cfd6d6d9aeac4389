# Sourced by scripts/test and .ci/run: `timed NAME command...` runs the
# command and prints how long it took, so that CI logs show where time goes.
timed() {
  local name=$1 start=$SECONDS
  shift
  "$@"
  echo "== $name: $((SECONDS - start)) s"
}
