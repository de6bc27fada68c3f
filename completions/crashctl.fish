# fish completion for crashctl: commands, options, their values, and files.
# Installed as share/fish/vendor_completions.d/crashctl.fish; tests/shell_docs_test.sh
# checks it against `crashctl COMMAND --help`.

set -l commands analyze triage diff explain help
set -l none "not __fish_seen_subcommand_from $commands"
set -l analyze "__fish_seen_subcommand_from analyze"
set -l triage "__fish_seen_subcommand_from triage"
set -l diff "__fish_seen_subcommand_from diff"
set -l explain "__fish_seen_subcommand_from explain"
set -l analyzing "__fish_seen_subcommand_from analyze triage"
set -l running "__fish_seen_subcommand_from analyze triage diff"
set -l limits line-bytes= panic-message-bytes= profile-goroutines= diagnostics-per-input= executable-bytes= \
    executable-ratio= zstd-window-bytes= temp-file-bytes= json-depth= table-bytes= memory-bytes=

complete -c crashctl -n $none -f
complete -c crashctl -n $none -a analyze -d 'Explain the crash in each input'
complete -c crashctl -n $none -a triage -d 'Bucket many crash files by signature'
complete -c crashctl -n $none -a diff -d 'Compare two goroutine dumps'
complete -c crashctl -n $none -a explain -d 'What a verdict class means'
complete -c crashctl -n $none -a help -d 'Show help for crashctl or one of its commands'
complete -c crashctl -n $none -s h -l help -d 'Print the help and exit'
complete -c crashctl -n $none -l version -d 'Print version, commit, LLVM, Go releases, schema versions'

complete -c crashctl -n "__fish_seen_subcommand_from help" -f -a "analyze triage diff explain"
complete -c crashctl -n $explain -f
complete -c crashctl -n "$explain; and not string match -q -- '-*' (commandline -opc)[-1]" -f -a "nil-pointer-dereference index-out-of-range slice-bounds-out-of-range nil-map-assignment type-assertion divide-by-zero closed-channel runtime-error explicit-panic concurrent-map-access deadlock stack-overflow out-of-memory unlock-of-unlocked-mutex cgo-signal runtime-fatal external-signal test-timeout data-race snapshot unknown"
complete -c crashctl -n $explain -s h -l help -d 'Print the help and exit'

# Every command; their inputs are files (fish's default).
complete -c crashctl -n $running -s h -l help -d 'Print the help and exit'
complete -c crashctl -n $running -l color -x -a "auto always never" -d Colour
complete -c crashctl -n $running -l limit -x -a "$limits" -d 'Override a resource limit, NAME=VALUE'

complete -c crashctl -n $analyze -s f -l format -x -a "text json editor html sarif" -d 'Output format'
complete -c crashctl -n $analyze -s v -l verbose -d "The whole explanation and the class's"
complete -c crashctl -n $analyze -l link-template -x -d 'HTML link of a local file: {path}, {line}'
complete -c crashctl -n $analyze -s j -l jobs -x -d 'Threads decoding each input (0: one per CPU for text)'
complete -c crashctl -n $triage -s f -l format -x -a "text json csv html sarif" -d 'Output format'
complete -c crashctl -n $diff -s f -l format -x -a "text json" -d 'Output format'

# analyze and triage
complete -c crashctl -n $analyzing -l module -x -d 'Import path of your module: only its frames are blamed'
complete -c crashctl -n $analyzing -l in-app -x -d 'Count frames as your code: package path or function glob'
complete -c crashctl -n $analyzing -l not-in-app -x -d 'Never blame these frames: package path or function glob'
complete -c crashctl -n $analyzing -l codeowners -r -F -d "CODEOWNERS file giving the culprit's owner"
complete -c crashctl -n $analyzing -l owners -r -F -d 'PATTERN=OWNER lines that override CODEOWNERS'
complete -c crashctl -n $analyzing -l signature-lines -d 'Signatures compare frames by function and line'
complete -c crashctl -n $analyzing -l exe -r -F -d 'The executable of a core or heap dump'
complete -c crashctl -n $analyzing -l debug-dir -x -a "(__fish_complete_directories)" -d 'Executables named by build id'
complete -c crashctl -n $analyzing -l sysroot -x -a "(__fish_complete_directories)" -d 'Root holding a core\'s shared libraries'
complete -c crashctl -n $analyzing -l offline -d 'Ask no debuginfod server, read only its cache'
complete -c crashctl -n $analyzing -l memory -d 'Compute what holds the heap (cores, heap dumps)'
complete -c crashctl -n $analyzing -l no-memory -d 'Do not compute what holds the heap'
complete -c crashctl -n $analyzing -l source-root -x -a "(__fish_complete_directories)" -d 'The local checkout'
complete -c crashctl -n $analyzing -l path-map -x -d 'OLD=NEW source path prefix rewrite'
complete -c crashctl -n $analyzing -l revision -x -d 'Commit the program was built from'
complete -c crashctl -n $analyzing -l source-url -x -d 'URL template of a source line on your forge'

complete -c crashctl -n $triage -l baseline -r -F -d "A previous 'triage -f json' table"
complete -c crashctl -n $triage -l merge -d 'Combine triage JSON tables into one'
complete -c crashctl -n $triage -s j -l jobs -x -d 'Threads analyzing files (0: every core)'
complete -c crashctl -n $triage -l follow-symlinks -d 'Follow symbolic links out of the paths given'
complete -c crashctl -n $triage -l path-prefix -x -d 'Prepend to every file path in the table'

complete -c crashctl -n $diff -l old-report -x -d 'Which report of OLD (1-based; negative from the end)'
complete -c crashctl -n $diff -l new-report -x -d 'Which report of NEW (1-based; negative from the end)'
complete -c crashctl -n $diff -l min-growth -x -d 'Smallest increase that counts as growth'
complete -c crashctl -n $diff -l unchanged -d 'List unchanged groups too'
complete -c crashctl -n $diff -l exe -r -F -d 'The executable of both cores or heap dumps'
complete -c crashctl -n $diff -l memory -d 'Compare what holds the heap of two cores'
complete -c crashctl -n $diff -l no-memory -d 'Do not compare what holds the heap'
