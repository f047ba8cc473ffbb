import pytest
import torch

from pagewash.artifact import load_artifact, read_artifact, save_artifact
from pagewash.errors import BadArtifact
from pagewash.models import build_model


@pytest.mark.parametrize("arch", ["dense", "deep-dense", "conv", "pagenet"])
def test_round_trip(tmp_path, arch):
    net = build_model(arch).eval()
    for p in net.parameters():
        torch.nn.init.normal_(p, std=0.1)
    path = tmp_path / "m.pt"
    save_artifact(path, net, arch, metrics='{"cer": 0.1}', generator_version="9")
    again, info = load_artifact(path)
    assert info["arch"] == arch and info["generator_version"] == "9" and "state_dict" not in info
    x = torch.rand(2, 1, 64 if arch == "pagenet" else 28, 64 if arch == "pagenet" else 28)
    with torch.no_grad():
        assert torch.equal(net(x), again(x))
    assert not path.with_name("m.pt.part").exists()
    # loads under the safe unpickler: nothing in it can run code
    assert torch.load(path, weights_only=True)["format"] == "pagewash-model"


def test_not_an_artifact(tmp_path):
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not a model")
    with pytest.raises(BadArtifact):
        read_artifact(junk)
    other = tmp_path / "other.pt"
    torch.save({"weights": torch.zeros(2)}, other)
    with pytest.raises(BadArtifact, match="not a pagewash model"):
        read_artifact(other)
