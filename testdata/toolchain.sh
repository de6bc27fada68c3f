# Sourced by the generate*.sh scripts (after they define log): the go
# command of a given Go release, the machine's own or one fetched by the go
# command from the module proxy (GOTOOLCHAIN=goX.Y.Z).

# resolve_go VERSION -> path of a go command whose GOVERSION is VERSION
resolve_go() {
	local want=$1 c v
	for c in "$(command -v go || true)" /usr/local/go/bin/go /usr/lib/go-*/bin/go; do
		[[ -n $c && -x $c ]] || continue
		v=$(GOTOOLCHAIN=local "$c" env GOVERSION 2>/dev/null) || continue
		[[ $v == "$want" ]] && { echo "$c"; return 0; }
	done
	local base
	base=$(command -v go) || { log "no go command to download $want with"; return 1; }
	# Let the go command fetch the toolchain module, then use its binary.
	GOTOOLCHAIN=$want "$base" version >/dev/null || { log "cannot fetch $want"; return 1; }
	c=$(GOTOOLCHAIN=local "$base" env GOMODCACHE)/golang.org/toolchain@v0.0.1-$want.$(GOTOOLCHAIN=local "$base" env GOHOSTOS)-$(GOTOOLCHAIN=local "$base" env GOHOSTARCH)/bin/go
	[[ -x $c ]] || { log "fetched $want but $c is missing"; return 1; }
	echo "$c"
}
