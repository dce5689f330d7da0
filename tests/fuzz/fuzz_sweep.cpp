// libFuzzer target: the sweep-file reader and validator (parse_sweep_text),
// base configs included. It returns every problem with its key path. A
// sweep it accepts must be written back (sweep_to_text, the base inlined)
// as a file it accepts again, as the same sweep (sweep_identity).
#include <string>

#include "fuzz_common.h"
#include "sweep/sweep.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  fuzz::guard("parse_sweep_text", [&] {
    hyperlab::SweepResult r = hyperlab::parse_sweep_text(text, "fuzz-sweep.json");
    if (!r.ok()) return;
    (void)hyperlab::planned_trials(r.spec);
    const std::string out = hyperlab::sweep_to_text(r.spec);
    hyperlab::SweepResult again = hyperlab::parse_sweep_text(out, "written-sweep.json");
    if (!again.ok()) {
      std::string errors;
      for (const auto& e : again.errors) errors += e.str() + "\n";
      fuzz::escaped("parse_sweep_text", "an accepted sweep, written back, is refused:\n" + errors +
                                            "--- written:\n" + out);
    }
    if (hyperlab::sweep_identity(again.spec) != hyperlab::sweep_identity(r.spec))
      fuzz::escaped("parse_sweep_text", "an accepted sweep does not survive writing and reading back:\n" + out);
  });
  return 0;
}
