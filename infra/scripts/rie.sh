# Sourced by test.sh, bench.sh and services.sh: installs AWS's Lambda Runtime
# Interface Emulator (the Go module
# github.com/aws/aws-lambda-runtime-interface-emulator, which has no tagged
# release on the module proxy: a pinned pseudo-version) into .cache when
# missing, and exports TALLY_TEST_RIE, its path. The tests start one emulator
# per function binary, on free ports. Needs $root and $cache.
rie_version=v0.0.0-20261030222936-bef5c4ba774d

install_rie() {
  local dir="$cache/aws-lambda-rie-$rie_version"
  if [ ! -x "$dir/aws-lambda-rie" ]; then
    echo "installing aws-lambda-rie $rie_version into $dir"
    (cd "$root" && GOBIN="$dir" go install "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@$rie_version")
  fi
  export TALLY_TEST_RIE="$dir/aws-lambda-rie"
  echo "aws-lambda-rie $rie_version"
}
