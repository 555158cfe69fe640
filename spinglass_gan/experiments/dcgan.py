"""DCGAN at 32 x 32 with a channel budget split by kappa, and one training run.

The experiment of the paper's Fig. 9 (docs/gan-experiments.md): a DCGAN whose discriminator
gets the share ``kappa`` of a fixed budget of feature channels, trained with the usual
recipe (Adam, learning rate 2e-4, beta1 0.5, batch 128, binary cross-entropy), with
latent noise ``z ~ N(0, I) * sigma_z / std(data)``.

Architecture
------------
``channel_split(kappa, budget)`` gives base widths ``w_D = clip(round(kappa * budget),
4, budget - 4)`` and ``w_G = budget - w_D``; the layers have 1, 2 and 4 times the base
width, as in the PyTorch DCGAN example (``kappa = 0.5`` with the default budget 128 is
that example's ``ngf = ndf = 64``)::

    G: z (100 x 1 x 1) -> ConvT(4 w_G, 4x4) [-> BN] -> ReLU -> ConvT(2 w_G) -> BN -> ReLU
       -> ConvT(w_G) -> BN -> ReLU -> ConvT(C) -> tanh                 (C x 32 x 32)
    D: x -> Conv(w_D) -> LReLU -> Conv(2 w_D) -> BN -> LReLU -> Conv(4 w_D) -> BN
       -> LReLU -> Conv(1, 4x4) -> logit

Two generators differ only in the first layer:

* ``"published"``: ConvTranspose without bias, then BatchNorm (the standard DCGAN, as
  in the published experiment).  BatchNorm in training mode maps ``a`` and ``s a`` to
  the same output for any ``s > 0`` (up to its ``eps``), and the layer before it is
  linear, so ``G(sigma_z z) = G(z)``: sigma_z has no effect on anything, unless it is
  so small that ``eps = 1e-5`` dominates the batch variance (sigma_z / std below about
  1e-2 at initialisation).
* ``"sigma_acts"``: ConvTranspose *with* bias and no BatchNorm.  The bias is needed as
  well as dropping the normalisation: ReLU is positively homogeneous and the next
  BatchNorm would again cancel a common scale of a bias-free first layer.  Here
  sigma_z sets the size of the noise term against the bias (initialised like the
  weights, N(0, 0.02^2)).  Far above the bias scale the network tends to scale
  invariance again, and far below it as well (the z-dependent part of the first layer
  is then linear in sigma_z and the next BatchNorm rescales it): at initialisation
  sigma_z / std acts mainly between about 1e-3 and 1.

Losses (the non-saturating form of the original GAN, as DCGAN uses it): with logits
``D(.)`` and ``BCE(l, y) = -[y log s(l) + (1 - y) log(1 - s(l))]`` averaged over the
batch, ``L_D = BCE(D(x), 1) + BCE(D(G(z)), 0)`` and ``L_G = BCE(D(G(z)), 1)``.  The
spin-glass model has the zero-sum generator loss ``L_G = l_G``; the non-saturating
loss has the same fixed points and is what the usual DCGAN recipe uses.

PyTorch is imported when a function here is called, not when the module is imported,
so the package (and its command line) works without the ``torch`` extra.
"""

from __future__ import annotations

import time
import zlib
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import _validation as val
from .data import load_dataset

if TYPE_CHECKING:
    import torch
    from torch import nn

__all__ = [
    "ARCHITECTURES",
    "CHANNEL_BUDGET",
    "LATENT_DIM",
    "build_discriminator",
    "build_generator",
    "channel_split",
    "import_torch",
    "latent_noise",
    "resolve_device",
    "train_one",
]

ARCHITECTURES = ("published", "sigma_acts")
CHANNEL_BUDGET = 128
LATENT_DIM = 100
MIN_WIDTH = 4
INIT_STD = 0.02  # DCGAN initialisation: weights N(0, 0.02^2), BN scales N(1, 0.02^2)
LEAK = 0.2


def import_torch() -> Any:
    """Import PyTorch or raise an ImportError that says how to install it."""
    try:
        import torch
    except ImportError as exc:
        raise ImportError(
            "the GAN experiments need PyTorch: pip install 'spinglass_gan[torch]'"
        ) from exc
    return torch


