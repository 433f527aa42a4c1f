// cope — a small reader of GGUF v2 / v3 metadata, and the rope plan (plan.hpp) it describes.
//
// Layout (ggml's gguf.h): magic "GGUF", u32 version, u64 tensor count, u64 key-value count; each key is
// a string (u64 length + bytes) then an i32 value type and the value (arrays: i32 element type, u64 count,
// elements); then the tensor infos (name, u32 n_dims, n_dims x i64 extents, i32 ggml type, u64 offset);
// then the data blob at the next multiple of general.alignment (default 32). Little-endian only.
//
// Every count and length is checked against the bytes that remain before it is used: a malformed buffer
// (truncated, wrong magic or version, counts or lengths beyond the file, unknown or nested value types,
// duplicate keys, tensors past the end) gets an error naming the offset and the rule, never a read
// outside the buffer. Standard library only.
//
// The plan: `{arch}.rope.*` keys and llama.cpp's per-architecture pair layout (llama_model_rope_type in
// src/llama-model.cpp: Llama-family GGUFs are interleaved because convert_hf_to_gguf.py permutes q / k),
// the per-pair factor tensors `rope_freqs` (Llama 3's pre-baked factors) and `rope_factors_long` /
// `rope_factors_short` (LongRoPE). Float32 metadata is read as the shortest decimal that rounds to it —
// the Python float the converter wrote (rope_theta 1e6, yarn_log_multiplier 0.1). docs/models.md has
// the key table and the rules.
#pragma once

#include "plan.hpp"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cope {

enum class gguf_type : std::uint32_t {
  u8 = 0, i8 = 1, u16 = 2, i16 = 3, u32 = 4, i32 = 5, f32 = 6, boolean = 7, string = 8, array = 9,
  u64 = 10, i64 = 11, f64 = 12,
};

inline const char* to_string(gguf_type t) noexcept {
  switch (t) {
    case gguf_type::u8: return "u8";
    case gguf_type::i8: return "i8";
    case gguf_type::u16: return "u16";
    case gguf_type::i16: return "i16";
    case gguf_type::u32: return "u32";
    case gguf_type::i32: return "i32";
    case gguf_type::f32: return "f32";
    case gguf_type::boolean: return "bool";
    case gguf_type::string: return "string";
    case gguf_type::array: return "array";
    case gguf_type::u64: return "u64";
    case gguf_type::i64: return "i64";
    case gguf_type::f64: return "f64";
  }
  return "unknown";
}

// One metadata value. Scalars are kept as read; numeric and bool arrays up to max_kept_elements are
// kept as doubles (longer ones — token tables — keep their count only); string arrays keep their count.
struct gguf_value {
  static constexpr std::uint64_t max_kept_elements = 4096;
  gguf_type type = gguf_type::u8;
  gguf_type element_type = gguf_type::u8;  // arrays
  std::uint64_t count = 0;                 // arrays
  double number = 0;                       // every numeric and bool scalar
  std::string text;                        // strings
  std::vector<double> elements;            // numeric / bool arrays of at most max_kept_elements

  bool is_number() const noexcept { return type != gguf_type::string && type != gguf_type::array; }
  bool is_integer() const noexcept {
    return type == gguf_type::u8 || type == gguf_type::i8 || type == gguf_type::u16 || type == gguf_type::i16 ||
           type == gguf_type::u32 || type == gguf_type::i32 || type == gguf_type::u64 || type == gguf_type::i64;
  }
};

struct gguf_tensor_info {
  std::string name;
  std::vector<std::int64_t> dims;
  std::uint32_t type = 0;  // ggml_type: 0 = F32, 1 = F16, ...
  std::uint64_t offset = 0;  // from the data blob's start
};

struct gguf_metadata {
  std::uint32_t version = 0;
  std::vector<std::pair<std::string, gguf_value>> kv;
  std::vector<gguf_tensor_info> tensors;
  std::uint64_t alignment = 32;
  std::uint64_t data_offset = 0;  // where the data blob starts in the file

  const gguf_value* find(std::string_view key) const noexcept {
    for (const auto& [k, v] : kv)
      if (k == key) return &v;
    return nullptr;
  }
  const gguf_tensor_info* tensor(std::string_view name) const noexcept {
    for (const gguf_tensor_info& t : tensors)
      if (t.name == name) return &t;
    return nullptr;
  }
};

namespace detail {

class gguf_cursor {
 public:
  gguf_cursor(const unsigned char* data, std::size_t size) : data_(data), size_(size) {}
  std::size_t pos() const noexcept { return pos_; }
  std::size_t left() const noexcept { return size_ - pos_; }

  status need(std::size_t bytes, const char* what) const {
    if (bytes <= left()) return {};
    return fail(errc::invalid_gguf, "gguf: offset ", pos_, ": ", what, " needs ", bytes, " bytes but ", left(),
                " remain (the buffer holds ", size_, " bytes: truncated?)");
  }
  template <class T>
  status read(T& out, const char* what) {
    if (auto st = need(sizeof(T), what); !st) return st;
    std::memcpy(&out, data_ + pos_, sizeof(T));
    pos_ += sizeof(T);
    return {};
  }
  status read_string(std::string& out, const char* what) {
    std::uint64_t length = 0;
    const std::size_t at = pos_;
    if (auto st = read(length, what); !st) return st;
    if (length > left())
      return fail(errc::invalid_gguf, "gguf: offset ", at, ": ", what, " has length ", length, " but only ", left(),
                  " bytes remain");
    out.assign(reinterpret_cast<const char*>(data_ + pos_), static_cast<std::size_t>(length));
    pos_ += static_cast<std::size_t>(length);
    return {};
  }
  status skip(std::uint64_t bytes, const char* what) {
    if (bytes > left()) return need(static_cast<std::size_t>(std::min<std::uint64_t>(bytes, SIZE_MAX)), what);
    pos_ += static_cast<std::size_t>(bytes);
    return {};
  }

