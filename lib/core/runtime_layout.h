// Offsets of the runtime's structures and the values of its constants, read
// from the executable's DWARF for the Go release that built it.
#pragma once

#include "binary/executable.h"

#include "llvm/Support/Endian.h"

#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace crashctl::core {

// A field offset; `ok` is false when this release's runtime has no such field.
struct Off {
  uint64_t at = 0;
  bool ok = false;
};

struct RuntimeLayout {
  uint64_t g_size = 0, m_size = 0, defer_size = 0, panic_size = 0;
  // runtime.g
  Off g_stack_lo, g_stack_hi, g_panic, g_defer, g_m, g_sched_sp, g_sched_pc, g_sched_bp, g_sched_lr, g_syscallsp,
      g_syscallpc, g_syscallbp, g_status, g_goid, g_waitsince, g_waitreason, g_gopc, g_startpc, g_parent_goid,
      g_lockedm, g_sig, g_sigcode0, g_sigcode1, g_sigpc, g_labels, g_ancestors;
  // runtime.ancestorInfo (the elements of *g.ancestors)
  uint64_t ancestor_size = 0;
  Off a_pcs, a_goid, a_gopc;
  // runtime.m
  Off m_procid, m_curg, m_id, m_alllink;
  // runtime._defer
  Off d_heap, d_rangefunc, d_open, d_started, d_sp, d_pc, d_fn, d_link, d_head;
  // runtime._panic
  Off p_arg, p_link, p_recovered, p_repanicked, p_goexit, p_aborted;
  // internal/abi.Type (runtime._type before 1.21)
  Off t_str, t_tflag, t_kind;
  // runtime.moduledata
  Off md_types;

  std::map<uint32_t, std::string> status_names;  // _Grunning -> "running" etc., without _Gscan
  uint32_t gscan = 0x1000;
  std::vector<std::string> problems;  // missing types or fields that matter

  // Reads everything from EXE's DWARF; missing pieces are listed in problems.
  static RuntimeLayout read(const binary::GoProgram &exe);
};

// A runtime struct (g, _defer, _panic) copied out of the core, read at the
// layout's offsets (little-endian, as on amd64 and arm64): a field this
// release lacks, or one past the copy, reads 0.
struct Record {
  std::vector<char> raw;
  uint64_t u64(const Off &o) const {
    return o.ok && o.at + 8 <= raw.size() ? llvm::support::endian::read64le(raw.data() + o.at) : 0;
  }
  uint32_t u32(const Off &o) const {
    return o.ok && o.at + 4 <= raw.size() ? llvm::support::endian::read32le(raw.data() + o.at) : 0;
  }
  uint8_t u8(const Off &o) const { return o.ok && o.at < raw.size() ? uint8_t(raw[o.at]) : 0; }
  bool flag(const Off &o) const { return o.ok && o.at < raw.size() && raw[o.at] != 0; }
};

// The offset of PATH ("sched.pc") inside the DWARF struct TYPE.
Off field_offset(const binary::GoProgram &exe, std::string_view type, std::string_view path);

}  // namespace crashctl::core