def channel_split(kappa: float, budget: int = CHANNEL_BUDGET) -> tuple[int, int]:
    """Base widths ``(w_D, w_G)`` of discriminator and generator; they sum to ``budget``.

    ``w_D = round(kappa * budget)`` clipped to [4, budget - 4], ``w_G = budget - w_D``.

    Examples
    --------
    >>> channel_split(0.5), channel_split(0.9), channel_split(0.01)
    ((64, 64), (115, 13), (4, 124))
    """
    kappa = val.open_unit("kappa", kappa)
    budget = val.integer("channels", budget, 2 * MIN_WIDTH)
    width_d = min(max(round(kappa * budget), MIN_WIDTH), budget - MIN_WIDTH)
    return width_d, budget - width_d


def _check_architecture(architecture: str) -> str:
    if architecture not in ARCHITECTURES:
        raise ValueError(f"architecture must be one of {ARCHITECTURES}, got {architecture!r}")
    return architecture


def _init(module: nn.Module, seed: int) -> None:
    """DCGAN initialisation, each tensor from its own stream keyed by its name.

    Keying by name (not by order) gives the layers the two architectures share the same
    initial weights for the same seed, so that their runs are paired.
    """
    torch = import_torch()
    with torch.no_grad():
        for name, param in module.named_parameters():
            gen = torch.Generator().manual_seed(seed * 1_000_003 + zlib.crc32(name.encode()))
            is_bn = name.startswith("bn")
            if is_bn and name.endswith(".weight"):
                param.copy_(1.0 + INIT_STD * torch.randn(param.shape, generator=gen))
            elif is_bn:
                param.zero_()
            else:  # convolution weights, and the first-layer bias of "sigma_acts"
                param.copy_(INIT_STD * torch.randn(param.shape, generator=gen))


def build_generator(
    width: int,
    architecture: str = "published",
    *,
    channels: int = 1,
    latent_dim: int = LATENT_DIM,
    seed: int = 0,
) -> nn.Sequential:
    """The DCGAN generator (latent_dim x 1 x 1 -> channels x 32 x 32), initialised.

    Parameters
    ----------
    width : int
        Base width w_G (layers of 4, 2 and 1 times it).
    architecture : {"published", "sigma_acts"}
        First layer ConvT(no bias) -> BatchNorm, or ConvT(bias) without BatchNorm.
    channels : int
        Image channels (1 for Fashion-MNIST, 3 for CIFAR-10).
    latent_dim : int
        Dimension of z.
    seed : int
        Seed of the initial weights.
    """
    torch = import_torch()
    nn = torch.nn
    published = _check_architecture(architecture) == "published"
    w = val.integer("width", width, 1)
    layers: OrderedDict[str, nn.Module] = OrderedDict()
    layers["conv1"] = nn.ConvTranspose2d(latent_dim, 4 * w, 4, 1, 0, bias=not published)
    if published:
        layers["bn1"] = nn.BatchNorm2d(4 * w)
    layers["relu1"] = nn.ReLU(inplace=True)
    layers["conv2"] = nn.ConvTranspose2d(4 * w, 2 * w, 4, 2, 1, bias=False)
    layers["bn2"] = nn.BatchNorm2d(2 * w)
    layers["relu2"] = nn.ReLU(inplace=True)
    layers["conv3"] = nn.ConvTranspose2d(2 * w, w, 4, 2, 1, bias=False)
    layers["bn3"] = nn.BatchNorm2d(w)
    layers["relu3"] = nn.ReLU(inplace=True)
    layers["conv4"] = nn.ConvTranspose2d(w, channels, 4, 2, 1, bias=False)
    layers["tanh"] = nn.Tanh()
    net = nn.Sequential(layers)
    _init(net, seed)
    return net


