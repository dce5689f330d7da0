#!/usr/bin/python3
"""Independent reference for tests/core/optim_test.cpp.

Implements the update rules exactly as PyTorch's documentation states them
(torch.optim.SGD, Adam, AdamW, RMSprop, Adagrad, version 1.13 pseudo-code) in
plain numpy (no torch), on the quadratic f(w) = 0.5 * sum(a * w^2), whose
gradient is a * w, from w0 = [1, -2, 0.5] with a = [1, 0.5, 2]. Prints the
parameters after 5 steps for each case as C++ initialisers:

    /usr/bin/python3 tests/data/optim_reference.py
"""
import numpy as np

A = np.array([1.0, 0.5, 2.0])
W0 = np.array([1.0, -2.0, 0.5])
STEPS = 5


def sgd(lr, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0):
    w, b = W0.copy(), None
    for t in range(1, STEPS + 1):
        g = A * w + weight_decay * w
        if momentum != 0:
            b = g.copy() if b is None else momentum * b + (1 - dampening) * g
            g = g + momentum * b if nesterov else b
        w = w - lr * g
    return w


def adam(lr, b1=0.9, b2=0.999, eps=1e-8, weight_decay=0.0, amsgrad=False, decoupled=False):
    w = W0.copy(); m = np.zeros(3); v = np.zeros(3); vmax = np.zeros(3)
    for t in range(1, STEPS + 1):
        g = A * w
        if decoupled:
            w = w * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * w
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        bc1, bc2 = 1 - b1 ** t, 1 - b2 ** t
        if amsgrad:
            vmax = np.maximum(vmax, v)
            denom = np.sqrt(vmax) / np.sqrt(bc2) + eps
        else:
            denom = np.sqrt(v) / np.sqrt(bc2) + eps
        w = w - (lr / bc1) * m / denom
    return w


def rmsprop(lr, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False):
    w = W0.copy(); v = np.zeros(3); ga = np.zeros(3); buf = np.zeros(3)
    for t in range(1, STEPS + 1):
        g = A * w + weight_decay * w
        v = alpha * v + (1 - alpha) * g * g
        if centered:
            ga = alpha * ga + (1 - alpha) * g
            avg = np.sqrt(v - ga * ga) + eps
        else:
            avg = np.sqrt(v) + eps
        if momentum > 0:
            buf = momentum * buf + g / avg
            w = w - lr * buf
        else:
            w = w - lr * g / avg
    return w


def adagrad(lr, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10):
    w = W0.copy(); s = np.full(3, initial_accumulator_value)
    for t in range(1, STEPS + 1):
        g = A * w + weight_decay * w
        clr = lr / (1 + (t - 1) * lr_decay)
        s = s + g * g
        w = w - clr * g / (np.sqrt(s) + eps)
    return w


CASES = [
    ("sgd", 'R"({"type":"sgd","lr":0.1})"', sgd(0.1)),
    ("sgd_momentum", 'R"({"type":"sgd","lr":0.1,"momentum":0.9})"', sgd(0.1, 0.9)),
    ("sgd_dampening", 'R"({"type":"sgd","lr":0.1,"momentum":0.9,"dampening":0.1})"', sgd(0.1, 0.9, 0.1)),
    ("sgd_nesterov_wd", 'R"({"type":"sgd","lr":0.1,"momentum":0.9,"nesterov":true,"weight_decay":0.01})"',
     sgd(0.1, 0.9, 0.0, True, 0.01)),
    ("adam", 'R"({"type":"adam","lr":0.1})"', adam(0.1)),
    ("adam_amsgrad_wd", 'R"({"type":"adam","lr":0.1,"amsgrad":true,"weight_decay":0.1,"beta1":0.8})"',
     adam(0.1, b1=0.8, weight_decay=0.1, amsgrad=True)),
    ("adamw", 'R"({"type":"adamw","lr":0.1,"weight_decay":0.1})"', adam(0.1, weight_decay=0.1, decoupled=True)),
    ("rmsprop", 'R"({"type":"rmsprop","lr":0.01})"', rmsprop(0.01)),
    ("rmsprop_centered_momentum", 'R"({"type":"rmsprop","lr":0.01,"centered":true,"momentum":0.9,"alpha":0.9})"',
     rmsprop(0.01, alpha=0.9, momentum=0.9, centered=True)),
    ("adagrad", 'R"({"type":"adagrad","lr":0.1,"lr_decay":0.01,"weight_decay":0.01,"initial_accumulator_value":0.1})"',
     adagrad(0.1, 0.01, 0.01, 0.1)),
]

for name, cfg, w in CASES:
    print('    {"%s", %s, {%s}},' % (name, cfg, ", ".join("%.17g" % x for x in w)))
