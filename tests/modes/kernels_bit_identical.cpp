// The two ways to build cope give bit-identical results: the battery (battery.hpp) run by cope::kernels,
// whose choice of ISA COPE_MAX_ISA caps (one CTest entry per ISA the host runs), against the same
// battery compiled header-only with that ISA's flags, byte for byte.
#include <catch2/catch.hpp>

// Built against cope::kernels (COPE_COMPILED_KERNELS=1 from the target); the header_only_*.cpp units undo it.
#define COPE_MODE_ENTRY battery_kernels
#include "battery.hpp"

#include <cstdlib>
#include <string>
#include <vector>

std::vector<unsigned char> battery_header_only_scalar(std::string& isa);
#if defined(__x86_64__)
std::vector<unsigned char> battery_header_only_avx2(std::string& isa);
std::vector<unsigned char> battery_header_only_avx512(std::string& isa);
std::vector<unsigned char> battery_header_only_avx512bf16(std::string& isa);
#endif

TEST_CASE("modes: cope::kernels and header-only give bit-identical outputs on the same ISA") {
  std::string lib_isa, header_isa;
  const std::vector<unsigned char> lib = battery_kernels(lib_isa);
  INFO("cope::kernels runs " << lib_isa);
  const char* expected = std::getenv("COPE_TEST_EXPECTED_ISA");
  if (expected != nullptr) CHECK(lib_isa == expected);
  std::vector<unsigned char> header;
  if (lib_isa == "kernels:scalar") header = battery_header_only_scalar(header_isa);
#if defined(__x86_64__)
  if (lib_isa == "kernels:avx2") header = battery_header_only_avx2(header_isa);
  if (lib_isa == "kernels:avx512") header = battery_header_only_avx512(header_isa);
  if (lib_isa == "kernels:avx512bf16") header = battery_header_only_avx512bf16(header_isa);
#endif
  REQUIRE(lib_isa == "kernels:" + header_isa);
  REQUIRE(lib.size() == header.size());
  REQUIRE(lib.size() > 1000000);  // the battery ran
  std::size_t first_difference = lib.size();
  for (std::size_t i = 0; i < lib.size(); ++i)
    if (lib[i] != header[i]) {
      first_difference = i;
      break;
    }
  INFO("first differing byte " << first_difference << " of " << lib.size());
  CHECK(first_difference == lib.size());
}
