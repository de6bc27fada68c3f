// --format json: streamed with json::OStream so that a dump of a million
// goroutines never exists as one json::Value. Keys are written in a fixed
// order; formats/output.schema.json describes every one.
#include "render/json_emit.h"
#include "render/render.h"
#include "render/render_util.h"

#include "analysis/groups.h"

#include "llvm/Support/JSON.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace crashctl {

namespace {

using namespace render_detail;
namespace json = llvm::json;

json::Value hex_or_null(const std::optional<uint64_t> &v) {
  return v ? json::Value(hex(*v)) : json::Value(nullptr);
}

class JsonWriter {
  // The reference keeps the stack alive: a freed stack's address, reused by
  // a later report's, must not find this text.
  struct CachedFrames {
    StackRef stack;
    SourceLinks links;  // the frames' URLs came from these
    unsigned indent = 0;
    std::string text;
  };
  const SourceLinks *links_ = nullptr;  // the report being written's
  struct FramesCache {
    std::unordered_map<const Stack *, CachedFrames> texts;
    size_t bytes = 0;
    // Whether entries hold a reference to their stack: the caller's cache,
    // kept across reports, must. A writer thread's lives while the report
    // holds its stacks, and must not: the count is not atomic.
    bool holds_stacks = true;
  };

public:
  explicit JsonWriter(llvm::raw_ostream &os, const RenderOptions &opts) : os_(os), j_(os, 2), opts_(opts) {}

  // The document is written as it goes: the head, then each input and its
  // reports as they come, then the tail.
  void flush() { os_.flush(); }

  void begin_document() {
    j_.objectBegin();
    j_.attribute("schema_version", kJsonSchemaVersion);
    j_.attributeObject("tool", [&] {
      j_.attribute("name", "crashctl");
      j_.attribute("version", str(opts_.tool_version));
    });
    j_.attributeBegin("inputs");
    j_.arrayBegin();
  }
  void end_document() {
    j_.arrayEnd();
    j_.attributeEnd();
    j_.objectEnd();
    frames_json_ = FramesCache();  // the next input's stacks are others
  }

  void begin_input(const Input &in) {
    j_.objectBegin();
    j_.attribute("path", str(in.path));
    j_.attribute("format", json_name(in.format));
    j_.attribute("compression", json_name(in.compression));
    j_.attributeBegin("reports");
    j_.arrayBegin();
  }
  // Known once the input is read: its size, its diagnostics.
  void end_input(const Input &in) {
    j_.arrayEnd();
    j_.attributeEnd();
    j_.attribute("size", in.size);
    attribute_or_null("executable", in.executable, [&] {
      j_.object([&] {
        j_.attribute("path", str(in.executable->path));
        j_.attribute("build_id", str_or_null(in.executable->build_id));
        j_.attribute("source", to_string(in.executable->source));
      });
    });
    j_.attributeArray("diagnostics", [&] {
      for (const Diagnostic &d : in.diagnostics)
        j_.object([&] {
          j_.attribute("severity", json_name(d.severity));
          j_.attribute("offset", d.offset);
          j_.attribute("message", str(d.message));
        });
    });
    j_.objectEnd();
  }

