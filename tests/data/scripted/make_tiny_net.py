# Makes tiny_net.pt, the TorchScript file of tests/cli_*.cmake's torchscript-layer run and of
# Scripted.APythonScriptedFileTrains: conv, batch norm, linear for 8x8 one-channel images,
# scripted by PyTorch itself (torch.jit.script), so its batch norm is torch.nn's (with
# num_batches_tracked). Run: python3 make_tiny_net.py (PyTorch 1.13: Debian's python3-torch).
import torch
import torch.nn as nn
import torch.nn.functional as F


class TinyNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.bn = nn.BatchNorm2d(4)
        self.fc = nn.Linear(4 * 4 * 4, 8)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn(self.conv(x))), 2)
        return self.fc(torch.flatten(x, 1))


torch.manual_seed(0)
torch.jit.save(torch.jit.script(TinyNet()), "tiny_net.pt")
