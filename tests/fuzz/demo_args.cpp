// libFuzzer target: the demo's command line (examples/demo_options.hpp). The input is split at NUL bytes
// into argv; every outcome must be options or a bad_argument with a printable message; accepted options
// then go through try_make_spectrum (the demo's next step) with the same rule for its errors.
#include "../../examples/demo_options.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {
[[noreturn]] void fail(const char* what, const std::string& message) {
  std::fprintf(stderr, "fuzz demo_args: %s: %s\n", what, message.c_str());
  std::abort();
}
void check_printable(const std::string& message) {
  if (message.empty()) fail("an empty message", message);
  for (char c : message)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f)
      fail("a message with a control or non-ASCII byte", message);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> args{"cope_demo"};
  std::string current;
  for (std::size_t i = 0; i < size; ++i) {
    if (data[i] == 0) {
      args.push_back(current);
      current.clear();
    } else {
      current += static_cast<char>(data[i]);
    }
  }
  if (!current.empty()) args.push_back(current);
  std::vector<const char*> argv;
  for (const std::string& a : args) argv.push_back(a.c_str());
  argv.push_back(nullptr);
  demo::options o;
  try {
    o = demo::parse(static_cast<int>(args.size()), argv.data());
  } catch (const demo::bad_argument& e) {
    check_printable(e.message);
    return 0;
  }
  if (o.help) return 0;
  if (o.head_dim < 2 || o.head_dim > demo::max_head_dim) fail("an accepted head_dim out of range", std::to_string(o.head_dim));
  const cope::result<cope::spectrum> r = cope::try_make_spectrum(o.rope, o.head_dim, o.max_position_embeddings, o.seq_len);
  if (!r.ok()) check_printable(r.error().message());
  return 0;
}
