#include "core/runtime_layout.h"

namespace crashctl::core {

Off field_offset(const binary::GoProgram &exe, std::string_view type, std::string_view path) {
  const binary::TypeInfo *t = exe.type(type);
  uint64_t at = 0;
  while (t) {
    size_t dot = path.find('.');
    std::string_view name = path.substr(0, dot);
    const binary::TypeField *f = t->field(name);
    if (!f) return {};
    at += f->offset;
    if (dot == std::string_view::npos) {
      // Atomic wrappers (atomic.Uint32, atomic.Int64, ...) keep the value in `value`.
      if (const binary::TypeInfo *ft = exe.type(f->type))
        if (const binary::TypeField *v = ft->field("value"); v && ft->fields.size() <= 3) at += v->offset;
      return {at, true};
    }
    path = path.substr(dot + 1);
    t = exe.type(f->type);
  }
  return {};
}

RuntimeLayout RuntimeLayout::read(const binary::GoProgram &exe) {
  RuntimeLayout l;
  auto size_of = [&](std::string_view name) -> uint64_t {
    const binary::TypeInfo *t = exe.type(name);
    if (!t) l.problems.push_back("the executable's DWARF has no type " + std::string(name));
    return t ? t->size : 0;
  };
  l.g_size = size_of("runtime.g");
  l.m_size = size_of("runtime.m");
  l.defer_size = size_of("runtime._defer");
  l.panic_size = size_of("runtime._panic");
  auto g = [&](std::string_view p) { return field_offset(exe, "runtime.g", p); };
  l.g_stack_lo = g("stack.lo");
  l.g_stack_hi = g("stack.hi");
  l.g_panic = g("_panic");
  l.g_defer = g("_defer");
  l.g_m = g("m");
  l.g_sched_sp = g("sched.sp");
  l.g_sched_pc = g("sched.pc");
  l.g_sched_bp = g("sched.bp");
  l.g_sched_lr = g("sched.lr");
  l.g_syscallsp = g("syscallsp");
  l.g_syscallpc = g("syscallpc");
  l.g_syscallbp = g("syscallbp");
  l.g_status = g("atomicstatus");
  l.g_goid = g("goid");
  l.g_waitsince = g("waitsince");
  l.g_waitreason = g("waitreason");
  l.g_gopc = g("gopc");
  l.g_startpc = g("startpc");
  l.g_parent_goid = g("parentGoid");
  l.g_lockedm = g("lockedm");
  l.g_sig = g("sig");
  l.g_sigcode0 = g("sigcode0");
  l.g_sigcode1 = g("sigcode1");
  l.g_sigpc = g("sigpc");
  l.g_labels = g("labels");
  l.g_ancestors = g("ancestors");
  // Only in executables that keep ancestors (any Go program may: the type
  // is the runtime's); not a problem when absent.
  if (const binary::TypeInfo *ai = exe.type("runtime.ancestorInfo")) {
    l.ancestor_size = ai->size;
    l.a_pcs = field_offset(exe, "runtime.ancestorInfo", "pcs");
    l.a_goid = field_offset(exe, "runtime.ancestorInfo", "goid");
    l.a_gopc = field_offset(exe, "runtime.ancestorInfo", "gopc");
  }
  auto m = [&](std::string_view p) { return field_offset(exe, "runtime.m", p); };
  l.m_procid = m("procid");
  l.m_curg = m("curg");
  l.m_id = m("id");
  l.m_alllink = m("alllink");
  auto d = [&](std::string_view p) { return field_offset(exe, "runtime._defer", p); };
  l.d_heap = d("heap");
  l.d_rangefunc = d("rangefunc");
  l.d_open = d("openDefer");
  l.d_started = d("started");
  l.d_sp = d("sp");
  l.d_pc = d("pc");
  l.d_fn = d("fn");
  l.d_link = d("link");
  l.d_head = d("head");
  auto p = [&](std::string_view f) { return field_offset(exe, "runtime._panic", f); };
  l.p_arg = p("arg");
  l.p_link = p("link");
  l.p_recovered = p("recovered");
  l.p_repanicked = p("repanicked");
  l.p_goexit = p("goexit");
  l.p_aborted = p("aborted");
  // internal/abi.Type (Go 1.21+) exports its fields; runtime._type did not.
  std::string type_name = exe.type("internal/abi.Type") ? "internal/abi.Type" : "runtime._type";
  auto t = [&](std::string_view exported, std::string_view old) {
    Off o = field_offset(exe, type_name, exported);
    return o.ok ? o : field_offset(exe, type_name, old);
  };
  l.t_str = t("Str", "str");
  l.t_tflag = t("TFlag", "tflag");
  l.t_kind = t("Kind_", "kind");
  l.md_types = field_offset(exe, "runtime.moduledata", "types");

  struct Need {
    const char *what;
    const Off &off;
  };
  for (const Need &n : {Need{"runtime.g.goid", l.g_goid}, Need{"runtime.g.atomicstatus", l.g_status},
                        Need{"runtime.g.sched.sp", l.g_sched_sp}, Need{"runtime.g.sched.pc", l.g_sched_pc},
                        Need{"runtime.g.stack.lo", l.g_stack_lo}, Need{"runtime.m.procid", l.m_procid},
                        Need{"runtime.m.curg", l.m_curg}})
    if (!n.off.ok) l.problems.push_back(std::string("the executable's DWARF has no field ") + n.what);

  // Goroutine statuses as the runtime prints them (goroutineheader uses
  // gStatusStrings; the constant names are stable since Go 1.4).
  static const std::pair<const char *, const char *> names[] = {
      {"runtime._Gidle", "idle"},           {"runtime._Grunnable", "runnable"},   {"runtime._Grunning", "running"},
      {"runtime._Gsyscall", "syscall"},     {"runtime._Gwaiting", "waiting"},     {"runtime._Gdead", "dead"},
      {"runtime._Gcopystack", "copystack"}, {"runtime._Gpreempted", "preempted"}, {"runtime._Gleaked", "leaked"},
      {"runtime._Gdeadextra", "dead"},
  };
  for (const auto &[cname, pretty] : names)
    if (auto v = exe.constant(cname)) l.status_names[uint32_t(*v)] = pretty;
  if (l.status_names.empty()) {
    l.problems.push_back("the executable's DWARF has no runtime._G* constants; using the values of Go 1.21");
    const char *def[] = {"idle",     "runnable", "running", "syscall",   "waiting",
                         "moribund", "dead",     "enqueue", "copystack", "preempted"};
    for (uint32_t i = 0; i < 10; ++i) l.status_names[i] = def[i];
  }
  if (auto v = exe.constant("runtime._Gscan")) l.gscan = uint32_t(*v);
  return l;
}

}  // namespace crashctl::core
