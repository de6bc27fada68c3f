// Decompression on a second thread: the decoder parses one buffer while the
// next is being decompressed. Used by open_source() for compressed streams.
#include "io/input.h"

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <new>
#include <thread>
#include <vector>

namespace crashctl {
namespace detail {
namespace {

constexpr size_t kSlots = 6, kSlotBytes = 1 << 20;  // within L3, shared by the two cores
// Room before each slot's bytes for the end of the previous one (lend_chunk).
constexpr size_t kHeadroom = 256 << 10;

class ReadAheadSource final : public ByteSource {
public:
  ReadAheadSource(std::unique_ptr<ByteSource> inner, uint64_t sync_bytes)
      : inner_(std::move(inner)), raw_size_(inner_->raw_size()), sync_bytes_(sync_bytes) {}
  ~ReadAheadSource() override {
    if (worker_.joinable()) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        stop_ = true;
      }
      cv_.notify_all();
      worker_.join();
    }
  }

  llvm::Expected<size_t> read(char *buf, size_t n) override {
    if (!worker_.joinable()) {
      if (delivered_ < sync_bytes_) {
        auto r = inner_->read(buf, n);
        if (r) delivered_ += *r;
        raw_position_ = inner_->raw_position();
        return r;
      }
      start();
    }
    if (n == 0) return 0;
    if (!current_) {
      current_ = next_filled(false);
      cursor_ = 0;
    }
    Slot &s = *current_;
    if (s.size == 0) {  // the end, or an error after everything before it
      if (s.error.empty()) return 0;
      return llvm::createStringError(s.ec, "%s", s.error.c_str());
    }
    size_t k = std::min(n, s.size - cursor_);
    std::memcpy(buf, s.bytes.data() + kHeadroom + cursor_, k);
    cursor_ += k;
    if (cursor_ == s.size) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        filled_.erase(filled_.begin());
      }
      give_back(current_);
      current_ = nullptr;
    }
    return k;
  }
  bool can_lend() const override { return worker_.joinable() || delivered_ >= sync_bytes_; }
  llvm::Expected<LentChunk> lend_chunk() override {
    if (!worker_.joinable()) start();
    give_back(lent_prev_);
    lent_prev_ = lent_cur_;
    lent_cur_ = nullptr;
    Slot *s = current_;
    size_t from = cursor_;
    if (!s) {
      s = next_filled(true);
      from = 0;
    } else if (s->size != 0) {
      std::lock_guard<std::mutex> lock(mu_);
      filled_.erase(filled_.begin());  // current_ is filled_'s front
    }
    if (s->size == 0) {  // the end stays at the front: every later call sees it too
      current_ = s;
      cursor_ = 0;
      if (s->error.empty()) return LentChunk{};
      return llvm::createStringError(s->ec, "%s", s->error.c_str());
    }
    current_ = nullptr;
    lent_cur_ = s;
    return LentChunk{s->bytes.data() + kHeadroom + from, s->size - from, kHeadroom + from};
  }
  uint64_t raw_position() const override { return raw_position_.load(std::memory_order_relaxed); }
  uint64_t raw_size() const override { return raw_size_; }

private:
  struct Slot {
    std::vector<char> bytes;
    size_t size = 0;
    std::string error;
    std::error_code ec;
  };

  // Waits for the next filled slot; TAKE removes it from the queue unless it
  // is the end (which stays, so that every later call sees it too).
  Slot *next_filled(bool take) {
    std::unique_lock<std::mutex> lock(mu_);
    consumer_waiting_ = true;
    cv_.wait(lock, [&] { return !filled_.empty(); });
    consumer_waiting_ = false;
    Slot *s = filled_.front();
    if (take && s->size != 0) filled_.erase(filled_.begin());
    return s;
  }

  // Returns a consumed slot to the worker.
  void give_back(Slot *s) {
    if (!s || s == &end_) return;
    bool wake;
    {
      std::lock_guard<std::mutex> lock(mu_);
      free_.push_back(s);
      wake = producer_waiting_;
    }
    if (wake) cv_.notify_all();  // a futex call only when the worker sleeps
  }

  void start() {
    slots_.resize(kSlots);
    for (Slot &s : slots_) {
      s.bytes.resize(kHeadroom + kSlotBytes);
      free_.push_back(&s);
    }
    worker_ = std::thread([this] { run(); });
  }

  void run() {
    for (;;) {
      Slot *s;
      {
        std::unique_lock<std::mutex> lock(mu_);
        producer_waiting_ = true;
        cv_.wait(lock, [&] { return stop_ || !free_.empty(); });
        producer_waiting_ = false;
        if (stop_) return;
        s = free_.back();
        free_.pop_back();
      }
      s->size = 0;
      bool last = false;
      while (s->size < kSlotBytes) {
        auto r = read_inner(s->bytes.data() + kHeadroom + s->size, kSlotBytes - s->size);
        raw_position_.store(inner_->raw_position(), std::memory_order_relaxed);
        if (!r) {
          llvm::handleAllErrors(r.takeError(), [&](const llvm::ErrorInfoBase &info) {
            s->error = info.message();
            s->ec = info.convertToErrorCode();
          });
          last = true;
          break;
        }
        if (*r == 0) {
          last = true;
          break;
        }
        s->size += *r;
        produced_ += *r;
      }
      Slot *end = nullptr;
      if (last && s->size != 0) {  // the data, then the end (or error) in a slot of its own
        end = &end_;
        end_.error = std::move(s->error);
        end_.ec = s->ec;
        s->error.clear();
      }
      bool wake;
      {
        std::lock_guard<std::mutex> lock(mu_);
        filled_.push_back(s);
        if (end) filled_.push_back(end);
        wake = consumer_waiting_;
      }
      if (wake) cv_.notify_all();
      if (last) return;
    }
  }

  // INNER's read() on the worker: running out of memory there (unwrapping a
  // log) is that input's read error, not std::terminate.
  llvm::Expected<size_t> read_inner(char *buf, size_t n) {
    try {
      return inner_->read(buf, n);
    } catch (const std::bad_alloc &) {
      return llvm::createStringError(std::errc::not_enough_memory, "out of memory while reading at byte %llu",
                                     static_cast<unsigned long long>(produced_));
    }
  }

  std::unique_ptr<ByteSource> inner_;  // read by the worker once it runs
  uint64_t produced_ = 0;              // by the worker
  uint64_t raw_size_;
  uint64_t sync_bytes_;
  std::atomic<uint64_t> raw_position_{0};
  uint64_t delivered_ = 0;
  std::vector<Slot> slots_;
  Slot end_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Slot *> free_, filled_;  // filled_ in stream order
  bool stop_ = false;
  bool consumer_waiting_ = false, producer_waiting_ = false;
  std::thread worker_;
  Slot *current_ = nullptr;  // consumer side: the slot read() is in (filled_'s front)
  size_t cursor_ = 0;
  Slot *lent_cur_ = nullptr, *lent_prev_ = nullptr;  // lent by the last two lend_chunk() calls
};

}  // namespace
}  // namespace detail

std::unique_ptr<ByteSource> make_read_ahead_source(std::unique_ptr<ByteSource> inner, uint64_t sync_bytes) {
  return std::make_unique<detail::ReadAheadSource>(std::move(inner), sync_bytes);
}

}  // namespace crashctl
