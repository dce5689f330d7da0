# Dataset files that lie, are cut short or are not files at all, and configs
# that ask for more memory than any machine has. Inputs written with printf,
# head and gzip (no python); every run refused before it allocates.

# be32 N: N as 4 big-endian bytes. idx_images N H W / idx_labels N: IDX headers.
be32() { printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 >> 24 & 255)) $(($1 >> 16 & 255)) $(($1 >> 8 & 255)) $(($1 & 255)))"; }
idx_images() { printf '\x00\x00\x08\x03'; be32 "$1"; be32 "$2"; be32 "$3"; }
idx_labels() { printf '\x00\x00\x08\x01'; be32 "$1"; }
# mnist_set DIR N: the four MNIST files, N train and N test images of 28x28
# (random pixels, so that a cut .gz is cut inside compressed data), labels 0.
mnist_set() {
  mkdir -p "$1"
  { idx_images "$2" 28 28; head -c $(($2 * 784)) /dev/urandom; } > "$1/train-images-idx3-ubyte"
  { idx_labels "$2"; head -c "$2" /dev/zero; } > "$1/train-labels-idx1-ubyte"
  cp "$1/train-images-idx3-ubyte" "$1/t10k-images-idx3-ubyte"
  cp "$1/train-labels-idx1-ubyte" "$1/t10k-labels-idx1-ubyte"
}
# cifar_set DIR: the six CIFAR-10 batches, 3 records each (label 0).
cifar_set() {
  mkdir -p "$1"
  for f in data_batch_1 data_batch_2 data_batch_3 data_batch_4 data_batch_5 test_batch; do
    head -c $((3073 * 3)) /dev/zero > "$1/$f.bin"
  done
}
MNIST_RUN=(run --preset fashion-baseline --set data.dataset=mnist --set data.path=@W@/d --set training.epochs=1 --out @W@/out)
CIFAR_RUN=(run --preset cnn-small --set data.dataset=cifar10 --set data.path=@W@/d --set training.epochs=1 --out @W@/out)

