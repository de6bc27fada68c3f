// The core decoder's components on synthetic memory, without a core or an
// executable: the unwinder (core/unwind.h), panic-value decoding
// (core/values.h) and the runtime layout (core/runtime_layout.h). A failure
// here names the component; test_cores.cpp covers them together.
#include "core/goroutine_state.h"
#include "core/memory.h"
#include "core/runtime_layout.h"
#include "core/unwind.h"
#include "core/values.h"

#include "llvm/BinaryFormat/Dwarf.h"
#include "llvm/BinaryFormat/ELF.h"
#include "llvm/Support/FormatVariadic.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

using namespace crashctl;
using namespace crashctl::core;

namespace {

// A process's memory as mapped ranges of bytes. A range shorter than the
// stack it stands for is a core the file cuts off: reads there return the
// leading bytes only, as CoreFile::read does.
class SyntheticImage final : public binary::ProcessImage {
public:
  void map(uint64_t addr, size_t size) { segments_[addr].assign(size, '\0'); }
  void put(uint64_t addr, const void *bytes, size_t n) {
    auto it = segments_.upper_bound(addr);
    REQUIRE(it != segments_.begin());
    --it;
    REQUIRE(addr - it->first + n <= it->second.size());
    std::memcpy(it->second.data() + (addr - it->first), bytes, n);
  }
  void u64(uint64_t addr, uint64_t v) { put(addr, &v, 8); }
  void u32(uint64_t addr, uint32_t v) { put(addr, &v, 4); }
  void u8(uint64_t addr, uint8_t v) { put(addr, &v, 1); }
  void text(uint64_t addr, const std::string &s) { put(addr, s.data(), s.size()); }
  // A Go string header {ptr, len} at ADDR whose bytes are at BYTES.
  void go_string(uint64_t addr, uint64_t bytes, const std::string &s) {
    text(bytes, s);
    u64(addr, bytes);
    u64(addr + 8, s.size());
  }

  size_t read(uint64_t vaddr, void *out, size_t n) const override {
    auto it = segments_.upper_bound(vaddr);
    if (it == segments_.begin()) return 0;
    --it;
    uint64_t off = vaddr - it->first;
    if (off >= it->second.size()) return 0;
    size_t k = std::min<uint64_t>(n, it->second.size() - off);
    std::memcpy(out, it->second.data() + off, k);
    return k;
  }
  uint16_t machine() const override { return llvm::ELF::EM_X86_64; }
  const std::map<uint64_t, uint64_t> &auxv() const override { return auxv_; }
  const std::vector<binary::MappedFile> &files() const override { return files_; }

private:
  std::map<uint64_t, std::vector<char>> segments_;
  std::map<uint64_t, uint64_t> auxv_;
  std::vector<binary::MappedFile> files_;
};

// A Go program as tables: functions with one frame size each (the pcsp
// value at every pc), DWARF types, constants and globals. Link-time addresses.
class FakeProgram final : public binary::GoProgram {
public:
  // FRAME_SIZE unset: the function has no pcsp table.
  void func(const std::string &name, uint64_t entry, uint64_t end, std::optional<int32_t> frame_size,
            uint8_t flag = 0) {
    binary::Func f;
    f.name = name;
    f.entry = entry;
    f.end = end;
    f.flag = flag;
    funcs_.push_back(f);
    if (frame_size) frame_sizes_[name] = *frame_size;
  }
  void type(binary::TypeInfo t) { types_[t.name] = std::move(t); }
  void structure(const std::string &name, uint64_t size, std::vector<binary::TypeField> fields,
                 uint8_t go_kind = 25 /* reflect.Struct */) {
    binary::TypeInfo t;
    t.name = name;
    t.size = size;
    t.tag = llvm::dwarf::DW_TAG_structure_type;
    t.go_kind = go_kind;
    t.fields = std::move(fields);
    type(std::move(t));
  }
  std::map<std::string, int64_t, std::less<>> constants;
  std::map<std::string, uint64_t, std::less<>> globals;

  const binary::Func *func_at(uint64_t pc) const override {
    for (const binary::Func &f : funcs_)
      if (pc >= f.entry && pc < f.end) return &f;
    return nullptr;
  }
  const binary::Func *func_named(std::string_view name) const override {
    for (const binary::Func &f : funcs_)
      if (f.name == name) return &f;
    return nullptr;
  }
  std::optional<int32_t> sp_delta(const binary::Func &f, uint64_t pc) const override {
    auto it = frame_sizes_.find(f.name);
    if (it == frame_sizes_.end() || pc < f.entry || pc >= f.end) return std::nullopt;
    return it->second;
  }
  const binary::TypeInfo *type(std::string_view name) const override {
    auto it = types_.find(name);
    return it == types_.end() ? nullptr : &it->second;
  }
  std::optional<int64_t> constant(std::string_view name) const override {
    auto it = constants.find(name);
    if (it == constants.end()) return std::nullopt;
    return it->second;
  }
  std::optional<uint64_t> global_address(std::string_view name) const override {
    auto it = globals.find(name);
    if (it == globals.end()) return std::nullopt;
    return it->second;
  }

private:
  std::deque<binary::Func> funcs_;  // stable addresses
  std::map<std::string, int32_t> frame_sizes_;
  std::map<std::string, binary::TypeInfo, std::less<>> types_;
};

constexpr uint8_t kTopFrame = 1, kSPWrite = 2;  // abi.FuncFlag

std::vector<uint64_t> pcs(const UnwindResult &r) {
  std::vector<uint64_t> out;
  for (const PhysicalFrame &f : r.frames) out.push_back(f.pc);
  return out;
}
std::vector<uint64_t> sps(const UnwindResult &r) {
  std::vector<uint64_t> out;
  for (const PhysicalFrame &f : r.frames) out.push_back(f.sp);
  return out;
}
std::vector<std::string> names(const UnwindResult &r) {
  std::vector<std::string> out;
  for (const PhysicalFrame &f : r.frames) out.push_back(f.fn ? f.fn->name : "?");
  return out;
}
std::vector<bool> traps(const UnwindResult &r) {
  std::vector<bool> out;
  for (const PhysicalFrame &f : r.frames) out.push_back(f.trap);
  return out;
}

const Arch &amd64() {
  return *arch_of(llvm::ELF::EM_X86_64);
}
const Arch &arm64() {
  return *arch_of(llvm::ELF::EM_AARCH64);
}

// A position-independent executable loaded 0x10000 above its link address:
// runtime pc = link pc + 0x10000.
constexpr uint64_t kBias = 0x10000;
constexpr uint64_t kStackLo = 0xc000080000, kStackSize = 0x1000;
constexpr uint64_t kG0StackLo = 0x7ffc00000000;

FakeProgram unwind_program() {
  FakeProgram p;
  p.func("main.c", 0x401000, 0x401100, 0x18);
  p.func("main.b", 0x401100, 0x401200, 0x28);
  p.func("main.main", 0x401200, 0x401300, 0x10);
  p.func("runtime.main", 0x401300, 0x401400, 0x40);
  p.func("runtime.goexit", 0x401400, 0x401410, 0, kTopFrame);
  p.func("runtime.systemstack", 0x401500, 0x401580, 0, kSPWrite);
  p.func("runtime.morestack", 0x401600, 0x401680, 0, kSPWrite);
  p.func("runtime.sigtramp", 0x401700, 0x401780, 0x58);
  p.func("runtime.sigpanic", 0x401800, 0x401880, 0x18);
  p.func("runtime.fatalthrow.func1", 0x401900, 0x401980, 0x20);
  p.func("main.nopcsp", 0x401a00, 0x401a80, std::nullopt);
  p.func("main.switcher", 0x401b00, 0x401b80, 0x10, kSPWrite);
  return p;
}

}  // namespace

