# bash completion for crashctl: commands, options, their values, and files.
# Installed as share/bash-completion/completions/crashctl; tests/shell_docs_test.sh
# checks it against `crashctl COMMAND --help`.

_crashctl() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
  local prev_index=$((COMP_CWORD - 1))
  # COMP_WORDBREAKS splits --format=json into "--format" "=" "json".
  if [[ $cur == = ]]; then
    cur=""
  elif [[ $prev == = ]]; then
    prev_index=$((COMP_CWORD - 2))
    prev=${COMP_WORDS[prev_index]}
  fi

  local command="" i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case ${COMP_WORDS[i]} in
    -*) ;;
    *) command=${COMP_WORDS[i]} && break ;;
    esac
  done

  local analysis="--module --in-app --not-in-app --codeowners --owners --signature-lines --exe --debug-dir --sysroot --offline --memory --no-memory
                  --source-root --path-map --revision --source-url --limit"
  local options formats
  case $command in
  "") options="-h --help --version" ;;
  analyze)
    options="-h --help -f --format -v --verbose --link-template -j --jobs $analysis --color"
    formats="text json editor html sarif"
    ;;
  triage)
    options="-h --help -f --format --baseline --merge -j --jobs --follow-symlinks --path-prefix $analysis --color"
    formats="text json csv html sarif"
    ;;
  diff)
    options="-h --help --color -f --format --old-report --new-report --min-growth --unchanged --exe --memory --no-memory --limit"
    formats="text json"
    ;;
  explain)
    options="-h --help"
    if [[ $cur != -* ]]; then
      ((COMP_CWORD == i + 1)) && mapfile -t COMPREPLY < <(compgen -W "nil-pointer-dereference index-out-of-range slice-bounds-out-of-range nil-map-assignment type-assertion divide-by-zero closed-channel runtime-error explicit-panic concurrent-map-access deadlock stack-overflow out-of-memory unlock-of-unlocked-mutex cgo-signal runtime-fatal external-signal test-timeout data-race snapshot unknown" -- "$cur")
      return
    fi
    ;;
  help)
    ((COMP_CWORD == i + 1)) && mapfile -t COMPREPLY < <(compgen -W "analyze triage diff explain" -- "$cur")
    return
    ;;
  *) return ;;
  esac

  if [[ -n $command ]]; then
    case $prev in
    -f | --format)
      mapfile -t COMPREPLY < <(compgen -W "$formats" -- "$cur")
      return
      ;;
    --color)
      mapfile -t COMPREPLY < <(compgen -W "auto always never" -- "$cur")
      return
      ;;
    --limit)
      local limits="line-bytes panic-message-bytes profile-goroutines diagnostics-per-input executable-bytes
                    executable-ratio zstd-window-bytes temp-file-bytes json-depth table-bytes memory-bytes"
      mapfile -t COMPREPLY < <(compgen -S = -W "$limits" -- "$cur")
      compopt -o nospace 2>/dev/null
      return
      ;;
    --exe | --codeowners | --owners | --baseline)
      compopt -o filenames 2>/dev/null
      mapfile -t COMPREPLY < <(compgen -f -- "$cur")
      return
      ;;
    --debug-dir | --sysroot | --source-root)
      compopt -o filenames 2>/dev/null
      mapfile -t COMPREPLY < <(compgen -d -- "$cur")
      return
      ;;
    --module | --in-app | --not-in-app | --path-map | --revision | --source-url | --link-template | --path-prefix | -j | --jobs | --old-report | \
      --new-report | --min-growth)
      return # a value to type
      ;;
    esac
  fi

  if [[ $cur == -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$options" -- "$cur")
  elif [[ -z $command ]]; then
    mapfile -t COMPREPLY < <(compgen -W "analyze triage diff explain help" -- "$cur")
  else
    compopt -o filenames 2>/dev/null
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
  fi
}
complete -F _crashctl crashctl
