"""The age-group autoencoder as the original training pipeline defines it.

Shared by the fixture/demo scripts and the interop tests (lib/formats/*.test.ts). Import with
`sys.path.insert(0, "<repo>/scripts")` then `from autoencoder import AutoencoderModel`.
Needs Debian's python3-torch (run with /usr/bin/python3).
"""
import torch.nn as nn


class AutoencoderModel(nn.Module):
    def __init__(self, input_dim, hidden_dims):
        super().__init__()
        enc = []
        prev = input_dim
        for h in hidden_dims:
            enc += [nn.Linear(prev, h), nn.ReLU(), nn.Dropout(0.1)]
            prev = h
        self.encoder = nn.Sequential(*enc)
        dec = []
        dims = list(reversed(hidden_dims[:-1])) + [input_dim]
        for i, h in enumerate(dims):
            dec.append(nn.Linear(prev, h))
            if i < len(dims) - 1:
                dec += [nn.ReLU(), nn.Dropout(0.1)]
            prev = h
        self.decoder = nn.Sequential(*dec)

    def forward(self, x):
        return self.decoder(self.encoder(x))
