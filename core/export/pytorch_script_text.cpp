// The fixed parts of the PyTorch script (export/pytorch_script.h): data
// reading, the normalisation, the model's helper classes, the training loop.
// pytorch_script.cpp writes the settings and the model between them.
#include <string>

namespace hyperlab {

extern const char* const kScriptData;
extern const char* const kScriptAugment;
extern const char* const kScriptModel;
extern const char* const kScriptTrain;

const char* const kScriptData = R"py(

# ---- Data: the files Hyperlab reads, split and normalised as Hyperlab does ----

def read_idx(path):
    """An IDX file (MNIST's format), plain or gzip, as a uint8 tensor."""
    if not os.path.exists(path) and os.path.exists(path + ".gz"):
        path += ".gz"
    with (gzip.open if path.endswith(".gz") else open)(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return torch.frombuffer(bytearray(data[4 + 4 * dims:]), dtype=torch.uint8).reshape(shape)


def read_cifar(path):
    """A CIFAR-10 binary batch: images uint8 [N,3,32,32], labels int64 [N]."""
    with open(path, "rb") as f:
        raw = torch.frombuffer(bytearray(f.read()), dtype=torch.uint8).reshape(-1, 3073)
    return raw[:, 1:].reshape(-1, 3, 32, 32).clone(), raw[:, 0].long()


def synthetic(n, seed):
    """Hyperlab's generated points, drawn with PyTorch's generator (the same patterns, other points)."""
    g = torch.Generator().manual_seed(seed)
    kind, noise = SYNTHETIC["kind"], SYNTHETIC["noise"]
    k = 2 if kind in ("xor", "circles") else SYNTHETIC["classes"]
    c = torch.randint(k, (n,), generator=g)
    u = lambda: torch.rand(n, generator=g, dtype=torch.float64)
    gauss = lambda: torch.randn(n, generator=g, dtype=torch.float64)
    if kind == "spirals":
        t = u()
        r, a = 0.05 + 0.95 * t, 1.75 * 2 * math.pi * t + 2 * math.pi * c / k
        px, py = r * a.cos() + noise * 0.5 * gauss(), r * a.sin() + noise * 0.5 * gauss()
    elif kind == "circles":
        r, a = torch.where(c == 0, 0.5 * u(), 0.7 + 0.3 * u()), 2 * math.pi * u()
        px, py = r * a.cos() + noise * 0.5 * gauss(), r * a.sin() + noise * 0.5 * gauss()
    elif kind == "xor":
        px, py = u() * 2 - 1, u() * 2 - 1
        px, py = px + (px > 0).double() * 0.1 - 0.05, py + (py > 0).double() * 0.1 - 0.05
        c = ((px > 0) != (py > 0)).long()
        px, py = px + noise * 0.5 * gauss(), py + noise * 0.5 * gauss()
    else:  # blobs: centres on a circle
        a = 2 * math.pi * c / k
        px, py = 0.6 * a.cos() + (0.1 + noise) * gauss(), 0.6 * a.sin() + (0.1 + noise) * gauss()
    return torch.stack([px, py], 1).float(), c


def load_data(path, train_limit):
    """(train, validation, test) splits as (x, y): images uint8 [N,C,H,W], points float [N,2]."""
    if DATASET in ("fashion-mnist", "mnist"):
        part = lambda prefix: (read_idx(os.path.join(path, prefix + "-images-idx3-ubyte")).unsqueeze(1),
                               read_idx(os.path.join(path, prefix + "-labels-idx1-ubyte")).long())
        (xtr, ytr), (xte, yte) = part("train"), part("t10k")
    elif DATASET == "cifar10":
        parts = [read_cifar(os.path.join(path, "data_batch_%d.bin" % i)) for i in range(1, 6)]
        xtr, ytr = torch.cat([p[0] for p in parts]), torch.cat([p[1] for p in parts])
        xte, yte = read_cifar(os.path.join(path, "test_batch.bin"))
    else:
        (xtr, ytr), (xte, yte) = synthetic(SYNTHETIC["samples"], SEED * 2 + 1), synthetic(SYNTHETIC["test_samples"], SEED * 2 + 2)
    if 0 < train_limit < len(ytr):
        xtr, ytr = xtr[:train_limit], ytr[:train_limit]
    if 0 < TEST_LIMIT < len(yte):
        xte, yte = xte[:TEST_LIMIT], yte[:TEST_LIMIT]
    n = len(ytr)
    nval = int(math.floor(n * VALIDATION_FRACTION))
    xval, yval = xtr[:0], ytr[:0]
    if nval > 0:  # the seed's split, as Hyperlab draws it
        perm = torch.randperm(n, generator=torch.Generator().manual_seed(SEED ^ 0x9E3779B97F4A7C15))
        vi, ti = perm[:nval].sort().values, perm[nval:].sort().values
        xval, yval, xtr, ytr = xtr[vi], ytr[vi], xtr[ti], ytr[ti]
    return (xtr, ytr), (xval, yval), (xte, yte)


def normalisation(xtr):
    """Per-channel scale and shift: a batch becomes x.float() * scale + shift."""
    base = 1.0 / 255.0 if xtr.dtype == torch.uint8 else 1.0
    ch = xtr.shape[1]
    shape = [ch, 1, 1] if xtr.dim() == 4 else [ch]
    if NORMALIZATION == "standardize":  # the training set's mean and std per channel
        dims = [0, 2, 3] if xtr.dim() == 4 else [0]
        s = torch.zeros(ch, dtype=torch.float64)
        sq = torch.zeros(ch, dtype=torch.float64)
        for i in range(0, len(xtr), 4096):
            xc = xtr[i:i + 4096].double() * base
            s, sq = s + xc.sum(dims), sq + xc.square().sum(dims)
        count = float(len(xtr) * (xtr.shape[2] * xtr.shape[3] if xtr.dim() == 4 else 1))
        mean = s / count
        sd = ((sq - s * mean) / max(count - 1, 1.0)).clamp_min(0).sqrt().clamp_min(1e-6)
        mean, sd = mean.float(), sd.float()
        return (base / sd).reshape(shape), (-mean / sd).reshape(shape)
    if NORMALIZATION == "imagenet":  # torchvision's ImageNet statistics
        mean, sd = torch.tensor([0.485, 0.456, 0.406]), torch.tensor([0.229, 0.224, 0.225])
        if ch != 3:
            mean, sd = mean.mean().expand(ch), sd.mean().expand(ch)
        return (base / sd).reshape(shape), (-mean / sd).reshape(shape)
    return torch.full(shape, 1.0 if NORMALIZATION == "none" else base), torch.zeros(shape)


def network_input(x, scale, shift):
    """A stored batch as the network's input: normalised, then resized (data.resize)."""
    x = x.float() * scale + shift
    if RESIZE > 0 and x.dim() == 4 and (x.shape[2] != RESIZE or x.shape[3] != RESIZE):
        x = F.interpolate(x, size=(RESIZE, RESIZE), mode="bilinear", align_corners=False)
    return x
)py";

const char* const kScriptAugment = R"py(

# ---- data.augment: Hyperlab's steps (data/augment.cpp), the same draws from the same seed ----

def mix(x):
    """splitmix64, which seeds each batch's augmentation."""
    m = (1 << 64) - 1
    x = (x + 0x9E3779B97F4A7C15) & m
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & m
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & m
    return x ^ (x >> 31)


def as_pixels(f):
    return f.round_().clamp_(0, 255).to(torch.uint8)


def affine_images(x, degrees, zoom, shift, nearest, fill):
    """Each image turned by degrees (counter-clockwise), zoomed and shifted (fractions of its sides)."""
    B, H, W, dev = x.shape[0], x.shape[2], x.shape[3], x.device
    r = degrees.double() * (math.pi / 180.0)
    c, s = r.cos() / zoom.double(), r.sin() / zoom.double()
    sh = shift.double() * 2
    theta = torch.stack([torch.stack([c, -s * (H / W), -sh[:, 0]], 1), torch.stack([s * (W / H), c, -sh[:, 1]], 1)], 1)
    u = (torch.arange(W, dtype=torch.float32) * 2 + 1) / W - 1
    v = (torch.arange(H, dtype=torch.float32) * 2 + 1) / H - 1
    base = torch.stack([u.view(1, W).expand(H, W), v.view(H, 1).expand(H, W), torch.ones(H, W)], 2)
    grid = torch.matmul(base.view(1, H * W, 3).to(dev), theta.float().transpose(1, 2).to(dev)).view(B, H, W, 2)
    f = x.float()
    if fill != 0:
        f = f - fill
    y = torch.grid_sampler(f, grid, 1 if nearest else 0, 0, False)
    if fill != 0:
        y = y + fill
    return y.to(torch.uint8) if nearest and fill == math.floor(fill) else as_pixels(y)


def crop(x, a, g):
    P, B, H, W, dev = a["padding"], x.shape[0], x.shape[2], x.shape[3], x.device
    if P == 0:
        return x
    keep = torch.rand(B, generator=g) >= a["p"]
    dy = torch.randint(-P, P + 1, (B,), generator=g).masked_fill(keep, 0)
    dx = torch.randint(-P, P + 1, (B,), generator=g).masked_fill(keep, 0)
    reflect = a["mode"] == "reflect"

