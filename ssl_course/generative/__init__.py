"""Generative models and autoencoders.

- `vae.py`          reparameterisation, the Gaussian KL, the negative ELBO and the IWAE bound, a small VAE (chapter 13)
- `gan.py`          the GAN losses on logits (gan_d_loss, gan_g_loss), one training step (gan_step), 2-D MLPs and
                    the ring's mode-coverage metric (chapter 14)
- `autoencoder.py`  add_noise (Gaussian, masking, salt-and-pepper), ConvAutoencoder, train_autoencoder, denoise
                    (chapter 18)
- `dcgan.py`        DCGAN for 8x8 digits: Generator, Discriminator, dcgan_init, sample, train_dcgan (and the
                    sigmoid + BCELoss variant of the wrong answer), bce_logit_gradient (chapter 20)
- `conditional_gan.py`  embed_condition (a one-hot class beside z), the projection discriminator's logits and
                    loss, ConditionalGenerator, ProjectionDiscriminator, train_conditional_gan (chapter 24)
"""