 private:
  const unsigned char* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

inline std::size_t gguf_scalar_size(gguf_type t) noexcept {
  switch (t) {
    case gguf_type::u8: case gguf_type::i8: case gguf_type::boolean: return 1;
    case gguf_type::u16: case gguf_type::i16: return 2;
    case gguf_type::u32: case gguf_type::i32: case gguf_type::f32: return 4;
    case gguf_type::u64: case gguf_type::i64: case gguf_type::f64: return 8;
    default: return 0;
  }
}

inline status gguf_read_scalar(gguf_cursor& c, gguf_type t, double& out, const std::string& key) {
  const std::string what = "the value of '" + printable(key) + "'";
  switch (t) {
#define COPE_GGUF_SCALAR(tag, T)                                          \
  case gguf_type::tag: {                                                  \
    T v{};                                                                \
    if (auto st = c.read(v, what.c_str()); !st) return st;                \
    out = static_cast<double>(v);                                         \
    return {};                                                            \
  }
    COPE_GGUF_SCALAR(u8, std::uint8_t)
    COPE_GGUF_SCALAR(i8, std::int8_t)
    COPE_GGUF_SCALAR(u16, std::uint16_t)
    COPE_GGUF_SCALAR(i16, std::int16_t)
    COPE_GGUF_SCALAR(u32, std::uint32_t)
    COPE_GGUF_SCALAR(i32, std::int32_t)
    COPE_GGUF_SCALAR(f32, float)
    COPE_GGUF_SCALAR(u64, std::uint64_t)
    COPE_GGUF_SCALAR(i64, std::int64_t)
    COPE_GGUF_SCALAR(f64, double)
#undef COPE_GGUF_SCALAR
    case gguf_type::boolean: {
      std::uint8_t v = 0;
      const std::size_t at = c.pos();
      if (auto st = c.read(v, what.c_str()); !st) return st;
      if (v > 1) return fail(errc::invalid_gguf, "gguf: offset ", at, ": ", what, " is a bool of value ", int{v}, " (0 or 1)");
      out = v;
      return {};
    }
    default: break;
  }
  return fail(errc::invalid_gguf, "gguf: ", what, " has type ", static_cast<std::uint32_t>(t), ", not a scalar type");
}

inline bool gguf_known_type(std::uint32_t t) noexcept { return t <= static_cast<std::uint32_t>(gguf_type::f64); }

inline status gguf_read_value(gguf_cursor& c, const std::string& key, gguf_value& v) {
  std::uint32_t type = 0;
  std::size_t at = c.pos();
  if (auto st = c.read(type, "a value type"); !st) return st;
  if (!gguf_known_type(type))
    return fail(errc::invalid_gguf, "gguf: offset ", at, ": '", printable(key), "' has value type ", type,
                " (known: 0 to 12)");
  v.type = static_cast<gguf_type>(type);
  if (v.type == gguf_type::string) return c.read_string(v.text, "a string value");
  if (v.type != gguf_type::array) return gguf_read_scalar(c, v.type, v.number, key);
  std::uint32_t element = 0;
  at = c.pos();
  if (auto st = c.read(element, "an array's element type"); !st) return st;
  if (!gguf_known_type(element) || element == static_cast<std::uint32_t>(gguf_type::array))
    return fail(errc::invalid_gguf, "gguf: offset ", at, ": '", printable(key), "' is an array of type ", element,
                element == static_cast<std::uint32_t>(gguf_type::array) ? " (nested arrays are not GGUF)" : " (known: 0 to 12)");
  v.element_type = static_cast<gguf_type>(element);
  at = c.pos();
  if (auto st = c.read(v.count, "an array's count"); !st) return st;
  if (v.element_type == gguf_type::string) {
    if (v.count > c.left() / 8)
      return fail(errc::invalid_gguf, "gguf: offset ", at, ": '", printable(key), "' claims ", v.count,
                  " strings but only ", c.left(), " bytes remain");
    std::string s;
    for (std::uint64_t i = 0; i < v.count; ++i)
      if (auto st = c.read_string(s, "an array string"); !st) return st;
    return {};
  }
  const std::size_t size = gguf_scalar_size(v.element_type);
  if (v.count > c.left() / size)
    return fail(errc::invalid_gguf, "gguf: offset ", at, ": '", printable(key), "' claims ", v.count, " elements of ",
                size, " bytes but only ", c.left(), " bytes remain");
  if (v.count > gguf_value::max_kept_elements) return c.skip(v.count * size, "array elements");
  v.elements.resize(static_cast<std::size_t>(v.count));
  for (double& e : v.elements)
    if (auto st = gguf_read_scalar(c, v.element_type, e, key); !st) return st;
  return {};
}

}  // namespace detail

// Parses the header, the metadata and the tensor infos of a GGUF file held in [data, data + size).
// The buffer may end before the data blob (the tensors' bytes are not read here).
inline result<gguf_metadata> try_parse_gguf(const void* data, std::size_t size) {
  return detail::catch_allocation_failure("gguf", [&]() -> result<gguf_metadata> {
    if (data == nullptr && size != 0) return detail::fail(errc::null_data, "gguf: data is null");
    detail::gguf_cursor c(static_cast<const unsigned char*>(data), size);
    char magic[4] = {};
    if (auto st = c.need(4, "the magic 'GGUF'"); !st) return st;
    std::memcpy(magic, data, 4);
    if (std::memcmp(magic, "GGUF", 4) != 0)
      return detail::fail(errc::invalid_gguf, "gguf: the file starts with '", detail::printable(std::string_view(magic, 4)),
                          "', not the magic 'GGUF'");
    static_cast<void>(c.skip(4, "magic"));
    gguf_metadata m;
    if (auto st = c.read(m.version, "the version"); !st) return st;
    if (m.version == 1)
      return detail::fail(errc::invalid_gguf, "gguf: version 1 (32-bit counts, before 2023-08) is not supported; "
                          "convert the file again");
    if (m.version != 2 && m.version != 3)
      return detail::fail(errc::invalid_gguf, "gguf: version ", m.version, " is not 2 or 3",
                          (m.version & 0xFFFFu) == 0 ? " (a big-endian file? only little-endian GGUF is read)" : "");
    std::uint64_t n_tensors = 0, n_kv = 0;
    if (auto st = c.read(n_tensors, "the tensor count"); !st) return st;
    if (auto st = c.read(n_kv, "the key-value count"); !st) return st;
    // A key-value pair takes at least 13 bytes (length, type, 1-byte value); a tensor info at least 24.
    if (n_kv > c.left() / 13)
      return detail::fail(errc::invalid_gguf, "gguf: the key-value count (", n_kv, ") cannot fit in the ", c.left(),
                          " bytes that remain (a truncated file, or a corrupt count)");
    if (n_tensors > c.left() / 24)
      return detail::fail(errc::invalid_gguf, "gguf: the tensor count (", n_tensors, ") cannot fit in the ", c.left(),
                          " bytes that remain (a truncated file, or a corrupt count)");
    m.kv.reserve(static_cast<std::size_t>(n_kv));
    for (std::uint64_t i = 0; i < n_kv; ++i) {
      std::string key;
      if (auto st = c.read_string(key, "a key"); !st) return st;
      if (m.find(key) != nullptr)
        return detail::fail(errc::invalid_gguf, "gguf: key '", detail::printable(key), "' appears twice");
      gguf_value v;
      if (auto st = detail::gguf_read_value(c, key, v); !st) return st;
      m.kv.emplace_back(std::move(key), std::move(v));
    }
    if (const gguf_value* a = m.find("general.alignment")) {
      if (a->type != gguf_type::u32 || a->number == 0 || (static_cast<std::uint64_t>(a->number) & (static_cast<std::uint64_t>(a->number) - 1)) != 0)
        return detail::fail(errc::invalid_gguf, "gguf: general.alignment must be a u32 power of two (is ",
                            to_string(a->type), " ", a->number, ")");
      m.alignment = static_cast<std::uint64_t>(a->number);
    }
    m.tensors.reserve(static_cast<std::size_t>(n_tensors));
    for (std::uint64_t i = 0; i < n_tensors; ++i) {
      gguf_tensor_info t;
      if (auto st = c.read_string(t.name, "a tensor name"); !st) return st;
      std::uint32_t n_dims = 0;
      const std::size_t at = c.pos();
      if (auto st = c.read(n_dims, "a tensor's n_dims"); !st) return st;
      if (n_dims == 0 || n_dims > 4)
        return detail::fail(errc::invalid_gguf, "gguf: offset ", at, ": tensor '", detail::printable(t.name),
                            "' has n_dims ", n_dims, " (1 to 4)");
      t.dims.resize(n_dims);
      for (std::int64_t& d : t.dims) {
        if (auto st = c.read(d, "a tensor extent"); !st) return st;
        if (d < 0 || d > (std::int64_t{1} << 40))
          return detail::fail(errc::invalid_gguf, "gguf: tensor '", detail::printable(t.name), "' has extent ",
                              static_cast<long long>(d), " (0 to 2^40)");
      }
      if (auto st = c.read(t.type, "a tensor's type"); !st) return st;
      if (auto st = c.read(t.offset, "a tensor's offset"); !st) return st;
      if (t.offset % m.alignment != 0)
        return detail::fail(errc::invalid_gguf, "gguf: tensor '", detail::printable(t.name), "' has offset ", t.offset,
                            ", not a multiple of the alignment ", m.alignment);
      for (const gguf_tensor_info& other : m.tensors)
        if (other.name == t.name)
          return detail::fail(errc::invalid_gguf, "gguf: tensor '", detail::printable(t.name), "' appears twice");
      m.tensors.push_back(std::move(t));
    }
    m.data_offset = (c.pos() + m.alignment - 1) / m.alignment * m.alignment;
    return m;
  });
}

// A float32 tensor's values, read from the file's bytes [file, file + file_size) (the whole file, or at
// least through the tensor): type F32, extents multiplying to at most 2^20 values, inside the buffer.
inline result<std::vector<float>> try_gguf_tensor_f32(const gguf_metadata& m, std::string_view name, const void* file,
                                                      std::size_t file_size) {
  const gguf_tensor_info* t = m.tensor(name);
  if (t == nullptr) return detail::fail(errc::invalid_gguf, "gguf: no tensor '", detail::printable(name), "'");
  if (t->type != 0)
    return detail::fail(errc::invalid_gguf, "gguf: tensor '", detail::printable(name), "' has ggml type ", t->type,
                        " but must be F32 (0)");
  const std::uint64_t count = t->dims.size() == 1 ? static_cast<std::uint64_t>(t->dims[0]) : 0;
  if (t->dims.size() != 1 || count > (1u << 20))
    return detail::fail(errc::invalid_gguf, "gguf: tensor '", detail::printable(name), "' must be a vector of at most ",
                        1u << 20, " floats");
  const std::uint64_t begin = m.data_offset + t->offset, bytes = count * 4;
  if (begin > file_size || bytes > file_size - begin)
    return detail::fail(errc::invalid_gguf, "gguf: tensor '", detail::printable(name), "' (", bytes, " bytes at ",
                        begin, ") lies beyond the ", file_size, " bytes of the file");
  std::vector<float> out(static_cast<std::size_t>(count));
  if (count != 0) std::memcpy(out.data(), static_cast<const unsigned char*>(file) + begin, static_cast<std::size_t>(bytes));
  return out;
}

// A GGUF architecture's RoPE pairing, as llama.cpp's llama_model_rope_type() assigns it.
enum class gguf_rope_mode { none, norm, neox, mrope, imrope };

inline gguf_rope_mode gguf_arch_rope_mode(std::string_view arch) noexcept {
  // src/llama-model.cpp, llama_model_rope_type (NORM: adjacent pairs; NEOX: halves; M-RoPE / IMROPE: the
  // multi-axis archs; NONE: no RoPE), with the architecture names of src/llama-arch.cpp.
  static constexpr const char* none[] = {"gpt2", "gptj", "mpt", "refact", "bloom", "mamba", "mamba2", "jamba",
                                         "jina-bert-v2", "t5", "t5encoder", "jais", "rwkv6", "rwkv6qwen2", "rwkv7",
                                         "arwkv7", "clip"};
  static constexpr const char* norm[] = {"llama", "llama4", "deci", "baichuan", "starcoder", "internlm2", "minicpm",
                                         "xverse", "command-r", "cohere2", "olmo", "arctic", "deepseek", "deepseek2",
                                         "plm", "chatglm", "glm4", "granite", "granitemoe", "chameleon", "bailingmoe",
                                         "smollm3", "arcee", "ernie4_5", "ernie4_5-moe", "llada"};
  static constexpr const char* neox[] = {"falcon", "grok", "dbrx", "bert", "nomic-bert", "stablelm", "bitnet", "qwen",
                                         "qwen2", "dream", "qwen2moe", "qwen3", "qwen3moe", "qwen3next", "olmo2",
                                         "olmoe", "phi2", "phi3", "phimoe", "plamo", "plamo2", "gemma", "gemma2",
                                         "gemma3", "gemma3n", "starcoder2", "openelm", "gptneox", "codeshell",
                                         "orion", "nemotron", "exaone", "exaone4", "minicpm3", "dots1",
                                         "hunyuan-moe", "hunyuan-dense", "gpt-oss", "lfm2", "smallthinker", "glm4moe",
                                         "seed_oss", "apertus"};
  static constexpr const char* mrope[] = {"qwen2vl"};
  static constexpr const char* imrope[] = {"qwen3vl", "qwen3vlmoe", "qwen35", "qwen35moe"};
  for (const char* a : none) if (arch == a) return gguf_rope_mode::none;
  for (const char* a : norm) if (arch == a) return gguf_rope_mode::norm;
  for (const char* a : neox) if (arch == a) return gguf_rope_mode::neox;
  for (const char* a : mrope) if (arch == a) return gguf_rope_mode::mrope;
  for (const char* a : imrope) if (arch == a) return gguf_rope_mode::imrope;
  return gguf_rope_mode::none;
}

inline bool gguf_arch_known(std::string_view arch) noexcept {
  return gguf_arch_rope_mode(arch) != gguf_rope_mode::none || arch == "gptj" || arch == "gpt2" || arch == "mpt" ||
         arch == "bloom" || arch == "mamba" || arch == "mamba2" || arch == "t5" || arch == "jais" || arch == "refact" ||
         arch == "jamba" || arch == "jina-bert-v2" || arch == "t5encoder" || arch == "rwkv6" || arch == "rwkv6qwen2" ||
         arch == "rwkv7" || arch == "arwkv7" || arch == "clip";
}

namespace detail {

// The shortest decimal (up to 9 significant digits) that rounds to the float32 value f: the Python
// float a converter most likely wrote (0.1f -> 0.1, 1e6f -> 1000000).
inline double decimal_of_f32(float f) {
  if (!std::isfinite(f)) return static_cast<double>(f);
  char text[48];
  for (int digits = 1; digits <= 9; ++digits) {
    std::snprintf(text, sizeof text, "%.*g", digits, static_cast<double>(f));
    const double d = std::strtod(text, nullptr);
    if (static_cast<float>(d) == f) return d;
  }
  return static_cast<double>(f);
}

class gguf_plan_reader {
 public:
  using tensor_reader = std::function<result<std::vector<float>>(std::string_view)>;
  gguf_plan_reader(const gguf_metadata& m, tensor_reader tensors, const float32_math& math)
      : m_(m), tensors_(std::move(tensors)), math_(math) {}

