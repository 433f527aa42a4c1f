// cope — rotary positional embeddings built around CoPE (Clipped RoPE, arXiv 2602.05258).
// Umbrella header: everything that depends on the standard library alone.
//
//   spectrum.hpp      the spectrum: inv_freq (float32, bit-exact) + double copy + attention_factor
//   generators.hpp    HF transformers' rope init functions: default, linear, dynamic, yarn, llama3,
//                     longrope, per-pair factors, and dispatch on rope_type
//   clip.hpp          CoPE's raised-cosine soft clip and HardClip, after any generator
//   facts.hpp         periods, critical dimension, OOD pairs
//   reference.hpp     the double-precision reference rotation (the kernels' oracle)
//   view.hpp, dtype.hpp, positions.hpp, table.hpp   what the kernels take
//   apply.hpp         apply RoPE / CoPE to q and k; build cos/sin tables (SIMD, exact angles)
//   float32_math.hpp  how float32 pow/cos are evaluated (compat/torch_cpu.hpp: torch's own, via Sleef)
//   error.hpp         cope::status / cope::result / cope::error
#pragma once

#include "apply.hpp"
#include "clip.hpp"
#include "config.hpp"
#include "error.hpp"
#include "facts.hpp"
#include "float32_math.hpp"
#include "generators.hpp"
#include "dtype.hpp"
#include "layout.hpp"
#include "positions.hpp"
#include "reference.hpp"
#include "spectrum.hpp"
#include "table.hpp"
#include "view.hpp"
