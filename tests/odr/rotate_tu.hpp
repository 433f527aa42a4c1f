// Included by two translation units built with different -m flags (tests/odr/*.cpp); each defines
// COPE_ODR_ENTRY and gets its own copy of the kernels through cope's per-ISA namespaces.
#include "cope/cope.hpp"
#include "odr.hpp"

#include <vector>

#define COPE_ODR_CONCAT2(a, b) a##b
#define COPE_ODR_CONCAT(a, b) COPE_ODR_CONCAT2(a, b)

// Rotates x (3 tokens x 4 heads x 128, positions from 12345) in place; returns the ISA that ran.
const char* COPE_ODR_ENTRY(std::vector<float>& x) {
  const cope::spectrum s = cope::cope_clip(cope::rope_default(128, {1e7, 1.0}), 20);
  cope::apply_rope(s, cope::rope_args::in_place(cope::make_view(x.data(), 3, 4, 128), {},
                                                cope::positions::from_offset(12345), cope::layout::interleaved));
  return cope::active_isa();
}

// The analysis that runs the kernels (the Monte-Carlo decay) as this unit sees it: were it one symbol
// for both units, both would get the same address (and one unit would run the other's kernels).
odr_monte_carlo COPE_ODR_CONCAT(COPE_ODR_ENTRY, _monte_carlo)() { return &cope::analysis::try_semantic_decay_monte_carlo; }

// The Monte-Carlo estimates, computed inside this unit (Eigen objects stay in it).
std::vector<double> COPE_ODR_CONCAT(COPE_ODR_ENTRY, _estimates)() {
  cope::analysis::monte_carlo_options o;
  o.samples = 64;
  const auto r = cope::analysis::try_semantic_decay_monte_carlo(cope::rope_default(64), Eigen::ArrayXd::LinSpaced(3, 0, 100), o);
  std::vector<double> out;
  if (r.ok())
    for (const auto& p : *r) out.push_back(p.estimate);
  return out;
}
