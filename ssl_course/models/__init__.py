"""Networks that several chapters share: small encoders and the projection head.

A method's own networks live with the method (a VAE in `generative/vae.py`, a GPT in
`text/gpt.py`); what is here is the backbone any method can stack a head or a probe on.

- encoders.py     small MLP, 1-D and 2-D CNN encoders
- heads.py        the projection head
- resnet.py       torchvision's ResNet-18 adapted to small images (3x3 stem, no max-pool) (chapter 15)
- transformer.py  TinyEncoder, a small Transformer encoder for masked language modelling (chapter 16)
"""
