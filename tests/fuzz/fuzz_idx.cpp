// libFuzzer target: the IDX (MNIST format) reader, plain and gzip, as the
// images (3 dimensions) and the labels (1 dimension) file. read_idx takes a
// path, so the input goes through a scratch file.
#include <ATen/ATen.h>

#include "data/dataset.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static fuzz::ScratchFile file("idx");
  const std::string& path = file.write(data, size);
  for (int dims : {1, 3}) {
    fuzz::guard("read_idx", [&] {
      try {
        at::Tensor t = hyperlab::read_idx(path, dims);
        // What it returns holds the bytes it says it holds.
        if (t.dim() != dims || t.scalar_type() != at::kByte) fuzz::escaped("read_idx", "wrong shape or type");
        if (t.numel() > 0) {
          const uint8_t* p = t.data_ptr<uint8_t>();
          volatile uint8_t sink = p[0] ^ p[t.numel() - 1];
          (void)sink;
        }
      } catch (const hyperlab::DataError&) {
        // refused, naming the file: fine
      }
    });
  }
  return 0;
}
