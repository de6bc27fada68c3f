#!/usr/bin/env bash
# sarif_schema_test.sh CRASHCTL SOURCE_DIR WORK_DIR
#
# crashctl's SARIF (analyze and triage) against the published SARIF 2.1.0
# JSON schema, with the jsonschema validator installed from PyPI into a venv
# under WORK_DIR. The schema is fetched at test time and never committed:
# OASIS's errata01 copy, else SchemaStore's, else the copy npm's
# @microsoft/jest-sarif package ships (2.1.0 rtm.5, the final schema).
# Exits 77 (skipped) only when neither the registry nor the schema can be had.
set -euo pipefail
crashctl=$1 src=$2 work=$3
mkdir -p "$work"
skip() {
  echo "SKIP: $*"
  exit 77
}

venv=$work/venv
if [[ ! -x $venv/bin/python ]] || ! "$venv/bin/python" -c 'import jsonschema' 2>/dev/null; then
  python3 -m venv "$venv" || skip "python3 -m venv failed (apt-get install python3-venv)"
  "$venv/bin/pip" install -q --disable-pip-version-check jsonschema >"$work/pip.log" 2>&1 ||
    skip "pip could not install jsonschema from PyPI (network or registry unreachable): $(tail -1 "$work/pip.log")"
fi

schema=$work/sarif-schema-2.1.0.json
if [[ ! -s $schema ]]; then
  for url in https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json \
             https://json.schemastore.org/sarif-2.1.0.json; do
    if curl -fsSL --max-time 20 -o "$schema.tmp" "$url" 2>/dev/null; then
      mv "$schema.tmp" "$schema"
      echo "schema: $url"
      break
    fi
  done
fi
if [[ ! -s $schema ]]; then
  (cd "$work" && rm -rf package ./*.tgz && npm pack -q @microsoft/jest-sarif >/dev/null 2>&1 &&
     tar xzf microsoft-jest-sarif-*.tgz package/lib/schemas/sarif-2.1.0-rtm.5.json) ||
    skip "the SARIF schema could not be fetched (OASIS, SchemaStore and the npm registry unreachable)"
  mv "$work/package/lib/schemas/sarif-2.1.0-rtm.5.json" "$schema"
  echo "schema: npm @microsoft/jest-sarif lib/schemas/sarif-2.1.0-rtm.5.json"
fi

fx=$src/testdata
exe=$fx/cores/go1.26.8/scenarios-core.exe.zst
outputs=()
sarif() {  # NAME ARGS...: crashctl's SARIF of ARGS into WORK/NAME.sarif
  local name=$1
  shift
  "$crashctl" "$@" >"$work/$name.sarif" || [[ $? == 1 || $? == 4 ]]
  outputs+=("$work/$name.sarif")
}
sarif crash-text analyze -f sarif "$fx/fixtures/go1.26.8/nil-deref.all.txt.zst"
sarif several analyze -f sarif "$fx/fixtures/go1.26.8/race.txt.zst" "$fx/fixtures/go1.26.8/stack-overflow.txt.zst" \
  "$fx/fixtures/go1.26.8/sigquit.txt.zst" "$fx/fixtures/go1.26.8/profile-debug2.txt.zst"
sarif recovered analyze -f sarif "$fx/logs/go1.26.8/nethttp.log.zst"
sarif core analyze -f sarif "$fx/cores/go1.26.8/nested-panic.core.zst" --exe "$exe"
sarif source-root analyze -f sarif --source-root "$fx/scenarios" "$fx/fixtures/go1.26.8/panic-in-goroutine.txt.zst"
sarif triage triage -f sarif "$fx/fixtures/go1.26.8"

"$venv/bin/python" - "$schema" "${outputs[@]}" <<'EOF'
import json, sys
from jsonschema.validators import validator_for
schema = json.load(open(sys.argv[1]))
Validator = validator_for(schema)
Validator.check_schema(schema)
bad = 0
for path in sys.argv[2:]:
    log = json.load(open(path))
    errors = sorted(Validator(schema).iter_errors(log), key=lambda e: list(e.path))
    for e in errors[:10]:
        print("FAIL %s: %s at %s" % (path, e.message[:200], "/".join(map(str, e.path))))
    bad += len(errors)
    run = log["runs"][0]
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    results = run["results"]
    for r in results:
        if r["ruleId"] not in rules or rules[r["ruleIndex"]] != r["ruleId"]:
            print("FAIL %s: ruleId %s / ruleIndex %s do not name a rule" % (path, r["ruleId"], r.get("ruleIndex")))
            bad += 1
        if "crashctl/signature/v1" not in r.get("partialFingerprints", {}):
            print("FAIL %s: a result without its signature" % path)
            bad += 1
    print("ok   %s: %d results, valid against the SARIF 2.1.0 schema" % (path, len(results)) if not errors else
          "FAIL %s: %d schema errors" % (path, len(errors)))
sys.exit(1 if bad else 0)
EOF
