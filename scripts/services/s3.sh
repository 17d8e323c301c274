#!/usr/bin/env bash
# S3-compatible server for tests on 127.0.0.1:18333: SeaweedFS (`weed server` with its S3 gateway),
# a real object store (master, volume and filer servers in one process), data under .services/s3/,
# emptied at every start.
# Usage: scripts/services/s3.sh {install|start|stop|status|env}
#
# What was tried (see the store's README for details):
# - `go install github.com/seaweedfs/seaweedfs/weed@<version>` is refused (its go.mod has replace
#   directives). Downloading the module with `go mod download` and building inside it works: about
#   7 minutes on 2 cores, a 233 MB binary, cached outside the repo in $SVC_CACHE/seaweedfs-<version>/.
#   The Go toolchain comes from Debian (`golang-go`) when `go` is missing; Debian's own Go may be too
#   old for this module, in which case install a current Go from the Go proxy's toolchain
#   (`GOTOOLCHAIN=auto`, which go uses by itself when the module asks for a newer one).
# - MinIO and moto's server mode were not needed; s3rver (npm) is a fake and is not used.
# With no identities configured, the S3 gateway accepts anonymous requests (any credentials).
# On SIGTERM it closes S3 at once but its other servers take a few seconds to exit.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

WEED_MODULE=github.com/seaweedfs/seaweedfs
WEED_VERSION=v0.0.0-20261109003541-7506e5f91cd6
CACHE="$SVC_CACHE/seaweedfs-$WEED_VERSION"
WEED="$CACHE/weed"
WORKDIR="$STATE/s3"

SVC_NAME=s3
SVC_PRODUCT="SeaweedFS ($WEED_VERSION) S3 gateway"
# S3, master, volume, filer, and the gRPC ports weed derives from them (+10000).
SVC_PORTS=(18333 19333 18080 18888 28333 29333 28080 28888)
SVC_PROGRAM="$WEED"
SVC_ENV="KV_S3_URL=http://127.0.0.1:18333"
SVC_READY_TIMEOUT="${KV_SERVICES_READY_TIMEOUT:-60}"
SVC_POLL=0.5
SVC_STOP_TIMEOUT=4
SVC_INSTALL_DIR="$CACHE"

# Ready once the S3 gateway lists buckets (an anonymous GET / answers 200 with XML).
svc_ready() {
  [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://$SVC_HOST:${SVC_PORTS[0]}/")" == 200 ]]
}
svc_state() { echo "answering S3 ListBuckets"; }

svc_installed() { [[ -x "$WEED" ]]; }

svc_install() {
  if ! command -v go >/dev/null; then svc_apt_install golang-go; fi
  if ! command -v curl >/dev/null; then svc_apt_install curl; fi
  export GOFLAGS=-modcacherw GOTOOLCHAIN="${GOTOOLCHAIN:-auto}"
  say "downloading $WEED_MODULE@$WEED_VERSION from the Go module proxy"
  local dir
  dir="$(go mod download -json "$WEED_MODULE@$WEED_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [[ -n "$dir" && -d "$dir" ]] || die "go mod download did not give the module's directory"
  say "building weed in $dir (several minutes)"
  mkdir -p "$CACHE"
  (cd "$dir" && svc_run_logged "$CACHE/build.log" go build -o "$WEED.partial" ./weed)
  mv "$WEED.partial" "$WEED"
}

svc_start() {
  rm -rf "$WORKDIR" # every start is an empty server, as with the other test servers
  mkdir -p "$WORKDIR"
  svc_spawn "$WEED" server -dir "$WORKDIR" -ip="$SVC_HOST" -ip.bind="$SVC_HOST" \
    -master.port "${SVC_PORTS[1]}" -volume.port "${SVC_PORTS[2]}" -filer -filer.port "${SVC_PORTS[3]}" \
    -s3 -s3.port "${SVC_PORTS[0]}" -volume.max 0 -master.volumeSizeLimitMB 64
}

svc_main "$@"
