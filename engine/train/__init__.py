"""Training scripts for the engine's models: `reelwright train autoencoder|dit`."""
