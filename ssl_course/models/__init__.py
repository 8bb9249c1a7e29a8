"""Networks that several chapters share: small encoders and the projection head.

A method's own networks live with the method (a VAE in `generative/vae.py`, a GPT in
`text/gpt.py`); what is here is the backbone any method can stack a head or a probe on.
"""
