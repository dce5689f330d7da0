// libFuzzer target: the CIFAR-10 binary batch reader (plain or gzip).
// read_cifar_batch takes a path, so the input goes through a scratch file.
#include <ATen/ATen.h>

#include "data/dataset.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static fuzz::ScratchFile file("cifar");
  const std::string& path = file.write(data, size);
  fuzz::guard("read_cifar_batch", [&] {
    try {
      at::Tensor x, y;
      hyperlab::read_cifar_batch(path, x, y);
      if (x.dim() != 4 || y.dim() != 1 || x.size(0) != y.size(0) || x.size(1) != 3 || x.size(2) != 32 ||
          x.size(3) != 32)
        fuzz::escaped("read_cifar_batch", "wrong shapes");
      const int64_t n = y.size(0);
      if (n > 0) {
        const int64_t lo = y.min().item<int64_t>(), hi = y.max().item<int64_t>();
        if (lo < 0 || hi > 9) fuzz::escaped("read_cifar_batch", "a label outside 0-9 was accepted");
        const uint8_t* p = x.data_ptr<uint8_t>();
        volatile uint8_t sink = p[0] ^ p[x.numel() - 1];
        (void)sink;
      }
    } catch (const hyperlab::DataError&) {
      // refused, naming the file: fine
    }
  });
  return 0;
}
