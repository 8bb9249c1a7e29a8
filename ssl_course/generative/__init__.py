"""Generative models and autoencoders.

- `vae.py`          reparameterisation, the Gaussian KL, the negative ELBO and the IWAE bound, a small VAE (chapter 13)
- `gan.py`          the GAN losses on logits (gan_d_loss, gan_g_loss), one training step (gan_step), 2-D MLPs and
                    the ring's mode-coverage metric (chapter 14)
- `autoencoder.py`  add_noise (Gaussian, masking, salt-and-pepper), ConvAutoencoder, train_autoencoder, denoise
                    (chapter 18)
"""