TEST_CASE("unwind: a goroutine's stack, frame by frame, to goexit", "[unwind]") {
  FakeProgram prog = unwind_program();
  SyntheticImage img;
  img.map(kStackLo, kStackSize);
  // frame  function       pc        sp         size  return address at
  // 0      main.c         0x411020  0x..0f00   0x18  0x..0f18
  // 1      main.b         0x411130  0x..0f20   0x28  0x..0f48
  // 2      main.main      0x411240  0x..0f50   0x10  0x..0f60
  // 3      runtime.main   0x411350  0x..0f68   0x40  0x..0fa8
  // 4      runtime.goexit 0x411401  0x..0fb0   (top frame)
  img.u64(0xc000080f18, 0x411130);
  img.u64(0xc000080f48, 0x411240);
  img.u64(0xc000080f60, 0x411350);
  img.u64(0xc000080fa8, 0x411401);
  Memory mem(img, nullptr, kBias);

  UnwindResult r = unwind(mem, prog, amd64(), {0x411020, 0xc000080f00, 0, false, nullptr});
  CHECK(r.stopped == "");
  CHECK(names(r) == std::vector<std::string>{"main.c", "main.b", "main.main", "runtime.main", "runtime.goexit"});
  CHECK(pcs(r) == std::vector<uint64_t>{0x411020, 0x411130, 0x411240, 0x411350, 0x411401});
  CHECK(sps(r) == std::vector<uint64_t>{0xc000080f00, 0xc000080f20, 0xc000080f50, 0xc000080f68, 0xc000080fb0});
  REQUIRE(r.frames.size() == 5);
  CHECK(r.frames[0].fp == 0xc000080f20);
  CHECK(r.frames[3].fp == 0xc000080fb0);
  CHECK(traps(r) == std::vector<bool>(5, false));

  SECTION("a link register (the start's lr) replaces the first return address") {
    img.u64(0xc000080f18, 0xdead);  // never read
    UnwindResult lr = unwind(mem, prog, amd64(), {0x411020, 0xc000080f00, 0x411130, false, nullptr});
    CHECK(pcs(lr) == pcs(r));
    CHECK(lr.stopped == "");
  }
  SECTION("a zero return address ends the stack without a complaint") {
    img.u64(0xc000080f60, 0);
    UnwindResult z = unwind(mem, prog, amd64(), {0x411020, 0xc000080f00, 0, false, nullptr});
    CHECK(names(z) == std::vector<std::string>{"main.c", "main.b", "main.main"});
    CHECK(z.stopped == "");
  }
  SECTION("max_frames caps the walk and says so") {
    UnwindResult capped = unwind(mem, prog, amd64(), {0x411020, 0xc000080f00, 0, false, nullptr}, 3);
    CHECK(pcs(capped) == std::vector<uint64_t>{0x411020, 0x411130, 0x411240});
    CHECK(capped.stopped == "more than 3 frames");
  }
}

TEST_CASE("unwind: damaged and cut-off stacks end with the reason", "[unwind]") {
  FakeProgram prog = unwind_program();
  SyntheticImage img;
  Memory mem(img, nullptr, kBias);

  SECTION("a stack that returns into itself forever stops at max_frames") {
    img.map(kStackLo, kStackSize);
    // main.c's frame repeated: every return address is main.c again.
    for (uint64_t sp = 0xc000080000; sp + 0x20 <= kStackLo + kStackSize; sp += 0x20) img.u64(sp + 0x18, 0x411020);
    UnwindResult r = unwind(mem, prog, amd64(), {0x411020, 0xc000080000, 0, false, nullptr}, 16);
    REQUIRE(r.frames.size() == 16);
    CHECK(r.frames[15].sp == 0xc000080000 + 15 * 0x20);
    CHECK(r.stopped == "more than 16 frames");
  }
  SECTION("a frame that does not move the stack pointer stops instead of looping") {
    // A damaged pcsp: frame size -8 puts fp at sp, so the caller's frame
    // would be this one again.
    prog.func("main.spin", 0x401c00, 0x401c80, -8);
    img.map(kStackLo, kStackSize);
    img.u64(0xc000080ef8, 0x411c10);  // fp-8: the return address is main.spin itself
    UnwindResult r = unwind(mem, prog, amd64(), {0x411c10, 0xc000080f00, 0, false, nullptr});
    CHECK(pcs(r) == std::vector<uint64_t>{0x411c10});
    CHECK(r.stopped == "frame pointer 0xc000080f00 below stack pointer 0xc000080f00");
  }
  SECTION("a return address past the mapped stack") {
    img.map(kStackLo, kStackSize);
    // main.b at 0x..0ff0: its return address would be at 0x..1018, unmapped.
    UnwindResult r = unwind(mem, prog, amd64(), {0x411130, 0xc000080ff0, 0, false, nullptr});
    CHECK(pcs(r) == std::vector<uint64_t>{0x411130});
    CHECK(sps(r) == std::vector<uint64_t>{0xc000080ff0});
    CHECK(r.stopped == "return address at 0xc000081018 is unreadable");
  }
  SECTION("a core cut off in the middle of a return address") {
    img.map(kStackLo, 0xf1c);  // the file holds 4 of the 8 bytes at 0x..0f18
    img.put(0xc000080f18, "\x30\x11\x41\x00", 4);
    UnwindResult r = unwind(mem, prog, amd64(), {0x411020, 0xc000080f00, 0, false, nullptr});
    CHECK(pcs(r) == std::vector<uint64_t>{0x411020});
    CHECK(r.stopped == "return address at 0xc000080f18 is unreadable");
  }
  SECTION("a return address outside Go code") {
    img.map(kStackLo, kStackSize);
    img.u64(0xc000080f18, 0xdeadbeef);
    UnwindResult r = unwind(mem, prog, amd64(), {0x411020, 0xc000080f00, 0, false, nullptr});
    CHECK(pcs(r) == std::vector<uint64_t>{0x411020, 0xdeadbeef});
    CHECK(sps(r) == std::vector<uint64_t>{0xc000080f00, 0xc000080f20});
    REQUIRE(r.frames.size() == 2);
    CHECK(r.frames[1].fn == nullptr);
    CHECK(r.stopped ==
          "pc 0xdeadbeef is not in Go code and no call frame information covers it (C code without .eh_frame, or a "
          "damaged stack)");
  }
  SECTION("a function without a pcsp table") {
    img.map(kStackLo, kStackSize);
    img.u64(0xc000080f18, 0x411a20);
    UnwindResult r = unwind(mem, prog, amd64(), {0x411020, 0xc000080f00, 0, false, nullptr});
    CHECK(names(r) == std::vector<std::string>{"main.c", "main.nopcsp"});
    CHECK(r.stopped == "no frame size (pcsp) for main.nopcsp");
  }
  SECTION("a function that writes SP, above the first frame") {
    img.map(kStackLo, kStackSize);
    img.u64(0xc000080f18, 0x411b20);
    UnwindResult r = unwind(mem, prog, amd64(), {0x411020, 0xc000080f00, 0, false, nullptr});
    CHECK(names(r) == std::vector<std::string>{"main.c", "main.switcher"});
    CHECK(r.stopped == "stack switch at main.switcher");
  }
  SECTION("nothing mapped at all") {
    UnwindResult r = unwind(mem, prog, amd64(), {0x411020, 0xc000080f00, 0, false, nullptr});
    CHECK(pcs(r) == std::vector<uint64_t>{0x411020});
    CHECK(r.stopped == "return address at 0xc000080f18 is unreadable");
  }
}