  void report(const Report &r) {
    const Process &p = r.process;
    links_ = &r.links;
    j_.object([&] {
      j_.attribute("kind", json_name(r.kind));
      j_.attribute("offset", r.offset);
      j_.attribute("end_offset", r.end_offset);
      j_.attribute("go_version", str_or_null(p.go_version.version));
      j_.attributeObject("go_version_info", [&] {
        j_.attribute("version", str_or_null(p.go_version.version));
        j_.attribute("min_release", str_or_null(p.go_version.min_release));
        j_.attribute("source", str_or_null(p.go_version.source));
      });
      j_.attribute("executable", str_or_null(p.executable));
      build_info(p.build_info);
      j_.attributeObject("memstats", [&] {
        for (const auto &[name, value] : p.memstats) j_.attribute(json::fixUTF8(name), value);
      });
      attribute_or_null("memory", r.memory, [&] { memory(*r.memory); });
      verdict(r.verdict);
      attribute_or_null("recovery", p.recovery, [&] {
        j_.object([&] {
          j_.attribute("producer", str(p.recovery->producer));
          j_.attribute("message", str_or_null(p.recovery->message));
          j_.attribute("value_source", str_or_null(p.recovery->value_source));
          j_.attribute("stack_format", str_or_null(p.recovery->stack_format));
          j_.attribute("offset", p.recovery->offset);
        });
      });
      j_.attribute("profile", str_or_null(p.profile));
      j_.attributeArray("panics", [&] {
        for (const PanicRecord &pr : p.panics) panic_record(pr);
      });
      attribute_or_null("fatal_error", p.fatal, [&] {
        j_.object([&] {
          j_.attribute("message", str(p.fatal->message));
          j_.attributeArray("runtime_lines", [&] {
            for (const std::string &line : p.fatal->runtime_lines) j_.value(str(line));
          });
        });
      });
      attribute_or_null("signal", p.signal, [&] { signal(*p.signal); });
      j_.attributeArray("threads", [&] {
        for (const Thread &t : p.threads)
          j_.object([&] {
            j_.attribute("m", t.m);
            j_.attribute("tid", int_or_null(t.tid));
            j_.attribute("goroutine", int_or_null(t.goroutine));
            j_.attribute("crashed", t.crashed);
            j_.attribute("signal", str_or_null(t.signal));
            j_.attributeObject("registers", [&] {
              for (const auto &[name, value] : t.registers) j_.attribute(json::fixUTF8(name), hex(value));
            });
          });
      });
      // Written by the emitter (json_emit.h): the bulk of a large dump's output.
      j_.attributeBegin("goroutines");
      {
        JsonEmitter e(j_.rawValueBegin());
        JsonScope a(e, kReportMemberIndent, '[');
        goroutines(e, a, p.goroutines);
        a.end();
        e.flush();
        j_.rawValueEnd();
      }
      j_.attributeEnd();
      frames("system_stack_frames", p.runtime_stack_frames, kReportMemberIndent);
      j_.attributeArray("groups", [&] {
        for (const GoroutineGroup &g : r.groups) group(g);
      });
      j_.attributeArray("races", [&] {
        for (const RaceReport &race : p.races) race_report(race);
      });
      attribute_or_null("test_timeout", p.test_timeout, [&] {
        j_.object([&] {
          j_.attribute("after", str(p.test_timeout->after));
          j_.attributeArray("running", [&] {
            for (const auto &[name, duration] : p.test_timeout->running)
              j_.object([&] {
                j_.attribute("name", str(name));
                j_.attribute("duration", str(duration));
              });
          });
        });
      });
    });
  }

