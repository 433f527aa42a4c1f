// The fuzz targets' shared pieces (tests/fuzz/*.cpp): reading typed values from libFuzzer's bytes, and
// buffers that end at a PROT_NONE guard page, so that any access past them faults at once.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace cope_fuzz {

// Reads fixed-size values from the input, zeros once it is exhausted (so every input is complete).
class input {
 public:
  input(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}

  template <class T>
  T raw() {
    T v{};
    unsigned char bytes[sizeof(T)] = {};
    for (std::size_t i = 0; i < sizeof(T) && at_ < size_; ++i) bytes[i] = data_[at_++];
    std::memcpy(&v, bytes, sizeof(T));
    return v;
  }
  std::uint8_t byte() { return raw<std::uint8_t>(); }
  bool flag() { return (byte() & 1) != 0; }
  // An integer in [0, n).
  std::uint32_t below(std::uint32_t n) { return raw<std::uint16_t>() % n; }
  // Usually a small or typical value, sometimes any bit pattern: what a fuzzer reaches fastest.
  std::int64_t int64(std::int64_t typical_max) {
    switch (byte() % 8) {
      case 0: return raw<std::int64_t>();
      case 1: return -static_cast<std::int64_t>(below(4));
      case 2: return typical_max - static_cast<std::int64_t>(below(3));
      default: return static_cast<std::int64_t>(raw<std::uint32_t>() % static_cast<std::uint64_t>(typical_max + 1));
    }
  }
  double number(double typical) {
    switch (byte() % 8) {
      case 0: return raw<double>();
      case 1: return -typical;
      case 2: return typical * static_cast<double>(raw<std::int16_t>()) / 256.0;
      case 3: return static_cast<double>(raw<std::int32_t>()) * 1e-3;
      default: return typical * (1.0 + static_cast<double>(byte()) / 64.0);
    }
  }
  std::string text(std::size_t max) {
    std::string s;
    const std::size_t n = byte() % (max + 1);
    for (std::size_t i = 0; i < n && at_ < size_; ++i) s += static_cast<char>(data_[at_++]);
    return s;
  }
  bool exhausted() const { return at_ >= size_; }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t at_ = 0;
};

// A buffer whose last byte sits just before a PROT_NONE page: mapped once, reused by every run.
class guarded_region {
 public:
  explicit guarded_region(std::size_t bytes) {
    const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    usable_ = (bytes + page - 1) / page * page;
    void* p = mmap(nullptr, usable_ + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED || mprotect(static_cast<char*>(p) + usable_, page, PROT_NONE) != 0) {
      std::perror("guarded_region");
      std::abort();
    }
    base_ = static_cast<char*>(p);
  }
  guarded_region(const guarded_region&) = delete;
  guarded_region& operator=(const guarded_region&) = delete;
  // `bytes` bytes ending at the guard page (bytes <= the region), aligned to `align`.
  void* tail(std::size_t bytes, std::size_t align) const {
    std::size_t offset = usable_ - bytes;
    offset -= offset % align;
    return base_ + offset;
  }
  std::size_t bytes_from(const void* p) const { return static_cast<std::size_t>(base_ + usable_ - static_cast<const char*>(p)); }

 private:
  char* base_ = nullptr;
  std::size_t usable_ = 0;
};

}  // namespace cope_fuzz
