#!/usr/bin/env python3
"""compare-delve.py DELVE_OUT_DIR CRASHCTL_JSON_DIR [-v] [FILTER...]

Compares what Delve's `dlv core` printed (testdata/delve-crosscheck.sh output:
DELVE_OUT_DIR/<release>/<core name>.dlv.txt) with crashctl's JSON for the same
fixture (CRASHCTL_JSON_DIR/<release>/<core name>.json, as written by
delve-crosscheck.sh with CRASHCTL=... or by
`crashctl analyze CORE --exe EXE -f json`).

Per fixture it compares
  * the set of goroutine ids;
  * per goroutine both tools list: the frame list (function + line) from
    Delve's `stack DEPTH -defer`, and the top user frame (first frame outside
    runtime/internal packages);
  * wait reasons (Delve's `[reason]` in `goroutines` vs crashctl wait_reason);
  * defers: Delve's `stack -defer` entries vs crashctl defers[], matched as a
    multiset of (function, line); crashctl's extra ones are split by why Delve
    cannot show them (open-coded, already ran, running);
  * thread ids (Delve `threads` vs crashctl threads[].tid).
and prints a summary table, a totals line and then, per fixture, every
disagreement in detail (-v: also the goroutines that agree).

Frame classes per goroutine:
  same         identical function+line lists
  f0-line      same functions; only frame 0's line differs (Delve takes the
               line of a parked goroutine's saved PC itself; the runtime and
               crashctl take PC-1, the call instruction)
  lines        same functions, other lines differ
  signal       Delve's stack runs through a signal handler (runtime.sigtrampgo):
               compared after the last sigtrampgo frame; crashctl keeps those
               frames in system_stack_frames
  differ       anything else
Deterministic: output depends only on the two directories' contents.
Python 3 standard library only.
"""
import collections
import difflib
import json
import os
import re
import sys

MARK = re.compile(r'^"@@ (.*)"$')
G_LINE = re.compile(
    r'^(?P<cur>[* ]) Goroutine (?P<id>\d+) - \w+: (?P<loc>.*?) \((?P<pc>0x[0-9a-f]+)\)'
    r'(?: \(thread (?P<thread>\d+)\))?(?: \[(?P<reason>[^\]]*)\])?\s*$')
T_LINE = re.compile(r'^[* ] Thread (?P<tid>\d+) at (?P<pc>0x[0-9a-f]+) (?P<rest>.*)$')
FRAME = re.compile(r'^\s*(?P<i>\d+)\s+0x(?P<pc>[0-9a-f]+) in (?P<fn>.+?)\s*$')
AT = re.compile(r'^\s+at (?P<file>.*):(?P<line>-?\d+)\s*$')
DEFER = re.compile(r'^\s+defer (?P<n>\d+): (?:0x(?P<pc>[0-9a-f]+) in (?P<fn>.+?)|\(unreadable defer: (?P<err>.*)\))\s*$')
DEFERRED_BY = re.compile(r'^\s+deferred by (?P<fn>\S+) at (?P<file>.*):(?P<line>-?\d+)\s*$')
ERRLINE = re.compile(r'^\s+error: (?P<err>.*)$')
STACK_CMD = re.compile(r'^goroutine (\d+) stack (\d+) -defer$')

# The runtime (and crashctl, which follows its traceback) prints
# runtime.gopanic as "panic".
ALIASES = {'panic': 'runtime.gopanic'}


def norm_fn(fn):
    return ALIASES.get(fn, fn)


def is_user(fn):
    fn = norm_fn(fn)
    return not (fn.startswith('runtime.') or fn.startswith('internal/') or
                fn.startswith('runtime/internal') or fn.startswith('C.') or
                fn == '???' or fn.startswith('_cgo_') or fn.startswith('crosscall'))


