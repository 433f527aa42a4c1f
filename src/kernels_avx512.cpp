// cope::kernels: the avx512 kernels. Compiled with the baseline flags like every source of the library:
// arch/avx512.hpp enables its instructions for its own functions only (detail/target_begin.hpp), so
// nothing else in this unit can leak avx512 instructions into code another unit shares.
#define COPE_ISA_NAMESPACE lib_avx512
#include "cope/arch/avx512.hpp"
#include "cope/arch/avx512_fused.hpp"
#include "kernel_sets.hpp"

namespace cope::detail {
kernel_set kernels_avx512() noexcept {
  return {"kernels:avx512", &isa_avx512::run, &isa_avx512::fill_table_rows, &isa_avx512::run_fused};
}
}  // namespace cope::detail
