// cope::kernels: the avx512bf16 kernels. Compiled with the baseline flags like every source of the library:
// arch/avx512bf16.hpp enables its instructions for its own functions only (detail/target_begin.hpp), so
// nothing else in this unit can leak avx512bf16 instructions into code another unit shares.
#define COPE_ISA_NAMESPACE lib_avx512bf16
#include "cope/arch/avx512bf16.hpp"
#include "cope/arch/avx512bf16_fused.hpp"
#include "kernel_sets.hpp"

namespace cope::detail {
kernel_set kernels_avx512bf16() noexcept {
  return {"kernels:avx512bf16", &isa_avx512bf16::run, &isa_avx512bf16::fill_table_rows, &isa_avx512bf16::run_fused};
}
}  // namespace cope::detail
