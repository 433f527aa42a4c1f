// cope analysis (design §5): spectrum facts, semantic decay (paper Thm 3.2) and spectral leakage
// (Thm 4.1). Needs Eigen 3 (Debian libeigen3-dev: link Eigen3::Eigen); cope/cope.hpp does not include
// it, so the kernels and generators keep to the standard library.
#pragma once

#include "analysis/decay.hpp"
#include "analysis/leakage.hpp"
#include "analysis/report.hpp"
