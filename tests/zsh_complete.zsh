# zsh_complete.zsh FPATH_DIR LINE...: prints, for each command LINE, the
# matches zsh's completion system offers for its last word, then "<END>".
# A zsh with compinit runs in a pseudo-terminal, and compadd is wrapped to
# print every match it is given. The terminal echoes what is typed, at times
# late, so the markers are typed in pieces ("<"M">") that their echo never
# shows as a marker.
zmodload zsh/zpty || exit 77
zpty z zsh -f -i
zpty -w z "PROMPT='' RPROMPT='' PS2=''; fpath=(${(q)1} \$fpath); autoload -Uz compinit; compinit -u -D"
zpty -w z 'compadd() { local -a hits; builtin compadd -O hits "$@"; (( $#hits )) && print -r -l -- "<"M">"${^hits}; builtin compadd "$@"; }'
# Tab completes, then says so: the next line is typed only after that.
zpty -w z 'complete-then-mark() { zle complete-word; print -r -- "<"COMPLETED">"; }; zle -N complete-then-mark'
zpty -w z "unsetopt autolist listbeep; bindkey '^I' complete-then-mark; print '<'READY'>'"
zpty -r z line '*<READY>*' || exit 1
for query in "${@[2,-1]}"; do
  zpty -w -n z "$query"$'\t'
  while zpty -r z line; do
    [[ $line == *'<COMPLETED>'* ]] && break
    [[ $line == *'<M>'* ]] && print -r -- "${${line##*<M>}%%[$'\r\n']*}"
  done
  print -r -- '<END>'
  zpty -w -n z $'\C-u'
done
zpty -d z