def parse_delve(path):
    """-> dict with goroutines{id:{reason,thread,current}}, threads[set],
    stacks{id:{frames:[(fn,line,pc)], defers:[...], truncated, errors}}, warnings."""
    sections = collections.OrderedDict()
    cur = None
    pre = []
    with open(path, encoding='utf-8', errors='replace') as f:
        for raw in f:
            line = raw.rstrip('\n')
            m = MARK.match(line)
            if m:
                cur = m.group(1)
                sections[cur] = []
            elif cur is None:
                pre.append(line)
            else:
                sections[cur].append(line)
    out = {'goroutines': collections.OrderedDict(), 'threads': set(), 'stacks': {},
           'warnings': [l for l in pre if 'WARNING' in l or 'rror' in l],
           'labels': {}, 'go_loc': {}}
    for line in sections.get('goroutines', []):
        m = G_LINE.match(line)
        if m:
            out['goroutines'][int(m.group('id'))] = {
                'reason': m.group('reason') or '',
                'thread': int(m.group('thread')) if m.group('thread') else None,
                'current': m.group('cur') == '*',
                'user_loc': m.group('loc'),
            }
    for line in sections.get('goroutines -l', []):
        m = re.match(r'^[* ] Goroutine (\d+) .*?(\{.*\})\s*$', line)
        if m and 'Labels' in line or (m and '=' in m.group(2)):
            out['labels'][int(m.group(1))] = m.group(2)
    for line in sections.get('goroutines -g', []):
        m = G_LINE.match(line)
        if m:
            out['go_loc'][int(m.group('id'))] = m.group('loc')
    for line in sections.get('threads', []):
        m = T_LINE.match(line)
        if m:
            out['threads'].add(int(m.group('tid')))
    for cmd, lines in sections.items():
        m = STACK_CMD.match(cmd)
        if not m:
            continue
        gid, depth = int(m.group(1)), int(m.group(2))
        frames, defers, errors = [], [], []
        truncated = False
        i = 0
        while i < len(lines):
            line = lines[i]
            fm = FRAME.match(line)
            dm = DEFER.match(line)
            if dm:
                d = {'n': int(dm.group('n')), 'frame': len(frames) - 1}
                if dm.group('err'):
                    d.update(fn=None, line=None, err=dm.group('err'))
                else:
                    d.update(fn=dm.group('fn'), err=None)
                    if i + 1 < len(lines) and AT.match(lines[i + 1]):
                        a = AT.match(lines[i + 1])
                        d['file'], d['line'] = a.group('file'), int(a.group('line'))
                        i += 1
                    if i + 1 < len(lines) and DEFERRED_BY.match(lines[i + 1]):
                        b = DEFERRED_BY.match(lines[i + 1])
                        d['by'] = (b.group('fn'), int(b.group('line')))
                        i += 1
                defers.append(d)
            elif fm:
                fn = fm.group('fn')
                ln = None
                if i + 1 < len(lines) and AT.match(lines[i + 1]):
                    ln = int(AT.match(lines[i + 1]).group('line'))
                    i += 1
                frames.append((fn, ln, int(fm.group('pc'), 16)))
            elif ERRLINE.match(line):
                errors.append(ERRLINE.match(line).group('err'))
            elif line.strip() == '(truncated)':
                truncated = True
            i += 1
        out['stacks'][gid] = {'frames': frames, 'defers': defers, 'truncated': truncated,
                              'errors': errors, 'depth': depth}
    return out


def load_crashctl(path):
    try:
        with open(path, encoding='utf-8') as f:
            doc = json.load(f)
    except ValueError:
        return None
    for inp in doc.get('inputs', []):
        for rep in inp.get('reports', []):
            if rep.get('goroutines') is not None:
                return rep
    return None


def top_user(frames):
    for fr in frames:
        if is_user(fr[0]):
            return (norm_fn(fr[0]), fr[1])
    return None


def trim_signal(dfr):
    """Drop Delve's signal-handler frames: everything up to the last
    runtime.sigtrampgo (crashctl keeps those in system_stack_frames)."""
    idx = [i for i, (fn, _) in enumerate(dfr) if fn == 'runtime.sigtrampgo']
    return (dfr[idx[-1] + 1:], True) if idx else (dfr, False)


def classify_frames(dfr, cfr, dtrunc):
    """dfr, cfr: lists of (fn, line). -> (class, fn_matched, line_matched,
    compared delve frames, compared crashctl frames, note, dfr, cfr)"""
    note = ''
    dfr, sig = trim_signal(dfr)
    if dtrunc and len(cfr) > len(dfr):
        cfr = cfr[:len(dfr)]
        note = 'delve-truncated'
    dn = [(norm_fn(f), l) for f, l in dfr]
    cn = [(norm_fn(f), l) for f, l in cfr]
    sm = difflib.SequenceMatcher(a=[f for f, _ in dn], b=[f for f, _ in cn], autojunk=False)
    fmatch = lmatch = 0
    for b in sm.get_matching_blocks():
        fmatch += b.size
        lmatch += sum(1 for k in range(b.size) if dn[b.a + k][1] == cn[b.b + k][1])
    if sig:
        cls = 'signal'
    elif dn == cn:
        cls = 'same'
    elif [f for f, _ in dn] == [f for f, _ in cn]:
        diff = [i for i in range(len(dn)) if dn[i][1] != cn[i][1]]
        cls = 'f0-line' if diff == [0] else 'lines'
    else:
        cls = 'differ'
    return cls, fmatch, lmatch, len(dn), len(cn), note, dfr, cfr