    def index(shift, n):  # rows (or columns) of each image's crop
        i = torch.arange(n).unsqueeze(0) + shift.unsqueeze(1)
        if not reflect:
            return i + P
        i = torch.where(i < 0, -i, i)
        return torch.where(i > n - 1, 2 * (n - 1) - i, i)

    rows, cols = index(dy, H).to(dev), index(dx, W).to(dev)
    src = x if reflect else F.pad(x, (P, P, P, P))
    b = torch.arange(B, device=dev).view(B, 1, 1)
    return src[b, :, rows.unsqueeze(2), cols.unsqueeze(1)].permute(0, 3, 1, 2).contiguous()


def augment_step(x, a, g):
    B, dev = x.shape[0], x.device
    if a["type"] == "crop":
        return crop(x, a, g)
    if a["type"] == "rotate":
        keep = torch.rand(B, generator=g) >= a["p"]
        deg = ((torch.rand(B, generator=g) * 2 - 1) * a["degrees"]).masked_fill(keep, 0)
        zoom = (1 + (torch.rand(B, generator=g) * 2 - 1) * a["scale"]).masked_fill(keep, 1)
        shift = ((torch.rand(B, 2, generator=g) * 2 - 1) * a["translate"]).masked_fill(keep.unsqueeze(1), 0)
        out = affine_images(x, deg, zoom, shift, a["interpolation"] == "nearest", a["fill"])
        return out if a["p"] >= 1 else torch.where(keep.to(dev).view(B, 1, 1, 1), x, out)
    m = (torch.rand(B, generator=g) < a["p"]).to(dev).view(B, 1, 1, 1)
    if a["type"] == "flip":
        return torch.where(m, x.flip(3), x)
    if a["type"] == "noise":
        n = torch.randn(x.shape, generator=g).to(dev)
        return torch.where(m, as_pixels(x.float() + n * a["std"]), x)
    if a["type"] == "cutout":
        H, W, s = x.shape[2], x.shape[3], a["size"]
        cy, cx = torch.randint(0, H, (B, 1), generator=g), torch.randint(0, W, (B, 1), generator=g)
        y, xs = torch.arange(H).unsqueeze(0), torch.arange(W).unsqueeze(0)
        in_y = (y >= cy - s // 2) & (y < cy - s // 2 + s)
        in_x = (xs >= cx - s // 2) & (xs < cx - s // 2 + s)
        return x.masked_fill((in_y.unsqueeze(2) & in_x.unsqueeze(1)).to(dev).unsqueeze(1) & m, 0)
    bf = (1 + (torch.rand(B, 1, 1, 1, generator=g) * 2 - 1) * a["brightness"]).to(dev)  # jitter
    cf = (1 + (torch.rand(B, 1, 1, 1, generator=g) * 2 - 1) * a["contrast"]).to(dev)
    f = x.float() * bf
    mean = f.mean((1, 2, 3), keepdim=True)
    return torch.where(m, as_pixels((f - mean) * cf + mean), x)


def augment_batch(x, epoch, batch):
    """A uint8 training batch through data.augment, in order (batch: 0-based in the epoch)."""
    g = torch.Generator().manual_seed(mix(SEED ^ mix(0x417547 + epoch * 1000003 + batch)))
    for a in AUGMENT:
        x = augment_step(x, a, g)
    return x
)py";

const char* const kScriptModel = R"py(

# ---- The model ----

class GlobalAvgPool(nn.Module):
    """The mean of each channel: [N,C,H,W] to [N,C]."""

    def forward(self, x):
        return x.mean((2, 3))


class Block(nn.Module):
    """Hyperlab's `sequential` block: its body in order."""

    def __init__(self, body):
        super().__init__()
        self.body = body

    def forward(self, x):
        return self.body(x)


class Residual(nn.Module):
    """body(x) + shortcut(x); an empty shortcut is the identity."""

    def __init__(self, body, shortcut):
        super().__init__()
        self.body, self.shortcut = body, shortcut

    def forward(self, x):
        return self.body(x) + self.shortcut(x)


def fan_in(w):
    return w[0].numel()


def initialise(model):
    """Hyperlab's initialisation schemes (PyTorch's random draws: --weights gives Hyperlab's own)."""
    modules = dict(model.named_modules())
    with torch.no_grad():
        for name, fill, zero_bias in INITS:
            m = modules[name]
            fill(m.weight)
            if m.bias is not None:
                bound = 1 / math.sqrt(fan_in(m.weight))
                nn.init.zeros_(m.bias) if zero_bias else nn.init.uniform_(m.bias, -bound, bound)
)py";

const char* const kScriptTrain = R"py(

# ---- Training, as Hyperlab's loop does it ----

def plateau_lr(state, lr, metric, monitor, factor, patience, threshold, min_lr):
    """ReduceLROnPlateau, stepped once an epoch."""
    if not math.isfinite(metric):
        return lr
    best, maximize = state.get("best"), "accuracy" in monitor
    if best is None or (metric > best * (1 + threshold) if maximize else metric < best * (1 - threshold)):
        state["best"], state["bad"] = metric, 0
    else:
        state["bad"] = state.get("bad", 0) + 1
        if state["bad"] > patience:
            new = max(lr * factor, min_lr)
            lr = new if lr - new > 1e-8 else lr
            state["bad"] = 0
    return lr


def data_loss(logits, y):
    if LOSS == "mse":
        return F.mse_loss(logits, F.one_hot(y, CLASSES).float())
    return F.cross_entropy(logits, y)


def set_training(model, on):
    """Training or evaluation mode; frozen layers stay in evaluation mode (batch-norm statistics fixed)."""
    model.train(on)
    for i in FROZEN:
        model[i].eval()


def evaluate(model, split, scale, shift, device):
    """Loss and accuracy on a split in evaluation mode; NaN for an empty one."""
    x, y = split
    if len(y) == 0:
        return float("nan"), float("nan")
    set_training(model, False)
    loss_sum, correct = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(y), EVAL_BATCH):
            yb = y[i:i + EVAL_BATCH].to(device)
            out = model(network_input(x[i:i + EVAL_BATCH].to(device), scale, shift))
            loss_sum += data_loss(out, yb).item() * len(yb)
            correct += (out.argmax(1) == yb).sum().item()
    set_training(model, True)
    return loss_sum / len(y), correct / len(y)


