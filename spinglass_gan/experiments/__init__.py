"""GAN experiments beside the theory: DCGAN losses against sigma_z and kappa (Fig. 9).

Needs the ``torch`` extra (``pip install 'spinglass_gan[torch]'``) to train; PyTorch is
imported only when a network is built or trained, so the data loaders, the summary and
the figure work without it.

Modules
-------
data
    Local datasets only: CIFAR-10 (safe unpickling), Fashion-MNIST (IDX), shipped subset.
dcgan
    Generator ("published" or "sigma_acts") and discriminator with a channel budget
    split by kappa; ``train_one``, one run's loss history.
sweep
    ``gan_sweep`` over (architecture, sigma_z, kappa, seed) through the sweep runner,
    resumable; ``summarize`` (minimum and smoothed final losses over seeds).
figure
    ``figure9``: the losses beside the theory's lowest losses.
cli
    ``spinglass-gan gan-sweep``.
"""

from .data import ImageData, UnsafePickleError, load_dataset
from .dcgan import (
    ARCHITECTURES,
    CHANNEL_BUDGET,
    build_discriminator,
    build_generator,
    channel_split,
    train_one,
)
from .figure import figure9
from .sweep import FULL, QUICK, GanSummary, gan_sweep, summarize

__all__ = [
    "ARCHITECTURES",
    "CHANNEL_BUDGET",
    "FULL",
    "QUICK",
    "GanSummary",
    "ImageData",
    "UnsafePickleError",
    "build_discriminator",
    "build_generator",
    "channel_split",
    "figure9",
    "gan_sweep",
    "load_dataset",
    "summarize",
    "train_one",
]
