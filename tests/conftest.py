import os

import pytest
import torch

# Tests never reach a network: the sentence encoder and everything else load from local packages.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="session")
def tiny_weights(tmp_path_factory):
    """A weights folder with a tiny random DiT and autoencoder: exercises every code path in seconds."""
    from engine.autoencoder import VideoAutoencoder
    from engine.dit import dit_from_preset

    folder = tmp_path_factory.mktemp("weights")
    torch.manual_seed(0)
    dit = dit_from_preset("XS", silhouette=4, camera=True)
    with torch.no_grad():  # give the zero-initialised output layers some weight so samples depend on inputs
        for p in dit.parameters():
            if p.abs().sum() == 0:
                p.normal_(0, 0.02)
    dit.save_pretrained(folder / "transformer")
    VideoAutoencoder().save_pretrained(folder / "autoencoder")
    return folder