  result<rope_plan> read() {
    const gguf_value* a = m_.find("general.architecture");
    if (a == nullptr) return fail(errc::invalid_gguf, "gguf: missing 'general.architecture'");
    if (a->type != gguf_type::string) return wrong_type("general.architecture", *a, "a string");
    arch_ = a->text;
    if (!gguf_arch_known(arch_))
      return fail(errc::invalid_gguf, "gguf: architecture '", printable(arch_), "' is not in cope's table of "
                  "llama.cpp architectures (its pair layout is not stored in the file)");
    const gguf_rope_mode mode = gguf_arch_rope_mode(arch_);
    rope_plan plan;
    plan.model_type = arch_;
    plan.source = "gguf";

    std::int64_t layers = 0;
    if (auto st = integer(key("block_count"), layers, true, 1, 1 << 20); !st) return st;

    // head_dim: attention.key_length_mla (DeepSeek-2 MLA), attention.key_length, else embedding / heads.
    std::int64_t head_dim = 0;
    const bool mla = m_.find(key("attention.key_length_mla")) != nullptr;
    if (auto st = integer(key(mla ? "attention.key_length_mla" : "attention.key_length"), head_dim, false, 1, 1 << 16);
        !st)
      return st;
    if (head_dim == 0) {
      std::int64_t embd = 0, heads = 0;
      if (auto st = integer(key("embedding_length"), embd, true, 1, std::int64_t{1} << 30); !st) return st;
      if (auto st = integer(key("attention.head_count"), heads, true, 1, 1 << 20); !st) return st;
      head_dim = embd / heads;
      if (head_dim == 0)
        return fail(errc::invalid_gguf, "gguf: embedding_length (", static_cast<long long>(embd),
                    ") / attention.head_count (", static_cast<long long>(heads), ") is 0");
    }

    layer_rope base;
    base.name = "all";
    base.has_rope = mode != gguf_rope_mode::none;
    base.head_dim = static_cast<int>(head_dim);
    base.pairing = mode == gguf_rope_mode::norm ? layout::interleaved : layout::rotate_half;
    std::int64_t context = 0;
    if (auto st = integer(key("context_length"), context, false, 1, std::int64_t{1} << 40); !st) return st;
    if (context > 0) base.max_position_embeddings = context;

    std::int64_t n_rot = head_dim;
    if (auto st = integer(key("rope.dimension_count"), n_rot, false, 2, head_dim); !st) return st;
    if (mla) {  // RoPE on the tail (llama.cpp deepseek2: q = [q_nope, q_pe])
      base.rope_head_dim = static_cast<int>(n_rot);
      base.rotary_offset = static_cast<int>(head_dim - n_rot);
    } else {
      base.parameters.partial_rotary_factor = static_cast<double>(n_rot) / static_cast<double>(head_dim);
    }
    base.parameters.rope_theta = 10000.0;
    if (auto st = number(key("rope.freq_base"), base.parameters.rope_theta); !st) return st;
    if (auto st = read_scaling(base); !st) return st;
    if (auto st = read_sections(mode, base); !st) return st;

    // Sliding-window layers with their own base (Gemma 3: freq_base_swa, and no linear scaling).
    std::vector<bool> swa = swa_layers(static_cast<int>(layers));
    // Gemma 3's local layers always differ (llama.cpp: base_swa 10000 unless the key says, scale 1).
    const bool swa_rope = arch_ == "gemma3" || m_.find(key("rope.freq_base_swa")) != nullptr ||
                          m_.find(key("rope.dimension_count_swa")) != nullptr;
    plan.kinds.push_back(base);
    if (swa_rope && !swa.empty()) {
      layer_rope local = base;
      plan.kinds[0].name = "full_attention";
      local.name = "sliding_attention";
      if (arch_ == "gemma3") {  // llama.cpp: rope_freq_scale_train_swa = 1 for Gemma 3
        local.parameters = rope_parameters{};
        local.parameters.partial_rotary_factor = base.parameters.partial_rotary_factor;
      }
      local.parameters.rope_theta = arch_ == "gemma3" ? 10000.0 : base.parameters.rope_theta;
      if (auto st = number(key("rope.freq_base_swa"), local.parameters.rope_theta); !st) return st;
      std::int64_t n_rot_swa = n_rot;
      if (auto st = integer(key("rope.dimension_count_swa"), n_rot_swa, false, 2, head_dim); !st) return st;
      local.parameters.partial_rotary_factor = static_cast<double>(n_rot_swa) / static_cast<double>(head_dim);
      local.pair_factors.clear();
      plan.kinds.push_back(local);
    }
    // Llama 4: every no_rope_layer_step-th layer has no RoPE.
    std::int64_t nope_step = 0;
    if (auto st = integer(key("no_rope_layer_step"), nope_step, false, 0, 1 << 20); !st) return st;
    if (arch_ == "llama4" && m_.find(key("no_rope_layer_step")) == nullptr) nope_step = 4;
    auto add_kind_without_rope = [&](const char* name) {
      layer_rope k = base;
      k.name = name;
      k.has_rope = false;
      plan.kinds.push_back(std::move(k));
      return static_cast<int>(plan.kinds.size()) - 1;
    };
    const int nope_kind = nope_step > 0 ? add_kind_without_rope("nope") : -1;
    plan.nope_temperature.enabled = nope_step > 0 && arch_ == "llama4";
    // Hybrid models (Qwen3-Next, Qwen3.5): only every full_attention_interval-th layer is attention; the
    // others are linear attention and take no positions.
    std::int64_t full_interval = 0;
    if (auto st = integer(key("full_attention_interval"), full_interval, false, 1, 1 << 20); !st) return st;
    const int linear_kind = full_interval > 1 ? add_kind_without_rope("linear_attention") : -1;
    for (int i = 0; i < layers; ++i) {
      int kind = 0;
      if (linear_kind >= 0 && (i + 1) % full_interval != 0) {
        plan.layer_kind.push_back(linear_kind);
        continue;
      }
      if (swa_rope && !swa.empty() && swa[static_cast<std::size_t>(i)]) kind = 1;
      if (nope_step > 0 && (i + 1) % nope_step == 0) kind = nope_kind;
      plan.layer_kind.push_back(kind);
    }
    // DeepSeek-2: mscale(factor, mscale_all_dim)^2 on the softmax scale (yarn_log_multiplier = 0.1 * mscale_all_dim).
    const rope_parameters& p = plan.kinds[0].parameters;
    if (mla && p.rope_type == "yarn" && p.mscale_all_dim.value_or(0.0) != 0.0 && p.factor) {
      const double m = yarn_get_mscale(*p.factor, *p.mscale_all_dim);
      plan.softmax_scale_multiplier = m * m;
    }
    return try_build_plan(std::move(plan), math_);
  }