  void memory(const MemoryReport &m) {
    j_.object([&] {
      j_.attribute("source", str(m.source));
      j_.attribute("live_bytes", m.live_bytes);
      j_.attribute("live_objects", m.live_objects);
      j_.attribute("reachable_bytes", m.reachable_bytes);
      j_.attribute("reachable_objects", m.reachable_objects);
      j_.attribute("unreachable_bytes", m.unreachable_bytes);
      j_.attribute("unreachable_objects", m.unreachable_objects);
      j_.attribute("shared_bytes", m.shared_bytes);
      j_.attribute("shared_objects", m.shared_objects);
      j_.attribute("typed_bytes", m.typed_bytes);
      j_.attributeArray("types", [&] {
        for (const MemoryTypeStat &t : m.types)
          j_.object([&] {
            j_.attribute("type", str(t.type));
            if (t.size_class)
              j_.attribute("size_class", t.size_class);
            else
              j_.attribute("size_class", nullptr);
            j_.attribute("objects", t.objects);
            j_.attribute("bytes", t.bytes);
          });
      });
      j_.attributeArray("retainers", [&] {
        for (const MemoryRetainer &r : m.retainers)
          j_.object([&] {
            j_.attributeObject("root", [&] {
              j_.attribute("kind", to_string(r.root.kind));
              j_.attribute("name", str(r.root.name));
              if (r.root.goroutine)
                j_.attribute("goroutine", r.root.goroutine);
              else
                j_.attribute("goroutine", nullptr);
              j_.attribute("function", str_or_null(r.root.function));
              j_.attribute("variable", str_or_null(r.root.variable));
              j_.attribute("type", str_or_null(r.root.type));
            });
            j_.attribute("retained_bytes", r.retained_bytes);
            j_.attribute("retained_objects", r.retained_objects);
            j_.attributeArray("path", [&] {
              for (const MemoryPathStep &s : r.path)
                j_.object([&] {
                  j_.attribute("address", s.address);
                  j_.attribute("type", str(s.type));
                  j_.attribute("size", s.size);
                  j_.attribute("retained_bytes", s.retained_bytes);
                });
            });
          });
      });
      j_.attributeArray("notes", [&] {
        for (const std::string &n : m.notes) j_.value(str(n));
      });
    });
  }

  void build_info(const std::optional<BuildInfo> &bi) {
    attribute_or_null("build_info", bi, [&] {
      auto module = [&](const Module &m) {
        j_.object([&] {
          j_.attribute("path", str(m.path));
          j_.attribute("version", str_or_null(m.version));
          j_.attribute("sum", str_or_null(m.sum));
          j_.attribute("replaced_by", str_or_null(m.replaced_by));
        });
      };
      j_.object([&] {
        j_.attribute("go_version", str_or_null(bi->go_version));
        j_.attribute("path", str_or_null(bi->path));
        j_.attributeBegin("main");
        module(bi->main);
        j_.attributeEnd();
        j_.attributeArray("deps", [&] {
          for (const Module &m : bi->deps) module(m);
        });
        j_.attributeObject("settings", [&] {
          for (const auto &[k, v] : bi->settings) j_.attribute(json::fixUTF8(k), str(v));
        });
      });
    });
  }

  void verdict(const Verdict &v) {
    j_.attributeObject("verdict", [&] {
      j_.attribute("class", str(verdict_class(v)));
      j_.attribute("recoverable", v.recoverable);
      j_.attribute("summary", str(v.summary));
      j_.attribute("explanation", str(v.explanation));
      j_.attribute("goroutine", int_or_null(v.goroutine));
      attribute_or_null("culprit", v.culprit, [&] {
        j_.object([&] {
          const Frame &f = v.culprit->frame;
          j_.attribute("function", str(f.function));
          j_.attribute("package", str(package_of(f)));
          j_.attribute("file", str(f.file));
          j_.attribute("line", f.line);
          j_.attribute("inlined", f.inlined);
          j_.attribute("pc_offset", f.pc_offset ? json::Value(*f.pc_offset) : json::Value(nullptr));
          j_.attribute("frame_index", static_cast<uint64_t>(v.culprit->frame_index));
          j_.attributeArray("cycle", [&] {
            for (const std::string &fn : v.culprit->cycle) j_.value(str(fn));
          });
          j_.attribute("module", str_or_null(v.culprit->module));
          j_.attribute("version", str_or_null(v.culprit->version));
          j_.attribute("owner", str_or_null(v.culprit->owner));
          j_.attribute("owner_source", str_or_null(v.culprit->owner_source));
          j_.attribute("url", str_or_null(v.culprit->url));
          attribute_or_null("source_context", v.culprit->source_context, [&] {
            const SourceContext &sc = *v.culprit->source_context;
            j_.object([&] {
              j_.attribute("path", str(sc.path));
              j_.attribute("first_line", int64_t(sc.first_line));
              j_.attributeArray("lines", [&] {
                for (const std::string &line : sc.lines) j_.value(str(line));
              });
            });
          });
          blame_attribute(j_, v.culprit->blame);
        });
      });
      j_.attribute("signature", str(v.signature));
      j_.attribute("signature_text", str(v.signature_text));
      j_.attribute("leak_suspects", static_cast<uint64_t>(v.leak_suspects));
      attribute_or_null("recovered_by", v.recovered_by, [&] {
        j_.object([&] {
          j_.attribute("function", str(v.recovered_by->function));
          j_.attribute("file", str(v.recovered_by->file));
          j_.attribute("line", v.recovered_by->line);
        });
      });
      j_.attribute("confidence", v.low_confidence ? "low" : "high");
      j_.attributeArray("confidence_reasons", [&] {
        for (const std::string &why : v.confidence_reasons) j_.value(str(why));
      });
    });
  }

