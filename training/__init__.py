"""Training side of pagewash: synthetic scans, architectures, the training loop, evaluation, export."""