 private:
  std::string key(const char* suffix) const { return arch_ + "." + suffix; }

  static status wrong_type(const std::string& k, const gguf_value& v, const char* expected) {
    return fail(errc::invalid_gguf, "gguf: '", printable(k), "' has type ", to_string(v.type), " but must be ", expected);
  }
  status integer(const std::string& k, std::int64_t& out, bool required, std::int64_t min, std::int64_t max) const {
    const gguf_value* v = m_.find(k);
    if (v == nullptr) return required ? fail(errc::invalid_gguf, "gguf: missing '", printable(k), "'") : status{};
    if (!v->is_integer()) return wrong_type(k, *v, "an integer");
    if (!(v->number >= static_cast<double>(min) && v->number <= static_cast<double>(max)))
      return fail(errc::invalid_gguf, "gguf: '", printable(k), "' (", v->number, ") must be in [",
                  static_cast<long long>(min), ", ", static_cast<long long>(max), "]");
    out = static_cast<std::int64_t>(v->number);
    return {};
  }
  status number(const std::string& k, double& out) const {
    const gguf_value* v = m_.find(k);
    if (v == nullptr) return {};
    if (v->type == gguf_type::f32) {
      out = decimal_of_f32(static_cast<float>(v->number));
    } else if (v->type == gguf_type::f64 || v->is_integer()) {
      out = v->number;
    } else {
      return wrong_type(k, *v, "a number");
    }
    if (!std::isfinite(out)) return fail(errc::invalid_gguf, "gguf: '", printable(k), "' (", out, ") must be finite");
    return {};
  }
  status optional_number(const std::string& k, std::optional<double>& out) const {
    if (m_.find(k) == nullptr) return {};
    double v = 0;
    if (auto st = number(k, v); !st) return st;
    out = v;
    return {};
  }
  // A float32 key that equals the float32 rounding of the value the reference derives is that value
  // (LongRoPE's and YaRN's attention factors are written from formulas the generators evaluate in double).
  static bool is_f32_of(const gguf_value* v, double derived) {
    return v != nullptr && v->type == gguf_type::f32 && static_cast<float>(v->number) == static_cast<float>(derived);
  }