  void group(const GoroutineGroup &g) {
    j_.object([&] {
      j_.attribute("count", static_cast<uint64_t>(g.goroutine_ids.size()));
      j_.attribute("state", json_name(g.status));
      j_.attribute("wait_reason", str(g.wait_reason));
      j_.attribute("wait_minutes_min", int_or_null(g.min_wait_minutes));
      j_.attribute("wait_minutes_max", int_or_null(g.max_wait_minutes));
      j_.attributeArray("goroutine_ids", [&] {
        for (int64_t id : g.goroutine_ids) j_.value(id);
      });
      const Frame *site = group_site(g);
      attribute_or_null("site", site, [&] { location(*site); });
      attribute_or_null("created_by", g.created_by, [&] { location(*g.created_by); });
      j_.attribute("leaked", g.leaked);
      j_.attributeArray("leak_reasons", [&] {
        for (const std::string &r : g.leak_reasons) j_.value(str(r));
      });
    });
  }

  void location(const Frame &f) {
    j_.object([&] {
      j_.attribute("function", str(f.function));
      j_.attribute("file", str(f.file));
      j_.attribute("line", f.line);
    });
  }

  void panic_record(const PanicRecord &pr) {
    j_.object([&] {
      j_.attribute("message", str(pr.message));
      j_.attribute("goroutine", int_or_null(pr.goroutine));
      j_.attribute("recovered", pr.recovered);
      j_.attribute("repanicked", pr.repanicked);
      j_.attribute("fatal", pr.fatal);
      j_.attribute("goexit", pr.goexit);
      j_.attribute("value_type", str_or_null(pr.value_type));
      j_.attribute("value", str_or_null(pr.value));
      j_.attribute("value_note", str_or_null(pr.value_note));
    });
  }

  void signal(const SignalInfo &s) {
    j_.object([&] {
      j_.attribute("name", str_or_null(s.name));
      j_.attribute("description", str_or_null(s.description));
      j_.attribute("number", int_or_null(s.number));
      j_.attribute("code", hex_or_null(s.code));
      j_.attribute("addr", hex_or_null(s.addr));
      j_.attribute("pc", hex_or_null(s.pc));
      j_.attribute("m", int_or_null(s.m));
      j_.attribute("during_cgo", s.during_cgo);
    });
  }

