// The cope demo's command line (examples/cope_demo.cpp): the options, their parser and their bounds.
// A header of its own so that the argument fuzzer (tests/fuzz/demo_args.cpp) runs the very parser the
// demo runs. Every rejection is a bad_argument naming the option, its text and what is wrong.
#pragma once

#include <cope/cope.hpp>

#include <cerrno>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace demo {

// The analysis holds about 3 * 4000 * head_dim floats (the Monte-Carlo samples) and a few distances x
// pairs matrices: head_dim 4096 needs about 200 MB, every real model is far below.
inline constexpr int max_head_dim = 4096;

inline void usage(std::FILE* out) {
  std::fprintf(out,
               "usage: cope_demo [options]\n"
               "  with no options: the CoPE paper's setting (head_dim 128, rope_theta 1e7, training_length 65536, n 20)\n"
               "model:\n"
               "  --head_dim D                     even, 2 to 4096 (128)\n"
               "  --rope_theta B | --base B        RoPE base (1e7)\n"
               "  --training_length L              pre-training context length, for OOD pairs and d_ct (65536)\n"
               "  --n N | --clip_n N               lowest pairs CoPE / HardClip clip (20)\n"
               "  --rope_type T                    default | linear | dynamic | yarn | llama3 | longrope\n"
               "  --factor F  --original_max_position_embeddings N  --max_position_embeddings N  --seq_len N\n"
               "  --partial_rotary_factor F  --attention_factor F  --beta_fast F  --beta_slow F  --mscale F\n"
               "  --mscale_all_dim F  --truncate true|false  --low_freq_factor F  --high_freq_factor F\n"
               "  --short_factor a,b,...  --long_factor a,b,...\n"
               "model file (the rope plan of a real model, layer kind by layer kind, then the report for it):\n"
               "  --config FILE                    a Hugging Face config.json (examples/configs/ has real ones)\n"
               "  --gguf FILE                      a GGUF model file (only its metadata and rope tensors are read)\n"
               "                                   with --training_length L and --n N (defaults: the model's\n"
               "                                   original or max context, and its clip or 20)\n"
               "  --layer_kind NAME                the kind the report covers (full_attention or all, else the first)\n"
               "multi-axis (vision-language models):\n"
               "  --mrope_section t,h,w            pairs per axis (Qwen2-VL 16,24,24); prints each axis's share and decay\n"
               "  --mrope_interleaved true|false   Qwen3-VL / Qwen3.5's interleaved map (false: sectioned)\n"
               "output:\n"
               "  --figures DIR                    where the figures go (docs/figures with no model options,\n"
               "                                   build/demo/figures otherwise)\n"
               "  --no_render                      write the CSVs but do not run gnuplot\n"
               "  --help\n");
}

// ---- arguments ----------------------------------------------------------------------------------

struct options {
  int head_dim = 128;
  double training_length = 65536;
  int n = cope::paper_clip_pairs;
  cope::rope_parameters rope;
  std::optional<std::int64_t> max_position_embeddings, seq_len;
  bool model_given = false;
  std::string config_path, gguf_path;  // --config / --gguf: the model comes from its file
  std::string layer_kind;              // --layer_kind: which kind the report covers
  bool training_length_given = false, n_given = false;
  std::vector<std::string> model_options;  // the model options given, by name
  std::vector<int> mrope_section;  // empty: 1-D RoPE
  bool mrope_interleaved = false;
  std::string figures;
  bool render = true;
  bool help = false;  // --help: print the usage and stop
};

struct bad_argument {
  std::string message;
};

// Text from the command line as an error shows it: bytes outside printable ASCII as \xNN, cut at 48.
inline std::string printable(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size() && i < 48; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    char hex[8];
    std::snprintf(hex, sizeof hex, "\\x%02x", c);
    out += c >= 0x20 && c < 0x7f ? std::string(1, static_cast<char>(c)) : std::string(hex);
  }
  return text.size() > 48 ? out + "..." : out;
}

