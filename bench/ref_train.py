#!/usr/bin/python3
"""Reference trainer (idiomatic PyTorch) for the four Fashion-MNIST homework setups and
ResNet-20 on CIFAR-10: the plain-PyTorch side of hyperlab-bench --ref.

The project's copy of ../shared/bench/ref_train.py (read-only for the project), with
resnet20, --train-limit and --device added.

usage: ref_train.py SETUP [--epochs N] [--threads T] [--data DIR] [--loader dataloader|index]
                          [--gradnorms] [--no-ratio] [--callback] [--seed S]
                          [--eval-bs B] [--max-batches K] [--train-limit N] [--device cpu|cuda]
SETUP: shallow | baseline | deep | cnn (Fashion-MNIST in --data) | resnet20 (CIFAR-10's binary
       version, cifar-10-batches-bin, in --data)
Prints one line per epoch:
  epoch E train_s S loss L test_acc A eval_s S samples_per_s R [ratio Q]
"""
import argparse, gzip, os, struct, sys, time, ctypes
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import TensorDataset, DataLoader


def load_idx(path):
    if not os.path.exists(path) and os.path.exists(path + ".gz"):
        path += ".gz"
    op = gzip.open if path.endswith(".gz") else open
    with op(path, "rb") as f:
        buf = f.read()
    nd = struct.unpack(">I", buf[:4])[0] & 0xFF
    dims = struct.unpack(">" + "I" * nd, buf[4:4 + 4 * nd])
    return np.frombuffer(buf, dtype=np.uint8, offset=4 + 4 * nd).reshape(dims)


def load_split(d, prefix):
    x = torch.from_numpy(load_idx(os.path.join(d, prefix + "-images-idx3-ubyte")).copy())
    y = torch.from_numpy(load_idx(os.path.join(d, prefix + "-labels-idx1-ubyte")).astype(np.int64))
    x = x.float().div_(255.0).unsqueeze(1)  # N x 1 x 28 x 28, values in [0,1]
    return x, y


def load_cifar(d, names):
    """CIFAR-10 binary records (a label byte, then 3x32x32 pixels), standardised per channel
    later, as Hyperlab's normalization "standardize"."""
    recs = [np.fromfile(os.path.join(d, n), dtype=np.uint8).reshape(-1, 3073) for n in names]
    r = np.concatenate(recs)
    x = torch.from_numpy(r[:, 1:].copy()).view(-1, 3, 32, 32)
    y = torch.from_numpy(r[:, 0].astype(np.int64))
    return x, y


def standardize(xtr_u8, xte_u8):
    x = xtr_u8.double().div_(255.0)
    mean = x.mean((0, 2, 3), keepdim=True)
    sd = x.std((0, 2, 3), keepdim=True).clamp_min(1e-6)
    f = lambda u: ((u.float().div_(255.0) - mean.float()) / sd.float()).contiguous()
    return f(xtr_u8), f(xte_u8)


class BasicBlock(nn.Module):
    """Hyperlab's residual block: conv3x3(stride)-BN-ReLU-conv3x3-BN, plus the identity or a
    projection (1x1 conv with the stride, no bias, + BN) when the shape changes; ReLU after."""
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(),
            nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout))
        self.shortcut = nn.Sequential()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        return F.relu(self.body(x) + self.shortcut(x))


class ResNet20(nn.Module):
    """As Hyperlab's model.resnet depth 20 (core/model/shorthands.cpp): stem conv3x3(16, no bias)
    -BN-ReLU, three stages of 3 blocks (16, 32, 64 channels; stride 2 at the start of stages 2
    and 3), global average pool, linear(10)."""
    def __init__(self, classes=10):
        super().__init__()
        layers = [nn.Conv2d(3, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU()]
        cin = 16
        for s, w in enumerate([16, 32, 64]):
            for b in range(3):
                layers.append(BasicBlock(cin, w, 2 if s > 0 and b == 0 else 1))
                cin = w
        self.features = nn.Sequential(*layers)
        self.fc = nn.Linear(64, classes)
        for m in self.modules():  # the preset's init: kaiming_normal, fan_out, relu (biases as PyTorch's default)
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x):
        return self.fc(self.features(x).mean((2, 3)))


def mlp(sizes, act):
    layers = [nn.Flatten()]
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(act())
    return nn.Sequential(*layers)


class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.fc1 = nn.Linear(32 * 7 * 7, 256)
        self.drop = nn.Dropout(0.4)
        self.fc2 = nn.Linear(256, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = self.drop(F.relu(self.fc1(x.flatten(1))))
        return self.fc2(x)


def make_setup(name):
    if name == "shallow":
        model = mlp([784, 30, 10], nn.Sigmoid)
        for m in model.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_normal_(m.weight)
                nn.init.zeros_(m.bias)
        opt = torch.optim.SGD(model.parameters(), lr=0.001, momentum=0.8, nesterov=True, weight_decay=1e-5)
        return model, opt, 10
    if name == "baseline":
        model = mlp([784, 500, 50, 10], nn.ReLU)
        return model, torch.optim.SGD(model.parameters(), lr=0.1), 64
    if name == "deep":
        model = mlp([784] + [30] * 8 + [10], nn.Sigmoid)  # nine Linear layers
        return model, torch.optim.SGD(model.parameters(), lr=0.01), 64
    if name == "cnn":
        model = CNN()
        return model, torch.optim.SGD(model.parameters(), lr=0.022, weight_decay=5e-4), 64
    if name == "resnet20":  # resources/presets/resnet20-cifar.json
        model = ResNet20()
        return model, torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4), 128
    sys.exit("unknown setup " + name)