  // The goroutines as elements of A. With opts_.threads > 1 they are written
  // in chunks: each chunk is rendered into a string by whichever thread takes
  // it (the caller too) and the caller writes them in order, so the bytes
  // are those of one thread (tests/test_render.cpp); at most `window` chunks
  // wait to be written. Off by default: on this shared 2-core machine it was
  // slower than one thread (README "Cores").
  void goroutines(JsonEmitter &e, JsonScope &a, const StableVector<Goroutine> &gs) {
    constexpr size_t kChunk = 512;
    const unsigned indent = a.inner();
    const size_t threads = std::min<size_t>(opts_.threads, 16);
    // Chunks of kChunk, smaller for a small dump (as tests give).
    const size_t chunk = std::clamp<size_t>(gs.size() / (4 * std::max<size_t>(threads, 1)), 1, kChunk);
    const size_t chunks = (gs.size() + chunk - 1) / chunk;
    if (threads <= 1 || gs.size() < 2) {
      for (size_t i = 0; i < gs.size(); ++i) {
        a.item();
        goroutine(e, indent, gs[i], frames_json_);
      }
      return;
    }
    const size_t window = 4 * threads;
    struct Slot {
      std::string text;
      bool done = false;
    };
    std::vector<Slot> slots(chunks);
    std::mutex mu;
    std::condition_variable cv;
    size_t next = 0, written = 0;  // the next chunk to take, the chunks written
    // Written chunks' strings, kept for their capacity: fresh megabytes for
    // every chunk would cost a page fault per page.
    std::vector<std::string> spare;
    auto render_chunk = [&](size_t c, FramesCache &cache) {
      std::string text;
      {
        std::lock_guard<std::mutex> lock(mu);
        if (!spare.empty()) {
          text = std::move(spare.back());
          spare.pop_back();
        }
      }
      text.clear();
      llvm::raw_string_ostream os(text);
      {
        JsonEmitter ce(os);
        for (size_t i = c * chunk; i < std::min(gs.size(), (c + 1) * chunk); ++i) {
          if (i) ce.put(',');
          ce.newline(indent);
          goroutine(ce, indent, gs[i], cache);
        }
      }
      return text;
    };
    auto worker = [&] {
      FramesCache cache;
      cache.holds_stacks = false;
      for (;;) {
        size_t c;
        {
          std::unique_lock<std::mutex> lock(mu);
          cv.wait(lock, [&] { return next >= chunks || next < written + window; });
          if (next >= chunks) return;
          c = next++;
        }
        std::string text = render_chunk(c, cache);
        {
          std::lock_guard<std::mutex> lock(mu);
          slots[c].text = std::move(text);
          slots[c].done = true;
        }
        cv.notify_all();
      }
    };
    std::vector<std::thread> pool;
    for (size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
    {
      std::unique_lock<std::mutex> lock(mu);
      while (written < chunks) {
        if (slots[written].done) {
          std::string text = std::move(slots[written].text);
          ++written;
          lock.unlock();
          cv.notify_all();
          e.put(text);
          lock.lock();
          spare.push_back(std::move(text));
        } else if (next < chunks && next < written + window) {
          size_t c = next++;
          lock.unlock();
          std::string text = render_chunk(c, frames_json_);
          lock.lock();
          slots[c].text = std::move(text);
          slots[c].done = true;
        } else {
          cv.wait(lock, [&] { return slots[written].done; });
        }
      }
    }
    for (std::thread &t : pool) t.join();
    a.filled_elsewhere();
  }

  // A frame (object), a stack's frames (array), a goroutine (object) through
  // the emitter (json_emit.h), INDENT being the indentation of the line they
  // start on. G, when given, supplies its own argument values for the
  // shared frames.
  void frame(JsonEmitter &e, unsigned indent, const Frame &f, llvm::StringRef args) {
    JsonScope o(e, indent, '{');
    o.key("function").string(f.function);
    o.key("package").string(package_of(f));
    o.key("file").string(f.file);
    o.key("line").integer(f.line);
    o.key("inlined").boolean(f.inlined);
    if (f.pc_offset)
      o.key("pc_offset").unsigned_integer(*f.pc_offset);
    else
      o.key("pc_offset").null();
    o.key("pc").hex_or_null(f.pc);
    o.key("args").string(args);
    o.key("non_go").boolean(f.non_go);
    o.key("language").string(f.non_go ? "c" : "go");
    o.key("url").string_or_null(links_ ? links_->url(f) : std::string());
    o.end();
  }
  void frames(JsonEmitter &e, unsigned indent, const StackRef &stack, const Goroutine *g) {
    JsonScope a(e, indent, '[');
    const auto &fs = frames_of(stack);
    for (size_t i = 0; i < fs.size(); ++i) {
      std::string_view args = g ? frame_args(*g, i) : std::string_view(fs[i].args);
      a.item();
      frame(e, a.inner(), fs[i], llvm::StringRef(args.data(), args.size()));
    }
    a.end();
  }

  // A goroutine's frames. Goroutines sharing a stack and its argument values
  // print the same bytes: the first one's output is kept and repeated.
  void goroutine_frames(JsonEmitter &e, unsigned indent, const Goroutine &g, FramesCache &cache) {
    if (!g.stack || g.frame_args) return frames(e, indent, g.stack, &g);
    auto it = cache.texts.find(g.stack.get());
    // A stack shared by another report of the input holds that report's links.
    if (it != cache.texts.end() && links_ && it->second.links.same_table(*links_) && it->second.indent == indent) {
      e.put(it->second.text);
      return;
    }
    if (cache.bytes >= kFramesJsonBudget) return frames(e, indent, g.stack, &g);
    std::string text;
    {
      llvm::raw_string_ostream s(text);
      JsonEmitter te(s);
      frames(te, indent, g.stack, &g);
    }
    e.put(text);
    cache.bytes += text.size();
    cache.texts.insert_or_assign(
        g.stack.get(), CachedFrames{cache.holds_stacks ? g.stack : StackRef(), links_ ? *links_ : SourceLinks(), indent,
                                    std::move(text)});
  }

  void created_by(JsonEmitter &e, const FrameRef &creator, int64_t parent, unsigned indent) {
    if (!creator) return e.null();
    JsonScope o(e, indent, '{');
    o.key("function").string(creator->function);
    o.key("file").string(creator->file);
    o.key("line").integer(creator->line);
    o.key("goroutine").int_or_null(parent);
    o.end();
  }

  void goroutine(JsonEmitter &e, unsigned indent, const Goroutine &g, FramesCache &cache) {
    JsonScope o(e, indent, '{');
    const unsigned in = o.inner();
    o.key("id").integer(g.id);
    o.key("state").string(json_name(g.status));
    o.key("wait_reason").string(g.wait_reason.str());
    o.key("wait_minutes").int_or_null(g.wait_minutes);
    o.key("locked_to_thread").boolean(g.locked_to_thread);
    o.key("scan").boolean(g.scan);
    o.key("labels").string_or_null(g.details().labels);
    o.key("stack_unavailable").boolean(g.stack_unavailable);
    o.key("frames");
    goroutine_frames(e, in, g, cache);
    if (g.stack && g.stack->elided_at) {
      JsonScope el(o.key("frames_elided"), in, '{');
      el.key("at").unsigned_integer(*g.stack->elided_at);
      el.key("count").int_or_null(g.stack->elided_count);
      el.end();
    } else {
      o.key("frames_elided").null();
    }
    o.key("created_by");
    created_by(e, g.created_by, g.parent_goid, in);
    const GoroutineExtras &ex = g.extras();
    const GoroutineDetails &det = g.details();
    {
      JsonScope ds(o.key("defers"), in, '[');
      for (const Defer &d : det.defers) {
        JsonScope x(ds.item(), ds.inner(), '{');
        x.key("function").string(d.function);
        x.key("file").string(d.file);
        x.key("line").integer(d.line);
        x.key("kind").string(to_string(d.kind));
        if (d.calls_recover)
          x.key("calls_recover").boolean(*d.calls_recover);
        else
          x.key("calls_recover").null();
        x.key("recover_via").string_or_null(d.indirect_recover);
        x.key("ran").boolean(d.ran);
        x.key("running").boolean(d.running);
        x.key("frame_index").int_or_null(d.frame_index);
        x.end();
      }
      ds.end();
    }
    o.key("start_function").string_or_null(det.start_function);
    o.key("system").boolean(det.system);
    o.key("wait_since_ns").int_or_null(det.wait_since_ns);
    o.key("gp").hex_or_null(ex.gp());
    o.key("unreadable").string_or_null(det.unreadable);
    {
      JsonScope as(o.key("ancestors"), in, '[');
      for (const Ancestor &a : det.ancestors) {
        JsonScope x(as.item(), as.inner(), '{');
        x.key("goroutine").integer(a.goid);
        x.key("frames");
        frames(e, x.inner(), a.stack, nullptr);
        x.key("created_by");
        created_by(e, a.created_by, -1, x.inner());
        x.end();
      }
      as.end();
    }
    o.key("offset").unsigned_integer(g.offset);
    o.end();
  }

  // A stack's frames as the value of KEY, whose line is indented by INDENT:
  // the few stacks outside goroutines.
  void frames(llvm::StringRef key, const StackRef &stack, unsigned indent) {
    j_.attributeBegin(key);
    {
      JsonEmitter e(j_.rawValueBegin());
      frames(e, indent, stack, nullptr);
      e.flush();
      j_.rawValueEnd();
    }
    j_.attributeEnd();
  }

  void race_report(const RaceReport &race) {
    j_.object([&] {
      j_.attributeArray("accesses", [&] {
        for (const RaceAccess &a : race.accesses)
          j_.object([&] {
            j_.attribute("operation", str(a.operation));
            j_.attribute("address", hex(a.address));
            int64_t goid = a.goroutine < 0 && a.main_goroutine ? 1 : a.goroutine;
            j_.attribute("goroutine", int_or_null(goid));
            frames("frames", a.stack, kRaceEntryMemberIndent);
          });
      });
      j_.attributeArray("goroutines", [&] {
        for (const RaceGoroutine &g : race.goroutines)
          j_.object([&] {
            j_.attribute("goroutine", int_or_null(g.goroutine));
            j_.attribute("state", str(g.state));
            frames("created_at", g.created_at, kRaceEntryMemberIndent);
          });
      });
    });
  }

  // KEY: the value WRITE writes when PRESENT, else null.
  template <class P, class F>
  void attribute_or_null(llvm::StringRef key, const P &present, F &&write) {
    j_.attributeBegin(key);
    if (present)
      write();
    else
      j_.value(nullptr);
    j_.attributeEnd();
  }

  static constexpr size_t kFramesJsonBudget = 64 << 20;
  // The report object's members are indented by 10: the document's members
  // by 2, "inputs" elements 4, an input's members 6, "reports" elements 8.
  static constexpr unsigned kReportMemberIndent = 10;
  // A race's accesses and goroutines: "races" elements 12, their members 14,
  // "accesses"/"goroutines" elements 16, their members 18.
  static constexpr unsigned kRaceEntryMemberIndent = 18;
  llvm::raw_ostream &os_;
  json::OStream j_;
  const RenderOptions &opts_;
  FramesCache frames_json_;  // the calling thread's; each goroutine writer thread has its own
};

}  // namespace

namespace {

class JsonRenderer final : public ReportRenderer {
public:
  JsonRenderer(llvm::raw_ostream &os, const RenderOptions &opts) : os_(os), writer_(os, opts) {
    writer_.begin_document();
  }
  ~JsonRenderer() override { finish(); }
  void begin_input(const Input &in) override { writer_.begin_input(in); }
  void render(const Input &, const Report &r, size_t, bool) override { writer_.report(r); }
  void end_input(const Input &in) override { writer_.end_input(in); }
  void finish() override {
    if (finished_) return;
    finished_ = true;
    writer_.end_document();
    writer_.flush();
    os_ << '\n';
  }

private:
  llvm::raw_ostream &os_;
  JsonWriter writer_;
  bool finished_ = false;
};

}  // namespace

std::unique_ptr<ReportRenderer> make_json_renderer(llvm::raw_ostream &os, const RenderOptions &opts) {
  return std::make_unique<JsonRenderer>(os, opts);
}

void render_json(llvm::raw_ostream &os, const std::vector<Input> &inputs, const RenderOptions &opts) {
  render_all(*make_json_renderer(os, opts), inputs);
}

}  // namespace crashctl
