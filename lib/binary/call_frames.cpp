// DWARF call frame information (.eh_frame, .debug_frame) through LLVM's
// DWARFDebugFrame and UnwindTable: the rules that unwind C frames.
#include "binary/executable_impl.h"

#include <algorithm>

using namespace llvm;

namespace crashctl::binary {

namespace {
using Rule = Executable::RegisterRule;

// UnwindLocation keeps its dereference flag private: compare with the two
// forms of a CFA-relative location.
std::optional<Rule> rule_of(const dwarf::UnwindLocation &loc) {
  Rule r;
  switch (loc.getLocation()) {
    case dwarf::UnwindLocation::Same: r.kind = Rule::Same; return r;
    case dwarf::UnwindLocation::CFAPlusOffset:
      r.offset = loc.getOffset();
      if (loc == dwarf::UnwindLocation::createAtCFAPlusOffset(loc.getOffset()))
        r.kind = Rule::AtCfa;
      else if (loc == dwarf::UnwindLocation::createIsCFAPlusOffset(loc.getOffset()))
        r.kind = Rule::IsCfa;
      else
        return std::nullopt;
      return r;
    case dwarf::UnwindLocation::RegPlusOffset:
      if (!(loc == dwarf::UnwindLocation::createIsRegisterPlusOffset(loc.getRegister(), loc.getOffset())))
        return std::nullopt;
      r.kind = Rule::IsRegister;
      r.reg = loc.getRegister();
      r.offset = loc.getOffset();
      return r;
    default: return std::nullopt;  // undefined, a DWARF expression, a constant
  }
}
}  // namespace

std::optional<Executable::CallFrameRow> Executable::call_frame_row(uint64_t pc) const {
  Impl &im = *impl_;
  std::call_once(im.cfi_once, [&im] {
    DWARFContext *ctx = im.dwarf.get();
    if (!ctx) {
      im.cfi_context = DWARFContext::create(
          *im.object, DWARFContext::ProcessDebugRelocations::Process, nullptr, "",
          [](Error e) { consumeError(std::move(e)); }, [](Error e) { consumeError(std::move(e)); });
      ctx = im.cfi_context.get();
    }
    for (bool eh : {true, false}) {
      Expected<const DWARFDebugFrame *> frames = eh ? ctx->getEHFrame() : ctx->getDebugFrame();
      if (!frames) {
        im.dwarf_problem(frames.takeError());
        continue;
      }
      for (const dwarf::FrameEntry &e : (*frames)->entries())
        if (const auto *fde = dyn_cast<dwarf::FDE>(&e); fde && fde->getAddressRange())
          im.fdes.push_back({fde->getInitialLocation(), fde->getInitialLocation() + fde->getAddressRange(), fde});
    }
    std::stable_sort(im.fdes.begin(), im.fdes.end(),
                     [](const Impl::FdeRange &a, const Impl::FdeRange &b) { return a.begin < b.begin; });
  });
  auto it = std::upper_bound(im.fdes.begin(), im.fdes.end(), pc,
                             [](uint64_t v, const Impl::FdeRange &r) { return v < r.begin; });
  if (it == im.fdes.begin()) return std::nullopt;
  --it;
  if (pc >= it->end) return std::nullopt;
  std::lock_guard<std::mutex> lock(im.cfi_mutex);
  auto [slot, fresh] = im.unwind_tables.try_emplace(it->fde);
  if (fresh) {
    Expected<dwarf::UnwindTable> table = dwarf::UnwindTable::create(it->fde);
    if (table)
      slot->second = std::move(*table);
    else
      im.dwarf_problem(table.takeError());
  }
  if (!slot->second) return std::nullopt;
  const dwarf::UnwindRow *row = nullptr;
  for (const dwarf::UnwindRow &r : *slot->second)
    if (r.hasAddress() && r.getAddress() <= pc) row = &r;
  if (!row) return std::nullopt;
  const dwarf::UnwindLocation &cfa = row->getCFAValue();
  if (cfa.getLocation() != dwarf::UnwindLocation::RegPlusOffset ||
      !(cfa == dwarf::UnwindLocation::createIsRegisterPlusOffset(cfa.getRegister(), cfa.getOffset())))
    return std::nullopt;
  CallFrameRow out;
  out.cfa_reg = cfa.getRegister();
  out.cfa_offset = cfa.getOffset();
  const dwarf::CIE *cie = it->fde->getLinkedCIE();
  out.return_address_reg = cie ? uint32_t(cie->getReturnAddressRegister()) : 0;
  for (uint32_t reg = 0; reg <= 32; ++reg)
    if (auto loc = row->getRegisterLocations().getRegisterLocation(reg))
      if (auto rule = rule_of(*loc)) out.regs.emplace_back(reg, *rule);
  return out;
}

}  // namespace crashctl::binary
