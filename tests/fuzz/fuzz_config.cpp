// libFuzzer target: the experiment-config reader and validator
// (parse_config_text). It returns every problem with its key path and never
// throws. A config it accepts must be written back (config_to_text) as a
// file it accepts again, to the same text.
#include <string>

#include "config/config_json.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  fuzz::guard("parse_config_text", [&] {
    hyperlab::ConfigResult r = hyperlab::parse_config_text(text, "fuzz.json");
    if (!r.ok()) {
      (void)r.error_text();
      return;
    }
    const std::string out = hyperlab::config_to_text(r.config);
    hyperlab::ConfigResult again = hyperlab::parse_config_text(out, "written.json");
    if (!again.ok())
      fuzz::escaped("parse_config_text", "an accepted config, written back, is refused:\n" + again.error_text() +
                                             "\n--- written:\n" + out);
    if (hyperlab::config_to_text(again.config) != out)
      fuzz::escaped("parse_config_text", "an accepted config does not survive writing and reading back:\n" + out);
  });
  return 0;
}