def regularise(weights, params):
    """After backward: the L1/L2 terms' gradients on the weights, then gradient noise and clipping."""
    with torch.no_grad():
        for w in weights:
            if w.grad is not None and L1 > 0:
                w.grad.add_(w.sign(), alpha=L1)
            if w.grad is not None and L2 > 0:
                w.grad.add_(w, alpha=2 * L2)
        if GRAD_NOISE_STD > 0:
            for p in params:
                p.grad.add_(torch.randn_like(p) * GRAD_NOISE_STD)
        if CLIP_GRAD_NORM > 0:
            nn.utils.clip_grad_norm_(params, CLIP_GRAD_NORM)


def improves(monitor, value, best, min_delta):
    if not math.isfinite(value):
        return False
    if math.isnan(best):
        return True
    return value > best + min_delta if "accuracy" in monitor else value < best - min_delta


def param_groups(model):
    """The trainable parameters: one group at LR, one per block of LR_GROUPS; frozen layers in none."""
    groups = {}
    for i, layer in enumerate(model):
        if i in FROZEN:
            for p in layer.parameters():
                p.requires_grad_(False)
            continue
        groups.setdefault(BLOCKS[i] if BLOCKS[i] in LR_GROUPS else "", []).extend(layer.parameters())
    return [{"params": groups.get(name, []), "lr": LR_GROUPS.get(name, LR)} for name in [""] + list(LR_GROUPS)]