def frame_diff(dfr, cfr):
    dn = ['%s:%s' % (norm_fn(f), l) for f, l in dfr]
    cn = ['%s:%s' % (norm_fn(f), l) for f, l in cfr]
    out = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=dn, b=cn, autojunk=False).get_opcodes():
        if tag == 'equal':
            continue
        out.append('%s delve[%d:%d]=%s crashctl[%d:%d]=%s' % (
            tag, i1, i2, dn[i1:i2], j1, j2, cn[j1:j2]))
    return out


def compare_fixture(dlv, rep):
    res = collections.OrderedDict()
    details = []
    dg = set(dlv['goroutines'])
    cgs = {g['id']: g for g in rep.get('goroutines', [])}
    cg = set(cgs)
    both = sorted(dg & cg)
    res['dlv_g'] = len(dg)
    res['cc_g'] = len(cg)
    res['g_agree'] = len(both)
    only_d, only_c = sorted(dg - cg), sorted(cg - dg)
    if only_d:
        details.append('goroutines only Delve lists: %s' % only_d)
        for gid in only_d:
            st = dlv['stacks'].get(gid, {'frames': []})
            details.append('  delve g%d: %s' % (gid, ' <- '.join(
                '%s:%s' % (f, l) for f, l, _ in st['frames'][:4])))
    if only_c:
        details.append('goroutines only crashctl lists: %s' % only_c)
    classes = collections.Counter()
    fr_fn = fr_line = fr_d = fr_c = 0
    top_agree = top_n = 0
    wait_agree = 0
    wait_diff = []
    d_def = c_def = def_match = 0
    c_kinds = collections.Counter()
    c_only = collections.Counter()
    d_only = []
    owner_agree = 0
    cre_agree = 0
    for gid in both:
        g = cgs[gid]
        dgo = dlv['go_loc'].get(gid)
        cb = g.get('created_by')
        cgo = ('%s:%s' % (cb['file'], cb['line'])) if cb else None
        dgo_fl = dgo.rsplit(' ', 1)[0] if dgo else None
        if dgo_fl == cgo or (cb is None and dgo and dgo.startswith('<autogenerated>')):
            cre_agree += 1
        else:
            details.append('g%d creator: delve %s crashctl %s' % (gid, dgo, cgo))
        cfr = [(f['function'], f['line']) for f in g.get('frames') or []]
        st = dlv['stacks'].get(gid)
        # wait reason
        dr = dlv['goroutines'][gid]['reason']
        cr = g.get('wait_reason') or ''
        if dr == cr:
            wait_agree += 1
        else:
            wait_diff.append('g%d delve=[%s] crashctl=[%s] (state %s)' % (gid, dr, cr, g.get('state')))
        if st is None:
            classes['no-delve-stack'] += 1
            continue
        dfr = [(f, l) for f, l, _ in st['frames']]
        cls, fm, lm, dn, cn, note, tdfr, tcfr = classify_frames(dfr, cfr, st['truncated'])
        classes[cls] += 1
        fr_fn += fm
        fr_line += lm
        fr_d += dn
        fr_c += cn
        if cls != 'same':
            lab = cls + (' (%s)' % note if note else '')
            if cls == 'f0-line':
                details.append('g%d %s: frame 0 %s line delve %s crashctl %s' % (
                    gid, lab, norm_fn(dfr[0][0]), dfr[0][1], cfr[0][1]))
            else:
                details.append('g%d %s: %d delve / %d crashctl frames%s' % (
                    gid, lab, len(dfr), len(cfr),
                    ' (delve: %d signal-handler frames dropped)' % (len(dfr) - len(tdfr))
                    if cls == 'signal' else ''))
                for d in frame_diff(tdfr, tcfr):
                    details.append('    ' + d)
            if st['errors']:
                details.append('    delve frame errors: %s' % st['errors'][:3])
        tu_d, tu_c = top_user(dfr), top_user(cfr)
        if tu_d or tu_c:
            top_n += 1
            if tu_d == tu_c:
                top_agree += 1
            else:
                details.append('g%d top user frame: delve %s crashctl %s' % (gid, tu_d, tu_c))
        # defers
        dd = [d for d in st['defers']]
        cd = g.get('defers') or []
        d_def += len(dd)
        c_def += len(cd)
        for d in cd:
            c_kinds[d.get('kind')] += 1
        dkeys = collections.Counter((norm_fn(d['fn']) if d['fn'] else '<unreadable>', d.get('line'))
                                    for d in dd)
        ckeys = collections.Counter((d['function'], d['line']) for d in cd)
        m = dkeys & ckeys
        def_match += sum(m.values())
        # which crashctl defers are extra, and why
        left = collections.Counter(m)
        for d in cd:
            k = (d['function'], d['line'])
            if left[k] > 0:
                left[k] -= 1
                continue
            why = ('ran' if d.get('ran') else 'running' if d.get('running') else 'pending')
            c_only['%s/%s' % (d.get('kind'), why)] += 1
            details.append('g%d defer only crashctl: %s:%s kind=%s ran=%s running=%s calls_recover=%s%s' % (
                gid, d['function'], d['line'], d.get('kind'), d.get('ran'), d.get('running'),
                d.get('calls_recover'), (' recover_via=%s' % d['recover_via']) if d.get('recover_via') else ''))
        extra_d = dkeys - ckeys
        for (fn, ln), n in sorted(extra_d.items(), key=lambda kv: (str(kv[0][0]), str(kv[0][1]))):
            d_only.append((gid, fn, ln, n))
            details.append('g%d defer only Delve: %s:%s x%d' % (gid, fn, ln, n))
        # owner frame of matched defers
        cfun = [f['function'] for f in g.get('frames') or []]
        downer = collections.Counter()
        for d in dd:
            if d['fn'] and 0 <= d['frame'] < len(dfr):
                downer[(norm_fn(d['fn']), d.get('line'), norm_fn(dfr[d['frame']][0]))] += 1
        cowner = collections.Counter()
        for d in cd:
            fi = d.get('frame_index')
            if fi is not None and 0 <= fi < len(cfun):
                cowner[(d['function'], d['line'], norm_fn(cfun[fi]))] += 1
        owner_agree += sum((downer & cowner).values())
    for w in wait_diff:
        details.append('wait reason: ' + w)
    res['frames'] = classes
    res['fr_fn'] = fr_fn
    res['fr_line'] = fr_line
    res['fr_d'] = fr_d
    res['fr_c'] = fr_c
    res['top_agree'] = top_agree
    res['top_n'] = top_n
    res['cre_agree'] = cre_agree
    res['wait_agree'] = wait_agree
    res['wait_n'] = len(both)
    res['d_def'] = d_def
    res['c_def'] = c_def
    res['def_match'] = def_match
    res['owner_agree'] = owner_agree
    res['c_kinds'] = c_kinds
    res['c_only'] = c_only
    res['d_only'] = sum(n for *_, n in d_only)
    dt = dlv['threads']
    ct = {t['tid'] for t in rep.get('threads') or []}
    res['threads'] = '%d/%d' % (len(dt & ct), len(dt | ct))
    if dt != ct:
        details.append('threads: only delve %s only crashctl %s' % (sorted(dt - ct), sorted(ct - dt)))
    res['warn'] = 'too-old' if any('too old' in w for w in dlv['warnings']) else ''
    return res, details


