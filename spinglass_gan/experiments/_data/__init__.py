"""Data files shipped with the GAN experiments (see LICENSE-fashion-mnist.txt)."""
