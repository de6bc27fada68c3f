// A complete text form of what a decoder filled in an Input.
#include "model/describe.h"

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

namespace crashctl {

static void describe_frame(std::ostringstream &o, const Frame &f) {
  o << "  " << f.function << " [" << f.package << "] (" << f.args << ") " << f.file << ":" << f.line
    << " off=" << (f.pc_offset ? std::to_string(*f.pc_offset) : "-") << " pc=" << (f.pc ? std::to_string(*f.pc) : "-")
    << (f.inlined ? " inlined" : "") << (f.non_go ? " non-go" : "") << "\n";
}

// Everything the decoder fills, as text; stacks by content and by identity.
std::string describe_decoded(const Input &in) {
  std::ostringstream o;
  o << "size=" << in.size << " failed=" << in.failed << "\n";
  for (const Report &r : in.reports) {
    const Process &p = r.process;
    o << "report kind=" << int(r.kind) << " " << r.offset << ".." << r.end_offset << " go=" << p.go_version.version
      << "/" << p.go_version.min_release << "/" << p.go_version.source << " panics=" << p.panics.size()
      << " notes=" << p.notes.size() << "\n";
    std::vector<const Stack *> seen;
    for (const Goroutine &g : p.goroutines) {
      auto idx = std::find(seen.begin(), seen.end(), g.stack.get()) - seen.begin();
      if (size_t(idx) == seen.size()) seen.push_back(g.stack.get());
      o << "g " << g.id << " st=" << int(g.status) << " wr=" << g.wait_reason << " min=" << g.wait_minutes
        << " parent=" << g.parent_goid << " off=" << g.offset << " unavail=" << g.stack_unavailable << " stack#" << idx
        << " own_args=[" << (g.frame_args ? std::string_view(*g.frame_args) : std::string_view())
        << "] extras: m=" << g.extras().m << " gp=" << g.extras().gp().value_or(0)
        << " anc=" << g.details().ancestors.size() << "\n";
      if (g.created_by)
        o << " created_by " << g.created_by->function << " " << g.created_by->file << ":" << g.created_by->line << "\n";
      for (size_t i = 0; i < g.stack->frames.size(); ++i) {
        describe_frame(o, g.stack->frames[i]);
        o << "   args=" << frame_args(g, i);
        if (auto a = frame_addresses(g, i)) o << " fp=" << a->fp << " sp=" << a->sp;
        o << "\n";
      }
      if (g.stack->elided_at) o << "  elided at " << *g.stack->elided_at << " n=" << g.stack->elided_count << "\n";
    }
  }
  for (const Diagnostic &d : in.diagnostics)
    o << "diag " << int(d.severity) << " @" << d.offset << " " << d.message << "\n";
  return o.str();
}

}  // namespace crashctl
