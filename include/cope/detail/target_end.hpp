// Internal header (not part of the public API): closes the region opened by target_begin.hpp.
// No include guard.
#if defined(__clang__)
#pragma clang attribute pop
#elif defined(__GNUC__)
#pragma GCC diagnostic pop
#pragma GCC pop_options
#endif
#undef COPE_TARGET_FEATURES