def blas_info():
    try:
        ob = ctypes.CDLL("libopenblas.so.0")
        par = {0: "sequential", 1: "pthread", 2: "openmp"}.get(ob.openblas_get_parallel(), "?")
        return "openblas_threads=%d openblas_parallel=%s" % (ob.openblas_get_num_threads(), par)
    except OSError:
        return "openblas=absent"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("setup", choices=["shallow", "baseline", "deep", "cnn", "resnet20"])
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0 = leave default)")
    ap.add_argument("--data", default=None, help="Fashion-MNIST (default $FMNIST_DIR or Debian's) or, for "
                    "resnet20, cifar-10-batches-bin (default $CIFAR10_DIR)")
    ap.add_argument("--train-limit", type=int, default=0, help="train on the first N images only (0 = all)")
    ap.add_argument("--device", default="cpu", help="cpu | cuda | cuda:N (model and data there)")
    ap.add_argument("--loader", choices=["dataloader", "index"], default="dataloader",
                    help="dataloader = TensorDataset+DataLoader(shuffle=True); index = randperm+index_select")
    ap.add_argument("--gradnorms", action="store_true", help="all per-parameter grad norms every batch")
    ap.add_argument("--no-ratio", action="store_true", help="deep: skip first/last grad-norm ratio")
    ap.add_argument("--callback", action="store_true", help="call a metrics callback every batch")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--eval-bs", type=int, default=100)
    ap.add_argument("--max-batches", type=int, default=0, help="stop each epoch after this many batches (debug)")
    a = ap.parse_args()

    torch.manual_seed(a.seed)
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    if a.setup == "resnet20":
        d = a.data or os.environ.get("CIFAR10_DIR", "cifar-10-batches-bin")
        xtr, ytr = load_cifar(d, ["data_batch_%d.bin" % i for i in range(1, 6)])
        xte, yte = load_cifar(d, ["test_batch.bin"])
        if a.train_limit > 0:
            xtr, ytr = xtr[:a.train_limit], ytr[:a.train_limit]
        xtr, xte = standardize(xtr, xte)
    else:
        d = a.data or os.environ.get("FMNIST_DIR", "/usr/share/datasets/fashion-mnist")
        xtr, ytr = load_split(d, "train")
        xte, yte = load_split(d, "t10k")
        if a.train_limit > 0:
            xtr, ytr = xtr[:a.train_limit], ytr[:a.train_limit]
    dev = torch.device(a.device)
    cuda = dev.type == "cuda"
    model, opt, bs = make_setup(a.setup)
    model.to(dev)
    if dev.type != "cpu":  # make_setup built the optimizer on the CPU parameters: rebuild it on the moved ones
        opt = type(opt)(model.parameters(), **opt.defaults)
    train_loader = DataLoader(TensorDataset(xtr, ytr), batch_size=bs, shuffle=True, pin_memory=cuda)
    test_loader = DataLoader(TensorDataset(xte, yte), batch_size=a.eval_bs, shuffle=False, pin_memory=cuda)
    linears = [m for m in model.modules() if isinstance(m, (nn.Linear,))]
    want_ratio = a.setup == "deep" and not a.no_ratio
    print("# impl=python setup=%s torch=%s threads=%d %s loader=%s device=%s train=%d" %
          (a.setup, torch.__version__, torch.get_num_threads(), blas_info(), a.loader, dev, xtr.shape[0]), flush=True)

    log = []
    def callback(m):  # stands in for a GUI's "post metrics to the UI thread"
        log.append(m)

    n = xtr.shape[0]
    times = []
    for epoch in range(1, a.epochs + 1):
        model.train()
        tot, cnt, rsum, nb = 0.0, 0, 0.0, 0
        log.clear()
        t0 = time.perf_counter()
        if a.loader == "dataloader":
            batches = train_loader
        else:
            perm = torch.randperm(n)
            batches = ((xtr.index_select(0, idx), ytr.index_select(0, idx)) for idx in perm.split(bs))
        for xb, yb in batches:
            if cuda:
                xb, yb = xb.to(dev, non_blocking=True), yb.to(dev, non_blocking=True)
            opt.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            if want_ratio:
                rsum += (linears[0].weight.grad.norm() / linears[-1].weight.grad.norm()).item()
            if a.gradnorms:
                norms = [p.grad.norm().item() for p in model.parameters()]
            opt.step()
            l = loss.item()
            tot += l * xb.shape[0]
            cnt += xb.shape[0]
            nb += 1
            if a.callback:
                callback((epoch, nb, l, cnt))
            if nb == a.max_batches:
                break
        if cuda:
            torch.cuda.synchronize(dev)
        dt = time.perf_counter() - t0
        times.append(dt)
        t1 = time.perf_counter()
        model.eval()
        correct = 0
        with torch.no_grad():
            for xb, yb in test_loader:
                xb, yb = xb.to(dev), yb.to(dev)
                correct += (model(xb).argmax(1) == yb).sum().item()
        et = time.perf_counter() - t1
        extra = " ratio %.6g" % (rsum / nb) if want_ratio else ""
        print("epoch %d train_s %.4f loss %.5f test_acc %.4f eval_s %.4f samples_per_s %.0f%s" %
              (epoch, dt, tot / cnt, correct / xte.shape[0], et, cnt / dt, extra), flush=True)
    times.sort()
    print("summary median_train_s %.4f min %.4f max %.4f" % (times[len(times) // 2], times[0], times[-1]))


if __name__ == "__main__":
    main()
