// Golden data: every case of ../shared/reference/spectra.json, each registered as its own test case
// named after the case, so that CTest lists them one by one.
//
//   "<case>"             torch-compatible float32 math (cope/compat/torch_cpu.hpp, Sleef): inv_freq
//                        bit-identical, attention factor within 1e-15 relative.
//   "<case> (portable)"  the default, standard-library-only math: identical wherever the two float32
//                        math policies agree, and within 1 ulp where they do not.
//   "<case> (angles)"    the reference rotation reproduces the exact_cos / exact_sin columns.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "cope/compat/torch_cpu.hpp"
#include "support/golden.hpp"

#include <cmath>
#include <cstdlib>
#include <deque>
#include <string>

namespace {

using cope_test::json;

void check_bit_identical(const json& c) {
  auto s = cope_test::spectrum_of(c, cope::compat::torch_cpu_math());
  REQUIRE(s.ok());
  const std::size_t pairs = c.at("inv_freq_f32_bits").size();
  REQUIRE(s->inv_freq.size() == pairs);
  REQUIRE(s->rotary_dim == static_cast<int>(2 * pairs));
  for (std::size_t j = 0; j < pairs; ++j) {
    INFO("pair " << j << ": got " << s->inv_freq[j] << ", reference " << c.at("inv_freq")[j].get<double>());
    CHECK(cope_test::bits_of(s->inv_freq[j]) == cope_test::expected_bits(c, j));
  }
  const double reference = c.at("attention_factor").get<double>();
  CHECK(std::abs(s->attention_factor - reference) <= 1e-15 * std::abs(reference));
  // The double spectrum is the same formula without float32 rounding: a few 1e-7 of the unclipped
  // frequency (a float32 CoPE weight carries an absolute, not relative, rounding error).
  auto unclipped = cope_test::generator_spectrum_of(c, cope::compat::torch_cpu_math());
  REQUIRE(unclipped.ok());
  for (std::size_t j = 0; j < pairs; ++j)
    CHECK(std::abs(s->inv_freq_f64[j] - c.at("inv_freq")[j].get<double>()) <= 5e-7 * unclipped->inv_freq_f64[j]);
}

void check_portable(const json& c) {
  auto portable = cope_test::spectrum_of(c, cope::correctly_rounded_math());
  auto torch = cope_test::spectrum_of(c, cope::compat::torch_cpu_math());
  REQUIRE(portable.ok());
  REQUIRE(torch.ok());
  for (std::size_t j = 0; j < portable->inv_freq.size(); ++j) {
    const auto got = cope_test::bits_of(portable->inv_freq[j]);
    const auto want = cope_test::expected_bits(c, j);
    INFO("pair " << j);
    if (cope_test::bits_of(torch->inv_freq[j]) == got) {
      CHECK(got == want);  // the math policies agree here, so the default must match exactly
    } else {
      const long long ulps = static_cast<long long>(got) - static_cast<long long>(want);
      CHECK(std::llabs(ulps) == 1);  // a near-tie the reference itself rounds by code path
    }
  }
  CHECK(portable->attention_factor == torch->attention_factor);
}

void check_angles(const json& c) {
  auto s = cope_test::spectrum_of(c, cope::compat::torch_cpu_math());
  REQUIRE(s.ok());
  const int pairs = s->pairs();
  const json& positions = c.at("positions");
  for (std::size_t i = 0; i < positions.size(); ++i) {
    const auto position = static_cast<std::int64_t>(positions[i].get<double>());
    for (int j = 0; j < pairs; ++j) {
      // Rotating the unit vector of pair j (rotate-half) gives (cos a, sin a) * attention_factor.
      std::vector<double> x(static_cast<std::size_t>(s->rotary_dim), 0.0), y(x.size());
      x[static_cast<std::size_t>(j)] = 1.0;
      REQUIRE(cope::try_reference_rotate(*s, cope::layout::rotate_half, cope::direction::forward, position, x.data(),
                                         y.data(), s->rotary_dim)
                  .ok());
      INFO("position " << position << " pair " << j);
      CHECK(std::abs(y[static_cast<std::size_t>(j)] - c.at("exact_cos")[i][static_cast<std::size_t>(j)].get<double>()) <= 1e-15);
      CHECK(std::abs(y[static_cast<std::size_t>(j + pairs)] - c.at("exact_sin")[i][static_cast<std::size_t>(j)].get<double>()) <=
            1e-15);
    }
  }
}

struct golden_case : Catch::ITestInvoker {
  golden_case(const json& c, void (*check)(const json&)) : c_(c), check_(check) {}
  void invoke() const override { check_(c_); }
  const json& c_;
  void (*check_)(const json&);
};

}  // namespace

int main(int argc, char* argv[]) {
  static std::deque<std::string> names;  // Catch keeps StringRefs to the names
  const std::pair<const char*, void (*)(const json&)> kinds[] = {
      {"", &check_bit_identical}, {" (portable)", &check_portable}, {" (angles)", &check_angles}};
  for (const json& c : cope_test::golden().at("cases")) {
    for (const auto& [suffix, check] : kinds) {
      names.push_back(c.at("name").get<std::string>() + suffix);
      Catch::getMutableRegistryHub().registerTest(Catch::makeTestCase(
          new golden_case(c, check), "", Catch::NameAndTags{names.back(), "[golden]"}, CATCH_INTERNAL_LINEINFO));
    }
  }
  return Catch::Session().run(argc, argv);
}
