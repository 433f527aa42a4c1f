// Test support: writes GGUF files (v3, little-endian, ggml's gguf.h layout) holding the metadata and
// small F32 tensors a test asks for — the keys llama.cpp's convert_hf_to_gguf.py emits for a model.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

namespace cope_test {

class gguf_writer {
 public:
  explicit gguf_writer(const std::string& arch) : arch_(arch) { str("general.architecture", arch); }

  // `{arch}.<suffix>`
  std::string key(const std::string& suffix) const { return arch_ + "." + suffix; }

  gguf_writer& u32(const std::string& k, std::uint32_t v) { return scalar(k, 4, v); }
  gguf_writer& i32(const std::string& k, std::int32_t v) { return scalar(k, 5, v); }
  gguf_writer& f32(const std::string& k, float v) { return scalar(k, 6, v); }
  gguf_writer& boolean(const std::string& k, bool v) { return scalar(k, 7, static_cast<std::uint8_t>(v)); }
  gguf_writer& u64(const std::string& k, std::uint64_t v) { return scalar(k, 10, v); }
  gguf_writer& str(const std::string& k, const std::string& v) {
    std::vector<unsigned char> b;
    put(b, std::uint32_t{8});
    put_string(b, v);
    kv_.emplace_back(k, std::move(b));
    return *this;
  }
  gguf_writer& i32_array(const std::string& k, const std::vector<std::int32_t>& v) {
    std::vector<unsigned char> b;
    put(b, std::uint32_t{9});
    put(b, std::uint32_t{5});
    put(b, static_cast<std::uint64_t>(v.size()));
    for (std::int32_t e : v) put(b, e);
    kv_.emplace_back(k, std::move(b));
    return *this;
  }
  gguf_writer& string_array(const std::string& k, const std::vector<std::string>& v) {
    std::vector<unsigned char> b;
    put(b, std::uint32_t{9});
    put(b, std::uint32_t{8});
    put(b, static_cast<std::uint64_t>(v.size()));
    for (const std::string& e : v) put_string(b, e);
    kv_.emplace_back(k, std::move(b));
    return *this;
  }
  gguf_writer& tensor_f32(const std::string& name, const std::vector<float>& values) {
    tensors_.emplace_back(name, values);
    return *this;
  }

  std::vector<unsigned char> bytes() const {
    std::vector<unsigned char> out;
    out.reserve(4096);
    put(out, std::uint32_t{0x46554747});  // "GGUF"
    put(out, std::uint32_t{3});
    put(out, static_cast<std::uint64_t>(tensors_.size()));
    put(out, static_cast<std::uint64_t>(kv_.size()));
    for (const auto& [k, v] : kv_) {
      put_string(out, k);
      out.insert(out.end(), v.begin(), v.end());
    }
    std::uint64_t offset = 0;
    for (const auto& [name, values] : tensors_) {
      put_string(out, name);
      put(out, std::uint32_t{1});
      put(out, static_cast<std::int64_t>(values.size()));
      put(out, std::uint32_t{0});  // GGML_TYPE_F32
      put(out, offset);
      offset += (values.size() * 4 + 31) / 32 * 32;
    }
    out.resize((out.size() + 31) / 32 * 32, 0);
    for (const auto& [name, values] : tensors_) {
      const std::size_t at = out.size();
      out.resize(at + (values.size() * 4 + 31) / 32 * 32, 0);
      if (!values.empty()) std::memcpy(out.data() + at, values.data(), values.size() * 4);
    }
    return out;
  }

 private:
  template <class T>
  gguf_writer& scalar(const std::string& k, std::uint32_t type, T v) {
    std::vector<unsigned char> b;
    put(b, type);
    put(b, v);
    kv_.emplace_back(k, std::move(b));
    return *this;
  }
  template <class T>
  static void put(std::vector<unsigned char>& b, T v) {
    const std::size_t at = b.size();
    b.resize(at + sizeof(T));
    std::memcpy(b.data() + at, &v, sizeof(T));
  }
  static void put_string(std::vector<unsigned char>& b, const std::string& s) {
    put(b, static_cast<std::uint64_t>(s.size()));
    b.insert(b.end(), s.begin(), s.end());
  }

  std::string arch_;
  std::vector<std::pair<std::string, std::vector<unsigned char>>> kv_;
  std::vector<std::pair<std::string, std::vector<float>>> tensors_;
};

}  // namespace cope_test