  status read_scaling(layer_rope& k) const {
    rope_parameters& p = k.parameters;
    std::string type = "none";
    if (const gguf_value* v = m_.find(key("rope.scaling.type"))) {
      if (v->type != gguf_type::string) return wrong_type(key("rope.scaling.type"), *v, "a string");
      type = v->text;
    }
    std::optional<double> factor, scale_linear, alpha, attn_factor, beta_fast, beta_slow, log_multiplier, ext_factor;
    if (auto st = optional_number(key("rope.scaling.factor"), factor); !st) return st;
    if (auto st = optional_number(key("rope.scale_linear"), scale_linear); !st) return st;
    if (auto st = optional_number(key("rope.scaling.alpha"), alpha); !st) return st;
    if (auto st = optional_number(key("rope.scaling.attn_factor"), attn_factor); !st) return st;
    if (auto st = optional_number(key("rope.scaling.yarn_beta_fast"), beta_fast); !st) return st;
    if (auto st = optional_number(key("rope.scaling.yarn_beta_slow"), beta_slow); !st) return st;
    if (auto st = optional_number(key("rope.scaling.yarn_log_multiplier"), log_multiplier); !st) return st;
    if (auto st = optional_number(key("rope.scaling.yarn_ext_factor"), ext_factor); !st) return st;
    std::int64_t original = 0;
    if (auto st = integer(key("rope.scaling.original_context_length"), original, false, 1, std::int64_t{1} << 40); !st)
      return st;
    if (ext_factor && *ext_factor != (type == "yarn" ? 1.0 : 0.0))
      return fail(errc::invalid_gguf, "gguf: '", printable(key("rope.scaling.yarn_ext_factor")), "' (", *ext_factor,
                  ") is a llama.cpp blend knob with no Hugging Face rope type; cope reads 1 for yarn, 0 otherwise");
    // convert_hf_to_gguf.py writes a YaRN rope dict's explicit attention_factor as yarn_attn_factor.
    std::optional<double> yarn_attn_factor;
    if (auto st = optional_number(key("rope.scaling.yarn_attn_factor"), yarn_attn_factor); !st) return st;
    if (yarn_attn_factor && type != "yarn")
      return fail(errc::invalid_gguf, "gguf: '", printable(key("rope.scaling.yarn_attn_factor")),
                  "' comes with rope.scaling.type '", printable(type), "' (yarn only)");

    const bool has_freqs = m_.tensor("rope_freqs.weight") != nullptr;
    const bool has_long = m_.tensor("rope_factors_long.weight") != nullptr;
    if (alpha) {  // Hunyuan's NTK-alpha (vLLM's dynamic + alpha)
      p.rope_type = "dynamic";
      p.alpha = alpha;
    } else if (type == "none" && scale_linear && *scale_linear != 1.0) {
      p.rope_type = "linear";
      p.factor = 1.0 / *scale_linear;  // the legacy key is llama.cpp's freq_scale, 1 / factor
    } else if (type == "none" || (type == "linear" && factor.value_or(1.0) == 1.0)) {
      p.rope_type = "default";
    } else if (type == "linear") {
      p.rope_type = "linear";
      p.factor = factor;
    } else if (type == "yarn") {
      p.rope_type = "yarn";
      p.factor = factor;
      if (original > 0) p.original_max_position_embeddings = original;
      p.beta_fast = beta_fast;
      p.beta_slow = beta_slow;
      p.truncate = true;  // ggml always truncates the correction range
      if (log_multiplier && *log_multiplier != 0.0) {  // DeepSeek: 0.1 * mscale_all_dim, mscale taken as 1
        p.mscale_all_dim = *log_multiplier / 0.1;
        p.mscale = 1.0;
      }
      const char* explicit_key = yarn_attn_factor ? "rope.scaling.yarn_attn_factor" : "rope.scaling.attn_factor";
      if (const std::optional<double> explicit_factor = yarn_attn_factor ? yarn_attn_factor : attn_factor) {
        const double s = factor.value_or(1.0);
        const double derived = p.mscale_all_dim ? yarn_get_mscale(s, 1.0) / yarn_get_mscale(s, *p.mscale_all_dim)
                                                : yarn_get_mscale(s);
        if (!is_f32_of(m_.find(key(explicit_key)), derived)) p.attention_factor = explicit_factor;
      }
    } else if (type == "longrope") {
      if (!has_long || m_.tensor("rope_factors_short.weight") == nullptr)
        return fail(errc::invalid_gguf, "gguf: rope.scaling.type longrope needs the tensors rope_factors_long.weight "
                    "and rope_factors_short.weight");
      p.rope_type = "longrope";
      if (original <= 0)
        return fail(errc::invalid_gguf, "gguf: longrope needs '", printable(key("rope.scaling.original_context_length")), "'");
      p.original_max_position_embeddings = original;
      if (factor && *factor != 1.0) p.factor = factor;
      if (auto st = tensor_values("rope_factors_long.weight", p.long_factor); !st) return st;
      if (auto st = tensor_values("rope_factors_short.weight", p.short_factor); !st) return st;
      if (attn_factor) {
        const double s = p.factor ? *p.factor
                                  : (k.max_position_embeddings ? static_cast<double>(*k.max_position_embeddings) / static_cast<double>(original) : 1.0);
        const double derived = s <= 1.0 ? 1.0 : std::sqrt(1 + std::log(s) / std::log(static_cast<double>(original)));
        if (!is_f32_of(m_.find(key("rope.scaling.attn_factor")), derived)) p.attention_factor = attn_factor;
      }
    } else {
      return fail(errc::invalid_gguf, "gguf: '", printable(key("rope.scaling.type")), "' is '", printable(type),
                  "' (expected none, linear, yarn or longrope)");
    }
    if (has_freqs) {  // Llama 3's factors, pre-baked by the converter: per-pair divisors
      if (p.rope_type != "default")
        return fail(errc::invalid_gguf, "gguf: the tensor rope_freqs.weight comes with rope.scaling.type '",
                    printable(type), "'; cope reads it with no other scaling");
      if (auto st = tensor_values("rope_freqs.weight", k.pair_factors); !st) return st;
      if (attn_factor) p.attention_factor = attn_factor;
    }
    return {};
  }

