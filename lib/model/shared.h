// Small building blocks that keep a million-goroutine model compact: shared
// immutable values with an 8-byte handle, interned strings, and a vector
// whose elements never move.
#pragma once

#include "llvm/ADT/IntrusiveRefCntPtr.h"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <memory>
#include <new>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace crashctl {

// A T shared by handles that count references. The count is not atomic: one
// input's model is built and read by one thread at a time.
template <class T>
struct Shared : llvm::RefCountedBase<Shared<T>>, T {
  Shared() = default;
  explicit Shared(T value) : T(std::move(value)) {}
  Shared(const Shared &o) : llvm::RefCountedBase<Shared<T>>(), T(static_cast<const T &>(o)) {}
};
// llvm::IntrusiveRefCntPtr with a noexcept move: std::vector then moves the
// model's structs that hold one when it grows, where it would copy them.
template <class U>
class RefPtr : public llvm::IntrusiveRefCntPtr<U> {
  using Base = llvm::IntrusiveRefCntPtr<U>;

public:
  using Base::Base;
  RefPtr() = default;
  RefPtr(const RefPtr &) = default;
  RefPtr(RefPtr &&o) noexcept : Base(static_cast<Base &&>(o)) {}
  template <class X, std::enable_if_t<std::is_convertible_v<X *, U *>, bool> = true>
  RefPtr(RefPtr<X> o) noexcept : Base(static_cast<llvm::IntrusiveRefCntPtr<X> &&>(o)) {}
  RefPtr &operator=(const RefPtr &) = default;
  RefPtr &operator=(RefPtr &&o) noexcept {
    Base::operator=(static_cast<Base &&>(o));
    return *this;
  }
};
template <class T>
using Ref = RefPtr<const Shared<T>>;
template <class T, class... Args>
RefPtr<Shared<T>> make_ref(Args &&...args) {
  return RefPtr<Shared<T>>(new Shared<T>(T(std::forward<Args>(args)...)));
}

// Immutable text shared by handles that count references, kept in one
// allocation with its count and size: per-goroutine argument values, of
// which a dump may hold millions. The count is not atomic, as Shared's.
class SharedText {
public:
  SharedText() = default;
  SharedText(std::nullptr_t) {}
  explicit SharedText(std::string_view s) {
    // Text is bounded far below 4 GiB by the readers' line and memory limits.
    uint32_t n = s.size() > UINT32_MAX ? UINT32_MAX : uint32_t(s.size());
    rep_ = static_cast<Rep *>(::operator new(offsetof(Rep, bytes) + n));
    rep_->refs = 1;
    rep_->size = n;
    if (n) std::memcpy(rep_->bytes, s.data(), n);
  }
  SharedText(const SharedText &o) : rep_(o.rep_) {
    if (rep_) ++rep_->refs;
  }
  SharedText(SharedText &&o) noexcept : rep_(o.rep_) { o.rep_ = nullptr; }
  SharedText &operator=(const SharedText &o) {
    SharedText copy(o);
    std::swap(rep_, copy.rep_);
    return *this;
  }
  SharedText &operator=(SharedText &&o) noexcept {
    std::swap(rep_, o.rep_);
    return *this;
  }
  ~SharedText() {
    if (rep_ && --rep_->refs == 0) ::operator delete(rep_);
  }
  explicit operator bool() const { return rep_ != nullptr; }
  bool unique() const { return rep_ && rep_->refs == 1; }  // no other handle shares it
  std::string_view operator*() const { return rep_ ? std::string_view(rep_->bytes, rep_->size) : std::string_view(); }
  const void *get() const { return rep_; }  // identity: copies share it

private:
  struct Rep {
    uint32_t refs, size;
    char bytes[8];  // `size` bytes in fact
  };
  Rep *rep_ = nullptr;
};

// A string kept once per distinct value for the life of the program, for
// small vocabularies such as wait reasons. Equal values have equal handles.
class InternedString {
public:
  InternedString() = default;
  InternedString(std::string_view s) : s_(intern(s)) {}
  InternedString(const std::string &s) : s_(intern(s)) {}
  InternedString(const char *s) : s_(intern(s)) {}

  const std::string &str() const { return s_ ? *s_ : empty_string(); }
  operator const std::string &() const { return str(); }
  bool empty() const { return s_ == nullptr; }
  size_t size() const { return str().size(); }
  const char *c_str() const { return str().c_str(); }

  friend bool operator==(InternedString a, InternedString b) { return a.s_ == b.s_; }
  friend bool operator!=(InternedString a, InternedString b) { return a.s_ != b.s_; }
  friend bool operator==(InternedString a, std::string_view b) { return a.str() == b; }
  friend bool operator!=(InternedString a, std::string_view b) { return a.str() != b; }
  friend bool operator==(InternedString a, const char *b) { return a.str() == b; }
  friend bool operator!=(InternedString a, const char *b) { return a.str() != b; }
  friend bool operator==(InternedString a, const std::string &b) { return a.str() == b; }
  friend bool operator!=(InternedString a, const std::string &b) { return a.str() != b; }
  friend std::ostream &operator<<(std::ostream &o, InternedString s) { return o << s.str(); }
  const void *identity() const { return s_; }

private:
  static const std::string *intern(std::string_view s);  // nullptr for ""
  static const std::string &empty_string();
  const std::string *s_ = nullptr;
};

