// cope::kernels: the avx2 kernels. Compiled with the baseline flags like every source of the library:
// arch/avx2.hpp enables its instructions for its own functions only (detail/target_begin.hpp), so
// nothing else in this unit can leak avx2 instructions into code another unit shares.
#define COPE_ISA_NAMESPACE lib_avx2
#include "cope/arch/avx2.hpp"
#include "cope/arch/avx2_fused.hpp"
#include "kernel_sets.hpp"

namespace cope::detail {
kernel_set kernels_avx2() noexcept {
  return {"kernels:avx2", &isa_avx2::run, &isa_avx2::fill_table_rows, &isa_avx2::run_fused};
}
}  // namespace cope::detail