  status tensor_values(const char* name, std::vector<double>& out) const {
    if (!tensors_) return fail(errc::invalid_gguf, "gguf: the tensor ", name, " is needed but no file data was given");
    result<std::vector<float>> values = tensors_(name);
    if (!values) return values.error();
    out.assign(values->begin(), values->end());
    return {};
  }

  status read_sections(gguf_rope_mode mode, layer_rope& k) const {
    const gguf_value* v = m_.find(key("rope.dimension_sections"));
    if (v == nullptr) {
      if (mode == gguf_rope_mode::mrope || mode == gguf_rope_mode::imrope)
        return fail(errc::invalid_gguf, "gguf: architecture '", printable(arch_), "' uses M-RoPE but '",
                    printable(key("rope.dimension_sections")), "' is missing");
      return {};
    }
    if (v->type != gguf_type::array || v->elements.size() != v->count || v->count == 0 || v->count > 4 ||
        !(v->element_type == gguf_type::i32 || v->element_type == gguf_type::u32))
      return wrong_type(key("rope.dimension_sections"), *v, "an array of 1 to 4 i32 pair counts");
    std::vector<int> sections;
    for (double e : v->elements) {
      if (e < 0 || e > 4096) return fail(errc::invalid_gguf, "gguf: a dimension section (", e, ") must be in [0, 4096]");
      sections.push_back(static_cast<int>(e));
    }
    while (!sections.empty() && sections.back() == 0) sections.pop_back();  // qwen2vl writes [t, h, w, 0]
    k.mrope_section = sections;
    k.mrope_interleaved = mode == gguf_rope_mode::imrope;
    return {};
  }