TEST_CASE("unwind: a signal frame, then the faulting goroutine", "[unwind]") {
  FakeProgram prog = unwind_program();
  SyntheticImage img;
  img.map(kStackLo, kStackSize);
  img.map(kG0StackLo, 0x1000);  // the signal stack
  // runtime.sigtramp at sp S (size 0x58): the ucontext starts at fp = S+0x60.
  const uint64_t s = kG0StackLo + 0x100, uc = s + 0x60;
  img.u64(uc + amd64().sig_pc, 0x411810);  // the handler made the goroutine call sigpanic
  img.u64(uc + amd64().sig_sp, 0xc000080ee0);
  img.u64(0xc000080ee0 + 0x18, 0x411020);  // sigpanic returns to the faulting pc in main.c
  img.u64(0xc000080f18, 0x411130);         // main.c -> main.b
  img.u64(0xc000080f48, 0x411401);         // main.b -> goexit
  Memory mem(img, nullptr, kBias);

  UnwindResult r = unwind(mem, prog, amd64(), {0x411710, s, 0, true, nullptr});
  CHECK(r.stopped == "");
  CHECK(names(r) ==
        std::vector<std::string>{"runtime.sigtramp", "runtime.sigpanic", "main.c", "main.b", "runtime.goexit"});
  CHECK(pcs(r) == std::vector<uint64_t>{0x411710, 0x411810, 0x411020, 0x411130, 0x411401});
  CHECK(sps(r) == std::vector<uint64_t>{s, 0xc000080ee0, 0xc000080f00, 0xc000080f20, 0xc000080f50});
  // The signal's pc and the pc sigpanic was injected at are where the fault
  // hit, not return addresses.
  CHECK(traps(r) == std::vector<bool>{true, true, true, false, false});

  SECTION("an unreadable ucontext") {
    SyntheticImage bare;
    bare.map(kG0StackLo, 0x100 + 0x60 + amd64().sig_sp);  // ends before gregs[REG_RSP]
    Memory m(bare, nullptr, kBias);
    UnwindResult u = unwind(m, prog, amd64(), {0x411710, s, 0, true, nullptr});
    CHECK(pcs(u) == std::vector<uint64_t>{0x411710});
    CHECK(u.stopped == "signal context unreadable");
  }
}

TEST_CASE("unwind: from g0 back to the goroutine at systemstack and morestack", "[unwind]") {
  FakeProgram prog = unwind_program();
  SyntheticImage img;
  img.map(kStackLo, kStackSize);
  img.map(kG0StackLo, 0x1000);
  Memory mem(img, nullptr, kBias);
  // On g0: runtime.fatalthrow.func1 (size 0x20) called from systemstack.
  const uint64_t g0sp = kG0StackLo + 0x800;

  SECTION("systemstack continues at the goroutine's saved sp") {
    img.u64(g0sp + 0x20, 0x411520);  // fatalthrow.func1 -> systemstack (on g0)
    // g.sched.sp: systemstack's frame (size 0) on the goroutine stack, whose
    // return address goes to main.b.
    img.u64(0xc000080f20, 0x411130);
    img.u64(0xc000080f28 + 0x28, 0x411401);  // main.b -> goexit
    SavedContext sched{0x411510, 0xc000080f20, 0};
    UnwindResult r = unwind(mem, prog, amd64(), {0x411910, g0sp, 0, true, &sched});
    CHECK(r.stopped == "");
    CHECK(names(r) ==
          std::vector<std::string>{"runtime.fatalthrow.func1", "runtime.systemstack", "main.b", "runtime.goexit"});
    CHECK(sps(r) == std::vector<uint64_t>{g0sp, 0xc000080f20, 0xc000080f28, 0xc000080f58});
  }
  SECTION("morestack resumes at the goroutine's saved pc and sp") {
    img.u64(g0sp + 0x20, 0x411610);   // fatalthrow.func1 -> morestack (on g0)
    img.u64(0xc000080f18, 0x411130);  // main.c (at its prologue) -> main.b
    img.u64(0xc000080f48, 0x411401);
    SavedContext sched{0x411000, 0xc000080f00, 0};
    UnwindResult r = unwind(mem, prog, amd64(), {0x411910, g0sp, 0, true, &sched});
    CHECK(r.stopped == "");
    CHECK(names(r) == std::vector<std::string>{"runtime.fatalthrow.func1", "main.c", "main.b", "runtime.goexit"});
    CHECK(pcs(r) == std::vector<uint64_t>{0x411910, 0x411000, 0x411130, 0x411401});
    CHECK(sps(r) == std::vector<uint64_t>{g0sp, 0xc000080f00, 0xc000080f20, 0xc000080f50});
  }
  SECTION("without the goroutine's context, systemstack's caller on g0 follows") {
    img.u64(g0sp + 0x20, 0x411520);
    img.u64(g0sp + 0x28, 0);  // systemstack (size 0) returns to 0: the end
    UnwindResult r = unwind(mem, prog, amd64(), {0x411910, g0sp, 0, true, nullptr});
    CHECK(names(r) == std::vector<std::string>{"runtime.fatalthrow.func1", "runtime.systemstack"});
    CHECK(sps(r) == std::vector<uint64_t>{g0sp, g0sp + 0x28});
    CHECK(r.stopped == "");
  }
}

// arm64: a call leaves the return address in the link register (x30); a
// function that calls others saves it at its own sp in the prologue, and a
// frame's top is sp + the pcsp delta (no pushed return address).
TEST_CASE("unwind arm64: the link register, saved LRs at sp, and frameless leaves", "[unwind]") {
  FakeProgram prog = unwind_program();
  prog.func("main.leaf", 0x401d00, 0x401d40, 0);  // NOFRAME: never saves the LR
  SyntheticImage img;
  img.map(kStackLo, kStackSize);
  // frame  function       pc        sp         size  saved LR at sp
  // 0      main.leaf      0x411d10  0x..0f00   0     (in x30: 0x411130)
  // 1      main.b         0x411130  0x..0f00   0x28  0x411240
  // 2      main.main      0x411240  0x..0f28   0x10  0x411350
  // 3      runtime.main   0x411350  0x..0f38   0x40  0x411401
  // 4      runtime.goexit 0x411401  0x..0f78
  img.u64(0xc000080f00, 0x411240);
  img.u64(0xc000080f28, 0x411350);
  img.u64(0xc000080f38, 0x411401);
  Memory mem(img, nullptr, kBias);

  UnwindResult r = unwind(mem, prog, arm64(), {0x411d10, 0xc000080f00, 0x411130, true, nullptr});
  CHECK(r.stopped == "");
  CHECK(names(r) == std::vector<std::string>{"main.leaf", "main.b", "main.main", "runtime.main", "runtime.goexit"});
  CHECK(sps(r) == std::vector<uint64_t>{0xc000080f00, 0xc000080f00, 0xc000080f28, 0xc000080f38, 0xc000080f78});
  REQUIRE(r.frames.size() == 5);
  CHECK(r.frames[0].fp == 0xc000080f00);  // frameless: its top is its sp
  CHECK(r.frames[1].fp == 0xc000080f28);

  SECTION("an innermost frame that saved its LR ignores the register, which later calls changed") {
    UnwindResult b = unwind(mem, prog, arm64(), {0x411130, 0xc000080f00, 0xdead, true, nullptr});
    CHECK(names(b) == std::vector<std::string>{"main.b", "main.main", "runtime.main", "runtime.goexit"});
    CHECK(b.stopped == "");
  }
  SECTION("a frameless frame with no link register reads the return address at sp") {
    img.u64(0xc000080f00, 0x411130);  // as if the caller's LR were there
    UnwindResult z = unwind(mem, prog, arm64(), {0x411d10, 0xc000080f00, 0, false, nullptr}, 2);
    CHECK(names(z) == std::vector<std::string>{"main.leaf", "main.b"});
  }
  SECTION("a frameless frame returning to itself is stuck, not a loop") {
    UnwindResult st = unwind(mem, prog, arm64(), {0x411d10, 0xc000080f00, 0x411d10, true, nullptr});
    CHECK(pcs(st) == std::vector<uint64_t>{0x411d10});
    CHECK(st.stopped == "unwinding is stuck at pc 0x411d10 sp 0xc000080f00");
  }
}