// A vector in fixed-size chunks: push_back never moves existing elements, so
// references stay valid, and growth copies nothing.
template <class T, size_t ChunkBits = 12>
class StableVector {
  static constexpr size_t kChunk = size_t(1) << ChunkBits;
  struct Chunk {
    alignas(T) unsigned char bytes[sizeof(T) * kChunk];
  };

public:
  template <bool Const>
  class Iter {
  public:
    using iterator_category = std::random_access_iterator_tag;
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    using pointer = std::conditional_t<Const, const T *, T *>;
    using reference = std::conditional_t<Const, const T &, T &>;
    using Owner = std::conditional_t<Const, const StableVector, StableVector>;
    Iter() = default;
    Iter(Owner *v, size_t i) : v_(v), i_(i) {}
    operator Iter<true>() const { return Iter<true>(v_, i_); }
    reference operator*() const { return (*v_)[i_]; }
    pointer operator->() const { return &(*v_)[i_]; }
    reference operator[](difference_type n) const { return (*v_)[i_ + n]; }
    Iter &operator++() {
      ++i_;
      return *this;
    }
    Iter operator++(int) {
      Iter t = *this;
      ++i_;
      return t;
    }
    Iter &operator--() {
      --i_;
      return *this;
    }
    Iter operator--(int) {
      Iter t = *this;
      --i_;
      return t;
    }
    Iter &operator+=(difference_type n) {
      i_ += n;
      return *this;
    }
    Iter &operator-=(difference_type n) {
      i_ -= n;
      return *this;
    }
    Iter operator+(difference_type n) const { return Iter(v_, i_ + n); }
    friend Iter operator+(difference_type n, Iter it) { return it + n; }
    Iter operator-(difference_type n) const { return Iter(v_, i_ - n); }
    difference_type operator-(const Iter &o) const { return difference_type(i_) - difference_type(o.i_); }
    bool operator==(const Iter &o) const { return i_ == o.i_; }
    bool operator!=(const Iter &o) const { return i_ != o.i_; }
    bool operator<(const Iter &o) const { return i_ < o.i_; }
    bool operator>(const Iter &o) const { return i_ > o.i_; }
    bool operator<=(const Iter &o) const { return i_ <= o.i_; }
    bool operator>=(const Iter &o) const { return i_ >= o.i_; }
    size_t index() const { return i_; }

  private:
    Owner *v_ = nullptr;
    size_t i_ = 0;
  };
  using iterator = Iter<false>;
  using const_iterator = Iter<true>;
  using value_type = T;

  StableVector() = default;
  StableVector(const StableVector &o) {
    for (const T &x : o) push_back(x);
  }
  StableVector(StableVector &&o) noexcept : chunks_(std::move(o.chunks_)), size_(o.size_), released_(o.released_) {
    o.size_ = o.released_ = 0;
  }
  StableVector &operator=(const StableVector &o) {
    if (this != &o) {
      clear();
      for (const T &x : o) push_back(x);
    }
    return *this;
  }
  StableVector &operator=(StableVector &&o) noexcept {
    if (this != &o) {
      clear();
      chunks_ = std::move(o.chunks_);
      size_ = o.size_;
      released_ = o.released_;
      o.size_ = o.released_ = 0;
    }
    return *this;
  }
  ~StableVector() { clear(); }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T &operator[](size_t i) { return slot(i); }
  const T &operator[](size_t i) const { return const_cast<StableVector *>(this)->slot(i); }
  T &at(size_t i) {
    check(i);
    return slot(i);
  }
  const T &at(size_t i) const {
    check(i);
    return (*this)[i];
  }
  T &front() { return slot(0); }
  const T &front() const { return (*this)[0]; }
  T &back() { return slot(size_ - 1); }
  const T &back() const { return (*this)[size_ - 1]; }
  iterator begin() { return iterator(this, 0); }
  iterator end() { return iterator(this, size_); }
  const_iterator begin() const { return const_iterator(this, 0); }
  const_iterator end() const { return const_iterator(this, size_); }

  template <class... Args>
  T &emplace_back(Args &&...args) {
    if (size_ == chunks_.size() * kChunk) chunks_.push_back(std::unique_ptr<Chunk>(new Chunk));  // not zeroed
    T *p = new (&slot(size_)) T(std::forward<Args>(args)...);
    ++size_;
    return *p;
  }
  void push_back(T &&x) { emplace_back(std::move(x)); }
  void push_back(const T &x) { emplace_back(x); }
  void pop_back() {
    --size_;
    slot(size_).~T();
  }
  void clear() {
    while (size_ > released_) pop_back();
    chunks_.clear();
    size_ = released_ = 0;
  }
  // Destroys the first N elements (a multiple of the chunk size, at most
  // size()) and frees their memory, for a vector being emptied into another
  // from the front: its elements before N may not be read again, and only
  // clear() and destruction may follow.
  void release_front(size_t n) {
    for (; released_ + kChunk <= n && released_ + kChunk <= size_; released_ += kChunk) {
      for (size_t i = released_; i < released_ + kChunk; ++i) slot(i).~T();
      chunks_[released_ >> ChunkBits].reset();
    }
  }
  static constexpr size_t chunk_size() { return kChunk; }
  // Removes the element at `pos`, moving the later ones down.
  iterator erase(const_iterator pos) {
    size_t i = pos.index();
    for (size_t k = i; k + 1 < size_; ++k) slot(k) = std::move(slot(k + 1));
    pop_back();
    return iterator(this, i);
  }

private:
  T &slot(size_t i) {
    return *std::launder(reinterpret_cast<T *>(chunks_[i >> ChunkBits]->bytes + sizeof(T) * (i & (kChunk - 1))));
  }
  void check(size_t i) const {
    if (i >= size_) throw std::out_of_range("StableVector::at");
  }
  std::vector<std::unique_ptr<Chunk>> chunks_;
  size_t size_ = 0;
  size_t released_ = 0;  // release_front(): elements before it are gone
};

}  // namespace crashctl