inline std::string shown(const std::string& name, const std::string& text) {
  return "--" + printable(name) + " '" + printable(text) + "'";
}

inline double parse_number(const std::string& name, const std::string& text) {
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size()) throw bad_argument{shown(name, text) + " is not a number"};
  if (!std::isfinite(v)) throw bad_argument{shown(name, text) + " is not finite"};
  if (errno == ERANGE && std::abs(v) <= DBL_MIN)
    throw bad_argument{shown(name, text) + " underflows: its magnitude is below the smallest normal double (2.2e-308)"};
  if (errno == ERANGE) throw bad_argument{shown(name, text) + " overflows a double"};
  return v;
}

inline std::int64_t parse_integer(const std::string& name, const std::string& text) {
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(text.c_str(), &end);  // accepts 65536 and 6.5536e4 alike
  if (text.empty() || end != text.c_str() + text.size() || errno == ERANGE || !std::isfinite(v) ||
      v != std::floor(v) || std::abs(v) > 9.0e15)
    throw bad_argument{shown(name, text) + " is not an integer (or beyond 9e15)"};
  return static_cast<std::int64_t>(v);
}

inline int parse_int(const std::string& name, const std::string& text) {
  const std::int64_t v = parse_integer(name, text);
  if (v < -1000000 || v > 1000000) throw bad_argument{shown(name, text) + " is out of range [-1e6, 1e6]"};
  return static_cast<int>(v);
}

inline bool parse_bool(const std::string& name, const std::string& text) {
  if (text != "true" && text != "false") throw bad_argument{shown(name, text) + " is not true or false"};
  return text == "true";
}

inline std::vector<double> parse_list(const std::string& name, const std::string& text) {
  std::vector<double> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) out.push_back(parse_number(name, item));
  if (out.empty()) throw bad_argument{shown(name, text) + " is not a comma-separated list of numbers"};
  return out;
}

