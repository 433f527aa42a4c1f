// What the two units of the ODR test (tests/odr) hand the test: a function of the analysis, as each sees it.
#pragma once

#include "cope/analysis.hpp"

#include <vector>

using odr_monte_carlo = cope::result<std::vector<cope::analysis::monte_carlo_point>> (*)(
    const cope::spectrum&, const Eigen::ArrayXd&, const cope::analysis::monte_carlo_options&);