setup_idx_header_60M() { mnist_set d 20; { idx_images 60000000 28 28; head -c 1200000 /dev/zero; } > d/train-images-idx3-ubyte; }
fault idx_header_60M 2 "the header says 60000000 images of 28x28 (47 GB) but the file holds 1.2 MB after" "${MNIST_RUN[@]}"
setup_idx_header_60M_gz() { setup_idx_header_60M; gzip d/train-images-idx3-ubyte; }
fault idx_header_60M_gz 2 "the header says 60000000 images of 28x28 (47 GB) but the file holds 1.2 MB (decompressed)" "${MNIST_RUN[@]}"
setup_idx_dims_overflow() { mnist_set d 20; { idx_images 4294967295 4294967295 4294967295; head -c 100 /dev/zero; } > d/t10k-images-idx3-ubyte; }
fault idx_dims_overflow 2 "t10k-images-idx3-ubyte: the header says 4294967295 images of 4294967295x4294967295, more bytes than any file holds" "${MNIST_RUN[@]}"
setup_idx_labels_overflow() { mnist_set d 20; { idx_labels 4294967295; head -c 20 /dev/zero; } > d/train-labels-idx1-ubyte; gzip d/train-labels-idx1-ubyte; }
fault idx_labels_overflow 2 "train-labels-idx1-ubyte.gz: truncated: the header says 4294967295 labels (4.3 GB) but the file holds 20 bytes (decompressed)" "${MNIST_RUN[@]}"
setup_idx_truncated_raw() { mnist_set d 20; head -c 5000 d/t10k-images-idx3-ubyte > x && mv x d/t10k-images-idx3-ubyte; }
fault idx_truncated_raw 2 "t10k-images-idx3-ubyte: truncated: the header says 20 images of 28x28 (16 kB) but the file holds 4984 bytes after its 16-byte header" "${MNIST_RUN[@]}"
setup_idx_truncated_gz() { mnist_set d 20; gzip d/*; head -c 3000 d/train-images-idx3-ubyte.gz > x && mv x d/train-images-idx3-ubyte.gz; }
fault idx_truncated_gz 2 "train-images-idx3-ubyte.gz: corrupt or truncated compressed data (unexpected end of file)" "${MNIST_RUN[@]}"
setup_idx_short_gz() { mnist_set d 20; head -c 5000 d/train-images-idx3-ubyte | gzip > d/train-images-idx3-ubyte.gz; rm d/train-images-idx3-ubyte; }
fault idx_short_gz 2 "train-images-idx3-ubyte.gz: truncated: the header says 20 images of 28x28 (16 kB) but the file holds 4984 bytes (decompressed)" "${MNIST_RUN[@]}"
setup_idx_not_gzip() { mnist_set d 20; printf 'not gzip at all' > d/train-labels-idx1-ubyte.gz; rm d/train-labels-idx1-ubyte; }
fault idx_not_gzip 2 "train-labels-idx1-ubyte.gz: not an IDX file of unsigned bytes (wrong magic number: it starts with 6e 6f 74 20, expected 00 00 08 01)" "${MNIST_RUN[@]}"
setup_idx_wrong_magic() { mnist_set d 20; printf 'PK\x03\x04' | dd of=d/train-images-idx3-ubyte conv=notrunc 2>/dev/null; }
fault idx_wrong_magic 2 "train-images-idx3-ubyte: not an IDX file of unsigned bytes (wrong magic number: it starts with 50 4b 03 04, expected 00 00 08 03)" "${MNIST_RUN[@]}"
setup_idx_empty() { mnist_set d 20; : > d/train-labels-idx1-ubyte; }
fault idx_empty 2 "train-labels-idx1-ubyte: the file is empty (0 bytes)" "${MNIST_RUN[@]}"
setup_idx_empty_gz() { mnist_set d 20; : | gzip > d/t10k-labels-idx1-ubyte.gz; rm d/t10k-labels-idx1-ubyte; }
fault idx_empty_gz 2 "t10k-labels-idx1-ubyte.gz: truncated (0 bytes, no IDX header)" "${MNIST_RUN[@]}"
setup_idx_folder() { mnist_set d 20; rm d/t10k-images-idx3-ubyte; mkdir d/t10k-images-idx3-ubyte; }
fault idx_folder 2 "@W@/d/t10k-images-idx3-ubyte: is a folder, not a file" "${MNIST_RUN[@]}"
setup_idx_folder_gz() { mnist_set d 20; rm d/train-labels-idx1-ubyte; mkdir d/train-labels-idx1-ubyte.gz; }
fault idx_folder_gz 2 "@W@/d/train-labels-idx1-ubyte.gz: is a folder, not a file" "${MNIST_RUN[@]}"
setup_idx_label_count() { mnist_set d 20; { idx_labels 19; head -c 19 /dev/zero; } > d/train-labels-idx1-ubyte; }
fault idx_label_count 2 "train-images-idx3-ubyte has 20 images but @W@/d/train-labels-idx1-ubyte has 19 labels" "${MNIST_RUN[@]}"
setup_idx_label_range() { mnist_set d 20; printf '\x2a' | dd of=d/t10k-labels-idx1-ubyte bs=1 seek=15 conv=notrunc 2>/dev/null; }
fault idx_label_range 2 "t10k-labels-idx1-ubyte: label 42 at position 7 is outside 0-9" "${MNIST_RUN[@]}"
setup_idx_extra_bytes() { mnist_set d 20; head -c 7 /dev/zero >> d/train-labels-idx1-ubyte; }
fault idx_extra_bytes 2 "train-labels-idx1-ubyte: 7 unexpected bytes after the data (the header says 20 labels" "${MNIST_RUN[@]}"
setup_idx_swapped() { mnist_set d 20; cp d/train-images-idx3-ubyte d/train-labels-idx1-ubyte; }
fault idx_swapped 2 "train-labels-idx1-ubyte: expected 1 dimensions, the header says 3 (an images file?)" "${MNIST_RUN[@]}"
setup_idx_image_size() { mnist_set d 20; { idx_images 20 32 32; head -c $((20 * 1024)) /dev/zero; } > d/train-images-idx3-ubyte; }
fault idx_image_size 2 "train-images-idx3-ubyte: images are 32x32, expected 28x28" "${MNIST_RUN[@]}"
setup_data_path_is_file() { echo hello > f; }
fault data_path_is_file 2 "@W@/f: is a file, not a folder" run --preset fashion-baseline --set data.dataset=mnist --set data.path=@W@/f --out @W@/out
fault data_path_missing 2 "@W@/nowhere: folder not found" "${CIFAR_RUN[@]}" --set data.path=@W@/nowhere

setup_cifar_bad_size() { cifar_set d; head -c 100 /dev/zero >> d/data_batch_2.bin; }
fault cifar_bad_size 2 "data_batch_2.bin: size 9319 bytes is not a whole number of CIFAR-10 records (3073 bytes each" "${CIFAR_RUN[@]}"
setup_cifar_gz_bad_size() { cifar_set d; head -c 10000 /dev/urandom | gzip > d/data_batch_1.bin; }
fault cifar_gz_bad_size 2 "data_batch_1.bin: size 10000 bytes (decompressed) is not a whole number of CIFAR-10 records" "${CIFAR_RUN[@]}"
setup_cifar_folder() { cifar_set d; rm d/test_batch.bin; mkdir d/test_batch.bin; }
fault cifar_folder 2 "@W@/d/test_batch.bin: is a folder, not a file" "${CIFAR_RUN[@]}"
setup_cifar_empty() { cifar_set d; : > d/data_batch_4.bin; }
fault cifar_empty 2 "data_batch_4.bin: the file is empty (0 bytes)" "${CIFAR_RUN[@]}"
setup_cifar_missing() { cifar_set d; rm d/data_batch_3.bin; }
fault cifar_missing 2 "@W@/d/data_batch_3.bin: not found (data.path is the folder of CIFAR-10's binary version" "${CIFAR_RUN[@]}"
setup_cifar_label_range() { cifar_set d; printf '\x0a' | dd of=d/data_batch_5.bin bs=1 seek=6146 conv=notrunc 2>/dev/null; }
fault cifar_label_range 2 "data_batch_5.bin: record 2 has label 10 (CIFAR-10 labels are 0-9)" "${CIFAR_RUN[@]}"

# More than any machine has: refused with the key and the numbers, before allocating.
HUGE_IMAGES=(--preset spirals --set data.synthetic.kind=images --set data.synthetic.samples=10000000 --set data.synthetic.image_size=256)
fault synthetic_huge_validate 2 "data.synthetic: 10000000 + 500 images of 256x256 (and the copy a validation split or a limit makes) need about 1.3 TB; this machine has" validate "${HUGE_IMAGES[@]}"
fault synthetic_huge_run 2 "data.synthetic: 10000000 + 500 images of 256x256" run "${HUGE_IMAGES[@]}" --out @W@/out
fault synthetic_huge_run_no_split 2 "data.synthetic: 10000000 + 500 images of 256x256 need about 655 GB; this machine has" run "${HUGE_IMAGES[@]}" --set data.validation_fraction=0 --out @W@/out
# training.device=cpu where the text says what is counted: on a CUDA machine
# the model's state and the activations are the device's (only its build is checked).
HUGE_MODEL=(--preset spirals --set "model.mlp.hidden=[1000000,1600000]")
fault model_huge_validate 2 "model: 1.6e12 parameters need about 32 TB (weights, gradients, adam state); this machine has" validate "${HUGE_MODEL[@]}" --set training.device=cpu
fault model_huge_summary 2 "model: 1.6e12 parameters need about" summary "${HUGE_MODEL[@]}"
fault model_huge_run 2 "model: 1.6e12 parameters need about" run "${HUGE_MODEL[@]}" --out @W@/out
fault model_huge_run_sgd 2 "model: 1.6e12 parameters need about 19 TB (while it is built" run "${HUGE_MODEL[@]}" --set training.optimizer.type=sgd --set training.device=cpu --out @W@/out
fault activations_huge 2 "training.batch_size: a batch of 60000 needs about" validate --preset cnn-small --set "model.layers[0].out=100000" --set training.batch_size=1000000 --set training.device=cpu
fault shapes_overflow 2 "model: more than 9.2e18 parameters need about" validate --preset cnn-small \
  --set "model.layers[0]={\"type\":\"conv2d\",\"out\":2000000000,\"kernel\":1024,\"padding\":1000}" \
  --set "model.layers[3]={\"type\":\"conv2d\",\"out\":2000000000,\"kernel\":1024,\"padding\":1000}"