def build_discriminator(width: int, *, channels: int = 1, seed: int = 0) -> nn.Sequential:
    """The DCGAN discriminator (channels x 32 x 32 -> one logit per image), initialised."""
    torch = import_torch()
    nn = torch.nn
    w = val.integer("width", width, 1)
    layers: OrderedDict[str, nn.Module] = OrderedDict()
    layers["conv1"] = nn.Conv2d(channels, w, 4, 2, 1, bias=False)
    layers["lrelu1"] = nn.LeakyReLU(LEAK, inplace=True)
    layers["conv2"] = nn.Conv2d(w, 2 * w, 4, 2, 1, bias=False)
    layers["bn2"] = nn.BatchNorm2d(2 * w)
    layers["lrelu2"] = nn.LeakyReLU(LEAK, inplace=True)
    layers["conv3"] = nn.Conv2d(2 * w, 4 * w, 4, 2, 1, bias=False)
    layers["bn3"] = nn.BatchNorm2d(4 * w)
    layers["lrelu3"] = nn.LeakyReLU(LEAK, inplace=True)
    layers["conv4"] = nn.Conv2d(4 * w, 1, 4, 1, 0, bias=False)
    layers["flatten"] = nn.Flatten(0)
    net = nn.Sequential(layers)
    # A stream apart from the generator's: its layer names overlap.
    _init(net, seed + 7919)
    return net


def latent_noise(
    n: int,
    sigma_z: float,
    data_std: float,
    generator: torch.Generator,
    latent_dim: int = LATENT_DIM,
) -> torch.Tensor:
    """``z ~ N(0, I) * sigma_z / data_std``, shape (n, latent_dim, 1, 1), on the CPU.

    Drawn on the CPU from ``generator`` so that the same seed gives the same noise on
    any device; for one seed, runs at different sigma_z see the same standard normals.
    """
    torch = import_torch()
    unit = torch.randn((n, latent_dim, 1, 1), generator=generator)
    return unit * (sigma_z / data_std)


def resolve_device(name: str) -> str:
    """``name`` with ``"auto"`` replaced by ``"cuda"`` if a GPU is available, else ``"cpu"``."""
    if name != "auto":
        return name
    return "cuda" if import_torch().cuda.is_available() else "cpu"