TEST_CASE("unwind arm64: a signal frame, sigpanic, and the faulting frameless leaf", "[unwind]") {
  FakeProgram prog = unwind_program();
  prog.func("main.leaf", 0x401d00, 0x401d40, 0);
  SyntheticImage img;
  img.map(kStackLo, kStackSize);
  img.map(kG0StackLo, 0x1000);
  // runtime.sigtramp at sp S (size 0x58): the kernel's rt_sigframe (siginfo,
  // then ucontext) starts at its fp = S + 0x58.
  const uint64_t s = kG0StackLo + 0x100, frame = s + 0x58;
  img.u64(frame + arm64().sig_pc, 0x411810);  // the handler made main.leaf "call" sigpanic
  img.u64(frame + arm64().sig_sp, 0xc000080ee0);
  img.u64(frame + arm64().sig_lr, 0x411020);  // LR = the faulting pc (preparePanic)
  // sigpanic (size 0x18) saved that LR at its sp; preparePanic stored the
  // leaf's own LR (its return into main.b) 16 bytes below the leaf's sp.
  img.u64(0xc000080ee0, 0x411d10);         // sigpanic's saved LR: the fault in main.leaf
  img.u64(0xc000080ee0 + 0x18, 0x411130);  // preparePanic: the leaf's LR
  img.u64(0xc000080f08, 0x411401);         // main.b's saved LR, at its sp
  Memory mem(img, nullptr, kBias);

  UnwindResult r = unwind(mem, prog, arm64(), {0x411710, s, 0, true, nullptr});
  CHECK(r.stopped == "");
  CHECK(names(r) ==
        std::vector<std::string>{"runtime.sigtramp", "runtime.sigpanic", "main.leaf", "main.b", "runtime.goexit"});
  // sigpanic at 0x..0ee0 (top 0x..0ef8); the leaf's sp is 16 above that
  // (the slot preparePanic pushed); the leaf is frameless, so main.b runs at
  // the same sp and reads its own saved LR there.
  CHECK(sps(r) == std::vector<uint64_t>{s, 0xc000080ee0, 0xc000080f08, 0xc000080f08, 0xc000080f30});
  CHECK(traps(r) == std::vector<bool>{true, true, true, false, false});

  SECTION("the faulting frame had saved its LR: the slot preparePanic pushed is skipped, not used") {
    img.u64(0xc000080ee0, 0x411020);  // the fault is in main.c (size 0x18)
    img.u64(0xc000080f08, 0x411130);  // main.c's saved LR at its sp
    img.u64(0xc000080f20, 0x411401);  // main.b's
    UnwindResult c = unwind(mem, prog, arm64(), {0x411710, s, 0, true, nullptr});
    CHECK(names(c) ==
          std::vector<std::string>{"runtime.sigtramp", "runtime.sigpanic", "main.c", "main.b", "runtime.goexit"});
    CHECK(sps(c) == std::vector<uint64_t>{s, 0xc000080ee0, 0xc000080f08, 0xc000080f20, 0xc000080f48});
  }
  SECTION("an unreadable signal context") {
    SyntheticImage bare;
    bare.map(kG0StackLo, 0x100 + 0x58 + arm64().sig_lr);  // ends before the saved x30
    Memory m(bare, nullptr, kBias);
    UnwindResult u = unwind(m, prog, arm64(), {0x411710, s, 0, true, nullptr});
    CHECK(pcs(u) == std::vector<uint64_t>{0x411710});
    CHECK(u.stopped == "signal context unreadable");
  }
}

namespace {

// reflect.Kind values of internal/abi.Type.Kind_, and the flag beside them.
constexpr uint8_t kKindInt = 2, kKindInterface = 20, kKindPointer = 22, kKindString = 24, kKindStruct = 25;
constexpr uint8_t kKindDirectIface = 0x20;
// internal/abi.TFlag bits.
constexpr uint8_t kTFlagUncommon = 1, kTFlagExtraStar = 2, kTFlagRegularMemory = 8;

constexpr uint64_t kModuledata = 0x5a0000;  // link-time; kBias above at run time
constexpr uint64_t kTypes = 0x600000, kHeap = 0xc000010000, kUnmapped = 0xc0dead0000;

binary::TypeField field(std::string name, uint64_t offset, std::string type) {
  binary::TypeField f;
  f.name = std::move(name);
  f.offset = offset;
  f.type = std::move(type);
  return f;
}

binary::TypeInfo base_type(std::string name, uint64_t size, uint8_t encoding, uint8_t go_kind) {
  binary::TypeInfo t;
  t.name = std::move(name);
  t.size = size;
  t.tag = llvm::dwarf::DW_TAG_base_type;
  t.encoding = encoding;
  t.go_kind = go_kind;
  return t;
}

// The DWARF of the types the values below have, as Go writes it: `error` is
// a typedef of runtime.iface, strings are structs of kind String.
void value_types(FakeProgram &p) {
  p.type(base_type("int", 8, llvm::dwarf::DW_ATE_signed, kKindInt));
  p.type(base_type("main.Code", 8, llvm::dwarf::DW_ATE_signed, kKindInt));
  p.structure("string", 16, {field("str", 0, "*uint8"), field("len", 8, "int")}, kKindString);
  p.structure("main.Color", 16, {field("str", 0, "*uint8"), field("len", 8, "int")}, kKindString);
  p.structure("runtime.iface", 16, {field("tab", 0, "*internal/abi.ITab"), field("data", 8, "unsafe.Pointer")});
  binary::TypeInfo error;
  error.name = "error";
  error.tag = llvm::dwarf::DW_TAG_typedef;
  error.go_kind = kKindInterface;
  error.elem = "runtime.iface";
  p.type(error);
  p.structure("errors.errorString", 16, {field("s", 0, "string")});
  p.structure("runtime.boundsError", 24,
              {field("x", 0, "int64"), field("y", 8, "int"), field("signed", 16, "bool"), field("code", 17, "uint8")});
  p.structure("main.Point", 16, {field("X", 0, "int"), field("Y", 8, "int")});
  p.structure("runtime.eface", 16, {field("_type", 0, "*internal/abi.Type"), field("data", 8, "unsafe.Pointer")});
  binary::TypeInfo any;
  any.name = "interface {}";
  any.tag = llvm::dwarf::DW_TAG_typedef;
  any.go_kind = kKindInterface;
  any.elem = "runtime.eface";
  p.type(any);
  p.structure("main.opError", 32, {field("op", 0, "string"), field("err", 16, "error")});
  p.structure("main.holder", 16, {field("v", 0, "interface {}")});
  p.func("main.(*opError).Error", 0x402000, 0x402080, 0x20);
  p.func("errors.(*errorString).Error", 0x402100, 0x402180, 0x8);
  p.globals["runtime.firstmoduledata"] = kModuledata;
}

// The offsets of internal/abi.Type and moduledata.types in Go 1.24 (amd64).
RuntimeLayout type_layout() {
  RuntimeLayout l;
  l.t_tflag = {20, true};
  l.t_kind = {23, true};
  l.t_str = {40, true};
  l.md_types = {296, true};
  return l;
}

// Type descriptors in the types section, each with its name in the
// runtime's encoding: a flags byte, a uvarint length, the bytes.
class Types {
public:
  Types(SyntheticImage &img, const RuntimeLayout &l) : img_(img), l_(l) {
    img.map(kModuledata + kBias, 0x200);
    img.u64(kModuledata + kBias + l.md_types.at, kTypes);
    img.map(kTypes, 0x10000);
  }
  // STORED is the name as the binary keeps it ("*string" with
  // TFlagExtraStar for string).
  uint64_t add(const std::string &stored, uint8_t tflag, uint8_t kind) {
    uint64_t t = next_type_, name = next_name_;
    next_type_ += 0x40;
    img_.u8(name, 0);
    uint64_t at = name + 1;
    for (uint64_t n = stored.size();; n >>= 7) {
      img_.u8(at++, uint8_t((n & 0x7f) | (n >= 0x80 ? 0x80 : 0)));
      if (n < 0x80) break;
    }
    img_.text(at, stored);
    next_name_ = (at + stored.size() + 15) & ~uint64_t(15);
    img_.u32(t + l_.t_str.at, uint32_t(name - kTypes));
    img_.u8(t + l_.t_tflag.at, tflag);
    img_.u8(t + l_.t_kind.at, kind);
    return t;
  }

private:
  SyntheticImage &img_;
  const RuntimeLayout &l_;
  uint64_t next_type_ = kTypes + 0x100, next_name_ = kTypes + 0x8000;
};

}  // namespace

