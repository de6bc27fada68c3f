#!/usr/bin/env bash
# cli_docs_test.sh WHAT CRASHCTL SOURCE_DIR
#
# WHAT=man: every page of man/ renders with `man -l` without a warning, and
# covers exactly the options of its command's --help (and --format/--color
# values), so the pages cannot drift from the CLI.
# WHAT=bash|zsh|fish: that shell's completion (completions/) offers exactly
# the commands, options, --format, --color and --limit values of --help, and
# files and directories for inputs.
# Exits 77 (skipped) when the shell or man is not installed.
set -euo pipefail
what=$1 crashctl=$2 src=$3
status=0
fail() {
  echo "FAIL: $*" >&2
  status=1
}
skip() {
  echo "SKIP: $*" >&2
  exit 77
}

# --- What --help says ---------------------------------------------------------
mapfile -t commands < <("$crashctl" --help | awk '/^Subcommands:/ { s = 1; next } s && /^$/ { exit } s && /^  [a-z]/ { print $1 }')
((${#commands[@]} >= 3)) || { echo "cannot read the commands of crashctl --help" >&2; exit 1; }
documented=()  # commands with options and a page: all but help
for c in "${commands[@]}"; do [[ $c == help ]] || documented+=("$c"); done

# options CMD: the option names of `crashctl CMD --help` (CMD "" is crashctl).
options() {
  "$crashctl" $1 --help | awk '/^Options:/ { s = 1; next } s && /^$/ { exit }
    s && /^  -/ { n = split($1, a, ","); for (i = 1; i <= n; i++) print a[i] }' | sort -u
}
# values CMD OPTION: the values --help lists for OPTION ("{text,json}"), one per line.
values() {
  "$crashctl" $1 --help | grep -E -- "^  (-[a-z],)?$2 " | grep -oE '\{[^}]*\}' | tr -d '{}' | tr ',' '\n' | sort
}
# limit_names CMD: the names --limit takes, from its help line.
limit_names() {
  "$crashctl" $1 --help | grep -E -- '^  --limit ' | sed 's/.*: //' | tr -d ' ' | tr ',' '\n' | sort
}
# same WHAT EXPECTED ACTUAL: two sorted lists, equal.
same() {
  if [[ "$2" != "$3" ]]; then
    fail "$1: expected [$(echo $2)], got [$(echo $3)]"
  fi
}

if [[ $what == man ]]; then
  command -v man >/dev/null || skip "man is not installed (apt-get install man-db groff-base)"
  render() { LC_ALL=C.UTF-8 MANWIDTH=$1 MANPAGER=cat PAGER=cat man --warnings=w -l "$2"; }
  pages=("$src"/man/*.1)
  [[ ${#pages[@]} == $((${#documented[@]} + 1)) ]] ||
    fail "man/ holds ${#pages[@]} pages for crashctl and ${#documented[@]} commands"
  for cmd in "" "${documented[@]}"; do
    page=$src/man/crashctl${cmd:+-$cmd}.1
    [[ -f $page ]] || { fail "no man page $page"; continue; }
    # Renders at a terminal's width without a single groff warning.
    warnings=$(render 80 "$page" 2>&1 >/dev/null) || fail "man -l $page failed"
    [[ -z $warnings ]] || fail "man -l $page warns: $warnings"
    text=$(render 1000 "$page" 2>/dev/null)
    [[ $(head -1 <<<"$text") == CRASHCTL${cmd:+-${cmd^^}}\(1\)* ]] || fail "$page: title line $(head -1 <<<"$text")"
    # Every option of --help is in the page.
    while read -r opt; do
      grep -qE -- "(^|[^[:alnum:]-])$opt([^[:alnum:]-]|\$)" <<<"$text" || fail "$page lacks $opt"
    done < <(options "$cmd")
    # Every option the page describes (an item of OPTIONS) is one of --help's.
    described=$(grep -oE -- '^ {7}--?[[:alnum:]][[:alnum:]-]*(, --?[[:alnum:]][[:alnum:]-]*)?' <<<"$text" |
      tr ',' '\n' | tr -d ' ' | sort -u)
    [[ -n $described ]] || fail "$page describes no option"
    extra=$(comm -23 <(echo "$described") <(options "$cmd"))
    [[ -z $extra ]] || fail "$page describes options crashctl ${cmd:-} does not have: $(echo $extra)"
    # --format and --color with their values, as --help lists them.
    for opt in --format --color; do
      vals=$("$crashctl" $cmd --help | grep -E -- "^  (-[a-z],)?$opt " | grep -oE '\{[^}]*\}' | tr -d '{}' | tr ',' '|') || continue
      grep -qF -- "$opt $vals" <<<"$text" || fail "$page lacks \"$opt $vals\""
    done
    # crashctl(1) lists every command.
    if [[ -z $cmd ]]; then
      for c in "${commands[@]}"; do
        grep -qE "^ {7}$c( |\$)" <<<"$text" || fail "$page does not list the command $c"
      done
    fi
  done
  [[ $status == 0 ]] && echo "man: ${#pages[@]} pages render without warnings and cover --help"
  exit $status
fi

# --- Completions ----------------------------------------------------------------
# Queries: command lines whose last word is completed. Each gets its expected
# candidates; a shell's answers are compared after stripping a trailing "/"
# (directories) or "=" (--limit NAME=).
queries=() expected=()
add() {
  queries+=("$1")
  expected+=("$(sort -u <<<"$2")")
}
add "crashctl " "$(printf '%s\n' "${commands[@]}")"
add "crashctl -" "$(options "")"
add "crashctl help " "$(printf '%s\n' "${documented[@]}")"
for cmd in "${documented[@]}"; do
  add "crashctl $cmd -" "$(options "$cmd")"
  for opt in --format -f --color; do
    grep -qx -- "$opt" <(options "$cmd") || continue
    long=$opt && [[ $opt == -f ]] && long=--format
    add "crashctl $cmd $opt " "$(values "$cmd" "$long")"
  done
  add "crashctl $cmd --limit " "$(limit_names "$cmd")"
done
# Inputs are files; directories too.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir "$scratch/dumps" "$scratch/dirs"
touch "$scratch/crash-1.txt" "$scratch/core-2.zst" "$scratch/dirs/x"
add "crashctl analyze c" "$(printf 'core-2.zst\ncrash-1.txt\n')"
add "crashctl triage d" "$(printf 'dirs\ndumps\n')"
add "crashctl diff crash-1.txt c" "$(printf 'core-2.zst\ncrash-1.txt\n')"
add "crashctl analyze --source-root d" "$(printf 'dirs\ndumps\n')"

# answer QUERY...: each query's candidates, one per line, then "<END>".
case $what in
bash)
  command -v bash >/dev/null || skip "bash is not installed"
  file=$src/completions/crashctl.bash
  bash -n "$file" || fail "bash -n $file"
  [[ $(bash --norc --noprofile -c 'source "$1"; complete -p crashctl' _ "$file") == "complete -F _crashctl crashctl" ]] ||
    fail "$file does not register _crashctl for crashctl"
  answer() {
    for q in "$@"; do
      read -ra words <<<"$q"
      [[ $q == *" " ]] && words+=("")
      bash --norc --noprofile -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _crashctl
        printf "%s\n" "${COMPREPLY[@]}"' _ "$file" "${words[@]}" 2>/dev/null
      echo "<END>"
    done
  }
  ;;
zsh)
  command -v zsh >/dev/null || skip "zsh is not installed (apt-get install zsh)"
  zsh -n "$src/completions/_crashctl" || fail "zsh -n $src/completions/_crashctl"
  answer() { timeout 60 zsh -f "$src/tests/zsh_complete.zsh" "$src/completions" "$@"; }
  ;;
fish)
  command -v fish >/dev/null || skip "fish is not installed (apt-get install fish)"
  file=$src/completions/crashctl.fish
  fish --no-config -n "$file" || fail "fish -n $file"
  answer() {
    for q in "$@"; do
      fish --no-config -c 'source $argv[1]; complete -C$argv[2]' "$file" "$q" | cut -f1
      echo "<END>"
    done
  }
  ;;
*)
  echo "usage: $0 man|bash|zsh|fish CRASHCTL SOURCE_DIR" >&2
  exit 2
  ;;
esac

# The shell runs in the scratch directory, its files to complete.
mapfile -t answers < <(cd "$scratch" && answer "${queries[@]}" | awk '
  /^<END>$/ { print got; got = ""; next }
  { sub(/[\/=]$/, ""); if ($0 != "") got = got (got == "" ? "" : "\034") $0 }')
[[ ${#answers[@]} == "${#queries[@]}" ]] || fail "$what answered ${#answers[@]} of ${#queries[@]} queries"
for i in "${!queries[@]}"; do
  got=$(tr '\034' '\n' <<<"${answers[i]:-}" | sort -u)
  same "$what: '${queries[i]}'" "${expected[i]}" "$got"
done
echo "$what: ${#queries[@]} completions checked"
exit $status
