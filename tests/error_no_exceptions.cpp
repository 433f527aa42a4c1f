// Built with -fno-exceptions: the throwing forms do not exist and every checked entry point reports
// through cope::status / cope::result instead.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include "cope/cope.hpp"

static_assert(COPE_EXCEPTIONS == 0, "this test must be compiled with -fno-exceptions");

TEST_CASE("no exceptions: a generator reports a bad parameter as a status") {
  cope::yarn_parameters p;
  p.factor = 4.0;
  p.original_max_position_embeddings = 4096;
  p.beta_fast = 1.0;
  p.beta_slow = 32.0;
  const cope::result<cope::spectrum> r = cope::try_rope_yarn(128, p);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code() == cope::errc::invalid_beta);
  CHECK(r.error().message() == "yarn: beta_fast (1) must be greater than beta_slow (32)");
}

TEST_CASE("no exceptions: a good call returns its value") {
  const cope::result<cope::spectrum> r = cope::try_rope_default(128, {5e5, 1.0});
  REQUIRE(r.ok());
  const cope::result<cope::spectrum> clipped = cope::try_cope_clip(r.value(), cope::paper_clip_pairs);
  REQUIRE(clipped.ok());
  CHECK(clipped->clip_onset() == 44);
  CHECK(cope::try_critical_dimension(8192, 128, 5e5).value() == 70);
}

TEST_CASE("no exceptions: transforms and the reference rotation report through status") {
  const cope::spectrum s = cope::try_rope_default(64).value();
  const cope::result<cope::spectrum> r = cope::try_cope_clip(s, 40);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code() == cope::errc::invalid_clip);
  double out[64] = {};
  const cope::status st =
      cope::try_reference_rotate(s, cope::layout::interleaved, cope::direction::forward, 0, nullptr, out, 64);
  CHECK(st.code() == cope::errc::null_data);
  CHECK(out[0] == 0.0);
  cope::rope_parameters unknown;
  unknown.rope_type = "mrope";
  CHECK(cope::try_make_spectrum(unknown, 128).error().code() == cope::errc::unknown_rope_type);
}