TEST_CASE("values: panic values print as the runtime prints them", "[values]") {
  FakeProgram prog;
  value_types(prog);
  RuntimeLayout l = type_layout();
  SyntheticImage img;
  Types types(img, l);
  img.map(kHeap, 0x1000);
  Memory mem(img, nullptr, kBias);
  ValueReader values(mem, prog, l);

  const uint64_t string_type = types.add("*string", kTFlagExtraStar | kTFlagRegularMemory, kKindString);
  const uint64_t error_string_type = types.add("*errors.errorString", kTFlagUncommon, kKindPointer | kKindDirectIface);

  SECTION("a string prints raw") {  // panic("boom")
    img.go_string(kHeap, kHeap + 0x800, "boom");
    PanicValue v = values.eface(string_type, kHeap);
    CHECK(v.type == "string");
    CHECK(v.value == "boom");
    CHECK(v.printed == "boom");
    CHECK(v.note == "");
  }
  SECTION("an error prints its message") {  // panic(errors.New("file not found"))
    img.go_string(kHeap, kHeap + 0x800, "file not found");
    PanicValue v = values.eface(error_string_type, kHeap);
    CHECK(v.type == "*errors.errorString");
    CHECK(v.printed == "file not found");
  }
  SECTION("runtime errors: a bounds check, a plain error, an errorString") {
    const uint64_t bounds = types.add("*runtime.boundsError", kTFlagExtraStar | kTFlagUncommon, kKindStruct);
    img.u64(kHeap, 5);
    img.u64(kHeap + 8, 3);
    img.u8(kHeap + 16, 1);  // signed
    img.u8(kHeap + 17, 0);  // abi.BoundsIndex
    PanicValue v = values.eface(bounds, kHeap);
    CHECK(v.type == "runtime.boundsError");
    CHECK(v.printed == "runtime error: index out of range [5] with length 3");
    img.u64(kHeap + 0x40, uint64_t(-1));
    img.u64(kHeap + 0x48, 3);
    img.u8(kHeap + 0x50, 1);
    img.u8(kHeap + 0x51, 1);  // abi.BoundsSliceAlen, x negative: y is not shown
    CHECK(values.eface(bounds, kHeap + 0x40).printed == "runtime error: slice bounds out of range [:-1]");

    const uint64_t plain = types.add("*runtime.plainError", kTFlagExtraStar | kTFlagUncommon, kKindString);
    img.go_string(kHeap + 0x100, kHeap + 0x800, "close of closed channel");
    PanicValue p = values.eface(plain, kHeap + 0x100);
    CHECK(p.type == "runtime.plainError");
    CHECK(p.printed == "close of closed channel");

    const uint64_t error_string = types.add("*runtime.errorString", kTFlagExtraStar | kTFlagUncommon, kKindString);
    img.go_string(kHeap + 0x200, kHeap + 0x900, "integer divide by zero");
    CHECK(values.eface(error_string, kHeap + 0x200).printed == "runtime error: integer divide by zero");
  }
  SECTION("integers print in decimal, named ones with their type") {  // panic(-7), panic(main.Code(42))
    const uint64_t int_type = types.add("*int", kTFlagExtraStar | kTFlagRegularMemory, kKindInt);
    const uint64_t code_type = types.add("*main.Code", kTFlagExtraStar | kTFlagUncommon, kKindInt);
    img.u64(kHeap, uint64_t(-7));
    img.u64(kHeap + 8, 42);
    PanicValue i = values.eface(int_type, kHeap);
    CHECK(i.type == "int");
    CHECK(i.printed == "-7");
    PanicValue c = values.eface(code_type, kHeap + 8);
    CHECK(c.type == "main.Code");
    CHECK(c.printed == "main.Code(42)");
  }
  SECTION("a named string prints with its type") {  // panic(main.Color("red"))
    const uint64_t color = types.add("*main.Color", kTFlagExtraStar | kTFlagUncommon, kKindString);
    img.go_string(kHeap, kHeap + 0x800, "red");
    CHECK(values.eface(color, kHeap).printed == "main.Color(\"red\")");
  }
  SECTION("a nil interface prints nil") {  // panic(nil) before Go 1.21, or GODEBUG=panicnil=1
    PanicValue v = values.eface(0, 0);
    CHECK(v.type == "nil");
    CHECK(v.printed == "nil");
  }
  SECTION("other types print as (T) address, their fields as the value") {  // panic(main.Point{1, 2})
    const uint64_t point = types.add("*main.Point", kTFlagExtraStar | kTFlagUncommon, kKindStruct);
    img.u64(kHeap, 1);
    img.u64(kHeap + 8, 2);
    PanicValue v = values.eface(point, kHeap);
    CHECK(v.type == "main.Point");
    CHECK(v.value == "main.Point{X: 1, Y: 2}");
    CHECK(v.printed == "(main.Point) 0xc000010000");
  }
  SECTION("an error with an error field: the interface's dynamic type through its itab") {
    // panic(&opError{op: "read", err: errors.New("file not found")})
    const uint64_t op_error = types.add("*main.opError", kTFlagUncommon, kKindPointer | kKindDirectIface);
    const uint64_t itab = kTypes + 0x4000;  // internal/abi.ITab{Inter, Type, ...}
    img.u64(itab + 8, error_string_type);
    img.go_string(kHeap, kHeap + 0x800, "read");
    img.u64(kHeap + 16, itab);
    img.u64(kHeap + 24, kHeap + 0x100);
    img.go_string(kHeap + 0x100, kHeap + 0x900, "file not found");
    PanicValue v = values.eface(op_error, kHeap);
    CHECK(v.type == "*main.opError");
    CHECK(v.value == "&main.opError{op: \"read\", err: *errors.errorString(file not found)}");
    // Its Error method cannot run on a core: the fields stand in for it.
    CHECK(v.printed == v.value);
    CHECK(v.note.find("Error or String method") != std::string::npos);
  }
  SECTION("an empty interface field: the type is the first word") {  // panic(main.holder{v: 42})
    const uint64_t holder = types.add("*main.holder", kTFlagExtraStar, kKindStruct);
    const uint64_t int_type = types.add("*int", kTFlagExtraStar, kKindInt);
    img.u64(kHeap, int_type);
    img.u64(kHeap + 8, kHeap + 0x100);
    img.u64(kHeap + 0x100, 42);
    PanicValue v = values.eface(holder, kHeap);
    CHECK(v.value == "main.holder{v: int(42)}");
    CHECK(v.printed == "(main.holder) 0xc000010000");
    img.u64(kHeap, 0);
    CHECK(values.eface(holder, kHeap).value == "main.holder{v: nil}");
  }
  SECTION("a type name longer than one uvarint byte") {
    std::string name = "main.Pair[" + std::string(150, 'x') + "]";
    const uint64_t pair = types.add("*" + name, kTFlagExtraStar, kKindStruct);
    PanicValue v = values.eface(pair, kHeap);
    CHECK(v.type == name);
    CHECK(v.printed == "(" + name + ") 0xc000010000");
    CHECK(v.note == "the executable's DWARF has no type " + name);
  }
}