def fmt_counter(c, order=None):
    keys = order or sorted(c)
    return ' '.join('%s=%d' % (k, c[k]) for k in keys if c.get(k))


def main(argv):
    verbose = '-v' in argv
    args = [a for a in argv if a != '-v']
    if len(args) < 2:
        sys.stderr.write(__doc__)
        return 2
    ddir, cdir, filters = args[0], args[1], args[2:]
    fixtures = []
    for rel in sorted(os.listdir(ddir)):
        p = os.path.join(ddir, rel)
        if not os.path.isdir(p) or rel == os.path.basename(os.path.normpath(cdir)):
            continue
        for fn in sorted(os.listdir(p)):
            if fn.endswith('.dlv.txt'):
                name = fn[:-len('.dlv.txt')]
                key = '%s/%s' % (rel, name)
                if filters and not any(key == f or key.startswith(f + '/') or rel == f or
                                       key.split('.')[0] == f for f in filters):
                    continue
                fixtures.append((rel, name))
    if not fixtures:
        sys.stderr.write('compare-delve: no *.dlv.txt under %s\n' % ddir)
        return 2
    hdr = ('fixture', 'dlv', 'cc', 'ids', 'frames(same/f0-line/lines/signal/differ)', 'frm-fn/line/dlv/cc',
           'top-user', 'wait', 'creator', 'threads', 'def-dlv', 'def-cc', 'def-match', 'cc-only-defers', 'note')
    rows = [hdr]
    all_details = []
    tot = collections.Counter()
    tot_cls = collections.Counter()
    tot_conly = collections.Counter()
    tot_kinds = collections.Counter()
    missing = []
    for rel, name in fixtures:
        jp = os.path.join(cdir, rel, name + '.json')
        if not os.path.exists(jp):
            missing.append('%s/%s' % (rel, name))
            continue
        dlv = parse_delve(os.path.join(ddir, rel, name + '.dlv.txt'))
        rep = load_crashctl(jp)
        if rep is None:
            missing.append('%s/%s (no goroutines in JSON)' % (rel, name))
            continue
        r, det = compare_fixture(dlv, rep)
        cls = r['frames']
        rows.append(('%s/%s' % (rel, name), str(r['dlv_g']), str(r['cc_g']),
                     'ok' if r['g_agree'] == r['dlv_g'] == r['cc_g'] else '%d common' % r['g_agree'],
                     '/'.join(str(cls.get(k, 0)) for k in ('same', 'f0-line', 'lines', 'signal', 'differ')),
                     '%d/%d/%d/%d' % (r['fr_fn'], r['fr_line'], r['fr_d'], r['fr_c']),
                     '%d/%d' % (r['top_agree'], r['top_n']),
                     '%d/%d' % (r['wait_agree'], r['wait_n']),
                     '%d/%d' % (r['cre_agree'], r['wait_n']),
                     r['threads'],
                     str(r['d_def']), str(r['c_def']), str(r['def_match']),
                     fmt_counter(r['c_only']) or '-', r['warn'] or '-'))
        for k in ('dlv_g', 'cc_g', 'g_agree', 'fr_fn', 'fr_line', 'fr_d', 'fr_c', 'top_agree', 'top_n',
                  'wait_agree', 'wait_n', 'cre_agree', 'd_def', 'c_def', 'def_match', 'd_only', 'owner_agree'):
            tot[k] += r[k]
        tot['fixtures'] += 1
        tot_cls.update(cls)
        tot_conly.update(r['c_only'])
        tot_kinds.update(r['c_kinds'])
        if det or verbose:
            all_details.append(('%s/%s' % (rel, name), det))
    widths = [max(len(row[i]) for row in rows) for i in range(len(hdr))]
    for row in rows:
        print('  '.join(c.ljust(widths[i]) for i, c in enumerate(row)).rstrip())
    print()
    print('TOTAL: %d fixtures; goroutines delve %d crashctl %d common %d; '
          'frame classes %s; frames compared delve %d crashctl %d, same function %d, same function+line %d; top user frame %d/%d; wait reason %d/%d; creator %d/%d; '
          'defers delve %d crashctl %d (%s) matched %d (same owner frame %d), only delve %d; '
          'crashctl-only defers: %s' % (
              tot['fixtures'], tot['dlv_g'], tot['cc_g'], tot['g_agree'],
              fmt_counter(tot_cls, ['same', 'f0-line', 'lines', 'signal', 'differ', 'no-delve-stack']),
              tot['fr_d'], tot['fr_c'], tot['fr_fn'], tot['fr_line'], tot['top_agree'], tot['top_n'],
              tot['wait_agree'], tot['wait_n'], tot['cre_agree'], tot['wait_n'], tot['d_def'], tot['c_def'], fmt_counter(tot_kinds),
              tot['def_match'], tot['owner_agree'], tot['d_only'], fmt_counter(tot_conly)))
    if missing:
        print('no crashctl JSON for: %s' % ', '.join(missing))
    for fx, det in all_details:
        print()
        print('== %s' % fx)
        for d in det:
            print('  ' + d)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