// Parses the command line; throws bad_argument. The values themselves are checked by the library's
// generators (try_make_spectrum) after parsing, except what only the demo bounds (head_dim).
inline options parse(int argc, const char* const* argv) {
  options o;
  o.rope.rope_theta = 1e7;
  using setter = std::function<void(const std::string& name, const std::string& value)>;
  cope::rope_parameters& r = o.rope;
  const std::map<std::string, setter> model = {
      {"head_dim", [&](auto& k, auto& v) { o.head_dim = parse_int(k, v); }},
      {"rope_theta", [&](auto& k, auto& v) { r.rope_theta = parse_number(k, v); }},
      {"base", [&](auto& k, auto& v) { r.rope_theta = parse_number(k, v); }},
      {"training_length", [&](auto& k, auto& v) { o.training_length = parse_number(k, v); }},
      {"n", [&](auto& k, auto& v) { o.n = parse_int(k, v); }},
      {"clip_n", [&](auto& k, auto& v) { o.n = parse_int(k, v); }},
      {"rope_type", [&](auto&, auto& v) { r.rope_type = v; }},
      {"factor", [&](auto& k, auto& v) { r.factor = parse_number(k, v); }},
      {"partial_rotary_factor", [&](auto& k, auto& v) { r.partial_rotary_factor = parse_number(k, v); }},
      {"original_max_position_embeddings",
       [&](auto& k, auto& v) { r.original_max_position_embeddings = parse_integer(k, v); }},
      {"max_position_embeddings", [&](auto& k, auto& v) { o.max_position_embeddings = parse_integer(k, v); }},
      {"seq_len", [&](auto& k, auto& v) { o.seq_len = parse_integer(k, v); }},
      {"attention_factor", [&](auto& k, auto& v) { r.attention_factor = parse_number(k, v); }},
      {"beta_fast", [&](auto& k, auto& v) { r.beta_fast = parse_number(k, v); }},
      {"beta_slow", [&](auto& k, auto& v) { r.beta_slow = parse_number(k, v); }},
      {"mscale", [&](auto& k, auto& v) { r.mscale = parse_number(k, v); }},
      {"mscale_all_dim", [&](auto& k, auto& v) { r.mscale_all_dim = parse_number(k, v); }},
      {"low_freq_factor", [&](auto& k, auto& v) { r.low_freq_factor = parse_number(k, v); }},
      {"high_freq_factor", [&](auto& k, auto& v) { r.high_freq_factor = parse_number(k, v); }},
      {"short_factor", [&](auto& k, auto& v) { r.short_factor = parse_list(k, v); }},
      {"long_factor", [&](auto& k, auto& v) { r.long_factor = parse_list(k, v); }},
      {"truncate", [&](auto& k, auto& v) { r.truncate = parse_bool(k, v); }},
      {"mrope_section",
       [&](auto& k, auto& v) {
         o.mrope_section.clear();
         for (double x : parse_list(k, v)) {
           if (!(x >= 0 && x <= 512) || x != std::floor(x))
             throw bad_argument{shown(k, v) + ": each section is a whole number of pairs in [0, 512]"};
           o.mrope_section.push_back(static_cast<int>(x));
         }
       }},
      {"mrope_interleaved", [&](auto& k, auto& v) { o.mrope_interleaved = parse_bool(k, v); }},
  };
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      o.help = true;
      return o;
    }
    if (arg == "--no_render") {
      o.render = false;
      continue;
    }
    if (arg.rfind("--", 0) != 0)
      throw bad_argument{"'" + printable(arg) + "' is not an option (options start with --)"};
    std::string name = arg.substr(2), value;
    if (const auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      throw bad_argument{"--" + printable(name) + " needs a value"};
    }
    for (char& c : name)
      if (c == '-') c = '_';  // --head-dim works as --head_dim
    if (name == "figures") {
      if (value.empty()) throw bad_argument{"--figures needs a non-empty directory"};
      o.figures = value;  // passed to gnuplot as an argument, never through a shell
    } else if (name == "layer_kind") {
      o.layer_kind = value;
    } else if (name == "config" || name == "gguf") {
      if (value.empty()) throw bad_argument{"--" + name + " needs a file"};
      (name == "config" ? o.config_path : o.gguf_path) = value;
      o.model_given = true;
    } else if (const auto it = model.find(name); it != model.end()) {
      it->second(name, value);
      o.model_given = true;
      if (name == "training_length") o.training_length_given = true;
      if (name == "n" || name == "clip_n") o.n_given = true;
      if (name != "training_length" && name != "n" && name != "clip_n") o.model_options.push_back(name);
    } else {
      throw bad_argument{"unknown option --" + printable(name)};
    }
  }
  if (!o.config_path.empty() && !o.gguf_path.empty()) throw bad_argument{"--config and --gguf both given: pick one model file"};
  if ((!o.config_path.empty() || !o.gguf_path.empty()) && !o.model_options.empty())
    throw bad_argument{"--" + o.model_options.front() + " cannot be combined with --" +
                       (o.config_path.empty() ? "gguf" : "config") + ": the model file sets the rope "
                       "(--training_length and --n still apply)"};
  if (!o.layer_kind.empty() && o.config_path.empty() && o.gguf_path.empty())
    throw bad_argument{"--layer_kind needs --config or --gguf"};
  if (o.head_dim < 2 || o.head_dim > max_head_dim || o.head_dim % 2 != 0)
    throw bad_argument{"--head_dim " + std::to_string(o.head_dim) + " must be even and in [2, " +
                       std::to_string(max_head_dim) + "] (what the demo's analysis can hold)"};
  if (o.figures.empty()) o.figures = o.model_given ? "build/demo/figures" : "docs/figures";
  return o;
}

}  // namespace demo