TEST_CASE("values: unreadable panic values say why and print nothing invented", "[values]") {
  FakeProgram prog;
  value_types(prog);
  RuntimeLayout l = type_layout();
  SyntheticImage img;
  Types types(img, l);
  img.map(kHeap, 0x1000);
  Memory mem(img, nullptr, kBias);
  ValueReader values(mem, prog, l);

  SECTION("a string whose header is unmapped") {
    PanicValue v = values.eface(types.add("*string", kTFlagExtraStar, kKindString), kUnmapped);
    CHECK(v.type == "string");
    CHECK(v.printed == "");
    CHECK(v.note == "string bytes not in the core");
  }
  SECTION("a string whose bytes are unmapped") {
    img.u64(kHeap, kUnmapped);
    img.u64(kHeap + 8, 4);
    PanicValue v = values.eface(types.add("*string", kTFlagExtraStar, kKindString), kHeap);
    CHECK(v.printed == "");
    CHECK(v.note == "string bytes not in the core");
  }
  SECTION("an error whose message is unmapped") {
    PanicValue v = values.eface(types.add("*errors.errorString", kTFlagUncommon, kKindPointer), kUnmapped);
    CHECK(v.type == "*errors.errorString");
    CHECK(v.printed == "");
    CHECK(v.note == "the error's message is not in the core");
    PanicValue r = values.eface(types.add("*runtime.errorString", kTFlagExtraStar, kKindString), kUnmapped);
    CHECK(r.printed == "");
    CHECK(r.note == "the error's message is not in the core");
  }
  SECTION("a bounds error that is unmapped") {
    PanicValue v = values.eface(types.add("*runtime.boundsError", kTFlagExtraStar, kKindStruct), kUnmapped);
    CHECK(v.printed == "");
    CHECK(v.note == "the bounds error is not in the core");
  }
  SECTION("a struct: the address still prints as the runtime does") {
    PanicValue v = values.eface(types.add("*main.Point", kTFlagExtraStar, kKindStruct), kUnmapped);
    CHECK(v.printed == "(main.Point) 0xc0dead0000");
  }
  SECTION("an unmapped type descriptor") {
    PanicValue v = values.eface(kUnmapped, kHeap);
    CHECK(v.type == "");
    CHECK(v.printed == "(?) 0xc000010000");
    CHECK(v.note == "type descriptor at 0xc0dead0000 unreadable");
  }
  SECTION("a name whose uvarint length never ends") {
    const uint64_t t = types.add("*string", kTFlagExtraStar, kKindString);
    uint32_t name_off = 0;
    REQUIRE(img.read(t + l.t_str.at, &name_off, 4) == 4);
    for (int i = 0; i < 10; ++i) img.u8(kTypes + name_off + 1 + i, 0xff);
    CHECK(values.type_name(t) == "");
    CHECK(values.eface(t, kHeap).note == llvm::formatv("type descriptor at {0:x} unreadable", t).str());
  }
  SECTION("no moduledata: no type names") {
    FakeProgram none;
    RuntimeLayout bare;
    ValueReader blind(mem, none, bare);
    PanicValue v = blind.eface(types.add("*string", kTFlagExtraStar, kKindString), kHeap);
    CHECK(v.type == "");
    CHECK(v.printed == "(?) 0xc000010000");
  }
}