  // Which layers are sliding-window: `attention.sliding_window_pattern` (a period n, layer i sliding iff
  // i % n < n - 1; or a bool per layer), else llama.cpp's per-arch rule (Gemma 3: 6, Gemma 2 / gpt-oss: 2).
  std::vector<bool> swa_layers(int layers) const {
    std::vector<bool> out;
    const gguf_value* v = m_.find(key("attention.sliding_window_pattern"));
    int period = arch_ == "gemma3" ? 6 : (arch_ == "gemma2" || arch_ == "gpt-oss") ? 2 : 0;
    if (v != nullptr && v->type == gguf_type::array && v->elements.size() == static_cast<std::size_t>(layers)) {
      for (double e : v->elements) out.push_back(e != 0);
      return out;
    }
    if (v != nullptr && v->is_integer() && v->number >= 1 && v->number <= 1 << 20) period = static_cast<int>(v->number);
    if (period <= 0) return out;
    for (int i = 0; i < layers; ++i) out.push_back(i % period < period - 1);
    return out;
  }

  const gguf_metadata& m_;
  tensor_reader tensors_;
  float32_math math_;
  std::string arch_;
};

}  // namespace detail

// The rope plan of parsed GGUF metadata; `file`/`file_size` hold the file's bytes (at least through the
// rope tensors) when the model has rope_freqs / rope_factors_* tensors.
inline result<rope_plan> try_gguf_plan(const gguf_metadata& m, const void* file = nullptr, std::size_t file_size = 0,
                                       const float32_math& math = correctly_rounded_math()) {
  return detail::catch_allocation_failure("gguf", [&]() -> result<rope_plan> {
    detail::gguf_plan_reader::tensor_reader tensors;
    if (file != nullptr)
      tensors = [&](std::string_view name) { return try_gguf_tensor_f32(m, name, file, file_size); };
    return detail::gguf_plan_reader(m, tensors, math).read();
  });
}

// The rope plan of a GGUF file held in memory.
inline result<rope_plan> try_read_gguf(const void* data, std::size_t size,
                                       const float32_math& math = correctly_rounded_math()) {
  result<gguf_metadata> m = try_parse_gguf(data, size);
  if (!m) return m.error();
  return try_gguf_plan(*m, data, size, math);
}

// The rope plan of a GGUF file on disk: reads the metadata (a growing prefix of the file) and the rope
// tensors only, never the weights.
inline result<rope_plan> try_read_gguf_file(const std::string& path, const float32_math& math = correctly_rounded_math()) {
  return detail::catch_allocation_failure("gguf", [&]() -> result<rope_plan> {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) return detail::fail(errc::invalid_gguf, "gguf: cannot open '", detail::printable(path, 256), "'");
    struct closer {
      std::FILE* f;
      ~closer() { std::fclose(f); }
    } close{f};
    if (std::fseek(f, 0, SEEK_END) != 0) return detail::fail(errc::invalid_gguf, "gguf: cannot seek in '", detail::printable(path, 256), "'");
    const long end = std::ftell(f);
    if (end < 0) return detail::fail(errc::invalid_gguf, "gguf: cannot size '", detail::printable(path, 256), "'");
    const std::size_t file_size = static_cast<std::size_t>(end);
    std::vector<unsigned char> prefix;
    result<gguf_metadata> m = detail::fail(errc::invalid_gguf, "gguf: empty file");
    // The metadata (the token tables included) is at most tens of MB in real files; a prefix that grows
    // 4x at a time up to 1 GiB bounds what a corrupt length can make this read.
    const std::size_t limit = std::min<std::size_t>(file_size, std::size_t{1} << 30);
    for (std::size_t want = std::min<std::size_t>(limit, std::size_t{1} << 20);; want = std::min(limit, want * 4)) {
      prefix.resize(want);
      std::rewind(f);
      if (std::fread(prefix.data(), 1, want, f) != want)
        return detail::fail(errc::invalid_gguf, "gguf: cannot read '", detail::printable(path, 256), "'");
      m = try_parse_gguf(prefix.data(), prefix.size());
      // Grow only while the parse stopped at the end of the prefix ("... remain").
      if (m || want == limit || m.error().message().find("remain") == std::string::npos) break;
    }
    if (!m) return detail::fail(m.error().code(), detail::printable(path, 256), ": ", m.error().message());
    auto tensors = [&](std::string_view name) -> result<std::vector<float>> {
      const gguf_tensor_info* t = m->tensor(name);
      if (t == nullptr) return try_gguf_tensor_f32(*m, name, nullptr, 0);
      // Read just the tensor's bytes, then let the checked reader validate them in place.
      const std::uint64_t begin = m->data_offset + t->offset;
      const std::uint64_t count = t->dims.size() == 1 ? static_cast<std::uint64_t>(t->dims[0]) : 0;
      if (t->type != 0 || t->dims.size() != 1 || count > (1u << 20) || begin > file_size || count * 4 > file_size - begin)
        return try_gguf_tensor_f32(*m, name, nullptr, std::min<std::uint64_t>(begin, file_size));
      std::vector<unsigned char> bytes(static_cast<std::size_t>(count * 4));
      if (std::fseek(f, static_cast<long>(begin), SEEK_SET) != 0 || std::fread(bytes.data(), 1, bytes.size(), f) != bytes.size())
        return detail::fail(errc::invalid_gguf, "gguf: cannot read tensor '", detail::printable(name), "'");
      std::vector<float> out(static_cast<std::size_t>(count));
      if (count != 0) std::memcpy(out.data(), bytes.data(), bytes.size());
      return out;
    };
    return detail::gguf_plan_reader(*m, tensors, math).read();
  });
}

#if COPE_EXCEPTIONS
inline gguf_metadata parse_gguf(const void* data, std::size_t size) { return detail::value_or_throw(try_parse_gguf(data, size)); }
inline rope_plan read_gguf(const void* data, std::size_t size, const float32_math& math = correctly_rounded_math()) {
  return detail::value_or_throw(try_read_gguf(data, size, math));
}
inline rope_plan read_gguf_file(const std::string& path, const float32_math& math = correctly_rounded_math()) {
  return detail::value_or_throw(try_read_gguf_file(path, math));
}
#endif

}  // namespace cope
