"""Making models: the synthetic page generator (``render``, ``degrade``, ``synth``, ``lowres``,
``fonts``, ``text``), another library's damage (``bank``, Augraphy), datasets and benchmark
sets (``dataset``), the training loop (``train``, with ``configs/``), the orientation
network's training (``orient``) and evaluation on held-out pages (``evaluate``). Needs
``pip install 'pagewash[train]'``. The architectures and the checkpoint format are the
library's (``pagewash.models``, ``pagewash.artifact``)."""