namespace {

// The runtime's structs as the DWARF of Go 1.21 and Go 1.24 (amd64)
// describes them, with the fields the decoder reads. Between the two,
// runtime.g grew (syscallbp, Go 1.23) and _panic and _defer were reworked.
FakeProgram runtime_program(int go_minor) {
  const bool go121 = go_minor == 21;
  FakeProgram p;
  const std::string atomic_u32 = go121 ? "runtime/internal/atomic.Uint32" : "internal/runtime/atomic.Uint32";
  p.structure(atomic_u32, 4, {field("noCopy", 0, "noCopy"), field("value", 0, "uint32")});
  p.structure("runtime.stack", 16, {field("lo", 0, "uintptr"), field("hi", 8, "uintptr")});
  p.structure("runtime.gobuf", 56,
              {field("sp", 0, "uintptr"), field("pc", 8, "uintptr"), field("g", 16, "runtime.guintptr"),
               field("ctxt", 24, "unsafe.Pointer"), field("ret", 32, "uintptr"), field("lr", 40, "uintptr"),
               field("bp", 48, "uintptr")});
  p.structure("runtime.g", go121 ? 408 : 440,
              {field("stack", 0, "runtime.stack"), field("_panic", 32, "*runtime._panic"),
               field("_defer", 40, "*runtime._defer"), field("sched", 56, "runtime.gobuf"),
               field("atomicstatus", go121 ? 144 : 152, atomic_u32), field("goid", go121 ? 152 : 160, "uint64"),
               field("waitreason", go121 ? 176 : 184, "runtime.waitReason")});
  p.structure("runtime.m", go121 ? 1008 : 1832,
              {field("procid", 72, "uint64"), field("curg", 192, "*runtime.g"), field("id", 232, "int64"),
               field("alllink", go121 ? 336 : 352, "*runtime.m")});
  if (go121) {
    p.structure(
        "runtime._panic", 56,
        {field("argp", 0, "unsafe.Pointer"), field("arg", 8, "interface {}"), field("link", 24, "*runtime._panic"),
         field("recovered", 48, "bool"), field("aborted", 49, "bool"), field("goexit", 50, "bool")});
    p.structure("runtime._defer", 72,
                {field("started", 0, "bool"), field("heap", 1, "bool"), field("openDefer", 2, "bool"),
                 field("sp", 8, "uintptr"), field("pc", 16, "uintptr"), field("fn", 24, "func()"),
                 field("link", 40, "*runtime._defer")});
  } else {
    p.structure("runtime._panic", 104,
                {field("argp", 0, "unsafe.Pointer"), field("arg", 8, "interface {}"),
                 field("link", 24, "*runtime._panic"), field("recovered", 96, "bool"), field("goexit", 97, "bool")});
    p.structure("runtime._defer", 48,
                {field("heap", 0, "bool"), field("rangefunc", 1, "bool"), field("sp", 8, "uintptr"),
                 field("pc", 16, "uintptr"), field("fn", 24, "func()"), field("link", 32, "*runtime._defer"),
                 field("head", 40, "*internal/runtime/atomic.Pointer[runtime._defer]")});
  }
  p.structure("internal/abi.Type", 48,
              {field("TFlag", 20, "internal/abi.TFlag"), field("Kind_", 23, "internal/abi.Kind"),
               field("Str", 40, "internal/abi.NameOff")});
  p.structure("runtime.moduledata", 0x300, {field("types", 296, "uintptr")});
  p.constants = {{"runtime._Gidle", 0},     {"runtime._Grunnable", 1}, {"runtime._Grunning", 2},
                 {"runtime._Gsyscall", 3},  {"runtime._Gwaiting", 4},  {"runtime._Gdead", 6},
                 {"runtime._Gscan", 0x1000}};
  return p;
}

bool has(const std::vector<std::string> &v, const std::string &s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

TEST_CASE("runtime layout: offsets come from the DWARF of the release", "[runtime_layout]") {
  RuntimeLayout l = RuntimeLayout::read(runtime_program(24));
  CHECK(l.problems.empty());
  CHECK(l.g_size == 440);
  CHECK(l.panic_size == 104);
  CHECK(l.defer_size == 48);
  auto at = [](const Off &o) { return o.ok ? int64_t(o.at) : -1; };
  CHECK(at(l.g_stack_lo) == 0);
  CHECK(at(l.g_stack_hi) == 8);
  CHECK(at(l.g_panic) == 32);
  CHECK(at(l.g_defer) == 40);
  CHECK(at(l.g_sched_sp) == 56);
  CHECK(at(l.g_sched_pc) == 64);
  CHECK(at(l.g_sched_lr) == 96);
  CHECK(at(l.g_status) == 152);  // atomic.Uint32's value
  CHECK(at(l.g_goid) == 160);
  CHECK(at(l.g_waitreason) == 184);
  CHECK(at(l.m_procid) == 72);
  CHECK(at(l.m_curg) == 192);
  CHECK(at(l.m_alllink) == 352);
  CHECK(at(l.p_arg) == 8);
  CHECK(at(l.p_link) == 24);
  CHECK(at(l.p_recovered) == 96);
  CHECK(at(l.p_goexit) == 97);
  CHECK(at(l.d_heap) == 0);
  CHECK(at(l.d_rangefunc) == 1);
  CHECK(at(l.d_sp) == 8);
  CHECK(at(l.d_pc) == 16);
  CHECK(at(l.d_fn) == 24);
  CHECK(at(l.d_link) == 32);
  CHECK(at(l.d_head) == 40);
  CHECK(at(l.t_tflag) == 20);
  CHECK(at(l.t_kind) == 23);
  CHECK(at(l.t_str) == 40);
  CHECK(at(l.md_types) == 296);
  // Fields Go 1.24 does not have.
  CHECK_FALSE(l.d_started.ok);
  CHECK_FALSE(l.d_open.ok);
  CHECK_FALSE(l.p_aborted.ok);
  CHECK_FALSE(l.g_syscallsp.ok);  // not in this DWARF
  // Statuses by the constants' values.
  CHECK(l.status_names ==
        std::map<uint32_t, std::string>{
            {0, "idle"}, {1, "runnable"}, {2, "running"}, {3, "syscall"}, {4, "waiting"}, {6, "dead"}});
  CHECK(l.gscan == 0x1000);

  RuntimeLayout old = RuntimeLayout::read(runtime_program(21));
  CHECK(old.problems.empty());
  CHECK(at(old.g_status) == 144);
  CHECK(at(old.g_goid) == 152);
  CHECK(at(old.g_waitreason) == 176);
  CHECK(at(old.m_alllink) == 336);
  CHECK(at(old.p_recovered) == 48);
  CHECK(at(old.p_aborted) == 49);
  CHECK(at(old.p_goexit) == 50);
  CHECK(at(old.d_started) == 0);
  CHECK(at(old.d_heap) == 1);
  CHECK(at(old.d_open) == 2);
  CHECK(at(old.d_link) == 40);
  CHECK_FALSE(old.d_rangefunc.ok);
  CHECK_FALSE(old.d_head.ok);
}

TEST_CASE("runtime layout: missing types, fields and constants", "[runtime_layout]") {
  SECTION("a g without goid: the field is absent and named") {
    FakeProgram p = runtime_program(24);
    p.structure("runtime.g", 440,
                {field("stack", 0, "runtime.stack"), field("sched", 56, "runtime.gobuf"),
                 field("atomicstatus", 152, "internal/runtime/atomic.Uint32")});
    RuntimeLayout l = RuntimeLayout::read(p);
    CHECK_FALSE(l.g_goid.ok);
    CHECK_FALSE(l.g_panic.ok);
    CHECK(l.g_sched_sp.ok);
    CHECK(l.problems == std::vector<std::string>{"the executable's DWARF has no field runtime.g.goid"});
  }
  SECTION("no runtime.m type") {
    FakeProgram p = runtime_program(24);
    FakeProgram q;
    for (const char *name : {"internal/runtime/atomic.Uint32", "runtime.stack", "runtime.gobuf", "runtime.g",
                             "runtime._panic", "runtime._defer", "internal/abi.Type", "runtime.moduledata"})
      q.type(*p.type(name));
    q.constants = p.constants;
    RuntimeLayout l = RuntimeLayout::read(q);
    CHECK(l.m_size == 0);
    CHECK_FALSE(l.m_curg.ok);
    CHECK(has(l.problems, "the executable's DWARF has no type runtime.m"));
    CHECK(has(l.problems, "the executable's DWARF has no field runtime.m.procid"));
    CHECK(has(l.problems, "the executable's DWARF has no field runtime.m.curg"));
    CHECK(l.problems.size() == 3);
  }
  SECTION("no status constants: Go 1.21's values, said once") {
    FakeProgram p = runtime_program(24);
    p.constants.clear();
    RuntimeLayout l = RuntimeLayout::read(p);
    CHECK(l.problems ==
          std::vector<std::string>{"the executable's DWARF has no runtime._G* constants; using the values of Go 1.21"});
    CHECK(l.status_names.size() == 10);
    CHECK(l.status_names[4] == "waiting");
    CHECK(l.status_names[6] == "dead");
    CHECK(l.gscan == 0x1000);
  }
  SECTION("constants with other values are taken as they are") {
    FakeProgram p = runtime_program(24);
    p.constants = {{"runtime._Grunning", 7}, {"runtime._Gscan", 0x2000}};
    RuntimeLayout l = RuntimeLayout::read(p);
    CHECK(l.status_names == std::map<uint32_t, std::string>{{7, "running"}});
    CHECK(l.gscan == 0x2000);
  }
  SECTION("before Go 1.21: runtime._type's unexported fields") {
    FakeProgram p = runtime_program(21);
    FakeProgram q;
    for (const char *name : {"runtime/internal/atomic.Uint32", "runtime.stack", "runtime.gobuf", "runtime.g",
                             "runtime.m", "runtime._panic", "runtime._defer", "runtime.moduledata"})
      q.type(*p.type(name));
    q.structure("runtime._type", 48,
                {field("tflag", 20, "runtime.tflag"), field("kind", 23, "uint8"), field("str", 40, "runtime.nameOff")});
    RuntimeLayout l = RuntimeLayout::read(q);
    CHECK(l.t_tflag.ok);
    CHECK(l.t_tflag.at == 20);
    CHECK(l.t_kind.at == 23);
    CHECK(l.t_str.ok);
    CHECK(l.t_str.at == 40);
  }
  SECTION("a path through a field whose type is not in the DWARF") {
    FakeProgram p = runtime_program(24);
    p.structure("runtime.g", 440,
                {field("stack", 0, "runtime.stack"), field("sched", 56, "runtime.gobuf2"), field("goid", 160, "uint64"),
                 field("atomicstatus", 152, "internal/runtime/atomic.Uint32")});
    RuntimeLayout l = RuntimeLayout::read(p);
    CHECK_FALSE(l.g_sched_sp.ok);
    CHECK(has(l.problems, "the executable's DWARF has no field runtime.g.sched.sp"));
  }
}

TEST_CASE("runtime layout: one g read with two releases' offsets", "[runtime_layout]") {
  RuntimeLayout go121 = RuntimeLayout::read(runtime_program(21));
  RuntimeLayout go124 = RuntimeLayout::read(runtime_program(24));
  SyntheticImage img;
  img.map(kHeap, 0x1000);
  Memory mem(img, nullptr, 0);
  auto read = [&](uint64_t addr, uint64_t size) {
    Record r{std::vector<char>(size)};
    REQUIRE(mem.read(addr, r.raw.data(), size));
    return r;
  };

  // A waiting goroutine 42 of a Go 1.24 program, in a select (waitReason 9),
  // with a panic and a defer.
  const uint64_t g = kHeap;
  img.u64(g + 32, kHeap + 0x400);  // _panic
  img.u64(g + 40, kHeap + 0x500);  // _defer
  img.u64(g + 56, 0xc000080f00);   // sched.sp
  img.u64(g + 64, 0x411020);       // sched.pc
  img.u32(g + 152, 4);             // atomicstatus: _Gwaiting
  img.u64(g + 160, 42);            // goid
  img.u8(g + 184, 9);              // waitreason

  Record as124 = read(g, go124.g_size);
  CHECK(as124.u64(go124.g_goid) == 42);
  CHECK(as124.u32(go124.g_status) == 4);
  CHECK(go124.status_names.at(as124.u32(go124.g_status)) == "waiting");
  CHECK(as124.u8(go124.g_waitreason) == 9);
  CHECK(as124.u64(go124.g_sched_sp) == 0xc000080f00);
  CHECK(as124.u64(go124.g_sched_pc) == 0x411020);
  CHECK(as124.u64(go124.g_panic) == kHeap + 0x400);
  CHECK(as124.u64(go124.g_defer) == kHeap + 0x500);

  // Go 1.21's offsets over the same bytes: goid is where 1.24 keeps the status.
  Record as121 = read(g, go121.g_size);
  CHECK(as121.u64(go121.g_goid) == 4);
  CHECK(as121.u32(go121.g_status) == 0);
  CHECK(as121.u8(go121.g_waitreason) == 0);
  CHECK(as121.u64(go121.g_sched_sp) == 0xc000080f00);  // unchanged between them

  // A field this release lacks, or one past the bytes copied, reads 0.
  CHECK(as124.u64(go124.d_started) == 0);
  CHECK(Record{std::vector<char>(100)}.u64(go124.g_goid) == 0);
  CHECK_FALSE(Record{std::vector<char>(160)}.flag(go124.g_goid));

  // The _panic record: recovered and goexit moved.
  img.u8(kHeap + 0x400 + 96, 1);  // Go 1.24 recovered
  Record p124 = read(kHeap + 0x400, go124.panic_size), p121 = read(kHeap + 0x400, go121.panic_size);
  CHECK(p124.flag(go124.p_recovered));
  CHECK_FALSE(p121.flag(go121.p_recovered));
}

TEST_CASE("runtime layout and values together: a Go 1.24 panic record's value", "[runtime_layout][values]") {
  FakeProgram prog = runtime_program(24);
  value_types(prog);
  RuntimeLayout l = RuntimeLayout::read(prog);
  REQUIRE(l.problems.empty());
  SyntheticImage img;
  Types types(img, l);
  img.map(kHeap, 0x1000);
  Memory mem(img, nullptr, kBias);
  const uint64_t string_type = types.add("*string", kTFlagExtraStar, kKindString);
  const uint64_t panic = kHeap + 0x400;
  img.u64(panic + 8, string_type);  // arg: interface {}{_type, data}
  img.u64(panic + 16, kHeap);
  img.go_string(kHeap, kHeap + 0x800, "boom");
  Record rec{std::vector<char>(l.panic_size)};
  REQUIRE(mem.read(panic, rec.raw.data(), rec.raw.size()));
  ValueReader values(mem, prog, l);
  PanicValue v = values.eface(rec.u64(l.p_arg), rec.u64({l.p_arg.at + 8, true}));
  CHECK(v.printed == "boom");
}

TEST_CASE("labels print as the release's goroutine header prints them", "[labels]") {
  // runtime/print.go printquoted; traceback.go goroutineheader and, from
  // 1.27, tracebackStringNeedsQuoting.
  CHECK(go_runtime_quote("plain", 26) == "\"plain\"");
  CHECK(go_runtime_quote("a\"b\\c\n\r\t", 26) == R"("a\"b\\c\n\r\t")");
  CHECK(go_runtime_quote(std::string("\x01\x7f", 2), 26) == R"("\x01\u007f")");  // DEL is not below 127
  CHECK(go_runtime_quote("z\xc3\xbcrich \xf0\x9f\x98\x80", 26) == R"("z\u00fcrich \U0001f600")");
  // An invalid byte: U+FFFD before 1.27, the byte itself from 1.27.
  CHECK(go_runtime_quote("a\xff"
                         "b",
                         26) == R"("a\ufffdb")");
  CHECK(go_runtime_quote("a\xff"
                         "b",
                         27) == R"("a\xffb")");
  CHECK(go_runtime_quote("\xef\xbf\xbd", 27) == R"("\ufffd")");        // a real U+FFFD
  CHECK(go_runtime_quote("\xe0\x80\x80", 27) == R"("\xe0\x80\x80")");  // overlong
  LabelList labels = {{"shard", "3"}, {"region", "eu-west/1"}, {"path", "a.b/c_D9"}};
  CHECK(format_labels(labels, 26) == R"("shard": "3", "region": "eu-west/1", "path": "a.b/c_D9")");
  CHECK(format_labels(labels, 27) == R"(shard: 3, region: "eu-west/1", path: a.b/c_D9)");
  CHECK(format_labels({{"", ""}}, 27) == R"(: )");
  CHECK(format_labels({}, 27).empty());
}