def set_lr(optimizer, lr):
    for g, name in zip(optimizer.param_groups, [""] + list(LR_GROUPS)):
        g["lr"] = lr * LR_GROUPS.get(name, LR) / LR


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=EPOCHS)
    p.add_argument("--data", default=DATA_PATH, help="the dataset's folder (default %(default)s)")
    p.add_argument("--train-limit", type=int, default=TRAIN_LIMIT, help="use at most N training samples (0 = all)")
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--weights", help="start from this state_dict (.pth) instead of a fresh initialisation")
    p.add_argument("--save", help="write the final state_dict here (the selected epoch's with RESTORE_BEST)")
    args = p.parse_args()
    torch.manual_seed(SEED)
    device = torch.device(args.device)
    train, val, test = load_data(args.data, args.train_limit)
    scale, shift = (t.to(device) for t in normalisation(train[0]))
    model = build_model()
    if args.weights:
        model.load_state_dict(torch.load(args.weights, map_location="cpu"))
    else:
        initialise(model)
    model.to(device)
    modules = dict(model.named_modules())
    weights = [modules[name].weight for name, _, _ in INITS]
    optimizer = make_optimizer(param_groups(model))
    params = [p for g in optimizer.param_groups for p in g["params"]]
    monitor = "" if SELECT_BY.startswith("val_") and len(val[1]) == 0 else SELECT_BY
    print("run %s: %d train / %d val / %d test samples, %d parameters" %
          (NAME, len(train[1]), len(val[1]), len(test[1]), sum(p.numel() for p in model.parameters())))
    print("device %s" % device)
    perm_gen = torch.Generator().manual_seed(SEED + 0x5DEECE66D)  # Hyperlab's shuffling: the same order
    lr, state, best, since_best, best_epoch, best_weights, history = LR, {}, float("nan"), 0, 0, None, []
    set_training(model, True)
    for epoch in range(1, args.epochs + 1):
        t0 = time.time()
        set_lr(optimizer, lr)
        n = len(train[1])
        order = torch.randperm(n, generator=perm_gen) if SHUFFLE else torch.arange(n)
        xs, ys = train[0][order], train[1][order]
        loss_sum, correct = 0.0, 0
        for b in range(0, n, BATCH_SIZE):
            xb, yb = xs[b:b + BATCH_SIZE].to(device), ys[b:b + BATCH_SIZE].to(device)
            if AUGMENT:
                xb = augment_batch(xb, epoch, b // BATCH_SIZE)
            logits = model(network_input(xb, scale, shift))
            loss = data_loss(logits, yb)
            optimizer.zero_grad()
            loss.backward()
            regularise(weights, params)
            optimizer.step()
            value = loss.item()
            if epoch == 1 and b == 0:
                print("first batch loss %.6f" % value)
            if not math.isfinite(value):
                raise SystemExit("training loss became %s at epoch %d, batch %d" % (value, epoch, b // BATCH_SIZE + 1))
            loss_sum += value * len(yb)
            correct += (logits.argmax(1) == yb).sum().item()
        train_seconds = time.time() - t0
        e = {"train_loss": loss_sum / n, "train_accuracy": correct / n}
        e["val_loss"], e["val_accuracy"] = evaluate(model, val, scale, shift, device)
        if EVALUATE_TEST:
            e["test_loss"], e["test_accuracy"] = evaluate(model, test, scale, shift, device)
        selected = not monitor or improves(monitor, e.get(monitor, float("nan")), best, MIN_DELTA)
        if selected:
            best, since_best, best_epoch = (e[monitor] if monitor else 0.0), 0, epoch
            if monitor:
                best_weights = {k: v.detach().clone() for k, v in model.state_dict().items()}
        else:
            since_best += 1
        line = "epoch %d/%d  train loss %.4f acc %.4f" % (epoch, args.epochs, e["train_loss"], e["train_accuracy"])
        if len(val[1]):
            line += "  val loss %.4f acc %.4f" % (e["val_loss"], e["val_accuracy"])
        if EVALUATE_TEST and len(test[1]):
            line += "  test loss %.4f acc %.4f" % (e["test_loss"], e["test_accuracy"])
        print(line + "  lr %.4g  %.2f s (%.0f samples/s)%s" %
              (lr, time.time() - t0, n / max(train_seconds, 1e-9), "  *best" if selected else ""), flush=True)
        history.append(e)
        lr = lr_after_epoch(epoch, lr, e.get(SCHEDULE_MONITOR, float("nan")), state, args.epochs)
        if EARLY_STOPPING and since_best > PATIENCE:
            print("stopped early: %s did not improve by more than %g for %d epochs (best at epoch %d)" %
                  (monitor, MIN_DELTA, since_best, best_epoch))
            break
    final = evaluate(model, test, scale, shift, device)
    if best_weights is not None and best_epoch != len(history):
        final_weights = {k: v.detach().clone() for k, v in model.state_dict().items()}
        model.load_state_dict(best_weights)
        selected = evaluate(model, test, scale, shift, device)
        if not (EARLY_STOPPING and RESTORE_BEST):
            model.load_state_dict(final_weights)
    else:
        selected = final
    print("test accuracy %.4f, test loss %.4f at the selected epoch: %d%s; at the final epoch %.4f" %
          (selected[1], selected[0], best_epoch, " (best %s)" % monitor if monitor else "", final[1]))
    if args.save:
        torch.save(model.state_dict(), args.save)
        print("wrote %s" % args.save)
)py";

}  // namespace hyperlab