def train_one(
    *,
    sigma_z: float,
    kappa: float,
    seed: int = 0,
    architecture: str = "published",
    dataset: str = "auto",
    data_path: str | None = None,
    data_sha256: str | None = None,
    subset: int | None = None,
    epochs: int = 1,
    batch_size: int = 128,
    channels: int = CHANNEL_BUDGET,
    latent_dim: int = LATENT_DIM,
    lr: float = 2e-4,
    beta1: float = 0.5,
    device: str = "cpu",
    threads: int | None = None,
) -> dict[str, np.ndarray]:
    """Train one DCGAN and return its per-step loss history.

    Each step (as in the PyTorch DCGAN example): draw a real batch and noise; update D
    on ``L_D = BCE(D(x), 1) + BCE(D(G(z)), 0)``; then update G on ``L_G = BCE(D(G(z)),
    1)`` with the same fake batch and the updated D.  The recorded losses are the ones
    each update descended (L_D before D's step, L_G before G's step).

    Parameters
    ----------
    sigma_z : float
        Latent-noise scale, > 0; z is multiplied by ``sigma_z / std(data)``.
    kappa : float
        Discriminator's share of the channel budget, in (0, 1).
    seed : int
        Seeds the initial weights, the data order and the noise (separate streams).
    architecture : {"published", "sigma_acts"}
        Generator first layer (see the module docstring).
    dataset, data_path, subset
        Passed to :func:`~spinglass_gan.experiments.data.load_dataset`; ``subset`` keeps
        the first ``subset`` training images.
    data_sha256 : str, optional
        The SHA-256 of the data files (comma-separated, as in the loaded data's
        ``source["files"]``); if given, a mismatch raises.  A sweep passes it so that runs
        resumed later cannot mix data that changed in between.
    epochs : int
        Passes over the data; each is ``n_images // batch_size`` steps (last partial
        batch dropped, so every BatchNorm sees ``batch_size`` samples).
    batch_size : int
        Default 128.
    channels : int
        Channel budget w_D + w_G (default 128).
    latent_dim : int
        Dimension of z (default 100).
    lr, beta1 : float
        Adam's learning rate and first-moment decay (second: 0.999), both networks.
    device : str
        ``"cpu"``, ``"cuda"``, ``"cuda:1"``, ... or ``"auto"``.
    threads : int, optional
        ``torch.set_num_threads`` for this process (CPU); default: leave as is.

    Returns
    -------
    dict of str to numpy.ndarray
        ``loss_D``, ``loss_G`` (per step), ``d_real``, ``d_fake`` (mean D probability of
        the real and fake batch before D's step), and scalars ``data_std``, ``width_D``,
        ``width_G``, ``params_D``, ``params_G``, ``kappa_params`` (D's share of the
        weights), ``n_images``, ``steps_per_epoch``, ``seconds``.
    """
    torch = import_torch()
    F = torch.nn.functional
    sigma_z = val.positive("sigma_z", sigma_z)
    _check_architecture(architecture)
    seed = val.integer("seed", seed, 0)
    epochs = val.integer("epochs", epochs, 1)
    batch_size = val.integer("batch_size", batch_size, 2)
    width_d, width_g = channel_split(kappa, channels)
    if threads is not None:
        torch.set_num_threads(val.integer("threads", threads, 1))
    dev = torch.device(resolve_device(device))

    data = load_dataset(dataset, data_path, subset)
    found = ",".join(data.source["files"].values())
    if data_sha256 is not None and data_sha256 != found:
        raise ValueError(
            f"data at {data.source['path']} has SHA-256 {found}, expected {data_sha256}"
        )
    n_images, n_channels = data.images.shape[:2]
    steps_per_epoch = n_images // batch_size
    if steps_per_epoch == 0:
        raise ValueError(f"batch_size={batch_size} exceeds the {n_images} images")
    images = torch.from_numpy(np.array(data.images)).to(dev)

    net_g = build_generator(
        width_g, architecture, channels=n_channels, latent_dim=latent_dim, seed=seed
    ).to(dev)
    net_d = build_discriminator(width_d, channels=n_channels, seed=seed).to(dev)
    opt_g = torch.optim.Adam(net_g.parameters(), lr=lr, betas=(beta1, 0.999))
    opt_d = torch.optim.Adam(net_d.parameters(), lr=lr, betas=(beta1, 0.999))
    order_gen = torch.Generator().manual_seed(seed)
    noise_gen = torch.Generator().manual_seed(seed + 1)
    ones = torch.ones(batch_size, device=dev)
    zeros = torch.zeros(batch_size, device=dev)

    steps = epochs * steps_per_epoch
    # Kept on the device and copied once at the end: .item() per step would make every
    # step wait for the GPU.
    record = torch.empty((steps, 4), device=dev)
    start = time.perf_counter()
    step = 0
    for _ in range(epochs):
        order = torch.randperm(n_images, generator=order_gen)
        for i in range(steps_per_epoch):
            real = images[order[i * batch_size : (i + 1) * batch_size].to(dev)]
            z = latent_noise(batch_size, sigma_z, data.std, noise_gen, latent_dim).to(dev)
            fake = net_g(z)

            opt_d.zero_grad(set_to_none=True)
            logit_real = net_d(real)
            logit_fake = net_d(fake.detach())
            loss_real = F.binary_cross_entropy_with_logits(logit_real, ones)
            loss_fake = F.binary_cross_entropy_with_logits(logit_fake, zeros)
            loss_d = loss_real + loss_fake
            loss_d.backward()
            opt_d.step()

            opt_g.zero_grad(set_to_none=True)
            loss_g = F.binary_cross_entropy_with_logits(net_d(fake), ones)
            loss_g.backward()
            opt_g.step()

            with torch.no_grad():
                record[step, 0] = loss_d
                record[step, 1] = loss_g
                record[step, 2] = torch.sigmoid(logit_real).mean()
                record[step, 3] = torch.sigmoid(logit_fake).mean()
            step += 1
    history = record.cpu().double().numpy()
    seconds = time.perf_counter() - start

    params_d = sum(p.numel() for p in net_d.parameters())
    params_g = sum(p.numel() for p in net_g.parameters())
    return {
        "loss_D": history[:, 0],
        "loss_G": history[:, 1],
        "d_real": history[:, 2],
        "d_fake": history[:, 3],
        "data_std": np.float64(data.std),
        "width_D": np.int64(width_d),
        "width_G": np.int64(width_g),
        "params_D": np.int64(params_d),
        "params_G": np.int64(params_g),
        "kappa_params": np.float64(params_d / (params_d + params_g)),
        "n_images": np.int64(n_images),
        "steps_per_epoch": np.int64(steps_per_epoch),
        "seconds": np.float64(seconds),
    }
